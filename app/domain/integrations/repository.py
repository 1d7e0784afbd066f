from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlmodel import col, select

from app.domain.columns import UUID_ARRAY
from app.domain.integrations.models import (
    Connection,
    ExternalRef,
    InboundEvent,
    OutboundPush,
    SyncRun,
)
from app.domain.pagination import PageRequest, keyset
from app.ids import new_id


async def get_connection(
    session: AsyncSession, organization_id: uuid.UUID, connection_id: uuid.UUID
) -> Connection | None:
    stmt = select(Connection).where(
        Connection.organization_id == organization_id, Connection.id == connection_id
    )
    return (await session.scalars(stmt)).first()


async def list_connections(
    session: AsyncSession, organization_id: uuid.UUID, page: PageRequest
) -> Sequence[Connection]:
    stmt = select(Connection).where(Connection.organization_id == organization_id)
    return (await session.scalars(keyset(stmt, Connection.created_at, Connection.id, page))).all()


async def refs_for(
    session: AsyncSession,
    organization_id: uuid.UUID,
    resource_type: str,
    resource_ids: Sequence[uuid.UUID],
) -> Sequence[ExternalRef]:
    if not resource_ids:
        return []
    stmt = (
        select(ExternalRef)
        .where(
            ExternalRef.organization_id == organization_id,
            ExternalRef.resource_type == resource_type,
            col(ExternalRef.resource_id).in_(resource_ids),
        )
        .order_by(col(ExternalRef.created_at))
    )
    return (await session.scalars(stmt)).all()


async def find_by_external_id(
    session: AsyncSession,
    organization_id: uuid.UUID,
    connection_id: uuid.UUID,
    resource_type: str,
    external_id: str,
) -> ExternalRef | None:
    stmt = select(ExternalRef).where(
        ExternalRef.organization_id == organization_id,
        ExternalRef.connection_id == connection_id,
        ExternalRef.resource_type == resource_type,
        ExternalRef.external_id == external_id,
    )
    return (await session.scalars(stmt)).first()


async def refs_by_external_ids(
    session: AsyncSession, connection_id: uuid.UUID, keys: Sequence[tuple[str, str]]
) -> Sequence[ExternalRef]:
    """The links of many (resource type, external id) pairs of one connection, in one read."""
    if not keys:
        return []
    types = sorted({k[0] for k in keys})
    ids = sorted({k[1] for k in keys})
    stmt = select(ExternalRef).where(
        ExternalRef.connection_id == connection_id,
        col(ExternalRef.resource_type).in_(types),
        col(ExternalRef.external_id).in_(ids),
    )
    wanted = set(keys)
    rows = (await session.scalars(stmt)).all()
    return [r for r in rows if (r.resource_type, r.external_id) in wanted]


async def upsert_ref(session: AsyncSession, ref: ExternalRef) -> ExternalRef | None:
    """Link or re-point a resource's id for a connection. None when the external id is taken."""
    stmt = (
        insert(ExternalRef)
        .values(
            id=ref.id,
            organization_id=ref.organization_id,
            connection_id=ref.connection_id,
            resource_type=ref.resource_type,
            resource_id=ref.resource_id,
            external_id=ref.external_id,
            created_at=ref.created_at,
        )
        .on_conflict_do_update(
            index_elements=["connection_id", "resource_type", "resource_id"],
            set_={"external_id": ref.external_id},
        )
        .returning(ExternalRef)
    )
    return (await session.scalars(stmt)).first()


async def get_connection_for_update(
    session: AsyncSession, organization_id: uuid.UUID, connection_id: uuid.UUID
) -> Connection | None:
    stmt = (
        select(Connection)
        .where(Connection.organization_id == organization_id, Connection.id == connection_id)
        .with_for_update()
    )
    return (await session.scalars(stmt)).first()


