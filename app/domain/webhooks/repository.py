"""SQL for webhook endpoints, deliveries and attempts, including the worker's queue."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from app.domain.columns import UUID_ARRAY
from app.domain.pagination import PageRequest, keyset
from app.domain.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from app.ids import new_id


async def get_endpoint(
    session: AsyncSession,
    organization_id: uuid.UUID,
    endpoint_id: uuid.UUID,
    *,
    for_update: bool = False,
) -> WebhookEndpoint | None:
    stmt = select(WebhookEndpoint).where(
        WebhookEndpoint.organization_id == organization_id, WebhookEndpoint.id == endpoint_id
    )
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.scalars(stmt)).first()


async def list_endpoints(
    session: AsyncSession, organization_id: uuid.UUID, page: PageRequest
) -> Sequence[WebhookEndpoint]:
    stmt = select(WebhookEndpoint).where(WebhookEndpoint.organization_id == organization_id)
    stmt = keyset(stmt, WebhookEndpoint.created_at, WebhookEndpoint.id, page)
    return (await session.scalars(stmt)).all()


async def list_deliveries(
    session: AsyncSession,
    organization_id: uuid.UUID,
    endpoint_id: uuid.UUID,
    status: str | None,
    page: PageRequest,
) -> Sequence[WebhookDelivery]:
    stmt = select(WebhookDelivery).where(
        WebhookDelivery.organization_id == organization_id,
        WebhookDelivery.endpoint_id == endpoint_id,
    )
    if status:
        stmt = stmt.where(WebhookDelivery.status == status)
    stmt = keyset(stmt, WebhookDelivery.created_at, WebhookDelivery.id, page)
    return (await session.scalars(stmt)).all()


async def get_delivery(
    session: AsyncSession,
    organization_id: uuid.UUID,
    endpoint_id: uuid.UUID,
    delivery_id: uuid.UUID,
    *,
    for_update: bool = False,
) -> WebhookDelivery | None:
    stmt = select(WebhookDelivery).where(
        WebhookDelivery.organization_id == organization_id,
        WebhookDelivery.endpoint_id == endpoint_id,
        WebhookDelivery.id == delivery_id,
    )
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.scalars(stmt)).first()


async def get_delivery_by_id(
    session: AsyncSession, organization_id: uuid.UUID, delivery_id: uuid.UUID
) -> WebhookDelivery | None:
    stmt = select(WebhookDelivery).where(
        WebhookDelivery.organization_id == organization_id, WebhookDelivery.id == delivery_id
    )
    return (await session.scalars(stmt)).first()


async def list_attempts(
    session: AsyncSession,
    organization_id: uuid.UUID,
    endpoint_id: uuid.UUID,
    delivery_id: uuid.UUID | None,
    page: PageRequest,
) -> Sequence[WebhookAttempt]:
    stmt = select(WebhookAttempt).where(
        WebhookAttempt.organization_id == organization_id,
        WebhookAttempt.endpoint_id == endpoint_id,
    )
    if delivery_id is not None:
        stmt = stmt.where(WebhookAttempt.delivery_id == delivery_id)
    stmt = keyset(stmt, WebhookAttempt.attempted_at, WebhookAttempt.id, page)
    return (await session.scalars(stmt)).all()


# --- the worker's side -------------------------------------------------------------------


@dataclass(frozen=True)
class EndpointRoute:
    id: uuid.UUID
    organization_id: uuid.UUID
    event_types: list[str] | None

    def wants(self, event_type: str) -> bool:
        return self.event_types is None or event_type in self.event_types


async def enabled_endpoints(
    session: AsyncSession, organization_ids: Sequence[uuid.UUID]
) -> list[EndpointRoute]:
    rows = await session.execute(
        text(
            "SELECT id, organization_id, event_types FROM webhook_endpoints "
            "WHERE organization_id = ANY(:orgs) AND status = 'enabled'"
        ).bindparams(orgs=list(organization_ids)),
    )
    return [EndpointRoute(r.id, r.organization_id, r.event_types) for r in rows]


_INSERT_DELIVERIES = text(
    """
    INSERT INTO webhook_deliveries
        (id, organization_id, endpoint_id, event_id, event_type, status, attempts,
         next_attempt_at, created_at)
    SELECT d.id, d.org, d.endpoint, d.event, d.type, 'pending', 0, now(), now()
    FROM unnest(:ids, :orgs, :endpoints, :events, CAST(:types AS text[]))
        AS d(id, org, endpoint, event, type)
    ON CONFLICT (endpoint_id, event_id) DO NOTHING
    """
)


async def add_deliveries(
    session: AsyncSession, rows: Sequence[tuple[uuid.UUID, uuid.UUID, uuid.UUID, str]]
) -> int:
    """Rows of (organization, endpoint, event, event type); one delivery per (endpoint, event)
    however often this runs."""
    if not rows:
        return 0
    result = await session.execute(
        _INSERT_DELIVERIES.bindparams(
            _bind_uuids("ids", [new_id() for _ in rows]),
            _bind_uuids("orgs", [r[0] for r in rows]),
            _bind_uuids("endpoints", [r[1] for r in rows]),
            _bind_uuids("events", [r[2] for r in rows]),
            types=[r[3] for r in rows],
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


def _bind_uuids(name: str, values: list[uuid.UUID]) -> Any:
    return bindparam(name, values, type_=UUID_ARRAY)


@dataclass(frozen=True)
class DueDelivery:
    id: uuid.UUID
    organization_id: uuid.UUID
    endpoint_id: uuid.UUID
    event_id: uuid.UUID
    attempts: int
    event_type: str
    occurred_at: datetime
    data: dict[str, Any]
    url: str
    secret_encrypted: str
    previous_secret_encrypted: str | None
    previous_secret_expires_at: datetime | None


_CLAIM_DUE = text(
    """
    WITH due AS (
        SELECT d.id FROM webhook_deliveries d
        JOIN webhook_endpoints e ON e.id = d.endpoint_id AND e.status = 'enabled'
        WHERE d.status = 'pending' AND d.next_attempt_at <= now()
          AND (d.claimed_until IS NULL OR d.claimed_until < now())
        ORDER BY d.next_attempt_at
        LIMIT :limit
        FOR UPDATE OF d SKIP LOCKED
    )
    UPDATE webhook_deliveries d
    SET claimed_until = now() + make_interval(secs => :lease), claimed_by = :worker
    FROM due, events ev, webhook_endpoints e
    WHERE d.id = due.id AND ev.id = d.event_id AND e.id = d.endpoint_id
    RETURNING d.id, d.organization_id, d.endpoint_id, d.event_id, d.attempts, ev.type,
              ev.occurred_at, ev.data, e.url, e.secret_encrypted, e.previous_secret_encrypted,
              e.previous_secret_expires_at
    """
)


async def claim_due(
    session: AsyncSession, worker: str, limit: int, lease_seconds: int
) -> list[DueDelivery]:
    """Lease up to `limit` due deliveries to this worker. SKIP LOCKED lets any number of
    workers claim at once without waiting on or taking each other's rows."""
    rows = await session.execute(
        _CLAIM_DUE, {"limit": limit, "lease": float(lease_seconds), "worker": worker}
    )
    return [DueDelivery(*row) for row in rows]


