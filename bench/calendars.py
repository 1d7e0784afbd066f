"""Calendar integrations: a Google organization-wide connection against the local Google fake,
driven by pushes, with one `hireloop worker`.

`python -m bench.calendars` runs this alone on a fresh database (the roles for the bare
baseline and issues 3-5's data for the suggestion comparison seeded first; about 2-3 minutes on
2 cores); `python -m bench.run` runs it after the webhooks (`--only calendars`: this, and the
mirrored-suggestion row, after the seed).

1. The Google Calendar fake (tests/fakes/google_calendar.py: Calendar API v3, the JWT-bearer
   token endpoint, events.list with page and sync tokens, events.watch) with a service account
   made for the run and 50 mailboxes of 2,000 30-minute events each, spread over the next 358
   days (100,000 events), served by uvicorn on 127.0.0.1 from a thread of this process.
2. Initial sync: an organization of its own, with 50 interviewers whose e-mails are the
   mailboxes (the real member service); the outbox marked dispatched, as a running worker
   would have left it. One `hireloop worker` (production settings, the
   fake's network allowed outbound, a public URL on https as Google requires for channels) is
   started; then the organization's admin creates the connection through
   `POST /api/v1/calendar-connections` (provider google, the service account key, base_url at
   the fake). Timed from that request until every calendar of the connection has
   `last_synced_at` and 100,000 blocks of it are in busy_blocks (the worker matches the
   members to the mailboxes, then reads the calendars, 250 events a page, 8 at a time).
3. Push -> mirror: once every calendar has a push channel (the worker opens them at the fake),
   100 times in turn: an event is added to one calendar at the fake and Google's push for that
   calendar's channel is POSTed to `/api/v1/calendar-push/google`; timed from just before the
   push is sent until the new event's block is in busy_blocks (polled every 5 ms). The worker is
   woken by the route's NOTIFY and reads the calendar incrementally (its sync token).
4. Push acceptance: the worker stopped (acceptance only, as bench.ats does), one `hireloop
   serve` and the bare app; checked first: a genuine push answered 200 with its calendar made
   due, a wrong token 401 and a push for an unknown channel 401, and the SQL statements of a
   push (x-statement-count). Each round (3) loads the bare one-row read (`GET /roles/{id}`)
   and then the push route with `wrk -t2 -c32` for 4 s after a 2 s warm-up; a Lua script sends
   each request for one of the 50 channels at random with its token and a rising message
   number, as Google does. Ratio to bare_one and CPU ms per request of both. All of it
   comes from one address (127.0.0.1), so the per-address limit on inbound pushes
   (`HIRELOOP_RATE_LIMIT_INBOUND_PER_ADDRESS`, 6,000 a minute by default) is set never to
   refuse (`_env()`): it is still counted, so its cost is in the figures.
5. Suggestions over mirrored busy time (when issues 3-5's data is seeded): the 3-stage
   suggestion over the six interviewers whose 200 meetings each are typed in (`suggest_200`)
   and over six with the same meetings mirrored from a Google calendar (`suggest_calendar`,
   written by bench.seed_pipeline with the calendar service's own row builders), from a single
   client, interleaved A B B A in 4 blocks of 15 pairs after a warm-up; the two medians and
   their ratio.

Targets: push -> mirror p50 <= 1 s and p99 <= 3 s; >= 1,000 pushes accepted per second on one
API process (the ratio to bare_one shown beside it); the initial sync of 100,000 events
<= 60 s; the mirrored suggestion's 1-client p50 within 10 % of the typed one's.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import random
import resource
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from app.core.actor import Actor, PermissionSet
from app.db import Database
from app.domain.organizations import service as organizations
from app.domain.organizations.schemas import MemberCreate
from app.settings import Settings
from bench import database, servers, wrk
from bench.report import AcceptMedians, AcceptRound, finish_standalone
from tests.fakes.google_calendar import GoogleCalendarFake
from tests.fakes.server import ServedApp

KEY = "calendars"  # bench.run's `--only calendars`
SECRET_KEY = "bench-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"  # as servers.start_hireloop
SA_EMAIL = "hireloop-bench@bench-project.iam.gserviceaccount.com"
OUTBOUND = '["127.0.0.0/8"]'
PUBLIC_URL = "https://hireloop.bench.example"  # Google opens channels only to https addresses
INTERVIEWERS = 50
EVENTS_EACH = 2000
SPREAD_DAYS = 358  # inside the default 365-day horizon
PUSHES = 100
PUSH_GAP_S = 0.05
POLL_S = 0.005
SYNC_POLL_S = 0.25
SYNC_TIMEOUT_S = 300.0
CHANNEL_TIMEOUT_S = 60.0
PUSH_TIMEOUT_S = 15.0
SUGGEST_PAIRS = 60
SUGGEST_WARMUP = 5

# The targets.
MAX_PUSH_P50_S = 1.0
MAX_PUSH_P99_S = 3.0
MIN_ACCEPTED_PER_S = 1000.0
MAX_SYNC_S = 60.0
MAX_SUGGEST_RATIO = 1.10


# --- results -----------------------------------------------------------------------------


@dataclass
class SyncRun:
    calendars: int
    events: int
    seconds: float | None  # connection request -> all synced and mirrored (None: timed out)
    discovered_s: float | None  # -> the members' calendars listed
    first_synced_s: float | None
    blocks: int
    distinct_blocks: int
    synced_calendars: int
    worker_cpu_s: float | None
    bench_cpu_s: float  # this process: the Google fake, mostly
    fake_pages: int  # events.list calls answered
    timeline: list[tuple[float, int, int]] = field(default_factory=list)  # (s, synced, blocks)

    @property
    def events_per_s(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


@dataclass
class PushRun:
    latencies_s: list[float]
    answers_ms: list[float]  # the push route's own answer time
    channels: int
    channels_s: float  # after the sync, until every calendar had a channel
    worker_cpu_s: float | None
    missed: int  # pushes whose block did not appear within PUSH_TIMEOUT_S

    @property
    def p50_s(self) -> float:
        return statistics.median(self.latencies_s) if self.latencies_s else math.inf

    @property
    def p99_s(self) -> float:
        return _rank(self.latencies_s, 0.99)


@dataclass
class SuggestRun:
    typed_ms: list[float]
    mirrored_ms: list[float]

    @property
    def typed_p50(self) -> float:
        return statistics.median(self.typed_ms)

    @property
    def mirrored_p50(self) -> float:
        return statistics.median(self.mirrored_ms)

    @property
    def ratio(self) -> float:
        return self.mirrored_p50 / self.typed_p50 if self.typed_p50 > 0 else math.inf


@dataclass
class CalendarsResult(AcceptMedians):
    sync: SyncRun | None = None
    push: PushRun | None = None
    accept: list[AcceptRound] = field(default_factory=list)
    statements: int | None = None
    refused_status: int | None = None
    push_status: int | None = None
    connections: int = 32
    suggest: SuggestRun | None = None
    load_average: list[tuple[float, float, float]] = field(default_factory=list)

    def failures(self) -> list[tuple[str, str, str]]:
        failed: list[tuple[str, str, str]] = []
        s = self.sync
        if s is not None:
            if s.seconds is None or s.seconds > MAX_SYNC_S:
                value = "timed out" if s.seconds is None else f"{s.seconds:.1f} s"
                failed.append((f"initial sync of {s.events} events", value, f"<= {MAX_SYNC_S:g} s"))
            expected = s.events
            if s.blocks != expected or s.distinct_blocks != expected:
                failed.append(
                    ("blocks mirrored", f"{s.blocks} ({s.distinct_blocks} distinct)", str(expected))
                )
        p = self.push
        if p is not None:
            if p.p50_s > MAX_PUSH_P50_S:
                failed.append(
                    ("push -> mirror p50", f"{p.p50_s:.3f} s", f"<= {MAX_PUSH_P50_S:g} s")
                )
            if p.p99_s > MAX_PUSH_P99_S:
                failed.append(
                    ("push -> mirror p99", f"{p.p99_s:.3f} s", f"<= {MAX_PUSH_P99_S:g} s")
                )
            if p.missed:
                failed.append(("pushes never mirrored", str(p.missed), "0"))
        if self.accept:
            if self.per_s < MIN_ACCEPTED_PER_S:
                failed.append(
                    ("pushes accepted/s", f"{self.per_s:.0f}", f">= {MIN_ACCEPTED_PER_S:g}")
                )
            errors = sum(r.non_2xx_3xx + r.socket_errors for r in self.accept)
            if errors:
                failed.append(("push acceptance errors", str(errors), "0"))
        if self.suggest is not None and self.suggest.ratio > MAX_SUGGEST_RATIO:
            failed.append(
                (
                    "mirrored / typed suggestion p50",
                    f"{self.suggest.ratio:.3f}",
                    f"<= {MAX_SUGGEST_RATIO:g}",
                )
            )
        return failed

    def report(self) -> str:
        lines = []
        s = self.sync
        if s is not None:
            took = "not done" if s.seconds is None else f"{s.seconds:.1f} s"
            lines += [
                f"Calendars, initial sync (Google organization-wide, the fake serving "
                f"{s.calendars} x {s.events // max(1, s.calendars)} events, one worker): {took} "
                f"(target <= {MAX_SYNC_S:g} s) = {s.events_per_s:.0f} events/s",
                f"  members matched after {_fmt(s.discovered_s, 1)} s, first calendar synced "
                f"after {_fmt(s.first_synced_s, 1)} s; {s.synced_calendars}/{s.calendars} "
                f"calendars synced, {s.blocks} blocks ({s.distinct_blocks} distinct); "
                f"{s.fake_pages} events.list pages; worker CPU {_fmt(s.worker_cpu_s, 1)} s, "
                f"the bench process (the Google fake) {s.bench_cpu_s:.1f} s",
            ]
        p = self.push
        if p is not None:
            lines += [
                f"Calendars, push -> busy mirror updated ({len(p.latencies_s)} pushes, one at a "
                f"time, {p.channels} channels open after {p.channels_s:.1f} s): p50 "
                f"{p.p50_s * 1000:.0f} ms (target <= {MAX_PUSH_P50_S * 1000:.0f}), p99 "
                f"{p.p99_s * 1000:.0f} ms (target <= {MAX_PUSH_P99_S * 1000:.0f}), max "
                f"{max(p.latencies_s, default=0) * 1000:.0f} ms; the route answered in "
                f"p50 {statistics.median(p.answers_ms) if p.answers_ms else 0:.1f} ms; worker "
                f"CPU {_fmt(p.worker_cpu_s, 2)} s; {p.missed} missed",
            ]
        if self.accept:
            cpu, base = self.cpu_ms, self.base_cpu_ms
            cpu_ratio = f"{base / cpu:.3f}" if cpu and base else "-"
            lines += [
                f"Calendars, pushes accepted (POST /api/v1/calendar-push/google, "
                f"{self.push.channels if self.push else '-'} channels), "
                f"one API process, wrk -c{self.connections}, no worker running:",
                f"  accepted/s {self.per_s:.0f} (target >= {MIN_ACCEPTED_PER_S:g}); ratio "
                f"{self.ratio:.3f} vs bare_one; CPU {_fmt(cpu, 3)} ms/req (bare_one "
                f"{_fmt(base, 3)}, cpu ratio {cpu_ratio}); {self.statements} SQL statement(s) "
                f"per push; a genuine push answered {self.push_status}, a wrong token "
                f"{self.refused_status}",
            ]
            for n, r in enumerate(self.accept, 1):
                lines.append(
                    f"  round {n}: {r.per_s:.0f}/s (bare_one {r.base_per_s:.0f}/s, ratio "
                    f"{r.ratio:.3f}), p50 {r.p50_ms:.2f} ms, p99 {r.p99_ms:.2f} ms, CPU "
                    f"{_fmt(r.cpu_ms, 3)} ms/req (bare_one {_fmt(r.base_cpu_ms, 3)}), "
                    f"{r.requests} requests, {r.non_2xx_3xx} non-2xx, {r.socket_errors} "
                    "socket errors"
                )
        g = self.suggest
        if g is not None:
            lines.append(
                f"Calendars, 3-stage suggestion, 1 client, {len(g.typed_ms)} pairs interleaved: "
                f"mirrored busy time p50 {g.mirrored_p50:.1f} ms, typed {g.typed_p50:.1f} ms, "
                f"ratio {g.ratio:.3f} (target <= {MAX_SUGGEST_RATIO:g})"
            )
        if self.load_average:
            before, after = self.load_average[0], self.load_average[-1]
            lines.append(
                f"  load average before {' '.join(f'{x:.2f}' for x in before)}, after "
                f"{' '.join(f'{x:.2f}' for x in after)}; {os.cpu_count()} CPUs"
            )
        return "\n".join(lines)

    def as_json(self) -> dict[str, Any]:
        return {
            "sync": None if self.sync is None else asdict(self.sync),
            "push": None
            if self.push is None
            else {**asdict(self.push), "p50_s": self.push.p50_s, "p99_s": self.push.p99_s},
            "accepted_per_s": self.per_s if self.accept else None,
            "ratio_vs_bare_one": self.ratio if self.accept else None,
            "cpu_ms_per_request": self.cpu_ms,
            "bare_one_cpu_ms_per_request": self.base_cpu_ms,
            "statements_per_request": self.statements,
            "wrong_token_status": self.refused_status,
            "accept_rounds": [{**asdict(r), "ratio": r.ratio} for r in self.accept],
            "suggest": None
            if self.suggest is None
            else {
                **asdict(self.suggest),
                "typed_p50_ms": self.suggest.typed_p50,
                "mirrored_p50_ms": self.suggest.mirrored_p50,
                "ratio": self.suggest.ratio,
            },
            "load_average": self.load_average,
            "targets": {
                "push_p50_s": f"<= {MAX_PUSH_P50_S:g}",
                "push_p99_s": f"<= {MAX_PUSH_P99_S:g}",
                "accepted_per_s": f">= {MIN_ACCEPTED_PER_S:g}",
                "initial_sync_s": f"<= {MAX_SYNC_S:g}",
                "suggest_mirrored_over_typed": f"<= {MAX_SUGGEST_RATIO:g}",
            },
            "failed": [list(f) for f in self.failures()],
        }


def _fmt(value: float | None, digits: int) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _rank(values: list[float], q: float) -> float:
    """Nearest-rank quantile."""
    if not values:
        return math.inf
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def _bench_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# --- the Google fake ---------------------------------------------------------------------


def _key_file() -> tuple[str, bytes]:
    """A service account key file made for the run, and its public key for the fake."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    document = {
        "type": "service_account",
        "project_id": "bench-project",
        "private_key_id": "bench-kid-1",
        "private_key": private,
        "client_email": SA_EMAIL,
        "client_id": "1234567890",
        "token_uri": "https://oauth2.googleapis.com/token",
    }
    return json.dumps(document), public


