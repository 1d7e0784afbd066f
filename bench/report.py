"""Results: targets judged, the printed table, and bench/results/latest.json."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from bench.scenarios import Scenario
from bench.wrk import WrkResult

RESULTS_DIR = Path(__file__).resolve().parent / "results"


@dataclass
class Target:
    name: str
    limit: str
    value: str
    passed: bool
    # Set for the goal of an open issue: shown and judged, but a miss does not fail the run.
    issue: int | None = None


@dataclass
class Measured:
    """One scenario's rounds of load; its figures are the medians over the rounds."""

    scenario: Scenario
    rounds: list[WrkResult]
    statements: int | None = None  # the steady state: credential already cached
    statements_first: int | None = None  # the probe before it (may include the key look-up)
    ratio: float | None = None  # median over rounds of (this round's req/s / baseline's)
    round_ratios: list[float] = field(default_factory=list)
    # The service process's CPU time per request in each round: unlike req/s, barely moved by
    # other work on the machine, so it shows what a request costs even on a busy machine.
    cpu_ms: list[float] = field(default_factory=list)
    cpu_ratio: float | None = None  # the baseline's CPU per request over this one's
    statements_small: int | None = None  # the same request on far less data (Scenario.small)
    sequential_ms: list[float] = field(default_factory=list)  # single-client latencies
    # The service's CPU time around each of those requests (10 ms clock ticks: a median of
    # many is still meaningful, a single one is not).
    sequential_cpu_ms: list[float] = field(default_factory=list)
    growth: float | None = None  # single-client median over that of `grows_from`
    cpu_growth: float | None = None  # the same for the mean service CPU time per request
    targets: list[Target] = field(default_factory=list)

    @property
    def sequential_p50_ms(self) -> float | None:
        return statistics.median(self.sequential_ms) if self.sequential_ms else None

    @property
    def sequential_cpu_ms_mean(self) -> float | None:
        return statistics.fmean(self.sequential_cpu_ms) if self.sequential_cpu_ms else None

    @property
    def cpu_ms_per_request(self) -> float | None:
        return statistics.median(self.cpu_ms) if self.cpu_ms else None

    @property
    def requests_per_s(self) -> float:
        return statistics.median(r.requests_per_s for r in self.rounds)

    @property
    def p50_ms(self) -> float:
        return statistics.median(r.p50_ms for r in self.rounds)

    @property
    def p99_ms(self) -> float:
        return statistics.median(r.p99_ms for r in self.rounds)

    @property
    def tail_ratio(self) -> float:
        return self.p99_ms / self.p50_ms if self.p50_ms > 0 else float("inf")

    @property
    def non_2xx_3xx(self) -> int:
        return sum(r.non_2xx_3xx for r in self.rounds)

    @property
    def socket_errors(self) -> int:
        return sum(r.socket_errors for r in self.rounds)

    @property
    def passed(self) -> bool:
        return all(t.passed for t in self.targets if t.issue is None)


def judge(measured: list[Measured]) -> None:
    by_key = {m.scenario.key: m for m in measured}
    for m in measured:
        s = m.scenario
        m.targets = []
        base = by_key.get(s.baseline) if s.baseline is not None else None
        if base is not None:
            m.round_ratios = [
                mine.requests_per_s / theirs.requests_per_s if theirs.requests_per_s > 0 else 0.0
                for mine, theirs in zip(m.rounds, base.rounds, strict=True)
            ]
            m.ratio = statistics.median(m.round_ratios)
            mine, theirs = m.cpu_ms_per_request, base.cpu_ms_per_request
            m.cpu_ratio = theirs / mine if mine and theirs else None
            if s.min_ratio is not None:
                m.targets.append(
                    Target(
                        "ratio",
                        f">= {s.min_ratio:g}",
                        f"{m.ratio:.3f}",
                        m.ratio >= s.min_ratio,
                    )
                )
            if s.goal_ratio is not None:
                m.targets.append(
                    Target(
                        "ratio",
                        f">= {s.goal_ratio:g}",
                        f"{m.ratio:.3f}",
                        m.ratio >= s.goal_ratio,
                        issue=s.goal_issue,
                    )
                )
        if s.max_statements is not None:
            ok = m.statements is not None and m.statements <= s.max_statements
            m.targets.append(Target("stmts", f"<= {s.max_statements}", str(m.statements), ok))
        if s.small is not None:
            ok = m.statements is not None and m.statements == m.statements_small
            m.targets.append(
                Target(
                    "stmts",
                    f"== at {s.small.label}",
                    f"{m.statements} vs {m.statements_small}",
                    ok,
                )
            )
        single = m.sequential_p50_ms
        if s.max_sequential_ms is not None:
            ok = single is not None and single <= s.max_sequential_ms
            m.targets.append(
                Target("1-client p50", f"<= {s.max_sequential_ms:g} ms", _fmt(single, 1), ok)
            )
        if s.goal_sequential_ms is not None:
            ok = single is not None and single <= s.goal_sequential_ms
            m.targets.append(
                Target(
                    "1-client p50",
                    f"<= {s.goal_sequential_ms:g} ms",
                    _fmt(single, 1),
                    ok,
                    issue=s.goal_issue,
                )
            )
        grown = by_key.get(s.grows_from) if s.grows_from is not None else None
        if grown is not None and single is not None and grown.sequential_p50_ms:
            m.growth = single / grown.sequential_p50_ms
            mine, theirs = m.sequential_cpu_ms_mean, grown.sequential_cpu_ms_mean
            m.cpu_growth = mine / theirs if mine and theirs else None
            cpu = "" if m.cpu_growth is None else f" (service CPU {m.cpu_growth:.2f}x)"
            if s.max_growth is not None:
                m.targets.append(
                    Target(
                        f"growth vs {grown.scenario.key}",
                        f"<= {s.max_growth:g}x",
                        f"{m.growth:.2f}x{cpu}",
                        m.growth <= s.max_growth,
                    )
                )
        m.targets.append(
            Target(
                "p99/p50",
                f"<= {s.max_tail_ratio:g}",
                f"{m.tail_ratio:.2f}",
                m.tail_ratio <= s.max_tail_ratio,
            )
        )
        if m.non_2xx_3xx or m.socket_errors:
            # Failed or timed-out requests are missing from wrk's latency figures.
            m.targets.append(
                Target(
                    "errors",
                    "0",
                    f"{m.non_2xx_3xx} non-2xx/3xx, {m.socket_errors} socket",
                    False,
                )
            )


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _cpu_times() -> tuple[int, int] | None:
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields), idle


