"""Within one worker, ATS work about different records runs at once, bounded, and one record's
work stays in order (docs/architecture.md, "The worker").

- Pushes: the claim takes at most one pending push per vendor record, the oldest; the pushes
  claimed together are sent at once (PUSH_CONCURRENCY), so one slow vendor call holds up only
  its own record.
- Imports: one worker imports the syncs of several connections at once (SYNC_CONCURRENCY), one
  sync per connection, each sync's pages in order.

The fakes see the overlap directly: a request waits (for at most a few seconds) until another
one is in flight beside it. Sent one after another, the first would wait alone and the
overlap would never be seen.
"""

from __future__ import annotations

import asyncio
import json
import threading
import uuid
from typing import Any

import httpx
from sqlalchemy import text

from app.db import Database
from app.domain.integrations import repository, sync
from app.worker import ats, outbox
from tests.conftest import Tenant
from tests.fakes import lever as lever_fake
from tests.helpers_worker import count, worker_settings
from tests.test_ats_integration import (
    LEVER_SAMPLES,
    SECRET,
    URL,
    connect,
    deliver,
    resource_of,
    row,
    served,
)

WORKER = "concurrency-worker"
# How long a request waits for a second one beside it: a bound, not a measurement.
MEET_WITHIN_S = 5.0


class Meeting:
    """Counts the wanted requests in flight across the fakes' server threads; each waits until
    `expected` are in flight together (or MEET_WITHIN_S passes), then answers."""

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.in_flight = 0
        self.most = 0
        self._lock = threading.Lock()

    async def __call__(self, request: Any) -> None:
        with self._lock:
            self.in_flight += 1
            self.most = max(self.most, self.in_flight)
        try:
            waited = 0.0
            while self.most < self.expected and waited < MEET_WITHIN_S:
                await asyncio.sleep(0.01)
                waited += 0.01
        finally:
            with self._lock:
                self.in_flight -= 1


async def lever_applications(
    client: httpx.AsyncClient,
    tenant: Tenant,
    db: Database,
    http: httpx.AsyncClient,
    fake: lever_fake.LeverFake,
    url: str,
    n: int,
) -> tuple[str, list[uuid.UUID]]:
    """A Lever connection and n applications imported from its webhooks."""
    posting = fake.add_posting("Concurrent Engineer", posting_id=f"p-{uuid.uuid4().hex[:8]}")
    cid = await connect(client, tenant, "lever", url, {"api_key": fake.api_key})
    sample = json.loads((LEVER_SAMPLES / "applicationCreated.json").read_text())["data"]
    opportunities = []
    for i in range(n):
        data = {
            **sample,
            "opportunityId": f"opp-{uuid.uuid4().hex[:8]}",
            "contactId": f"contact-{uuid.uuid4().hex[:8]}",
        }
        fake.add_opportunity(
            opportunity_id=data["opportunityId"],
            contact_id=data["contactId"],
            name=f"Cora Concurrent {i}",
            email=f"cora-{uuid.uuid4().hex[:6]}@example.com",
            posting_id=posting,
            stage_id="applicant-new",
        )
        h, b = lever_fake.signed_delivery("applicationCreated", data, SECRET)
        assert (await deliver(client, cid, h, b)).status_code == 202
        opportunities.append(data["opportunityId"])
    assert await ats.apply_due(db, http, worker_settings(), WORKER) == n
    return cid, [await resource_of(db, cid, "application", o) for o in opportunities]


async def moved(
    client: httpx.AsyncClient, tenant: Tenant, db: Database, application_id: uuid.UUID, stage: str
) -> None:
    """Our move of the application, fanned out into its push."""
    response = await client.post(
        f"/api/v1/applications/{application_id}/transitions",
        json={"action": "move", "to_stage": stage, "reason": "Calibrated"},
        headers=tenant.admin.headers,
    )
    assert response.status_code == 200, response.text
    async with db.transaction() as session:
        await outbox.dispatch_batch(session)


