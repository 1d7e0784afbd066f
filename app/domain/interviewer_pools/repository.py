"""SQL for interviewer pools, their members and the training rounds members have sat."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, or_
from sqlalchemy import select as select_columns
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.domain.interviewer_pools.models import InterviewerPool, InterviewerPoolMember
from app.domain.interviews.models import Interview, InterviewParticipant
from app.domain.pagination import PageRequest, keyset


async def get_pool(
    session: AsyncSession,
    organization_id: uuid.UUID,
    pool_id: uuid.UUID,
    *,
    for_update: bool = False,
) -> InterviewerPool | None:
    stmt = select(InterviewerPool).where(
        InterviewerPool.organization_id == organization_id, InterviewerPool.id == pool_id
    )
    if for_update:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return (await session.scalars(stmt)).first()


async def get_pools(
    session: AsyncSession, organization_id: uuid.UUID, pool_ids: Sequence[uuid.UUID]
) -> Sequence[InterviewerPool]:
    if not pool_ids:
        return []
    stmt = select(InterviewerPool).where(
        InterviewerPool.organization_id == organization_id, col(InterviewerPool.id).in_(pool_ids)
    )
    return (await session.scalars(stmt)).all()


async def pool_by_name(
    session: AsyncSession, organization_id: uuid.UUID, name: str
) -> InterviewerPool | None:
    stmt = select(InterviewerPool).where(
        InterviewerPool.organization_id == organization_id,
        func.lower(InterviewerPool.name) == name.lower(),
    )
    return (await session.scalars(stmt)).first()


async def pool_for_kind(
    session: AsyncSession, organization_id: uuid.UUID, kind: str
) -> InterviewerPool | None:
    """The pool that staffs interviews of this kind (for interviews booked without one)."""
    stmt = (
        select(InterviewerPool)
        .where(
            InterviewerPool.organization_id == organization_id,
            func.lower(InterviewerPool.kind) == kind.lower(),
        )
        .order_by(col(InterviewerPool.created_at), col(InterviewerPool.id))
    )
    return (await session.scalars(stmt)).first()


async def list_pools(
    session: AsyncSession, organization_id: uuid.UUID, page: PageRequest
) -> Sequence[InterviewerPool]:
    stmt = select(InterviewerPool).where(InterviewerPool.organization_id == organization_id)
    return (
        await session.scalars(keyset(stmt, InterviewerPool.created_at, InterviewerPool.id, page))
    ).all()


async def members_of(
    session: AsyncSession, organization_id: uuid.UUID, pool_ids: Sequence[uuid.UUID]
) -> Sequence[InterviewerPoolMember]:
    if not pool_ids:
        return []
    stmt = (
        select(InterviewerPoolMember)
        .where(
            InterviewerPoolMember.organization_id == organization_id,
            col(InterviewerPoolMember.pool_id).in_(pool_ids),
        )
        .order_by(col(InterviewerPoolMember.created_at), col(InterviewerPoolMember.id))
    )
    return (await session.scalars(stmt)).all()


async def pool_member(
    session: AsyncSession,
    organization_id: uuid.UUID,
    pool_id: uuid.UUID,
    member_id: uuid.UUID,
    *,
    for_update: bool = False,
) -> InterviewerPoolMember | None:
    stmt = select(InterviewerPoolMember).where(
        InterviewerPoolMember.organization_id == organization_id,
        InterviewerPoolMember.pool_id == pool_id,
        InterviewerPoolMember.member_id == member_id,
    )
    if for_update:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return (await session.scalars(stmt)).first()


async def memberships(
    session: AsyncSession, organization_id: uuid.UUID, member_ids: Sequence[uuid.UUID]
) -> Sequence[InterviewerPoolMember]:
    """Every pool membership of these members (their preferences, wherever they interview)."""
    if not member_ids:
        return []
    stmt = select(InterviewerPoolMember).where(
        InterviewerPoolMember.organization_id == organization_id,
        col(InterviewerPoolMember.member_id).in_(member_ids),
    )
    return (await session.scalars(stmt)).all()


def _of_pool(pool: InterviewerPool) -> object:
    """An interview belongs to a pool when booked from it, or (booked without one) by its kind."""
    by_kind = (
        [col(Interview.pool_id).is_(None) & (func.lower(Interview.kind) == pool.kind.lower())]
        if pool.kind
        else []
    )
    return or_(col(Interview.pool_id) == pool.id, *by_kind)


async def rounds_sat(
    session: AsyncSession, pool: InterviewerPool, member_ids: Sequence[uuid.UUID]
) -> dict[tuple[uuid.UUID, str], int]:
    """(member, seat) -> completed interviews of the pool they sat in that seat."""
    if not member_ids:
        return {}
    stmt = (
        select_columns(
            col(InterviewParticipant.member_id),
            col(InterviewParticipant.seat),
            func.count(),
        )
        .join(Interview, col(Interview.id) == col(InterviewParticipant.interview_id))
        .where(
            col(InterviewParticipant.organization_id) == pool.organization_id,
            col(InterviewParticipant.member_id).in_(member_ids),
            col(InterviewParticipant.seat).in_(("shadow", "reverse_shadow")),
            col(Interview.status) == "completed",
            _of_pool(pool),  # type: ignore[arg-type]
        )
        .group_by(col(InterviewParticipant.member_id), col(InterviewParticipant.seat))
    )
    return {(m, s): int(n) for m, s, n in (await session.execute(stmt)).all()}


async def last_interviews(
    session: AsyncSession,
    organization_id: uuid.UUID,
    member_ids: Sequence[uuid.UUID],
    before: datetime,
) -> dict[uuid.UUID, datetime]:
    """When each member last interviewed (or is booked to, before `before`)."""
    if not member_ids:
        return {}
    stmt = (
        select_columns(col(InterviewParticipant.member_id), func.max(Interview.start_at))
        .join(Interview, col(Interview.id) == col(InterviewParticipant.interview_id))
        .where(
            col(InterviewParticipant.organization_id) == organization_id,
            col(InterviewParticipant.member_id).in_(member_ids),
            col(Interview.status).in_(("scheduled", "proposed", "completed")),
            col(Interview.start_at) < before,
        )
        .group_by(col(InterviewParticipant.member_id))
    )
    return {m: at for m, at in (await session.execute(stmt)).all()}