async def next_due_at(session: AsyncSession) -> datetime | None:
    """When the earliest delivery this worker could claim falls due (a retry, or a claim whose
    lease runs out), so an idle worker sleeps until then rather than a whole poll interval."""
    return (
        await session.execute(
            text(
                "SELECT min(greatest(d.next_attempt_at, coalesce(d.claimed_until, d.next_attempt_at))) "
                "FROM webhook_deliveries d "
                "JOIN webhook_endpoints e ON e.id = d.endpoint_id AND e.status = 'enabled' "
                "WHERE d.status = 'pending'"
            )
        )
    ).scalar()


@dataclass(frozen=True)
class AttemptResult:
    delivery_id: uuid.UUID
    organization_id: uuid.UUID
    endpoint_id: uuid.UUID
    attempt: int
    succeeded: bool
    status_code: int | None
    latency_ms: int
    response_body: str | None
    error: str | None
    status: str
    next_attempt_at: datetime | None


_INSERT_ATTEMPTS = text(
    """
    INSERT INTO webhook_attempts
        (id, organization_id, delivery_id, endpoint_id, attempt, attempted_at, succeeded,
         status_code, latency_ms, response_body, error, worker)
    SELECT a.id, a.org, a.delivery, a.endpoint, a.attempt, now() - make_interval(secs => a.ms / 1000.0),
           a.ok, a.code, a.ms, a.body, a.error, :worker
    FROM unnest(:ids, :orgs, :deliveries, :endpoints, CAST(:attempts AS int[]),
                CAST(:oks AS bool[]), CAST(:codes AS int[]), CAST(:mss AS int[]),
                CAST(:bodies AS text[]), CAST(:errors AS text[]))
        AS a(id, org, delivery, endpoint, attempt, ok, code, ms, body, error)
    """
)

