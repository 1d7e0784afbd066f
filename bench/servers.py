"""Starting and stopping the two services under test, each one uvicorn worker in its own process.

Each runs in its own session (process group), so a Ctrl-C in the terminal reaches only the
bench, which then stops them itself; stopping signals the group, so nothing is left behind.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
# Both services get the same uvicorn options: one worker, uvloop, httptools, no access log.
# `hireloop serve` leaves loop and http on "auto", which resolves to these when installed
# (`check_uvicorn_extras` makes sure they are).
UVICORN_OPTIONS = ["--workers", "1"]


def check_uvicorn_extras() -> None:
    import httptools  # noqa: F401
    import uvloop  # noqa: F401


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Service:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def cpu_seconds(self) -> float | None:
        """CPU time (user + system, all threads) the service's process has used so far."""
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            return None
        # utime and stime are fields 14 and 15 of stat(5); index 0 here is field 3.
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)


def start(name: str, argv: list[str], env: dict[str, str], port: int, log_dir: Path) -> Service:
    log_path = log_dir / f"{name}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    return Service(name=name, port=port, process=process, log_path=log_path)


def wait_ready(service: Service, path: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    url = service.base_url + path
    while time.monotonic() < deadline:
        if service.process.poll() is not None:
            raise RuntimeError(
                f"{service.name} exited with {service.process.returncode}:\n{service.log_tail()}"
            )
        try:
            if httpx.get(url, timeout=2.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{service.name} was not ready within {timeout:.0f}s:\n{service.log_tail()}")


# The bench loads one route from one API key (and pushes from one address) at thousands of
# requests a second, far over the production defaults (1,200 a minute per key): limits set
# high enough never to refuse keep the counting, whose cost is part of every figure, without
# turning the load into 429s. bench.abuse measures the limiter on and off, and refusals, itself;
# a caller's `extra_env` overrides these.
NEVER_REACHED = "100000000/minute"
RATE_LIMITS_NEVER_REACHED = {
    "HIRELOOP_RATE_LIMIT_PER_KEY": NEVER_REACHED,
    "HIRELOOP_RATE_LIMIT_PER_ORGANIZATION": NEVER_REACHED,
    "HIRELOOP_RATE_LIMIT_PER_ADDRESS": NEVER_REACHED,
    "HIRELOOP_RATE_LIMIT_INBOUND_PER_ADDRESS": NEVER_REACHED,
    "HIRELOOP_AUTH_FAILURES_PER_ADDRESS": NEVER_REACHED,
}


def start_hireloop(
    database_url: str,
    data_dir: Path,
    log_dir: Path,
    *,
    access_log: bool | None = None,
    profile: Path | None = None,
    extra_env: dict[str, str] | None = None,
) -> Service:
    """`hireloop serve`; with `profile`, the same under cProfile (written when it stops);
    `extra_env` adds or overrides settings (bench.ats_import lets it reach a local fake).
    Rate limits are counted but set never to refuse (RATE_LIMITS_NEVER_REACHED)."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "HIRELOOP_ENV": "production",
        "HIRELOOP_SECRET_KEY": "bench-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "HIRELOOP_EXPOSE_STATEMENT_COUNT": "true",
        "HIRELOOP_DATA_DIR": str(data_dir),
        **RATE_LIMITS_NEVER_REACHED,
    }
    env.pop("HIRELOOP_ACCESS_LOG", None)  # the default (on) unless this run asks otherwise
    if access_log is not None:
        env["HIRELOOP_ACCESS_LOG"] = "true" if access_log else "false"
    env.update(extra_env or {})
    hireloop = str(Path(sys.executable).parent / "hireloop")
    argv = [hireloop, "serve", "--host", HOST, "--port", str(port), *UVICORN_OPTIONS]
    if profile is not None:
        argv[:1] = [sys.executable, "-m", "cProfile", "-o", str(profile.resolve()), "-m", "app.cli"]
    service = start("hireloop", argv, env, port, log_dir)
    wait_ready(service, "/healthz")
    return service


def start_bare(dsn: str, organization_id: str, log_dir: Path) -> Service:
    port = free_port()
    env = {**os.environ, "BENCH_BARE_DSN": dsn, "BENCH_BARE_ORGANIZATION_ID": organization_id}
    argv = [
        sys.executable,
        "-m",
        "uvicorn",
        "bench.bare_app:app",
        "--host",
        HOST,
        "--port",
        str(port),
        *UVICORN_OPTIONS,
        "--loop",
        "uvloop",
        "--http",
        "httptools",
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    service = start("bare", argv, env, port, log_dir)
    wait_ready(service, "/roles?limit=1")
    return service