def build_fake(
    emails: list[str], events_each: int, now: datetime
) -> tuple[GoogleCalendarFake, str]:
    """The fake with a service account and `events_each` events in each mailbox; (fake, the
    key file to connect with)."""
    key_file, public = _key_file()
    fake = GoogleCalendarFake()
    fake.add_service_account(SA_EMAIL, public)
    first = (now + timedelta(hours=2)).replace(second=0, microsecond=0)
    step = timedelta(days=SPREAD_DAYS) / events_each
    for n, email in enumerate(emails):
        fake.add_user(email)
        offset = timedelta(minutes=n % 60)
        for k in range(events_each):
            start = (first + offset + step * k).replace(second=0, microsecond=0)
            fake.add_event(email, start, start + timedelta(minutes=30))
    return fake, key_file


# --- set-up ------------------------------------------------------------------------------


async def _organization(url: str, count: int) -> tuple[uuid.UUID, str, list[str]]:
    """An organization of its own: its admin (no mailbox at the fake) and `count` interviewers
    made by the real services; (organization id, the admin's API key, interviewer e-mails)."""
    settings = Settings(env="test", secret_key=SECRET_KEY, log_json=False)
    db = Database.connect(url, settings)
    suffix = uuid.uuid4().hex[:8]
    domain = f"cal-{suffix}.bench.example"
    try:
        async with db.transaction() as session:
            org, admin, key = await organizations.create_organization(
                session,
                name=f"Bench Calendars {suffix}",
                admin_email=f"admin@{domain}",
                admin_name="Calendar Admin",
            )
            actor = Actor(
                member_id=admin.id,
                organization_id=org.id,
                permission_set=PermissionSet.admin,
                email=admin.email,
                name=admin.name,
            )
            emails = []
            for n in range(count):
                member = await organizations.create_member(
                    session,
                    actor,
                    MemberCreate.model_validate(
                        {
                            "email": f"interviewer{n}@{domain}",
                            "name": f"Interviewer {n}",
                            "permission_set": "interviewer",
                            "time_zone": "UTC",
                        }
                    ),
                )
                emails.append(member.email)
    finally:
        await db.dispose()
    return org.id, key.key, emails


