"""The worker under stress, with real parts: receivers on 127.0.0.1 that fail half the time,
two workers at once (one in this process, one a `hireloop worker` subprocess), a worker killed
with SIGKILL mid-delivery, a worker stopped with SIGTERM, and a transaction that rolls back."""

from __future__ import annotations

import asyncio
import base64
import json
import signal
import socket
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import formatdate
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from app.db import Database
from app.domain.events import service as events
from app.domain.webhooks import repository as webhooks_repo
from app.domain.webhooks.repository import AttemptResult
from app.domain.webhooks.signing import generate_secret, signature
from app.worker.periodic import Job, next_due, run_due_jobs
from tests.conftest import Tenant
from tests.helpers_worker import (
    count,
    create_endpoint,
    eventually,
    insert_events,
    kill_quietly,
    running_worker,
    spawn_worker,
    stop_process,
    worker_log,
    worker_settings,
)
from tests.receivers import Received, Receiver


@pytest.fixture
def receivers() -> Iterator[list[Receiver]]:
    started: list[Receiver] = []
    yield started
    for receiver in started:
        receiver.stop()


def start(pool: list[Receiver], **options: object) -> Receiver:
    receiver = Receiver(**options).start()  # type: ignore[arg-type]
    pool.append(receiver)
    return receiver


async def rows(db: Database, sql: str, **params: object) -> list[tuple[object, ...]]:
    async with db.transaction() as session:
        return [tuple(r) for r in await session.execute(text(sql), params)]


@pytest.mark.slow
async def test_thousand_events_to_five_flaky_endpoints_with_two_workers(
    client: httpx.AsyncClient,
    tenant: Tenant,
    db: Database,
    database_url: str,
    receivers: list[Receiver],
) -> None:
    """1,000 events x 5 endpoints whose receivers answer 500 half the time, sent by two workers
    at once: every (endpoint, event) arrives verified, each webhook-id is acknowledged exactly
    once per receiver, and nothing is sent after a 2xx: each delivery's attempts are failures
    up to one success, and the receiver saw exactly as many requests as attempts recorded."""
    # 25 retries: the chance that one of 5,000 deliveries fails 26 times in a row is 7e-5.
    schedule = [0] * 25
    by_endpoint: dict[uuid.UUID, Receiver] = {}
    for seed in range(5):
        receiver = start(receivers, behaviour="flaky", fail_ratio=0.5, seed=seed)
        endpoint = await create_endpoint(client, tenant, receiver.url, event_types=["role.updated"])
        receiver.secrets = [endpoint["secret"]]
        by_endpoint[uuid.UUID(endpoint["id"])] = receiver
    # One worker in this process and one `hireloop worker` process, claiming at once.
    other = spawn_worker(database_url, HIRELOOP_WEBHOOK_RETRY_SCHEDULE=json.dumps(schedule))
    try:
        async with running_worker(
            db, worker_settings(webhook_retry_schedule=schedule), name="in-process"
        ):
            ids = {str(i) for i in await insert_events(db, tenant.organization_id, 1000)}

            async def all_done() -> bool:
                assert other.poll() is None, worker_log(other)
                done = "SELECT count(*) FROM webhook_deliveries WHERE status <> 'pending'"
                return await count(db, done) == 5000

            # Bounded: 36-40 s on this 2-core machine beside other suites, 86 s when crowded.
            await eventually(all_done, within=150, every=0.25)
    finally:
        exit_code = await asyncio.to_thread(stop_process, other, signal.SIGTERM)
    assert exit_code == 0, worker_log(other)

    assert await count(db, "SELECT count(*) FROM webhook_deliveries") == 5000
    assert (
        await count(db, "SELECT count(*) FROM webhook_deliveries WHERE status = 'succeeded'")
        == 5000
    )
    attempts: dict[tuple[uuid.UUID, str], list[tuple[int, bool]]] = defaultdict(list)
    names: set[str] = set()
    for endpoint_id, event_id, attempt, succeeded, worker in await rows(
        db,
        "SELECT d.endpoint_id, d.event_id, a.attempt, a.succeeded, a.worker "
        "FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id "
        "ORDER BY a.attempt",
    ):
        assert isinstance(endpoint_id, uuid.UUID)
        assert isinstance(worker, str)
        attempts[(endpoint_id, str(event_id))].append((int(attempt), bool(succeeded)))  # type: ignore[call-overload]
        names.add(worker)
    # Both workers took part.
    assert names == {"in-process", f"{socket.gethostname()}:{other.pid}"}, names

    failures = 0
    for endpoint_id, receiver in by_endpoint.items():
        received = receiver.snapshot()
        assert all(r.verified for r in received)
        answers: dict[str, list[int]] = defaultdict(list)
        for r in received:
            answers[r.webhook_id].append(r.answered)
        assert set(answers) == ids
        assert set(receiver.processed) == ids
        assert set(receiver.processed.values()) == {1}
        for webhook_id, codes in answers.items():
            # Failures, then one 2xx, then nothing.
            assert codes[-1] == 200, codes
            assert set(codes[:-1]) <= {500}, codes
            recorded = attempts[(endpoint_id, webhook_id)]
            assert [a for a, _ in recorded] == list(range(1, len(codes) + 1))
            assert [ok for _, ok in recorded] == [False] * (len(codes) - 1) + [True]
            failures += len(codes) - 1
    # The receivers really failed about half the time.
    assert 3500 < failures < 7000, failures


