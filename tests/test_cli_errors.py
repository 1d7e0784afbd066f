"""The command line when the database is not there: one clear line on stderr and an exit code,
never a traceback; and `--version`, help that names defaults and environment variables, and
log lines in ISO 8601 UTC without color codes."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from pathlib import Path

import pytest

from app.observability import configure_logging
from tests.dbserver import fresh_database, with_database

HIRELOOP = Path(sys.executable).parent / "hireloop"
ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def run(
    tmp_path: Path, database_url: str | None, *args: str, **extra: str
) -> subprocess.CompletedProcess[str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("HIRELOOP_") and k != "DATABASE_URL"
    }
    env.update(HIRELOOP_DATA_DIR=str(tmp_path / "data"), HIRELOOP_LOG_JSON="false", **extra)
    if database_url is not None:
        env["DATABASE_URL"] = database_url.replace("postgresql+asyncpg://", "postgresql://", 1)
    return subprocess.run(
        [str(HIRELOOP), *args],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def empty_url(pg_server_url: str) -> Iterator[str]:
    """A database that exists and was never migrated."""
    with fresh_database(pg_server_url, prefix="hireloop_unmigrated") as url:
        yield url


def test_a_database_that_is_not_there_is_one_line_and_an_exit_code(
    tmp_path: Path, pg_server_url: str, empty_url: str
) -> None:
    unreachable = f"postgresql://postgres@127.0.0.1:{free_port()}/hireloop"
    missing = with_database(pg_server_url, "hireloop_no_such_database")
    org = ("org", "create", "Initech", "--admin-email", "boss@initech.example")
    cases = [
        # (database, command, exit code, what the line says)
        (unreachable, ("migrate",), 3, "cannot reach the database server at 127.0.0.1:"),
        (unreachable, ("demo",), 3, "cannot reach the database server"),
        (missing, ("worker",), 3, "hireloop_no_such_database does not exist"),
        (missing, ("serve", "--port", str(free_port())), 3, "does not exist"),
        (empty_url, ("demo",), 2, "hireloop migrate"),
        (empty_url, org, 2, "hireloop migrate"),
        (empty_url, ("org", "issue-key", "Initech"), 2, "hireloop migrate"),
    ]
    # Side by side: each is a process of its own, as a user would run it.
    with ThreadPoolExecutor(len(cases)) as pool:
        results = list(
            pool.map(
                lambda case: run(tmp_path, case[0], *case[1]),
                cases,
            )
        )
    for (_, command, code, says), result in zip(cases, results, strict=True):
        where = f"hireloop {' '.join(command)}"
        assert result.returncode == code, f"{where}: exit {result.returncode}\n{result.stderr}"
        assert "Traceback" not in result.stderr, f"{where}:\n{result.stderr}"
        lines = [line for line in result.stderr.splitlines() if line.startswith("hireloop:")]
        assert len(lines) == 1, f"{where}:\n{result.stderr}"
        assert says in lines[0], f"{where}: {lines[0]}"
        assert "postgres@" not in result.stderr, "the URL's credentials were printed"


def test_version_and_help(tmp_path: Path) -> None:
    version = run(tmp_path, None, "--version")
    assert version.returncode == 0
    assert version.stdout.strip() == f"hireloop {metadata.version('hireloop')}"

    helped = run(tmp_path, None, "serve", "--help")
    assert helped.returncode == 0
    text = " ".join(helped.stdout.split())
    for variable, default in (
        ("HIRELOOP_HOST", "127.0.0.1"),
        ("HIRELOOP_PORT", "8000"),
        ("HIRELOOP_WORKERS", "1"),
    ):
        assert f"env var: {variable}; default: ({default})" in text, text
    assert "\x1b[" not in helped.stdout
    # The root help names where settings come from and what the exit codes mean.
    root = " ".join(run(tmp_path, None, "--help").stdout.split())
    assert "DATABASE_URL" in root
    assert "Exit codes" in root
    assert "issue-key" in run(tmp_path, None, "org", "--help").stdout


@pytest.mark.parametrize("json_logs", [True, False])
def test_log_lines_are_iso_utc_without_color(json_logs: bool) -> None:
    root = logging.getLogger()
    saved = root.handlers, root.level
    stream = io.StringIO()
    try:
        configure_logging("INFO", json_logs)
        handler = root.handlers[0]
        assert isinstance(handler, logging.StreamHandler)
        handler.setStream(stream)
        record = logging.LogRecord("hireloop.test", logging.WARNING, __file__, 1, "hello", (), None)
        record.created = 1796661600.123456  # 2026-12-07T16:40:00.123Z
        # uvicorn adds a coloured copy of its message as an extra field.
        record.color_message = "Finished server process [\x1b[36m%d\x1b[0m]"
        handler.handle(record)
    finally:
        root.handlers, _ = saved
        root.setLevel(saved[1])
    line = stream.getvalue().strip()
    assert "\x1b[" not in line
    assert "\\u001b" not in line, "no escape code, not even JSON-encoded"
    stamp = json.loads(line)["time"] if json_logs else line.split(" ", 1)[0]
    assert ISO_UTC.match(stamp), line
    assert stamp == "2026-12-07T16:40:00.123Z"
