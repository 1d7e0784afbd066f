"""`python -m bench.run` (what `make bench` calls): one run, one table, one JSON file.

1. A fresh database (TEST_DATABASE_URL / DATABASE_URL's server, else 127.0.0.1:5432, else an
   embedded PostgreSQL in a temporary folder), migrated to head.
2. 10,000 roles with agreed intakes across 2 organizations (bench.seed), and an admin API key
   of the first organization made by the real service.
3. Hireloop (`hireloop serve --workers 1`, production settings, access log at its default) and
   the bare FastAPI + asyncpg app (bench.bare_app), each one uvicorn worker in its own process.
4. Every scenario in bench.scenarios: a check that the answer is right, SQL statements per
   request from `x-statement-count`, a short warm-up; then rounds of wrk on loopback, each round
   loading every scenario in turn, so a baseline and the rows compared with it are measured
   close together and a burst of other work on the machine touches one round, not the result.
   Figures are medians over the rounds; a ratio is the median of the rounds' ratios.
5. The table with ratios and targets, and bench/results/latest.json.

Everything it started (services, database, temporary folder) is stopped or removed on the way
out, on failure and on Ctrl-C or SIGTERM too. Exit status: 0 when every target passes, 1 when a
target fails, 2 when the bench itself could not run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

import httpx

from app.migrations import upgrade_head
from bench import database, servers, wrk
from bench.report import RESULTS_DIR, Measured, cpu_busy, judge, machine, table, write_json
from bench.scenarios import CheckFailed, Scenario, select
from bench.seed import Seeded, seed

STARTED = time.monotonic()
BUSY_WARNING = 0.15  # CPU share in use by others before the load starts


def say(message: str) -> None:
    print(f"[{time.monotonic() - STARTED:5.1f}s] {message}", file=sys.stderr, flush=True)


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run", description="Hireloop against a bare FastAPI + asyncpg app."
    )
    add = parser.add_argument
    add("--rounds", type=int, default=3, help="rounds of load per scenario (3)")
    add("--duration", type=int, default=4, help="seconds of load per scenario per round (4)")
    add("--warmup", type=int, default=2, help="seconds of warm-up per scenario (2)")
    add("--threads", type=int, default=2, help="wrk threads (2)")
    add("--connections", type=int, default=32, help="wrk connections (32)")
    add("--roles", type=int, default=10_000, help="roles to seed (10000)")
    add("--embedded", action="store_true", help="use an embedded PostgreSQL whatever is set")
    add("--only", default="", help="comma-separated scenario keys (their baselines run too)")
    add(
        "--access-log",
        choices=["default", "on", "off"],
        default="default",
        help="Hireloop's HIRELOOP_ACCESS_LOG (default: the service's default, which is on)",
    )
    add("--json", type=Path, default=RESULTS_DIR / "latest.json", help="where to write results")
    add("--max-seconds", type=int, default=600, help="give up (and clean up) after this long")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.duration < 1:
        parser.error("--rounds and --duration must be at least 1")
    return args


def _on_signal(signum: int, _frame: FrameType | None) -> None:
    if signum == signal.SIGALRM:
        raise TimeoutError("the bench ran out of time (--max-seconds)")
    raise SystemExit(128 + signum)


@dataclass
class Prepared:
    """A scenario checked against its service and ready to load."""

    scenario: Scenario
    service: servers.Service
    url: str
    script: Path
    statements: list[int | None]


def prepare(
    scenario: Scenario, service: servers.Service, seeded: Seeded, work_dir: Path
) -> Prepared:
    headers = dict(scenario.headers)
    if scenario.authenticated:
        headers["Authorization"] = f"Bearer {seeded.api_key}"
    ids = [str(i) for i in seeded.first.role_ids] if "{id}" in scenario.path else []
    statements: list[int | None] = []
    with httpx.Client(base_url=service.base_url, timeout=10.0) as client:
        # Two requests: the first may include the API key look-up (cached for a few seconds),
        # the second is the steady state the load sees.
        for _ in range(2):
            path = scenario.path.replace("{id}", random.choice(ids)) if ids else scenario.path
            response = client.request(scenario.method, path, headers=headers, content=scenario.body)
            if scenario.check is not None:
                try:
                    scenario.check(response)
                except CheckFailed as exc:
                    raise RuntimeError(f"{scenario.label}: wrong answer: {exc}") from exc
            count = response.headers.get("x-statement-count")
            statements.append(int(count) if count is not None else None)
    script = work_dir / f"{scenario.key}.lua"
    script.write_text(
        wrk.lua_script(
            method=scenario.method,
            path=scenario.path,
            headers=headers,
            body=scenario.body,
            path_ids=ids,
        )
    )
    url = service.base_url + scenario.path.split("{id}")[0]
    return Prepared(
        scenario=scenario, service=service, url=url, script=script, statements=statements
    )


def load(prepared: list[Prepared], options: wrk.WrkOptions, rounds: int) -> list[Measured]:
    measured = [
        Measured(
            scenario=p.scenario,
            rounds=[],
            statements=p.statements[1] if p.scenario.service == "hireloop" else None,
            statements_first=p.statements[0] if p.scenario.service == "hireloop" else None,
        )
        for p in prepared
    ]
    for n in range(rounds):
        for p, m in zip(prepared, measured, strict=True):
            if n == 0 and options.warmup_s > 0:
                wrk.run(p.url, p.script, options, duration_s=options.warmup_s)
            cpu_before = p.service.cpu_seconds()
            result = wrk.run(p.url, p.script, options)
            cpu_after = p.service.cpu_seconds()
            m.rounds.append(result)
            if cpu_before is not None and cpu_after is not None and result.requests:
                m.cpu_ms.append(1000 * (cpu_after - cpu_before) / result.requests)
            say(
                f"round {n + 1}/{rounds} {p.scenario.label}: {result.requests_per_s:.0f} req/s, "
                f"p50 {result.p50_ms:.2f} ms, p99 {result.p99_ms:.2f} ms"
            )
    return measured


def run(args: argparse.Namespace) -> int:
    scenarios = select([k.strip() for k in args.only.split(",") if k.strip()])
    options = wrk.WrkOptions(
        threads=args.threads,
        connections=args.connections,
        duration_s=args.duration,
        warmup_s=args.warmup,
    )
    servers.check_uvicorn_extras()
    wrk_version = wrk.wrk_version()
    access_log = {"default": None, "on": True, "off": False}[args.access_log]
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="hireloop-bench-")))
        server = stack.enter_context(database.server(tmp, embedded=args.embedded))
        url = stack.enter_context(database.fresh_database(server.url))
        pg_version = asyncio.run(database.server_version(url))
        say(f"database: {server.kind} server, {pg_version.split(' on ')[0]}")
        upgrade_head(url)
        say("migrated")
        seeded = asyncio.run(seed(url, total_roles=args.roles))
        say(f"seeded {args.roles} roles with agreed intakes in {len(seeded.organizations)} orgs")

        running: dict[str, servers.Service] = {}
        needed = {s.service for s in scenarios}
        try:
            if "bare" in needed:
                bare = servers.start_bare(database.asyncpg_dsn(url), str(seeded.first.id), tmp)
                stack.callback(bare.stop)
                running["bare"] = bare
            if "hireloop" in needed:
                hireloop = servers.start_hireloop(url, tmp / "data", tmp, access_log=access_log)
                stack.callback(hireloop.stop)
                running["hireloop"] = hireloop
            say("services up: " + ", ".join(f"{n} on :{s.port}" for n, s in running.items()))
            prepared = [prepare(s, running[s.service], seeded, tmp) for s in scenarios]
            busy = cpu_busy(1.0)
            if busy is not None and busy > BUSY_WARNING:
                say(f"warning: {busy:.0%} of the CPUs were busy before the load; figures are noisy")
            measured = load(prepared, options, args.rounds)
        except BaseException:
            for service in running.values():
                tail = service.log_tail()
                if tail:
                    print(f"--- last lines of {service.name}'s log ---\n{tail}", file=sys.stderr)
            raise
    say("stopped the services and dropped the database")

    judge(measured)
    info = machine(pg_version, server.kind, wrk_version)
    info["cpu_busy_before_load"] = busy
    info["load_average_at_end"] = list(os.getloadavg())
    load_desc = (
        f"wrk -t{options.threads} -c{options.connections}, {args.rounds} round(s) of "
        f"{options.duration_s}s per endpoint after a {options.warmup_s}s warm-up, medians"
    )
    settings = {
        "wrk": {
            "threads": options.threads,
            "connections": options.connections,
            "rounds": args.rounds,
            "duration_s": options.duration_s,
            "warmup_s": options.warmup_s,
        },
        "roles": args.roles,
        "organizations": len(seeded.organizations),
        "hireloop_access_log": args.access_log,
        "uvicorn": "1 worker, uvloop, httptools, uvicorn access log off",
    }
    write_json(args.json, measured, info, settings)

    print()
    print(table(measured))
    print()
    failed = [(m, t) for m in measured for t in m.targets if not t.passed]
    for m, t in failed:
        print(f"FAIL  {m.scenario.label}: {t.name} {t.value} (target {t.limit})")
    print("All targets pass." if not failed else f"{len(failed)} target(s) failed.")
    busy_note = "" if busy is None else f", {busy:.0%} CPU busy before the load"
    print(
        f"Machine: {info['cpu_count']} CPU ({info['cpu_model']}), Python {info['python']}, "
        f"{pg_version.split(' on ')[0]} ({server.kind}){busy_note}"
    )
    print(f"Load: {load_desc}; Hireloop access log: {args.access_log}")
    print(f"Results: {args.json}")
    return 0 if not failed else 1


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    # Ctrl-C raises KeyboardInterrupt even where the parent started us with SIGINT ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGALRM, _on_signal)
    signal.alarm(args.max_seconds)
    try:
        return run(args)
    except KeyboardInterrupt:
        print("interrupted; everything the bench started has been stopped", file=sys.stderr)
        return 130
    except (RuntimeError, TimeoutError, OSError, ValueError) as exc:
        print(f"bench failed: {exc}", file=sys.stderr)
        return 2
    finally:
        signal.alarm(0)


if __name__ == "__main__":
    sys.exit(main())