async def test_worker_killed_mid_delivery_loses_nothing(
    client: httpx.AsyncClient,
    tenant: Tenant,
    db: Database,
    database_url: str,
    receivers: list[Receiver],
) -> None:
    """SIGKILL while 20 requests are in flight: the dead worker's claims run out (4 s lease)
    and a second worker sends every delivery; only those in flight at the kill may arrive
    twice, which the receiver's dedupe by webhook-id absorbs."""
    receiver = start(receivers, behaviour="slow", slow_seconds=2.5)
    endpoint = await create_endpoint(client, tenant, receiver.url, event_types=["role.updated"])
    receiver.secrets = [endpoint["secret"]]
    first = spawn_worker(
        database_url,
        HIRELOOP_WORKER_LEASE_SECONDS="4",
        HIRELOOP_WEBHOOK_TIMEOUT_SECONDS="3",
        HIRELOOP_WORKER_SHUTDOWN_GRACE_SECONDS="10",
    )
    try:
        ids = {str(i) for i in await insert_events(db, tenant.organization_id, 20)}

        async def in_flight() -> bool:
            assert first.poll() is None, worker_log(first)
            return receiver.started == 20

        await eventually(in_flight, within=20)
        first.send_signal(signal.SIGKILL)
        assert first.wait(10) == -signal.SIGKILL
    finally:
        kill_quietly(first)
    # Nothing was recorded: every delivery is still claimed by the dead worker.
    assert await count(db, "SELECT count(*) FROM webhook_attempts") == 0
    assert (
        await count(
            db,
            "SELECT count(*) FROM webhook_deliveries "
            "WHERE status = 'pending' AND claimed_by IS NOT NULL",
        )
        == 20
    )
    receiver.slow_seconds = 0.0
    settings = worker_settings(worker_lease_seconds=4, webhook_timeout_seconds=3)
    async with running_worker(db, settings, name="survivor"):

        async def all_succeeded() -> bool:
            return (
                await count(
                    db, "SELECT count(*) FROM webhook_deliveries WHERE status = 'succeeded'"
                )
                == 20
            )

        await eventually(all_succeeded, within=15, every=0.1)
    assert set(receiver.processed) == ids
    assert all(r.verified for r in receiver.snapshot())
    # The survivor sent each once more: at most twice in all, once after dedupe.
    assert set(receiver.processed.values()) <= {1, 2}
    assert await rows(db, "SELECT DISTINCT worker FROM webhook_attempts") == [("survivor",)]