def cpu_busy(seconds: float = 1.0) -> float | None:
    """The share of all CPUs in use over `seconds` (None where /proc/stat is missing)."""
    before = _cpu_times()
    time.sleep(seconds)
    after = _cpu_times()
    if before is None or after is None or after[0] == before[0]:
        return None
    total, idle = after[0] - before[0], after[1] - before[1]
    return 1.0 - idle / total


def _git_commit() -> str | None:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
            timeout=5,
        )
    except OSError:
        return None
    return done.stdout.strip() or None


def machine(postgres_version: str, database_kind: str, wrk_version: str) -> dict[str, Any]:
    return {
        "cpu_count": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "load_average_at_start": list(os.getloadavg()),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "postgresql": postgres_version,
        "database": database_kind,
        "wrk": wrk_version,
    }


def _fmt(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _statements_cell(m: Measured) -> str:
    if m.statements is None:
        return "-"
    if m.scenario.small is None:
        return str(m.statements)
    return f"{m.statements} ({m.scenario.small.label}: {m.statements_small})"


def table(measured: list[Measured]) -> str:
    headers = [
        "endpoint",
        "req/s",
        "p50 ms",
        "p99 ms",
        "ratio",
        "vs",
        "p99/p50",
        "stmts",
        "1-client p50",
        "cpu ms/req",
        "cpu ratio",
        "targets",
    ]
    rows = []
    for m in measured:
        verdicts = "; ".join(
            f"{t.name}{t.limit.replace(' ', '')} "
            + ("PASS" if t.passed else "FAIL" if t.issue is None else f"goal of #{t.issue}")
            for t in m.targets
        )
        label = m.scenario.label
        if m.scenario.connections is not None:
            label += f" [c{m.scenario.connections}]"
        rows.append(
            [
                label,
                f"{m.requests_per_s:.0f}",
                _fmt(m.p50_ms),
                _fmt(m.p99_ms),
                _fmt(m.ratio, 3),
                m.scenario.baseline or "-",
                _fmt(m.tail_ratio),
                _statements_cell(m),
                _fmt(m.sequential_p50_ms),
                _fmt(m.cpu_ms_per_request, 3),
                _fmt(m.cpu_ratio, 3),
                verdicts,
            ]
        )
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows, strict=False)]
    right = {1, 2, 3, 4, 6, 7, 8, 9, 10}

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    out = [line(headers), line(["-" * w for w in widths])]
    out.extend(line(r) for r in rows)
    return "\n".join(out)


