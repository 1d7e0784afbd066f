"""Abuse limits (issue 12): what counting rate limits costs the hot read, and a valid key's
latency beside a flood of bad keys.

`python -m bench.abuse` runs this alone on a fresh database (bench.seed's roles, no pipeline
data; about a minute and a half on 2 cores); bench.run calls `measure()` once its own services
are stopped. All traffic goes to 127.0.0.1.

1. Limiter cost: two `hireloop serve` processes side by side, the same but for
   `HIRELOOP_RATE_LIMITS_ENABLED` (false / true). The one with limits counts every request
   against its key and its organization (in process, fixed windows) with limits set never to
   refuse ("100000000/minute"): this measures the counting, not refusals. Checked first: the
   one answers with RateLimit headers, the other without. Each round loads
   `GET /api/v1/roles/{id}` (random ids of the first organization, its admin's key) on both,
   in the order A B then B A (a drift in the machine's other work touches both alike), with
   wrk as the wrk rows are (`-t2 -c32`, 4 s after a 2 s warm-up). Ratio: limits on / off, the
   median of the per-round ratios.
2. Flood: on the process with limits, with the production failed-credential limit
   (`HIRELOOP_AUTH_FAILURES_PER_ADDRESS` 30/minute). The normal traffic is one valid key, one
   connection (`wrk -t1 -c1`, 4 s) on the same read. The flood is 2,000 distinct random keys
   (`hl_` and 43 random characters each, new ones every round), sent once each by a second wrk
   (`-t1 -c4`, a 9 ms pause between requests per connection: about 400 a second for 5 s),
   which starts a second before the valid traffic and ends after it. The two come from two
   client addresses, as they would through a proxy: `X-Forwarded-For` (uvicorn trusts it from
   127.0.0.1), so the flood's address is throttled (401 for its first 30 keys, then 429
   without a look-up) and the valid key's is not. Each round measures the valid traffic
   alone and beside the flood (A B, then B A); the flood's answers are counted from
   /metrics. Ratio: the valid key's p99 with the flood / without, the median over rounds.

Targets: throughput with limits >= 90 % of without; the valid key's p99 beside the flood
within 2x its p99 without.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench import database, servers, wrk
from bench.report import finish_standalone

KEY = "abuse"  # for bench.run's `--only abuse`
ROLE_PATH = "/api/v1/roles/{id}"

# The targets.
MIN_LIMITER_RATIO = 0.90
MAX_FLOOD_P99_RATIO = 2.0

FLOOD_KEYS = 2000
FLOOD_CONNECTIONS = 4
FLOOD_DELAY_MS = 9
FLOOD_S = 5
VALID_S = 4
FLOOD_LEAD_S = 1.0
VALID_ADDRESS = "198.51.100.20"
FLOOD_ADDRESS = "203.0.113.66"
AUTH_FAILURES = "30/minute"  # the production default, spelled out: it is what is measured

Say = Callable[[str], None]


# --- results -----------------------------------------------------------------------------


@dataclass
class CostRound:
    off_per_s: float
    on_per_s: float
    off_p99_ms: float
    on_p99_ms: float
    off_cpu_ms: float | None
    on_cpu_ms: float | None
    non_2xx: int  # both runs: must be 0 (nothing refused)

    @property
    def ratio(self) -> float:
        return self.on_per_s / self.off_per_s if self.off_per_s else 0.0


@dataclass
class FloodRound:
    alone_p50_ms: float
    alone_p99_ms: float
    flooded_p50_ms: float
    flooded_p99_ms: float
    valid_requests: int
    valid_non_2xx: int  # must be 0: the valid key is never refused
    flood_sent: int
    flood_401: int
    flood_429: int
    flood_other: int

    @property
    def p99_ratio(self) -> float:
        return self.flooded_p99_ms / self.alone_p99_ms if self.alone_p99_ms else 0.0


@dataclass
class AbuseResult:
    cost: list[CostRound] = field(default_factory=list)
    flood: list[FloodRound] = field(default_factory=list)
    statements_on: int | None = None  # SQL statements of one read, limits on (steady state)
    statements_off: int | None = None
    throttled_statements: int | None = None  # of a bad key once the flood's address is throttled

    @property
    def ratio(self) -> float:
        return statistics.median(r.ratio for r in self.cost) if self.cost else 0.0

    @property
    def flood_ratio(self) -> float:
        return statistics.median(r.p99_ratio for r in self.flood) if self.flood else 0.0

    def failures(self) -> list[tuple[str, str, str]]:
        """(name, value, target) for every target missed, as the other bench modules give."""
        failed: list[tuple[str, str, str]] = []
        if self.ratio < MIN_LIMITER_RATIO:
            failed.append(
                ("limiter throughput ratio", f"{self.ratio:.2f}", f">= {MIN_LIMITER_RATIO:.2f}")
            )
        if self.flood_ratio > MAX_FLOOD_P99_RATIO or not self.flood:
            failed.append(
                (
                    "valid key p99 flood/alone",
                    f"{self.flood_ratio:.2f}",
                    f"<= {MAX_FLOOD_P99_RATIO}",
                )
            )
        refused = sum(r.non_2xx for r in self.cost) + sum(r.valid_non_2xx for r in self.flood)
        if refused:
            failed.append(("valid requests refused", str(refused), "0"))
        return failed

    def lines(self) -> list[str]:
        lines = ["Abuse limits (issue 12)"]
        if self.cost:
            off = statistics.median(r.off_per_s for r in self.cost)
            on = statistics.median(r.on_per_s for r in self.cost)
            cpu_off = _median([r.off_cpu_ms for r in self.cost])
            cpu_on = _median([r.on_cpu_ms for r in self.cost])
            lines.append(
                f"  GET /roles/{{id}}, limits off: {off:,.0f} req/s "
                f"(p99 {statistics.median(r.off_p99_ms for r in self.cost):.2f} ms"
                + (f", {cpu_off:.3f} CPU ms/req" if cpu_off is not None else "")
                + ")"
            )
            lines.append(
                f"  GET /roles/{{id}}, limits on:  {on:,.0f} req/s "
                f"(p99 {statistics.median(r.on_p99_ms for r in self.cost):.2f} ms"
                + (f", {cpu_on:.3f} CPU ms/req" if cpu_on is not None else "")
                + ")"
            )
            per_round = ", ".join(f"{r.ratio:.3f}" for r in self.cost)
            lines.append(
                f"  ratio on/off {self.ratio:.3f} (rounds: {per_round}); target >= "
                f"{MIN_LIMITER_RATIO:.2f}; SQL statements per read: on {self.statements_on}, "
                f"off {self.statements_off}"
            )
        if self.flood:
            alone = statistics.median(r.alone_p99_ms for r in self.flood)
            flooded = statistics.median(r.flooded_p99_ms for r in self.flood)
            lines.append(
                f"  valid key (1 connection) p50/p99: alone "
                f"{statistics.median(r.alone_p50_ms for r in self.flood):.2f}/{alone:.2f} ms, "
                f"beside the flood "
                f"{statistics.median(r.flooded_p50_ms for r in self.flood):.2f}/{flooded:.2f} ms"
            )
            per_round = ", ".join(f"{r.p99_ratio:.2f}" for r in self.flood)
            lines.append(
                f"  p99 ratio flood/alone {self.flood_ratio:.2f} (rounds: {per_round}); target "
                f"<= {MAX_FLOOD_P99_RATIO}"
            )
            for n, r in enumerate(self.flood, 1):
                lines.append(
                    f"  flood round {n}: {r.flood_sent} bad keys sent, answered 401 x "
                    f"{r.flood_401}, 429 x {r.flood_429}, other x {r.flood_other}; valid key "
                    f"{r.valid_requests} requests, {r.valid_non_2xx} refused"
                )
            lines.append(
                f"  a bad key from the throttled address: {self.throttled_statements} SQL "
                "statements"
            )
        return lines

    def report(self) -> str:
        return "\n".join(self.lines())

    def as_json(self) -> dict[str, Any]:
        return {
            "abuse": {
                "cost": [asdict(r) | {"ratio": r.ratio} for r in self.cost],
                "flood": [asdict(r) | {"p99_ratio": r.p99_ratio} for r in self.flood],
                "ratio": self.ratio,
                "flood_p99_ratio": self.flood_ratio,
                "statements_on": self.statements_on,
                "statements_off": self.statements_off,
                "throttled_statements": self.throttled_statements,
                "targets": {
                    "min_limiter_ratio": MIN_LIMITER_RATIO,
                    "max_flood_p99_ratio": MAX_FLOOD_P99_RATIO,
                },
            }
        }


def _median(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


# --- scripts -----------------------------------------------------------------------------


def _read_script(tmp: Path, name: str, api_key: str, role_ids: list[str], address: str) -> Path:
    path = tmp / f"abuse-{name}.lua"
    path.write_text(
        wrk.lua_script(
            method="GET",
            path=ROLE_PATH,
            headers={"Authorization": f"Bearer {api_key}", "X-Forwarded-For": address},
            path_ids=role_ids,
        )
    )
    return path


def _flood_script(tmp: Path, round_no: int, role_id: str) -> Path:
    """Each of FLOOD_KEYS distinct made-up keys once (then again from the first, should the
    run outlast them), a pause between requests per connection."""
    keys = [f"hl_{secrets.token_urlsafe(32)}" for _ in range(FLOOD_KEYS)]
    lines = [
        'wrk.method = "GET"',
        f'wrk.headers["X-Forwarded-For"] = {wrk.lua_string(FLOOD_ADDRESS)}',
        f"local path = {wrk.lua_string(ROLE_PATH.replace('{id}', role_id))}",
        "local keys = {",
        *(f"  {wrk.lua_string(k)}," for k in keys),
        "}",
        "local i = 0",
        "local headers = {}",
        "for name, value in pairs(wrk.headers) do headers[name] = value end",
        "function request()",
        "  i = i + 1",
        "  if i > #keys then i = 1 end",
        '  headers["Authorization"] = "Bearer " .. keys[i]',
        "  return wrk.format(nil, path, headers)",
        "end",
        f"function delay() return {FLOOD_DELAY_MS} end",
    ]
    path = tmp / f"abuse-flood-{round_no}.lua"
    path.write_text("\n".join(lines) + "\n")
    return path


# --- helpers -----------------------------------------------------------------------------

_METRIC = re.compile(
    r'^hireloop_http_requests_total\{method="GET",route="/api/v1/roles/\{role_id\}",'
    r'status="(\d+)"\}\s+([\d.e+]+)$',
    re.M,
)


def _status_counts(service: servers.Service) -> dict[int, int]:
    answer = httpx.get(service.base_url + "/metrics", timeout=10.0)
    answer.raise_for_status()
    return {int(s): int(float(n)) for s, n in _METRIC.findall(answer.text)}


def _check(service: servers.Service, api_key: str, role_id: str, counted: bool) -> int:
    """One read, twice (the second is the steady state); its RateLimit headers must be there
    exactly when limits are on. The SQL statements of the second."""
    url = service.base_url + ROLE_PATH.replace("{id}", role_id)
    headers = {"Authorization": f"Bearer {api_key}", "X-Forwarded-For": VALID_ADDRESS}
    with httpx.Client(timeout=10.0) as client:
        client.get(url, headers=headers)
        answer = client.get(url, headers=headers)
    if answer.status_code != 200:
        raise RuntimeError(f"{service.name}: GET {url} answered {answer.status_code}")
    if ("ratelimit-limit" in answer.headers) != counted:
        raise RuntimeError(
            f"{service.name}: RateLimit headers {'missing' if counted else 'present'}"
        )
    return int(answer.headers.get("x-statement-count", "-1"))


def _cpu_ms(before: float | None, after: float | None, requests: int) -> float | None:
    if before is None or after is None or not requests:
        return None
    return 1000 * (after - before) / requests


def _timed(
    service: servers.Service, url: str, script: Path, options: wrk.WrkOptions
) -> tuple[wrk.WrkResult, float | None]:
    before = service.cpu_seconds()
    result = wrk.run(url, script, options)
    return result, _cpu_ms(before, service.cpu_seconds(), result.requests)


# --- the measurement -----------------------------------------------------------------------


def measure(
    url: str,
    tmp: Path,
    *,
    role_ids: list[str],
    api_key: str,
    options: wrk.WrkOptions,
    rounds: int = 3,
    say: Say = print,
) -> AbuseResult:
    """Both parts on two `hireloop serve` processes of their own (stopped on the way out)."""
    result = AbuseResult()
    work = tmp / "abuse"
    work.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        (work / "off").mkdir(exist_ok=True)
        (work / "on").mkdir(exist_ok=True)
        off = servers.start_hireloop(
            url,
            work / "off" / "data",
            work / "off",
            extra_env={"HIRELOOP_RATE_LIMITS_ENABLED": "false"},
        )
        stack.callback(off.stop)
        off.name = "hireloop-limits-off"
        on = servers.start_hireloop(
            url,
            work / "on" / "data",
            work / "on",
            extra_env={
                "HIRELOOP_RATE_LIMITS_ENABLED": "true",
                "HIRELOOP_AUTH_FAILURES_PER_ADDRESS": AUTH_FAILURES,
            },
        )
        stack.callback(on.stop)
        on.name = "hireloop-limits-on"
        say(f"abuse: limits off on :{off.port}, on on :{on.port}")
        result.statements_off = _check(off, api_key, role_ids[0], counted=False)
        result.statements_on = _check(on, api_key, role_ids[0], counted=True)

        script = _read_script(work, "read", api_key, role_ids, VALID_ADDRESS)
        for n in range(rounds):
            order = [off, on] if n % 2 == 0 else [on, off]
            runs: dict[str, tuple[wrk.WrkResult, float | None]] = {}
            for service in order:
                if n == 0 and options.warmup_s > 0:
                    wrk.run(service.base_url, script, options, duration_s=options.warmup_s)
                runs[service.name] = _timed(service, service.base_url, script, options)
            (r_off, cpu_off), (r_on, cpu_on) = runs[off.name], runs[on.name]
            cost = CostRound(
                off_per_s=r_off.requests_per_s,
                on_per_s=r_on.requests_per_s,
                off_p99_ms=r_off.p99_ms,
                on_p99_ms=r_on.p99_ms,
                off_cpu_ms=cpu_off,
                on_cpu_ms=cpu_on,
                non_2xx=r_off.non_2xx_3xx + r_on.non_2xx_3xx,
            )
            result.cost.append(cost)
            say(
                f"abuse round {n + 1}/{rounds}: limits off {cost.off_per_s:.0f} req/s, on "
                f"{cost.on_per_s:.0f} req/s, ratio {cost.ratio:.3f}"
            )
        off.stop()  # the flood has the machine to itself

        valid = wrk.WrkOptions(threads=1, connections=1, duration_s=VALID_S, warmup_s=0)
        flood = wrk.WrkOptions(
            threads=1, connections=FLOOD_CONNECTIONS, duration_s=FLOOD_S, warmup_s=0
        )
        wrk.run(on.base_url, script, valid, duration_s=2)  # warm-up of the single connection
        with ThreadPoolExecutor(max_workers=1) as pool:
            for n in range(rounds):
                alone: wrk.WrkResult | None = None
                flooded: wrk.WrkResult | None = None
                counts: dict[int, int] = {}
                sent = 0
                for flooding in [False, True] if n % 2 == 0 else [True, False]:
                    if not flooding:
                        alone = wrk.run(on.base_url, script, valid)
                        continue
                    before = _status_counts(on)
                    bad = _flood_script(work, n, role_ids[0])
                    running = pool.submit(wrk.run, on.base_url, bad, flood)
                    time.sleep(FLOOD_LEAD_S)
                    flooded = wrk.run(on.base_url, script, valid)
                    flood_result = running.result()
                    sent = flood_result.requests
                    after = _status_counts(on)
                    counts = {s: after.get(s, 0) - before.get(s, 0) for s in after}
                assert alone is not None
                assert flooded is not None
                bad_401, bad_429 = counts.get(401, 0), counts.get(429, 0)
                row = FloodRound(
                    alone_p50_ms=alone.p50_ms,
                    alone_p99_ms=alone.p99_ms,
                    flooded_p50_ms=flooded.p50_ms,
                    flooded_p99_ms=flooded.p99_ms,
                    valid_requests=flooded.requests,
                    valid_non_2xx=alone.non_2xx_3xx + flooded.non_2xx_3xx,
                    flood_sent=sent,
                    flood_401=bad_401,
                    flood_429=bad_429,
                    flood_other=max(0, sent - bad_401 - bad_429),
                )
                result.flood.append(row)
                say(
                    f"abuse flood {n + 1}/{rounds}: valid p99 alone {row.alone_p99_ms:.2f} ms, "
                    f"beside {row.flood_sent} bad keys {row.flooded_p99_ms:.2f} ms "
                    f"(401 x {row.flood_401}, 429 x {row.flood_429})"
                )
        with httpx.Client(timeout=10.0) as client:
            answer = client.get(
                on.base_url + ROLE_PATH.replace("{id}", role_ids[0]),
                headers={
                    "Authorization": f"Bearer hl_{secrets.token_urlsafe(32)}",
                    "X-Forwarded-For": FLOOD_ADDRESS,
                },
            )
        if answer.status_code != 429:
            raise RuntimeError(f"the flood's address is not throttled ({answer.status_code})")
        result.throttled_statements = int(answer.headers.get("x-statement-count", "-1"))
    return result


# --- standalone --------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    from app.migrations import upgrade_head
    from bench.seed import seed

    parser = argparse.ArgumentParser(prog="python -m bench.abuse", description=__doc__)
    add = parser.add_argument
    add("--rounds", type=int, default=3, help="rounds of each part (3)")
    add("--duration", type=int, default=4, help="seconds of load per limiter-cost run (4)")
    add("--warmup", type=int, default=2, help="seconds of warm-up (2)")
    add("--threads", type=int, default=2, help="wrk threads for the limiter cost (2)")
    add("--connections", type=int, default=32, help="wrk connections for the limiter cost (32)")
    add("--roles", type=int, default=2_000, help="roles to seed (2000)")
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

    servers.check_uvicorn_extras()
    load_before = os.getloadavg()
    try:
        with ExitStack() as stack:
            tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="hireloop-bench-")))
            server = stack.enter_context(database.server(tmp, embedded=args.embedded))
            url = stack.enter_context(database.fresh_database(server.url))
            upgrade_head(url)
            seeded = asyncio.run(seed(url, total_roles=args.roles, pipeline=False))
            say(f"database: {server.kind} server, migrated, {args.roles} roles seeded")
            result = measure(
                url,
                tmp,
                role_ids=[str(i) for i in seeded.first.role_ids],
                api_key=seeded.api_key,
                options=options,
                rounds=args.rounds,
                say=say,
            )
    except KeyboardInterrupt:
        return 130
    except (RuntimeError, TimeoutError, OSError, ValueError) as exc:
        print(f"bench failed: {exc}", file=sys.stderr)
        return 2
    return finish_standalone(KEY, result, args.json, load_before)


if __name__ == "__main__":
    with contextlib.suppress(BrokenPipeError):
        sys.exit(main())