async def _slow_deliveries_in_flight(
    client: httpx.AsyncClient,
    tenant: Tenant,
    db: Database,
    database_url: str,
    receiver: Receiver,
    grace: str,
) -> tuple[set[str], int]:
    """A worker subprocess with 10 slow deliveries in flight, stopped with SIGTERM; returns
    the event ids and the exit code."""
    endpoint = await create_endpoint(client, tenant, receiver.url, event_types=["role.updated"])
    receiver.secrets = [endpoint["secret"]]
    process = spawn_worker(database_url, HIRELOOP_WORKER_SHUTDOWN_GRACE_SECONDS=grace)
    try:
        ids = {str(i) for i in await insert_events(db, tenant.organization_id, 10)}

        async def in_flight() -> bool:
            assert process.poll() is None, worker_log(process)
            return receiver.started == 10

        await eventually(in_flight, within=20)
        exit_code = await asyncio.to_thread(stop_process, process, signal.SIGTERM, 20)
    finally:
        kill_quietly(process)
    return ids, exit_code


async def test_sigterm_finishes_deliveries_in_flight(
    client: httpx.AsyncClient,
    tenant: Tenant,
    db: Database,
    database_url: str,
    receivers: list[Receiver],
) -> None:
    receiver = start(receivers, behaviour="slow", slow_seconds=1.0)
    ids, exit_code = await _slow_deliveries_in_flight(
        client, tenant, db, database_url, receiver, grace="10"
    )
    assert exit_code == 0
    assert set(receiver.processed) == ids
    assert await rows(
        db, "SELECT status, claimed_by, count(*) FROM webhook_deliveries GROUP BY 1, 2"
    ) == [("succeeded", None, 10)]
    assert await count(db, "SELECT count(*) FROM webhook_attempts WHERE succeeded") == 10


async def test_sigterm_releases_what_it_cannot_finish(
    client: httpx.AsyncClient,
    tenant: Tenant,
    db: Database,
    database_url: str,
    receivers: list[Receiver],
) -> None:
    """With a grace shorter than the answers, the deliveries in flight are handed back at
    once: unclaimed, so another worker sends them without waiting for the 60 s lease."""
    receiver = start(receivers, behaviour="slow", slow_seconds=4.0)
    ids, exit_code = await _slow_deliveries_in_flight(
        client, tenant, db, database_url, receiver, grace="0.2"
    )
    assert exit_code == 0
    assert await rows(
        db,
        "SELECT status, claimed_by, claimed_until, attempts, count(*) "
        "FROM webhook_deliveries GROUP BY 1, 2, 3, 4",
    ) == [("pending", None, None, 0, 10)]
    receiver.behaviour = "ok"
    async with running_worker(db, name="next"):

        async def all_succeeded() -> bool:
            return (
                await count(
                    db, "SELECT count(*) FROM webhook_deliveries WHERE status = 'succeeded'"
                )
                == 10
            )

        await eventually(all_succeeded, within=10)
    assert ids <= set(receiver.processed)


async def test_event_of_a_rolled_back_transaction_is_never_sent(
    client: httpx.AsyncClient, tenant: Tenant, db: Database, receivers: list[Receiver]
) -> None:
    receiver = start(receivers)
    endpoint = await create_endpoint(client, tenant, receiver.url, event_types=["role.updated"])
    receiver.secrets = [endpoint["secret"]]
    async with running_worker(db):
        rolled_back = uuid.uuid4()

        async def change_then_fail() -> None:
            async with db.transaction() as session:
                event = events.record(
                    session,
                    tenant.organization_id,
                    None,
                    "role.updated",
                    "role",
                    uuid.uuid4(),
                    {"n": "rolled back"},
                )
                event.id = rolled_back
                await session.flush()
                # The row exists inside the transaction, and the worker is awake meanwhile.
                await asyncio.sleep(0.5)
                raise RuntimeError("abort")

        with pytest.raises(RuntimeError):
            await change_then_fail()
        (committed,) = await insert_events(db, tenant.organization_id, 1)

        async def arrived() -> bool:
            return str(committed) in receiver.processed

        await eventually(arrived, within=10)
        await asyncio.sleep(0.5)
    assert receiver.ids() == [str(committed)]
    assert str(rolled_back) not in receiver.ids()
    assert await count(db, "SELECT count(*) FROM events WHERE type = 'role.updated'") == 1
    assert await count(db, "SELECT count(*) FROM webhook_deliveries") == 1


