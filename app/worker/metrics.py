"""The worker's Prometheus metrics, served on its health port (app/worker/health.py).

Two kinds of figure:

- **This process's work**, counted as it happens: units of work finished per kind and outcome,
  how long each took, the last time each periodic job succeeded here, the last completed
  round of each loop, and `process_*`. Sum the counters over workers (`sum by (kind,
  outcome)`); take the newest last-success over workers (`max by (job)`).
- **The queues**, read from PostgreSQL when scraped (at most every few seconds): what is due
  and not yet done per queue, the age of the oldest such item, and the outbox lag. Every
  worker reports the same figures, so aggregate them with `max`, never `sum`.

docs/operations.md#metrics lists them with the alerts they are meant for.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.process_collector import ProcessCollector
from sqlalchemy import text

from app.db import Database

# What a queue is: rows due now and not finished (those in flight included), per table.
QUEUES_SQL = text(
    """
    SELECT 'outbox', count(*), extract(epoch FROM now() - min(occurred_at))
      FROM events WHERE dispatched_at IS NULL
    UNION ALL
    SELECT 'webhook_deliveries', count(*), extract(epoch FROM now() - min(next_attempt_at))
      FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= now()
    UNION ALL
    SELECT 'notifications', count(*), extract(epoch FROM now() - min(next_attempt_at))
      FROM notifications WHERE status = 'pending' AND next_attempt_at <= now()
    UNION ALL
    SELECT 'ats_inbound_events', count(*), extract(epoch FROM now() - min(next_attempt_at))
      FROM ats_inbound_events WHERE status = 'pending' AND next_attempt_at <= now()
    UNION ALL
    SELECT 'ats_pushes', count(*), extract(epoch FROM now() - min(next_attempt_at))
      FROM ats_pushes WHERE status = 'pending' AND next_attempt_at <= now()
    UNION ALL
    SELECT 'ats_syncs', count(*), extract(epoch FROM now() - min(created_at))
      FROM ats_syncs WHERE status IN ('pending', 'running')
    UNION ALL
    SELECT 'calendar_writes', count(*), extract(epoch FROM now() - min(next_attempt_at))
      FROM calendar_event_writes WHERE pending AND next_attempt_at <= now()
    UNION ALL
    SELECT 'calendar_reads', count(*), extract(epoch FROM now() - min(next_sync_at))
      FROM member_calendars WHERE busy AND next_sync_at <= now()
    """
)
QUEUES = (
    "outbox",
    "webhook_deliveries",
    "notifications",
    "ats_inbound_events",
    "ats_pushes",
    "ats_syncs",
    "calendar_writes",
    "calendar_reads",
)
# Scrapes closer together than this reuse the last reading of the queues.
QUEUE_READ_SECONDS = 5.0
# A reading slower than this counts as the database being unreachable.
QUEUE_READ_TIMEOUT = 3.0


@dataclass(frozen=True)
class QueueReading:
    depth: int
    oldest_age_seconds: float


class WorkerMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.tasks = Counter(
            "hireloop_worker_tasks_total",
            "Units of work this worker finished, by kind and outcome",
            ["kind", "outcome"],
            registry=self.registry,
        )
        self.duration = Histogram(
            "hireloop_worker_task_duration_seconds",
            "How long one unit of work took, by kind",
            ["kind"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
        )
        self.events_dispatched = Counter(
            "hireloop_worker_events_dispatched_total",
            "Events this worker fanned out from the outbox",
            registry=self.registry,
        )
        self.periodic_last_success = Gauge(
            "hireloop_worker_periodic_last_success_timestamp_seconds",
            "When each periodic job last succeeded on this worker (Unix time)",
            ["job"],
            registry=self.registry,
        )
        self.loop_last_round = Gauge(
            "hireloop_worker_loop_last_round_timestamp_seconds",
            "When each of this worker's loops last completed a round (Unix time)",
            ["loop"],
            registry=self.registry,
        )
        self.queue_depth = Gauge(
            "hireloop_worker_queue_depth",
            "Items due now and not yet done, in flight included (the same on every worker)",
            ["queue"],
            registry=self.registry,
        )
        self.queue_age = Gauge(
            "hireloop_worker_queue_oldest_age_seconds",
            "How long the oldest item due and not yet done has been due (0 when none)",
            ["queue"],
            registry=self.registry,
        )
        self.outbox_lag = Gauge(
            "hireloop_worker_outbox_lag_seconds",
            "Now minus the oldest committed event not yet fanned out (0 when none)",
            registry=self.registry,
        )
        self.queue_read_ok = Gauge(
            "hireloop_worker_queue_read_success",
            "1 when the last reading of the queues from the database succeeded",
            registry=self.registry,
        )
        ProcessCollector(registry=self.registry)
        self._counters: dict[tuple[str, str], Counter] = {}
        self._histograms: dict[str, Histogram] = {}
        self._queues_read_at = 0.0
        self._queues_ok = False
        self.last_outbox_lag: float | None = None
        self._queues_lock = asyncio.Lock()

    def outcome(self, kind: str, outcome: str, seconds: float | None = None) -> None:
        # The labelled children are kept: `labels()` validates and looks them up under a lock
        # on every call, which a worker recording thousands of deliveries a second notices.
        counter = self._counters.get((kind, outcome))
        if counter is None:
            counter = self._counters[(kind, outcome)] = self.tasks.labels(kind, outcome)
        counter.inc()
        if seconds is not None:
            histogram = self._histograms.get(kind)
            if histogram is None:
                histogram = self._histograms[kind] = self.duration.labels(kind)
            histogram.observe(seconds)

    @contextmanager
    def timed(self, kind: str) -> Iterator[dict[str, str]]:
        """Time a unit of work; the caller puts its outcome in the yielded dict (`failed` if
        it raises, `done` if it says nothing)."""
        result: dict[str, str] = {}
        started = time.perf_counter()
        try:
            yield result
        except BaseException:
            result.setdefault("outcome", "failed")
            raise
        finally:
            self.outcome(kind, result.get("outcome", "done"), time.perf_counter() - started)

    def invalidate(self) -> None:
        """Read the queues again at the next scrape or health check."""
        self._queues_read_at = 0.0

    async def read_queues(self, db: Database) -> dict[str, QueueReading]:
        async with db.rows() as connection:
            rows = (await connection.execute(QUEUES_SQL)).all()
        return {str(name): QueueReading(int(depth), float(age or 0.0)) for name, depth, age in rows}

    async def refresh_queues(self, db: Database) -> bool:
        """Read the queues into the gauges unless read within QUEUE_READ_SECONDS; False when
        the database could not be read."""
        async with self._queues_lock:
            if time.monotonic() - self._queues_read_at < QUEUE_READ_SECONDS:
                return self._queues_ok
            try:
                async with asyncio.timeout(QUEUE_READ_TIMEOUT):
                    readings = await self.read_queues(db)
            except Exception:
                self.queue_read_ok.set(0)
                self._queues_ok, self._queues_read_at = False, time.monotonic()
                return False
            for name, reading in readings.items():
                self.queue_depth.labels(name).set(reading.depth)
                self.queue_age.labels(name).set(max(0.0, reading.oldest_age_seconds))
            self.last_outbox_lag = max(0.0, readings["outbox"].oldest_age_seconds)
            self.outbox_lag.set(self.last_outbox_lag)
            self.queue_read_ok.set(1)
            self._queues_ok, self._queues_read_at = True, time.monotonic()
            return True

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


# One set per process: the worker's parts count into it, its health port serves it.
metrics = WorkerMetrics()
