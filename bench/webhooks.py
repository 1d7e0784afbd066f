"""Webhook deliveries from one `hireloop worker` process to a local receiver (issue 6).

`python -m bench.webhooks` runs this alone on a fresh database; `python -m bench.run` runs it
after the wrk rows on the bench database (`--only webhooks`: this alone after the seed).

1. An organization of its own with one webhook endpoint for `role.updated`, made by the real
   services, pointing at bench.receiver (a separate process answering 204 at once and noting
   when each `webhook-id` arrived). Events already in the database are marked dispatched, as
   a running worker would have left them.
2. `hireloop worker` as one process (its defaults: 64 deliveries in flight, LISTEN/NOTIFY,
   periodic jobs on), `HIRELOOP_ENV=test` so it may call http://127.0.0.1; a warm-up batch.
3. Each round:
   - throughput: N events (3,000) committed in one transaction, as the service writes them;
     from the commit until the receiver has seen all N (deliveries/s = N / that time), until
     every delivery is recorded `succeeded`, and the worker's CPU seconds per 1,000. Meanwhile
     the outbox lag (now minus the oldest committed, undispatched event: the worker's
     `hireloop_worker_outbox_lag_seconds`, whose own reading is cached for 5 s) is read on a
     connection of its own every 200 ms, from the commit until every delivery is recorded;
     its median and maximum are reported beside the commit-to-arrival latency;
   - latency: with the worker idle, single events committed one at a time (200, 20 ms apart);
     commit → arrival for each, the commit time taken just after COMMIT returns.
   Figures are medians over the rounds.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from app.core.actor import Actor, PermissionSet
from app.db import Database
from app.domain.organizations import service as organizations
from app.domain.webhooks import service as webhooks
from app.domain.webhooks.schemas import WebhookEndpointCreate
from app.settings import Settings
from bench import database, servers
from bench.report import finish_standalone

KEY = "webhooks"  # bench.run's `--only webhooks`
SECRET_KEY = "bench-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
EVENT_TYPE = "role.updated"
MIN_PER_S = 1000.0  # issue 13: at least as many as before the worker took one shape
MAX_P50_MS = 50.0  # issue 6
LAG_SAMPLE_S = 0.2
# The worker's metric (app/worker/metrics.py QUEUES_SQL, the outbox row), read directly.
_OUTBOX_LAG = """
SELECT coalesce(extract(epoch FROM now() - min(occurred_at)), 0)::float8
  FROM events WHERE dispatched_at IS NULL