# --- signatures ------------------------------------------------------------------------


def headers_of(received: Received) -> dict[str, str]:
    return {
        "webhook-id": received.webhook_id,
        "webhook-timestamp": received.timestamp,
        "webhook-signature": received.signature,
    }


def verifies(secret: str, headers: dict[str, str], body: bytes) -> bool:
    try:
        Webhook(secret).verify(body, headers)
    except WebhookVerificationError:
        return False
    return True


async def test_signatures_forgery_tampering_and_rotation(
    client: httpx.AsyncClient, tenant: Tenant, db: Database, receivers: list[Receiver]
) -> None:
    """Checked with the `standardwebhooks` package, the consumer's side of the spec."""
    receiver = start(receivers)
    endpoint = await create_endpoint(client, tenant, receiver.url, event_types=["role.updated"])
    old = endpoint["secret"]
    receiver.secrets = [old]

    async def send_one() -> Received:
        (event_id,) = await insert_events(db, tenant.organization_id, 1)

        async def arrived() -> bool:
            return str(event_id) in receiver.ids()

        await eventually(arrived, within=10)
        return next(r for r in receiver.snapshot() if r.webhook_id == str(event_id))

    async with running_worker(db):
        first = await send_one()
        headers, body = headers_of(first), first.body
        assert first.verified
        assert verifies(old, headers, body)
        assert first.signature.startswith("v1,")
        assert " " not in first.signature
        # Tampered body, id or timestamp; forged or foreign signatures: all refused.
        assert not verifies(old, headers, body.replace(b'"n":1', b'"n":2'))
        assert not verifies(old, headers, body + b" ")
        assert not verifies(old, {**headers, "webhook-id": str(uuid.uuid4())}, body)
        later = str(int(headers["webhook-timestamp"]) + 1)
        assert not verifies(old, {**headers, "webhook-timestamp": later}, body)
        forged = "v1," + base64.b64encode(b"\0" * 32).decode()
        assert not verifies(old, {**headers, "webhook-signature": forged}, body)
        assert not verifies(generate_secret(), headers, body)
        resigned = signature(generate_secret(), first.webhook_id, int(first.timestamp), body)
        assert not verifies(old, {**headers, "webhook-signature": resigned}, body)
        # Our signer agrees with the package byte for byte.
        assert signature(old, first.webhook_id, int(first.timestamp), body) == first.signature

        r = await client.post(
            f"/api/v1/webhook-endpoints/{endpoint['id']}/rotate-secret",
            headers=tenant.admin.headers,
        )
        new = r.json()["secret"]
        receiver.secrets = [new]
        during = await send_one()
        headers, body = headers_of(during), during.body
        assert len(during.signature.split(" ")) == 2
        assert verifies(new, headers, body)
        assert verifies(old, headers, body)
        assert not verifies(new, headers, body + b" ")
        assert not verifies(old, headers, body + b" ")
        for one in during.signature.split(" "):
            alone = {**headers, "webhook-signature": one}
            assert verifies(new, alone, body) != verifies(old, alone, body)

        async with db.transaction() as session:
            await session.execute(
                text(
                    "UPDATE webhook_endpoints "
                    "SET previous_secret_expires_at = now() - interval '1 second'"
                )
            )
        after = await send_one()
        headers, body = headers_of(after), after.body
        assert " " not in after.signature
        assert verifies(new, headers, body)
        assert not verifies(old, headers, body)
    assert all(r.verified for r in receiver.snapshot())


