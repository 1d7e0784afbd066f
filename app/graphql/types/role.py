from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable
from typing import TypeVar

import strawberry

from app.domain.calibration import insights
from app.domain.feedback import closing
from app.domain.roles.schemas import RolePublic
from app.graphql.context import Context
from app.graphql.ids import to_global_id
from app.graphql.loaders import MISSING, peek
from app.graphql.types.calibration import RoleInsights, Slate
from app.graphql.types.feedback import Offer, RoleDashboard
from app.graphql.types.intake import IntakeRevision
from app.graphql.types.member import Member
from app.graphql.types.node import Node, PageInfo
from app.graphql.types.pipeline import Application

P = TypeVar("P")
T = TypeVar("T")


@strawberry.type
class ExternalRef:
    connection_id: uuid.UUID
    external_id: str


@strawberry.type
class Role(Node):
    database_id: uuid.UUID
    title: str
    team: str | None
    location: str | None
    workplace: str
    headcount: int
    filled_count: int
    status: str
    target_start: dt.date | None
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    recruiter_id: strawberry.Private[uuid.UUID | None]
    hiring_manager_id: strawberry.Private[uuid.UUID | None]

    @classmethod
    def from_public(cls, r: RolePublic) -> Role:
        return cls(
            id=strawberry.ID(to_global_id("Role", r.id)),
            database_id=r.id,
            title=r.title,
            team=r.team,
            location=r.location,
            workplace=r.workplace,
            headcount=r.headcount,
            filled_count=r.filled_count,
            status=r.status,
            target_start=r.target_start,
            version=r.version,
            created_at=r.created_at,
            updated_at=r.updated_at,
            recruiter_id=r.recruiter_id,
            hiring_manager_id=r.hiring_manager_id,
        )

    @strawberry.field
    def recruiter(self, info: strawberry.Info[Context, None]) -> Member | None:
        return _member(info, self.recruiter_id)  # type: ignore[return-value]

    @strawberry.field
    def hiring_manager(self, info: strawberry.Info[Context, None]) -> Member | None:
        return _member(info, self.hiring_manager_id)  # type: ignore[return-value]

    @strawberry.field(description="The current agreed intake; null until both sides sign one off")
    def intake(self, info: strawberry.Info[Context, None]) -> IntakeRevision | None:
        loader = info.context.loaders.current_intake
        found = peek(loader, self.database_id)
        if found is MISSING:
            return _later(loader.load(self.database_id), IntakeRevision.from_public)  # type: ignore[return-value]
        return IntakeRevision.from_public(found) if found else None  # type: ignore[arg-type]

    @strawberry.field(description="Every intake revision, oldest first")
    async def intake_revisions(self, info: strawberry.Info[Context, None]) -> list[IntakeRevision]:
        revisions = await info.context.loaders.intake_revisions.load(self.database_id) or []
        return [IntakeRevision.from_public(r) for r in revisions]

    @strawberry.field(description="The role's ids in connected systems")
    async def external_refs(self, info: strawberry.Info[Context, None]) -> list[ExternalRef]:
        refs = await info.context.loaders.role_refs.load(self.database_id) or []
        return [ExternalRef(connection_id=r.connection_id, external_id=r.external_id) for r in refs]

    @strawberry.field(description="The role's applications, newest first")
    async def applications(
        self,
        info: strawberry.Info[Context, None],
        stage: str | None = None,
        outcome: str | None = None,
    ) -> list[Application]:
        rows = await info.context.loaders.applications_by_role.load(self.database_id) or []
        return [
            Application.from_public(a)
            for a in rows
            if (stage is None or a.stage == stage) and (outcome is None or a.outcome == outcome)
        ]

    @strawberry.field(description="Slates, newest first (hiring managers see sent ones)")
    async def slates(self, info: strawberry.Info[Context, None]) -> list[Slate]:
        rows = await info.context.loaders.slates_by_role.load(self.database_id) or []
        return [Slate.from_public(s) for s in rows]

    @strawberry.field(description="What the hiring manager's decisions teach about the role")
    async def insights(self, info: strawberry.Info[Context, None]) -> RoleInsights:
        ctx = info.context
        return RoleInsights.from_pydantic(
            await insights.role_insights(ctx.session, ctx.actor, self.database_id)
        )

    @strawberry.field(description="The role's offers, newest first")
    async def offers(self, info: strawberry.Info[Context, None]) -> list[Offer]:
        rows = await info.context.loaders.offers_by_role.load(self.database_id) or []
        return [Offer.from_pydantic(o) for o in rows]

    @strawberry.field(description="The recruiter's figures for the role")
    async def dashboard(self, info: strawberry.Info[Context, None]) -> RoleDashboard:
        ctx = info.context
        return RoleDashboard.from_pydantic(
            await closing.dashboard(ctx.session, ctx.actor, self.database_id)
        )


def _member(
    info: strawberry.Info[Context, None], member_id: uuid.UUID | None
) -> Member | Awaitable[Member | None] | None:
    """Synchronous when the page prefetched its members, an awaitable otherwise (graphql-core
    awaits whatever a resolver returns that is awaitable)."""
    if member_id is None:
        return None
    loader = info.context.loaders.member
    found = peek(loader, member_id)
    if found is MISSING:
        return _later(loader.load(member_id), Member.from_public)
    return Member.from_public(found) if found else None  # type: ignore[arg-type]


async def _later(pending: Awaitable[P | None], shape: Callable[[P], T]) -> T | None:
    value = await pending
    return shape(value) if value is not None else None


@strawberry.type
class RoleEdge:
    cursor: str
    node: Role


@strawberry.type
class RoleConnection:
    edges: list[RoleEdge]
    page_info: PageInfo
