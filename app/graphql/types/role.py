from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, TypeVar

import strawberry

from app.domain.pagination import encode_cursor
from app.domain.roles.schemas import RolePublic
from app.errors import NotFound
from app.graphql import enums, prefetch
from app.graphql.context import Context
from app.graphql.derive import derived, values
from app.graphql.ids import to_global_id
from app.graphql.loaders import MISSING, peek
from app.graphql.pagination import AFTER_HELP, FIRST_HELP, NESTED_FIRST, check_first, nested_page
from app.graphql.types.calibration import RoleInsights, Slate, SlateConnection, SlateEdge
from app.graphql.types.feedback import Offer, OfferConnection, OfferEdge, RoleDashboard
from app.graphql.types.intake import IntakeRevision, IntakeRevisionConnection, IntakeRevisionEdge
from app.graphql.types.member import Member
from app.graphql.types.node import Node, PageInfo
from app.graphql.types.pipeline import ApplicationConnection, application_connection

First = Annotated[int, strawberry.argument(description=FIRST_HELP)]
After = Annotated[str | None, strawberry.argument(description=AFTER_HELP)]

P = TypeVar("P")
T = TypeVar("T")


@strawberry.type(description="The role's id in a connected ATS")
class ExternalRef:
    connection_id: strawberry.ID = strawberry.field(description="The AtsConnection's global id")
    external_id: str = strawberry.field(
        description="The record's id in the ATS, as the vendor spells it"
    )

    @classmethod
    def of(cls, connection_id: uuid.UUID, external_id: str) -> ExternalRef:
        return cls(
            connection_id=strawberry.ID(to_global_id("AtsConnection", connection_id)),
            external_id=external_id,
        )