# --- what each answer means --------------------------------------------------------------


async def attempts_of(db: Database, endpoint_id: str) -> list[dict[str, Any]]:
    async with db.transaction() as session:
        result = await session.execute(
            text(
                "SELECT attempt, succeeded, status_code, latency_ms, response_body, error "
                "FROM webhook_attempts WHERE endpoint_id = :id ORDER BY attempt"
            ),
            {"id": endpoint_id},
        )
        return [dict(r._mapping) for r in result]


async def delivery_of(db: Database, endpoint_id: str) -> dict[str, Any]:
    async with db.transaction() as session:
        result = await session.execute(
            text("SELECT * FROM webhook_deliveries WHERE endpoint_id = :id"),
            {"id": endpoint_id},
        )
        return dict(result.one()._mapping)


async def endpoint_row(db: Database, endpoint_id: str) -> dict[str, Any]:
    async with db.transaction() as session:
        result = await session.execute(
            text("SELECT * FROM webhook_endpoints WHERE id = :id"), {"id": endpoint_id}
        )
        return dict(result.one()._mapping)


async def disabled_events(db: Database, endpoint_id: str) -> list[dict[str, Any]]:
    async with db.transaction() as session:
        result = await session.execute(
            text("SELECT data FROM events WHERE type = 'endpoint.disabled' AND resource_id = :id"),
            {"id": endpoint_id},
        )
        return [dict(r[0]) for r in result]


