"""Async engine and sessions.

Two session factories share one pool: `write` sessions run in a transaction that the boundary
commits; `read` sessions run in autocommit so a GET is one round trip per statement (no
BEGIN/COMMIT), which is what keeps the hot read path close to a bare asyncpg read.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeAlias

import asyncpg
import orjson
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Result
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session
from sqlalchemy.util import greenlet_spawn
from sqlmodel import SQLModel

from app.embedded_db import start_embedded
from app.settings import Settings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata.naming_convention = NAMING_CONVENTION
metadata: MetaData = SQLModel.metadata

# Counts SQL statements per request; read by the metrics middleware and `make bench`.
statement_count: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar(
    "statement_count", default=None
)


def resolve_database_url(settings: Settings) -> str:
    if settings.database_url:
        return settings.database_url
    return start_embedded(settings.data_dir)


def _count_statement(*_: Any) -> None:
    counter = statement_count.get()
    if counter is not None:
        counter[0] += 1


def count_statement() -> None:
    """Count a statement sent on a `Database.driver()` connection (SQLAlchemy never sees it)."""
    _count_statement()


def make_engine(url: str, settings: Settings) -> AsyncEngine:
    engine = create_async_engine(
        url,
        # JSONB columns (intakes, working hours) are decoded on every read of them.
        json_deserializer=orjson.loads,
        json_serializer=lambda value: orjson.dumps(value).decode(),
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_pre_ping=False,
        # Bound parameters hold encrypted secrets and personal data (emails, names, notes): a
        # database error's message (logged, and possibly chained into a traceback) never
        # carries them.
        hide_parameters=True,
        connect_args={
            "server_settings": {
                "statement_timeout": str(settings.db_statement_timeout_ms),
                "application_name": "hireloop",
            }
        },
    )
    event.listen(engine.sync_engine, "before_cursor_execute", _count_statement)
    return engine


# What a driver-level read runs on (`Database.driver()`): the asyncpg connection itself.
Driver: TypeAlias = asyncpg.Connection
# Errors after which a connection's state is in doubt: it is closed, never pooled again.
_IN_DOUBT = (DBAPIError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError, OSError)


class _Driver:
    """`Database.driver()`: a pooled connection's asyncpg connection, with no SQLAlchemy
    Connection around it, for the one-statement reads of the hottest routes (a role, the
    candidate's page). Checking a `Connection` out and in (its events and isolation level)
    cost those reads more than their statement. No transaction is ever begun on it, so each
    statement commits on its own, as on `rows()`; statements are counted by the repository
    (`count_statement`), since SQLAlchemy's events do not see them.
    """

    __slots__ = ("_engine", "_pooled")

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._pooled: Any = None

    async def __aenter__(self) -> Driver:
        self._pooled = await self._engine.raw_connection()
        return self._pooled.driver_connection

    async def __aexit__(self, kind: type[BaseException] | None, *_: object) -> None:
        pooled, self._pooled = self._pooled, None
        if pooled is None:
            return
        if kind is not None and (not issubclass(kind, Exception) or issubclass(kind, _IN_DOUBT)):
            # A driver error, or a cancellation in the middle of a statement.
            await asyncio.shield(asyncio.ensure_future(greenlet_spawn(pooled.invalidate)))
        await asyncio.shield(asyncio.ensure_future(greenlet_spawn(pooled.close)))


@dataclass
class Database:
    engine: AsyncEngine
    write: async_sessionmaker[AsyncSession]
    read: async_sessionmaker[AsyncSession]
    autocommit: AsyncEngine

    @classmethod
    def connect(cls, url: str, settings: Settings) -> Database:
        engine = make_engine(url, settings)
        autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
        # Every session carries the service's settings, so a service that needs a limit or a
        # secret reads the ones this app was built with, not whatever the environment says.
        info = {"settings": settings}
        return cls(
            engine=engine,
            write=async_sessionmaker(engine, expire_on_commit=False, autoflush=False, info=info),
            read=async_sessionmaker(autocommit, expire_on_commit=False, autoflush=False, info=info),
            autocommit=autocommit,
        )

    def driver(self) -> _Driver:
        """`async with db.driver() as driver:` a pooled asyncpg connection (see `_Driver`)."""
        return _Driver(self.engine)

    @asynccontextmanager
    async def rows(self) -> AsyncIterator[AsyncConnection]:
        """A plain connection in autocommit for the hottest reads: repositories that select rows
        (not ORM objects) run on it without a Session, which costs about a quarter of such a read."""
        async with self.autocommit.connect() as connection:
            try:
                yield connection
            except DBAPIError:
                await connection.invalidate()
                raise

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One unit of work: commit on success, roll back on any exception."""
        async with self.write() as session:
            try:
                yield session
                await session.commit()
            except DBAPIError:
                await discard_connection(session)
                raise
            except BaseException:
                await session.rollback()
                raise

    async def dispose(self) -> None:
        await self.engine.dispose()


async def discard_connection(session: AsyncSession) -> None:
    """After a driver error the connection's state is in doubt (asyncpg can leave a statement
    half-sent, holding locks inside an open transaction), so it is closed, never pooled again."""
    with contextlib.suppress(Exception):  # it is being thrown away regardless
        await session.invalidate()


# What a row-level repository read runs on: a Session, or a plain connection (Database.rows).
Reader = AsyncSession | AsyncConnection


def rows_as_dicts(result: Result[Any]) -> list[dict[str, Any]]:
    """A result's rows as plain dicts, for read-only pages that need no ORM objects: the keys
    are read once for the result, not once per row as a RowMapping does."""
    keys = tuple(result.keys())
    return [dict(zip(keys, row, strict=True)) for row in result.all()]


async def driver_connection(connection: AsyncConnection) -> Any:
    """The asyncpg connection under a dedicated connection, for a repository's hottest query.

    Only for a connection one coroutine owns: statements sent this way bypass SQLAlchemy's
    events and its serialisation of concurrent use, so the statement count is kept here."""
    raw = await connection.get_raw_connection()
    _count_statement()
    return raw.driver_connection


def settings_of(session: AsyncSession) -> Settings:
    """The settings of the app (or worker) that opened this session."""
    settings = session.info.get("settings")
    if not isinstance(settings, Settings):
        raise RuntimeError("this session was not opened through app.db.Database")
    return settings


async def end_read(session: AsyncSession) -> None:
    """End a transaction that has only read, so a service can call a provider next with no
    transaction open (the boundary's own transaction begins again at the next statement).
    Refuses if anything was written: that would be lost."""
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("end_read after a write: the write would be rolled back")
    if session.in_transaction():
        await session.rollback()


def after_commit(session: AsyncSession, callback: Any) -> None:
    """Run `callback()` once this session's transaction commits (never if it rolls back).

    Used for process-local side effects such as forgetting a revoked key in the auth cache;
    anything that must reach other systems goes through the outbox instead.
    """
    session.info.setdefault("after_commit", []).append(callback)


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    for callback in session.info.pop("after_commit", []):
        callback()


@event.listens_for(Session, "after_soft_rollback")
def _drop_after_commit(session: Session, previous_transaction: Any) -> None:
    if previous_transaction.parent is None:
        session.info.pop("after_commit", None)
