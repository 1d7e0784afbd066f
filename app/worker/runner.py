"""`hireloop worker`: fans out the outbox, sends webhooks and notifications, runs periodic jobs.

Workers coordinate only through PostgreSQL (SKIP LOCKED claims and leases), so any number may
run on any number of machines. A committed event wakes them through LISTEN/NOTIFY within
milliseconds; polling covers a lost listener connection and retries that fall due.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
import signal
import socket
import time
from collections.abc import Awaitable, Callable

import asyncpg
import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import Database, after_commit
from app.domain.notifications import delivery as notifications
from app.integrations.retry import doubling
from app.settings import Settings
from app.worker import ats, calendars
from app.worker.deliveries import DeliveryPump
from app.worker.health import HealthServer, WorkerHealth, make_app
from app.worker.metrics import metrics
from app.worker.outbox import fan_out
from app.worker.periodic import JOBS, Job, run_due_jobs

log = logging.getLogger("hireloop.worker")

CHANNEL = "hireloop_outbox"
CALENDAR_PAYLOAD = "calendar"  # app/domain/calendars/repository.py's pg_notify
# Reconnecting the listener: about 1 s, doubling to 30 s while the database is away.
RECONNECT_BACKOFF = doubling(1, 30)
BATCH = 500
_ATS_LOOPS = ("ats_events", "ats_pushes", "ats_syncs")
_FINISH_ON_STOP = ("outbox", "notifications", *_ATS_LOOPS, "calendars", "periodic")
# The loops whose rounds /healthz watches.
LOOPS = ("outbox", "deliveries", "notifications", *_ATS_LOOPS, "calendars", "periodic")


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class Worker:
    def __init__(self, db: Database, settings: Settings, name: str | None = None):
        self.db, self.settings = db, settings
        self.name = name or worker_name()
        self.stopping = asyncio.Event()
        self.outbox_wake = asyncio.Event()
        self.notifications_wake = asyncio.Event()
        # Vendor events, pushes and imports are separate loops, so a slow vendor call in one
        # (a 429's Retry-After) never holds up the others.
        self.ats_events_wake = asyncio.Event()
        self.ats_pushes_wake = asyncio.Event()
        self.ats_syncs_wake = asyncio.Event()
        self.calendars_wake = asyncio.Event()
        self.pump: DeliveryPump | None = None
        self.periodic_enabled = True
        self.health = WorkerHealth(self.name, settings, LOOPS)

    def stop(self) -> None:
        self.stopping.set()
        self.health.stopping = True
        # Loops waiting for work look up at once and see that they are to stop.
        for wake in (self.outbox_wake, self.notifications_wake, self.calendars_wake):
            wake.set()
        self._wake_ats()

    async def run(self) -> None:
        if not self.periodic_enabled:
            self.health.last_round.pop("periodic", None)
        server = None
        if self.settings.worker_health_port is not None:
            # Opened first: a port that cannot be opened stops the worker before it takes work.
            server = HealthServer(
                make_app(self.health, self.db, self.settings.metrics_token),
                self.settings.worker_health_host,
                self.settings.worker_health_port,
            )
            await server.start()
        try:
            await self._run()
        finally:
            if server is not None:
                await server.stop()

    async def _run(self) -> None:
        # For notifications and ATS calls; webhook deliveries have their own pools (deliveries.py).
        limits = httpx.Limits(max_connections=16, max_keepalive_connections=16)
        async with httpx.AsyncClient(limits=limits, follow_redirects=False) as http:
            self.pump = DeliveryPump(self.db, self.settings, self.name)
            self.pump.on_round = lambda: self.health.round_done("deliveries")
            tasks = [
                asyncio.create_task(self._listen(), name="listen"),
                asyncio.create_task(
                    self._loop("outbox", self._outbox_round, self.outbox_wake), name="outbox"
                ),
                asyncio.create_task(self.pump.run(self.stopping), name="deliveries"),
                asyncio.create_task(self.pump.record_loop(self.stopping), name="record"),
                asyncio.create_task(
                    self._loop(
                        "notifications",
                        lambda: self._notifications_round(http),
                        self.notifications_wake,
                    ),
                    name="notifications",
                ),
                asyncio.create_task(
                    self._loop(
                        "ats_events", lambda: self._ats_events_round(http), self.ats_events_wake
                    ),
                    name="ats_events",
                ),
                asyncio.create_task(
                    self._loop(
                        "ats_pushes",
                        lambda: self._ats_pushes_round(http),
                        self.ats_pushes_wake,
                    ),
                    name="ats_pushes",
                ),
                asyncio.create_task(
                    self._loop(
                        "ats_syncs", lambda: self._ats_syncs_round(http), self.ats_syncs_wake
                    ),
                    name="ats_syncs",
                ),
                asyncio.create_task(
                    self._loop(
                        "calendars", lambda: self._calendars_round(http), self.calendars_wake
                    ),
                    name="calendars",
                ),
            ]
            if self.periodic_enabled:
                tasks.append(asyncio.create_task(self._periodic(), name="periodic"))
            log.info("worker %s started", self.name)
            await self.stopping.wait()
            log.info("worker %s stopping", self.name)
            # Claim nothing more before draining: a claim in progress finishes (and what it
            # took is drained with the rest) rather than being cut off after its commit.
            claiming = next(t for t in tasks if t.get_name() == "deliveries")
            await asyncio.wait([claiming], timeout=10)
            # Rounds in progress (a message being sent, a vendor call) finish and record what
            # they did within the grace period; they start nothing new (they see `stopping`).
            # Cancelling them mid-send would leave a sent message unrecorded, and another
            # worker would send it again once the lease ran out.
            grace = self.settings.worker_shutdown_grace_seconds
            rounds = [t for t in tasks if t.get_name() in _FINISH_ON_STOP]
            await asyncio.gather(self.pump.drain(grace), asyncio.wait(rounds, timeout=grace))
            for task in tasks:
                if task.get_name() != "record":
                    task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self.pump.close()
            log.info("worker %s stopped", self.name)

    # --- waking --------------------------------------------------------------------------

    async def _listen(self) -> None:
        """Hold one connection that LISTENs; reconnect if it drops (polling covers the gap),
        backing off while the database stays unreachable."""
        failures = 0
        while not self.stopping.is_set():
            try:
                async with self.db.engine.connect() as connection:
                    raw = (await connection.get_raw_connection()).driver_connection
                    assert isinstance(raw, asyncpg.Connection)
                    await raw.add_listener(CHANNEL, self._notified)
                    self.health.listening = True
                    failures = 0
                    # Anything committed before the listener started is found by this round.
                    self.outbox_wake.set()
                    try:
                        while not raw.is_closed():
                            await asyncio.sleep(self.settings.worker_poll_seconds)
                            await raw.execute("SELECT 1")
                    finally:
                        self.health.listening = False
                        with contextlib.suppress(Exception):
                            await raw.remove_listener(CHANNEL, self._notified)
            except asyncio.CancelledError:
                raise
            except Exception:
                failures += 1
                log.warning("the LISTEN connection failed; reconnecting", exc_info=True)
                await asyncio.sleep(RECONNECT_BACKOFF.wait(failures) or 1.0)

    def _notified(self, _connection: object, _pid: int, _channel: str, payload: str) -> None:
        """Only the loops that can have work wake; the outbox round wakes the others for what
        it fans out. A calendar's push notice says `calendar`; a trigger may name its table
        (`events`, `ats_inbound_events`); an empty payload may be either of those."""
        if payload == CALENDAR_PAYLOAD:
            self.calendars_wake.set()
            return
        if payload != "ats_inbound_events":
            self.outbox_wake.set()
        if payload != "events":
            self._wake_ats()

    def _wake_ats(self) -> None:
        for wake in (self.ats_events_wake, self.ats_pushes_wake, self.ats_syncs_wake):
            wake.set()

    async def _loop(
        self, name: str, round_: Callable[[], Awaitable[bool]], wake: asyncio.Event
    ) -> None:
        """Run a round at once while it finds work; otherwise when woken or on the poll."""
        while not self.stopping.is_set():
            wake.clear()
            try:
                busy = await round_()
                self.health.round_done(name)
                if busy:
                    continue
            except Exception:
                log.exception("a worker round of %s failed; retrying", name)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.settings.worker_poll_seconds):
                    await wake.wait()

    # --- rounds --------------------------------------------------------------------------

    async def _outbox_round(self) -> bool:
        started = time.perf_counter()
        async with self.db.transaction() as session:
            made = await fan_out(session, BATCH)
        if made.events:
            metrics.events_dispatched.inc(made.events)
            metrics.outcome("outbox_batch", "dispatched", time.perf_counter() - started)
            # Wake only the loops with new work; each also polls, so nothing waits longer
            # than worker_poll_seconds. Which events become notifications is the planner's
            # business, so that loop is always woken (one query when there is nothing).
            if made.pushes:
                self.ats_pushes_wake.set()
            if made.calendar_writes:
                self.calendars_wake.set()
            if made.deliveries:
                assert self.pump is not None
                self.pump.wake.set()
            self.notifications_wake.set()
        return made.events == BATCH

    async def _notifications_round(self, http: httpx.AsyncClient) -> bool:
        limit = 50
        sent = await notifications.send_due(
            self.db,
            self.settings,
            http,
            self.name,
            limit,
            stopping=self.stopping,
            on_outcome=lambda outcome, seconds: metrics.outcome("notification", outcome, seconds),
        )
        return sent >= limit

    async def _ats_events_round(self, http: httpx.AsyncClient) -> bool:
        """Vendor events, a batch a round (app/worker/ats.py); busy again at once while there
        are more."""
        applied = await ats.apply_due(self.db, http, self.settings, self.name)
        if applied:
            self.outbox_wake.set()
        return bool(applied)

    async def _ats_pushes_round(self, http: httpx.AsyncClient) -> bool:
        """Our changes owed to vendors, several records at once (app/worker/ats.py)."""
        return bool(await ats.push_due(self.db, http, self.settings, self.name))

    async def _ats_syncs_round(self, http: httpx.AsyncClient) -> bool:
        """Pages of the imports under way, several imports at once (app/worker/ats.py)."""
        imported = await ats.sync_step(self.db, http, self.settings, self.name)
        if imported:
            self.outbox_wake.set()
        return imported

    async def _calendars_round(self, http: httpx.AsyncClient) -> bool:
        found = await calendars.round_(self.db, http, self.settings, self.name)
        if found:
            self.outbox_wake.set()
        return found

    async def _periodic(self) -> None:
        lease = float(self.settings.worker_lease_seconds) * 5
        jobs = tuple(_measured(job) for job in JOBS)
        while not self.stopping.is_set():
            try:
                if await run_due_jobs(self.db, self.name, lease, jobs):
                    self.outbox_wake.set()
                    self.notifications_wake.set()
                    self.calendars_wake.set()
                self.health.round_done("periodic")
            except Exception:
                log.exception("periodic jobs failed; retrying")
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(1.0):
                    await self.stopping.wait()


def _measured(job: Job) -> Job:
    """The job, timed and counted; its last success is noted once its transaction commits."""

    async def run(session: AsyncSession) -> object:
        started = time.perf_counter()
        try:
            result = await job.run(session)
        except BaseException:
            metrics.outcome("periodic_job", "failed", time.perf_counter() - started)
            raise
        metrics.outcome("periodic_job", "succeeded", time.perf_counter() - started)
        after_commit(
            session, lambda: metrics.periodic_last_success.labels(job.name).set(time.time())
        )
        return result

    return dataclasses.replace(job, run=run)


async def run_worker(db: Database, settings: Settings) -> None:
    """Run until SIGTERM or SIGINT, then stop gracefully."""
    worker = Worker(db, settings)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, worker.stop)
    try:
        await worker.run()
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
