"""Roles and their intake: queries and mutations (REST: app/api/v1/roles.py, intake.py)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, cast

import strawberry
from pydantic import BaseModel
from strawberry.scalars import JSON

from app.domain.roles import intake
from app.domain.roles import service as roles
from app.domain.roles.schemas import (
    IntakeChange as IntakeChangePublic,
)
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
from app.graphql.derive import derived, values
from app.graphql.errors import MutationError, validate
from app.graphql.ids import id_help, parse_id, to_global_id
from app.graphql.mutate import given, mutate
from app.graphql.pagination import AFTER_HELP, FIRST_HELP, page_info_of, page_request
from app.graphql.types.intake import IntakeRevision
from app.graphql.types.role import Role, RoleConnection, RoleEdge

Info = strawberry.Info[Context, None]
MEMBER_ID = "(a Member's global id; a plain UUID is accepted too)"


def _help(model: type[BaseModel], name: str) -> str | None:
    """An input field's description: the domain schema's (what REST's OpenAPI shows)."""
    return model.model_fields[name].description


def _unset(model: type[BaseModel], name: str, **kwargs: Any) -> Any:
    """An optional input field, left out unless given, described as the domain schema does."""
    return strawberry.field(default=strawberry.UNSET, description=_help(model, name), **kwargs)


@strawberry.input(description=RoleCreate.__doc__)
class CreateRoleInput:
    title: str = strawberry.field(description=_help(RoleCreate, "title"))
    team: str | None = _unset(RoleCreate, "team")
    location: str | None = _unset(RoleCreate, "location")
    workplace: str | None = _unset(RoleCreate, "workplace", graphql_type=enums.Workplace | None)
    headcount: int | None = _unset(RoleCreate, "headcount")
    status: str | None = _unset(RoleCreate, "status", graphql_type=enums.SettableRoleStatus | None)
    recruiter_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="The recruiting Member (global id)"
    )
    hiring_manager_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="The Member who decides on candidates (global id)"
    )
    target_start: dt.date | None = _unset(RoleCreate, "target_start")
    intake: JSON | None = strawberry.field(
        default=strawberry.UNSET,
        description="An initial intake in REST's IntakeContent shape, proposed as revision 1 "
        "for both sides to sign off",
    )


@strawberry.input(description=RoleUpdate.__doc__)
class UpdateRoleInput:
    id: strawberry.ID = strawberry.field(description="The Role (global id)")
    expected_version: int | None = strawberry.field(
        default=None, description="The version you last read, like If-Match in REST"
    )
    title: str | None = _unset(RoleUpdate, "title")
    team: str | None = _unset(RoleUpdate, "team")
    location: str | None = _unset(RoleUpdate, "location")
    workplace: str | None = _unset(RoleUpdate, "workplace", graphql_type=enums.Workplace | None)
    headcount: int | None = _unset(RoleUpdate, "headcount")
    status: str | None = _unset(RoleUpdate, "status", graphql_type=enums.SettableRoleStatus | None)
    recruiter_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="The recruiting Member (global id)"
    )
    hiring_manager_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="The Member who decides on candidates (global id)"
    )
    target_start: dt.date | None = _unset(RoleUpdate, "target_start")


@strawberry.input(description=IntakeRevisionCreate.__doc__)
class ProposeIntakeRevisionInput:
    role_id: strawberry.ID = strawberry.field(description="The Role (global id)")
    content: JSON = strawberry.field(
        description="The intake, in the same shape as REST's IntakeContent"
    )
    change_note: str = strawberry.field(description=_help(IntakeRevisionCreate, "change_note"))


@strawberry.input(
    description="Signing off an intake revision, as the role's recruiter or hiring manager"
)
class SignOffIntakeRevisionInput:
    role_id: strawberry.ID = strawberry.field(description="The Role (global id)")
    number: int = strawberry.field(description="The revision's number")


@strawberry.type(description="The role a mutation made or changed")
class RolePayload:
    role: Role = strawberry.field(description="The role as the mutation left it")


@strawberry.type(description="The intake revision a mutation proposed or signed off")
class IntakeRevisionPayload:
    revision: IntakeRevision = strawberry.field(description="The revision as the mutation left it")


RoleResult = Annotated[
    RolePayload | MutationError,
    strawberry.union("RoleResult", description="The role, or why the change did not happen"),
]


IntakeRevisionResult = Annotated[
    IntakeRevisionPayload | MutationError,
    strawberry.union(
        "IntakeRevisionResult", description="The intake revision, or why the change did not happen"
    ),
]