"""
WARMUP_EVENTS = 200
POLL_S = 0.01


@dataclass
class WebhookRound:
    events: int
    arrived_s: float  # commit -> the last of the N arrived
    recorded_s: float  # commit -> every delivery recorded succeeded
    first_ms: float  # commit -> the first arrival
    cpu_s: float | None  # the worker's CPU seconds over the batch (until recorded)
    # Transactions committed in the database over the batch (pg_stat_database; the worker's,
    # its periodic jobs' and the bench's few polls).
    transactions: int | None = None
    latency_ms: list[float] = field(default_factory=list)  # single events, commit -> arrival
    # The outbox lag read every LAG_SAMPLE_S over the batch, seconds.
    outbox_lag_s: list[float] = field(default_factory=list)

    @property
    def lag_p50_ms(self) -> float:
        return 1000 * statistics.median(self.outbox_lag_s) if self.outbox_lag_s else 0.0

    @property
    def lag_max_ms(self) -> float:
        return 1000 * max(self.outbox_lag_s) if self.outbox_lag_s else 0.0

    @property
    def per_s(self) -> float:
        return self.events / self.arrived_s if self.arrived_s > 0 else 0.0

    @property
    def cpu_s_per_1000(self) -> float | None:
        return None if self.cpu_s is None else 1000 * self.cpu_s / self.events

    @property
    def transactions_per_1000(self) -> float | None:
        return None if self.transactions is None else 1000 * self.transactions / self.events

    @property
    def p50_ms(self) -> float:
        return statistics.median(self.latency_ms)

    @property
    def p99_ms(self) -> float:
        return _quantile(self.latency_ms, 0.99)


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@dataclass
class WebhookResult:
    rounds: list[WebhookRound]
    concurrency: int

    @property
    def per_s(self) -> float:
        return statistics.median(r.per_s for r in self.rounds)

    @property
    def p50_ms(self) -> float:
        return statistics.median(r.p50_ms for r in self.rounds)

    @property
    def p99_ms(self) -> float:
        return statistics.median(r.p99_ms for r in self.rounds)

    @property
    def cpu_s_per_1000(self) -> float | None:
        values = [r.cpu_s_per_1000 for r in self.rounds if r.cpu_s_per_1000 is not None]
        return statistics.median(values) if values else None

    @property
    def lag_p50_ms(self) -> float:
        return statistics.median(r.lag_p50_ms for r in self.rounds)

    @property
    def lag_max_ms(self) -> float:
        return max(r.lag_max_ms for r in self.rounds)

    def failures(self) -> list[tuple[str, str, str]]:
        """(name, value, target) of each target missed."""
        failed = []
        if self.per_s < MIN_PER_S:
            failed.append(("deliveries/s", f"{self.per_s:.0f}", f">= {MIN_PER_S:g}"))
        if self.p50_ms >= MAX_P50_MS:
            failed.append(("commit->arrival p50", f"{self.p50_ms:.1f} ms", f"< {MAX_P50_MS:g} ms"))
        return failed

    def report(self) -> str:
        cpu = self.cpu_s_per_1000
        lines = [
            f"Webhooks, one worker ({self.concurrency} in flight) -> local receiver answering 204:",
            f"  deliveries/s {self.per_s:.0f} (target >= {MIN_PER_S:g}); commit->arrival "
            f"p50 {self.p50_ms:.1f} ms (target < {MAX_P50_MS:g}), p99 {self.p99_ms:.1f} ms; "
            f"outbox lag under load p50 {self.lag_p50_ms:.0f} ms, max {self.lag_max_ms:.0f} ms; "
            f"worker CPU {'-' if cpu is None else f'{cpu:.2f}'} s per 1000 deliveries",
        ]
        for n, r in enumerate(self.rounds, 1):
            cpu_round = "-" if r.cpu_s_per_1000 is None else f"{r.cpu_s_per_1000:.2f}"
            lines.append(
                f"  round {n}: {r.events} in {r.arrived_s:.2f} s = {r.per_s:.0f}/s (first after "
                f"{r.first_ms:.0f} ms, all recorded after {r.recorded_s:.2f} s, CPU {cpu_round} "
                f"s/1000, {'-' if r.transactions is None else r.transactions} transactions); "
                f"{len(r.latency_ms)} single events p50 {r.p50_ms:.1f} ms, "
                f"p99 {r.p99_ms:.1f} ms; outbox lag p50 {r.lag_p50_ms:.0f} ms, "
                f"max {r.lag_max_ms:.0f} ms ({len(r.outbox_lag_s)} readings)"
            )
        return "\n".join(lines)

    def as_json(self) -> dict[str, Any]:
        return {
            "worker_concurrency": self.concurrency,
            "deliveries_per_s": self.per_s,
            "commit_to_arrival_p50_ms": self.p50_ms,
            "commit_to_arrival_p99_ms": self.p99_ms,
            "outbox_lag_p50_ms": self.lag_p50_ms,
            "outbox_lag_max_ms": self.lag_max_ms,
            "worker_cpu_s_per_1000": self.cpu_s_per_1000,
            "targets": {"deliveries_per_s": f">= {MIN_PER_S:g}", "p50_ms": f"< {MAX_P50_MS:g}"},
            "failed": [list(f) for f in self.failures()],
            "rounds": [
                {
                    **asdict(r),
                    "per_s": r.per_s,
                    "cpu_s_per_1000": r.cpu_s_per_1000,
                    "p50_ms": r.p50_ms,
                    "p99_ms": r.p99_ms,
                    "outbox_lag_p50_ms": r.lag_p50_ms,
                    "outbox_lag_max_ms": r.lag_max_ms,
                }
                for r in self.rounds
            ],
        }


def _settings(receiver_port: int) -> Settings:
    return Settings(
        env="test",
        secret_key=SECRET_KEY,
        log_json=False,
        outbound_allow_networks=["127.0.0.0/8"],
        public_url=f"http://127.0.0.1:{receiver_port}",
    )


async def _setup(url: str, receiver_port: int) -> tuple[uuid.UUID, uuid.UUID]:
    """A new organization with one endpoint for EVENT_TYPE; (organization, endpoint)."""
    db = Database.connect(url, _settings(receiver_port))
    suffix = uuid.uuid4().hex[:8]
    try:
        async with db.transaction() as session:
            org, admin, _key = await organizations.create_organization(
                session,
                name=f"Bench Webhooks {suffix}",
                admin_email=f"admin@webhooks-{suffix}.bench.example",
                admin_name="Webhooks Admin",
                time_zone="Europe/Berlin",
            )
            actor = Actor(
                member_id=admin.id,
                organization_id=org.id,
                permission_set=PermissionSet(admin.permission_set),
                email=admin.email,
                name=admin.name,
            )
            endpoint = await webhooks.create_endpoint(
                session,
                actor,
                WebhookEndpointCreate.model_validate(
                    {
                        "url": f"http://127.0.0.1:{receiver_port}/hooks",
                        "event_types": [EVENT_TYPE],
                    }
                ),
            )
    finally:
        await db.dispose()
    conn = await asyncpg.connect(database.asyncpg_dsn(url))
    try:
        # The seed writes its events with COPY; a running worker would have fanned them out.
        await conn.execute("UPDATE events SET dispatched_at = now() WHERE dispatched_at IS NULL")
    finally:
        await conn.close()
    return org.id, endpoint.id


_INSERT = """
INSERT INTO events (id, organization_id, type, occurred_at, actor_member_id, resource_type,
                    resource_id, data)