async def health_figures(
    session: AsyncSession, connection_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, dict[str, Any]]:
    """Inbox and push figures per connection, for the health report (one statement)."""
    if not connection_ids:
        return {}
    rows = await session.execute(
        text(
            """
            SELECT c.id,
                   (SELECT max(received_at) FROM ats_inbound_events i WHERE i.connection_id = c.id),
                   (SELECT min(received_at) FROM ats_inbound_events i
                     WHERE i.connection_id = c.id AND i.status = 'pending'),
                   (SELECT count(*) FROM ats_inbound_events i
                     WHERE i.connection_id = c.id AND i.status = 'pending'),
                   (SELECT count(*) FROM ats_inbound_events i
                     WHERE i.connection_id = c.id AND i.status = 'failed'),
                   (SELECT count(*) FROM ats_pushes p
                     WHERE p.connection_id = c.id AND p.status = 'pending'),
                   (SELECT count(*) FROM ats_pushes p
                     WHERE p.connection_id = c.id AND p.status = 'failed')
            FROM integration_connections c WHERE c.id = ANY(:ids)
            """
        ).bindparams(bindparam("ids", list(connection_ids), type_=UUID_ARRAY))
    )
    return {
        r[0]: {
            "last_inbound_at": r[1],
            "oldest_pending_at": r[2],
            "pending_inbound": r[3],
            "failed_inbound": r[4],
            "pending_pushes": r[5],
            "failed_pushes": r[6],
        }
        for r in rows
    }


async def note_error(
    session: AsyncSession, connection_id: uuid.UUID, source: str, reason: str, keep: int = 10
) -> None:
    """Keep the connection's last few errors, newest first, for its health report."""
    await session.execute(
        text(
            "UPDATE integration_connections SET recent_errors = "
            "(SELECT coalesce(jsonb_agg(e), '[]'::jsonb) FROM (SELECT e FROM jsonb_array_elements("
            "jsonb_build_array(jsonb_build_object('at', now(), 'source', CAST(:source AS text), "
            "'reason', CAST(:reason AS text))) || recent_errors) AS e LIMIT :keep) AS t) "
            "WHERE id = :id"
        ),
        {"id": connection_id, "source": source, "reason": reason[:500], "keep": keep},
    )


async def list_inbound(
    session: AsyncSession,
    organization_id: uuid.UUID,
    connection_id: uuid.UUID,
    status: str | None,
    page: PageRequest,
) -> Sequence[InboundEvent]:
    stmt = select(InboundEvent).where(
        InboundEvent.organization_id == organization_id,
        InboundEvent.connection_id == connection_id,
    )
    if status:
        stmt = stmt.where(InboundEvent.status == status)
    return (
        await session.scalars(keyset(stmt, InboundEvent.received_at, InboundEvent.id, page))
    ).all()


async def latest_sync(
    session: AsyncSession, organization_id: uuid.UUID, connection_id: uuid.UUID
) -> SyncRun | None:
    stmt = (
        select(SyncRun)
        .where(SyncRun.organization_id == organization_id, SyncRun.connection_id == connection_id)
        .order_by(col(SyncRun.created_at).desc(), col(SyncRun.id).desc())
        .limit(1)
    )
    return (await session.scalars(stmt)).first()


async def active_sync(session: AsyncSession, connection_id: uuid.UUID) -> SyncRun | None:
    stmt = select(SyncRun).where(
        SyncRun.connection_id == connection_id, col(SyncRun.status).in_(("pending", "running"))
    )
    return (await session.scalars(stmt)).first()


async def delete_refs_for(
    session: AsyncSession, organization_id: uuid.UUID, resource_type: str, resource_id: uuid.UUID
) -> None:
    """A record that is gone (erased, merged away) keeps no external ids."""
    await session.execute(
        text(
            "DELETE FROM external_refs WHERE organization_id = :org "
            "AND resource_type = :type AND resource_id = :id"
        ),
        {"org": organization_id, "type": resource_type, "id": resource_id},
    )


async def delete_ref(session: AsyncSession, ref_id: uuid.UUID) -> None:
    """Forget a link whose record is gone (erased, merged away, deleted with its candidate)."""
    await session.execute(text("DELETE FROM external_refs WHERE id = :id"), {"id": ref_id})


