"""Inbound vendor webhooks (issue 7): verified deliveries accepted per second by one API process,
and the time one `hireloop worker` takes to apply 1,000 queued vendor events.

`python -m bench.ats` runs this alone on a fresh database (seeded with bench.seed's roles, no
pipeline data); `python -m bench.run` runs it after the wrk rows (`--only ats`: this alone
after the seed).

1. Acceptance: a Greenhouse connection made through `POST /api/v1/integrations` by the first
   organization's admin (the bench's API key), with a webhook secret. One documented delivery
   (tests/fakes/samples/greenhouse/greenhouse_new_candidate_application.json, encoded as
   Greenhouse writes JSON) is signed once (`Signature: sha256 <hex HMAC-SHA256(body)>`); wrk
   sends that body with a unique `Greenhouse-Event-ID` per request (round prefix, wrk thread,
   counter), so every request verifies and stores a new row. Checked first: 202 and one row
   stored, a wrong signature refused with 401 and nothing stored, and the SQL statements of a
   request (x-statement-count, steady state). No worker runs meanwhile, so this is acceptance
   only. Each round loads the bare one-row read (`GET /roles/{id}` on bench.bare_app) and then
   the webhook route, each as the wrk rows are (`wrk -t2 -c32`, 4 s after a 2 s warm-up); the
   ratio is the median of the per-round ratios. Rows stored are counted against requests.
   The rows are deleted afterwards (a running worker would have applied them).
2. Apply (target, issue 13: at least 1,000 events applied per second): with the API services
   stopped, one `hireloop worker` (its defaults, periodic jobs on), warmed up by 50 events;
   then 1,000 `new_candidate_application` events for distinct applications (application id,
   candidate id and email varied), inserted into
   ats_inbound_events in one transaction as the webhook route stores them (status pending; the
   statement trigger NOTIFYs the worker at commit). Timed from the commit until none of them is
   pending; applied / ignored / failed counted, the worker's CPU seconds from /proc. Greenhouse
   webhooks carry the whole application, so the worker calls no vendor.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import hmac
import json
import os
import signal
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from copy import deepcopy
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench import database, report, servers, wrk
from bench.report import AcceptMedians, finish_standalone

KEY = "ats"  # bench.run's `--only ats`
SECRET_KEY = "bench-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"  # as servers.start_hireloop
WEBHOOK_SECRET = "bench-greenhouse-webhook-secret-0123456789"
SAMPLE = (
    servers.ROOT
    / "tests"
    / "fakes"
    / "samples"
    / "greenhouse"
    / "greenhouse_new_candidate_application.json"
)
MIN_PER_S = 500.0  # issue 7's target
MIN_APPLY_PER_S = 1000.0  # issue 13's target: vendor events applied per second, one worker
APPLY_EVENTS = 1000
APPLY_WARMUP = 50
POLL_S = 0.02


def encode_body(document: dict[str, Any]) -> bytes:
    """JSON as Greenhouse writes it: ASCII, compact, `<`, `>` and `&` escaped."""
    text = json.dumps(document, ensure_ascii=True, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").encode()


def sign(body: bytes, secret: str) -> str:
    return "sha256 " + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def sample() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(SAMPLE.read_text())
    return document


def distinct_application(document: dict[str, Any], n: int) -> dict[str, Any]:
    """The sample as the n-th distinct application: its own application, candidate and email."""
    copy = deepcopy(document)
    application = copy["payload"]["application"]
    application["id"] = 900_000_000 + n
    candidate = application["candidate"]
    candidate["id"] = 800_000_000 + n
    candidate["email_addresses"] = [
        {"value": f"bench-candidate-{n}@work.example", "type": "work"},
    ]
    return copy


def lua_script(path: str, body: bytes, prefix: str) -> str:
    """The same signed body on every request, a new Greenhouse-Event-ID on each."""
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Greenhouse-Webhook",
        "Signature": sign(body, WEBHOOK_SECRET),
    }
    lines = ['wrk.method = "POST"', f"wrk.path = {wrk.lua_string(path)}"]
    lines += [f"wrk.headers[{wrk.lua_string(k)}] = {wrk.lua_string(v)}" for k, v in headers.items()]
    lines.append(f"wrk.body = {wrk.lua_string(body.decode('ascii'))}")
    lines.append(f"local prefix = {wrk.lua_string(prefix)}")
    lines.append(
        """
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
local n = 0
function request()
  n = n + 1
  wrk.headers["Greenhouse-Event-ID"] = prefix .. "-" .. tostring(tid) .. "-" .. n
  return wrk.format()
