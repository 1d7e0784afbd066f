"""Running real workers in the tests: in this process (as a task on the test's loop) or as a
`hireloop worker` subprocess that can be killed."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import text

from app.db import Database
from app.settings import Settings
from app.worker.runner import Worker
from tests.conftest import TEST_SECRET, make_settings


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
        **env,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "app.cli", "worker"], env=environment, stderr=subprocess.PIPE
    )


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
