"""Slates, decisions, insights and fit checks."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import TypeVar, cast

import strawberry

from app.domain.calibration import schemas
from app.graphql.context import Context
from app.graphql.derive import derived, values
from app.graphql.ids import to_global_id
from app.graphql.loaders import MISSING, peek
from app.graphql.types.node import Node, PageInfo
from app.graphql.types.pipeline import Application

P = TypeVar("P")
T = TypeVar("T")


# to_global_id typed as making an ID (strawberry.ID is a NewType of str): no call to wrap it.
_gid = cast(Callable[[str, uuid.UUID], strawberry.ID], to_global_id)


def _ref(type_name: str, raw_id: uuid.UUID | None) -> strawberry.ID | None:
    """A reference field's value: the referenced object's global id (to_global_id is cached)."""
    return None if raw_id is None else _gid(type_name, raw_id)


@strawberry.type(description=schemas.DecisionPublic.__doc__)
@derived(schemas.DecisionPublic, skip={})
class Decision(Node):
    database_id: uuid.UUID = strawberry.field(
        description="The id as REST shows it; prefer `id` in GraphQL"
    )
    decided_by: strawberry.Private[uuid.UUID | None]
    settled_by: strawberry.Private[uuid.UUID | None]

    @classmethod
    def from_public(cls, d: schemas.DecisionPublic) -> Decision:
        # Built for every item of role.slates (a hundred a request): the references are
        # encoded only when a query selects them.
        return cls(
            id=_gid("Decision", d.id),
            database_id=d.id,
            decided_by=d.decided_by_id,
            settled_by=d.settled_by_follow_up_id,
            **values(cls, d),
        )

    @strawberry.field(
        description="The Member who decided (global id); null once that member is removed"
    )
    def decided_by_id(self) -> strawberry.ID | None:
        return _ref("Member", self.decided_by)

    @strawberry.field(
        description="The FollowUp whose answer this decision was taken on (global id)"
    )
    def settled_by_follow_up_id(self) -> strawberry.ID | None:
        return _ref("FollowUp", self.settled_by)


@strawberry.type(description=schemas.FollowUpSummary.__doc__)
@derived(schemas.FollowUpSummary, skip={})
class FollowUpSummary:
    follow_up: strawberry.Private[uuid.UUID]
    document: strawberry.Private[uuid.UUID | None]

    @classmethod
    def from_public(cls, f: schemas.FollowUpSummary) -> FollowUpSummary:
        # Built for half the items of role.slates: ids encoded only when selected.
        return cls(follow_up=f.follow_up_id, document=f.document_id, **values(cls, f))

    @strawberry.field(description="The FollowUp (global id)")
    def follow_up_id(self) -> strawberry.ID:
        return _gid("FollowUp", self.follow_up)

    @strawberry.field(
        description="The Document the candidate uploaded with the answer (global id), if any"
    )
    def document_id(self) -> strawberry.ID | None:
        return _ref("Document", self.document)


@strawberry.type(description=schemas.SlateApproval.__doc__)
@derived(schemas.SlateApproval, skip={})
class SlateApproval:
    slate_id: strawberry.ID = strawberry.field(description="The Slate (global id)")

    @classmethod
    def from_public(cls, a: schemas.SlateApproval) -> SlateApproval:
        return cls(slate_id=strawberry.ID(to_global_id("Slate", a.slate_id)), **values(cls, a))


@strawberry.type(description=schemas.Count.__doc__)
@derived(schemas.Count, skip={})
class Count:
    @classmethod
    def from_public(cls, c: schemas.Count) -> Count:
        return cls(**values(cls, c))


@strawberry.type(description=schemas.FollowUpInsights.__doc__)
@derived(schemas.FollowUpInsights, skip={})
class FollowUpInsights:
    @classmethod
    def from_public(cls, f: schemas.FollowUpInsights) -> FollowUpInsights:
        return cls(**values(cls, f))


@strawberry.type(description=schemas.WaitlistedItem.__doc__)
@derived(schemas.WaitlistedItem, skip={})
class WaitlistedItem:
    application_id: strawberry.ID = strawberry.field(
        description="The candidate's Application to the role (global id)"
    )
    slate_id: strawberry.ID = strawberry.field(
        description="The Slate the candidate is on (global id)"
    )
    follow_up: FollowUpSummary | None = strawberry.field(
        description="The latest follow-up to the candidate, with their answer"
    )

    @classmethod
    def from_public(cls, w: schemas.WaitlistedItem) -> WaitlistedItem:
        return cls(
            application_id=strawberry.ID(to_global_id("Application", w.application_id)),
            slate_id=strawberry.ID(to_global_id("Slate", w.slate_id)),
            follow_up=FollowUpSummary.from_public(w.follow_up) if w.follow_up else None,
            **values(cls, w),
        )


@strawberry.type(description=schemas.Suggestion.__doc__)
@derived(schemas.Suggestion, skip={})
class Suggestion:
    @classmethod
    def from_public(cls, s: schemas.Suggestion) -> Suggestion:
        return cls(**values(cls, s))


@strawberry.type(description=schemas.RoleInsights.__doc__)
@derived(schemas.RoleInsights, skip={})
class RoleInsights:
    role_id: strawberry.ID = strawberry.field(description="The Role (global id)")
    approval_rate_by_slate: list[SlateApproval] = strawberry.field(
        description="Each sent slate's approvals, oldest first"
    )
    top_rejection_reasons: list[Count] = strawberry.field(
        description='The ten most given reasons, labelled by kind ("missing skill: Go")'
    )
    most_missing_skills: list[Count] = strawberry.field(
        description="The ten skills most often missing"
    )
    red_flags: list[Count] = strawberry.field(description="The ten red flags most often raised")
    waitlist: list[WaitlistedItem] = strawberry.field(description="Candidates waitlisted now")
    follow_ups: FollowUpInsights | None = strawberry.field(
        description="Follow-up questions to the role's candidates"
    )
    suggestions: list[Suggestion] = strawberry.field(
        description="What to change, when a pattern is strong"
    )

    @classmethod
    def from_public(cls, r: schemas.RoleInsights) -> RoleInsights:
        return cls(
            role_id=strawberry.ID(to_global_id("Role", r.role_id)),
            approval_rate_by_slate=[SlateApproval.from_public(a) for a in r.approval_rate_by_slate],
            top_rejection_reasons=[Count.from_public(c) for c in r.top_rejection_reasons],
            most_missing_skills=[Count.from_public(c) for c in r.most_missing_skills],
            red_flags=[Count.from_public(c) for c in r.red_flags],
            waitlist=[WaitlistedItem.from_public(w) for w in r.waitlist],
            follow_ups=FollowUpInsights.from_public(r.follow_ups) if r.follow_ups else None,
            suggestions=[Suggestion.from_public(s) for s in r.suggestions],
            **values(cls, r),
        )


@strawberry.type(description=schemas.SkillFit.__doc__)
@derived(schemas.SkillFit, skip={})
class SkillFit:
    @classmethod
    def from_public(cls, s: schemas.SkillFit) -> SkillFit:
        return cls(**values(cls, s))


@strawberry.type(description=schemas.RedFlagFit.__doc__)
@derived(schemas.RedFlagFit, skip={})
class RedFlagFit:
    @classmethod
    def from_public(cls, f: schemas.RedFlagFit) -> RedFlagFit:
        return cls(**values(cls, f))


@strawberry.type(description=schemas.Resemblance.__doc__)
@derived(schemas.Resemblance, skip={})
class Resemblance:
    application_id: strawberry.ID = strawberry.field(
        description="The rejected candidate's Application (global id)"
    )

    @classmethod
    def from_public(cls, r: schemas.Resemblance) -> Resemblance:
        return cls(
            application_id=strawberry.ID(to_global_id("Application", r.application_id)),
            **values(cls, r),
        )


@strawberry.type(description=schemas.FitCheck.__doc__)
@derived(schemas.FitCheck, skip={})
class FitCheck:
    role_id: strawberry.ID = strawberry.field(description="The Role (global id)")
    candidate_id: strawberry.ID = strawberry.field(description="The Candidate (global id)")
    must_skills: list[SkillFit] = strawberry.field(description="Each must-have skill of the intake")
    red_flags: list[RedFlagFit] = strawberry.field(
        description="Each red flag learned from past decisions"
    )
    resembles: list[Resemblance] = strawberry.field(
        description="Rejected candidates of the role alike"
    )
    follow_ups: list[FollowUpSummary] = strawberry.field(
        description="Follow-up questions sent to the candidate for this role, with their answers"
    )

    @classmethod
    def from_public(cls, f: schemas.FitCheck) -> FitCheck:
        return cls(
            role_id=strawberry.ID(to_global_id("Role", f.role_id)),
            candidate_id=strawberry.ID(to_global_id("Candidate", f.candidate_id)),
            must_skills=[SkillFit.from_public(s) for s in f.must_skills],
            red_flags=[RedFlagFit.from_public(r) for r in f.red_flags],
            resembles=[Resemblance.from_public(r) for r in f.resembles],
            follow_ups=[FollowUpSummary.from_public(u) for u in f.follow_ups],
            **values(cls, f),
        )


@strawberry.type(description=schemas.SlateItemPublic.__doc__)
@derived(
    schemas.SlateItemPublic,
    skip={
        "application_id": "Shown as the application object (application { id })",
    },
)
class SlateItem(Node):
    database_id: uuid.UUID = strawberry.field(
        description="The id as REST shows it; prefer `id` in GraphQL"
    )
    decision: Decision | None = strawberry.field(
        description="The current decision; null until decided"
    )
    follow_up: FollowUpSummary | None = strawberry.field(
        description="The latest follow-up to the candidate, with their answer as plain text"
    )
    application_id: strawberry.Private[uuid.UUID]

    @classmethod
    def from_public(cls, item: schemas.SlateItemPublic) -> SlateItem:
        return cls(
            id=_gid("SlateItem", item.id),
            database_id=item.id,
            decision=Decision.from_public(item.decision) if item.decision else None,
            follow_up=FollowUpSummary.from_public(item.follow_up) if item.follow_up else None,
            application_id=item.application_id,
            **values(cls, item),
        )

    @strawberry.field(description="The candidate's application to the role")
    def application(self, info: strawberry.Info[Context, None]) -> Application | None:
        # Synchronous when role.slates prefetched the page's applications.
        loader = info.context.loaders.application
        found = peek(loader, self.application_id)
        if found is MISSING:
            return _later(loader.load(self.application_id), Application.from_public)  # type: ignore[return-value]
        return Application.from_public(found) if found else None  # type: ignore[arg-type]


@strawberry.type(description=schemas.SlatePublic.__doc__)
@derived(
    # A role's slates are read as summaries (no items): what both shapes have is derived.
    schemas.SlateSummaryPublic,
    skip={
        "role_id": "Reached through its role (role.slates)",
    },
)
class Slate(Node):
    database_id: uuid.UUID = strawberry.field(
        description="The id as REST shows it; prefer `id` in GraphQL"
    )
    created_by_id: strawberry.ID | None = strawberry.field(
        description="The Member who made the slate (global id)"
    )
    sent_by_id: strawberry.ID | None = strawberry.field(
        description="The Member who sent it (global id); null while a draft"
    )

    @classmethod
    def from_public(cls, s: schemas.SlateSummaryPublic | schemas.SlatePublic) -> Slate:
        return cls(
            id=_gid("Slate", s.id),
            database_id=s.id,
            created_by_id=_ref("Member", s.created_by_id),
            sent_by_id=_ref("Member", s.sent_by_id),
            **values(cls, s),
        )

    @strawberry.field(
        description="The slate's candidates in order. A list, as it is bounded: a slate holds at "
        "most HIRELOOP_SLATE_MAX_SIZE items (10 unless configured)"
    )
    def items(self, info: strawberry.Info[Context, None]) -> list[SlateItem]:
        # Synchronous when role.slates prefetched the page's items.
        loader = info.context.loaders.slate_items
        found = peek(loader, self.database_id)
        if found is MISSING:
            return _items_later(loader.load(self.database_id))  # type: ignore[return-value]
        return _items(found or [])  # type: ignore[arg-type]


def _items(rows: list[schemas.SlateItemPublic]) -> list[SlateItem]:
    return [SlateItem.from_public(i) for i in rows]


async def _items_later(
    pending: Awaitable[list[schemas.SlateItemPublic] | None],
) -> list[SlateItem]:
    return _items(await pending or [])


async def _later(pending: Awaitable[P | None], shape: Callable[[P], T]) -> T | None:
    value = await pending
    return shape(value) if value is not None else None


@strawberry.type(description="A slate in a connection, with its cursor")
class SlateEdge:
    cursor: str = strawberry.field(
        description="Opaque: pass it as `after` to continue the list after this object"
    )
    node: Slate = strawberry.field(description="The slate")


@strawberry.type(description="A page of slates (Relay connection)")
class SlateConnection:
    edges: list[SlateEdge] = strawberry.field(description="The page's slates, newest first")
    page_info: PageInfo = strawberry.field(description="Where the page stands in the list")
