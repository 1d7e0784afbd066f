from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import bindparam, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.domain.columns import UUID_ARRAY
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


async def get_event(
    session: AsyncSession, organization_id: uuid.UUID, event_id: uuid.UUID
) -> Event | None:
    stmt = select(Event).where(Event.organization_id == organization_id, Event.id == event_id)
    return (await session.scalars(stmt)).first()


@dataclass(frozen=True)
class OutboxEvent:
    id: uuid.UUID
    organization_id: uuid.UUID
    type: str
    occurred_at: datetime
    actor_member_id: uuid.UUID | None
    resource_type: str
    resource_id: uuid.UUID
    data: dict[str, Any]
    origin_connection_id: uuid.UUID | None = None


async def claim_undispatched(session: AsyncSession, limit: int) -> list[OutboxEvent]:
    """Committed events not yet fanned out, locked for this transaction. SKIP LOCKED lets
    several workers take disjoint batches; a worker that dies releases its batch with its
    connection, so the events are taken again."""
    rows = await session.execute(
        text(
            "SELECT id, organization_id, type, occurred_at, actor_member_id, resource_type, "
            "resource_id, data, origin_connection_id FROM events WHERE dispatched_at IS NULL "
            "ORDER BY occurred_at, id LIMIT :limit FOR UPDATE SKIP LOCKED"
        ),
        {"limit": limit},
    )
    return [OutboxEvent(*row) for row in rows]


async def mark_dispatched(session: AsyncSession, ids: Sequence[uuid.UUID]) -> None:
    if ids:
        await session.execute(
            text("UPDATE events SET dispatched_at = now() WHERE id = ANY(:ids)").bindparams(
                bindparam("ids", list(ids), type_=UUID_ARRAY)
            )
        )


async def insert_many(session: AsyncSession, rows: Sequence[OutboxEvent]) -> None:
    """Many outbox rows in one statement (a batch of vendor events, a page of an import): they
    commit or vanish with the changes they describe, like those events.record adds."""
    if not rows:
        return
    await session.execute(
        text(
            """
            INSERT INTO events (id, organization_id, type, occurred_at, actor_member_id,
                resource_type, resource_id, data, origin_connection_id)
            SELECT r.id, r.org, r.type, r.at, r.actor, r.resource_type, r.resource_id,
                   CAST(r.data AS jsonb), r.origin
            FROM unnest(CAST(:ids AS uuid[]), CAST(:orgs AS uuid[]), CAST(:types AS text[]),
                        CAST(:ats AS timestamptz[]), CAST(:actors AS uuid[]),
                        CAST(:resource_types AS text[]), CAST(:resource_ids AS uuid[]),
                        CAST(:data AS text[]), CAST(:origins AS uuid[]))
                 AS r(id, org, type, at, actor, resource_type, resource_id, data, origin)
            """
        ),
        {
            "ids": [r.id for r in rows],
            "orgs": [r.organization_id for r in rows],
            "types": [r.type for r in rows],
            "ats": [r.occurred_at for r in rows],
            "actors": [r.actor_member_id for r in rows],
            "resource_types": [r.resource_type for r in rows],
            "resource_ids": [r.resource_id for r in rows],
            "data": [orjson.dumps(r.data).decode() for r in rows],
            "origins": [r.origin_connection_id for r in rows],
        },
    )
