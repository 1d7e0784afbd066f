"""Slates, decisions, insights and fit checks."""

from __future__ import annotations

import datetime as dt
import uuid

import strawberry
from strawberry.experimental import pydantic as strawberry_pydantic

from app.domain.calibration import schemas
from app.graphql import enums
from app.graphql.context import Context
from app.graphql.derive import derived, values
from app.graphql.ids import to_global_id
from app.graphql.types.node import Node, PageInfo
from app.graphql.types.pipeline import Application


@strawberry_pydantic.type(model=schemas.DecisionPublic, all_fields=True)
class Decision:
    decision: enums.SlateDecision  # type: ignore[valid-type]


@strawberry_pydantic.type(model=schemas.SlateApproval, all_fields=True)
class SlateApproval:
    pass


@strawberry_pydantic.type(model=schemas.Count, all_fields=True)
class Count:
    pass


@strawberry_pydantic.type(model=schemas.FollowUpSummary, all_fields=True)
class FollowUpSummary:
    pass


@strawberry_pydantic.type(model=schemas.FollowUpInsights, all_fields=True)
class FollowUpInsights:
    pass


@strawberry_pydantic.type(model=schemas.WaitlistedItem, all_fields=True)
class WaitlistedItem:
    pass


@strawberry_pydantic.type(model=schemas.Suggestion, all_fields=True)
class Suggestion:
    kind: str


@strawberry_pydantic.type(model=schemas.RoleInsights, all_fields=True)
class RoleInsights:
    pass


@strawberry_pydantic.type(model=schemas.SkillFit, all_fields=True)
class SkillFit:
    status: str


@strawberry_pydantic.type(model=schemas.RedFlagFit, all_fields=True)
class RedFlagFit:
    pass


@strawberry_pydantic.type(model=schemas.Resemblance, all_fields=True)
class Resemblance:
    pass


@strawberry_pydantic.type(model=schemas.FitCheck, all_fields=True)
class FitCheck:
    pass


@strawberry.type
@derived(
    schemas.SlateItemPublic,
    skip={
        "application_id": "Shown as the application object (application { id })",
    },
)
class SlateItem:
    id: strawberry.ID
    database_id: uuid.UUID
    position: int
    question: str | None
    decision: Decision | None
    follow_up: FollowUpSummary | None = strawberry.field(
        description="The latest follow-up to the candidate, with their answer as plain text"
    )
    application_id: strawberry.Private[uuid.UUID]

    @classmethod
    def from_public(cls, item: schemas.SlateItemPublic) -> SlateItem:
        return cls(
            id=strawberry.ID(to_global_id("SlateItem", item.id)),
            database_id=item.id,
            position=item.position,
            question=item.question,
            decision=Decision.from_pydantic(item.decision) if item.decision else None,
            follow_up=FollowUpSummary.from_pydantic(item.follow_up) if item.follow_up else None,
            application_id=item.application_id,
            **values(cls, item),
        )

    @strawberry.field
    async def application(self, info: strawberry.Info[Context, None]) -> Application | None:
        application = await info.context.loaders.application.load(self.application_id)
        return Application.from_public(application) if application else None


@strawberry.type
@derived(
    # A role's slates are read as summaries (no items): what both shapes have is derived.
    schemas.SlateSummaryPublic,
    skip={
        "role_id": "Reached through its role (role.slates)",
        "created_by_id": "Not yet in GraphQL (REST: created_by_id)",
        "sent_by_id": "Not yet in GraphQL (REST: sent_by_id)",
    },
)
class Slate(Node):
    database_id: uuid.UUID
    status: str = strawberry.field(graphql_type=enums.SlateStatus)
    note: str | None
    due_at: dt.datetime | None
    sent_at: dt.datetime | None
    reviewed_at: dt.datetime | None
    version: int
    created_at: dt.datetime

    @classmethod
    def from_public(cls, s: schemas.SlateSummaryPublic | schemas.SlatePublic) -> Slate:
        return cls(
            id=strawberry.ID(to_global_id("Slate", s.id)),
            database_id=s.id,
            status=s.status,
            note=s.note,
            due_at=s.due_at,
            sent_at=s.sent_at,
            reviewed_at=s.reviewed_at,
            version=s.version,
            created_at=s.created_at,
            **values(cls, s),
        )

    @strawberry.field(
        description="The slate's candidates in order. A list, as it is bounded: a slate holds at "
        "most HIRELOOP_SLATE_MAX_SIZE items (10 unless configured)"
    )
    async def items(self, info: strawberry.Info[Context, None]) -> list[SlateItem]:
        rows = await info.context.loaders.slate_items.load(self.database_id) or []
        return [SlateItem.from_public(i) for i in rows]


@strawberry.type
class SlateEdge:
    cursor: str
    node: Slate


@strawberry.type
class SlateConnection:
    edges: list[SlateEdge]
    page_info: PageInfo
