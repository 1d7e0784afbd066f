"""Roles and their intake: queries and mutations (REST: app/api/v1/roles.py, intake.py)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, cast

import strawberry
from strawberry.scalars import JSON

from app.domain.roles import intake
from app.domain.roles import service as roles
from app.domain.roles.schemas import (
    IntakeDiff as IntakeDiffPublic,
)
from app.domain.roles.schemas import (
    IntakeRevisionCreate,
    IntakeRevisionPublic,
    RoleCreate,
    RoleFilters,
    RolePublic,
    RoleUpdate,
)
from app.errors import InvalidInput, NotFound
from app.graphql import enums, prefetch
from app.graphql.context import Context
from app.graphql.errors import MutationError, validate
from app.graphql.ids import parse_id, to_global_id
from app.graphql.mutate import given, mutate
from app.graphql.pagination import page_info_of, page_request
from app.graphql.types.intake import IntakeRevision
from app.graphql.types.role import Role, RoleConnection, RoleEdge

Info = strawberry.Info[Context, None]


@strawberry.input
class CreateRoleInput:
    title: str
    team: str | None = strawberry.UNSET
    location: str | None = strawberry.UNSET
    workplace: str | None = strawberry.field(
        default=strawberry.UNSET, graphql_type=enums.Workplace | None
    )
    headcount: int | None = strawberry.UNSET
    status: str | None = strawberry.field(
        default=strawberry.UNSET, graphql_type=enums.SettableRoleStatus | None
    )
    recruiter_id: strawberry.ID | None = strawberry.UNSET
    hiring_manager_id: strawberry.ID | None = strawberry.UNSET
    target_start: dt.date | None = strawberry.UNSET
    intake: JSON | None = strawberry.field(
        default=strawberry.UNSET, description="Initial intake, REST shape"
    )


@strawberry.input
class UpdateRoleInput:
    id: strawberry.ID
    expected_version: int | None = strawberry.field(
        default=None, description="Like If-Match in REST"
    )
    title: str | None = strawberry.UNSET
    team: str | None = strawberry.UNSET
    location: str | None = strawberry.UNSET
    workplace: str | None = strawberry.field(
        default=strawberry.UNSET, graphql_type=enums.Workplace | None
    )
    headcount: int | None = strawberry.UNSET
    status: str | None = strawberry.field(
        default=strawberry.UNSET, graphql_type=enums.SettableRoleStatus | None
    )
    recruiter_id: strawberry.ID | None = strawberry.UNSET
    hiring_manager_id: strawberry.ID | None = strawberry.UNSET
    target_start: dt.date | None = strawberry.UNSET


@strawberry.input
class ProposeIntakeRevisionInput:
    role_id: strawberry.ID
    content: JSON = strawberry.field(
        description="The intake, in the same shape as REST's IntakeContent"
    )
    change_note: str


@strawberry.input
class SignOffIntakeRevisionInput:
    role_id: strawberry.ID
    number: int


@strawberry.type
class RolePayload:
    role: Role


@strawberry.type
class IntakeRevisionPayload:
    revision: IntakeRevision


RoleResult = Annotated[RolePayload | MutationError, strawberry.union("RoleResult")]


IntakeRevisionResult = Annotated[
    IntakeRevisionPayload | MutationError, strawberry.union("IntakeRevisionResult")
]


@strawberry.type(description="One field's change between two intake revisions")
class IntakeChange:
    field: str = strawberry.field(
        description="Dotted path; skills are keyed by name, e.g. skills.Python.priority"
    )
    change: str = strawberry.field(description="added, removed or changed")
    before: JSON | None
    after: JSON | None


@strawberry.type(description="Field-by-field changes between two intake revisions")
class IntakeDiff:
    role_id: strawberry.ID
    from_revision: int
    to_revision: int
    changes: list[IntakeChange]

    @classmethod
    def from_public(cls, d: IntakeDiffPublic) -> IntakeDiff:
        return cls(
            role_id=strawberry.ID(to_global_id("Role", d.role_id)),
            from_revision=d.from_revision,
            to_revision=d.to_revision,
            changes=[
                IntakeChange(
                    field=c.field,
                    change=c.change,
                    before=cast(JSON, c.before),
                    after=cast(JSON, c.after),
                )
                for c in d.changes
            ],
        )


@strawberry.type
class RoleQuery:
    @strawberry.field(description="Field-by-field changes between two revisions of a role's intake")
    async def intake_diff(
        self,
        info: Info,
        role_id: strawberry.ID,
        from_: Annotated[int, strawberry.argument(name="from")],
        to: int,
    ) -> IntakeDiff:
        ctx = info.context
        for name, number in (("from", from_), ("to", to)):
            if not 1 <= number <= 1_000_000:
                raise InvalidInput.for_field(name, "must be between 1 and 1000000")
        return IntakeDiff.from_public(
            await intake.diff_revisions(
                ctx.session, ctx.actor, parse_id(role_id, "Role", "roleId"), from_, to
            )
        )

    @strawberry.field
    async def role(self, info: Info, id: strawberry.ID) -> Role | None:
        ctx = info.context
        try:
            role = await roles.get_role(ctx.session, ctx.actor, parse_id(id, "Role", "id"))
        except NotFound:
            return None
        return Role.from_public(role)

    @strawberry.field(description="Roles, newest first, with the same filters as REST")
    async def roles(
        self,
        info: Info,
        first: int = 50,
        after: str | None = None,
        status: Annotated[
            str | None, strawberry.argument(graphql_type=enums.RoleStatus | None)
        ] = None,
        hiring_manager_id: strawberry.ID | None = None,
        recruiter_id: strawberry.ID | None = None,
        q: str | None = None,
    ) -> RoleConnection:
        ctx = info.context
        filters = validate(
            RoleFilters,
            {
                "status": status,
                "hiring_manager_id": parse_id(hiring_manager_id, "Member", "hiring_manager_id")
                if hiring_manager_id
                else None,
                "recruiter_id": parse_id(recruiter_id, "Member", "recruiter_id")
                if recruiter_id
                else None,
                "q": q,
            },
        )
        page = await roles.list_roles(
            ctx.session, ctx.actor, filters, page_request(first, after, ctx.max_first)
        )
        await prefetch.role_edges(ctx.loaders, page.items, prefetch.selected(info, "edges", "node"))
        edges = [RoleEdge(node=Role.from_public(r)) for r in page.items]
        return RoleConnection(edges=edges, page_info=page_info_of(page, after))


def _role(role: RolePublic) -> RolePayload:
    return RolePayload(role=Role.from_public(role))


def _revision(revision: IntakeRevisionPublic) -> IntakeRevisionPayload:
    return IntakeRevisionPayload(revision=IntakeRevision.from_public(revision))


ROLE_IDS = {"id": "Role", "recruiter_id": "Member", "hiring_manager_id": "Member"}


@strawberry.type
class RoleMutation:
    @strawberry.mutation
    async def create_role(self, info: Info, input: CreateRoleInput) -> RoleResult:
        return await mutate(
            info,
            given(input),
            ids=ROLE_IDS,
            schema=RoleCreate,
            call=lambda s, actor, p: roles.create_role(s, actor, p.body),
            shape=_role,
        )

    @strawberry.mutation
    async def update_role(self, info: Info, input: UpdateRoleInput) -> RoleResult:
        return await mutate(
            info,
            given(input),
            ids=ROLE_IDS,
            schema=RoleUpdate,
            call=lambda s, actor, p: roles.update_role(s, actor, p.id(), p.body, p.version),
            shape=_role,
        )

    @strawberry.mutation
    async def propose_intake_revision(
        self, info: Info, input: ProposeIntakeRevisionInput
    ) -> IntakeRevisionResult:
        return await mutate(
            info,
            given(input),
            ids={"role_id": "Role"},
            schema=IntakeRevisionCreate,
            call=lambda s, actor, p: intake.propose_revision(s, actor, p.id("role_id"), p.body),
            shape=_revision,
        )

    @strawberry.mutation
    async def sign_off_intake_revision(
        self, info: Info, input: SignOffIntakeRevisionInput
    ) -> IntakeRevisionResult:
        return await mutate(
            info,
            given(input),
            ids={"role_id": "Role"},
            call=lambda s, actor, p: intake.sign_off(s, actor, p.id("role_id"), p.args["number"]),
            shape=_revision,
        )
