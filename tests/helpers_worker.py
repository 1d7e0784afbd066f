"""Running real workers in the tests: in this process (as a task on the test's loop) or as a
`hireloop worker` subprocess that can be killed."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import IO, Any

import httpx
from sqlalchemy import text

from app.db import Database
from app.settings import Settings
from app.worker.runner import Worker
from tests.conftest import TEST_SECRET, Tenant, make_settings, suite_data_dir


def worker_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "worker_poll_seconds": 0.2,
        "webhook_retry_schedule": [1, 1, 1, 1, 1, 1, 1],
        "webhook_timeout_seconds": 5.0,
        "worker_shutdown_grace_seconds": 5.0,
    }
    values.update(overrides)
    return make_settings(**values)


@asynccontextmanager
async def running_worker(
    db: Database,
    settings: Settings | None = None,
    *,
    name: str = "test-worker",
    periodic: bool = False,
) -> AsyncIterator[Worker]:
    """A worker on this loop sharing the test's database pool, with its own settings."""
    own = Database.connect(
        db.engine.url.render_as_string(hide_password=False), settings or worker_settings()
    )
    worker = Worker(own, settings or worker_settings(), name=name)
    worker.periodic_enabled = periodic
    task = asyncio.create_task(worker.run())
    try:
        yield worker
    finally:
        worker.stop()
        await asyncio.wait_for(task, 30)
        await own.dispose()


def spawn_worker(database_url: str, **env: str) -> subprocess.Popen[bytes]:
    """`hireloop worker` as its own process, as production runs it."""
    environment = {
        **os.environ,
        "DATABASE_URL": database_url.replace("postgresql+asyncpg://", "postgresql://", 1),
        "HIRELOOP_ENV": "test",
        "HIRELOOP_SECRET_KEY": TEST_SECRET,
        "HIRELOOP_OUTBOUND_ALLOW_NETWORKS": '["127.0.0.0/8"]',
        "HIRELOOP_WORKER_POLL_SECONDS": "0.2",
        "HIRELOOP_LOG_JSON": "false",
        "HIRELOOP_LOG_LEVEL": "WARNING",
        # The folder the test's own settings use (documents, mail), not the checkout's.
        "HIRELOOP_DATA_DIR": str(suite_data_dir()),
        **env,
    }
    # Its log goes to a file, not a pipe nobody reads (a full pipe would block the worker);
    # `worker_log()` reads it when a test fails.
    log = tempfile.TemporaryFile()  # noqa: SIM115 (kept open for the process's life)
    process = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "worker"], env=environment, stderr=log
    )
    _LOGS[process.pid] = log
    return process


_LOGS: dict[int, IO[bytes]] = {}


def worker_log(process: subprocess.Popen[bytes]) -> str:
    log = _LOGS.get(process.pid)
    if log is None:
        return ""
    log.seek(0)
    return log.read().decode(errors="replace")[-5000:]


async def eventually(
    check: Callable[[], Awaitable[bool]], within: float = 30.0, every: float = 0.05
) -> None:
    deadline = time.monotonic() + within
    while True:
        if await check():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {within} s")
        await asyncio.sleep(every)


async def count(db: Database, sql: str, **params: Any) -> int:
    async with db.transaction() as session:
        return int((await session.execute(text(sql), params)).scalar_one())


async def insert_events(
    db: Database, organization_id: uuid.UUID, n: int, type: str = "role.updated"
) -> list[uuid.UUID]:
    """`n` committed events in one transaction, as fast as SQL allows (one statement)."""
    ids = [uuid.uuid4() for _ in range(n)]
    async with db.transaction() as session:
        await session.execute(
            text(
                "INSERT INTO events (id, organization_id, type, occurred_at, resource_type, "
                "resource_id, data) "
                "SELECT e.id, :org, :type, now(), 'role', e.id, "
                "jsonb_build_object('role_id', e.id::text, 'n', e.n) "
                "FROM unnest(CAST(:ids AS uuid[])) WITH ORDINALITY AS e(id, n)"
            ),
            {"org": organization_id, "type": type, "ids": ids},
        )
    return ids


async def create_endpoint(
    client: httpx.AsyncClient, tenant: Tenant, url: str, **extra: object
) -> dict[str, Any]:
    """Register an endpoint through the API; the answer carries its secret."""
    response = await client.post(
        "/api/v1/webhook-endpoints", json={"url": url, **extra}, headers=tenant.admin.headers
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def kill_quietly(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.kill()
        process.wait(10)


def stop_process(process: subprocess.Popen[bytes], sig: int, within: float = 30.0) -> int:
    """Send `sig` and wait for the exit code; kill the process if it outlives `within`."""
    process.send_signal(sig)
    try:
        return process.wait(within)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)
        raise


def schedule_env(schedule: list[int]) -> str:
    return json.dumps(schedule)
