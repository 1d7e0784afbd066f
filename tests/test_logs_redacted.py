"""Logs name ids: database errors carry no SQL parameters (they hold encrypted secrets and
personal data), the access log hides the token of a public availability link, and the log
handler writes email addresses and API keys redacted whatever reaches it."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from sqlalchemy import text

from app.db import Database
from app.domain.organizations.models import Member
from app.main import create_app
from app.observability import configure_logging, redact_path
from tests.conftest import make_settings


def _everything_logged(caplog: pytest.LogCaptureFixture) -> str:
    """Every formatted line (tracebacks included) and every attribute of every record."""
    parts = [caplog.text]
    for record in caplog.records:
        parts.append(record.getMessage())
        parts.extend(repr(value) for value in vars(record).values())
    return "\n".join(parts)


@pytest.fixture
async def probe_app(database_url: str, db: Database) -> AsyncIterator[FastAPI]:
    """An app of its own (with the access log on) and routes that fail in the database.

    (`db`, the shared app's, is named so the session's app is up before the tables are
    emptied for this test.)"""
    application = create_app(make_settings(access_log=True), database_url=database_url)

    async def database_error(request: Request) -> dict[str, Any]:
        db: Database = request.app.state.db
        async with db.transaction() as session:
            # Fails at run time (division by zero) with the marker bound as a parameter.
            await session.execute(
                text("SELECT CAST(:marker AS text), 1 / CAST(:zero AS integer)"),
                {"marker": request.query_params["marker"], "zero": 0},
            )
        return {}

    async def integrity_error(request: Request) -> dict[str, Any]:
        db: Database = request.app.state.db
        async with db.transaction() as session:
            # An organization that does not exist: the insert violates a foreign key.
            session.add(
                Member(
                    organization_id=uuid.uuid4(),
                    email=request.query_params["email"],
                    name=request.query_params["name"],
                    permission_set="recruiter",
                )
            )
            await session.flush()
        return {}

    async def unexpected_error(request: Request) -> dict[str, Any]:
        try:
            await database_error(request)
        except Exception as exc:
            raise RuntimeError("a bug after a database error") from exc
        return {}

    application.add_api_route("/_probe/integrity-error", integrity_error, methods=["POST"])
    application.add_api_route("/_probe/database-error", database_error)
    application.add_api_route("/_probe/unexpected-error", unexpected_error)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def probe(probe_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=probe_app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://hireloop.test") as c:
        yield c


async def test_conflict_logs_and_answers_without_the_values(
    probe: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="hireloop")
    # A name is not an email, so only hide_parameters keeps it out of the logs.
    name = f"Zelda Quixote {uuid.uuid4().hex[:8]}"
    email = f"zelda.{uuid.uuid4().hex[:8]}@example.com"
    response = await probe.post("/_probe/integrity-error", params={"name": name, "email": email})
    assert response.status_code == 409, response.text

    conflicts = [r for r in caplog.records if r.name == "hireloop.errors"]
    assert conflicts, "the conflict was not logged"
    assert "violates foreign key constraint" in conflicts[0].getMessage()
    assert "SQL parameters hidden" in conflicts[0].getMessage()
    logged = _everything_logged(caplog)
    for value in (name, email, email.split("@")[0]):
        assert value not in logged
        assert value not in response.text


async def test_database_error_logs_and_answers_without_the_parameters(
    probe: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="hireloop")
    marker = f"secret-parameter-{uuid.uuid4().hex}"
    response = await probe.get("/_probe/database-error", params={"marker": marker})
    assert response.status_code == 503, response.text

    errors = [r for r in caplog.records if r.name == "hireloop.errors"]
    assert errors, "the database error was not logged"
    assert "division by zero" in caplog.text  # the error itself is told
    assert "SQL parameters hidden" in caplog.text
    assert marker not in _everything_logged(caplog)
    assert marker not in response.text


async def test_unhandled_error_after_a_database_error_carries_no_parameters(
    probe: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="hireloop")
    marker = f"secret-parameter-{uuid.uuid4().hex}"
    response = await probe.get("/_probe/unexpected-error", params={"marker": marker})
    assert response.status_code == 500, response.text

    assert "a bug after a database error" in caplog.text
    assert "division by zero" in caplog.text  # the chained cause is in the traceback
    assert marker not in _everything_logged(caplog)
    assert marker not in response.text


async def test_access_log_hides_the_token_of_a_public_link(
    probe: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="hireloop.access")
    token = f"tok{uuid.uuid4().hex}{uuid.uuid4().hex}"
    await probe.get(f"/api/v1/public/availability/{token}")
    await probe.post(f"/api/v1/public/availability/{token}", json={"windows": []})

    lines = [
        r for r in caplog.records if r.name == "hireloop.access" and r.getMessage() == "request"
    ]
    assert len(lines) == 2
    assert {getattr(r, "path", None) for r in lines} == {"/api/v1/public/availability/{token}"}
    assert token not in _everything_logged(caplog)


def test_redact_path_leaves_other_paths_alone() -> None:
    assert redact_path("/api/v1/public/availability/abc.def") == (
        "/api/v1/public/availability/{token}"
    )
    some_id = uuid.uuid4()
    assert redact_path(f"/api/v1/candidates/{some_id}") == f"/api/v1/candidates/{some_id}"


@pytest.fixture
def restored_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        yield
    finally:
        root.handlers = handlers
        root.setLevel(level)


@pytest.mark.usefixtures("restored_logging")
def test_log_lines_carry_no_email_or_api_key(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO", json_logs=True)
    log = logging.getLogger("hireloop.test")
    key = "hl_" + "A1b2C3d4" * 5
    log.warning("mail to %s refused", "jane.doe@example.com")
    try:
        raise RuntimeError(f"(550, 'no such user', 'jane.doe@mail.example.org') with {key}")
    except RuntimeError:
        log.exception("sending notification %s failed", "0190-id")

    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line]
    assert [line["message"] for line in lines] == [
        "mail to <email> refused",
        "sending notification 0190-id failed",
    ]
    assert "RuntimeError" in lines[1]["exc_info"]
    assert "<email>" in lines[1]["exc_info"]
    output = json.dumps(lines)
    assert "jane.doe" not in output
    assert key not in output
