"""Interviewer pools, training sign-off and replacing an interviewer (REST:
app/api/v1/interviewer_pools.py and POST /interviews/{id}/replacements)."""

from __future__ import annotations

import uuid
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
from app.graphql import enums
from app.graphql.context import Context
from app.graphql.derive import derived, values
from app.graphql.errors import MutationError
from app.graphql.ids import parse_id, to_global_id
from app.graphql.mutate import given, mutate
from app.graphql.pagination import AFTER_HELP, FIRST_HELP, page_request
from app.graphql.types.connection import Connection, connection_of
from app.graphql.types.node import Node

Info = strawberry.Info[Context, None]
First = Annotated[int, strawberry.argument(description=FIRST_HELP)]
After = Annotated[str | None, strawberry.argument(description=AFTER_HELP)]
PoolId = Annotated[
    strawberry.ID, strawberry.argument(description="The InterviewerPool's global id")
]
MemberId = Annotated[strawberry.ID, strawberry.argument(description="The Member's global id")]


@strawberry.type(description="A member of an interviewer pool, trained or in training")
@derived(PoolMemberPublic, skip={})
class InterviewerPoolMember:
    member_id: strawberry.ID = strawberry.field(description="The Member's global id")
    signed_off_by: strawberry.ID | None = strawberry.field(
        description="The Member's global id who signed the trainee off; null when not signed off"
    )

    @classmethod
    def from_public(cls, m: PoolMemberPublic) -> InterviewerPoolMember:
        return cls(
            member_id=strawberry.ID(to_global_id("Member", m.member_id)),
            signed_off_by=(
                strawberry.ID(to_global_id("Member", m.signed_off_by)) if m.signed_off_by else None
            ),
            **values(cls, m),
        )


@strawberry.type(
    description="An interviewer pool: who can run a kind of interview, or test a skill"
)
@derived(PoolPublic, skip={})
class InterviewerPool(Node):
    id: strawberry.ID = strawberry.field(description="The pool's global id")
    database_id: uuid.UUID = strawberry.field(description="The pool's id as REST shows it")
    members: list[InterviewerPoolMember] = strawberry.field(
        description="Its members, trained and in training (a list: a pool is a team, not a "
        "growing record)"
    )

    @classmethod
    def from_public(cls, p: PoolPublic) -> InterviewerPool:
        return cls(
            id=strawberry.ID(to_global_id("InterviewerPool", p.id)),
            database_id=p.id,
            members=[InterviewerPoolMember.from_public(m) for m in p.members],
            **values(cls, p),
        )


@strawberry.type(description="What replacing an interviewer did: who came in, or why no one did")
@derived(ReplacementPublic, skip={})
class InterviewerReplacement:
    interview_id: strawberry.ID = strawberry.field(description="The Interview's global id")
    replaced_member_id: strawberry.ID = strawberry.field(
        description="The Member's global id who was replaced"
    )
    replacement_member_id: strawberry.ID | None = strawberry.field(
        description="The Member's global id who took the seat; null when no one was free"
    )

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
            **values(cls, r),
        )


async def resolve_interviewer_pool_node(ctx: Context, raw_id: uuid.UUID) -> InterviewerPool:
    """For `node(id:)` (app/graphql/nodes.py): a pool of the caller's organization; NotFound
    for another organization's."""
    return InterviewerPool.from_public(await pools.get_pool(ctx.session, ctx.actor, raw_id))


_KIND = "The interview kind it staffs (matched without case)"
_SKILL = "Or the skill it tests"
_SHADOW = "Interviews a trainee watches before leading (0-20)"
_REVERSE = "Interviews a trainee leads while watched (0-20)"
_NOT_BEFORE = "No interview of this pool starts before this local time (HH:MM)"
_PER_DAY = "At most this many of the pool's interviews a day (1-20)"
_PER_WEEK = "At most this many of the pool's interviews a week (1-100)"


@strawberry.input(description="A new interviewer pool: REST's PoolCreate")
class CreateInterviewerPoolInput:
    name: str = strawberry.field(description="The pool's name, e.g. Backend technical")
    kind: str | None = strawberry.field(default=strawberry.UNSET, description=_KIND)
    skill: str | None = strawberry.field(default=strawberry.UNSET, description=_SKILL)
    shadow_rounds: int | None = strawberry.field(
        default=strawberry.UNSET, description=_SHADOW + "; default 2"
    )
    reverse_shadow_rounds: int | None = strawberry.field(
        default=strawberry.UNSET, description=_REVERSE + "; default 1"
    )


@strawberry.input(
    description="Changes to a pool: REST's PoolUpdate; a field left out keeps its value"
)
class UpdateInterviewerPoolInput:
    id: strawberry.ID = strawberry.field(description="The InterviewerPool's global id")
    name: str | None = strawberry.field(default=strawberry.UNSET, description="A new name")
    kind: str | None = strawberry.field(default=strawberry.UNSET, description=_KIND)
    skill: str | None = strawberry.field(default=strawberry.UNSET, description=_SKILL)
    shadow_rounds: int | None = strawberry.field(default=strawberry.UNSET, description=_SHADOW)
    reverse_shadow_rounds: int | None = strawberry.field(
        default=strawberry.UNSET, description=_REVERSE
    )


