"""The worker's health port (GET /healthz, GET /metrics), over real HTTP on 127.0.0.1: what a
healthy worker reports, when it answers 503, the outbox lag and queue figures it reads from
PostgreSQL, and a failed webhook delivery counted and logged at WARNING with its ids."""

from __future__ import annotations

import logging
import socket
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from app.db import Database
from app.settings import Settings
from app.worker.health import HealthServer, WorkerHealth, make_app, stale_after_seconds
from app.worker.metrics import metrics
from app.worker.runner import LOOPS
from tests.conftest import Tenant, make_settings
from tests.helpers_worker import create_endpoint, eventually, running_worker, worker_settings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def samples(body: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a Prometheus text body, keyed by name and sorted labels."""
    found = {}
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


@asynccontextmanager
async def health_server(
    health: WorkerHealth, db: Database, token: str | None = None
) -> AsyncIterator[str]:
    port = free_port()
    server = HealthServer(make_app(health, db, token), "127.0.0.1", port)
    await server.start()
    metrics.invalidate()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await server.stop()


async def test_a_running_worker_reports_healthy_with_every_loop(
    db: Database, http: httpx.AsyncClient
) -> None:
    port = free_port()
    settings = worker_settings(worker_health_port=port)
    async with running_worker(db, settings, name="health-worker", periodic=True):
        base = f"http://127.0.0.1:{port}"

        async def every_loop_ran() -> bool:
            metrics.invalidate()
            body = (await http.get(f"{base}/healthz")).json()
            return all(loop["last_round_at"] for loop in body["loops"].values())

        await eventually(every_loop_ran, within=15)
        answer = await http.get(f"{base}/healthz")
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["status"] == "ok"
        assert body["worker"] == "health-worker"
        assert body["database"] == "ok"
        assert body["outbox_lag_seconds"] == 0
        assert body["uptime_seconds"] > 0
        assert set(body["loops"]) == set(LOOPS)
        assert body["stale_after_seconds"] == stale_after_seconds(settings)
        assert body["stale_loops"] == []

        scraped = samples((await http.get(f"{base}/metrics")).text)
        for loop in LOOPS:
            last = scraped[("hireloop_worker_loop_last_round_timestamp_seconds", (("loop", loop),))]
            assert time.time() - 60 < last <= time.time()
        assert ("process_cpu_seconds_total", ()) in scraped
        assert scraped[("hireloop_worker_queue_depth", (("queue", "outbox"),))] == 0
        # Every periodic job ran once on this worker (they were all due), and succeeded.
        successes = {
            dict(labels)["job"]
            for (name, labels), _ in scraped.items()
            if name == "hireloop_worker_periodic_last_success_timestamp_seconds"
        }
        assert "interviews.complete_past" in successes
    # Stopped: the port is closed with the worker.
    with pytest.raises(httpx.ConnectError):
        await http.get(f"http://127.0.0.1:{port}/healthz")


async def test_outbox_lag_and_queue_depth_come_from_the_database(
    db: Database, tenant: Tenant, http: httpx.AsyncClient
) -> None:
    async with db.transaction() as session:
        # The tenant's own events are no work here.
        await session.execute(text("UPDATE events SET dispatched_at = now()"))
        for age in (30, 120):
            await session.execute(
                text(
                    "INSERT INTO events (id, organization_id, type, occurred_at, resource_type, "
                    "resource_id, data) VALUES (:id, :org, 'role.updated', "
                    "now() - make_interval(secs => :age), 'role', :id, '{}'::jsonb)"
                ),
                {"id": uuid.uuid4(), "org": tenant.organization_id, "age": age},
            )
    health = WorkerHealth("lagging", make_settings(), ["outbox"])
    health.round_done("outbox")
    async with health_server(health, db) as base:
        body = (await http.get(f"{base}/healthz")).json()
        assert 120 <= body["outbox_lag_seconds"] < 180
        metrics.invalidate()
        scraped = samples((await http.get(f"{base}/metrics")).text)
    assert 120 <= scraped[("hireloop_worker_outbox_lag_seconds", ())] < 180
    assert scraped[("hireloop_worker_queue_depth", (("queue", "outbox"),))] == 2
    assert scraped[("hireloop_worker_queue_oldest_age_seconds", (("queue", "outbox"),))] >= 120
    assert scraped[("hireloop_worker_queue_depth", (("queue", "webhook_deliveries"),))] == 0
    assert scraped[("hireloop_worker_queue_read_success", ())] == 1


async def test_a_stale_loop_and_a_stopping_worker_answer_503(
    db: Database, http: httpx.AsyncClient
) -> None:
    settings = make_settings(worker_poll_seconds=0.5, worker_lease_seconds=20)
    health = WorkerHealth("stale", settings, ["outbox", "ats"])
    assert health.stale_after == 100  # max(10 x poll, 5 x lease)
    health.round_done("outbox")
    health.round_done("ats")
    async with health_server(health, db) as base:
        assert (await http.get(f"{base}/healthz")).status_code == 200
        health.last_round["ats"] = time.time() - 101
        answer = await http.get(f"{base}/healthz")
        assert answer.status_code == 503
        assert answer.json()["status"] == "unhealthy"
        assert answer.json()["stale_loops"] == ["ats"]
        assert answer.json()["loops"]["ats"]["stale"] is True
        assert answer.json()["loops"]["outbox"]["stale"] is False

        # A loop that never completed a round counts from the worker's start.
        fresh = WorkerHealth("new", settings, ["outbox"])
        assert (await fresh.report(db))[0] == 200
        fresh.started -= 101
        assert (await fresh.report(db))[0] == 503

        health.last_round["ats"] = time.time()
        health.stopping = True
        answer = await http.get(f"{base}/healthz")
        assert answer.status_code == 503
        assert answer.json()["status"] == "stopping"


async def test_an_unreachable_database_answers_503(http: httpx.AsyncClient) -> None:
    settings = make_settings()
    nowhere = Database.connect(f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/x", settings)
    health = WorkerHealth("cut-off", settings, ["outbox"])
    health.round_done("outbox")
    try:
        async with health_server(health, nowhere) as base:
            answer = await http.get(f"{base}/healthz")
            assert answer.status_code == 503
            assert answer.json()["database"] == "unreachable"
            assert answer.json()["outbox_lag_seconds"] is None
            metrics.invalidate()
            scraped = samples((await http.get(f"{base}/metrics")).text)
            assert scraped[("hireloop_worker_queue_read_success", ())] == 0
    finally:
        await nowhere.dispose()
        metrics.invalidate()


async def test_the_metrics_token_guards_the_worker_metrics(
    db: Database, http: httpx.AsyncClient
) -> None:
    health = WorkerHealth("guarded", make_settings(), ["outbox"])
    health.round_done("outbox")
    async with health_server(health, db, token="s3cret-token") as base:
        assert (await http.get(f"{base}/metrics")).status_code == 401
        wrong = await http.get(f"{base}/metrics", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        right = await http.get(f"{base}/metrics", headers={"Authorization": "Bearer s3cret-token"})
        assert right.status_code == 200
        assert "hireloop_worker_tasks_total" in right.text
        # Health carries ids and times only: no token needed.
        assert (await http.get(f"{base}/healthz")).status_code == 200


async def test_a_port_in_use_is_a_clear_error(db: Database) -> None:
    from app.worker.health import HealthPortError

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        health = WorkerHealth("clash", make_settings(), ["outbox"])
        server = HealthServer(make_app(health, db), "127.0.0.1", port)
        with pytest.raises(HealthPortError, match=f"127.0.0.1:{port}"):
            await server.start()


async def test_a_failed_delivery_is_counted_and_logged_with_its_ids(
    db: Database,
    client: httpx.AsyncClient,
    tenant: Tenant,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # A receiver that is not there: every attempt fails to connect.
    endpoint = await create_endpoint(client, tenant, f"http://127.0.0.1:{free_port()}/hook")
    settings: Settings = worker_settings(webhook_retry_schedule=[60])

    def failures(outcome: str) -> float:
        value = metrics.registry.get_sample_value(
            "hireloop_worker_tasks_total", {"kind": "webhook_delivery", "outcome": outcome}
        )
        return value or 0.0

    before = failures("retrying")
    caplog.set_level(logging.WARNING, logger="hireloop.worker.webhooks")
    async with running_worker(db, settings, name="failing-worker"):
        created = await client.post(
            "/api/v1/roles", json={"title": "Platform Engineer"}, headers=tenant.admin.headers
        )
        assert created.status_code == 201, created.text

        async def counted() -> bool:
            return failures("retrying") > before

        await eventually(counted, within=15)
    lines = [
        r.getMessage()
        for r in caplog.records
        if r.levelno == logging.WARNING and r.getMessage().startswith("webhook delivery")
    ]
    assert lines, "the failed attempt was not logged"
    line = lines[0]
    assert endpoint["id"] in line
    assert str(tenant.organization_id) in line
    assert "attempt 1 failed" in line
    assert "retrying at" in line
    # Ids only: not the receiver's URL, not the payload.
    assert "/hook" not in line
    assert "Platform Engineer" not in line
