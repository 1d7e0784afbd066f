"""The `hireloop` console script, run as a user runs it: a subprocess with DATABASE_URL set to a
brand-new database, and its data folder in a temporary directory."""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
import stat
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from app.db import Database
from app.domain.organizations.service import create_organization
from app.main import create_app
from app.migrations import current_revision, head_revision, is_at_head, upgrade_head
from tests.conftest import make_settings
from tests.dbserver import fresh_database

HIRELOOP = Path(sys.executable).parent / "hireloop"
KEY = re.compile(r"hl_[A-Za-z0-9_\-]{20,}")


@pytest.fixture
def fresh_url(pg_server_url: str) -> Iterator[str]:
    """An empty database of its own, as an SQLAlchemy (asyncpg) URL."""
    with fresh_database(pg_server_url, prefix="hireloop_cli") as url:
        yield url


def plain(url: str) -> str:
    """The libpq form a hosting platform hands out."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def cli_env(tmp_path: Path, database_url: str | None, **extra: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("HIRELOOP_") and k != "DATABASE_URL"
    }
    env["HIRELOOP_DATA_DIR"] = str(tmp_path / "data")
    env["HIRELOOP_LOG_JSON"] = "false"
    if database_url is not None:
        env["DATABASE_URL"] = plain(database_url)
    env.update(extra)
    return env


def hireloop(
    tmp_path: Path,
    database_url: str | None,
    *args: str,
    timeout: float = 120,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    assert HIRELOOP.exists(), f"the console script is not installed at {HIRELOOP}"
    return subprocess.run(
        [str(HIRELOOP), *args],
        env=cli_env(tmp_path, database_url, **(env or {})),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


async def run(
    tmp_path: Path, database_url: str | None, *args: str
) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(lambda: hireloop(tmp_path, database_url, *args))


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result.stdout


@asynccontextmanager
async def app_client(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    app: FastAPI = create_app(make_settings(), database_url=database_url)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hireloop.test") as c:
            yield c


async def count(database_url: str, table: str) -> int:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            return int((await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())
    finally:
        await engine.dispose()


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


# --- migrate --------------------------------------------------------------------------------


async def test_migrate_brings_an_empty_database_to_head(fresh_url: str, tmp_path: Path) -> None:
    assert await current_revision(fresh_url) is None
    out = ok(await run(tmp_path, fresh_url, "migrate"))
    assert "latest migration" in out
    assert await current_revision(fresh_url) == head_revision(fresh_url)
    # Running it again is safe.
    ok(await run(tmp_path, fresh_url, "migrate"))
    assert await is_at_head(fresh_url)


# --- org create -----------------------------------------------------------------------------


async def test_org_create_prints_an_admin_key_that_works(fresh_url: str, tmp_path: Path) -> None:
    ok(await run(tmp_path, fresh_url, "migrate"))
    result = await run(
        tmp_path, fresh_url, "org", "create", "Initech", "--admin-email", "Boss@Initech.example"
    )
    out = ok(result)
    keys = KEY.findall(out)
    assert len(keys) == 1, out
    key = keys[0]
    assert "Initech" in out

    async with app_client(fresh_url) as client:
        org = await client.get("/api/v1/organization", headers=bearer(key))
        assert org.status_code == 200, org.text
        assert org.json()["name"] == "Initech"
        members = await client.get("/api/v1/members", headers=bearer(key))
        assert members.status_code == 200
        (admin,) = members.json()["items"]
        assert admin["email"] == "boss@initech.example"
        assert admin["permission_set"] == "admin"
        # The key is an admin's: it may add members.
        added = await client.post(
            "/api/v1/members",
            headers=bearer(key),
            json={"email": "peter@initech.example", "name": "Peter", "permission_set": "recruiter"},
        )
        assert added.status_code == 201, added.text


async def test_org_create_refuses_an_invalid_email(fresh_url: str, tmp_path: Path) -> None:
    ok(await run(tmp_path, fresh_url, "migrate"))
    result = await run(
        tmp_path, fresh_url, "org", "create", "Broken", "--admin-email", "not-an-email"
    )
    assert result.returncode != 0
    assert not KEY.search(result.stdout + result.stderr)
    assert await count(fresh_url, "organizations") == 0


async def test_org_issue_key_replaces_a_lost_admin_key(fresh_url: str, tmp_path: Path) -> None:
    await asyncio.to_thread(upgrade_head, fresh_url)
    db = Database.connect(fresh_url, make_settings())
    try:
        async with db.transaction() as session:
            org, _, created = await create_organization(
                session, name="Initech", admin_email="a@initech.example", admin_name="A"
            )
    finally:
        await db.dispose()
    first, org_id = created.key, str(org.id)

    # By name, the only admin: a new key, shown once, that works beside the first one.
    issued = ok(await run(tmp_path, fresh_url, "org", "issue-key", "Initech"))
    (second,) = KEY.findall(issued)
    assert second != first
    assert "a@initech.example" in issued
    async with app_client(fresh_url) as client:
        for key in (first, second):
            answer = await client.get("/api/v1/organization", headers=bearer(key))
            assert answer.status_code == 200, answer.text
        # An admin's key: it may revoke the lost one.
        keys = (await client.get("/api/v1/api-keys", headers=bearer(second))).json()["items"]
        assert len(keys) == 2
        lost = next(k for k in keys if first.startswith(k["prefix"]))
        revoked = await client.post(f"/api/v1/api-keys/{lost['id']}/revoke", headers=bearer(second))
        assert revoked.status_code == 200, revoked.text
        assert (await client.get("/api/v1/organization", headers=bearer(first))).status_code == 401
        # A second admin: the command then asks which one.
        added = await client.post(
            "/api/v1/members",
            headers=bearer(second),
            json={"email": "b@initech.example", "name": "B", "permission_set": "admin"},
        )
        assert added.status_code == 201, added.text

    several = await run(tmp_path, fresh_url, "org", "issue-key", org_id)
    assert several.returncode == 2
    assert "--admin-email" in several.stderr
    assert "b@initech.example" in several.stderr
    assert not KEY.search(several.stdout + several.stderr)
    chosen = ok(
        await run(
            tmp_path, fresh_url, "org", "issue-key", org_id, "--admin-email", "B@initech.example"
        )
    )
    assert "b@initech.example" in chosen
    assert len(KEY.findall(chosen)) == 1

    unknown = await run(tmp_path, fresh_url, "org", "issue-key", "Globex")
    assert unknown.returncode == 1
    assert unknown.stderr.strip() == "hireloop: no organization has the id or name 'Globex'"
    assert await count(fresh_url, "api_keys") == 3


# --- demo -----------------------------------------------------------------------------------


async def test_demo_loads_once(fresh_url: str, tmp_path: Path) -> None:
    ok(await run(tmp_path, fresh_url, "migrate"))
    first = ok(await run(tmp_path, fresh_url, "demo"))
    keys = KEY.findall(first)
    assert len(keys) == 1, first
    key = keys[0]
    key_file = tmp_path / "data" / "demo-api-key"
    assert key_file.read_text().strip() == key
    assert stat.S_IMODE(key_file.stat().st_mode) & 0o077 == 0, "the key file is readable by others"

    organizations = await count(fresh_url, "organizations")
    roles = await count(fresh_url, "roles")
    members = await count(fresh_url, "members")
    assert organizations == 1
    assert roles >= 2
    assert members >= 2

    async with app_client(fresh_url) as client:
        listed = await client.get("/api/v1/roles", headers=bearer(key))
        assert listed.status_code == 200, listed.text
        assert len(listed.json()["items"]) == roles
        some_role = listed.json()["items"][0]["id"]
        intake = await client.get(
            f"/api/v1/roles/{some_role}/intake/revisions", headers=bearer(key)
        )
        assert intake.status_code == 200

    second = await run(tmp_path, fresh_url, "demo")
    out = ok(second)
    assert "already holds data" in out
    assert not KEY.search(out.replace(str(key_file), "")), (
        "a second demo must not issue another key"
    )
    assert await count(fresh_url, "organizations") == organizations
    assert await count(fresh_url, "roles") == roles
    assert await count(fresh_url, "members") == members


# --- serve ----------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_serve_refuses_an_unmigrated_database(fresh_url: str, tmp_path: Path) -> None:
    port = _free_port()
    result = hireloop(
        tmp_path, fresh_url, "serve", "--host", "127.0.0.1", "--port", str(port), timeout=60
    )
    assert result.returncode != 0
    assert "hireloop migrate" in result.stdout + result.stderr
    # It did not quietly start serving either.
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1.0)


def test_serve_serves_a_migrated_database(fresh_url: str, tmp_path: Path) -> None:
    ok(hireloop(tmp_path, fresh_url, "migrate"))
    key = KEY.findall(
        ok(
            hireloop(
                tmp_path,
                fresh_url,
                "org",
                "create",
                "Initech",
                "--admin-email",
                "a@initech.example",
            )
        )
    )[0]
    port = _free_port()
    log = (tmp_path / "serve.log").open("w")
    proc = subprocess.Popen(
        [str(HIRELOOP), "serve", "--host", "127.0.0.1", "--port", str(port)],
        # No HIRELOOP_PUBLIC_URL: links name the address actually served.
        env=cli_env(tmp_path, fresh_url, HIRELOOP_GOOGLE_OAUTH_CLIENT_ID="cli-test"),
        cwd=tmp_path,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120  # a hung start, not a slow one (crowded CI)
        while True:
            assert proc.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1.0)
                break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
            time.sleep(0.1)
        assert ready.status_code == 200, ready.text
        assert ready.json()["status"] == "ok"
        unauthenticated = httpx.get(f"http://127.0.0.1:{port}/api/v1/roles", timeout=5.0)
        assert unauthenticated.status_code == 401
        started = httpx.post(
            f"http://127.0.0.1:{port}/api/v1/calendar-connections/oauth/start",
            headers=bearer(key),
            json={"provider": "google"},
            timeout=5.0,
        )
        assert started.status_code == 200, started.text
        redirect = parse_qs(urlsplit(started.json()["consent_url"]).query)["redirect_uri"]
        assert redirect == [f"http://127.0.0.1:{port}/api/v1/calendar-connections/oauth/callback"]
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()


# --- export-schema --------------------------------------------------------------------------


def test_export_schema_writes_openapi_and_graphql(tmp_path: Path) -> None:
    out_dir = tmp_path / "schema"
    out_dir.mkdir()
    ok(hireloop(tmp_path, None, "export-schema", "--out-dir", str(out_dir)))

    openapi = json.loads((out_dir / "openapi.json").read_text())
    assert openapi["openapi"].startswith("3.")
    assert "/api/v1/roles" in openapi["paths"]
    assert "/api/v1/roles/{role_id}" in openapi["paths"]
    assert "/api/v1/events" in openapi["paths"]
    assert "Problem" in openapi["components"]["schemas"]

    sdl = (out_dir / "schema.graphql").read_text()
    assert "type Query" in sdl
    assert "type Mutation" in sdl
    assert "type Role" in sdl
    assert "viewer" in sdl

    # The files do not depend on who runs the command or how their service is configured.
    other_dir = tmp_path / "again"
    other_dir.mkdir()
    ok(
        hireloop(
            tmp_path,
            None,
            "export-schema",
            "--out-dir",
            str(other_dir),
            env={
                "HIRELOOP_ENV": "production",
                "HIRELOOP_SECRET_KEY": "a-real-production-secret-of-enough-length-0123456789",
                "HIRELOOP_GRAPHQL_INTROSPECTION": "false",
                "HIRELOOP_GRAPHQL_IDE": "false",
            },
        )
    )
    assert (other_dir / "openapi.json").read_text() == (out_dir / "openapi.json").read_text()
    assert (other_dir / "schema.graphql").read_text() == (out_dir / "schema.graphql").read_text()
