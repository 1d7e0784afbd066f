"""Migrations: `upgrade head` builds the schema from nothing, and the models and migrations agree."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

import app.domain.registry  # noqa: F401  (every table model in the metadata)
from app.db import metadata
from app.migrations import current_revision, head_revision, is_at_head, upgrade_head_async
from tests.dbserver import fresh_database


@pytest.fixture
def empty_database(pg_server_url: str) -> Iterator[str]:
    """A brand-new database with nothing in it, dropped afterwards."""
    with fresh_database(pg_server_url, prefix="hireloop_migtest") as url:
        yield url


async def _tables(url: str) -> set[str]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:

            def names(sync_conn: Connection) -> set[str]:
                return set(inspect(sync_conn).get_table_names())

            return await conn.run_sync(names)
    finally:
        await engine.dispose()


async def _differences(url: str) -> list[Any]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:

            def compare(sync_conn: Connection) -> list[Any]:
                context = MigrationContext.configure(
                    sync_conn, opts={"compare_type": True, "target_metadata": metadata}
                )
                return list(compare_metadata(context, metadata))

            return await conn.run_sync(compare)
    finally:
        await engine.dispose()


async def test_upgrade_head_from_empty_database(empty_database: str) -> None:
    assert await _tables(empty_database) == set()
    assert await current_revision(empty_database) is None
    assert not await is_at_head(empty_database)

    await upgrade_head_async(empty_database)

    head = head_revision(empty_database)
    assert head is not None
    assert await current_revision(empty_database) == head
    assert await is_at_head(empty_database)
    tables = await _tables(empty_database)
    assert set(metadata.tables) <= tables, set(metadata.tables) - tables
    assert "alembic_version" in tables

    # Upgrading again is harmless: nothing to do, still at head.
    await upgrade_head_async(empty_database)
    assert await current_revision(empty_database) == head


# Tables that are not tenant data, each with the reason.
NOT_TENANT_DATA = {
    "alembic_version": "Alembic's own bookkeeping",
    "organizations": "the tenants themselves",
    "periodic_jobs": "one row per job, run once for all organizations",
}


async def test_every_table_carries_organization_id(empty_database: str) -> None:
    await upgrade_head_async(empty_database)
    engine = create_async_engine(empty_database)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                text(
                    "SELECT table_name FROM information_schema.tables t "
                    "WHERE table_schema = 'public' AND NOT (table_name = ANY(:exempt)) "
                    "AND NOT EXISTS (SELECT 1 FROM information_schema.columns c "
                    "  WHERE c.table_schema = 'public' AND c.table_name = t.table_name "
                    "  AND c.column_name = 'organization_id' AND c.is_nullable = 'NO')"
                ),
                {"exempt": list(NOT_TENANT_DATA)},
            )
            assert [r[0] for r in rows] == []
    finally:
        await engine.dispose()


async def test_models_and_migrations_agree(empty_database: str) -> None:
    await upgrade_head_async(empty_database)
    differences = await _differences(empty_database)
    assert differences == [], "autogenerate would write a migration for:\n" + "\n".join(
        repr(d) for d in differences
    )


async def test_comparison_notices_a_difference(empty_database: str) -> None:
    """The agreement check is real: a database a column short of the models is reported."""
    await upgrade_head_async(empty_database)
    engine = create_async_engine(empty_database)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("ALTER TABLE roles DROP COLUMN team"))
    finally:
        await engine.dispose()
    differences = await _differences(empty_database)
    assert any(
        d[0] == "add_column" and d[2] == "roles" and d[3].name == "team" for d in differences
    ), differences
