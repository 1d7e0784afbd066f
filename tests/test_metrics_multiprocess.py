"""`hireloop serve --workers 2 --with-worker` as an operator runs it, as real processes on
127.0.0.1: the API's /metrics sums both server processes, the companion worker serves its
health port, the logs are ISO 8601 UTC without color codes, and SIGTERM stops the server and
its worker alike (as Ctrl-C does)."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from prometheus_client.mmap_dict import MmapedDict
from prometheus_client.parser import text_string_to_metric_families

from app.db import Database
from tests.conftest import TEST_SECRET

HIRELOOP = Path(sys.executable).parent / "hireloop"
ISO_LINE = re.compile(
    r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (DEBUG|INFO|WARNING|ERROR|CRITICAL) "
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Served:
    process: subprocess.Popen[str]
    base: str
    worker_base: str
    log: Path
    metrics_dir: Path
    worker_pid: int
    env: dict[str, str]


def wait_for(url: str, process: subprocess.Popen[str], log: Path, within: float = 120) -> None:
    """Until `url` answers. The bound only stops a hung start: three processes each importing
    the app take half a minute on a crowded 2-core machine (the suite's workers beside them)."""
    deadline = time.monotonic() + within
    while True:
        assert process.poll() is None, log.read_text()
        try:
            httpx.get(url, timeout=1.0)
            return
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.1)


@pytest.fixture(scope="module")
def served(
    database_url: str, db: Database, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    """The suite's migrated database (`db` is set up first, so that emptying the tables before
    each test finds it ready): nothing here reads it, and the worker is gone (stopped, or
    killed below) before the next module empties its tables."""
    tmp = tmp_path_factory.mktemp("serve")
    url = database_url
    port, worker_port = free_port(), free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("HIRELOOP_") and k not in ("DATABASE_URL", "PROMETHEUS_MULTIPROC_DIR")
    }
    env.update(
        DATABASE_URL=url.replace("postgresql+asyncpg://", "postgresql://", 1),
        HIRELOOP_ENV="test",
        HIRELOOP_SECRET_KEY=TEST_SECRET,
        HIRELOOP_DATA_DIR=str(tmp / "data"),
        HIRELOOP_LOG_JSON="false",
        HIRELOOP_ACCESS_LOG="false",
        HIRELOOP_WORKER_POLL_SECONDS="0.5",
        HIRELOOP_WORKER_SHUTDOWN_GRACE_SECONDS="3",
        HIRELOOP_WORKER_HEALTH_PORT=str(worker_port),
        # A terminal that asks for color gets none either.
        FORCE_COLOR="1",
    )
    log = tmp / "serve.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(HIRELOOP), "serve", "--port", str(port), "--workers", "2", "--with-worker"],
            env=env,
            cwd=tmp,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
    worker = None
    try:
        base, worker_base = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{worker_port}"
        wait_for(f"{base}/readyz", process, log)
        wait_for(f"{worker_base}/healthz", process, log)
        text = log.read_text()
        folder = re.search(r"summed through (\S+)", text)
        worker = re.search(r"worker started beside the server \(pid (\d+)\)", text)
        assert folder, text
        assert worker, text
        yield Served(process, base, worker_base, log, Path(folder[1]), int(worker[1]), env)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
        worker = worker or re.search(r"beside the server \(pid (\d+)\)", log.read_text())
        if worker is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(worker[1]), signal.SIGKILL)


def requests_by_process(folder: Path, route: str) -> dict[int, float]:
    """What each server process counted for `route`, read from its own metrics file."""
    counted: dict[int, float] = {}
    for path in folder.glob("counter_*.db"):
        pid = int(path.stem.rsplit("_", 1)[1])
        for key, value, _, _ in MmapedDict.read_all_values_from_file(str(path)):  # type: ignore[no-untyped-call]
            _name, sample, labels, _ = json.loads(key)
            if sample == "hireloop_http_requests_total" and labels.get("route") == route:
                counted[pid] = counted.get(pid, 0.0) + value
    return counted


def scraped_requests(base: str, route: str) -> float:
    body = httpx.get(f"{base}/metrics", timeout=5).text
    total = 0.0
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            if sample.name == "hireloop_http_requests_total" and sample.labels["route"] == route:
                total += sample.value
    return total


def test_metrics_add_up_across_server_processes(served: Served) -> None:
    sent = 0

    def one(_: int) -> int:
        # A connection per request, so the kernel hands them to either process.
        return httpx.get(f"{served.base}/healthz", timeout=5).status_code

    deadline = time.monotonic() + 20
    with ThreadPoolExecutor(8) as pool:
        while True:
            assert all(code == 200 for code in pool.map(one, range(40)))
            sent += 40
            if len(requests_by_process(served.metrics_dir, "/healthz")) >= 2:
                break
            assert time.monotonic() < deadline, "every request went to one process"
    counted = requests_by_process(served.metrics_dir, "/healthz")
    assert len(counted) == 2, counted
    assert sum(counted.values()) == sent
    assert all(n > 0 for n in counted.values())
    # Whichever process answers the scrape reports the sum of both, every time.
    for _ in range(4):
        assert scraped_requests(served.base, "/healthz") == sent
    body = httpx.get(f"{served.base}/metrics", timeout=5).text
    assert "process_resident_memory_bytes" in body
    assert "hireloop_db_pool_size" in body


def test_the_companion_worker_serves_its_health_port(served: Served) -> None:
    answer = httpx.get(f"{served.worker_base}/healthz", timeout=5)
    assert answer.status_code in (200, 503), answer.text
    body = answer.json()
    assert body["worker"].endswith(f":{served.worker_pid}")
    assert body["database"] == "ok"
    metrics = httpx.get(f"{served.worker_base}/metrics", timeout=5).text
    assert 'hireloop_worker_queue_depth{queue="outbox"}' in metrics
    assert "process_cpu_seconds_total" in metrics
    # The worker's figures are its own, never mixed into the API's files.
    assert not list(served.metrics_dir.glob(f"*_{served.worker_pid}.db"))


def test_a_second_worker_on_a_taken_health_port_is_one_line(served: Served) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    env.update(served.env)
    result = subprocess.run(
        [str(HIRELOOP), "worker"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    port = served.worker_base.rsplit(":", 1)[1]
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("hireloop:")]
    assert lines == [
        f"hireloop: cannot open the worker's health port 127.0.0.1:{port}: "
        "[Errno 98] Address already in use"
    ], result.stderr


def test_logs_are_iso_utc_without_color_codes(served: Served) -> None:
    text = served.log.read_text()
    assert "\x1b[" not in text
    logged = [
        line for line in text.splitlines() if re.search(r" (INFO|WARNING|ERROR) \S+ \[", line)
    ]
    assert any("hireloop.worker" in line for line in logged), text
    for line in logged:
        assert ISO_LINE.match(line), line


def test_sigterm_stops_the_server_and_its_worker(served: Served) -> None:
    served.process.send_signal(signal.SIGTERM)
    served.process.wait(20)
    # The worker was stopped with the server, not left behind.
    deadline = time.monotonic() + 10
    while True:
        try:
            os.kill(served.worker_pid, 0)
        except ProcessLookupError:
            break
        assert time.monotonic() < deadline, f"worker {served.worker_pid} outlived the server"
        time.sleep(0.1)
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{served.worker_base}/healthz", timeout=1)
    assert "worker" in served.log.read_text()
    assert "stopped" in served.log.read_text()
    # The metrics folder `serve` made was removed with it.
    assert not served.metrics_dir.exists()