async def test_answers_redirect_gone_throttle_timeout_and_what_is_kept(
    client: httpx.AsyncClient, tenant: Tenant, db: Database, receivers: list[Receiver]
) -> None:
    """One worker, one event, an endpoint per behaviour; schedule [0]: two attempts at most."""
    elsewhere = start(receivers)
    behaviours: dict[str, dict[str, object]] = {
        "redirect": {"behaviour": "redirect", "location": elsewhere.url},
        "gone": {"behaviour": "gone"},
        "throttle": {"behaviour": "throttle", "retry_after": "120"},
        "unavailable": {
            "behaviour": "status",
            "status_code": 503,
            "retry_after": formatdate(time.time() + 600, usegmt=True),
        },
        "capped": {"behaviour": "throttle", "retry_after": "999999"},
        "slow": {"behaviour": "slow", "slow_seconds": 3.0},
        "trickle": {"behaviour": "trickle", "slow_seconds": 0.1},
        "verbose": {
            "behaviour": "status",
            "status_code": 500,
            "answer_body": "é".encode() + b"\x00" + b"x" * 5000,
        },
        "fine": {"behaviour": "ok"},
    }
    ids: dict[str, str] = {}
    by_name: dict[str, Receiver] = {}
    for name, options in behaviours.items():
        receiver = start(receivers, **options)
        endpoint = await create_endpoint(client, tenant, receiver.url, event_types=["role.updated"])
        receiver.secrets = [endpoint["secret"]]
        ids[name], by_name[name] = endpoint["id"], receiver
    settings = worker_settings(
        webhook_retry_schedule=[0],
        webhook_timeout_seconds=1.0,
        webhook_max_retry_after_seconds=3600,
    )
    started = datetime.now(UTC)
    async with running_worker(db, settings):
        (event_id,) = await insert_events(db, tenant.organization_id, 1)

        async def settled() -> bool:
            # Each behaviour's final state: two failed attempts, one 410, one throttled
            # attempt waiting, or a success.
            expected = {"redirect": 2, "gone": 1, "throttle": 1, "unavailable": 1, "capped": 1}
            expected |= {"slow": 2, "trickle": 2, "verbose": 2, "fine": 1}
            return await count(db, "SELECT count(*) FROM webhook_attempts") == sum(
                expected.values()
            )

        await eventually(settled, within=20)
        await asyncio.sleep(0.5)  # nothing more comes
    assert await count(db, "SELECT count(*) FROM webhook_attempts") == 13

    # 307: a failure, not followed.
    redirect = await attempts_of(db, ids["redirect"])
    assert [(a["status_code"], a["succeeded"], a["error"]) for a in redirect] == [
        (307, False, "answered 307")
    ] * 2
    assert (await delivery_of(db, ids["redirect"]))["status"] == "failed"
    assert by_name["redirect"].ids() == [str(event_id)] * 2
    assert elsewhere.snapshot() == []

    # 410: the endpoint is disabled at once, with an endpoint.disabled event.
    assert [a["status_code"] for a in await attempts_of(db, ids["gone"])] == [410]
    assert (await delivery_of(db, ids["gone"]))["status"] == "failed"
    gone = await endpoint_row(db, ids["gone"])
    assert gone["status"] == "disabled"
    assert "410" in gone["disabled_reason"]
    (disabled,) = await disabled_events(db, ids["gone"])
    assert disabled["endpoint_id"] == ids["gone"]
    assert "410" in disabled["reason"]

    # 429 and 503 with Retry-After (seconds, or an HTTP date): the next attempt waits, though
    # the schedule says at once; a huge Retry-After is capped by the setting.
    for name, wait in [("throttle", 120), ("unavailable", 600), ("capped", 3600)]:
        delivery = await delivery_of(db, ids[name])
        assert delivery["status"] == "pending"
        assert delivery["attempts"] == 1
        assert delivery["claimed_by"] is None
        expected = started + timedelta(seconds=wait)
        assert abs(delivery["next_attempt_at"] - expected) < timedelta(seconds=20), name
        assert len(by_name[name].ids()) == 1

    # Slower than the timeout (a slow answer, or a quick one trickling forever): timed out.
    for name in ("slow", "trickle"):
        attempts = await attempts_of(db, ids[name])
        assert [a["error"] for a in attempts] == ["timed out after 1 s"] * 2, name
        assert all(a["status_code"] is None for a in attempts)
        assert all(900 <= a["latency_ms"] < 5000 for a in attempts), attempts
        assert (await delivery_of(db, ids[name]))["status"] == "failed"

    # Every attempt keeps its status, latency and the first 2 KiB of the answer (a NUL byte
    # included, which PostgreSQL text cannot hold).
    verbose = await attempts_of(db, ids["verbose"])
    assert [a["status_code"] for a in verbose] == [500, 500]
    kept = verbose[0]["response_body"]
    assert kept.startswith("é\ufffdxxx")
    assert len(kept.encode()) <= 2048 + 2
    assert kept == ("é".encode() + b"\x00" + b"x" * 5000)[:2048].decode().replace("\x00", "\ufffd")
    fine = await attempts_of(db, ids["fine"])
    assert [(a["status_code"], a["succeeded"], a["response_body"]) for a in fine] == [
        (200, True, "ok")
    ]
    assert all(a["latency_ms"] >= 0 for a in fine + verbose + redirect)
    assert (await delivery_of(db, ids["fine"]))["status"] == "succeeded"


