"""SQL for overrides, busy blocks, candidate windows and availability links."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlmodel import col, delete, select

from app.db import Driver, Reader, count_statement
from app.domain.availability.models import (
    AvailabilityLink,
    AvailabilityOverride,
    BusyBlock,
    CandidateWindow,
)
from app.ids import new_id


async def upsert_override(
    session: AsyncSession,
    organization_id: uuid.UUID,
    member_id: uuid.UUID,
    day: date,
    hours: list[Any],
    note: str | None,
) -> AvailabilityOverride:
    stmt = (
        insert(AvailabilityOverride)
        .values(
            id=new_id(),
            organization_id=organization_id,
            member_id=member_id,
            day=day,
            hours=hours,
            note=note,
        )
        .on_conflict_do_update(
            index_elements=["member_id", "day"], set_={"hours": hours, "note": note}
        )
        .returning(AvailabilityOverride)
    )
    row: AvailabilityOverride = (await session.scalars(stmt)).one()
    return row


async def delete_override(
    session: AsyncSession, organization_id: uuid.UUID, member_id: uuid.UUID, day: date
) -> int:
    result = await session.execute(
        delete(AvailabilityOverride).where(
            col(AvailabilityOverride.organization_id) == organization_id,
            col(AvailabilityOverride.member_id) == member_id,
            col(AvailabilityOverride.day) == day,
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def overrides_for(
    session: AsyncSession,
    organization_id: uuid.UUID,
    member_ids: Sequence[uuid.UUID],
    first: date,
    last: date,
) -> Sequence[AvailabilityOverride]:
    if not member_ids:
        return []
    stmt = (
        select(AvailabilityOverride)
        .where(
            AvailabilityOverride.organization_id == organization_id,
            col(AvailabilityOverride.member_id).in_(member_ids),
            AvailabilityOverride.day >= first,
            AvailabilityOverride.day <= last,
        )
        .order_by(col(AvailabilityOverride.member_id), col(AvailabilityOverride.day))
    )
    return (await session.scalars(stmt)).all()


async def add_busy(session: AsyncSession, block: BusyBlock) -> BusyBlock:
    """Insert, or for a block synced from a calendar (external id set) update it in place."""
    values = {
        "id": block.id,
        "organization_id": block.organization_id,
        "member_id": block.member_id,
        "start_at": block.start_at,
        "end_at": block.end_at,
        "source": block.source,
        "external_id": block.external_id,
        "title": block.title,
        "created_at": block.created_at,
    }
    stmt = insert(BusyBlock).values(**values)
    if block.external_id is not None:
        stmt = stmt.on_conflict_do_update(
            index_elements=["member_id", "source", "external_id"],
            set_={"start_at": block.start_at, "end_at": block.end_at, "title": block.title},
        )
    row: BusyBlock = (await session.scalars(stmt.returning(BusyBlock))).one()
    return row


async def busy_for(
    session: AsyncSession,
    organization_id: uuid.UUID,
    member_ids: Sequence[uuid.UUID],
    start: datetime,
    end: datetime,
) -> Sequence[BusyBlock]:
    if not member_ids:
        return []
    stmt = (
        select(BusyBlock)
        .where(
            BusyBlock.organization_id == organization_id,
            col(BusyBlock.member_id).in_(member_ids),
            BusyBlock.end_at > start,
            BusyBlock.start_at < end,
        )
        .order_by(col(BusyBlock.member_id), col(BusyBlock.start_at))
    )
    return (await session.scalars(stmt)).all()


async def busy_intervals(
    session: AsyncSession,
    organization_id: uuid.UUID,
    member_ids: Sequence[uuid.UUID],
    start: datetime,
    end: datetime,
) -> Sequence[tuple[uuid.UUID, datetime, datetime, bool]]:
    """(member, start, end, tentative) of busy time for slot finding: plain tuples, no ORM
    objects, since a two-week range can hold thousands of synced blocks."""
    if not member_ids:
        return []
    stmt = select(
        BusyBlock.member_id, BusyBlock.start_at, BusyBlock.end_at, BusyBlock.tentative
    ).where(
        BusyBlock.organization_id == organization_id,
        col(BusyBlock.member_id).in_(member_ids),
        BusyBlock.end_at > start,
        BusyBlock.start_at < end,
    )
    return [(m, s, e, t) for m, s, e, t in (await session.execute(stmt)).all()]


async def delete_busy(
    session: AsyncSession, organization_id: uuid.UUID, member_id: uuid.UUID, block_id: uuid.UUID
) -> int:
    result = await session.execute(
        delete(BusyBlock).where(
            col(BusyBlock.organization_id) == organization_id,
            col(BusyBlock.member_id) == member_id,
            col(BusyBlock.id) == block_id,
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def replace_windows(
    session: AsyncSession,
    organization_id: uuid.UUID,
    application_id: uuid.UUID,
    windows: Sequence[CandidateWindow],
) -> None:
    await session.execute(
        delete(CandidateWindow).where(
            col(CandidateWindow.organization_id) == organization_id,
            col(CandidateWindow.application_id) == application_id,
        )
    )
    session.add_all(list(windows))
    await session.flush()


async def windows_for(
    session: AsyncSession, organization_id: uuid.UUID, application_id: uuid.UUID
) -> Sequence[CandidateWindow]:
    stmt = (
        select(CandidateWindow)
        .where(
            CandidateWindow.organization_id == organization_id,
            CandidateWindow.application_id == application_id,
        )
        .order_by(col(CandidateWindow.start_at))
    )
    return (await session.scalars(stmt)).all()


async def get_link(
    session: AsyncSession, link_id: uuid.UUID, *, for_update: bool = False
) -> AvailabilityLink | None:
    """By id alone: the signed token is the credential, and it names its organization's row."""
    stmt = select(AvailabilityLink).where(AvailabilityLink.id == link_id)
    if for_update:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return (await session.scalars(stmt)).first()