def _env() -> dict[str, str]:
    """What the API and the worker share: production, the fake reachable, https callbacks."""
    return {
        "HIRELOOP_ENV": "production",
        "HIRELOOP_SECRET_KEY": SECRET_KEY,
        "HIRELOOP_OUTBOUND_ALLOW_NETWORKS": OUTBOUND,
        "HIRELOOP_WEBHOOK_ALLOW_HTTP": "true",
        "HIRELOOP_PUBLIC_URL": PUBLIC_URL,
        # wrk pushes from one address at over 1,000/s; a real provider pushes from many.
        "HIRELOOP_RATE_LIMIT_INBOUND_PER_ADDRESS": servers.NEVER_REACHED,
    }


def _start_worker(url: str, work_dir: Path, profile: Path | None) -> servers.Service:
    env = {
        **os.environ,
        "DATABASE_URL": database.asyncpg_dsn(url),
        **_env(),
        "HIRELOOP_LOG_JSON": "false",
        "HIRELOOP_LOG_LEVEL": "WARNING",
    }
    for name in ("HIRELOOP_WORKER_POLL_SECONDS", "HIRELOOP_WORKER_CONCURRENCY"):
        env.pop(name, None)
    argv = [sys.executable, "-m", "app.cli", "worker"]
    if profile is not None:  # written when the worker stops (SIGTERM)
        argv[1:1] = ["-m", "cProfile", "-o", str(profile.resolve())]
    return servers.start("calendars-worker", argv, env, 0, work_dir)


