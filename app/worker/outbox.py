"""Fan-out: each committed event becomes the webhook deliveries, notifications, ATS pushes and
calendar writes it causes.

An event is marked dispatched in the same transaction that creates its deliveries and
notifications, so a worker that dies midway leaves the event undispatched and nothing half
made; the next worker redoes the whole batch (the unique keys make a repeat harmless)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.calendars import writes as calendar_writes
from app.domain.events import repository as events_repo
from app.domain.integrations import pushes
from app.domain.notifications import planner
from app.domain.webhooks import repository as webhooks_repo


async def dispatch_batch(session: AsyncSession, limit: int = 500) -> int:
    """Fan out up to `limit` events; returns how many were taken (0 when the outbox is empty)."""
    batch = await events_repo.claim_undispatched(session, limit)
    if not batch:
        return 0
    routes = await webhooks_repo.enabled_endpoints(
        session, list({e.organization_id for e in batch})
    )
    by_org: dict[object, list[webhooks_repo.EndpointRoute]] = {}
    for route in routes:
        by_org.setdefault(route.organization_id, []).append(route)
    rows = [
        (event.organization_id, route.id, event.id, event.type)
        for event in batch
        # A test event is addressed to one endpoint and carries its delivery already.
        if event.type != "webhook.test"
        for route in by_org.get(event.organization_id, ())
        if route.wants(event.type)
    ]
    await webhooks_repo.add_deliveries(session, rows)
    await planner.plan(session, batch)
    await pushes.plan(session, batch)
    await calendar_writes.plan(session, batch)
    await events_repo.mark_dispatched(session, [e.id for e in batch])
    return len(batch)
