from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.domain.events.models import Event
from app.domain.pagination import PageRequest, keyset


async def list_events(
    session: AsyncSession, organization_id: uuid.UUID, types: Sequence[str], page: PageRequest
) -> Sequence[Event]:
    stmt = select(Event).where(
        Event.organization_id == organization_id,
        col(Event.tx_seq) < text("(pg_snapshot_xmin(pg_current_snapshot()))::text::bigint"),
    )
    if types:
        stmt = stmt.where(col(Event.type).in_(types))
    stmt = keyset(stmt, Event.tx_seq, Event.id, page, descending=False)
    return (await session.scalars(stmt)).all()