async def linked(
    session: AsyncSession, resource_type: str, resource_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[tuple[uuid.UUID, str]]]:
    """resource id -> [(connection, external id)]. Paused connections are included: their
    pushes wait (claims skip paused connections) and go out on resume, so a change made while
    paused is not lost."""
    rows = await session.execute(
        text(
            "SELECT r.resource_id, r.connection_id, r.external_id FROM external_refs r "
            "WHERE r.resource_type = :type AND r.resource_id = ANY(:ids)"
        ).bindparams(bindparam("ids", list(resource_ids), type_=UUID_ARRAY)),
        {"type": resource_type},
    )
    links: dict[uuid.UUID, list[tuple[uuid.UUID, str]]] = {}
    for resource_id, connection_id, external_id in rows:
        links.setdefault(resource_id, []).append((connection_id, external_id))
    return links


async def add_pushes(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> int:
    if not rows:
        return 0
    stmt = (
        insert(OutboundPush)
        .values([{"id": new_id(), **row} for row in rows])
        .on_conflict_do_nothing(index_elements=["connection_id", "event_id", "kind"])
    )
    result = await session.execute(stmt)
    return int(getattr(result, "rowcount", 0) or 0)


async def latest_rejection_code(
    session: AsyncSession, organization_id: uuid.UUID, application_id: uuid.UUID
) -> str | None:
    """The reason code of the application's latest rejection decision, if it has one."""
    return (
        await session.execute(
            text(
                "SELECT r.code FROM hiring_decisions d "
                "JOIN rejection_reasons r ON r.id = d.rejection_reason_id "
                "WHERE d.organization_id = :org AND d.application_id = :app "
                "AND d.decision = 'reject' ORDER BY d.created_at DESC, d.id DESC LIMIT 1"
            ),
            {"org": organization_id, "app": application_id},
        )
    ).scalar()


async def scorecard_for_push(
    session: AsyncSession, organization_id: uuid.UUID, scorecard_id: uuid.UUID
) -> dict[str, Any] | None:
    row = (
        (
            await session.execute(
                text(
                    "SELECT m.email, s.recommendation, s.reasons, s.submitted_at FROM scorecards s "
                    "JOIN members m ON m.id = s.interviewer_id "
                    "WHERE s.organization_id = :org AND s.id = :id"
                ),
                {"org": organization_id, "id": scorecard_id},
            )
        )
        .mappings()
        .first()
    )
    return dict(row) if row else None


async def interview_for_push(
    session: AsyncSession, organization_id: uuid.UUID, interview_id: uuid.UUID
) -> dict[str, Any] | None:
    row = (
        (
            await session.execute(
                text(
                    "SELECT i.id, i.start_at, i.end_at, coalesce(array_agg(m.email ORDER BY m.email) "
                    "FILTER (WHERE m.email IS NOT NULL), '{}') AS emails FROM interviews i "
                    "LEFT JOIN interview_participants p ON p.interview_id = i.id "
                    "LEFT JOIN members m ON m.id = p.member_id "
                    "WHERE i.organization_id = :org AND i.id = :id GROUP BY i.id"
                ),
                {"org": organization_id, "id": interview_id},
            )
        )
        .mappings()
        .first()
    )
    return dict(row) if row else None


async def get_inbound_for_update(session: AsyncSession, event_id: uuid.UUID) -> InboundEvent | None:
    stmt = select(InboundEvent).where(InboundEvent.id == event_id).with_for_update()
    return (await session.scalars(stmt)).first()


async def get_connection_by_id(
    session: AsyncSession, connection_id: uuid.UUID
) -> Connection | None:
    """For the worker, which acts for every organization: the row carries its own tenant."""
    stmt = select(Connection).where(Connection.id == connection_id)
    return (await session.scalars(stmt)).first()


async def claim_pushes(
    session: AsyncSession, worker: str, limit: int, lease_seconds: float
) -> list[uuid.UUID]:
    """Due pushes, at most one per vendor record: a push waits while an earlier one about the
    same record is still pending (claimed by any worker, or waiting out a retry), so one
    record's changes reach the vendor in the order they were made, and the pushes claimed
    together can be sent at once."""
    rows = await session.execute(
        text(
            """
            WITH due AS (
                SELECT p.id FROM ats_pushes p
                JOIN integration_connections c ON c.id = p.connection_id AND c.status = 'active'
                WHERE p.status = 'pending' AND p.next_attempt_at <= now()
                  AND (p.claimed_until IS NULL OR p.claimed_until < now())
                  AND NOT EXISTS (
                      SELECT 1 FROM ats_pushes e
                      WHERE e.connection_id = p.connection_id AND e.subject = p.subject
                        AND e.status = 'pending' AND e.id < p.id
                  )
                ORDER BY p.next_attempt_at, p.id LIMIT :limit
                FOR UPDATE OF p SKIP LOCKED
            )
            UPDATE ats_pushes p
            SET claimed_until = now() + make_interval(secs => :lease), claimed_by = :worker
            FROM due WHERE p.id = due.id RETURNING p.id
            """
        ),
        {"limit": limit, "lease": lease_seconds, "worker": worker},
    )
    return [r[0] for r in rows]


async def get_push_for_update(session: AsyncSession, push_id: uuid.UUID) -> OutboundPush | None:
    stmt = select(OutboundPush).where(OutboundPush.id == push_id).with_for_update()
    return (await session.scalars(stmt)).first()


async def claim_syncs(
    session: AsyncSession, worker: str, limit: int, lease_seconds: float
) -> Sequence[SyncRun]:
    """Syncs that are waiting, or whose worker's lease ran out (it died mid-page), or that this
    worker holds already (it keeps the lease between pages); at most one per connection, the
    oldest, so two imports of one connection never write the same records at once."""
    rows = await session.execute(
        text(
            """
            WITH due AS (
                SELECT s.id FROM ats_syncs s
                JOIN integration_connections c ON c.id = s.connection_id AND c.status = 'active'
                WHERE s.status IN ('pending', 'running')
                  AND (s.claimed_until IS NULL OR s.claimed_until < now()
                       -- the worker holding the lease goes on with the next page
                       OR s.claimed_by = :worker)
                  AND NOT EXISTS (
                      SELECT 1 FROM ats_syncs o
                      WHERE o.connection_id = s.connection_id
                        AND o.status IN ('pending', 'running')
                        AND (o.created_at, o.id) < (s.created_at, s.id)
                  )
                ORDER BY s.created_at LIMIT :limit
                FOR UPDATE OF s SKIP LOCKED
            )
            UPDATE ats_syncs s
            SET claimed_until = now() + make_interval(secs => :lease), claimed_by = :worker,
                status = 'running', started_at = coalesce(s.started_at, now())
            FROM due WHERE s.id = due.id RETURNING s.id
            """
        ),
        {"lease": lease_seconds, "worker": worker, "limit": limit},
    )
    ids = [r[0] for r in rows]
    if not ids:
        return []
    stmt = (
        select(SyncRun)
        .where(col(SyncRun.id).in_(ids))
        .order_by(col(SyncRun.created_at))
        .execution_options(populate_existing=True)
    )
    return (await session.scalars(stmt)).all()


async def get_sync_for_update(
    session: AsyncSession, sync_id: uuid.UUID, worker: str
) -> SyncRun | None:
    stmt = (
        select(SyncRun)
        .where(SyncRun.id == sync_id, SyncRun.claimed_by == worker)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.scalars(stmt)).first()


async def connections_to_reconcile(session: AsyncSession) -> Sequence[Connection]:
    """Active connections synced before and with no sync under way."""
    stmt = select(Connection).where(
        Connection.status == "active",
        col(Connection.last_sync_at).is_not(None),
        ~select(SyncRun.id)
        .where(
            SyncRun.connection_id == Connection.id,
            col(SyncRun.status).in_(("pending", "running")),
        )
        .exists(),
    )
    return (await session.scalars(stmt)).all()


# --- the vendor webhook route: one statement each, on a plain autocommit connection ----------

_WEBHOOK_KEY = text(
    "SELECT organization_id, provider, webhook_secret_encrypted "
    "FROM integration_connections WHERE id = :id"
)

_STORE_INBOUND = text(
    """
    INSERT INTO ats_inbound_events
        (id, organization_id, connection_id, vendor_event_id, event_type, payload, received_at,
         status, attempts, next_attempt_at)
    VALUES (:id, :org, :connection, :vendor_event_id, :event_type, CAST(:payload AS jsonb), now(),
            'pending', 0, now())
    ON CONFLICT (connection_id, vendor_event_id) DO NOTHING
    """
)


async def webhook_key(
    rows: AsyncConnection, connection_id: uuid.UUID
) -> tuple[uuid.UUID, str, str | None] | None:
    """(organization_id, provider, webhook_secret_encrypted) of a connection, by id alone: the
    vendor's signature, checked next, is what proves the caller."""
    row = (await rows.execute(_WEBHOOK_KEY, {"id": connection_id})).first()
    return (row[0], row[1], row[2]) if row is not None else None


async def store_inbound(
    rows: AsyncConnection,
    *,
    organization_id: uuid.UUID,
    connection_id: uuid.UUID,
    vendor_event_id: str,
    event_type: str,
    payload: str,
) -> bool:
    """Store a verified delivery once per (connection, vendor event id); False if it was
    stored before."""
    result = await rows.execute(
        _STORE_INBOUND,
        {
            "id": new_id(),
            "org": organization_id,
            "connection": connection_id,
            "vendor_event_id": vendor_event_id,
            "event_type": event_type,
            "payload": payload,
        },
    )
    return bool(result.rowcount)


async def connection_providers(
    session: AsyncSession, connection_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, str]:
    """The provider of each of these connections (for planning pushes across organizations)."""
    if not connection_ids:
        return {}
    rows = await session.execute(
        text("SELECT id, provider FROM integration_connections WHERE id = ANY(:ids)").bindparams(
            bindparam("ids", list(connection_ids), type_=UUID_ARRAY)
        )
    )
    return {r[0]: r[1] for r in rows}


async def manual_erasures(
    session: AsyncSession, organization_id: uuid.UUID, connection_id: uuid.UUID, limit: int = 50
) -> list[dict[str, Any]]:
    """Erasures the vendor's API cannot do, newest first: to do by hand in the vendor."""
    rows = await session.execute(
        text(
            "SELECT payload->>'candidate_external_id' AS candidate_external_id, "
            "created_at AS erased_at FROM ats_pushes "
            "WHERE organization_id = :org AND connection_id = :conn AND kind = 'erasure' "
            "AND status = 'manual' ORDER BY created_at DESC, id DESC LIMIT :limit"
        ),
        {"org": organization_id, "conn": connection_id, "limit": limit},
    )
    return [dict(r) for r in rows.mappings()]


# --- set-based application of vendor events and import pages (batch.py) -----------------------


async def upsert_refs(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Link or re-point many resources' ids for a connection in one statement (one row per
    resource: a resource linked twice in a batch is passed once, with its last id)."""
    if not rows:
        return
    await session.execute(
        text(
            """
            INSERT INTO external_refs (id, organization_id, connection_id, resource_type,
                resource_id, external_id, created_at)
            SELECT *, now() FROM unnest(CAST(:ids AS uuid[]), CAST(:orgs AS uuid[]),
                CAST(:connections AS uuid[]), CAST(:types AS text[]),
                CAST(:resources AS uuid[]), CAST(:externals AS text[]))
            ON CONFLICT (connection_id, resource_type, resource_id)
            DO UPDATE SET external_id = EXCLUDED.external_id
            """
        ),
        {
            "ids": [new_id() for _ in rows],
            "orgs": [r["organization_id"] for r in rows],
            "connections": [r["connection_id"] for r in rows],
            "types": [r["resource_type"] for r in rows],
            "resources": [r["resource_id"] for r in rows],
            "externals": [r["external_id"] for r in rows],
        },
    )


async def delete_refs(session: AsyncSession, ref_ids: Sequence[uuid.UUID]) -> None:
    """Forget links whose records are gone, in one statement."""
    if ref_ids:
        await session.execute(
            text("DELETE FROM external_refs WHERE id = ANY(CAST(:ids AS uuid[]))"),
            {"ids": list(ref_ids)},
        )


async def ref_rows_by_external_ids(
    session: AsyncSession, connection_id: uuid.UUID, keys: Sequence[tuple[str, str]]
) -> list[tuple[uuid.UUID, str, str, uuid.UUID]]:
    """(ref id, resource type, external id, resource id) of many links of one connection."""
    if not keys:
        return []
    rows = await session.execute(
        text(
            "SELECT r.id, r.resource_type, r.external_id, r.resource_id FROM external_refs r "
            "JOIN unnest(CAST(:types AS text[]), CAST(:externals AS text[])) AS k(t, e) "
            "ON r.resource_type = k.t AND r.external_id = k.e WHERE r.connection_id = :conn"
        ),
        {
            "conn": connection_id,
            "types": [k[0] for k in keys],
            "externals": [k[1] for k in keys],
        },
    )
    return [(r[0], r[1], r[2], r[3]) for r in rows]


async def claim_inbound_rows(
    session: AsyncSession, worker: str, limit: int, lease_seconds: float
) -> list[tuple[Any, ...]]:
    """Lease due vendor events of active connections, oldest first (SKIP LOCKED, so workers
    take disjoint batches); what applying them needs, in the order received: (id,
    connection_id, organization_id, vendor_event_id, event_type, payload, attempts). The rows
    stay locked until the caller's transaction ends."""
    rows = await session.execute(
        text(
            """
            WITH due AS (
                SELECT i.id FROM ats_inbound_events i
                JOIN integration_connections c ON c.id = i.connection_id AND c.status = 'active'
                WHERE i.status = 'pending' AND i.next_attempt_at <= now()
                  AND (i.claimed_until IS NULL OR i.claimed_until < now())
                ORDER BY i.received_at, i.id LIMIT :limit
                FOR UPDATE OF i SKIP LOCKED
            )
            UPDATE ats_inbound_events i
            SET claimed_until = now() + make_interval(secs => :lease), claimed_by = :worker
            FROM due WHERE i.id = due.id
            RETURNING i.id, i.connection_id, i.organization_id, i.vendor_event_id, i.event_type,
                      i.payload, i.attempts, i.received_at
            """
        ),
        {"limit": limit, "lease": lease_seconds, "worker": worker},
    )
    return [tuple(r)[:7] for r in sorted(rows, key=lambda r: (r[7], r[0]))]


async def lock_claimed_inbound(
    session: AsyncSession, worker: str, ids: Sequence[uuid.UUID]
) -> list[tuple[Any, ...]]:
    """The claimed events still pending and still this worker's, locked, in the order they
    were received: (id, connection_id, organization_id, vendor_event_id, event_type, payload,
    attempts)."""
    if not ids:
        return []
    rows = await session.execute(
        text(
            "SELECT id, connection_id, organization_id, vendor_event_id, event_type, payload, "
            "attempts FROM ats_inbound_events WHERE id = ANY(CAST(:ids AS uuid[])) "
            "AND status = 'pending' AND claimed_by = :worker "
            "ORDER BY received_at, id FOR UPDATE"
        ),
        {"ids": list(ids), "worker": worker},
    )
    return [tuple(r) for r in rows]


async def record_inbound_outcomes(
    session: AsyncSession, outcomes: Sequence[tuple[uuid.UUID, str, str]]
) -> None:
    """(event id, status, outcome) of many applied events, their claims released, at once."""
    if not outcomes:
        return
    await session.execute(
        text(
            """
            UPDATE ats_inbound_events i SET status = o.status, outcome = o.outcome,
                attempts = i.attempts + 1, claimed_until = NULL, claimed_by = NULL,
                processed_at = now()
            FROM unnest(CAST(:ids AS uuid[]), CAST(:statuses AS text[]),
                        CAST(:outcomes AS text[])) AS o(id, status, outcome)
            WHERE i.id = o.id
            """
        ),
        {
            "ids": [o[0] for o in outcomes],
            "statuses": [o[1] for o in outcomes],
            "outcomes": [o[2][:1000] for o in outcomes],
        },
    )
