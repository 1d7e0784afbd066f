"""What tests/test_docs_examples.py needs: the fences of a document, the bash script that runs
its examples, output matching, and a live demo server (API and worker) per document.

The marks are fixed for every writer of docs (the list is in tests/test_docs_examples.py's
docstring): an example is either run by the suite or marked as shown on purpose, so a renamed
field or route fails here instead of failing the reader.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Fences whose content is a command or a query: each must say whether it runs.
EXECUTABLE = {"sh", "bash", "shell", "console", "zsh", "graphql", "gql"}
RUNNABLE_SHELLS = {"sh", "bash", "shell"}
MARKS = {"run", "illustrative", "output", "variables"}
FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})(?P<info>[^`]*)$")
VARIABLE = re.compile(r"^\$([A-Za-z_][A-Za-z0-9_]*)$")


@dataclass
class Fence:
    line: int  # 1-based line of the opening fence
    language: str
    flags: list[str]
    body: str

    @property
    def mark(self) -> str | None:
        found = [f for f in self.flags if f in MARKS]
        return found[0] if found else None


@dataclass
class Step:
    """A run block, with the `json variables` and `output` blocks that belong to it."""

    fence: Fence
    variables: Fence | None = None
    output: Fence | None = None


@dataclass
class Document:
    path: Path
    fences: list[Fence]
    steps: list[Step] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def fences(text: str) -> list[Fence]:
    """Every fenced block, in order (CommonMark's rules for backtick and tilde fences)."""
    found: list[Fence] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        opening = FENCE.match(lines[i])
        if opening is None:
            i += 1
            continue
        marker, indent = opening["fence"], len(opening["indent"])
        words = opening["info"].split()
        body: list[str] = []
        j = i + 1
        while j < len(lines):
            closing = lines[j].strip()
            if closing.startswith(marker[0] * len(marker)) and set(closing) == {marker[0]}:
                break
            line = lines[j]
            body.append(line[indent:] if line[:indent].strip() == "" else line.lstrip())
            j += 1
        found.append(
            Fence(i + 1, words[0].lower() if words else "", words[1:], "\n".join(body) + "\n")
        )
        i = j + 1
    return found


def parse(path: Path, root: Path) -> Document:
    """The document's fences and its runnable steps; problems name file:line."""
    name = path.relative_to(root)
    document = Document(path, fences(path.read_text(encoding="utf-8")))
    last: Step | None = None
    for fence in document.fences:
        where = f"{name}:{fence.line}"
        mark = fence.mark
        if fence.language in EXECUTABLE and mark not in {"run", "illustrative"}:
            document.problems.append(
                f"{where}: a ```{fence.language} block must be marked `run` (the suite runs it) "
                f"or `illustrative` (shown on purpose, not run)"
            )
            last = None
        elif mark == "run":
            if fence.language not in RUNNABLE_SHELLS | {"graphql", "gql"}:
                document.problems.append(f"{where}: only sh and graphql blocks can run")
                last = None
            else:
                last = Step(fence)
                document.steps.append(last)
        elif mark == "variables":
            if last is None or last.fence.language not in {"graphql", "gql"} or last.output:
                document.problems.append(
                    f"{where}: a `json variables` block must follow a ```graphql run block"
                )
            else:
                last.variables = fence
        elif mark == "output":
            if last is None or last.output is not None:
                document.problems.append(
                    f"{where}: an output block must follow a run block (with no other block "
                    f"between them)"
                )
            elif fence.language not in {"json", "text"}:
                document.problems.append(f"{where}: output blocks are ```json or ```text")
            else:
                last.output = fence
                if fence.language == "json":
                    try:
                        json_values(fence.body)
                    except ValueError as exc:
                        document.problems.append(f"{where}: the output is not JSON ({exc})")
            last = None
        else:
            last = None
    return document


# --- the script ---------------------------------------------------------------------------------


def graphql_shell(step: Step, workdir: Path, index: int) -> str:
    """Bash that POSTs the query with Ada's key, prints the answer and fails on `errors`."""
    query_file = workdir / f"query-{index}.graphql"
    query_file.write_text(step.fence.body)
    variables: Any = {}
    if step.variables is not None:
        variables = json.loads(step.variables.body)
    names: set[str] = set()

    def collect(value: Any) -> None:
        if isinstance(value, dict):
            for item in value.values():
                collect(item)
        elif isinstance(value, list):
            for item in value:
                collect(item)
        elif isinstance(value, str) and VARIABLE.match(value):
            names.add(value[1:])

    collect(variables)
    variables_file = workdir / f"variables-{index}.json"
    variables_file.write_text(json.dumps(variables))
    args = " ".join(f'--arg v_{n} "${n}"' for n in sorted(names))
    program = (
        '{query: $q, variables: ($v[0] | walk(if type == "string" and test("^\\\\$[A-Za-z_]'
        '[A-Za-z0-9_]*$") then $ARGS.named["v_" + .[1:]] else . end))}'
    )
    return (
        f"jq -n --rawfile q '{query_file}' --slurpfile v '{variables_file}' {args} "
        f"'{program}' > '{workdir}/body-{index}.json'\n"
        f'__hl_answer=$(curl -sS -H "Authorization: Bearer $(cat .hireloop/demo-api-key)" '
        f"-H 'Content-Type: application/json' --data @'{workdir}/body-{index}.json' \"$HL/graphql\")\n"
        f"printf '%s\\n' \"$__hl_answer\"\n"
        f"if jq -e '.errors // (.data | not)' >/dev/null <<<\"$__hl_answer\"; then\n"
        f"  echo 'the GraphQL answer has errors (or no data)' >&2; exit 1\n"
        f"fi\n"
    )


def script(document: Document, workdir: Path) -> str:
    """One bash program for all the document's run blocks, each block's output in its files.

    Blocks run in the same shell (not subshells), so variables carry from block to block;
    `set -euo pipefail` stops at the first failing command, and `step` names the block."""
    parts = ["set -euo pipefail"]
    for index, step in enumerate(document.steps):
        if step.fence.language in RUNNABLE_SHELLS:
            code = step.fence.body
        else:
            code = graphql_shell(step, workdir, index)
        block = workdir / f"block-{index}.sh"
        block.write_text(code)
        parts.append(
            f"echo {index} > '{workdir}/step'\n"
            f". '{block}' > '{workdir}/out-{index}' 2> '{workdir}/err-{index}' < /dev/null"
        )
    parts.append(f"echo done > '{workdir}/step'")
    return "\n".join(parts) + "\n"


# --- matching -----------------------------------------------------------------------------------


def json_values(text: str) -> list[Any]:
    """Every JSON value in the text, in order (jq -c prints one per line)."""
    decoder = json.JSONDecoder()
    values: list[Any] = []
    position = 0
    text = text.strip()
    while position < len(text):
        value, position = decoder.raw_decode(text, position)
        values.append(value)
        while position < len(text) and text[position].isspace():
            position += 1
    return values


def json_mismatch(expected: Any, actual: Any, where: str = "$") -> str | None:
    """Why `actual` does not contain `expected`, or None.

    Shown keys must exist with those values, "..." matches any value, and a list shown matches
    the first elements of the actual list."""
    if expected == "...":
        return None
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return f"{where}: expected an object, got {json.dumps(actual)[:200]}"
        for key, value in expected.items():
            if key not in actual:
                return f"{where}: no key {key!r} (keys: {sorted(actual)})"
            problem = json_mismatch(value, actual[key], f"{where}.{key}")
            if problem:
                return problem
        return None
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return f"{where}: expected a list, got {json.dumps(actual)[:200]}"
        if len(actual) < len(expected):
            return f"{where}: expected at least {len(expected)} items, got {len(actual)}"
        for i, value in enumerate(expected):
            problem = json_mismatch(value, actual[i], f"{where}[{i}]")
            if problem:
                return problem
        return None
    same = expected == actual
    if isinstance(expected, bool) or isinstance(actual, bool):
        same = same and type(expected) is type(actual)
    if same:
        return None
    return f"{where}: expected {json.dumps(expected)}, got {json.dumps(actual)[:200]}"


def text_matches(expected: list[str], actual: list[str]) -> bool:
    """Line by line; a line "..." matches any number of lines (none included)."""
    if not expected:
        return not actual
    if expected[0].strip() == "...":
        return any(text_matches(expected[1:], actual[i:]) for i in range(len(actual) + 1))
    return bool(actual) and expected[0] == actual[0] and text_matches(expected[1:], actual[1:])


def output_mismatch(output: Fence, stdout: str) -> str | None:
    if output.language == "json":
        try:
            actual = json_values(stdout)
        except ValueError as exc:
            return f"the block's output is not JSON ({exc})"
        expected = json_values(output.body)
        if len(actual) != len(expected):
            return f"expected {len(expected)} JSON value(s), the block printed {len(actual)}"
        for i, (want, got) in enumerate(zip(expected, actual, strict=True)):
            problem = json_mismatch(want, got, f"value {i + 1}" if len(expected) > 1 else "$")
            if problem:
                return problem
        return None

    def lines(text: str) -> list[str]:
        found = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
        while found and not found[-1]:
            found.pop()
        return found

    if text_matches(lines(output.body), lines(stdout)):
        return None
    return "the block's output does not match the text shown"


# --- the live demo server -------------------------------------------------------------------------


def free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    return sock


@contextmanager
def demo_server(database_url: str, data_dir: Path) -> Iterator[str]:
    """The API and a worker on 127.0.0.1 at an ephemeral port, in a thread of this process
    (one event loop for both, as cheap as a server gets), over a database that already holds
    the demo. Yields the base URL once the server answers and the worker has done one round
    of every loop, periodic jobs included, as a reader finds things a moment after `make run`."""
    import uvicorn

    from app.db import Database
    from app.main import create_app
    from app.settings import Settings
    from app.worker.runner import Worker

    sock = free_socket()
    port = sock.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    settings = Settings(
        env="development",
        data_dir=data_dir,
        host="127.0.0.1",
        port=port,
        public_url=base,
        log_level="WARNING",
        log_json=False,
        access_log=False,
        worker_poll_seconds=0.5,
        worker_shutdown_grace_seconds=5.0,
        # Small pools: the test server is shared with the rest of the suite (and xdist workers).
        db_pool_size=4,
        db_max_overflow=4,
    )
    app = create_app(settings, database_url=database_url)
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, access_log=False, lifespan="on"))
    loop = asyncio.new_event_loop()
    state: dict[str, Any] = {}
    ready = threading.Event()

    async def main() -> None:
        db = Database.connect(database_url, settings)
        worker = Worker(db, settings, name=f"docs-{port}")
        state["worker"] = worker
        try:
            serving = asyncio.create_task(server.serve(sockets=[sock]))
            working = asyncio.create_task(worker.run())
            state["tasks"] = (serving, working)
            ready.set()
            await asyncio.gather(serving, working)
        finally:
            await db.dispose()

    def run() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(main())
        except BaseException as exc:  # reported by the waiting side
            state["error"] = exc
        finally:
            ready.set()
            loop.close()

    # uvicorn installs signal handlers only in the main thread, so this thread leaves them be.
    thread = threading.Thread(target=run, name=f"docs-server-{port}", daemon=True)
    thread.start()
    try:
        ready.wait(60)
        worker = state.get("worker")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and "error" not in state:
            rounds_done = worker is not None and all(
                v is not None for v in worker.health.last_round.values()
            )
            if server.started and rounds_done:
                break
            time.sleep(0.05)
        if "error" in state:
            raise RuntimeError("the docs' demo server failed to start") from state["error"]
        assert server.started, "the docs' demo server did not start within 60 s"
        yield base
    finally:
        server.should_exit = True
        worker = state.get("worker")
        if worker is not None and loop.is_running():
            loop.call_soon_threadsafe(worker.stop)
        thread.join(60)
        sock.close()
