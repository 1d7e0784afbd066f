"""Slates, decisions, insights and fit checks."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable
from typing import TypeVar

import strawberry
from pydantic import BaseModel
from strawberry.experimental import pydantic as strawberry_pydantic

from app.domain.calibration import schemas
from app.graphql import enums
from app.graphql.context import Context
from app.graphql.derive import derived, values
from app.graphql.ids import to_global_id
from app.graphql.loaders import MISSING, peek
from app.graphql.types.node import Node, PageInfo
from app.graphql.types.pipeline import Application

P = TypeVar("P")
T = TypeVar("T")


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


_FLAT_FIELDS: dict[type, tuple[str, ...]] = {}


def _flat(cls: type[T], model: BaseModel) -> T:
    """`cls.from_pydantic(model)` for a type whose fields are all plain values (no nested model):
    Strawberry's conversion resolves every field's type on every call, which made building a
    hundred decisions a third of a 10x10 slates query."""
    names = _FLAT_FIELDS.get(cls)
    if names is None:
        names = _FLAT_FIELDS[cls] = tuple(
            f.python_name
            for f in cls.__strawberry_definition__.fields  # type: ignore[attr-defined]
        )
    return cls(**{name: getattr(model, name) for name in names})


@strawberry.type
@derived(
    schemas.SlateItemPublic,
    skip={
        "application_id": "Shown as the application object (application { id })",
    },
)
class SlateItem(Node):
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
            decision=_flat(Decision, item.decision) if item.decision else None,
            follow_up=_flat(FollowUpSummary, item.follow_up) if item.follow_up else None,
            application_id=item.application_id,
            **values(cls, item),
        )

    @strawberry.field
    def application(self, info: strawberry.Info[Context, None]) -> Application | None:
        # Synchronous when role.slates prefetched the page's applications.
        loader = info.context.loaders.application
        found = peek(loader, self.application_id)
        if found is MISSING:
            return _later(loader.load(self.application_id), Application.from_public)  # type: ignore[return-value]
        return Application.from_public(found) if found else None  # type: ignore[arg-type]


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


@strawberry.type
class SlateEdge:
    cursor: str
    node: Slate


@strawberry.type
class SlateConnection:
    edges: list[SlateEdge]
    page_info: PageInfo
