"""The worker calls the ATS vendor with no transaction open and no row lock held, for pushes and
for sync pages as for vendor events (docs/architecture.md: claim with a lease, call, record in
a new transaction), and a worker whose claim was taken over while it waited records nothing.

While the Lever fake answers the worker, its request hook looks from another connection:
`FOR UPDATE NOWAIT` on the push's row, the application it is about and the connection (for a
page: the sync's row and the connection) must succeed, and no connection of the worker may be
`idle in transaction`. The worker's steps are driven directly (no other loop of a worker runs
meanwhile), on a database pool of their own whose connections carry their own
application_name, so the count is of the worker's connections alone.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy import event

from app.db import Database
from app.domain.integrations import repository
from app.settings import Settings
from app.worker import ats, outbox
from tests.conftest import Tenant
from tests.fakes import lever as lever_fake
from tests.helpers_worker import count, worker_settings
from tests.test_ats_integration import (
    LEVER_SAMPLES,
    SECRET,
    URL,
    application_state,
    connect,
    deliver,
    resource_of,
    row,
    served,
)

WORKER_APP = "hireloop-ats-under-test"
WORKER = "no-lock-worker"


@pytest.fixture
async def worker_db(db: Database) -> AsyncIterator[Database]:
    """The worker's own pool; each of its connections is named WORKER_APP in pg_stat_activity
    (counted in this run's database only: other runs on the server use the same name)."""
    own = Database.connect(db.engine.url.render_as_string(hide_password=False), worker_settings())

    @event.listens_for(own.engine.sync_engine, "connect")
    def name_it(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.run_async(lambda c: c.execute(f"SET application_name = '{WORKER_APP}'"))

    try:
        yield own
    finally:
        await own.dispose()


def dsn_of(db: Database) -> str:
    return db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


async def what_is_held(dsn: str, rows: dict[str, tuple[str, Any]]) -> dict[str, Any]:
    """From a connection of its own: for each named row (table, id), whether
    `FOR UPDATE NOWAIT` finds it locked; and how many of the worker's connections are idle in
    a transaction."""
    seen: dict[str, Any] = {}
    connection = await asyncpg.connect(dsn)
    try:
        for name, (table, row_id) in rows.items():
            try:
                async with connection.transaction():
                    found = await connection.fetch(
                        f"SELECT id FROM {table} WHERE id = $1 FOR UPDATE NOWAIT",
                        row_id,
                    )
                seen[name] = "free" if found else "missing"
            except asyncpg.LockNotAvailableError:
                seen[name] = "locked"
        seen["idle_in_transaction"] = await connection.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 "
            "AND datname = current_database() AND state LIKE 'idle in transaction%'",
            WORKER_APP,
        )
        # The hook looks at the right pool: the worker's connection is there, waiting.
        seen["worker_connections"] = await connection.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 "
            "AND datname = current_database()",
            WORKER_APP,
        )
    finally:
        await connection.close()
    return seen


async def take_over(dsn: str, table: str, row_id: uuid.UUID) -> str:
    """Another worker takes the claim over, as after the lease ran out: a new claimed_by and
    claimed_until. Gives up after half a second if the row is locked."""
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute("SET lock_timeout = '500ms'")
        await connection.execute(
            f"UPDATE {table} SET claimed_by = 'usurper', "
            "claimed_until = now() + interval '10 minutes' WHERE id = $1",
            row_id,
        )
        return "taken"
    except asyncpg.LockNotAvailableError:
        return "locked"
    finally:
        await connection.close()


def hook(
    fake: lever_fake.LeverFake, look: Callable[[], Awaitable[Any]], wanted: Callable[[str], bool]
) -> list[tuple[str, Any]]:
    """Run `look` while the fake answers each request whose "METHOD path" is wanted."""
    seen: list[tuple[str, Any]] = []

    async def on_request(request: Any) -> None:
        call = f"{request.method} {request.url.path}"
        if wanted(call):
            seen.append((call, await look()))

    fake.on_request = on_request
    return seen


# --- pushes ---------------------------------------------------------------------------------