def _connect(hireloop: servers.Service, api_key: str, key_file: str, fake_url: str) -> str:
    response = httpx.post(
        hireloop.base_url + "/api/v1/calendar-connections",
        headers={"Authorization": f"Bearer {api_key}"},
        json={
            "provider": "google",
            "credentials": {"service_account_json": key_file},
            "base_url": f"{fake_url}/calendar/v3",
        },
        timeout=30.0,
    )
    if response.status_code != 201:
        raise RuntimeError(f"calendars: the connection: {response.status_code} {response.text}")
    connection_id: str = response.json()["id"]
    return connection_id


# --- 1. initial sync ---------------------------------------------------------------------

_SYNC_STATE = """
SELECT (SELECT count(*) FROM member_calendars c WHERE c.connection_id = $1 AND c.busy),
       (SELECT count(last_synced_at) FROM member_calendars c
         WHERE c.connection_id = $1 AND c.busy),
       (SELECT count(*) FROM busy_blocks b JOIN member_calendars c ON c.id = b.calendar_id
         WHERE c.connection_id = $1)
"""

_DISTINCT = """
SELECT count(*), count(DISTINCT (b.calendar_id, b.uid, b.recurrence_id))
FROM busy_blocks b JOIN member_calendars c ON c.id = b.calendar_id
WHERE c.connection_id = $1
"""


async def _watch_sync(
    dsn: str,
    connection_id: uuid.UUID,
    started: float,
    calendars: int,
    events_each: int,
    worker: servers.Service,
    timeout_s: float,
    say: Callable[[str], None],
) -> tuple[float | None, float | None, float | None, list[tuple[float, int, int]]]:
    conn = await asyncpg.connect(dsn)
    discovered: float | None = None
    first: float | None = None
    timeline: list[tuple[float, int, int]] = []
    noted = -1
    try:
        while True:
            row = await conn.fetchrow(_SYNC_STATE, connection_id)
            at = time.monotonic() - started
            listed, synced, blocks = int(row[0]), int(row[1]), int(row[2])
            timeline.append((round(at, 2), synced, blocks))
            if discovered is None and listed >= calendars:
                discovered = at
            if first is None and synced:
                first = at
            if listed >= calendars and synced >= calendars and blocks >= calendars * events_each:
                return at, discovered, first, timeline
            if worker.process.poll() is not None:
                raise RuntimeError(f"calendars: the worker exited:\n{worker.log_tail()}")
            if at > timeout_s:
                errors = await conn.fetch(
                    "SELECT last_error, failures FROM member_calendars WHERE connection_id = $1 "
                    "AND last_error IS NOT NULL LIMIT 3",
                    connection_id,
                )
                say(
                    f"calendars: sync not done after {timeout_s:g} s: {timeline[-1]}; "
                    f"calendar errors {[tuple(e) for e in errors]}; the worker's log:\n"
                    f"{worker.log_tail()}"
                )
                return None, discovered, first, timeline
            if int(at) // 10 != noted:
                noted = int(at) // 10
                say(f"calendars: {at:5.1f} s, {synced}/{listed} calendars synced, {blocks} blocks")
            await asyncio.sleep(SYNC_POLL_S)
    finally:
        await conn.close()


