"""Retention: candidates past their organization's period are anonymised through the same
erasure, and old events, webhook attempts, notifications (with their .eml copies) and audit
rows are purged; what is younger, still due or kept by a setting of 0 stays."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx

from app.clock import utcnow
from app.db import Database
from app.domain.audit.models import AuditEntry
from app.domain.events.models import Event
from app.domain.notifications.models import Notification
from app.domain.privacy import retention
from app.domain.webhooks.models import WebhookAttempt, WebhookDelivery
from app.settings import Settings
from app.worker.periodic import JOBS
from tests.conftest import Tenant
from tests.helpers_domain import API, ok, problem
from tests.helpers_feedback import rows, scalar, sql
from tests.helpers_pipeline import apply, make_candidate, move


async def _age(db: Database, candidate_id: str, days: int) -> None:
    """Make every trace of the candidate's activity `days` old."""
    await sql(
        db,
        "UPDATE candidates SET updated_at = now() - make_interval(days => :d) WHERE id = :c",
        d=days,
        c=uuid.UUID(candidate_id),
    )
    await sql(
        db,
        "UPDATE applications SET updated_at = now() - make_interval(days => :d) "
        "WHERE candidate_id = :c",
        d=days,
        c=uuid.UUID(candidate_id),
    )
    await sql(
        db,
        "UPDATE application_transitions SET created_at = now() - make_interval(days => :d) "
        "WHERE application_id IN (SELECT id FROM applications WHERE candidate_id = :c)",
        d=days,
        c=uuid.UUID(candidate_id),
    )


async def test_candidates_past_the_organizations_period_are_anonymised(
    client: httpx.AsyncClient, db: Database, tenant: Tenant, other_tenant: Tenant
) -> None:
    admin = tenant.admin.headers
    assert {"privacy.retention", "privacy.purge"} <= {j.name for j in JOBS}
    problem(
        await client.patch(
            f"{API}/organization", headers=admin, json={"candidate_retention_months": 0}
        ),
        422,
    )
    org = ok(
        await client.patch(
            f"{API}/organization", headers=admin, json={"candidate_retention_months": 24}
        )
    )
    assert org["candidate_retention_months"] == 24
    role = ok(
        await client.post(
            f"{API}/roles",
            headers=admin,
            json={
                "title": "Analyst",
                "recruiter_id": str(tenant.admin.id),
                "hiring_manager_id": str(tenant.admin.id),
            },
        ),
        201,
    )
    old = await make_candidate(client, tenant.admin, "Olive Oldtimer")
    ok(
        await move(
            client,
            tenant.admin,
            (await apply(client, tenant.admin, old["id"], role["id"]))["id"],
            "screening",
        )
    )
    recent = await make_candidate(client, tenant.admin, "Rhea Recent")
    # Old profile, but an application that moved last month: still active.
    active = await make_candidate(client, tenant.admin, "Abel Active")
    await apply(client, tenant.admin, active["id"], role["id"])
    # Another organization keeps its candidates (no period set), however old.
    theirs = await make_candidate(client, other_tenant.admin, "Tess Theirs")

    await _age(db, old["id"], 800)
    await _age(db, active["id"], 800)
    await sql(
        db,
        "UPDATE applications SET updated_at = now() - interval '30 days' WHERE candidate_id = :c",
        c=uuid.UUID(active["id"]),
    )
    await _age(db, theirs["id"], 2000)

    async with db.transaction() as session:
        assert await retention.anonymise_expired(session) == 1
    names = {
        r["id"]: r["name"] for r in await rows(db, "SELECT id::text AS id, name FROM candidates")
    }
    assert names[old["id"]] == "Anonymised candidate"
    assert names[recent["id"]] == "Rhea Recent"
    assert names[active["id"]] == "Abel Active"
    assert names[theirs["id"]] == "Tess Theirs"
    [erasure] = await rows(db, "SELECT reason, source, erased_by_id FROM candidate_erasures")
    assert erasure == {"reason": "retention", "source": "retention", "erased_by_id": None}
    [event] = await rows(
        db, "SELECT actor_member_id, data FROM events WHERE type = 'candidate.erased'"
    )
    assert event["actor_member_id"] is None
    assert event["data"]["candidate_id"] == old["id"]
    # Run again: nothing left to do, nothing recorded twice.
    async with db.transaction() as session:
        assert await retention.anonymise_expired(session) == 0
    assert await scalar(db, "SELECT count(*) FROM candidate_erasures") == 1


