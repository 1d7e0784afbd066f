"""Every shell and GraphQL example in README.md and docs/*.md runs, or says it is only shown.

The marks (fixed for every writer of docs, issue 19):

- ```sh run: run by this suite. All `sh run` blocks of one document run in order in one bash
  process (`set -euo pipefail`), so variables carry from block to block. `HL` is the base URL of
  a live demo server with its worker (fresh demo data per document), and the working directory
  holds .hireloop/demo-api-key (Ada, the demo admin) as after `make run`; `hireloop` is on the
  PATH with DATABASE_URL and HIRELOOP_DATA_DIR naming that server's database and folder.
- ```graphql run: POSTed to $HL/graphql with Ada's key; fails on `errors`. A following
  ```json variables block gives its variables; a string value "$NAME" is the shell variable
  NAME set by an earlier block.
- ```json output / ```text output: the stdout of the run block before it (no other block
  between). JSON is matched as a subset ("..." matches any value, a list matches the actual
  list's first items); text line by line, where a line "..." matches any number of lines.
- ```sh illustrative (graphql, http...): shown on purpose, never run.
- Other fences (json, python, yaml, mermaid, text) are data. A sh/bash/shell/console/graphql
  fence with neither `run` nor `illustrative` fails.

One test per document, so a failure names the document, the block's file:line, and what the
block printed on stdout and stderr.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.dbserver import admin_sql, with_database
from tests.docs_examples import Document, demo_server, output_mismatch, parse, script

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = sorted(
    str(p.relative_to(ROOT)) for p in [ROOT / "README.md", *(ROOT / "docs").glob("*.md")]
)
# A document's examples together; far above what they need (a few seconds), so a hung call
# fails with its block named instead of stalling the suite.
DOCUMENT_TIMEOUT_SECONDS = 300


# Documents that run something; the rest (reference pages such as api.md) are only checked for
# marked fences. A document whose fences are not all marked runs too, and fails there.
def _runs_something(document: str) -> bool:
    parsed = parse(ROOT / document, ROOT)
    return bool(parsed.problems or parsed.steps)


RUNNABLE = [d for d in DOCUMENTS if _runs_something(d)]


@pytest.fixture(scope="module")
def docs_template(pg_server_url: str) -> Iterator[str]:
    """A migrated, empty database each document's database is copied from (CREATE DATABASE
    ... TEMPLATE copies files: far cheaper than migrating once per document)."""
    from app.migrations import upgrade_head

    name = f"hireloop_docs_{uuid.uuid4().hex[:12]}"
    asyncio.run(admin_sql(pg_server_url, f'CREATE DATABASE "{name}"'))
    try:
        upgrade_head(with_database(pg_server_url, name))
        yield name
    finally:
        asyncio.run(admin_sql(pg_server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def load_demo(url: str) -> str:
    from app.db import Database
    from app.demo import load_demo as load
    from app.settings import Settings

    db = Database.connect(url, Settings(log_json=False))
    try:
        async with db.transaction() as session:
            result = await load(session)
        return result.api_key
    finally:
        await db.dispose()


def report(document: Document, workdir: Path, failed: int, why: str) -> str:
    step = document.steps[failed]
    rel = document.path.relative_to(ROOT)

    def read(name: str) -> str:
        path = workdir / name
        text = path.read_text(errors="replace") if path.exists() else ""
        return text if len(text) < 6000 else text[:3000] + "\n[...]\n" + text[-3000:]

    return (
        f"{rel}:{step.fence.line}: {why}\n"
        f"--- the block ({step.fence.language} run) ---\n{step.fence.body}"
        f"--- its stdout ---\n{read(f'out-{failed}')}\n"
        f"--- its stderr ---\n{read(f'err-{failed}')}"
    )


@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_example_is_marked(document: str) -> None:
    problems = parse(ROOT / document, ROOT).problems
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("document", RUNNABLE)
def test_examples_run_against_the_demo(
    document: str, pg_server_url: str, request: pytest.FixtureRequest
) -> None:
    parsed = parse(ROOT / document, ROOT)
    assert parsed.problems == [], "test_every_example_is_marked says which blocks to mark"
    missing = [tool for tool in ("jq", "curl") if shutil.which(tool) is None]
    if missing and not os.environ.get("CI"):
        pytest.skip(f"the examples need {missing}: apt-get install jq curl (.ci/run does)")
    assert missing == [], f"the examples need {missing} on the PATH"
    template: str = request.getfixturevalue("docs_template")
    name = f"hireloop_doc_{uuid.uuid4().hex[:12]}"
    asyncio.run(admin_sql(pg_server_url, f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    url = with_database(pg_server_url, name)
    try:
        with tempfile.TemporaryDirectory(prefix="hireloop-docs-") as tmp:
            home = Path(tmp) / "home"
            data = home / ".hireloop"
            work = Path(tmp) / "work"
            data.mkdir(parents=True)
            work.mkdir()
            key_file = data / "demo-api-key"
            key_file.write_text(asyncio.run(load_demo(url)) + "\n")
            key_file.chmod(0o600)
            program = script(parsed, work)
            with demo_server(url, data) as base:
                env = {
                    **os.environ,
                    "HL": base,
                    "DATABASE_URL": url,
                    "HIRELOOP_DATA_DIR": ".hireloop",  # relative to the working directory, as with make run
                    "HIRELOOP_LOG_JSON": "false",
                    "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
                    "HOME": str(home),
                }
                env.pop("HIRELOOP_ENV", None)
                try:
                    finished = subprocess.run(
                        ["bash", "-c", program],
                        cwd=home,
                        env=env,
                        capture_output=True,
                        text=True,
                        timeout=DOCUMENT_TIMEOUT_SECONDS,
                    )
                    why = f"exit code {finished.returncode}"
                except subprocess.TimeoutExpired:
                    why = f"still running after {DOCUMENT_TIMEOUT_SECONDS} s"
                    finished = None
            step = (work / "step").read_text().strip() if (work / "step").exists() else "0"
            if finished is None or finished.returncode != 0:
                failed = int(step) if step.isdigit() else len(parsed.steps) - 1
                extra = "" if finished is None else finished.stderr[-2000:]
                pytest.fail(report(parsed, work, failed, f"the block failed ({why})\n{extra}"))
            problems = []
            for index, item in enumerate(parsed.steps):
                if item.output is None:
                    continue
                stdout = (work / f"out-{index}").read_text(errors="replace")
                mismatch = output_mismatch(item.output, stdout)
                if mismatch:
                    problems.append(
                        report(
                            parsed,
                            work,
                            index,
                            f"its output differs from the one shown at line {item.output.line}: "
                            f"{mismatch}",
                        )
                    )
            assert not problems, "\n\n".join(problems)
    finally:
        asyncio.run(admin_sql(pg_server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
