"""SQL for booking links, their holds, the busy time mirroring them and the holds' calendar
writes."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, delete, select

from app.domain.availability.models import BusyBlock
from app.domain.bookings.models import BookingHold, BookingLink

HOLD_SOURCE = "hold"


async def get_link(
    session: AsyncSession, link_id: uuid.UUID, *, for_update: bool = False
) -> BookingLink | None:
    """By id alone: the signed token is the credential, and it names its organization's row."""
    stmt = select(BookingLink).where(BookingLink.id == link_id)
    if for_update:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return (await session.scalars(stmt)).first()


async def get_org_link(
    session: AsyncSession, organization_id: uuid.UUID, link_id: uuid.UUID, *, for_update: bool
) -> BookingLink | None:
    stmt = select(BookingLink).where(
        BookingLink.organization_id == organization_id, BookingLink.id == link_id
    )
    if for_update:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return (await session.scalars(stmt)).first()


async def holds_of(session: AsyncSession, link_id: uuid.UUID) -> Sequence[BookingHold]:
    stmt = (
        select(BookingHold)
        .where(BookingHold.link_id == link_id)
        .order_by(col(BookingHold.created_at), col(BookingHold.start_at), col(BookingHold.id))
    )
    return (await session.scalars(stmt)).all()


async def live_holds(session: AsyncSession, link_id: uuid.UUID) -> Sequence[BookingHold]:
    stmt = (
        select(BookingHold)
        .where(BookingHold.link_id == link_id, col(BookingHold.released_at).is_(None))
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.scalars(stmt)).all()


def add_busy(session: AsyncSession, hold: BookingHold) -> None:
    """The hold as busy time, where every suggestion and booking already looks."""
    session.add(
        BusyBlock(
            organization_id=hold.organization_id,
            member_id=hold.member_id,
            start_at=hold.start_at,
            end_at=hold.end_at,
            source=HOLD_SOURCE,
            external_id=str(hold.id),
            title="Held for a candidate's booking",
            tentative=True,
        )
    )


async def drop_busy(session: AsyncSession, holds: Sequence[BookingHold]) -> None:
    if not holds:
        return
    await session.execute(
        delete(BusyBlock).where(
            col(BusyBlock.member_id).in_({h.member_id for h in holds}),
            col(BusyBlock.source) == HOLD_SOURCE,
            col(BusyBlock.external_id).in_([str(h.id) for h in holds]),
        )
    )


async def links_to_expire(
    session: AsyncSession, now: datetime, limit: int
) -> Sequence[BookingLink]:
    """Open links past their expiry, or whose holds lapsed; skipped when a candidate is on one."""
    stmt = (
        select(BookingLink)
        .where(
            BookingLink.status == "open",
            (col(BookingLink.expires_at) <= now)
            | (
                (col(BookingLink.holds_expire_at) <= now)
                & select(BookingHold.id)
                .where(
                    BookingHold.link_id == BookingLink.id, col(BookingHold.released_at).is_(None)
                )
                .exists()
            ),
        )
        .order_by(col(BookingLink.expires_at))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return (await session.scalars(stmt)).all()


# --- the holds' calendar events ----------------------------------------------------------

_CLAIM = text(
    """
    UPDATE booking_holds AS h
       SET claimed_until = now() + make_interval(secs => :lease), claimed_by = :worker
      FROM (
        SELECT id FROM booking_holds
         WHERE pending AND next_attempt_at <= now()
           AND (claimed_until IS NULL OR claimed_until < now())
         ORDER BY next_attempt_at
         LIMIT :limit
         FOR UPDATE SKIP LOCKED
      ) AS due
     WHERE h.id = due.id
    RETURNING h.id
    """
)


async def claim_due_writes(
    session: AsyncSession, worker: str, lease_seconds: float, limit: int
) -> list[uuid.UUID]:
    if limit <= 0:
        return []
    rows = await session.execute(_CLAIM, {"lease": lease_seconds, "worker": worker, "limit": limit})
    return [r[0] for r in rows.all()]


async def get_hold(session: AsyncSession, hold_id: uuid.UUID) -> BookingHold | None:
    return await session.get(BookingHold, hold_id)


async def get_hold_for_update(session: AsyncSession, hold_id: uuid.UUID) -> BookingHold | None:
    stmt = (
        select(BookingHold)
        .where(BookingHold.id == hold_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.scalars(stmt)).first()