@strawberry.type(description=RolePublic.__doc__)
@derived(
    RolePublic,
    skip={
        "organization_id": "Always the caller's own (viewer.organization)",
        "recruiter_id": "Shown as the recruiter object (recruiter { id })",
        "hiring_manager_id": "Shown as the hiring manager object (hiringManager { id })",
    },
)
class Role(Node):
    database_id: uuid.UUID = strawberry.field(
        description="The id as REST shows it; prefer `id` in GraphQL"
    )
    recruiter_id: strawberry.Private[uuid.UUID | None]
    hiring_manager_id: strawberry.Private[uuid.UUID | None]
    # Its plain fields (title, status, ...) are derived from RolePublic, with its descriptions.
    if TYPE_CHECKING:  # for mypy only: strawberry takes the derived field, not this line
        created_at: dt.datetime

    @classmethod
    def from_public(cls, r: RolePublic) -> Role:
        return cls(
            id=strawberry.ID(to_global_id("Role", r.id)),
            database_id=r.id,
            recruiter_id=r.recruiter_id,
            hiring_manager_id=r.hiring_manager_id,
            **values(cls, r),
        )

    @strawberry.field(description="The recruiting member")
    def recruiter(self, info: strawberry.Info[Context, None]) -> Member | None:
        return _member(info, self.recruiter_id)  # type: ignore[return-value]

    @strawberry.field(description="The member who decides on the role's candidates")
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
    async def intake_revisions(
        self, info: strawberry.Info[Context, None], first: First = NESTED_FIRST, after: After = None
    ) -> IntakeRevisionConnection:
        check_first(first, info.context.max_first)
        revisions = await info.context.loaders.intake_revisions.load(self.database_id) or []
        edges, page_info = nested_page(
            revisions,
            first,
            after,
            info.context.max_first,
            lambda cursor, r: IntakeRevisionEdge(cursor=cursor, node=IntakeRevision.from_public(r)),
        )
        return IntakeRevisionConnection(edges=edges, page_info=page_info)

    @strawberry.field(
        description="The role's ids in connected systems. A list, as it is bounded: at most one "
        "per ATS connection of the organization"
    )
    async def external_refs(self, info: strawberry.Info[Context, None]) -> list[ExternalRef]:
        refs = await info.context.loaders.role_refs.load(self.database_id) or []
        return [ExternalRef.of(r.connection_id, r.external_id) for r in refs]

    @strawberry.field(description="The role's applications, newest first")
    async def applications(
        self,
        info: strawberry.Info[Context, None],
        stage: Annotated[
            str | None,
            strawberry.argument(
                graphql_type=enums.Stage | None, description="Only applications at this stage"
            ),
        ] = None,
        outcome: Annotated[
            str | None,
            strawberry.argument(
                graphql_type=enums.Outcome | None,
                description="Only applications with this outcome (active: not ended yet)",
            ),
        ] = None,
        first: First = NESTED_FIRST,
        after: After = None,
    ) -> ApplicationConnection:
        check_first(first, info.context.max_first)
        rows = await info.context.loaders.applications_by_role.load(self.database_id) or []
        wanted = [
            a
            for a in rows
            if (stage is None or a.stage == stage) and (outcome is None or a.outcome == outcome)
        ]
        return application_connection(wanted, first, after, info.context.max_first)

    @strawberry.field(description="Slates, newest first (hiring managers see sent ones)")
    async def slates(
        self, info: strawberry.Info[Context, None], first: First = NESTED_FIRST, after: After = None
    ) -> SlateConnection:
        check_first(first, info.context.max_first)
        rows = await info.context.loaders.slates_by_role.load(self.database_id) or []
        edges, page_info = nested_page(
            rows,
            first,
            after,
            info.context.max_first,
            lambda cursor, sl: SlateEdge(cursor=cursor, node=Slate.from_public(sl)),
        )
        await prefetch.slate_edges(
            info.context.loaders, [e.node.database_id for e in edges], info, ("edges", "node")
        )
        return SlateConnection(edges=edges, page_info=page_info)

    @strawberry.field(
        description="What the hiring manager's decisions teach about the role (batched over a "
        "page of roles)"
    )
    async def insights(self, info: strawberry.Info[Context, None]) -> RoleInsights:
        found = await info.context.loaders.insights.load(self.database_id)
        if found is None:
            raise NotFound("role", self.database_id)
        return RoleInsights.from_public(found)

    @strawberry.field(description="The role's offers, newest first")
    async def offers(
        self, info: strawberry.Info[Context, None], first: First = NESTED_FIRST, after: After = None
    ) -> OfferConnection:
        check_first(first, info.context.max_first)
        rows = await info.context.loaders.offers_by_role.load(self.database_id) or []
        edges, page_info = nested_page(
            rows,
            first,
            after,
            info.context.max_first,
            lambda cursor, o: OfferEdge(cursor=cursor, node=Offer.from_public(o)),
        )
        return OfferConnection(edges=edges, page_info=page_info)

    @strawberry.field(
        description="The recruiter's figures for the role (batched over a page of roles)"
    )
    async def dashboard(self, info: strawberry.Info[Context, None]) -> RoleDashboard:
        found = await info.context.loaders.dashboard.load(self.database_id)
        if found is None:
            raise NotFound("role", self.database_id)
        return RoleDashboard.from_pydantic(found)


def _member(
    info: strawberry.Info[Context, None], member_id: uuid.UUID | None
) -> Member | Awaitable[Member | None] | None:
    """Synchronous when the page prefetched its members, an awaitable otherwise (graphql-core
    awaits whatever a resolver returns that is awaitable)."""
    if member_id is None:
        return None
    ctx = info.context
    made = ctx.shaped.get(("Member", member_id))
    if made is not None:
        return made  # type: ignore[no-any-return]
    loader = ctx.loaders.member
    found = peek(loader, member_id)
    if found is MISSING:
        return _later(loader.load(member_id), Member.from_public)
    if not found:
        return None
    made = ctx.shaped[("Member", member_id)] = Member.from_public(found)  # type: ignore[arg-type]
    return made


async def _later(pending: Awaitable[P | None], shape: Callable[[P], T]) -> T | None:
    value = await pending
    return shape(value) if value is not None else None


def _edge_cursor(root: RoleEdge) -> str:
    # Encoded only when asked for: on a page of 50 roles the cursors nobody selects cost more
    # than the titles.
    return encode_cursor(root.node.created_at, root.node.database_id)


@strawberry.type(description="A role in a connection, with its cursor")
class RoleEdge:
    cursor: str = strawberry.field(
        resolver=_edge_cursor,
        description="Opaque: pass it as `after` to continue the list after this role",
    )
    node: Role = strawberry.field(description="The role")


@strawberry.type(description="A page of roles (Relay connection)")
class RoleConnection:
    edges: list[RoleEdge] = strawberry.field(description="The page's roles, in the list's order")
    page_info: PageInfo = strawberry.field(description="Where the page stands in the list")