async def _distinct(dsn: str, connection_id: uuid.UUID) -> tuple[int, int, int]:
    conn = await asyncpg.connect(dsn)
    try:
        row = await conn.fetchrow(_DISTINCT, connection_id)
        synced = await conn.fetchval(
            "SELECT count(last_synced_at) FROM member_calendars WHERE connection_id = $1",
            connection_id,
        )
        return int(row[0]), int(row[1]), int(synced)
    finally:
        await conn.close()


def initial_sync(
    dsn: str,
    hireloop: servers.Service,
    worker: servers.Service,
    fake: GoogleCalendarFake,
    fake_url: str,
    key_file: str,
    api_key: str,
    calendars: int,
    events_each: int,
    say: Callable[[str], None],
    timeout_s: float = SYNC_TIMEOUT_S,
) -> tuple[SyncRun, uuid.UUID]:
    cpu_worker, cpu_bench = worker.cpu_seconds(), _bench_cpu()
    pages_before = len(fake.api_requests("GET", "/events"))
    started = time.monotonic()
    connection_id = uuid.UUID(_connect(hireloop, api_key, key_file, fake_url))
    seconds, discovered, first, timeline = asyncio.run(
        _watch_sync(dsn, connection_id, started, calendars, events_each, worker, timeout_s, say)
    )
    after = worker.cpu_seconds()
    blocks, distinct, synced = asyncio.run(_distinct(dsn, connection_id))
    run = SyncRun(
        calendars=calendars,
        events=calendars * events_each,
        seconds=seconds,
        discovered_s=discovered,
        first_synced_s=first,
        blocks=blocks,
        distinct_blocks=distinct,
        synced_calendars=synced,
        worker_cpu_s=None if cpu_worker is None or after is None else after - cpu_worker,
        bench_cpu_s=_bench_cpu() - cpu_bench,
        fake_pages=len(fake.api_requests("GET", "/events")) - pages_before,
        timeline=timeline,
    )
    say(f"calendars: initial sync {_fmt(seconds, 1)} s, {blocks} blocks")
    return run, connection_id


# --- 2. push -> mirror -------------------------------------------------------------------

_CHANNELS = """
SELECT c.id, c.remote_id, c.channel_id FROM member_calendars c
WHERE c.connection_id = $1 AND c.busy ORDER BY c.remote_id
"""


@dataclass(frozen=True)
class OpenChannel:
    calendar_id: uuid.UUID
    mailbox: str
    channel_id: str
    token: str


async def _channels(
    dsn: str, connection_id: uuid.UUID, fake: GoogleCalendarFake, calendars: int
) -> tuple[list[OpenChannel], float]:
    """Every busy calendar's channel, once the worker has opened them at the fake."""
    conn = await asyncpg.connect(dsn)
    started = time.monotonic()
    try:
        while True:
            rows = await conn.fetch(_CHANNELS, connection_id)
            opened = []
            for row in rows:
                channel = fake.channels.get(row["channel_id"] or "")
                if channel is not None and not channel.stopped and channel.token:
                    opened.append(
                        OpenChannel(row["id"], row["remote_id"], channel.id, channel.token)
                    )
            if len(opened) >= calendars:
                return opened, time.monotonic() - started
            if time.monotonic() - started > CHANNEL_TIMEOUT_S:
                raise RuntimeError(
                    f"calendars: {len(opened)} of {calendars} push channels open after "
                    f"{CHANNEL_TIMEOUT_S:g} s"
                )
            await asyncio.sleep(0.1)
    finally:
        await conn.close()


def push_headers(channel: OpenChannel, number: int, token: str | None = None) -> dict[str, str]:
    return GoogleCalendarFake.push_headers(
        channel.channel_id, channel.token if token is None else token, "exists", number
    )


async def _pushes(
    dsn: str,
    hireloop: servers.Service,
    worker: servers.Service,
    fake: GoogleCalendarFake,
    channels: list[OpenChannel],
    count: int,
    now: datetime,
    say: Callable[[str], None],
) -> tuple[list[float], list[float], int]:
    conn = await asyncpg.connect(dsn)
    latencies: list[float] = []
    answers: list[float] = []
    missed = 0
    rng = random.Random(7)
    url = hireloop.base_url + "/api/v1/calendar-push/google"
    try:
        async with httpx.AsyncClient(timeout=10.0) as client:
            for n in range(count):
                channel = channels[n % len(channels)]
                # The owner adds a meeting in Google Calendar (between the existing ones).
                start = (now + timedelta(days=3 + rng.randrange(300), minutes=7)).replace(
                    second=0, microsecond=0
                )
                event = fake.add_event(channel.mailbox, start, start + timedelta(minutes=20))
                uid = event["iCalUID"]
                sent = time.monotonic()
                response = await client.post(url, headers=push_headers(channel, 1000 + n))
                answers.append((time.monotonic() - sent) * 1000)
                if not 200 <= response.status_code < 300:  # Google takes any 2xx
                    raise RuntimeError(
                        f"calendars: a push answered {response.status_code} {response.text}"
                    )
                while True:
                    found = await conn.fetchval(
                        "SELECT 1 FROM busy_blocks WHERE calendar_id = $1 AND uid = $2",
                        channel.calendar_id,
                        uid,
                    )
                    if found:
                        latencies.append(time.monotonic() - sent)
                        break
                    if time.monotonic() - sent > PUSH_TIMEOUT_S:
                        missed += 1
                        break
                    if worker.process.poll() is not None:
                        raise RuntimeError(f"calendars: the worker exited:\n{worker.log_tail()}")
                    await asyncio.sleep(POLL_S)
                if (n + 1) % 25 == 0:
                    say(
                        f"calendars: {n + 1}/{count} pushes, p50 so far "
                        f"{statistics.median(latencies) * 1000:.0f} ms"
                    )
                await asyncio.sleep(PUSH_GAP_S)
    finally:
        await conn.close()
    return latencies, answers, missed


