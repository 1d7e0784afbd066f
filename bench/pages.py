"""Candidate pages (issue 18): the "Offer times" page rendered for a valid token, at least 0.5x
the requests per second of the bare one-row read in the same run, and a page weight without
images (the HTML, its stylesheet and its script) of at most 60 KB.

`python -m bench.pages` runs this alone on a fresh database; `bench.run` can call `measure`.

Seeding goes through the real services (an organization, a role, a candidate, an application,
an availability link); the token is signed with the secret `hireloop serve` runs with, so the
page served is the one a candidate's email opens. Hireloop (`hireloop serve`, production
settings) and the bare FastAPI + asyncpg app (bench.bare_app) each run in a process of their
own; each round loads the bare one-row read (`GET /roles/{id}`) then the page, and the ratio is
the median of the rounds' ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from app.core.actor import Actor, PermissionSet
from app.db import Database
from app.domain.applications import service as applications
from app.domain.applications.schemas import ApplicationCreate
from app.domain.availability import service as availability
from app.domain.availability import tokens
from app.domain.availability.schemas import AvailabilityLinkCreate
from app.domain.candidates import service as candidates
from app.domain.candidates.schemas import CandidateCreate
from app.domain.organizations import service as organizations
from app.domain.roles import service as roles
from app.domain.roles.schemas import RoleCreate
from app.settings import Settings
from bench import database, servers, wrk
from bench.report import finish_standalone

KEY = "pages"
MIN_RATIO = 0.5
MAX_WEIGHT_BYTES = 60 * 1024
BENCH_SECRET = "bench-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"  # as servers.start_hireloop


@dataclass
class PagesResult:
    ratios: list[float] = field(default_factory=list)
    page_per_s: list[float] = field(default_factory=list)
    bare_per_s: list[float] = field(default_factory=list)
    page_p99_ms: list[float] = field(default_factory=list)
    weight_bytes: int = 0
    weights: dict[str, int] = field(default_factory=dict)
    errors: int = 0

    @property
    def ratio(self) -> float:
        return statistics.median(self.ratios) if self.ratios else 0.0

    def failures(self) -> list[tuple[str, str, str]]:
        """(target, value, limit) of every missed target, as bench.run prints them."""
        failed = []
        if self.ratio < MIN_RATIO:
            failed.append(
                ("availability page vs bare one-row read", f"{self.ratio:.2f}x", f">= {MIN_RATIO}x")
            )
        if self.weight_bytes > MAX_WEIGHT_BYTES:
            failed.append(
                ("availability page weight", f"{self.weight_bytes / 1024:.1f} KB", "<= 60 KB")
            )
        if self.errors:
            failed.append(("availability page answers", f"{self.errors} not 200", "0"))
        return failed

    def report(self) -> str:
        per_s = statistics.median(self.page_per_s) if self.page_per_s else 0.0
        bare = statistics.median(self.bare_per_s) if self.bare_per_s else 0.0
        return (
            f"availability page: {per_s:.0f}/s vs bare one-row read {bare:.0f}/s, ratio "
            f"{self.ratio:.2f}x (target >= {MIN_RATIO}x) over {len(self.ratios)} round(s); "
            f"weight without images {self.weight_bytes / 1024:.1f} KB (target <= 60 KB): "
            + ", ".join(f"{k} {v / 1024:.1f} KB" for k, v in self.weights.items())
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "ratio": self.ratio,
            "ratios": self.ratios,
            "page_per_s": self.page_per_s,
            "bare_per_s": self.bare_per_s,
            "page_p99_ms": self.page_p99_ms,
            "weight_bytes": self.weight_bytes,
            "weights": self.weights,
            "min_ratio": MIN_RATIO,
            "max_weight_bytes": MAX_WEIGHT_BYTES,
            "passed": not self.failures(),
        }


async def _seed(url: str, data_dir: Path) -> tuple[str, str, list[str]]:
    """(organization id, the page's path with a valid token, the organization's role ids)."""
    settings = Settings(env="development", data_dir=data_dir, log_json=False)
    db = Database.connect(url, settings)
    try:
        async with db.transaction() as session:
            org, admin, _ = await organizations.create_organization(
                session, name="Pages bench", admin_email="admin@pages.test", admin_name="Ada Admin"
            )
        actor = Actor(
            member_id=admin.id,
            organization_id=org.id,
            permission_set=PermissionSet.admin,
            email=admin.email,
            name=admin.name,
        )
        async with db.transaction() as session:
            role = await roles.create_role(
                session,
                actor,
                RoleCreate(
                    title="Content Writer", recruiter_id=admin.id, hiring_manager_id=admin.id
                ),
            )
            candidate = await candidates.create_candidate(
                session,
                actor,
                CandidateCreate.model_validate(
                    {
                        "name": "Priya Raman",
                        "email": "priya@example.com",
                        "source": "sourced",
                        "consent_given": True,
                    }
                ),
            )
            application = await applications.create_application(
                session, actor, ApplicationCreate(candidate_id=candidate.id, role_id=role.id)
            )
            link = await availability.create_link(
                session, actor, application.id, AvailabilityLinkCreate(time_zone="Europe/Paris")
            )
        # Signed again with the secret the served process uses (the link row is the same).
        token = tokens.sign(BENCH_SECRET, link.id, link.expires_at)
        return str(org.id), f"/pages/availability/{token}", [str(role.id)]
    finally:
        await db.dispose()


def _weigh(base_url: str, path: str) -> tuple[int, dict[str, int], str]:
    """The page's bytes and those of the stylesheet and script it loads (no images)."""
    with httpx.Client(base_url=base_url, timeout=10) as client:
        page = client.get(path)
        if page.status_code != 200:
            raise AssertionError(f"the page answered {page.status_code}: {page.text[:300]}")
        weights = {"html": len(page.content)}
        for asset in re.findall(r'(?:href|src)="(/static/pages/[^"]+)"', page.text):
            answer = client.get(asset)
            if answer.status_code != 200:
                raise AssertionError(f"{asset} answered {answer.status_code}")
            weights[asset.split("/")[-1].split("?")[0]] = len(answer.content)
    return sum(weights.values()), weights, page.text