async def claimed(db: Database, worker: str = WORKER) -> list[uuid.UUID]:
    async with db.transaction() as session:
        return await repository.claim_pushes(session, worker, 10, 60)


async def test_pushes_about_different_records_are_sent_at_once(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    fake = lever_fake.LeverFake(api_key=f"lever-{uuid.uuid4().hex[:8]}")
    settings = worker_settings()
    with served(fake.app) as server:
        async with httpx.AsyncClient() as http:
            _cid, applications = await lever_applications(
                client, tenant, db, http, fake, server.url, 2
            )
            for application_id in applications:
                await moved(client, tenant, db, application_id, "sourced")
            meeting = Meeting(expected=2)

            async def on_request(request: Any) -> None:
                if request.method == "PUT":
                    await meeting(request)

            fake.on_request = on_request
            assert await ats.push_due(db, http, settings, WORKER) == 2
    assert meeting.most == 2, "the two records' pushes were in flight together"
    assert len([r for r in fake.requests if r.method == "PUT"]) == 2
    done = "SELECT count(*) FROM ats_pushes WHERE status = 'done' AND attempts = 1"
    assert await count(db, done) == 2


async def test_one_records_pushes_are_claimed_one_at_a_time_in_order(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    fake = lever_fake.LeverFake(api_key=f"lever-{uuid.uuid4().hex[:8]}")
    settings = worker_settings()
    with served(fake.app) as server:
        async with httpx.AsyncClient() as http:
            _cid, (first_app, other_app) = await lever_applications(
                client, tenant, db, http, fake, server.url, 2
            )
            await moved(client, tenant, db, first_app, "sourced")
            await moved(client, tenant, db, first_app, "submitted")
            await moved(client, tenant, db, other_app, "sourced")
            pushes = {
                r["id"]: r
                for r in [
                    await row(db, "SELECT * FROM ats_pushes WHERE id = :i", i=i)
                    for i in await ids(db)
                ]
            }
            assert len(pushes) == 3
            by_stage = {(str(p["payload"]["to_stage"]), p["subject"]): i for i, p in pushes.items()}
            first_subject = next(s for (stage, s) in by_stage if stage == "submitted")
            earlier = by_stage[("sourced", first_subject)]
            later = by_stage[("submitted", first_subject)]
            other = next(i for (stage, s), i in by_stage.items() if s != first_subject)

            # The record's later push waits for its earlier one, whoever holds that; another
            # worker still takes the other record's push.
            assert sorted(await claimed(db)) == sorted([earlier, other])
            assert await claimed(db, "another-worker") == []

            # While the earlier one waits out a retry, the later one still waits behind it.
            await db_execute(
                db,
                "UPDATE ats_pushes SET claimed_by = NULL, claimed_until = NULL, "
                "next_attempt_at = now() + interval '1 hour' WHERE id = :i",
                earlier,
            )
            await db_execute(db, "UPDATE ats_pushes SET status = 'done' WHERE id = :i", other)
            assert await claimed(db, "another-worker") == []

            # Once it is sent (or given up), the later one goes.
            await db_execute(
                db, "UPDATE ats_pushes SET next_attempt_at = now() WHERE id = :i", earlier
            )
            assert await claimed(db, "another-worker") == [earlier]
            await db_execute(
                db,
                "UPDATE ats_pushes SET status = 'failed', claimed_by = NULL, "
                "claimed_until = NULL WHERE id = :i",
                earlier,
            )
            assert await claimed(db, "another-worker") == [later]
            # And the worker takes it up (Lever's default map has no stage for `submitted`, so
            # it is recorded as skipped, with why).
            await db_execute(
                db,
                "UPDATE ats_pushes SET claimed_by = NULL, claimed_until = NULL WHERE id = :i",
                later,
            )
            assert await ats.push_due(db, http, settings, WORKER) == 1
    pushed = await row(db, "SELECT * FROM ats_pushes WHERE id = :i", i=later)
    assert (pushed["status"], pushed["attempts"]) == ("skipped", 1)
    assert "no vendor stage" in pushed["last_error"]


async def ids(db: Database) -> list[uuid.UUID]:
    async with db.transaction() as session:
        rows = await session.execute(text("SELECT id FROM ats_pushes ORDER BY id"))
        return [r[0] for r in rows]


async def db_execute(db: Database, sql: str, push_id: uuid.UUID) -> None:
    async with db.transaction() as session:
        await session.execute(text(sql), {"i": push_id})


async def test_imports_of_different_connections_run_at_once_each_in_order(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    fakes = [lever_fake.LeverFake(api_key=f"lever-{uuid.uuid4().hex[:8]}") for _ in range(2)]
    for n, fake in enumerate(fakes):
        # Different people at each vendor: two imports never write the same records.
        fake.seed(jobs=2, applications=3, start_ms=1_700_000_000_000 + n * 10_000_000)
        for opportunity in fake.opportunities:
            opportunity["emails"] = [f"{n}-{e}" for e in opportunity["emails"]]
    meeting = Meeting(expected=2)
    pages: list[tuple[int, str]] = []
    settings = worker_settings()

    def watch(n: int) -> Any:
        async def on_request(request: Any) -> None:
            pages.append((n, request.url.path))
            if request.url.path == "/postings":
                await meeting(request)

        return on_request

    with served(fakes[0].app) as first, served(fakes[1].app) as second:
        syncs = []
        for n, (fake, server) in enumerate(((fakes[0], first), (fakes[1], second))):
            fake.on_request = watch(n)
            cid = await connect(client, tenant, "lever", server.url, {"api_key": fake.api_key})
            started = await client.post(f"{URL}/{cid}/sync", headers=tenant.admin.headers, json={})
            assert started.status_code == 202, started.text
            syncs.append(uuid.UUID(started.json()["id"]))
        async with httpx.AsyncClient() as http:
            steps = 0
            while await ats.sync_step(db, http, settings, WORKER):
                steps += 1
                assert steps < 20
    assert meeting.most == 2, "the two connections' first pages were read together"
    for sync_id in syncs:
        sync = await row(db, "SELECT * FROM ats_syncs WHERE id = :i", i=sync_id)
        assert (sync["status"], sync["errors"], sync["claimed_by"]) == ("done", 0, None)
        assert sync["pages_done"] == 3
    # Each import read its pages in the vendor's order: jobs, then applications.
    for n in range(2):
        paths = [p for m, p in pages if m == n and p in ("/postings", "/opportunities")]
        assert paths[0] == "/postings", paths
        assert paths[-1] == "/opportunities", paths
    assert await count(db, "SELECT count(*) FROM applications") == 6


async def test_one_connections_syncs_are_imported_one_at_a_time(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    """Two syncs of one connection (the periodic reconciliation racing an admin's start) are
    never claimed together: the newer waits for the older."""
    fake = lever_fake.LeverFake(api_key=f"lever-{uuid.uuid4().hex[:8]}")
    fake.seed(jobs=1, applications=1)
    with served(fake.app) as server:
        cid = await connect(client, tenant, "lever", server.url, {"api_key": fake.api_key})
        started = await client.post(f"{URL}/{cid}/sync", headers=tenant.admin.headers, json={})
        assert started.status_code == 202, started.text
        older = uuid.UUID(started.json()["id"])
        async with db.transaction() as session:
            connection = await repository.get_connection_by_id(session, uuid.UUID(cid))
            assert connection is not None
            newer = sync.start_reconciliation(session, connection).id
        async with db.transaction() as session:
            runs = await repository.claim_syncs(session, WORKER, 4, 60)
            assert [r.id for r in runs] == [older]
        async with db.transaction() as session:
            assert await repository.claim_syncs(session, "another-worker", 4, 60) == []
        async with httpx.AsyncClient() as http:
            steps = 0
            while await ats.sync_step(db, http, worker_settings(), WORKER):
                steps += 1
                assert steps < 20
    for sync_id in (older, newer):
        done = await row(db, "SELECT status FROM ats_syncs WHERE id = :i", i=sync_id)
        assert done["status"] == "done"