async def test_an_endpoint_failing_for_days_is_disabled(
    client: httpx.AsyncClient, tenant: Tenant, db: Database, receivers: list[Receiver]
) -> None:
    """Failing since 6 days: the next failure disables it. Failing since 4 days: it keeps
    going. A success resets the clock."""
    failing = start(receivers, behaviour="status", status_code=500)
    ids: dict[str, str] = {}
    for name in ("six_days", "four_days", "recovering"):
        receiver = failing if name != "recovering" else start(receivers)
        endpoint = await create_endpoint(client, tenant, receiver.url, event_types=["role.updated"])
        receiver.secrets.append(endpoint["secret"])
        ids[name] = endpoint["id"]
    async with db.transaction() as session:
        for name, days in [("six_days", 6), ("four_days", 4), ("recovering", 6)]:
            await session.execute(
                text(
                    "UPDATE webhook_endpoints SET failing_since = now() - make_interval(days => :d) "
                    "WHERE id = :id"
                ),
                {"d": days, "id": ids[name]},
            )
    async with running_worker(db, worker_settings(webhook_retry_schedule=[3600])):
        await insert_events(db, tenant.organization_id, 1)

        async def attempted() -> bool:
            return await count(db, "SELECT count(*) FROM webhook_attempts") == 3

        await eventually(attempted, within=10)
    six = await endpoint_row(db, ids["six_days"])
    assert six["status"] == "disabled"
    assert six["disabled_reason"] == "every attempt failed for 5 days"
    assert await disabled_events(db, ids["six_days"]) == [
        {"endpoint_id": ids["six_days"], "reason": "every attempt failed for 5 days"}
    ]
    four = await endpoint_row(db, ids["four_days"])
    assert four["status"] == "enabled"
    assert four["failing_since"] is not None
    assert await disabled_events(db, ids["four_days"]) == []
    recovering = await endpoint_row(db, ids["recovering"])
    assert recovering["status"] == "enabled"
    assert recovering["failing_since"] is None


async def test_deleting_an_endpoint_mid_delivery_stops_nothing_else(
    client: httpx.AsyncClient, tenant: Tenant, db: Database, receivers: list[Receiver]
) -> None:
    """The answer of a delivery whose endpoint was deleted meanwhile has nothing to be
    recorded against; it must not stop the worker recording everything else."""
    slow = start(receivers, behaviour="slow", slow_seconds=1.0)
    fine = start(receivers)
    doomed = await create_endpoint(client, tenant, slow.url, event_types=["role.updated"])
    kept = await create_endpoint(client, tenant, fine.url, event_types=["role.updated"])
    slow.secrets, fine.secrets = [doomed["secret"]], [kept["secret"]]
    async with running_worker(db):
        await insert_events(db, tenant.organization_id, 1)

        async def in_flight() -> bool:
            return slow.started == 1

        await eventually(in_flight, within=10)
        r = await client.delete(
            f"/api/v1/webhook-endpoints/{doomed['id']}", headers=tenant.admin.headers
        )
        assert r.status_code == 204

        async def answered() -> bool:
            return len(slow.snapshot()) == 1

        # The slow answer comes back, for a delivery now deleted, and is recorded or dropped.
        await eventually(answered, within=10)
        await asyncio.sleep(0.5)
        later = await insert_events(db, tenant.organization_id, 3)

        async def recorded() -> bool:
            return (
                await count(
                    db,
                    "SELECT count(*) FROM webhook_deliveries "
                    "WHERE status = 'succeeded' AND event_id = ANY(:ids)",
                    ids=later,
                )
                == 3
            )

        await eventually(recorded, within=10)
    assert await count(db, "SELECT count(*) FROM webhook_deliveries") == 4
    assert set(fine.processed.values()) == {1}


# --- periodic jobs -------------------------------------------------------------------------


async def test_each_periodic_due_time_runs_once_across_workers(db: Database) -> None:
    """Eight workers asking at once: the due time goes to one of them; once it has run, the
    next due time is on the job's grid, so nobody runs it again until then."""
    runs: list[str] = []

    async def job(session: AsyncSession) -> None:
        runs.append("ran")
        await asyncio.sleep(0.1)  # long enough for the others to ask meanwhile

    jobs = (Job("test.count", timedelta(minutes=1), job),)
    ran = await asyncio.gather(*(run_due_jobs(db, f"worker-{i}", 30, jobs) for i in range(8)))
    assert sum(ran) == 1
    assert runs == ["ran"]
    assert sum(await asyncio.gather(*(run_due_jobs(db, f"w{i}", 30, jobs) for i in range(8)))) == 0
    # Due again (as if a minute passed): once more, by one worker.
    async with db.transaction() as session:
        await session.execute(
            text("UPDATE periodic_jobs SET next_run_at = now() - interval '1 second'")
        )
    assert sum(await asyncio.gather(*(run_due_jobs(db, f"w{i}", 30, jobs) for i in range(8)))) == 1
    assert runs == ["ran", "ran"]