async def lever_application(
    client: httpx.AsyncClient,
    tenant: Tenant,
    worker_db: Database,
    settings: Settings,
    http: httpx.AsyncClient,
    fake: lever_fake.LeverFake,
    url: str,
) -> tuple[str, str, uuid.UUID]:
    """A Lever connection and an application imported from Lever's webhook (the worker's
    inbox step, driven here): (connection id, opportunity id, application id)."""
    posting = fake.add_posting("Push Engineer", posting_id=f"p-{uuid.uuid4().hex[:8]}")
    data = json.loads((LEVER_SAMPLES / "applicationCreated.json").read_text())["data"]
    data = {**data, "opportunityId": f"opp-{uuid.uuid4().hex[:8]}"}
    fake.add_opportunity(
        opportunity_id=data["opportunityId"],
        contact_id=data["contactId"],
        name="Pia Push",
        email=f"pia-{uuid.uuid4().hex[:6]}@example.com",
        posting_id=posting,
        stage_id="applicant-new",
    )
    cid = await connect(client, tenant, "lever", url, {"api_key": fake.api_key})
    h, b = lever_fake.signed_delivery("applicationCreated", data, SECRET)
    assert (await deliver(client, cid, h, b)).status_code == 202
    assert await ats.apply_due(worker_db, http, settings, WORKER) == 1
    application_id = await resource_of(worker_db, cid, "application", data["opportunityId"])
    return cid, data["opportunityId"], application_id


async def planned_push(
    client: httpx.AsyncClient, tenant: Tenant, worker_db: Database, application_id: uuid.UUID
) -> uuid.UUID:
    """Our move of the application, fanned out (the worker's outbox step): one push row."""
    response = await client.post(
        f"/api/v1/applications/{application_id}/transitions",
        json={"action": "move", "to_stage": "sourced", "reason": "Back to sourcing"},
        headers=tenant.admin.headers,
    )
    assert response.status_code == 200, response.text
    async with worker_db.transaction() as session:
        await outbox.dispatch_batch(session)
    push = await row(worker_db, "SELECT id, status FROM ats_pushes")
    assert push["status"] == "pending"
    return uuid.UUID(str(push["id"]))


async def test_a_push_is_sent_with_no_transaction_open_and_no_row_locked(
    client: httpx.AsyncClient, tenant: Tenant, db: Database, worker_db: Database
) -> None:
    fake = lever_fake.LeverFake(api_key=f"lever-{uuid.uuid4().hex[:8]}")
    settings = worker_settings()
    dsn = dsn_of(db)
    with served(fake.app) as server:
        async with httpx.AsyncClient() as http:
            cid, opportunity, application_id = await lever_application(
                client, tenant, worker_db, settings, http, fake, server.url
            )
            push_id = await planned_push(client, tenant, worker_db, application_id)
            rows = {
                "push": ("ats_pushes", push_id),
                "application": ("applications", application_id),
                "connection": ("integration_connections", uuid.UUID(cid)),
            }
            seen = hook(fake, lambda: what_is_held(dsn, rows), lambda _call: True)
            assert await ats.push_due(worker_db, http, settings, WORKER) == 1
    stage_call = f"PUT /opportunities/{opportunity}/stage"
    assert stage_call in [call for call, _ in seen], seen
    for call, held in seen:
        assert held["worker_connections"] >= 1, (call, held)
        assert held["idle_in_transaction"] == 0, (call, held)
        assert (held["push"], held["application"], held["connection"]) == ("free",) * 3, (
            call,
            held,
        )
    # The outcome was recorded after the call, in a transaction of its own.
    push = await row(db, "SELECT * FROM ats_pushes WHERE id = :i", i=push_id)
    assert (push["status"], push["attempts"], push["claimed_by"]) == ("done", 1, None)
    assert push["done_at"] is not None
    assert push["last_error"] is None
    assert len(fake.requests_to("PUT", f"/opportunities/{opportunity}/stage")) == 1
    assert await application_state(db, application_id) == ("sourced", "active")


async def test_a_push_whose_claim_was_taken_over_during_the_call_records_nothing(
    client: httpx.AsyncClient, tenant: Tenant, db: Database, worker_db: Database
) -> None:
    fake = lever_fake.LeverFake(api_key=f"lever-{uuid.uuid4().hex[:8]}")
    settings = worker_settings()
    dsn = dsn_of(db)
    with served(fake.app) as server:
        async with httpx.AsyncClient() as http:
            _cid, opportunity, application_id = await lever_application(
                client, tenant, worker_db, settings, http, fake, server.url
            )
            push_id = await planned_push(client, tenant, worker_db, application_id)
            seen = hook(
                fake, lambda: take_over(dsn, "ats_pushes", push_id), lambda c: c.startswith("PUT")
            )
            async with worker_db.transaction() as session:
                claimed = await repository.claim_pushes(session, WORKER, 10, 60)
            assert claimed == [push_id]
            outcome = await ats.push_one(worker_db, http, settings, WORKER, push_id)
    assert seen == [(f"PUT /opportunities/{opportunity}/stage", "taken")]
    # The late worker's "done" is not written over the claim of the worker that took over.
    assert outcome is None
    push = await row(db, "SELECT * FROM ats_pushes WHERE id = :i", i=push_id)
    assert (push["status"], push["attempts"], push["claimed_by"]) == ("pending", 0, "usurper")
    assert push["done_at"] is None


