"""A full Greenhouse import of 10,000 applications, resumed after its worker is SIGKILLed
(issue 7: "an import of 10,000 applications must finish and be resumable after a worker
restart without duplicates"). The test suite proves the same with 1,500
(tests/test_ats_integration.py::test_full_import_survives_a_killed_worker_without_duplicates);
this is the full-size evidence, too slow for the suite.

`python -m bench.ats_import` runs this alone on a fresh database (several minutes);
`python -m bench.run --only ats_import` runs it after the seed. It is not part of the default
`python -m bench.run` / `make bench` (see bench/README.md).

0. First, the same import uninterrupted, on an organization and a fake of its own: one worker
   imports it all; timed from the sync's start (its first page claimed) to its end, as the
   database records them (`started_at`, `finished_at`), against the target (issue 13: at most
   10 s for 10,000 applications), and checked as in 4.
1. The Greenhouse fake (tests/fakes/greenhouse.py, Harvest v3 with OAuth client credentials
   and cursor pagination), seeded with 3 jobs and N applications (one candidate each, every
   10th rejected), served by uvicorn on 127.0.0.1 from a thread of this process.
2. An organization of its own made by the real service; `hireloop serve` (HIRELOOP_ENV=test,
   so plain http, and 127.0.0.0/8 allowed for outbound calls) creates the connection through
   `POST /api/v1/integrations` (base_url at the fake, the test's stage and rejection maps) and
   starts a full sync (`POST /api/v1/integrations/{id}/sync`: 202 pending, a second start 409).
   The API is then stopped, so the workers have the machine.
3. `hireloop worker` (HIRELOOP_ENV=test, a lease of 5 s) imports page by page: jobs, then
   candidates, then applications, a page of the adapter's size (PER_PAGE, 100). The bench
   reads the sync's row every 0.2 s and SIGKILLs the worker once `pages_done` reaches ~30 % of
   the expected pages (`--kill-at`); a second worker is started at once, takes the sync over
   when the dead one's lease runs out, and finishes it.
4. Checked afterwards, in the database: the sync done with every page and no error, `created`
   = 3 + 2N; N applications on the connection's roles, each candidate and each application
   once (rows, distinct e-mails, one external ref per record and per vendor id), every 10th
   rejected, N `application.created` events, nothing pushed back to the vendor.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import resource
import signal
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from app.db import Database
from app.domain.organizations import service as organizations
from app.integrations.ats.registry import adapter_for
from app.settings import Settings
from bench import database, servers
from bench.report import finish_standalone
from tests.fakes import greenhouse as gh_fake
from tests.fakes.server import ServedApp

KEY = "ats_import"  # bench.run's `--only ats_import`
SECRET_KEY = "bench-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"  # API and workers alike
WEBHOOK_SECRET = "bench-greenhouse-webhook-secret-0123456789"
APPLICATIONS = 10_000
JOBS = 3
REJECTED_EVERY = 10
# The Greenhouse adapter's page size (what it asks the vendor for; 100 unless it says).
PER_PAGE = int(getattr(adapter_for("greenhouse"), "per_page", 100))
KILL_AT = 0.3  # share of the expected pages after which the first worker is killed
LEASE_S = 5
POLL_S = 0.2
TIMEOUT_S = 1800.0
MAX_IMPORT_S = 10.0  # issue 13: the uninterrupted import of APPLICATIONS, at most
# As tests/test_ats_integration.py's connection.
STAGE_MAP = {
    "Application Review": "screening",
    "Preliminary Phone Screen": "submitted",
    "Assessment": "interviewing",
    "Face to Face": "interviewing",
    "Offer": "offer",
}
REJECTION_MAP = {"Too Junior": "too_junior"}
OUTBOUND = '["127.0.0.0/8"]'


def expected_pages(applications: int, jobs: int = JOBS) -> int:
    """Jobs, candidates and applications pages; a last full page has no next link."""
    return sum(max(1, math.ceil(n / PER_PAGE)) for n in (jobs, applications, applications))


@dataclass
class Snapshot:
    at_s: float  # since the first worker started
    status: str
    resource: str
    pages_done: int
    created: int
    errors: int


@dataclass
class Check:
    name: str
    value: int | str
    expected: int | str

    @property
    def passed(self) -> bool:
        return self.value == self.expected


@dataclass
class Straight:
    """The uninterrupted import: one worker, no kill."""

    seconds: float  # the sync's started_at -> finished_at (the database's clock)
    wall_s: float  # worker start -> the sync seen done (includes the worker's start-up)
    pages: int
    created: int
    worker_cpu_s: float | None
    checks_passed: int
    checks: int
    failed_checks: list[str] = field(default_factory=list)


@dataclass
class ImportResult:
    applications: int
    jobs: int
    pages_expected: int
    kill_at_page: int
    straight: Straight | None = None
    seed_s: float = 0.0  # seeding the fake
    killed_at_s: float = 0.0  # first worker start -> SIGKILL
    killed: Snapshot | None = None  # the last state read before the kill
    first_worker_cpu_s: float | None = None
    resumed_at_s: float | None = None  # first page committed by the second worker
    resumed_from_page: int = 0  # pages_done when the second worker committed its first
    done_at_s: float = 0.0  # first worker start -> the sync done
    second_worker_cpu_s: float | None = None
    applications_phase_s: float | None = None  # resource = applications -> done
    candidates_phase_s: float | None = None  # resource = candidates -> applications (with kill)
    bench_cpu_s: float = 0.0  # this process: the fake's serving (and the polling)
    harvest_calls: int = 0  # Harvest requests the fake answered (token calls not counted)
    final: dict[str, Any] = field(default_factory=dict)  # the sync's row at the end
    checks: list[Check] = field(default_factory=list)
    load_average: list[list[float]] = field(default_factory=list)  # before, after

    @property
    def takeover_s(self) -> float | None:
        return None if self.resumed_at_s is None else self.resumed_at_s - self.killed_at_s

    @property
    def applications_per_s(self) -> float:
        return self.applications / self.done_at_s if self.done_at_s > 0 else 0.0

    @property
    def pages_per_s(self) -> float:
        pages = int(self.final.get("pages_done", 0))
        return pages / self.done_at_s if self.done_at_s > 0 else 0.0

    @property
    def worker_cpu_s(self) -> float | None:
        if self.first_worker_cpu_s is None or self.second_worker_cpu_s is None:
            return None
        return self.first_worker_cpu_s + self.second_worker_cpu_s

    def failures(self) -> list[tuple[str, str, str]]:
        failed = [(c.name, str(c.value), str(c.expected)) for c in self.checks if not c.passed]
        t = self.straight
        if t is not None:
            limit = MAX_IMPORT_S * self.applications / APPLICATIONS
            if t.seconds > limit:
                failed.append(("uninterrupted import seconds", f"{t.seconds:.1f}", f"<= {limit:g}"))
            failed += [(f"uninterrupted: {name}", "failed", "passes") for name in t.failed_checks]
        return failed

    def report(self) -> str:
        f = self.final
        k = self.killed
        cpu = self.worker_cpu_s
        lines = []
        t = self.straight
        if t is not None:
            limit = MAX_IMPORT_S * self.applications / APPLICATIONS
            lines += [
                f"Full Greenhouse import, {self.applications} applications, one worker, "
                f"uninterrupted: {t.seconds:.1f} s (target <= {limit:g} s) = "
                f"{self.applications / t.seconds if t.seconds else 0:.0f} applications/s; "
                f"{t.pages} pages, {t.created} records created; {t.wall_s:.1f} s from the "
                f"worker's start; worker CPU {_fmt(t.worker_cpu_s, 1)} s; no duplicates: "
                f"{t.checks_passed}/{t.checks} checks pass",
            ]
        lines += [
            f"Full Greenhouse import, {self.applications} applications ({self.jobs} jobs), "
            f"first worker SIGKILLed, a second one finishing (lease {LEASE_S} s):",
            f"  {self.applications} applications in {self.done_at_s:.1f} s = "
            f"{self.applications_per_s:.1f} applications/s overall; {f.get('pages_done')} pages "
            f"({self.pages_per_s:.2f}/s), {f.get('created')} records created, "
            f"{f.get('updated')} updated, {f.get('errors')} errors, status {f.get('status')}",
        ]
        if k is not None:
            lines.append(
                f"  killed at {self.killed_at_s:.1f} s after page {k.pages_done}/"
                f"{self.pages_expected} ({k.resource}, {k.created} created); the second "
                f"worker committed page {self.resumed_from_page} "
                f"{_fmt(self.takeover_s, 1)} s after the kill"
            )
        lines.append(
            f"  phases: candidates {_fmt(self.candidates_phase_s, 1)} s (the kill and takeover "
            f"included when it fell there), applications {_fmt(self.applications_phase_s, 1)} s "
            f"= {self._phase_rate()} applications/s; worker CPU {_fmt(cpu, 1)} s "
            f"(first {_fmt(self.first_worker_cpu_s, 1)}, second "
            f"{_fmt(self.second_worker_cpu_s, 1)}); this process (the fake) "
            f"{self.bench_cpu_s:.1f} s CPU, {self.harvest_calls} Harvest calls; fake seeded in "
            f"{self.seed_s:.1f} s"
        )
        passed = sum(c.passed for c in self.checks)
        lines.append(f"  no duplicates: {passed}/{len(self.checks)} checks pass")
        for c in self.checks:
            verdict = "ok  " if c.passed else "FAIL"
            lines.append(f"    {verdict} {c.name}: {c.value} (expected {c.expected})")
        if self.load_average:
            before, after = self.load_average[0], self.load_average[-1]
            lines.append(
                f"  load average before {' '.join(f'{x:.2f}' for x in before)}, after "
                f"{' '.join(f'{x:.2f}' for x in after)}; {os.cpu_count()} CPUs"
            )
        return "\n".join(lines)

    def _phase_rate(self) -> str:
        s = self.applications_phase_s
        return "-" if not s else f"{self.applications / s:.1f}"

    def as_json(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "takeover_s": self.takeover_s,
            "applications_per_s": self.applications_per_s,
            "pages_per_s": self.pages_per_s,
            "worker_cpu_s": self.worker_cpu_s,
            "checks": [{**asdict(c), "passed": c.passed} for c in self.checks],
            "failed": [list(x) for x in self.failures()],
        }


def _fmt(value: float | None, digits: int) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


# --- set-up ------------------------------------------------------------------------------


async def _organization(url: str) -> tuple[uuid.UUID, str]:
    """An organization of its own with its admin; (organization id, the admin's API key)."""
    settings = Settings(env="test", secret_key=SECRET_KEY, log_json=False)
    db = Database.connect(url, settings)
    suffix = uuid.uuid4().hex[:8]
    try:
        async with db.transaction() as session:
            org, _admin, key = await organizations.create_organization(
                session,
                name=f"Bench Import {suffix}",
                admin_email=f"admin@import-{suffix}.bench.example",
                admin_name="Import Admin",
            )
    finally:
        await db.dispose()
    return org.id, key.key


def _start_sync(
    url: str, work_dir: Path, api_key: str, fake: gh_fake.GreenhouseFake, fake_url: str
) -> str:
    """The connection and its full sync through the API, as an admin makes them; the
    connection's id. The API is stopped on the way out."""
    hireloop = servers.start_hireloop(
        url,
        work_dir / "data",
        work_dir,
        # As the tests run it: plain http and 127.0.0.0/8 allowed for the fake's base_url.
        extra_env={
            "HIRELOOP_ENV": "test",
            "HIRELOOP_OUTBOUND_ALLOW_NETWORKS": OUTBOUND,
            "HIRELOOP_SECRET_KEY": SECRET_KEY,
        },
    )
    try:
        headers = {"Authorization": f"Bearer {api_key}"}
        with httpx.Client(base_url=hireloop.base_url, headers=headers, timeout=30.0) as client:
            made = client.post(
                "/api/v1/integrations",
                json={
                    "provider": "greenhouse",
                    "name": f"Bench import {uuid.uuid4().hex[:6]}",
                    "credentials": {
                        "client_id": fake.client_id,
                        "client_secret": fake.client_secret,
                    },
                    "webhook_secret": WEBHOOK_SECRET,
                    "base_url": f"{fake_url}/v3",
                    "stage_map": STAGE_MAP,
                    "rejection_map": REJECTION_MAP,
                },
            )
            if made.status_code != 201:
                raise RuntimeError(f"ats_import: the connection: {made.status_code} {made.text}")
            connection_id: str = made.json()["id"]
            started = client.post(f"/api/v1/integrations/{connection_id}/sync", json={})
            if started.status_code != 202 or started.json().get("status") != "pending":
                raise RuntimeError(f"ats_import: the sync: {started.status_code} {started.text}")
            again = client.post(f"/api/v1/integrations/{connection_id}/sync", json={})
            if again.status_code != 409:
                raise RuntimeError(f"ats_import: a second sync answered {again.status_code}")
    finally:
        hireloop.stop()
    return connection_id


def _worker_env(url: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": database.asyncpg_dsn(url),
        "HIRELOOP_ENV": "test",
        "HIRELOOP_SECRET_KEY": SECRET_KEY,
        "HIRELOOP_OUTBOUND_ALLOW_NETWORKS": OUTBOUND,
        "HIRELOOP_WORKER_LEASE_SECONDS": str(LEASE_S),
        # The lease must outlast an outbound call; the fake answers in milliseconds.
        "HIRELOOP_WEBHOOK_TIMEOUT_SECONDS": str(LEASE_S - 1),
        "HIRELOOP_LOG_JSON": "false",
        "HIRELOOP_LOG_LEVEL": "WARNING",
    }
    for name in ("HIRELOOP_WORKER_POLL_SECONDS", "HIRELOOP_WORKER_CONCURRENCY"):
        env.pop(name, None)
    return env


def _start_worker(
    name: str, url: str, work_dir: Path, profile: Path | None = None
) -> servers.Service:
    argv = [sys.executable, "-m", "app.cli", "worker"]
    if profile is not None:  # written when the worker stops (SIGTERM)
        argv[1:1] = ["-m", "cProfile", "-o", str(profile.resolve())]
    return servers.start(name, argv, _worker_env(url), 0, work_dir)


def _kill(worker: servers.Service) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(worker.process.pid, signal.SIGKILL)
    worker.process.wait(timeout=10)


# --- the import --------------------------------------------------------------------------

_SYNC = """
SELECT status, resource, pages_done, created, updated, errors, last_errors, started_at,
       finished_at
FROM ats_syncs WHERE connection_id = $1 AND kind = 'full'
"""


class _Watch:
    def __init__(self, conn: asyncpg.Connection, connection_id: uuid.UUID, started: float):
        self.conn, self.connection_id, self.started = conn, connection_id, started
        self.timeline: list[Snapshot] = []

    async def read(self) -> Snapshot:
        row = await self.conn.fetchrow(_SYNC, self.connection_id)
        if row is None:
            raise RuntimeError("ats_import: the sync's row is gone")
        snap = Snapshot(
            at_s=time.monotonic() - self.started,
            status=row["status"],
            resource=row["resource"],
            pages_done=int(row["pages_done"]),
            created=int(row["created"]),
            errors=int(row["errors"]),
        )
        self.timeline.append(snap)
        return snap

    async def until(
        self,
        worker: servers.Service,
        done: Callable[[Snapshot], bool],
        timeout_s: float,
        say: Callable[[str], None],
    ) -> Snapshot:
        deadline = time.monotonic() + timeout_s
        noted = -1
        while True:
            snap = await self.read()
            if done(snap):
                return snap
            if snap.status == "failed":
                raise RuntimeError(f"ats_import: the sync failed: {snap}\n{worker.log_tail()}")
            if worker.process.poll() is not None:
                raise RuntimeError(f"ats_import: {worker.name} exited:\n{worker.log_tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"ats_import: not done within {timeout_s:g} s: {snap}\n{worker.log_tail()}"
                )
            if snap.pages_done // 20 != noted:
                noted = snap.pages_done // 20
                say(
                    f"ats_import: {snap.at_s:6.1f} s page {snap.pages_done} ({snap.resource}, "
                    f"{snap.created} created)"
                )
            await asyncio.sleep(POLL_S)

    def first_seen(self, resource_name: str) -> float | None:
        return next((s.at_s for s in self.timeline if s.resource == resource_name), None)


async def _run(
    url: str,
    work_dir: Path,
    connection_id: uuid.UUID,
    result: ImportResult,
    timeout_s: float,
    profile: Path | None,
    say: Callable[[str], None],
) -> None:
    conn = await asyncpg.connect(database.asyncpg_dsn(url))
    try:
        with ExitStack() as stack:
            started = time.monotonic()
            first = _start_worker("ats-import-worker-1", url, work_dir)
            stack.callback(first.stop)
            watch = _Watch(conn, connection_id, started)
            say(f"ats_import: worker 1 pid {first.process.pid}, kill after {result.kill_at_page}")
            result.killed = await watch.until(
                first, lambda s: s.pages_done >= result.kill_at_page, timeout_s, say
            )
            result.first_worker_cpu_s = first.cpu_seconds()
            _kill(first)
            result.killed_at_s = time.monotonic() - started
            # What the dead worker committed (a page under way when it died is rolled back).
            after_kill = await watch.read()
            say(
                f"ats_import: SIGKILLed worker 1 at {result.killed_at_s:.1f} s, page "
                f"{after_kill.pages_done} ({after_kill.resource}); starting worker 2"
            )
            second = _start_worker("ats-import-worker-2", url, work_dir, profile)
            stack.callback(second.stop)
            resumed = await watch.until(
                second, lambda s: s.pages_done > after_kill.pages_done, timeout_s, say
            )
            result.resumed_at_s = resumed.at_s
            result.resumed_from_page = resumed.pages_done
            say(
                f"ats_import: worker 2 took over: page {resumed.pages_done} at "
                f"{resumed.at_s:.1f} s ({result.takeover_s:.1f} s after the kill)"
            )
            await watch.until(second, lambda s: s.status == "done", timeout_s, say)
            result.done_at_s = time.monotonic() - started
            result.second_worker_cpu_s = second.cpu_seconds()
            second.stop()  # before its periodic reconciliation starts another sync
        candidates_at = watch.first_seen("candidates")
        applications_at = watch.first_seen("applications")
        if applications_at is not None:
            result.applications_phase_s = result.done_at_s - applications_at
            if candidates_at is not None:
                result.candidates_phase_s = applications_at - candidates_at
        row = await conn.fetchrow(_SYNC, connection_id)
        assert row is not None
        result.final = {
            k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in dict(row).items()
        }
        if isinstance(result.final.get("last_errors"), str):
            result.final["last_errors"] = json.loads(result.final["last_errors"])
        result.checks = await _checks(conn, connection_id, result)
    finally:
        await conn.close()


async def _straight(
    url: str,
    work_dir: Path,
    connection_id: uuid.UUID,
    result: ImportResult,
    timeout_s: float,
    say: Callable[[str], None],
) -> Straight:
    """One worker imports it all; the figures from the sync's row, and the checks."""
    conn = await asyncpg.connect(database.asyncpg_dsn(url))
    try:
        started = time.monotonic()
        worker = _start_worker("ats-import-worker-straight", url, work_dir)
        try:
            watch = _Watch(conn, connection_id, started)
            await watch.until(worker, lambda s: s.status == "done", timeout_s, say)
            wall_s = time.monotonic() - started
            cpu = worker.cpu_seconds()
        finally:
            worker.stop()  # before its periodic reconciliation starts another sync
        row = await conn.fetchrow(_SYNC, connection_id)
        assert row is not None
        final = {k: v for k, v in dict(row).items() if k != "last_errors"}
        checks = await _checks(conn, connection_id, result, final)
    finally:
        await conn.close()
    return Straight(
        seconds=(row["finished_at"] - row["started_at"]).total_seconds(),
        wall_s=wall_s,
        pages=int(row["pages_done"]),
        created=int(row["created"]),
        worker_cpu_s=cpu,
        checks_passed=sum(c.passed for c in checks),
        checks=len(checks),
        failed_checks=[c.name for c in checks if not c.passed],
    )


async def _checks(
    conn: asyncpg.Connection,
    connection_id: uuid.UUID,
    result: ImportResult,
    final: dict[str, Any] | None = None,
) -> list[Check]:
    n, jobs = result.applications, result.jobs
    org = await conn.fetchval(
        "SELECT organization_id FROM integration_connections WHERE id = $1", connection_id
    )

    async def value(sql: str, *args: Any) -> int:
        return int(await conn.fetchval(sql, *args))

    on_roles = (
        "FROM applications a WHERE a.role_id IN (SELECT resource_id FROM external_refs "
        "WHERE connection_id = $1 AND resource_type = 'role')"
    )
    f = result.final if final is None else final
    checks = [
        Check("sync status", str(f["status"]), "done"),
        Check("sync pages_done", int(f["pages_done"]), result.pages_expected),
        Check("sync errors", int(f["errors"]), 0),
        Check("sync created (jobs + candidates + applications)", int(f["created"]), jobs + 2 * n),
        Check(
            "applications on the connection's roles",
            await value(f"SELECT count(*) {on_roles}", connection_id),
            n,
        ),
        Check(
            "distinct candidates among them",
            await value(f"SELECT count(DISTINCT a.candidate_id) {on_roles}", connection_id),
            n,
        ),
        Check(
            "applications in the organization",
            await value("SELECT count(*) FROM applications WHERE organization_id = $1", org),
            n,
        ),
        Check(
            "rejected applications (every 10th)",
            await value(f"SELECT count(*) {on_roles} AND a.outcome = 'rejected'", connection_id),
            n // REJECTED_EVERY if REJECTED_EVERY else 0,
        ),
        Check(
            "candidates in the organization",
            await value("SELECT count(*) FROM candidates WHERE organization_id = $1", org),
            n,
        ),
        Check(
            "distinct candidate e-mails",
            await value(
                "SELECT count(DISTINCT email) FROM candidates WHERE organization_id = $1", org
            ),
            n,
        ),
        Check(
            "roles in the organization",
            await value("SELECT count(*) FROM roles WHERE organization_id = $1", org),
            jobs,
        ),
    ]
    for kind, expected in (("application", n), ("candidate", n), ("role", jobs)):
        refs = await conn.fetchrow(
            "SELECT count(*) AS n, count(DISTINCT external_id) AS ext, "
            "count(DISTINCT resource_id) AS res FROM external_refs "
            "WHERE connection_id = $1 AND resource_type = $2",
            connection_id,
            kind,
        )
        assert refs is not None
        checks.append(Check(f"external_refs {kind}", int(refs["n"]), expected))
        checks.append(Check(f"  distinct vendor ids ({kind})", int(refs["ext"]), expected))
        checks.append(Check(f"  distinct records ({kind})", int(refs["res"]), expected))
    checks += [
        Check(
            "candidates without an external ref",
            await value(
                "SELECT count(*) FROM candidates c WHERE c.organization_id = $2 AND NOT EXISTS "
                "(SELECT 1 FROM external_refs r WHERE r.connection_id = $1 "
                "AND r.resource_type = 'candidate' AND r.resource_id = c.id)",
                connection_id,
                org,
            ),
            0,
        ),
        Check(
            "application.created events",
            await value(
                "SELECT count(*) FROM events WHERE organization_id = $1 "
                "AND type = 'application.created'",
                org,
            ),
            n,
        ),
        Check(
            "pushes back to the vendor",
            await value("SELECT count(*) FROM ats_pushes WHERE connection_id = $1", connection_id),
            0,
        ),
    ]
    return checks


def measure(
    url: str,
    work_dir: Path,
    *,
    applications: int | None = None,
    kill_at: float | None = None,
    timeout_s: float = TIMEOUT_S,
    profile: Path | None = None,
    straight: bool = True,
    say: Callable[[str], None] = print,
) -> ImportResult:
    """The whole scenario on a migrated database (the fake, an organization, the connection
    and its sync, two workers), after the uninterrupted import (`straight`); the figures and
    checks. Defaults: APPLICATIONS, KILL_AT."""
    applications = APPLICATIONS if applications is None else applications
    kill_at = KILL_AT if kill_at is None else kill_at
    pages = expected_pages(applications)
    result = ImportResult(
        applications=applications,
        jobs=JOBS,
        pages_expected=pages,
        kill_at_page=max(1, min(pages - 1, round(kill_at * pages))),
        load_average=[list(os.getloadavg())],
    )
    if straight:
        fake = gh_fake.GreenhouseFake(client_id=f"bench-gh-{uuid.uuid4().hex[:8]}")
        fake.seed(jobs=JOBS, applications=applications, rejected_every=REJECTED_EVERY)
        served = ServedApp(fake.app, backlog=256).start()
        try:
            _org, api_key = asyncio.run(_organization(url))
            connection_id = _start_sync(url, work_dir, api_key, fake, served.url)
            say(f"ats_import: uninterrupted import, connection {connection_id}")
            result.straight = asyncio.run(
                _straight(url, work_dir, uuid.UUID(connection_id), result, timeout_s, say)
            )
        finally:
            served.stop()
        say(f"ats_import: uninterrupted import in {result.straight.seconds:.1f} s")
    # A client id of its own: the worker keeps rate-limit state per credential.
    fake = gh_fake.GreenhouseFake(client_id=f"bench-gh-{uuid.uuid4().hex[:8]}")
    seeding = time.monotonic()
    fake.seed(jobs=JOBS, applications=applications, rejected_every=REJECTED_EVERY)
    result.seed_s = time.monotonic() - seeding
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = usage.ru_utime + usage.ru_stime
    served = ServedApp(fake.app, backlog=256).start()
    try:
        say(f"ats_import: fake Greenhouse on {served.url}, {applications} applications seeded")
        _org, api_key = asyncio.run(_organization(url))
        connection_id = _start_sync(url, work_dir, api_key, fake, served.url)
        say(f"ats_import: connection {connection_id}, full sync started through the API")
        asyncio.run(_run(url, work_dir, uuid.UUID(connection_id), result, timeout_s, profile, say))
        result.harvest_calls = len(fake.requests)
    finally:
        served.stop()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    result.bench_cpu_s = usage.ru_utime + usage.ru_stime - cpu_before
    result.load_average.append(list(os.getloadavg()))
    say(
        f"ats_import: done at {result.done_at_s:.1f} s, "
        f"{result.applications_per_s:.1f} applications/s, "
        f"{len(result.failures())} check(s) failed"
    )
    return result


# --- alone -------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    from app.migrations import upgrade_head

    parser = argparse.ArgumentParser(
        prog="python -m bench.ats_import",
        description="A full Greenhouse import of 10,000 applications, its worker SIGKILLed "
        "midway and a second one finishing; time and duplicate checks.",
    )
    add = parser.add_argument
    add("--applications", type=int, default=APPLICATIONS, help=f"({APPLICATIONS})")
    add("--kill-at", type=float, default=KILL_AT, help=f"share of the pages ({KILL_AT})")
    add("--timeout", type=float, default=TIMEOUT_S, help=f"seconds per phase ({TIMEOUT_S:g})")
    add("--profile", type=Path, default=None, help="run the second worker under cProfile")
    add("--skip-straight", action="store_true", help="only the import with a killed worker")
    add("--embedded", action="store_true", help="use an embedded PostgreSQL whatever is set")
    add("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args(argv)
    if not 0 < args.kill_at < 1 or args.applications < 1:
        parser.error("--kill-at must be between 0 and 1, --applications at least 1")
    started = time.monotonic()

    def say(message: str) -> None:
        print(f"[{time.monotonic() - started:6.1f}s] {message}", file=sys.stderr, flush=True)

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
                applications=args.applications,
                kill_at=args.kill_at,
                timeout_s=args.timeout,
                profile=args.profile,
                straight=not args.skip_straight,
                say=say,
            )
    except KeyboardInterrupt:
        return 130
    except (RuntimeError, TimeoutError, OSError, ValueError) as exc:
        print(f"bench failed: {exc}", file=sys.stderr)
        return 2
    return finish_standalone("ats_import", result, args.json)


if __name__ == "__main__":
    with contextlib.suppress(BrokenPipeError):
        sys.exit(main())