_PAGE_FACTS_SQL = (
    "SELECT l.organization_id, l.time_zone, l.expires_at, l.used_at, "
    "c.name AS candidate_name, r.title AS role_title, "
    "o.name AS organization_name, o.logo_url, o.accent_color, "
    "o.show_recruiter_contact, m.name AS contact_name, m.email AS contact_email, "
    "m.is_active AS contact_active "
    "FROM availability_links l "
    "JOIN applications a ON a.id = l.application_id "
    "AND a.organization_id = l.organization_id "
    "JOIN candidates c ON c.id = a.candidate_id AND c.organization_id = l.organization_id "
    "JOIN roles r ON r.id = a.role_id AND r.organization_id = l.organization_id "
    "JOIN organizations o ON o.id = l.organization_id "
    "LEFT JOIN members m ON m.id = l.created_by_id "
    "AND m.organization_id = l.organization_id "
    "WHERE l.id = {id}"
)
_PAGE_FACTS = text(_PAGE_FACTS_SQL.format(id=":id"))
_PAGE_FACTS_DRIVER = _PAGE_FACTS_SQL.format(id="$1")


async def page_facts(session: Reader | Driver, link_id: uuid.UUID) -> dict[str, Any] | None:
    """Everything the candidate's page shows, in one statement: the link, the candidate's name,
    the role, the organization's public face and the recruiter who sent it (bench/pages.py).

    On a driver connection (the page view) the statement goes straight to asyncpg, as the
    one-row role read does: SQLAlchemy's execution path cost the page more than the query."""
    if isinstance(session, AsyncSession | AsyncConnection):
        row = (await session.execute(_PAGE_FACTS, {"id": link_id})).mappings().first()
        return dict(row) if row is not None else None
    count_statement()
    record = await session.fetchrow(_PAGE_FACTS_DRIVER, link_id)
    return dict(record) if record is not None else None