end"""
    )
    return "\n".join(lines) + "\n"


@dataclass
class AcceptRound(report.AcceptRound):
    stored: int  # rows with this round's event id prefix


@dataclass
class ApplyRun:
    events: int
    seconds: float  # commit -> none pending
    applied: int
    ignored: int
    failed: int
    cpu_s: float | None
    first_s: float | None  # commit -> the first processed
    failures: list[str] = field(default_factory=list)  # a few outcomes of failed events

    @property
    def per_s(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else 0.0


@dataclass
class AtsResult(AcceptMedians):
    accept: list[AcceptRound] = field(default_factory=list)
    statements: int | None = None
    refused_status: int | None = None
    connections: int = 32
    apply: ApplyRun | None = None

    def failures(self) -> list[tuple[str, str, str]]:
        failed = []
        if self.accept:
            if self.per_s < MIN_PER_S:
                failed.append(("inbound accepted/s", f"{self.per_s:.0f}", f">= {MIN_PER_S:g}"))
            errors = sum(r.non_2xx_3xx + r.socket_errors for r in self.accept)
            if errors:
                failed.append(("inbound errors", str(errors), "0"))
        if self.apply is not None and (
            self.apply.failed or self.apply.applied + self.apply.ignored < self.apply.events
        ):
            failed.append(("vendor events failed", str(self.apply.failed), "0"))
        if self.apply is not None and self.apply.per_s < MIN_APPLY_PER_S:
            failed.append(
                ("vendor events applied/s", f"{self.apply.per_s:.0f}", f">= {MIN_APPLY_PER_S:g}")
            )
        return failed

    def report(self) -> str:
        lines = []
        if self.accept:
            cpu, base = self.cpu_ms, self.base_cpu_ms
            cpu_ratio = f"{base / cpu:.3f}" if cpu and base else "-"
            lines += [
                f"Inbound vendor webhooks (Greenhouse, signed), one API process, wrk "
                f"-c{self.connections}, no worker running:",
                f"  accepted/s {self.per_s:.0f} (target >= {MIN_PER_S:g}); ratio "
                f"{self.ratio:.3f} vs bare_one; CPU {_fmt(cpu, 3)} ms/req (bare_one "
                f"{_fmt(base, 3)}, cpu ratio {cpu_ratio}); {self.statements} SQL statement(s) "
                f"per request; a wrong signature answered {self.refused_status}",
            ]
            for n, r in enumerate(self.accept, 1):
                lines.append(
                    f"  round {n}: {r.per_s:.0f}/s (bare_one {r.base_per_s:.0f}/s, ratio "
                    f"{r.ratio:.3f}), p50 {r.p50_ms:.2f} ms, p99 {r.p99_ms:.2f} ms, "
                    f"{r.requests} requests -> {r.stored} rows stored, "
                    f"{r.non_2xx_3xx} non-2xx, {r.socket_errors} socket errors"
                )
        a = self.apply
        if a is not None:
            cpu_note = "-" if a.cpu_s is None else f"{a.cpu_s:.2f} s"
            lines.append(
                f"Vendor events applied by one worker: {a.events} queued in {a.seconds:.2f} s = "
                f"{a.per_s:.0f}/s (target >= {MIN_APPLY_PER_S:g}; first after "
                f"{_fmt(a.first_s, 2)} s; applied {a.applied}, "
                f"ignored {a.ignored}, failed {a.failed}; worker CPU {cpu_note})"
            )
            lines += [f"  failed: {text}" for text in a.failures]
        return "\n".join(lines)

    def as_json(self) -> dict[str, Any]:
        return {
            "accepted_per_s": self.per_s if self.accept else None,
            "ratio_vs_bare_one": self.ratio if self.accept else None,
            "cpu_ms_per_request": self.cpu_ms,
            "bare_one_cpu_ms_per_request": self.base_cpu_ms,
            "statements_per_request": self.statements,
            "wrong_signature_status": self.refused_status,
            "wrk_connections": self.connections,
            "accept_rounds": [{**asdict(r), "ratio": r.ratio} for r in self.accept],
            "apply": None
            if self.apply is None
            else {**asdict(self.apply), "per_s": self.apply.per_s},
            "targets": {
                "accepted_per_s": f">= {MIN_PER_S:g}",
                "apply_failed": "0",
                "applied_per_s": f">= {MIN_APPLY_PER_S:g}",
            },
            "failed": [list(f) for f in self.failures()],
        }


def _fmt(value: float | None, digits: int) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


# --- acceptance --------------------------------------------------------------------------


def create_connection(hireloop: servers.Service, api_key: str) -> str:
    response = httpx.post(
        hireloop.base_url + "/api/v1/integrations",
        headers={"Authorization": f"Bearer {api_key}"},
        json={
            "provider": "greenhouse",
            "name": f"Bench Greenhouse {uuid.uuid4().hex[:6]}",
            "credentials": {"client_id": "bench-client", "client_secret": "bench-client-secret"},
            "webhook_secret": WEBHOOK_SECRET,
        },
        timeout=30.0,
    )
    if response.status_code != 201:
        raise RuntimeError(f"ats: creating the connection: {response.status_code} {response.text}")
    connection_id: str = response.json()["id"]
    return connection_id


async def _count(dsn: str, connection_id: str, prefix: str | None = None) -> int:
    conn = await asyncpg.connect(dsn)
    try:
        if prefix is None:
            query = "SELECT count(*) FROM ats_inbound_events WHERE connection_id = $1"
            return int(await conn.fetchval(query, uuid.UUID(connection_id)))
        query = (
            "SELECT count(*) FROM ats_inbound_events WHERE connection_id = $1 "
            "AND vendor_event_id LIKE $2"
        )
        return int(await conn.fetchval(query, uuid.UUID(connection_id), prefix + "-%"))
    finally:
        await conn.close()


async def _execute(dsn: str, query: str, *args: Any) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(query, *args)
    finally:
        await conn.close()


def _check(
    hireloop: servers.Service, path: str, body: bytes, dsn: str, connection_id: str
) -> tuple[int | None, int]:
    """A delivery is accepted and stored once; a wrong signature is refused and stores nothing.
    (statements of the steady-state request, status of the refused one)."""
    url = hireloop.base_url + path
    base = {"Content-Type": "application/json", "User-Agent": "Greenhouse-Webhook"}
    statements: int | None = None
    with httpx.Client(timeout=30.0) as client:
        before = asyncio.run(_count(dsn, connection_id))
        for _ in range(3):  # the first may include the connection look-up (cached a few s)
            headers = {
                **base,
                "Greenhouse-Event-ID": f"check-{uuid.uuid4().hex}",
                "Signature": sign(body, WEBHOOK_SECRET),
            }
            response = client.post(url, headers=headers, content=body)
            if response.status_code != 202 or response.json().get("duplicate") is not False:
                raise RuntimeError(f"ats: delivery answered {response.status_code} {response.text}")
            count = response.headers.get("x-statement-count")
            statements = int(count) if count is not None else None
        again = client.post(url, headers=headers, content=body)
        if again.status_code != 202 or again.json().get("duplicate") is not True:
            raise RuntimeError(f"ats: a repeat answered {again.status_code} {again.text}")
        wrong = {
            **base,
            "Greenhouse-Event-ID": f"check-{uuid.uuid4().hex}",
            "Signature": sign(body, WEBHOOK_SECRET + "x"),
        }
        refused = client.post(url, headers=wrong, content=body).status_code
        if refused != 401:
            raise RuntimeError(f"ats: a wrong signature answered {refused}, not 401")
        stored = asyncio.run(_count(dsn, connection_id)) - before
        if stored != 3:
            raise RuntimeError(f"ats: 3 deliveries (and a repeat) stored {stored} rows")
    return statements, refused


def _cpu_ms(service: servers.Service, before: float | None, requests: int) -> float | None:
    after = service.cpu_seconds()
    if before is None or after is None or not requests:
        return None
    return 1000 * (after - before) / requests


def accept(
    url: str,
    work_dir: Path,
    hireloop: servers.Service,
    bare: servers.Service,
    api_key: str,
    role_ids: list[str],
    options: wrk.WrkOptions,
    *,
    rounds: int = 3,
    say: Callable[[str], None] = print,
) -> tuple[AtsResult, str]:
    """The wrk phase on running services; the result and the connection's id (its stored rows
    deleted afterwards)."""
    from bench.run import drain  # bench.run imports this module

    dsn = database.asyncpg_dsn(url)
    connection_id = create_connection(hireloop, api_key)
    path = f"/api/v1/integrations/{connection_id}/webhooks"
    body = encode_body(sample())
    statements, refused = _check(hireloop, path, body, dsn, connection_id)
    base_script = work_dir / "ats_bare_one.lua"
    base_script.write_text(
        wrk.lua_script(method="GET", path="/roles/{id}", headers={}, path_ids=role_ids)
    )
    base_url = bare.base_url + "/roles/"

    def script(prefix: str) -> Path:
        target = work_dir / f"ats_{prefix}.lua"
        target.write_text(lua_script(path, body, prefix))
        return target

    if options.warmup_s > 0:
        wrk.run(base_url, base_script, options, duration_s=options.warmup_s)
        drain(bare)
        wrk.run(hireloop.base_url + path, script("warmup"), options, duration_s=options.warmup_s)
        drain(hireloop)
    result = AtsResult(
        statements=statements, refused_status=refused, connections=options.connections
    )
    for n in range(rounds):
        cpu = bare.cpu_seconds()
        base = wrk.run(base_url, base_script, options)
        base_cpu = _cpu_ms(bare, cpu, base.requests)
        drain(bare)
        prefix = f"r{n + 1}-{uuid.uuid4().hex[:8]}"
        cpu = hireloop.cpu_seconds()
        mine = wrk.run(hireloop.base_url + path, script(prefix), options)
        mine_cpu = _cpu_ms(hireloop, cpu, mine.requests)
        drain(hireloop)
        stored = asyncio.run(_count(dsn, connection_id, prefix))
        measured = AcceptRound(
            requests=mine.requests,
            per_s=mine.requests_per_s,
            p50_ms=mine.p50_ms,
            p99_ms=mine.p99_ms,
            stored=stored,
            non_2xx_3xx=mine.non_2xx_3xx,
            socket_errors=mine.socket_errors,
            cpu_ms=mine_cpu,
            base_per_s=base.requests_per_s,
            base_cpu_ms=base_cpu,
        )
        result.accept.append(measured)
        say(
            f"ats round {n + 1}/{rounds}: {measured.per_s:.0f} webhooks/s accepted "
            f"(bare_one {measured.base_per_s:.0f}/s, ratio {measured.ratio:.3f}), "
            f"{measured.requests} requests -> {stored} rows"
        )
    # A running worker would have applied them; the apply phase starts from an empty inbox.
    asyncio.run(
        _execute(
            dsn, "DELETE FROM ats_inbound_events WHERE connection_id = $1", uuid.UUID(connection_id)
        )
    )
    return result, connection_id


# --- applying ----------------------------------------------------------------------------

_QUEUE = """
INSERT INTO ats_inbound_events
    (id, organization_id, connection_id, vendor_event_id, event_type, payload, received_at,
     status, attempts, next_attempt_at)