SELECT e.id, $1, $2, now(), NULL, 'role', $3::uuid,
       jsonb_build_object('role_id', $3::uuid::text, 'version', e.n, 'changed', jsonb_build_array('title'))
FROM unnest($4::uuid[]) WITH ORDINALITY AS e(id, n)
"""


class Bench:
    def __init__(
        self,
        conn: asyncpg.Connection,
        lag_conn: asyncpg.Connection,
        http: httpx.AsyncClient,
        worker: servers.Service,
        org: uuid.UUID,
        endpoint: uuid.UUID,
        timeout_s: float,
    ):
        self.conn, self.lag_conn, self.http, self.worker = conn, lag_conn, http, worker
        self.org, self.endpoint, self.timeout_s = org, endpoint, timeout_s
        self.role = uuid.uuid4()

    async def commit(self, count: int) -> tuple[list[str], float]:
        """`count` events in one transaction; their ids and the time COMMIT returned."""
        ids = [uuid.uuid4() for _ in range(count)]
        async with self.conn.transaction():
            await self.conn.execute(_INSERT, self.org, EVENT_TYPE, self.role, ids)
        return [str(i) for i in ids], time.time()

    async def received(self) -> int:
        response = await self.http.get("/count")
        return int(response.json()["count"])

    async def arrivals(self) -> dict[str, float]:
        answer: dict[str, float] = (await self.http.get("/arrivals")).json()
        return answer

    async def _until(self, what: str, done: Callable[[], Awaitable[bool]]) -> None:
        deadline = time.monotonic() + self.timeout_s
        while not await done():
            if self.worker.process.poll() is not None:
                raise RuntimeError(f"the worker exited:\n{self.worker.log_tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"webhooks: {what} not within {self.timeout_s:g} s:\n{self.worker.log_tail()}"
                )
            await asyncio.sleep(POLL_S)

    async def wait_received(self, total: int) -> None:
        async def done() -> bool:
            return await self.received() >= total

        await self._until(f"{total} deliveries received", done)

    async def succeeded(self) -> int:
        return int(
            await self.conn.fetchval(
                "SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = $1 "
                "AND status = 'succeeded'",
                self.endpoint,
            )
        )

    async def wait_recorded(self, total: int) -> None:
        async def done() -> bool:
            return await self.succeeded() >= total

        await self._until(f"{total} deliveries recorded", done)

    async def transactions(self) -> int:
        """Committed transactions in this database so far. Backends report them at most once
        a second, so read after a pause."""
        await asyncio.sleep(1.1)
        await self.conn.execute("SELECT pg_stat_clear_snapshot()")
        return int(
            await self.conn.fetchval(
                "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()"
            )
        )

    async def sample_lag(self, into: list[float]) -> None:
        """The outbox lag every LAG_SAMPLE_S until cancelled (its own connection, so a reading
        never waits behind the bench's polls)."""
        while True:
            into.append(float(await self.lag_conn.fetchval(_OUTBOX_LAG)))
            await asyncio.sleep(LAG_SAMPLE_S)

    async def throughput(self, count: int) -> WebhookRound:
        xacts_before = await self.transactions()
        before = await self.received()
        recorded_before = await self.succeeded()
        cpu_before = self.worker.cpu_seconds()
        lags: list[float] = []
        ids, committed = await self.commit(count)
        sampler = asyncio.create_task(self.sample_lag(lags))
        try:
            await self.wait_received(before + count)
            await self.wait_recorded(recorded_before + count)
        finally:
            sampler.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sampler
        recorded = time.time() - committed
        cpu_after = self.worker.cpu_seconds()
        arrivals = await self.arrivals()
        times = [arrivals[i] for i in ids]
        xacts = await self.transactions() - xacts_before
        cpu = None if cpu_before is None or cpu_after is None else cpu_after - cpu_before
        return WebhookRound(
            events=count,
            arrived_s=max(times) - committed,
            recorded_s=recorded,
            first_ms=1000 * (min(times) - committed),
            cpu_s=cpu,
            transactions=xacts,
            outbox_lag_s=lags,
        )

    async def latency(self, count: int, gap_s: float) -> list[float]:
        before = await self.received()
        commits: dict[str, float] = {}
        for _ in range(count):
            ids, committed = await self.commit(1)
            commits[ids[0]] = committed
            await asyncio.sleep(gap_s)
        await self.wait_received(before + count)
        arrivals = await self.arrivals()
        return [1000 * (arrivals[i] - c) for i, c in commits.items()]


def _worker_env(url: str, concurrency: int) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": database.asyncpg_dsn(url),
        "HIRELOOP_ENV": "test",  # http:// to 127.0.0.1 with the allow list below
        "HIRELOOP_SECRET_KEY": SECRET_KEY,
        "HIRELOOP_OUTBOUND_ALLOW_NETWORKS": '["127.0.0.0/8"]',
        "HIRELOOP_LOG_JSON": "false",
        "HIRELOOP_LOG_LEVEL": "WARNING",
        "HIRELOOP_WORKER_CONCURRENCY": str(concurrency),
    }
    env.pop("HIRELOOP_WORKER_POLL_SECONDS", None)
    return env