def write_json(
    path: Path,
    measured: list[Measured],
    info: dict[str, Any],
    settings: dict[str, Any],
    webhooks: dict[str, Any] | None = None,
    ats: dict[str, Any] | None = None,
    ats_import: dict[str, Any] | None = None,
    calendars: dict[str, Any] | None = None,
    abuse: dict[str, Any] | None = None,
    privacy: dict[str, Any] | None = None,
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    scenarios = []
    for m in measured:
        s = m.scenario
        scenarios.append(
            {
                "key": s.key,
                "label": s.label,
                "service": s.service,
                "method": s.method,
                "path": s.path,
                "baseline": s.baseline,
                "wrk_connections": s.connections,
                "requests_per_s": m.requests_per_s,
                "p50_ms": m.p50_ms,
                "p99_ms": m.p99_ms,
                "p99_over_p50": m.tail_ratio,
                "ratio": m.ratio,
                "cpu_ms_per_request": m.cpu_ms_per_request,
                "cpu_ratio": m.cpu_ratio,
                "statements": m.statements,
                "statements_first_probe": m.statements_first,
                "statements_small": m.statements_small,
                "small_probe": s.small.label if s.small is not None else None,
                "sequential_ms": m.sequential_ms,
                "sequential_p50_ms": m.sequential_p50_ms,
                "sequential_cpu_ms": m.sequential_cpu_ms,
                "sequential_cpu_ms_mean": m.sequential_cpu_ms_mean,
                "growth": m.growth,
                "cpu_growth": m.cpu_growth,
                "non_2xx_3xx": m.non_2xx_3xx,
                "socket_errors": m.socket_errors,
                "rounds": [
                    {
                        "requests_per_s": r.requests_per_s,
                        "requests": r.requests,
                        "p50_ms": r.p50_ms,
                        "p75_ms": r.p75_ms,
                        "p90_ms": r.p90_ms,
                        "p99_ms": r.p99_ms,
                        "non_2xx_3xx": r.non_2xx_3xx,
                        "socket_errors": r.socket_errors,
                        "ratio": m.round_ratios[i] if i < len(m.round_ratios) else None,
                        "cpu_ms_per_request": m.cpu_ms[i] if i < len(m.cpu_ms) else None,
                    }
                    for i, r in enumerate(m.rounds)
                ],
                "targets": [asdict(t) for t in m.targets],
                "passed": m.passed,
            }
        )
    document = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "git_commit": _git_commit(),
        "machine": info,
        "settings": settings,
        "scenarios": scenarios,
        "webhooks": webhooks,
        "ats": ats,
        "ats_import": ats_import,
        "calendars": calendars,
        "abuse": abuse,
        "privacy": privacy,
        "passed": all(m.passed for m in measured)
        and not (webhooks or {}).get("failed")
        and not (ats or {}).get("failed")
        and not (ats_import or {}).get("failed")
        and not (calendars or {}).get("failed")
        and not (abuse or {}).get("failed")
        and not (privacy or {}).get("failed"),
    }
    path.write_text(json.dumps(document, indent=2) + "\n")


class StandaloneResult(Protocol):
    def report(self) -> str: ...

    def failures(self) -> list[tuple[str, str, str]]: ...

    def as_json(self) -> dict[str, Any]: ...


def finish_standalone(
    key: str,
    result: StandaloneResult,
    json_path: Path | None,
    load_before: tuple[float, float, float] | None = None,
) -> int:
    """The end of a bench module run on its own (`python -m bench.<module>`): its report, the
    load around it, each failed target, the JSON file; the exit status (1 when a target
    failed)."""
    print(result.report())
    document = result.as_json()
    if load_before is not None:
        load_after = os.getloadavg()
        print(
            f"Load average before {' '.join(f'{x:.2f}' for x in load_before)}, after "
            f"{' '.join(f'{x:.2f}' for x in load_after)}; {os.cpu_count()} CPUs"
        )
        document = {**document, "load_average": [load_before, load_after]}
    failed = result.failures()
    for name, value, limit in failed:
        print(f"FAIL  {key}: {name} {value} (target {limit})")
    if not failed:
        print(f"PASS  {key}: every target")
    if json_path is not None:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps(document, indent=2) + "\n")
    return 1 if failed else 0


@dataclass
class AcceptRound:
    """One round of load on an accepting route (inbound webhooks, calendar pushes), with the
    bare one-row read measured just before it."""

    requests: int
    per_s: float
    p50_ms: float
    p99_ms: float
    non_2xx_3xx: int
    socket_errors: int
    cpu_ms: float | None  # Hireloop's CPU per request
    base_per_s: float  # the bare one-row read just before
    base_cpu_ms: float | None

    @property
    def ratio(self) -> float:
        return self.per_s / self.base_per_s if self.base_per_s > 0 else 0.0


class AcceptMedians:
    """The medians over the rounds of an accepting route, for a result holding `accept`."""

    accept: Sequence[AcceptRound]

    @property
    def per_s(self) -> float:
        return statistics.median(r.per_s for r in self.accept) if self.accept else 0.0

    @property
    def ratio(self) -> float:
        return statistics.median(r.ratio for r in self.accept) if self.accept else 0.0

    @property
    def cpu_ms(self) -> float | None:
        values = [r.cpu_ms for r in self.accept if r.cpu_ms is not None]
        return statistics.median(values) if values else None

    @property
    def base_cpu_ms(self) -> float | None:
        values = [r.base_cpu_ms for r in self.accept if r.base_cpu_ms is not None]
        return statistics.median(values) if values else None
