"""Query resolvers: parse arguments, call one service function, shape the answer."""

from __future__ import annotations

import datetime as dt

import strawberry

from app.domain.calendars import connections as calendar_connections
from app.domain.calibration import fit, slates
from app.domain.candidates import service as candidates
from app.domain.candidates.schemas import CandidateFilters
from app.domain.interviews import scheduling
from app.domain.interviews import service as interviews
from app.domain.interviews.schemas import SuggestionRequest
from app.domain.organizations import service as organizations
from app.domain.organizations.schemas import MemberFilters
from app.domain.roles import intake
from app.domain.roles import service as roles
from app.domain.roles.schemas import RoleFilters
from app.errors import NotFound, PermissionDenied
from app.graphql import prefetch
from app.graphql.context import Context
from app.graphql.errors import validate
from app.graphql.ids import from_global_id, parse_id
from app.graphql.pagination import cursor_of, page_request
from app.graphql.types.calendars import (
    CalendarConnection,
    CalendarConnectionConnection,
    CalendarConnectionEdge,
)
from app.graphql.types.calibration import FitCheck, Slate
from app.graphql.types.intake import IntakeRevision
from app.graphql.types.interviews import Interview, SchedulingSuggestions
from app.graphql.types.member import Member, MemberConnection, MemberEdge, Organization
from app.graphql.types.node import Node, PageInfo
from app.graphql.types.pipeline import Application, Candidate, CandidateConnection, CandidateEdge
from app.graphql.types.role import Role, RoleConnection, RoleEdge

Info = strawberry.Info[Context, None]


@strawberry.input
class StageInput:
    name: str
    duration_minutes: int
    interviewer_ids: list[strawberry.ID]
    required: int = 1


@strawberry.input
class SuggestionInput:
    application_id: strawberry.ID
    stages: list[StageInput]
    date_from: dt.datetime
    date_to: dt.datetime
    min_notice_hours: int | None = None
    buffer_before_minutes: int = 0
    buffer_after_minutes: int = 0
    max_gap_minutes: int = 60
    allow_back_to_back: bool = True
    limit: int = 10


@strawberry.type
class Viewer:
    member: Member
    organization: Organization


