"""Rules for interviewer pools: who is in them, how trainees progress, and sign-off.

A trainee's progress is never a counter someone can forget to bump: it is read from the
completed interviews of the pool they sat as a shadow or a reverse shadow."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import utcnow
from app.core.actor import Actor, PermissionSet
from app.domain.events import service as events
from app.domain.interviewer_pools import repository
from app.domain.interviewer_pools.models import InterviewerPool, InterviewerPoolMember
from app.domain.interviewer_pools.schemas import (
    PoolCreate,
    PoolMemberAdd,
    PoolMemberPublic,
    PoolMemberUpdate,
    PoolPublic,
    PoolUpdate,
    Seat,
)
from app.domain.organizations import repository as members_repo
from app.domain.pagination import Page, PageRequest, to_page
from app.errors import Conflict, InvalidInput, NotFound

MANAGE = (PermissionSet.admin, PermissionSet.recruiter)
READ = (PermissionSet.admin, PermissionSet.recruiter, PermissionSet.hiring_manager)


def next_seat(
    pool: InterviewerPool, member: InterviewerPoolMember, done: dict[tuple[uuid.UUID, str], int]
) -> Seat | None:
    """The seat a trainee takes next: shadows first, then reverse shadows; None when trained
    or when every round is done (then only the sign-off is missing)."""
    if member.status == "trained":
        return None
    if done.get((member.member_id, "shadow"), 0) < pool.shadow_rounds:
        return "shadow"
    if done.get((member.member_id, "reverse_shadow"), 0) < pool.reverse_shadow_rounds:
        return "reverse_shadow"
    return None


async def seat_for(
    session: AsyncSession, organization_id: uuid.UUID, pool_id: uuid.UUID, member_id: uuid.UUID
) -> Seat | None:
    """The seat `member_id` takes next in the pool (None: not in training there, or all
    rounds sat), for a trainee placed on an interview after it was booked."""
    pool = await repository.get_pool(session, organization_id, pool_id)
    if pool is None:
        return None
    row = next(
        (
            r
            for r in await repository.members_of(session, organization_id, [pool.id])
            if r.member_id == member_id
        ),
        None,
    )
    if row is None:
        return None
    return next_seat(pool, row, await repository.rounds_sat(session, pool, [member_id]))


async def publics(
    session: AsyncSession, organization_id: uuid.UUID, pools: Sequence[InterviewerPool]
) -> list[PoolPublic]:
    rows = await repository.members_of(session, organization_id, [p.id for p in pools])
    names = {
        m.id: m.name
        for m in await members_repo.get_members(
            session, organization_id, list({r.member_id for r in rows})
        )
    }
    result = []
    for pool in pools:
        mine = [r for r in rows if r.pool_id == pool.id]
        done = await repository.rounds_sat(session, pool, [r.member_id for r in mine])
        result.append(
            PoolPublic(
                id=pool.id,
                name=pool.name,
                kind=pool.kind,
                skill=pool.skill,
                shadow_rounds=pool.shadow_rounds,
                reverse_shadow_rounds=pool.reverse_shadow_rounds,
                members=[
                    PoolMemberPublic(
                        member_id=r.member_id,
                        name=names.get(r.member_id, ""),
                        status=r.status,
                        not_before=r.not_before,
                        max_per_day=r.max_per_day,
                        max_per_week=r.max_per_week,
                        shadows_done=done.get((r.member_id, "shadow"), 0),
                        reverse_shadows_done=done.get((r.member_id, "reverse_shadow"), 0),
                        next_seat=next_seat(pool, r, done),
                        ready_for_sign_off=r.status == "in_training"
                        and next_seat(pool, r, done) is None,
                        signed_off_by=r.signed_off_by,
                        trained_at=r.trained_at,
                    )
                    for r in mine
                ],
                version=pool.version,
                created_at=pool.created_at,
                updated_at=pool.updated_at,
            )
        )
    return result


async def _public(session: AsyncSession, pool: InterviewerPool) -> PoolPublic:
    return (await publics(session, pool.organization_id, [pool]))[0]


async def visible_pool(
    session: AsyncSession, actor: Actor, pool_id: uuid.UUID, *, for_update: bool = False
) -> InterviewerPool:
    pool = await repository.get_pool(session, actor.organization_id, pool_id, for_update=for_update)
    if pool is None:
        raise NotFound("interviewer pool", pool_id)
    return pool


def _touch(pool: InterviewerPool) -> None:
    pool.version += 1
    pool.updated_at = utcnow()


def _record(
    session: AsyncSession, actor: Actor, type: str, pool_id: uuid.UUID, data: dict[str, Any]
) -> None:
    events.record(
        session,
        actor.organization_id,
        actor,
        type,
        "interviewer_pool",
        pool_id,
        {"pool_id": str(pool_id), **data},
    )


async def _unique_name(
    session: AsyncSession, actor: Actor, name: str, own: uuid.UUID | None = None
) -> None:
    other = await repository.pool_by_name(session, actor.organization_id, name)
    if other is not None and other.id != own:
        raise InvalidInput.for_field("name", f"a pool named {other.name!r} already exists")


async def create_pool(session: AsyncSession, actor: Actor, data: PoolCreate) -> PoolPublic:
    actor.require(*MANAGE)
    await _unique_name(session, actor, data.name)
    pool = InterviewerPool(organization_id=actor.organization_id, **data.model_dump())
    session.add(pool)
    await session.flush()
    _record(session, actor, "interviewer_pool.created", pool.id, {"name": pool.name})
    return await _public(session, pool)


async def list_pools(session: AsyncSession, actor: Actor, page: PageRequest) -> Page[PoolPublic]:
    """Newest first, a page at a time."""
    actor.require(*READ)
    rows = await repository.list_pools(session, actor.organization_id, page)
    result = to_page(rows, page, lambda p: (p.created_at, p.id))
    return Page(await publics(session, actor.organization_id, result.items), result.next_cursor)


async def get_pool(session: AsyncSession, actor: Actor, pool_id: uuid.UUID) -> PoolPublic:
    actor.require(*READ)
    return await _public(session, await visible_pool(session, actor, pool_id))


async def update_pool(
    session: AsyncSession, actor: Actor, pool_id: uuid.UUID, data: PoolUpdate
) -> PoolPublic:
    actor.require(*MANAGE)
    pool = await visible_pool(session, actor, pool_id, for_update=True)
    changes = data.model_dump(exclude_unset=True)
    for name in ("name", "shadow_rounds", "reverse_shadow_rounds"):
        if name in changes and changes[name] is None:
            raise InvalidInput.for_field(name, "may not be null")
    if "name" in changes:
        await _unique_name(session, actor, changes["name"], own=pool.id)
    changed = sorted(k for k, v in changes.items() if getattr(pool, k) != v)
    for key in changed:
        setattr(pool, key, changes[key])
    if changed:
        _touch(pool)
        _record(session, actor, "interviewer_pool.updated", pool.id, {"changed": changed})
        await session.flush()
    return await _public(session, pool)


async def add_member(
    session: AsyncSession, actor: Actor, pool_id: uuid.UUID, data: PoolMemberAdd
) -> PoolPublic:
    actor.require(*MANAGE)
    pool = await visible_pool(session, actor, pool_id, for_update=True)
    member = await members_repo.get_member(session, actor.organization_id, data.member_id)
    if member is None or not member.is_active:
        raise InvalidInput.for_field(
            "member_id", f"{data.member_id} is not an active member of your organization"
        )
    if await repository.pool_member(session, actor.organization_id, pool.id, member.id):
        raise Conflict(f"{member.name} is already in the pool {pool.name!r}")
    session.add(
        InterviewerPoolMember(
            organization_id=actor.organization_id,
            pool_id=pool.id,
            **data.model_dump(),
            trained_at=utcnow() if data.status == "trained" else None,
        )
    )
    _touch(pool)
    _record(
        session,
        actor,
        "interviewer_pool.member_added",
        pool.id,
        {"member_id": str(member.id), "status": data.status},
    )
    await session.flush()
    return await _public(session, pool)


async def _membership(
    session: AsyncSession, actor: Actor, pool: InterviewerPool, member_id: uuid.UUID
) -> InterviewerPoolMember:
    row = await repository.pool_member(
        session, actor.organization_id, pool.id, member_id, for_update=True
    )
    if row is None:
        raise NotFound("pool member", member_id)
    return row


async def update_member(
    session: AsyncSession,
    actor: Actor,
    pool_id: uuid.UUID,
    member_id: uuid.UUID,
    data: PoolMemberUpdate,
) -> PoolPublic:
    actor.require(*MANAGE)
    pool = await visible_pool(session, actor, pool_id, for_update=True)
    row = await _membership(session, actor, pool, member_id)
    changes = data.model_dump(exclude_unset=True)
    changed = sorted(k for k, v in changes.items() if getattr(row, k) != v)
    for key in changed:
        setattr(row, key, changes[key])
    if changed:
        row.updated_at = utcnow()
        _touch(pool)
        _record(
            session,
            actor,
            "interviewer_pool.member_updated",
            pool.id,
            {"member_id": str(member_id), "changed": changed},
        )
        await session.flush()
    return await _public(session, pool)


async def remove_member(
    session: AsyncSession, actor: Actor, pool_id: uuid.UUID, member_id: uuid.UUID
) -> PoolPublic:
    actor.require(*MANAGE)
    pool = await visible_pool(session, actor, pool_id, for_update=True)
    row = await _membership(session, actor, pool, member_id)
    await session.delete(row)
    _touch(pool)
    _record(
        session,
        actor,
        "interviewer_pool.member_removed",
        pool.id,
        {"member_id": str(member_id)},
    )
    await session.flush()
    return await _public(session, pool)


async def sign_off(
    session: AsyncSession, actor: Actor, pool_id: uuid.UUID, member_id: uuid.UUID
) -> PoolPublic:
    """A trainee who sat every round becomes trained; before that, a 409 says what is left."""
    actor.require(*READ)
    pool = await visible_pool(session, actor, pool_id, for_update=True)
    row = await _membership(session, actor, pool, member_id)
    if row.status == "trained":
        raise Conflict("The member is already trained in this pool")
    done = await repository.rounds_sat(session, pool, [member_id])
    shadows = done.get((member_id, "shadow"), 0)
    reverse = done.get((member_id, "reverse_shadow"), 0)
    missing = []
    if shadows < pool.shadow_rounds:
        missing.append(f"{pool.shadow_rounds - shadows} shadow round(s)")
    if reverse < pool.reverse_shadow_rounds:
        missing.append(f"{pool.reverse_shadow_rounds - reverse} reverse-shadow round(s)")
    if missing:
        raise Conflict(
            "The trainee has not finished their rounds: " + " and ".join(missing) + " to go",
            shadows_done=shadows,
            reverse_shadows_done=reverse,
        )
    row.status, row.trained_at, row.signed_off_by = "trained", utcnow(), actor.member_id
    row.updated_at = utcnow()
    _touch(pool)
    events.record(
        session,
        actor.organization_id,
        actor,
        "interviewer.trained",
        "interviewer_pool",
        pool.id,
        {
            "pool_id": str(pool.id),
            "member_id": str(member_id),
            "signed_off_by": str(actor.member_id),
            "shadows_done": shadows,
            "reverse_shadows_done": reverse,
        },
    )
    await session.flush()
    return await _public(session, pool)