def push_to_mirror(
    dsn: str,
    hireloop: servers.Service,
    worker: servers.Service,
    fake: GoogleCalendarFake,
    connection_id: uuid.UUID,
    calendars: int,
    now: datetime,
    say: Callable[[str], None],
    count: int = PUSHES,
) -> tuple[PushRun, list[OpenChannel]]:
    channels, waited = asyncio.run(_channels(dsn, connection_id, fake, calendars))
    say(f"calendars: {len(channels)} push channels open ({waited:.1f} s after the sync)")
    time.sleep(1.0)  # the worker idle again
    cpu = worker.cpu_seconds()
    latencies, answers, missed = asyncio.run(
        _pushes(dsn, hireloop, worker, fake, channels, count, now, say)
    )
    after = worker.cpu_seconds()
    run = PushRun(
        latencies_s=latencies,
        answers_ms=answers,
        channels=len(channels),
        channels_s=waited,
        worker_cpu_s=None if cpu is None or after is None else after - cpu,
        missed=missed,
    )
    return run, channels


# --- 3. acceptance -----------------------------------------------------------------------


def lua_script(path: str, channels: list[OpenChannel], prefix: int) -> str:
    """Each request: Google's push for one of the channels, at random, its message number
    rising per wrk thread."""
    lines = ['wrk.method = "POST"', f"wrk.path = {wrk.lua_string(path)}", "local channels = {"]
    for c in channels:
        resource_id = GoogleCalendarFake.push_headers(c.channel_id, None, "exists")[
            "X-Goog-Resource-ID"
        ]
        lines.append(
            f"  {{{wrk.lua_string(c.channel_id)}, {wrk.lua_string(c.token)}, "
            f"{wrk.lua_string(resource_id)}}},"
        )
    lines.append("}")
    lines.append(f"local base = {prefix}")
    lines.append(
        """
wrk.headers["X-Goog-Resource-State"] = "exists"
wrk.headers["X-Goog-Resource-URI"] = "https://www.googleapis.com/calendar/v3/calendars/x/events"
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
function init(args)
  math.randomseed(os.time() + tid * 7919)
end
local n = 0
function request()
  n = n + 1
  local c = channels[math.random(#channels)]
  wrk.headers["X-Goog-Channel-ID"] = c[1]
  wrk.headers["X-Goog-Channel-Token"] = c[2]
  wrk.headers["X-Goog-Resource-ID"] = c[3]
  wrk.headers["X-Goog-Message-Number"] = tostring(base + tid * 10000000 + n)
  return wrk.format()
end"""
    )
    return "\n".join(lines) + "\n"


async def _due(dsn: str, calendar_id: uuid.UUID) -> bool:
    conn = await asyncpg.connect(dsn)
    try:
        return bool(
            await conn.fetchval(
                "SELECT next_sync_at IS NOT NULL FROM member_calendars WHERE id = $1", calendar_id
            )
        )
    finally:
        await conn.close()


async def _execute(dsn: str, query: str, *args: Any) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(query, *args)
    finally:
        await conn.close()


def _check_push(
    hireloop: servers.Service, dsn: str, channels: list[OpenChannel]
) -> tuple[int | None, int, int]:
    """A genuine push makes its calendar due; a wrong token and an unknown channel are refused.
    (statements of a push, its status, the status of the refused one)."""
    url = hireloop.base_url + "/api/v1/calendar-push/google"
    channel = channels[0]
    statements: int | None = None
    status = 0
    asyncio.run(_execute(dsn, "UPDATE member_calendars SET next_sync_at = NULL"))
    with httpx.Client(timeout=30.0) as client:
        refused = client.post(url, headers=push_headers(channel, 1, token="not-the-token"))
        unknown = client.post(
            url, headers={**push_headers(channel, 2), "X-Goog-Channel-ID": uuid.uuid4().hex}
        )
        if refused.status_code != 401 or unknown.status_code != 401:
            raise RuntimeError(
                f"calendars: a wrong token answered {refused.status_code}, an unknown channel "
                f"{unknown.status_code}; expected 401 and 401"
            )
        if asyncio.run(_due(dsn, channel.calendar_id)):
            raise RuntimeError("calendars: a refused push made its calendar due")
        for n in range(3):
            response = client.post(url, headers=push_headers(channel, 3 + n))
            if not 200 <= response.status_code < 300:  # Google takes any 2xx
                raise RuntimeError(
                    f"calendars: a push answered {response.status_code} {response.text}"
                )
            status = response.status_code
            count = response.headers.get("x-statement-count")
            statements = int(count) if count is not None else None
        if not asyncio.run(_due(dsn, channel.calendar_id)):
            raise RuntimeError("calendars: a genuine push did not make its calendar due")
    return statements, status, refused.status_code