@strawberry.type
class Query:
    @strawberry.field(description="Any object by its global id; null when it is not yours to see")
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        ctx = info.context
        type_name, raw_id = from_global_id(id)
        try:
            if type_name == "Role":
                role = await ctx.loaders.role.load(raw_id)
                return Role.from_public(role) if role else None
            if type_name == "Member":
                member = await ctx.loaders.member.load(raw_id)
                return Member.from_public(member) if member else None
            if type_name == "Candidate":
                candidate = await ctx.loaders.candidate.load(raw_id)
                return Candidate.from_public(candidate) if candidate else None
            if type_name == "Application":
                application = await ctx.loaders.application.load(raw_id)
                return Application.from_public(application) if application else None
            if type_name == "Slate":
                return Slate.from_public(await slates.get_slate(ctx.session, ctx.actor, raw_id))
            if type_name == "Interview":
                return Interview.from_public(
                    await interviews.get_interview(ctx.session, ctx.actor, raw_id)
                )
            if type_name == "IntakeRevision":
                revision = await intake.get_revision_by_id(ctx.session, ctx.actor, raw_id)
                return IntakeRevision.from_public(revision)
            if type_name == "CalendarConnection":
                return CalendarConnection.from_public(
                    await calendar_connections.get_connection(ctx.session, ctx.actor, raw_id)
                )
            if type_name == "Organization":
                if raw_id != ctx.actor.organization_id:
                    return None
                return Organization.from_public(
                    await organizations.get_organization(ctx.session, ctx.actor)
                )
        except (NotFound, PermissionDenied):
            return None
        return None

    @strawberry.field(description="Who is calling")
    async def viewer(self, info: Info) -> Viewer:
        ctx = info.context
        member = await organizations.get_member(ctx.session, ctx.actor, ctx.actor.member_id)
        org = await organizations.get_organization(ctx.session, ctx.actor)
        return Viewer(member=Member.from_public(member), organization=Organization.from_public(org))

    @strawberry.field
    async def organization(self, info: Info) -> Organization:
        ctx = info.context
        return Organization.from_public(
            await organizations.get_organization(ctx.session, ctx.actor)
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
        status: str | None = None,
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
        edges = [RoleEdge(cursor=cursor_of(r), node=Role.from_public(r)) for r in page.items]
        return RoleConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=page.next_cursor is not None, end_cursor=page.next_cursor
            ),
        )

    @strawberry.field
    async def member(self, info: Info, id: strawberry.ID) -> Member | None:
        member = await info.context.loaders.member.load(parse_id(id, "Member", "id"))
        return Member.from_public(member) if member else None

    @strawberry.field
    async def members(
        self,
        info: Info,
        first: int = 50,
        after: str | None = None,
        permission_set: str | None = None,
        q: str | None = None,
    ) -> MemberConnection:
        ctx = info.context
        filters = validate(MemberFilters, {"permission_set": permission_set, "q": q})
        page = await organizations.list_members(
            ctx.session, ctx.actor, filters, page_request(first, after, ctx.max_first)
        )
        if "calendars" in prefetch.selected(info, "edges", "node"):
            await ctx.loaders.calendars_by_member.load_many([m.id for m in page.items])
        return MemberConnection(
            edges=[MemberEdge(cursor=cursor_of(m), node=Member.from_public(m)) for m in page.items],
            page_info=PageInfo(
                has_next_page=page.next_cursor is not None, end_cursor=page.next_cursor
            ),
        )

    @strawberry.field(
        description="Calendar connections with their health, newest first (members see their "
        "own and the organization's)"
    )
    async def calendar_connections(
        self, info: Info, first: int = 50, after: str | None = None
    ) -> CalendarConnectionConnection:
        ctx = info.context
        page = await calendar_connections.list_connections(
            ctx.session, ctx.actor, page_request(first, after, ctx.max_first)
        )
        return CalendarConnectionConnection(
            edges=[
                CalendarConnectionEdge(cursor=cursor_of(c), node=CalendarConnection.from_public(c))
                for c in page.items
            ],
            page_info=PageInfo(
                has_next_page=page.next_cursor is not None, end_cursor=page.next_cursor
            ),
        )

    @strawberry.field(description="One calendar connection with its health")
    async def calendar_connection(self, info: Info, id: strawberry.ID) -> CalendarConnection | None:
        ctx = info.context
        try:
            found = await calendar_connections.get_connection(
                ctx.session, ctx.actor, parse_id(id, "CalendarConnection", "id")
            )
        except NotFound:
            return None
        return CalendarConnection.from_public(found)

    @strawberry.field
    async def candidate(self, info: Info, id: strawberry.ID) -> Candidate | None:
        candidate = await info.context.loaders.candidate.load(parse_id(id, "Candidate", "id"))
        return Candidate.from_public(candidate) if candidate else None

    @strawberry.field(description="Candidates, newest first, with the same search as REST")
    async def candidates(
        self,
        info: Info,
        first: int = 50,
        after: str | None = None,
        q: str | None = None,
        email: str | None = None,
        skill: str | None = None,
        source: str | None = None,
        role_id: strawberry.ID | None = None,
    ) -> CandidateConnection:
        ctx = info.context
        filters = validate(
            CandidateFilters,
            {
                "q": q,
                "email": email,
                "skill": skill,
                "source": source,
                "role_id": parse_id(role_id, "Role", "role_id") if role_id else None,
            },
        )
        page = await candidates.list_candidates(
            ctx.session, ctx.actor, filters, page_request(first, after, ctx.max_first)
        )
        return CandidateConnection(
            edges=[
                CandidateEdge(cursor=cursor_of(c), node=Candidate.from_public(c))
                for c in page.items
            ],
            page_info=PageInfo(
                has_next_page=page.next_cursor is not None, end_cursor=page.next_cursor
            ),
        )

    @strawberry.field
    async def application(self, info: Info, id: strawberry.ID) -> Application | None:
        application = await info.context.loaders.application.load(parse_id(id, "Application", "id"))
        return Application.from_public(application) if application else None

    @strawberry.field
    async def slate(self, info: Info, id: strawberry.ID) -> Slate | None:
        ctx = info.context
        try:
            return Slate.from_public(
                await slates.get_slate(ctx.session, ctx.actor, parse_id(id, "Slate", "id"))
            )
        except NotFound:
            return None

    @strawberry.field(
        description="How a candidate stands against a role's agreed intake and learned red flags"
    )
    async def fit_check(
        self, info: Info, role_id: strawberry.ID, candidate_id: strawberry.ID
    ) -> FitCheck:
        ctx = info.context
        result = await fit.fit_check(
            ctx.session,
            ctx.actor,
            parse_id(role_id, "Role", "role_id"),
            parse_id(candidate_id, "Candidate", "candidate_id"),
        )
        return FitCheck.from_pydantic(result)

    @strawberry.field
    async def interview(self, info: Info, id: strawberry.ID) -> Interview | None:
        ctx = info.context
        try:
            found = await interviews.get_interview(
                ctx.session, ctx.actor, parse_id(id, "Interview", "id")
            )
        except NotFound:
            return None
        return Interview.from_public(found)

    @strawberry.field(
        description="Ranked times for one interview or a panel; when nothing fits, blockedBy says why"
    )
    async def scheduling_suggestions(
        self, info: Info, input: SuggestionInput
    ) -> SchedulingSuggestions:
        ctx = info.context
        data = {
            "application_id": parse_id(input.application_id, "Application", "applicationId"),
            "stages": [
                {
                    "name": s.name,
                    "duration_minutes": s.duration_minutes,
                    "interviewer_ids": [
                        parse_id(i, "Member", "interviewerIds") for i in s.interviewer_ids
                    ],
                    "required": s.required,
                }
                for s in input.stages
            ],
            "date_from": input.date_from,
            "date_to": input.date_to,
            "min_notice_hours": input.min_notice_hours,
            "buffer_before_minutes": input.buffer_before_minutes,
            "buffer_after_minutes": input.buffer_after_minutes,
            "max_gap_minutes": input.max_gap_minutes,
            "allow_back_to_back": input.allow_back_to_back,
            "limit": input.limit,
        }
        result = await scheduling.suggest(ctx.session, ctx.actor, validate(SuggestionRequest, data))
        return SchedulingSuggestions.from_pydantic(result)