async def test_old_events_attempts_notifications_and_audit_rows_are_purged(
    client: httpx.AsyncClient, db: Database, tenant: Tenant, settings: Settings
) -> None:
    org = tenant.organization_id
    now = utcnow()
    endpoint = ok(
        await client.post(
            f"{API}/webhook-endpoints",
            headers=tenant.admin.headers,
            json={"url": "https://hooks.example.com/x"},
        ),
        201,
    )
    mail = settings.data_dir / "mail"
    mail.mkdir(parents=True, exist_ok=True)
    async with db.transaction() as session:

        def event(days: int, dispatched: bool = True) -> Event:
            e = Event(
                organization_id=org,
                type="role.updated",
                occurred_at=now - timedelta(days=days),
                resource_type="role",
                resource_id=uuid.uuid4(),
                data={},
                dispatched_at=now if dispatched else None,
            )
            session.add(e)
            return e

        old_event, young_event = event(800), event(10)
        undispatched = event(900, dispatched=False)
        await session.flush()
        delivery = WebhookDelivery(
            organization_id=org,
            endpoint_id=uuid.UUID(endpoint["id"]),
            event_id=young_event.id,
            event_type="role.updated",
            status="succeeded",
        )
        session.add(delivery)
        await session.flush()
        for days in (40, 5):
            session.add(
                WebhookAttempt(
                    organization_id=org,
                    delivery_id=delivery.id,
                    endpoint_id=delivery.endpoint_id,
                    attempt=1,
                    attempted_at=now - timedelta(days=days),
                    succeeded=True,
                    latency_ms=3,
                )
            )

        def notification(days: int, status: str) -> Notification:
            n = Notification(
                organization_id=org,
                kind="digest",
                channel="email",
                recipient="someone@example.com",
                dedupe_key=f"k-{uuid.uuid4()}",
                subject="s",
                body_text="b",
                status=status,
                created_at=now - timedelta(days=days),
            )
            session.add(n)
            return n

        old_sent, old_pending, young_sent = (
            notification(100, "sent"),
            notification(100, "pending"),
            notification(10, "sent"),
        )
        for days in (2200, 10):
            session.add(
                AuditEntry(
                    organization_id=org,
                    action="candidate.exported",
                    subject_type="candidate",
                    subject_id=uuid.uuid4(),
                    at=now - timedelta(days=days),
                )
            )
        await session.flush()
        ids = {
            "old_event": old_event.id,
            "young_event": young_event.id,
            "undispatched": undispatched.id,
            "old_sent": old_sent.id,
            "old_pending": old_pending.id,
            "young_sent": young_sent.id,
        }
    for name in ("old_sent", "young_sent"):
        (mail / f"{ids[name]}.eml").write_bytes(b"Subject: s\r\n\r\nb")

    async with db.transaction() as session:
        done = await retention.purge(session)
    assert done == {"events": 1, "webhook_attempts": 1, "notifications": 1, "audit_entries": 1}
    events_left = {
        r["id"] for r in await rows(db, "SELECT id FROM events WHERE organization_id = :o", o=org)
    }
    assert ids["old_event"] not in events_left
    assert {ids["young_event"], ids["undispatched"]} <= events_left
    assert await scalar(db, "SELECT count(*) FROM webhook_attempts") == 1
    notes = {r["id"] for r in await rows(db, "SELECT id FROM notifications")}
    assert notes == {ids["old_pending"], ids["young_sent"]}
    assert not (mail / f"{ids['old_sent']}.eml").exists()
    assert (mail / f"{ids['young_sent']}.eml").exists()
    assert (
        await scalar(db, "SELECT count(*) FROM audit_entries WHERE organization_id = :o", o=org)
        >= 1
    )
    # A second run finds nothing more.
    async with db.transaction() as session:
        again = await retention.purge(session)
    assert set(again.values()) == {0}
    (mail / f"{ids['young_sent']}.eml").unlink()