# --- sync pages -----------------------------------------------------------------------------


async def started_sync(
    client: httpx.AsyncClient, tenant: Tenant, fake: lever_fake.LeverFake, url: str
) -> tuple[str, uuid.UUID]:
    fake.seed(jobs=2, applications=3)
    cid = await connect(client, tenant, "lever", url, {"api_key": fake.api_key})
    started = await client.post(f"{URL}/{cid}/sync", headers=tenant.admin.headers, json={})
    assert started.status_code == 202, started.text
    return cid, uuid.UUID(started.json()["id"])


async def test_a_sync_page_is_read_with_no_transaction_open_and_no_row_locked(
    client: httpx.AsyncClient, tenant: Tenant, db: Database, worker_db: Database
) -> None:
    fake = lever_fake.LeverFake(api_key=f"lever-{uuid.uuid4().hex[:8]}")
    settings = worker_settings()
    dsn = dsn_of(db)
    with served(fake.app) as server:
        cid, sync_id = await started_sync(client, tenant, fake, server.url)
        rows = {
            "sync": ("ats_syncs", sync_id),
            "connection": ("integration_connections", uuid.UUID(cid)),
        }
        seen = hook(fake, lambda: what_is_held(dsn, rows), lambda _call: True)
        async with httpx.AsyncClient() as http:
            steps = 0
            while await ats.sync_step(worker_db, http, settings, WORKER):
                steps += 1
                assert steps < 20
    assert [call for call, _ in seen if call.startswith("GET /postings")], seen
    assert [call for call, _ in seen if call.startswith("GET /opportunities")], seen
    for call, held in seen:
        assert held["worker_connections"] >= 1, (call, held)
        assert held["idle_in_transaction"] == 0, (call, held)
        assert (held["sync"], held["connection"]) == ("free", "free"), (call, held)
    # Each page was imported after its call, with the sync's position, in a new transaction
    # (a step goes on with the pages of the sync it claimed, each committed on its own).
    sync = await row(db, "SELECT * FROM ats_syncs WHERE id = :i", i=sync_id)
    assert (sync["status"], sync["errors"], sync["claimed_by"]) == ("done", 0, None)
    assert sync["pages_done"] == 3
    assert 1 <= steps <= 3
    assert await count(db, "SELECT count(*) FROM roles") == 2
    assert await count(db, "SELECT count(*) FROM applications") == 3


async def test_a_sync_page_whose_claim_was_taken_over_during_the_call_is_not_imported(
    client: httpx.AsyncClient, tenant: Tenant, db: Database, worker_db: Database
) -> None:
    fake = lever_fake.LeverFake(api_key=f"lever-{uuid.uuid4().hex[:8]}")
    settings = worker_settings()
    dsn = dsn_of(db)
    with served(fake.app) as server:
        _cid, sync_id = await started_sync(client, tenant, fake, server.url)
        seen = hook(
            fake,
            lambda: take_over(dsn, "ats_syncs", sync_id),
            lambda c: c.startswith("GET /postings"),
        )
        async with httpx.AsyncClient() as http:
            assert await ats.sync_step(worker_db, http, settings, WORKER) is False
    assert [held for _, held in seen] == ["taken"], seen
    # The late worker neither imports its page nor moves the position of the one that took
    # the sync over.
    sync = await row(db, "SELECT * FROM ats_syncs WHERE id = :i", i=sync_id)
    assert (sync["status"], sync["claimed_by"]) == ("running", "usurper")
    assert (sync["pages_done"], sync["resource"], sync["cursor"]) == (0, "jobs", None)
    assert await count(db, "SELECT count(*) FROM roles") == 0


async def test_a_vendor_call_ends_before_the_lease_does() -> None:
    """A call that would outlast the claim is cut short as a transient failure (retried later)
    rather than run on while another worker takes the work over and sends it again."""
    import asyncio
    import time

    from app.clock import utcnow
    from app.integrations.ats.base import VendorError
    from app.worker.ats import _within_lease

    calls: list[str] = []

    async def slow() -> str:
        calls.append("called")
        await asyncio.sleep(5)
        return "answered"

    started = time.monotonic()
    with pytest.raises(VendorError, match="within this worker's lease") as cut:
        await _within_lease(slow, utcnow() + timedelta(seconds=1))
    assert cut.value.transient
    assert time.monotonic() - started < 1.0, "ended before the lease, with room to record"
    with pytest.raises(VendorError, match="lease ran out"):
        await _within_lease(slow, utcnow() - timedelta(seconds=1))
    assert calls == ["called"], "a lease already gone calls nothing"

    async def quick() -> str:
        return "answered"

    assert await _within_lease(quick, utcnow() + timedelta(seconds=30)) == "answered"