def measure(
    url: str,
    tmp: Path,
    *,
    rounds: int = 3,
    options: wrk.WrkOptions | None = None,
    say: Callable[[str], None] = print,
) -> PagesResult:
    """Seed on the database at `url` (already migrated), serve, weigh and load the page."""
    from bench.run import drain  # bench.run imports this module

    options = options or wrk.WrkOptions(duration_s=4, warmup_s=1)
    organization_id, path, role_ids = asyncio.run(_seed(url, tmp / "pages-data"))
    result = PagesResult()
    with ExitStack() as stack:
        hireloop = servers.start_hireloop(url, tmp / "pages-data", tmp)
        stack.callback(hireloop.stop)
        bare = servers.start_bare(database.asyncpg_dsn(url), organization_id, tmp)
        stack.callback(bare.stop)
        result.weight_bytes, result.weights, html = _weigh(hireloop.base_url, path)
        if "Hello Priya," not in html:
            raise AssertionError("the page does not greet the candidate")
        say(f"pages: the availability page weighs {result.weight_bytes / 1024:.1f} KB")
        page_script = tmp / "pages_page.lua"
        page_script.write_text(wrk.lua_script(method="GET", path=path, headers={}))
        bare_script = tmp / "pages_bare_one.lua"
        bare_script.write_text(
            wrk.lua_script(method="GET", path="/roles/{id}", headers={}, path_ids=role_ids)
        )
        if options.warmup_s > 0:
            wrk.run(bare.base_url + "/roles/", bare_script, options, duration_s=options.warmup_s)
            drain(bare)
            wrk.run(hireloop.base_url + path, page_script, options, duration_s=options.warmup_s)
            drain(hireloop)
        for n in range(rounds):
            base = wrk.run(bare.base_url + "/roles/", bare_script, options)
            drain(bare)
            mine = wrk.run(hireloop.base_url + path, page_script, options)
            drain(hireloop)
            result.errors += mine.non_2xx_3xx + mine.socket_errors
            result.bare_per_s.append(base.requests_per_s)
            result.page_per_s.append(mine.requests_per_s)
            result.page_p99_ms.append(mine.p99_ms)
            result.ratios.append(mine.requests_per_s / max(base.requests_per_s, 1e-9))
            say(
                f"pages round {n + 1}/{rounds}: page {mine.requests_per_s:.0f}/s, bare one-row "
                f"read {base.requests_per_s:.0f}/s, ratio {result.ratios[-1]:.2f}"
            )
    return result


def main(argv: list[str] | None = None) -> int:
    from app.migrations import upgrade_head

    parser = argparse.ArgumentParser(
        prog="python -m bench.pages",
        description="The availability page against the bare one-row read, and its weight.",
    )
    parser.add_argument("--rounds", type=int, default=3, help="rounds of load (3)")
    parser.add_argument("--duration", type=int, default=4, help="seconds per load (4)")
    parser.add_argument("--embedded", action="store_true", help="use an embedded PostgreSQL")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args(argv)
    started = time.monotonic()

    def say(message: str) -> None:
        print(f"[{time.monotonic() - started:5.1f}s] {message}", file=sys.stderr, flush=True)

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
            options=wrk.WrkOptions(duration_s=args.duration, warmup_s=1),
            say=say,
        )
    return finish_standalone(KEY, result, args.json)


if __name__ == "__main__":
    raise SystemExit(main())