def _cpu_ms(service: servers.Service, before: float | None, requests: int) -> float | None:
    after = service.cpu_seconds()
    if before is None or after is None or not requests:
        return None
    return 1000 * (after - before) / requests


def accept(
    dsn: str,
    work_dir: Path,
    hireloop: servers.Service,
    bare: servers.Service,
    role_ids: list[str],
    channels: list[OpenChannel],
    options: wrk.WrkOptions,
    result: CalendarsResult,
    *,
    rounds: int,
    say: Callable[[str], None],
) -> None:
    from bench.run import drain  # bench.run imports this module

    path = "/api/v1/calendar-push/google"
    result.statements, result.push_status, result.refused_status = _check_push(
        hireloop, dsn, channels
    )
    result.connections = options.connections
    base_script = work_dir / "calendars_bare_one.lua"
    base_script.write_text(
        wrk.lua_script(method="GET", path="/roles/{id}", headers={}, path_ids=role_ids)
    )
    base_url = bare.base_url + "/roles/"

    def script(n: int) -> Path:
        target = work_dir / f"calendars_push_{n}.lua"
        target.write_text(lua_script(path, channels, 100_000_000 * (n + 1)))
        return target

    if options.warmup_s > 0:
        wrk.run(base_url, base_script, options, duration_s=options.warmup_s)
        drain(bare)
        wrk.run(hireloop.base_url + path, script(0), options, duration_s=options.warmup_s)
        drain(hireloop)
    for n in range(rounds):
        cpu = bare.cpu_seconds()
        base = wrk.run(base_url, base_script, options)
        base_cpu = _cpu_ms(bare, cpu, base.requests)
        drain(bare)
        cpu = hireloop.cpu_seconds()
        mine = wrk.run(hireloop.base_url + path, script(n + 1), options)
        mine_cpu = _cpu_ms(hireloop, cpu, mine.requests)
        drain(hireloop)
        measured = AcceptRound(
            requests=mine.requests,
            per_s=mine.requests_per_s,
            p50_ms=mine.p50_ms,
            p99_ms=mine.p99_ms,
            non_2xx_3xx=mine.non_2xx_3xx,
            socket_errors=mine.socket_errors,
            cpu_ms=mine_cpu,
            base_per_s=base.requests_per_s,
            base_cpu_ms=base_cpu,
        )
        result.accept.append(measured)
        say(
            f"calendars round {n + 1}/{rounds}: {measured.per_s:.0f} pushes/s accepted "
            f"(bare_one {measured.base_per_s:.0f}/s, ratio {measured.ratio:.3f}), CPU "
            f"{_fmt(mine_cpu, 3)} ms/req (bare_one {_fmt(base_cpu, 3)})"
        )


# --- 4. suggestions over mirrored busy time ----------------------------------------------


