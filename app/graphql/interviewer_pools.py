"""Interviewer pools, training sign-off and replacing an interviewer (REST:
app/api/v1/interviewer_pools.py and POST /interviews/{id}/replacements)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry

from app.domain.interviewer_pools import service as pools
from app.domain.interviewer_pools.schemas import (
    PoolCreate,
    PoolMemberAdd,
    PoolMemberPublic,
    PoolMemberUpdate,
    PoolPublic,
    PoolUpdate,
    ReplacementPublic,
    ReplacementRequest,
)
from app.domain.interviews import service as interviews
from app.errors import NotFound
from app.graphql.context import Context
from app.graphql.errors import MutationError
from app.graphql.ids import parse_id, to_global_id
from app.graphql.mutate import given, mutate
from app.graphql.pagination import page_request

Info = strawberry.Info[Context, None]


@strawberry.type(description="A member of an interviewer pool, trained or in training")
class InterviewerPoolMember:
    member_id: strawberry.ID = strawberry.field(description="A Member id")
    name: str
    status: str = strawberry.field(description="trained or in_training")
    not_before: str | None = strawberry.field(
        description="No interview of this pool starts before this local time (HH:MM)"
    )
    max_per_day: int | None
    max_per_week: int | None
    shadows_done: int
    reverse_shadows_done: int
    next_seat: str | None = strawberry.field(
        description="A trainee's next seat: shadow or reverse_shadow"
    )
    ready_for_sign_off: bool
    signed_off_by: strawberry.ID | None
    trained_at: dt.datetime | None

    @classmethod
    def from_public(cls, m: PoolMemberPublic) -> InterviewerPoolMember:
        return cls(
            member_id=strawberry.ID(to_global_id("Member", m.member_id)),
            name=m.name,
            status=m.status,
            not_before=m.not_before,
            max_per_day=m.max_per_day,
            max_per_week=m.max_per_week,
            shadows_done=m.shadows_done,
            reverse_shadows_done=m.reverse_shadows_done,
            next_seat=m.next_seat,
            ready_for_sign_off=m.ready_for_sign_off,
            signed_off_by=(
                strawberry.ID(to_global_id("Member", m.signed_off_by)) if m.signed_off_by else None
            ),
            trained_at=m.trained_at,
        )


@strawberry.type(description="Who can run a kind of interview (or test a skill)")
class InterviewerPool:
    id: strawberry.ID
    database_id: strawberry.ID
    name: str
    kind: str | None
    skill: str | None
    shadow_rounds: int
    reverse_shadow_rounds: int
    members: list[InterviewerPoolMember]
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime

    @classmethod
    def from_public(cls, p: PoolPublic) -> InterviewerPool:
        return cls(
            id=strawberry.ID(to_global_id("InterviewerPool", p.id)),
            database_id=strawberry.ID(str(p.id)),
            name=p.name,
            kind=p.kind,
            skill=p.skill,
            shadow_rounds=p.shadow_rounds,
            reverse_shadow_rounds=p.reverse_shadow_rounds,
            members=[InterviewerPoolMember.from_public(m) for m in p.members],
            version=p.version,
            created_at=p.created_at,
            updated_at=p.updated_at,
        )


@strawberry.type(description="An interviewer replaced from the interview's pool")
class InterviewerReplacement:
    interview_id: strawberry.ID
    replaced_member_id: strawberry.ID
    replacement_member_id: strawberry.ID | None
    replaced: bool
    reason: str
    replacements: int

    @classmethod
    def from_public(cls, r: ReplacementPublic) -> InterviewerReplacement:
        return cls(
            interview_id=strawberry.ID(to_global_id("Interview", r.interview_id)),
            replaced_member_id=strawberry.ID(to_global_id("Member", r.replaced_member_id)),
            replacement_member_id=(
                strawberry.ID(to_global_id("Member", r.replacement_member_id))
                if r.replacement_member_id
                else None
            ),
            replaced=r.replaced,
            reason=r.reason,
            replacements=r.replacements,
        )


@strawberry.input(description="The same fields as REST's PoolCreate")
class CreateInterviewerPoolInput:
    name: str
    kind: str | None = strawberry.UNSET
    skill: str | None = strawberry.UNSET
    shadow_rounds: int | None = strawberry.UNSET
    reverse_shadow_rounds: int | None = strawberry.UNSET


@strawberry.input(description="The same fields as REST's PoolUpdate")
class UpdateInterviewerPoolInput:
    id: strawberry.ID
    name: str | None = strawberry.UNSET
    kind: str | None = strawberry.UNSET
    skill: str | None = strawberry.UNSET
    shadow_rounds: int | None = strawberry.UNSET
    reverse_shadow_rounds: int | None = strawberry.UNSET


@strawberry.input(description="The same fields as REST's PoolMemberAdd")
class AddInterviewerPoolMemberInput:
    pool_id: strawberry.ID
    member_id: strawberry.ID
    status: str | None = strawberry.field(
        default=strawberry.UNSET, description="trained (the default) or in_training"
    )
    not_before: str | None = strawberry.UNSET
    max_per_day: int | None = strawberry.UNSET
    max_per_week: int | None = strawberry.UNSET


@strawberry.input(description="The same fields as REST's PoolMemberUpdate")
class UpdateInterviewerPoolMemberInput:
    pool_id: strawberry.ID
    member_id: strawberry.ID
    not_before: str | None = strawberry.UNSET
    max_per_day: int | None = strawberry.UNSET
    max_per_week: int | None = strawberry.UNSET


@strawberry.type
class InterviewerPoolPayload:
    interviewer_pool: InterviewerPool


@strawberry.type
class InterviewerReplacementPayload:
    replacement: InterviewerReplacement


InterviewerPoolResult = Annotated[
    InterviewerPoolPayload | MutationError, strawberry.union("InterviewerPoolResult")
]
InterviewerReplacementResult = Annotated[
    InterviewerReplacementPayload | MutationError,
    strawberry.union("InterviewerReplacementResult"),
]


def _pool(pool: PoolPublic) -> InterviewerPoolPayload:
    return InterviewerPoolPayload(interviewer_pool=InterviewerPool.from_public(pool))


@strawberry.type
class InterviewerPoolQuery:
    @strawberry.field(
        description="Interviewer pools with their members, newest first: `first` of them, "
        "after the cursor `after` (REST's next_cursor)"
    )
    async def interviewer_pools(
        self, info: Info, first: int = 50, after: str | None = None
    ) -> list[InterviewerPool]:
        ctx = info.context
        page = await pools.list_pools(
            ctx.session, ctx.actor, page_request(first, after, ctx.max_first)
        )
        return [InterviewerPool.from_public(p) for p in page.items]

    @strawberry.field(description="One interviewer pool")
    async def interviewer_pool(self, info: Info, id: strawberry.ID) -> InterviewerPool | None:
        ctx = info.context
        try:
            found = await pools.get_pool(
                ctx.session, ctx.actor, parse_id(id, "InterviewerPool", "id")
            )
        except NotFound:
            return None
        return InterviewerPool.from_public(found)


@strawberry.type
class InterviewerPoolMutation:
    @strawberry.mutation(description="Create an interviewer pool for a kind of interview or skill")
    async def create_interviewer_pool(
        self, info: Info, input: CreateInterviewerPoolInput
    ) -> InterviewerPoolResult:
        return await mutate(
            info,
            given(input),
            schema=PoolCreate,
            call=lambda s, actor, p: pools.create_pool(s, actor, p.body),
            shape=_pool,
        )

    @strawberry.mutation(description="Rename a pool or change its kind, skill or rounds")
    async def update_interviewer_pool(
        self, info: Info, input: UpdateInterviewerPoolInput
    ) -> InterviewerPoolResult:
        return await mutate(
            info,
            given(input),
            ids={"id": "InterviewerPool"},
            schema=PoolUpdate,
            call=lambda s, actor, p: pools.update_pool(s, actor, p.id(), p.body),
            shape=_pool,
        )

    @strawberry.mutation(description="Add a member to a pool, trained or in training")
    async def add_interviewer_pool_member(
        self, info: Info, input: AddInterviewerPoolMemberInput
    ) -> InterviewerPoolResult:
        return await mutate(
            info,
            given(input),
            ids={"pool_id": "InterviewerPool", "member_id": "Member"},
            schema=PoolMemberAdd,
            call=lambda s, actor, p: pools.add_member(s, actor, p.id("pool_id"), p.body),
            shape=_pool,
        )

    @strawberry.mutation(description="Change a member's preferences in a pool")
    async def update_interviewer_pool_member(
        self, info: Info, input: UpdateInterviewerPoolMemberInput
    ) -> InterviewerPoolResult:
        return await mutate(
            info,
            given(input),
            ids={"pool_id": "InterviewerPool", "member_id": "Member"},
            schema=PoolMemberUpdate,
            call=lambda s, actor, p: pools.update_member(
                s, actor, p.id("pool_id"), p.id("member_id"), p.body
            ),
            shape=_pool,
        )

    @strawberry.mutation(description="Take a member out of a pool")
    async def remove_interviewer_pool_member(
        self, info: Info, pool_id: strawberry.ID, member_id: strawberry.ID
    ) -> InterviewerPoolResult:
        return await mutate(
            info,
            {"pool_id": pool_id, "member_id": member_id},
            ids={"pool_id": "InterviewerPool", "member_id": "Member"},
            call=lambda s, actor, p: pools.remove_member(
                s, actor, p.id("pool_id"), p.id("member_id")
            ),
            shape=_pool,
        )

    @strawberry.mutation(description="Sign off a trainee who sat their rounds: they become trained")
    async def sign_off_interviewer(
        self, info: Info, pool_id: strawberry.ID, member_id: strawberry.ID
    ) -> InterviewerPoolResult:
        return await mutate(
            info,
            {"pool_id": pool_id, "member_id": member_id},
            ids={"pool_id": "InterviewerPool", "member_id": "Member"},
            call=lambda s, actor, p: pools.sign_off(s, actor, p.id("pool_id"), p.id("member_id")),
            shape=_pool,
        )

    @strawberry.mutation(
        description="Replace an interviewer from the interview's pool; the time never moves"
    )
    async def replace_interviewer(
        self, info: Info, interview_id: strawberry.ID, member_id: strawberry.ID
    ) -> InterviewerReplacementResult:
        return await mutate(
            info,
            {"interview_id": interview_id, "member_id": member_id},
            ids={"interview_id": "Interview", "member_id": "Member"},
            schema=ReplacementRequest,
            call=lambda s, actor, p: interviews.replace(s, actor, p.id("interview_id"), p.body),
            shape=lambda r: InterviewerReplacementPayload(
                replacement=InterviewerReplacement.from_public(r)
            ),
        )
