"""Driving wrk: a Lua script per scenario, one run, and the figures parsed from `--latency`."""

from __future__ import annotations

import contextlib
import re
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
_DURATION = r"([\d.]+)(us|ms|s|m|h)"


@dataclass(frozen=True)
class WrkOptions:
    threads: int = 2
    connections: int = 32
    duration_s: int = 10
    warmup_s: int = 2
    timeout_s: int = 10


@dataclass(frozen=True)
class WrkResult:
    requests_per_s: float
    p50_ms: float
    p75_ms: float
    p90_ms: float
    p99_ms: float
    requests: int
    non_2xx_3xx: int
    socket_errors: int
    output: str

    @property
    def tail_ratio(self) -> float:
        return self.p99_ms / self.p50_ms if self.p50_ms > 0 else float("inf")


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise RuntimeError(
            "wrk is not installed (Debian: apt-get install wrk); `make bench` installs it"
        )
    return found


def wrk_version() -> str:
    done = subprocess.run(
        [wrk_binary(), "--version"], capture_output=True, text=True, check=False, timeout=10
    )
    first = (done.stdout or done.stderr).splitlines()
    return first[0].strip() if first else "unknown"


def lua_string(value: str) -> str:
    escaped = (
        value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    )
    return f'"{escaped}"'


def lua_script(
    *,
    method: str,
    path: str,
    headers: dict[str, str],
    body: str | None = None,
    path_ids: Sequence[str] = (),
) -> str:
    """A wrk script: fixed method, headers and body; `{id}` in the path drawn at random from path_ids."""
    lines = [f"wrk.method = {lua_string(method)}"]
    for name, value in headers.items():
        lines.append(f"wrk.headers[{lua_string(name)}] = {lua_string(value)}")
    if body is not None:
        lines.append(f"wrk.body = {lua_string(body)}")
    if "{id}" not in path:
        lines.append(f"wrk.path = {lua_string(path)}")
        return "\n".join(lines) + "\n"
    if not path_ids:
        raise ValueError("a path with {id} needs ids to draw from")
    head, _, tail = path.partition("{id}")
    lines.append("local ids = {")
    lines.extend(f"  {lua_string(i)}," for i in path_ids)
    lines.append("}")
    lines.append(f"local head, tail = {lua_string(head)}, {lua_string(tail)}")
    lines.append(
        """
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("seed", threads)
end
function init(args)
  math.randomseed(os.time() * 7919 + (seed or 0) * 104729)
  for _ = 1, 10 do math.random() end
end
function request()
  return wrk.format(nil, head .. ids[math.random(#ids)] .. tail)
end"""
    )
    return "\n".join(lines) + "\n"


def run(url: str, script: Path, options: WrkOptions, duration_s: int | None = None) -> WrkResult:
    duration = duration_s if duration_s is not None else options.duration_s
    argv = [
        wrk_binary(),
        f"-t{options.threads}",
        f"-c{options.connections}",
        f"-d{duration}s",
        f"--timeout={options.timeout_s}s",
        "--latency",
        "-s",
        str(script),
        url,
    ]
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        output, _ = process.communicate(timeout=duration + 30)
    finally:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            process.wait()
    if process.returncode != 0:
        raise RuntimeError(f"wrk failed ({process.returncode}):\n{output}")
    return parse(output)


def _ms(value: str, unit: str) -> float:
    return float(value) * _UNITS_MS[unit]


def parse(output: str) -> WrkResult:
    def percentile(p: int) -> float:
        found = re.search(rf"^\s+{p}%\s+{_DURATION}\s*$", output, re.M)
        if found is None:
            raise ValueError(f"no {p}% line in wrk output:\n{output}")
        return _ms(found.group(1), found.group(2))

    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.M)
    total = re.search(r"^\s+(\d+) requests in ", output, re.M)
    if rps is None or total is None:
        raise ValueError(f"cannot read wrk output:\n{output}")
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return WrkResult(
        requests_per_s=float(rps.group(1)),
        p50_ms=percentile(50),
        p75_ms=percentile(75),
        p90_ms=percentile(90),
        p99_ms=percentile(99),
        requests=int(total.group(1)),
        non_2xx_3xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=sum(int(g) for g in sockets.groups()) if sockets else 0,
        output=output,
    )