@strawberry.input(description="A member joining a pool: REST's PoolMemberAdd")
class AddInterviewerPoolMemberInput:
    pool_id: strawberry.ID = strawberry.field(description="The InterviewerPool's global id")
    member_id: strawberry.ID = strawberry.field(description="The Member's global id who joins")
    status: str | None = strawberry.field(
        default=strawberry.UNSET,
        graphql_type=enums.InterviewerPoolMemberStatus | None,
        description="trained (the default) or in_training",
    )
    not_before: str | None = strawberry.field(default=strawberry.UNSET, description=_NOT_BEFORE)
    max_per_day: int | None = strawberry.field(default=strawberry.UNSET, description=_PER_DAY)
    max_per_week: int | None = strawberry.field(default=strawberry.UNSET, description=_PER_WEEK)


@strawberry.input(
    description="New limits for a member of a pool: REST's PoolMemberUpdate; null removes a limit"
)
class UpdateInterviewerPoolMemberInput:
    pool_id: strawberry.ID = strawberry.field(description="The InterviewerPool's global id")
    member_id: strawberry.ID = strawberry.field(description="The Member's global id")
    not_before: str | None = strawberry.field(default=strawberry.UNSET, description=_NOT_BEFORE)
    max_per_day: int | None = strawberry.field(default=strawberry.UNSET, description=_PER_DAY)
    max_per_week: int | None = strawberry.field(default=strawberry.UNSET, description=_PER_WEEK)


@strawberry.type(description="The interviewer pool as it stands after the change")
class InterviewerPoolPayload:
    interviewer_pool: InterviewerPool = strawberry.field(description="The pool")


@strawberry.type(description="The outcome of replacing an interviewer")
class InterviewerReplacementPayload:
    replacement: InterviewerReplacement = strawberry.field(description="What was done")


InterviewerPoolResult = Annotated[
    InterviewerPoolPayload | MutationError,
    strawberry.union(
        "InterviewerPoolResult",
        description="The interviewer pool, or why the change did not happen",
    ),
]
InterviewerReplacementResult = Annotated[
    InterviewerReplacementPayload | MutationError,
    strawberry.union(
        "InterviewerReplacementResult",
        description="The interview with its replacement interviewer, or why none was made",
    ),
]


def _pool(pool: PoolPublic) -> InterviewerPoolPayload:
    return InterviewerPoolPayload(interviewer_pool=InterviewerPool.from_public(pool))


@strawberry.type
class InterviewerPoolQuery:
    @strawberry.field(
        description="Interviewer pools with their members, newest first (REST's next_cursor is "
        "a connection's endCursor)"
    )
    async def interviewer_pools(
        self, info: Info, first: First = 50, after: After = None
    ) -> Connection[InterviewerPool]:
        ctx = info.context
        page = await pools.list_pools(
            ctx.session, ctx.actor, page_request(first, after, ctx.max_first)
        )
        return connection_of(page, after, InterviewerPool.from_public)

    @strawberry.field(description="One interviewer pool; null when it is not yours to see")
    async def interviewer_pool(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID, strawberry.argument(description="The InterviewerPool's global id")
        ],
    ) -> InterviewerPool | None:
        try:
            return await resolve_interviewer_pool_node(
                info.context, parse_id(id, "InterviewerPool", "id")
            )
        except NotFound:
            return None


@strawberry.type
class InterviewerPoolMutation:
    @strawberry.mutation(description="Create an interviewer pool for a kind of interview or skill")
    async def create_interviewer_pool(
        self,
        info: Info,
        input: Annotated[
            CreateInterviewerPoolInput,
            strawberry.argument(
                description="The pool's name, the interview kind or skill it staffs, and its "
                "training rounds"
            ),
        ],
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
        self,
        info: Info,
        input: Annotated[
            UpdateInterviewerPoolInput,
            strawberry.argument(description="The pool and the fields to change"),
        ],
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
        self,
        info: Info,
        input: Annotated[
            AddInterviewerPoolMemberInput,
            strawberry.argument(
                description="The pool, the member who joins, trained or in training, and their "
                "limits"
            ),
        ],
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
        self,
        info: Info,
        input: Annotated[
            UpdateInterviewerPoolMemberInput,
            strawberry.argument(
                description="The pool, the member and their new limits (null removes one)"
            ),
        ],
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
        self, info: Info, pool_id: PoolId, member_id: MemberId
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
        self, info: Info, pool_id: PoolId, member_id: MemberId
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
        self,
        info: Info,
        interview_id: Annotated[
            strawberry.ID, strawberry.argument(description="The Interview's global id")
        ],
        member_id: Annotated[
            strawberry.ID,
            strawberry.argument(description="The Member's global id of the interviewer to replace"),
        ],
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