def suggestions(
    hireloop: servers.Service,
    api_key: str,
    fixtures: Mapping[str, str],
    say: Callable[[str], None],
    pairs: int = SUGGEST_PAIRS,
) -> SuggestRun:
    """The typed and the mirrored suggestion from one client, interleaved A B B A."""
    url = hireloop.base_url + "/api/v1/scheduling/suggestions"
    headers = {"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"}
    bodies = {"typed": fixtures["suggest_200"], "mirrored": fixtures["suggest_calendar"]}
    times: dict[str, list[float]] = {"typed": [], "mirrored": []}
    answers: dict[str, Any] = {}
    with httpx.Client(timeout=60.0) as client:

        def call(name: str) -> float:
            started = time.perf_counter()
            response = client.post(url, headers=headers, content=bodies[name])
            took = (time.perf_counter() - started) * 1000
            if response.status_code != 200 or not response.json().get("suggestions"):
                raise RuntimeError(
                    f"calendars: the {name} suggestion answered {response.status_code} "
                    f"{response.text[:300]}"
                )
            answers[name] = response.json()
            return took

        for _ in range(SUGGEST_WARMUP):
            call("typed")
            call("mirrored")
        # Both sets hold the same meetings: the same slots must come back.
        slots = {
            name: [[st["start_at"] for st in s["stages"]] for s in answer["suggestions"]]
            for name, answer in answers.items()
        }
        if slots["typed"] != slots["mirrored"]:
            raise RuntimeError(
                "calendars: mirrored and typed busy time gave different suggestions:\n"
                f"{slots['typed'][:2]}\n{slots['mirrored'][:2]}"
            )
        block = max(1, pairs // 4)
        for n in range(pairs):
            order = ("typed", "mirrored") if (n // block) % 2 == 0 else ("mirrored", "typed")
            for name in order:
                times[name].append(call(name))
    run = SuggestRun(typed_ms=times["typed"], mirrored_ms=times["mirrored"])
    say(
        f"calendars: suggestion p50 mirrored {run.mirrored_p50:.1f} ms, typed "
        f"{run.typed_p50:.1f} ms (ratio {run.ratio:.3f})"
    )
    return run


# --- the whole ---------------------------------------------------------------------------


def measure(
    url: str,
    work_dir: Path,
    *,
    role_ids: list[str],
    first_organization_id: str,
    api_key: str,
    fixtures: Mapping[str, str],
    options: wrk.WrkOptions,
    rounds: int = 3,
    interviewers: int = INTERVIEWERS,
    events_each: int = EVENTS_EACH,
    pushes: int = PUSHES,
    sync_timeout_s: float = SYNC_TIMEOUT_S,
    profile_worker: Path | None = None,
    profile_api: Path | None = None,
    say: Callable[[str], None] = print,
) -> CalendarsResult:
    """Everything above on `url` (already seeded with bench.seed's roles; the suggestion
    comparison only when `fixtures` holds suggest_calendar). Starts and stops its own
    services and the fake."""
    dsn = database.asyncpg_dsn(url)
    result = CalendarsResult(load_average=[os.getloadavg()])
    now = datetime.now(UTC)
    started = time.monotonic()
    _, admin_key, emails = asyncio.run(_organization(url, interviewers))
    # As a running worker would have left them (the seed's events are written undispatched):
    # otherwise the worker fans out a backlog of tens of thousands of events, with their
    # notifications, during the sync and the pushes.
    asyncio.run(
        _execute(dsn, "UPDATE events SET dispatched_at = now() WHERE dispatched_at IS NULL")
    )
    fake, key_file = build_fake(emails, events_each, now)
    say(
        f"calendars: the Google fake holds {interviewers} x {events_each} events "
        f"({time.monotonic() - started:.1f} s to build)"
    )
    with ExitStack() as stack:
        served = ServedApp(fake.app, backlog=2048).start()
        stack.callback(served.stop)
        # As a running service: one worker, already up when the admin connects.
        worker = _start_worker(url, work_dir, profile_worker)
        stack.callback(worker.stop)
        hireloop = servers.start_hireloop(
            url, work_dir / "data", work_dir, profile=profile_api, extra_env=_env()
        )
        stack.callback(hireloop.stop)
        time.sleep(1.0)  # the worker listening
        result.sync, connection_id = initial_sync(
            dsn,
            hireloop,
            worker,
            fake,
            served.url,
            key_file,
            admin_key,
            interviewers,
            events_each,
            say,
            sync_timeout_s,
        )
        if result.sync.seconds is None:
            return result
        result.push, channels = push_to_mirror(
            dsn, hireloop, worker, fake, connection_id, interviewers, now, say, pushes
        )
        worker.stop()  # acceptance alone, as bench.ats measures it
        if fixtures.get("suggest_calendar") and fixtures.get("suggest_200"):
            result.suggest = suggestions(hireloop, api_key, fixtures, say)
        bare = servers.start_bare(dsn, first_organization_id, work_dir)
        stack.callback(bare.stop)
        accept(
            dsn,
            work_dir,
            hireloop,
            bare,
            role_ids,
            channels,
            options,
            result,
            rounds=rounds,
            say=say,
        )
        if profile_api is not None:
            import signal

            hireloop.process.send_signal(signal.SIGINT)  # lets cProfile write (see bench.ats)
            hireloop.process.wait(timeout=30)
    result.load_average.append(os.getloadavg())
    return result


def main(argv: list[str] | None = None) -> int:
    from app.migrations import upgrade_head
    from bench.seed import seed

    parser = argparse.ArgumentParser(
        prog="python -m bench.calendars",
        description="Calendars: initial sync, push -> mirror, push acceptance, mirrored "
        "suggestions, alone on a fresh database.",
    )
    add = parser.add_argument
    add("--rounds", type=int, default=3, help="rounds of wrk (3)")
    add("--duration", type=int, default=4, help="seconds of load per round (4)")
    add("--warmup", type=int, default=2, help="seconds of warm-up (2)")
    add("--threads", type=int, default=2, help="wrk threads (2)")
    add("--connections", type=int, default=32, help="wrk connections (32)")
    add("--roles", type=int, default=10_000, help="roles to seed for the bare read (10000)")
    add("--interviewers", type=int, default=INTERVIEWERS, help="mailboxes (50)")
    add("--events", type=int, default=EVENTS_EACH, help="events per mailbox (2000)")
    add("--pushes", type=int, default=PUSHES, help="pushes timed to the mirror (100)")
    add("--sync-timeout", type=float, default=SYNC_TIMEOUT_S, help="give the sync up (300 s)")
    add("--no-suggest", action="store_true", help="skip issues 3-5's seed and the suggestions")
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

    try:
        servers.check_uvicorn_extras()
        with ExitStack() as stack:
            tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="hireloop-bench-")))
            server = stack.enter_context(database.server(tmp, embedded=args.embedded))
            url = stack.enter_context(database.fresh_database(server.url))
            upgrade_head(url)
            seeded = asyncio.run(seed(url, total_roles=args.roles, pipeline=not args.no_suggest))
            say(f"database: {server.kind} server, migrated, {args.roles} roles seeded")
            result = measure(
                url,
                tmp,
                role_ids=[str(i) for i in seeded.first.role_ids],
                first_organization_id=str(seeded.first.id),
                api_key=seeded.api_key,
                fixtures=seeded.fixtures,
                options=options,
                rounds=args.rounds,
                interviewers=args.interviewers,
                events_each=args.events,
                pushes=args.pushes,
                sync_timeout_s=args.sync_timeout,
                profile_worker=args.profile_worker,
                profile_api=args.profile_api,
                say=say,
            )
    except KeyboardInterrupt:
        return 130
    except (RuntimeError, TimeoutError, OSError, ValueError) as exc:
        print(f"bench failed: {exc}", file=sys.stderr)
        return 2
    return finish_standalone("calendars", result, args.json)


if __name__ == "__main__":
    with contextlib.suppress(BrokenPipeError):
        sys.exit(main())