SELECT e.id, c.organization_id, c.id, e.vendor_id, 'new_candidate_application',
       e.payload::jsonb, now(), 'pending', 0, now()
FROM integration_connections c,
     unnest($2::uuid[], $3::text[], $4::text[]) AS e(id, vendor_id, payload)
WHERE c.id = $1
"""

_OUTCOMES = """
SELECT status, count(*) FROM ats_inbound_events WHERE id = ANY($1::uuid[]) GROUP BY status
"""


def _worker_env(url: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": database.asyncpg_dsn(url),
        "HIRELOOP_ENV": "production",
        "HIRELOOP_SECRET_KEY": SECRET_KEY,
        "HIRELOOP_LOG_JSON": "false",
        "HIRELOOP_LOG_LEVEL": "WARNING",
    }
    for name in ("HIRELOOP_WORKER_POLL_SECONDS", "HIRELOOP_WORKER_CONCURRENCY"):
        env.pop(name, None)
    return env


class _Queue:
    def __init__(self, conn: asyncpg.Connection, connection_id: uuid.UUID, worker: servers.Service):
        self.conn, self.connection_id, self.worker = conn, connection_id, worker
        self.next = 0
        self.document = sample()

    async def commit(self, count: int) -> tuple[list[uuid.UUID], float]:
        ids = [uuid.uuid4() for _ in range(count)]
        vendor_ids, payloads = [], []
        for _ in range(count):
            self.next += 1
            vendor_ids.append(f"apply-{self.next}-{uuid.uuid4().hex[:8]}")
            payloads.append(encode_body(distinct_application(self.document, self.next)).decode())
        async with self.conn.transaction():
            await self.conn.execute(_QUEUE, self.connection_id, ids, vendor_ids, payloads)
        return ids, time.monotonic()

    async def outcomes(self, ids: list[uuid.UUID]) -> dict[str, int]:
        return {r[0]: int(r[1]) for r in await self.conn.fetch(_OUTCOMES, ids)}

    async def wait(
        self, ids: list[uuid.UUID], timeout_s: float
    ) -> tuple[dict[str, int], float | None]:
        """Until none is pending; the outcomes, and when the first was processed."""
        started = time.monotonic()
        first: float | None = None
        while True:
            outcomes = await self.outcomes(ids)
            pending = outcomes.get("pending", 0)
            if first is None and pending < len(ids):
                first = time.monotonic()
            if not pending:
                return outcomes, first
            if self.worker.process.poll() is not None:
                raise RuntimeError(f"the worker exited:\n{self.worker.log_tail()}")
            if time.monotonic() - started > timeout_s:
                raise RuntimeError(
                    f"ats: {pending} of {len(ids)} vendor events still pending after "
                    f"{timeout_s:g} s:\n{self.worker.log_tail()}"
                )
            await asyncio.sleep(POLL_S)


async def _apply(
    url: str, connection_id: uuid.UUID, worker: servers.Service, events: int, timeout_s: float
) -> ApplyRun:
    conn = await asyncpg.connect(database.asyncpg_dsn(url))
    try:
        queue = _Queue(conn, connection_id, worker)
        ids, _ = await queue.commit(APPLY_WARMUP)  # the job's role is created here
        outcomes, _ = await queue.wait(ids, timeout_s)
        if outcomes.get("failed"):
            rows = await conn.fetch(
                "SELECT outcome FROM ats_inbound_events WHERE id = ANY($1::uuid[]) "
                "AND status = 'failed' LIMIT 3",
                ids,
            )
            raise RuntimeError(f"ats: warm-up events failed: {[r[0] for r in rows]}")
        await asyncio.sleep(0.5)  # the outbox events of the warm-up dispatched
        cpu_before = worker.cpu_seconds()
        ids, committed = await queue.commit(events)
        outcomes, first = await queue.wait(ids, timeout_s)
        done = time.monotonic()
        cpu_after = worker.cpu_seconds()
        failed_rows = await conn.fetch(
            "SELECT outcome FROM ats_inbound_events WHERE id = ANY($1::uuid[]) "
            "AND status = 'failed' LIMIT 3",
            ids,
        )
        return ApplyRun(
            events=events,
            seconds=done - committed,
            applied=outcomes.get("applied", 0),
            ignored=outcomes.get("ignored", 0),
            failed=outcomes.get("failed", 0),
            cpu_s=None if cpu_before is None or cpu_after is None else cpu_after - cpu_before,
            first_s=None if first is None else first - committed,
            failures=[str(r[0])[:200] for r in failed_rows],
        )
    finally:
        await conn.close()


def apply_queued(
    url: str,
    work_dir: Path,
    connection_id: str,
    *,
    events: int = APPLY_EVENTS,
    timeout_s: float = 300.0,
    profile: Path | None = None,
    say: Callable[[str], None] = print,
) -> ApplyRun:
    """One worker (started here, stopped on the way out) applies `events` queued events."""
    dsn = database.asyncpg_dsn(url)
    # As a running worker would have left them: the outbox dispatched, nothing else pending.
    asyncio.run(
        _execute(dsn, "UPDATE events SET dispatched_at = now() WHERE dispatched_at IS NULL")
    )
    argv = [sys.executable, "-m", "app.cli", "worker"]
    if profile is not None:  # written when the worker stops (SIGTERM)
        argv[1:1] = ["-m", "cProfile", "-o", str(profile.resolve())]
    with ExitStack() as stack:
        worker = servers.start("ats-worker", argv, _worker_env(url), 0, work_dir)
        stack.callback(worker.stop)
        say(f"ats: worker pid {worker.process.pid}, {APPLY_WARMUP} events to warm it up")
        run = asyncio.run(_apply(url, uuid.UUID(connection_id), worker, events, timeout_s))
    say(
        f"ats: {run.events} vendor events applied in {run.seconds:.2f} s ({run.per_s:.0f}/s), "
        f"{run.failed} failed"
    )
    return run


# --- alone -------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    from app.migrations import upgrade_head
    from bench.seed import seed

    parser = argparse.ArgumentParser(
        prog="python -m bench.ats",
        description="Inbound vendor webhooks accepted/s and 1,000 queued events applied, alone.",
    )
    add = parser.add_argument
    add("--rounds", type=int, default=3, help="rounds of wrk (3)")
    add("--duration", type=int, default=4, help="seconds of load per round (4)")
    add("--warmup", type=int, default=2, help="seconds of warm-up (2)")
    add("--threads", type=int, default=2, help="wrk threads (2)")
    add("--connections", type=int, default=32, help="wrk connections (32)")
    add("--roles", type=int, default=10_000, help="roles to seed for the bare read (10000)")
    add("--events", type=int, default=APPLY_EVENTS, help="queued vendor events to apply (1000)")
    add("--skip-apply", action="store_true", help="acceptance only")
    add("--skip-accept", action="store_true", help="apply only (no wrk rounds)")
    add("--profile-worker", type=Path, default=None, help="run the worker under cProfile")
    add("--profile-api", type=Path, default=None, help="run `hireloop serve` under cProfile")
    add("--embedded", action="store_true", help="use an embedded PostgreSQL whatever is set")
    add("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args(argv)
    options = wrk.WrkOptions(
        threads=args.threads,
        connections=args.connections,
        duration_s=args.duration,
        warmup_s=args.warmup,
    )
    started = time.monotonic()

    def say(message: str) -> None:
        print(f"[{time.monotonic() - started:5.1f}s] {message}", file=sys.stderr, flush=True)

    load_before = os.getloadavg()
    try:
        with ExitStack() as stack:
            tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="hireloop-bench-")))
            server = stack.enter_context(database.server(tmp, embedded=args.embedded))
            url = stack.enter_context(database.fresh_database(server.url))
            upgrade_head(url)
            seeded = asyncio.run(seed(url, total_roles=args.roles, pipeline=False))
            say(f"database: {server.kind} server, migrated, {args.roles} roles seeded")
            hireloop = servers.start_hireloop(url, tmp / "data", tmp, profile=args.profile_api)
            stack.callback(hireloop.stop)
            bare = servers.start_bare(database.asyncpg_dsn(url), str(seeded.first.id), tmp)
            stack.callback(bare.stop)
            if args.skip_accept:
                result = AtsResult()
                connection_id = create_connection(hireloop, seeded.api_key)
            else:
                result, connection_id = accept(
                    url,
                    tmp,
                    hireloop,
                    bare,
                    seeded.api_key,
                    [str(i) for i in seeded.first.role_ids],
                    options,
                    rounds=args.rounds,
                    say=say,
                )
            if args.profile_api is not None:
                # uvicorn re-raises SIGTERM after its shutdown, which would end the process
                # before cProfile writes; SIGINT ends it with KeyboardInterrupt, which lets it.
                hireloop.process.send_signal(signal.SIGINT)
                hireloop.process.wait(timeout=30)
            hireloop.stop()
            bare.stop()
            if not args.skip_apply:
                result.apply = apply_queued(
                    url,
                    tmp,
                    connection_id,
                    events=args.events,
                    profile=args.profile_worker,
                    say=say,
                )
    except KeyboardInterrupt:
        return 130
    except (RuntimeError, TimeoutError, OSError, ValueError) as exc:
        print(f"bench failed: {exc}", file=sys.stderr)
        return 2
    return finish_standalone("ats", result, args.json, load_before)


if __name__ == "__main__":
    with contextlib.suppress(BrokenPipeError):
        sys.exit(main())