async def _measure(
    url: str,
    receiver: servers.Service,
    worker: servers.Service,
    org: uuid.UUID,
    endpoint: uuid.UUID,
    *,
    rounds: int,
    events: int,
    singles: int,
    gap_s: float,
    timeout_s: float,
    say: Callable[[str], None],
) -> list[WebhookRound]:
    conn = await asyncpg.connect(database.asyncpg_dsn(url))
    lag_conn = await asyncpg.connect(database.asyncpg_dsn(url))
    try:
        async with httpx.AsyncClient(base_url=receiver.base_url, timeout=30.0) as http:
            bench = Bench(conn, lag_conn, http, worker, org, endpoint, timeout_s)
            # Warm-up: the worker is up and listening once these arrive; its pools are open.
            _, _ = await bench.commit(WARMUP_EVENTS)
            await bench.wait_received(WARMUP_EVENTS)
            await bench.wait_recorded(WARMUP_EVENTS)
            await bench.latency(10, gap_s)
            results = []
            for n in range(rounds):
                measured = await bench.throughput(events)
                measured.latency_ms = await bench.latency(singles, gap_s)
                results.append(measured)
                say(
                    f"webhooks round {n + 1}/{rounds}: {measured.per_s:.0f} deliveries/s, "
                    f"commit->arrival p50 {measured.p50_ms:.1f} ms, p99 {measured.p99_ms:.1f} ms, "
                    f"outbox lag p50 {measured.lag_p50_ms:.0f} ms, "
                    f"max {measured.lag_max_ms:.0f} ms"
                )
            return results
    finally:
        await lag_conn.close()
        await conn.close()