def test_next_due_skips_missed_runs() -> None:
    due = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    every = timedelta(minutes=1)
    assert next_due(due, every, due - timedelta(seconds=5)) == due + every
    assert next_due(due, every, due + timedelta(seconds=1)) == due + every
    assert next_due(due, every, due + timedelta(hours=1, seconds=1)) == due + 61 * every


async def test_a_committed_event_wakes_the_worker_through_notify(
    client: httpx.AsyncClient, tenant: Tenant, db: Database, receivers: list[Receiver]
) -> None:
    """With a 30 s poll, only LISTEN/NOTIFY can make an event leave at once."""
    receiver = start(receivers)
    endpoint = await create_endpoint(client, tenant, receiver.url, event_types=["role.updated"])
    receiver.secrets = [endpoint["secret"]]
    async with running_worker(db, worker_settings(worker_poll_seconds=30)):
        await asyncio.sleep(1.0)  # idle: the start-up round has run, the worker sleeps
        for _ in range(3):
            (event_id,) = await insert_events(db, tenant.organization_id, 1)
            committed = time.monotonic()

            async def arrived() -> bool:
                return str(event_id) in receiver.processed  # noqa: B023

            await eventually(arrived, within=5, every=0.01)
            assert time.monotonic() - committed < 2.0


async def test_deleting_an_endpoint_while_its_answer_is_recorded_does_not_deadlock(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    """The worker recording an answer locks the delivery, then its endpoint; the API deleting
    the endpoint must take them in the same order, or PostgreSQL kills one of the two
    ("deadlock detected", a 503 for the API). The delete is made to arrive between the
    worker's two locks, where the race makes it arrive now and then."""
    endpoint = await create_endpoint(
        client, tenant, "https://hooks.example.com/in", event_types=["role.updated"]
    )
    endpoint_id = uuid.UUID(endpoint["id"])
    (event_id,) = await insert_events(db, tenant.organization_id, 1)
    async with db.transaction() as session:
        await webhooks_repo.add_deliveries(
            session, [(tenant.organization_id, endpoint_id, event_id, "role.updated")]
        )
        (delivery,) = await webhooks_repo.claim_due(session, "racer", 10, 60)
    result = AttemptResult(
        delivery_id=delivery.id,
        organization_id=tenant.organization_id,
        endpoint_id=endpoint_id,
        attempt=1,
        succeeded=False,
        status_code=500,
        latency_ms=3,
        response_body="",
        error="answered 500",
        status="pending",
        next_attempt_at=datetime.now(UTC) + timedelta(minutes=1),
    )
    async with db.transaction() as session:
        # The worker's recording, as DeliveryPump._record runs it, paused after its first lock.
        assert await webhooks_repo.lock_deliveries(session, [delivery.id]) == {delivery.id}
        deleting = asyncio.create_task(
            client.delete(f"/api/v1/webhook-endpoints/{endpoint_id}", headers=tenant.admin.headers)
        )

        async def delete_waits() -> bool:
            return (
                await count(
                    db,
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE wait_event_type = 'Lock' AND query ILIKE '%webhook_%'",
                )
                >= 1
            )

        try:
            await eventually(delete_waits, within=10)
            await webhooks_repo.record_attempts(session, "racer", [result])
            await webhooks_repo.endpoints_failed(session, [endpoint_id], 86400.0)
        except BaseException:
            await asyncio.wait_for(deleting, 30)
            raise
    response = await asyncio.wait_for(deleting, 30)
    assert response.status_code == 204, response.text
    assert (
        await count(db, "SELECT count(*) FROM webhook_endpoints WHERE id = :id", id=endpoint_id)
        == 0
    )
    assert (
        await count(
            db, "SELECT count(*) FROM webhook_attempts WHERE endpoint_id = :id", id=endpoint_id
        )
        == 0
    )