@strawberry.type(description=IntakeChangePublic.__doc__)
@derived(IntakeChangePublic, skip={})
class IntakeChange:
    before: JSON | None = strawberry.field(description=_help(IntakeChangePublic, "before"))
    after: JSON | None = strawberry.field(description=_help(IntakeChangePublic, "after"))

    @classmethod
    def from_public(cls, c: IntakeChangePublic) -> IntakeChange:
        return cls(before=cast(JSON, c.before), after=cast(JSON, c.after), **values(cls, c))


@strawberry.type(description=IntakeDiffPublic.__doc__)
@derived(IntakeDiffPublic, skip={})
class IntakeDiff:
    role_id: strawberry.ID = strawberry.field(description="The Role (global id)")
    changes: list[IntakeChange] = strawberry.field(description=_help(IntakeDiffPublic, "changes"))

    @classmethod
    def from_public(cls, d: IntakeDiffPublic) -> IntakeDiff:
        return cls(
            role_id=strawberry.ID(to_global_id("Role", d.role_id)),
            changes=[IntakeChange.from_public(c) for c in d.changes],
            **values(cls, d),
        )


@strawberry.type
class RoleQuery:
    @strawberry.field(description="Field-by-field changes between two revisions of a role's intake")
    async def intake_diff(
        self,
        info: Info,
        role_id: Annotated[strawberry.ID, strawberry.argument(description=id_help("Role"))],
        from_: Annotated[
            int,
            strawberry.argument(
                name="from", description="The earlier revision's number (1 to 1000000)"
            ),
        ],
        to: Annotated[
            int, strawberry.argument(description="The later revision's number (1 to 1000000)")
        ],
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

    @strawberry.field(description="A role by its global id; null when it is not yours to see")
    async def role(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description=id_help("Role"))],
    ) -> Role | None:
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
        first: Annotated[int, strawberry.argument(description=FIRST_HELP)] = 50,
        after: Annotated[str | None, strawberry.argument(description=AFTER_HELP)] = None,
        status: Annotated[
            str | None,
            strawberry.argument(
                graphql_type=enums.RoleStatus | None, description=_help(RoleFilters, "status")
            ),
        ] = None,
        hiring_manager_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description=f"{_help(RoleFilters, 'hiring_manager_id')} {MEMBER_ID}"
            ),
        ] = None,
        recruiter_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description=f"{_help(RoleFilters, 'recruiter_id')} {MEMBER_ID}"),
        ] = None,
        q: Annotated[str | None, strawberry.argument(description=_help(RoleFilters, "q"))] = None,
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
    @strawberry.mutation(description="Add a role, with an initial intake if given")
    async def create_role(
        self,
        info: Info,
        input: Annotated[
            CreateRoleInput,
            strawberry.argument(
                description="The role's title, team, place, headcount and people, and its first "
                "intake if any"
            ),
        ],
    ) -> RoleResult:
        return await mutate(
            info,
            given(input),
            ids=ROLE_IDS,
            schema=RoleCreate,
            call=lambda s, actor, p: roles.create_role(s, actor, p.body),
            shape=_role,
        )

    @strawberry.mutation(description="Change a role; a field left out stays as it is")
    async def update_role(
        self,
        info: Info,
        input: Annotated[
            UpdateRoleInput,
            strawberry.argument(
                description="The role (its id and expected version) and the fields to change"
            ),
        ],
    ) -> RoleResult:
        return await mutate(
            info,
            given(input),
            ids=ROLE_IDS,
            schema=RoleUpdate,
            call=lambda s, actor, p: roles.update_role(s, actor, p.id(), p.body, p.version),
            shape=_role,
        )

    @strawberry.mutation(
        description="Propose a new revision of a role's intake, for both sides to sign off"
    )
    async def propose_intake_revision(
        self,
        info: Info,
        input: Annotated[
            ProposeIntakeRevisionInput,
            strawberry.argument(
                description="The role, the whole intake as proposed, and what changed and why"
            ),
        ],
    ) -> IntakeRevisionResult:
        return await mutate(
            info,
            given(input),
            ids={"role_id": "Role"},
            schema=IntakeRevisionCreate,
            call=lambda s, actor, p: intake.propose_revision(s, actor, p.id("role_id"), p.body),
            shape=_revision,
        )

    @strawberry.mutation(
        description="Sign off an intake revision; it is agreed once recruiter and hiring "
        "manager both have"
    )
    async def sign_off_intake_revision(
        self,
        info: Info,
        input: Annotated[
            SignOffIntakeRevisionInput,
            strawberry.argument(description="The role and the number of the revision to sign off"),
        ],
    ) -> IntakeRevisionResult:
        return await mutate(
            info,
            given(input),
            ids={"role_id": "Role"},
            call=lambda s, actor, p: intake.sign_off(s, actor, p.id("role_id"), p.args["number"]),
            shape=_revision,
        )
