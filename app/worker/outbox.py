"""Fan-out: each committed event becomes the webhook deliveries, notifications, ATS pushes and
calendar writes it causes.

An event is marked dispatched in the same transaction that creates its deliveries and
notifications, so a worker that dies midway leaves the event undispatched and nothing half
made; the next worker redoes the whole batch (the unique keys make a repeat harmless)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.calendars import writes as calendar_writes
from app.domain.events import repository as events_repo
from app.domain.integrations.pushes import plan as pushes_plan
from app.domain.notifications import planner
from app.domain.webhooks import repository as webhooks_repo


@dataclass(frozen=True)
class Dispatched:
    """What one fan-out made, so the worker wakes only the loops that now have work: an idle
    round of the calendar loop costs several transactions, and during an import every commit
    would otherwise wake it."""

    events: int = 0
    deliveries: int = 0
    pushes: int = 0
    calendar_writes: int = 0


async def dispatch_batch(session: AsyncSession, limit: int = 500) -> int:
    """Fan out up to `limit` events; returns how many were taken (0 when the outbox is empty)."""
    return (await fan_out(session, limit)).events


async def fan_out(session: AsyncSession, limit: int = 500) -> Dispatched:
    """Fan out up to `limit` events, and say what that made."""
    batch = await events_repo.claim_undispatched(session, limit)
    if not batch:
        return Dispatched()
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
    deliveries = await webhooks_repo.add_deliveries(session, rows)
    await planner.plan(session, batch)
    pushes = await pushes_plan(session, batch)
    writes = await calendar_writes.plan(session, batch)
    await events_repo.mark_dispatched(session, [e.id for e in batch])
    # A test event's delivery was made with it, and an endpoint enabled again has deliveries
    # owed: the delivery loop has work all the same.
    if any(e.type == "webhook.test" or e.type.startswith("endpoint.") for e in batch):
        deliveries += 1
    return Dispatched(len(batch), deliveries, pushes, writes)