_UPDATE_DELIVERIES = text(
    """
    UPDATE webhook_deliveries d
    SET status = r.status, attempts = r.attempt, next_attempt_at = coalesce(r.next_at, d.next_attempt_at),
        claimed_until = NULL, claimed_by = NULL, last_status_code = r.code,
        last_error = r.error,
        succeeded_at = CASE WHEN r.status = 'succeeded' THEN now() ELSE d.succeeded_at END
    FROM unnest(:deliveries, CAST(:statuses AS text[]), CAST(:attempts AS int[]),
                CAST(:next_ats AS timestamptz[]), CAST(:codes AS int[]), CAST(:errors AS text[]))
        AS r(id, status, attempt, next_at, code, error)
    WHERE d.id = r.id AND d.claimed_by = :worker AND d.status = 'pending'
    """
)


async def lock_deliveries(session: AsyncSession, ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    """Keep these deliveries from being deleted until the transaction ends; returns those that
    still exist. The first lock the worker's recording takes, before any on an endpoint (the
    attempts' foreign key, the failing clock): deleting an endpoint locks its deliveries before
    the endpoint too (`lock_endpoint_deliveries`), and both lock deliveries in id order, so the
    two wait for each other instead of deadlocking."""
    if not ids:
        return set()
    rows = await session.execute(
        text(
            "SELECT id FROM webhook_deliveries WHERE id = ANY(:ids) ORDER BY id FOR KEY SHARE"
        ).bindparams(_bind_uuids("ids", list(ids)))
    )
    return set(rows.scalars())


async def lock_endpoint_deliveries(
    session: AsyncSession, organization_id: uuid.UUID, endpoint_id: uuid.UUID
) -> None:
    """Lock an endpoint's deliveries, in id order, before the endpoint is locked and deleted
    (the delete cascades to them): the worker recording an answer holds a delivery and then
    needs its endpoint, so taking the endpoint first would deadlock with it."""
    await session.execute(
        text(
            "SELECT id FROM webhook_deliveries "
            "WHERE organization_id = :org AND endpoint_id = :endpoint ORDER BY id FOR UPDATE"
        ),
        {"org": organization_id, "endpoint": endpoint_id},
    )


async def record_attempts(
    session: AsyncSession, worker: str, results: Sequence[AttemptResult]
) -> None:
    """Keep every attempt, and move each delivery on. The delivery changes only while this
    worker still holds its claim: a worker whose lease ran out records what it saw, but the
    worker that took over decides what happens next."""
    if not results:
        return
    # A delivery deleted meanwhile (its endpoint was deleted while the attempt was in flight)
    # has nothing left to record against: its attempt would break the foreign key and, with
    # it, the whole batch, again on every retry.
    existing = await lock_deliveries(session, [r.delivery_id for r in results])
    results = [r for r in results if r.delivery_id in existing]
    if not results:
        return
    ids = [r.delivery_id for r in results]
    await session.execute(
        _INSERT_ATTEMPTS.bindparams(
            _bind_uuids("ids", [new_id() for _ in results]),
            _bind_uuids("orgs", [r.organization_id for r in results]),
            _bind_uuids("deliveries", ids),
            _bind_uuids("endpoints", [r.endpoint_id for r in results]),
        ),
        {
            "attempts": [r.attempt for r in results],
            "oks": [r.succeeded for r in results],
            "codes": [r.status_code for r in results],
            "mss": [r.latency_ms for r in results],
            "bodies": [r.response_body for r in results],
            "errors": [r.error for r in results],
            "worker": worker,
        },
    )
    await session.execute(
        _UPDATE_DELIVERIES.bindparams(_bind_uuids("deliveries", ids)),
        {
            "statuses": [r.status for r in results],
            "attempts": [r.attempt for r in results],
            "next_ats": [r.next_attempt_at for r in results],
            "codes": [r.status_code for r in results],
            "errors": [r.error for r in results],
            "worker": worker,
        },
    )


async def release_claims(session: AsyncSession, worker: str, ids: Sequence[uuid.UUID]) -> None:
    """Hand back claimed deliveries this worker will not send (it is stopping)."""
    if ids:
        await session.execute(
            text(
                "UPDATE webhook_deliveries SET claimed_until = NULL, claimed_by = NULL "
                "WHERE id = ANY(:ids) AND claimed_by = :worker"
            ).bindparams(_bind_uuids("ids", list(ids))),
            {"worker": worker},
        )


async def endpoints_succeeded(session: AsyncSession, endpoint_ids: Sequence[uuid.UUID]) -> None:
    if endpoint_ids:
        await session.execute(
            text(
                "UPDATE webhook_endpoints SET failing_since = NULL "
                "WHERE id = ANY(:ids) AND failing_since IS NOT NULL"
            ).bindparams(_bind_uuids("ids", list(endpoint_ids)))
        )


async def endpoints_failed(
    session: AsyncSession,
    endpoint_ids: Sequence[uuid.UUID],
    disable_after_seconds: float,
    reason: str = "every attempt failed for too long",
) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """Start the failing clock of these endpoints; disable those failing for too long. Returns
    the (organization, endpoint) pairs disabled now."""
    if not endpoint_ids:
        return []
    bound = _bind_uuids("ids", list(endpoint_ids))
    await session.execute(
        text(
            "UPDATE webhook_endpoints SET failing_since = now() "
            "WHERE id = ANY(:ids) AND failing_since IS NULL"
        ).bindparams(bound)
    )
    rows = await session.execute(
        text(
            "UPDATE webhook_endpoints SET status = 'disabled', disabled_at = now(), "
            "disabled_reason = :reason, version = version + 1, updated_at = now() "
            "WHERE id = ANY(:ids) AND status = 'enabled' "
            "AND failing_since <= now() - make_interval(secs => :secs) "
            "RETURNING organization_id, id"
        ).bindparams(_bind_uuids("ids", list(endpoint_ids))),
        {"secs": disable_after_seconds, "reason": reason},
    )
    return [(r[0], r[1]) for r in rows]


async def disable_endpoints(
    session: AsyncSession, endpoint_ids: Sequence[uuid.UUID], reason: str
) -> list[tuple[uuid.UUID, uuid.UUID]]:
    if not endpoint_ids:
        return []
    rows = await session.execute(
        text(
            "UPDATE webhook_endpoints SET status = 'disabled', disabled_at = now(), "
            "disabled_reason = :reason, version = version + 1, updated_at = now() "
            "WHERE id = ANY(:ids) AND status = 'enabled' RETURNING organization_id, id"
        ).bindparams(_bind_uuids("ids", list(endpoint_ids))),
        {"reason": reason},
    )
    return [(r[0], r[1]) for r in rows]