def measure(
    url: str,
    work_dir: Path,
    *,
    rounds: int = 3,
    events: int = 3000,
    singles: int = 200,
    gap_s: float = 0.02,
    timeout_s: float = 120.0,
    concurrency: int | None = None,
    profile: Path | None = None,
    say: Callable[[str], None] = print,
) -> WebhookResult:
    """Start the receiver and one worker on the database at `url` (migrated), measure, stop
    both (also on failure)."""
    if concurrency is None:
        concurrency = int(Settings.model_fields["worker_concurrency"].default)
    with ExitStack() as stack:
        port = servers.free_port()
        receiver = servers.start(
            "receiver",
            [sys.executable, "-m", "bench.receiver", "--port", str(port)],
            dict(os.environ),
            port,
            work_dir,
        )
        stack.callback(receiver.stop)
        servers.wait_ready(receiver, "/count")
        org, endpoint = asyncio.run(_setup(url, port))
        argv = [sys.executable, "-m", "app.cli", "worker"]
        if profile is not None:  # written when the worker stops (SIGTERM)
            argv[1:1] = ["-m", "cProfile", "-o", str(profile.resolve())]
        worker = servers.start("worker", argv, _worker_env(url, concurrency), 0, work_dir)
        stack.callback(worker.stop)
        say(f"webhooks: receiver on :{port}, worker pid {worker.process.pid}")
        measured = asyncio.run(
            _measure(
                url,
                receiver,
                worker,
                org,
                endpoint,
                rounds=rounds,
                events=events,
                singles=singles,
                gap_s=gap_s,
                timeout_s=timeout_s,
                say=say,
            )
        )
    return WebhookResult(rounds=measured, concurrency=concurrency)


def main(argv: list[str] | None = None) -> int:
    from app.migrations import upgrade_head

    parser = argparse.ArgumentParser(
        prog="python -m bench.webhooks",
        description="Webhook deliveries/s and commit->arrival latency of one worker, alone.",
    )
    add = parser.add_argument
    add("--rounds", type=int, default=3, help="rounds (3)")
    add("--events", type=int, default=3000, help="events committed at once per round (3000)")
    add("--singles", type=int, default=200, help="single events per round for latency (200)")
    add("--gap-ms", type=float, default=20.0, help="between single events (20)")
    add("--concurrency", type=int, default=None, help="the worker's (its default: 64)")
    add("--profile", type=Path, default=None, help="run the worker under cProfile, output here")
    add("--embedded", action="store_true", help="use an embedded PostgreSQL whatever is set")
    add("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args(argv)

    started = time.monotonic()

    def say(message: str) -> None:
        print(f"[{time.monotonic() - started:5.1f}s] {message}", file=sys.stderr, flush=True)

    try:
        with ExitStack() as stack:
            tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="hireloop-bench-")))
            server = stack.enter_context(database.server(tmp, embedded=args.embedded))
            url = stack.enter_context(database.fresh_database(server.url))
            upgrade_head(url)
            say(f"database: {server.kind} server, migrated")
            result = measure(
                url,
                tmp,
                rounds=args.rounds,
                events=args.events,
                singles=args.singles,
                gap_s=args.gap_ms / 1000,
                concurrency=args.concurrency,
                profile=args.profile,
                say=say,
            )
    except KeyboardInterrupt:
        return 130
    except (RuntimeError, TimeoutError, OSError, ValueError) as exc:
        print(f"bench failed: {exc}", file=sys.stderr)
        return 2
    return finish_standalone("webhooks", result, args.json)


if __name__ == "__main__":
    sys.exit(main())
