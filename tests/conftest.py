"""What every test can use: a migrated database, the app, HTTP clients and tenants.

The database is migrated once per run; every test starts from empty tables (TRUNCATE), so
tests may commit, race and use several connections, as the service really does.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import tempfile
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from app.auth import actor_cache
from app.core.actor import Actor, PermissionSet
from app.db import Database
from app.domain.organizations import service as organizations
from app.domain.organizations.schemas import MemberCreate, MemberPublic
from app.main import create_app
from app.migrations import upgrade_head
from app.settings import Settings
from tests.dbserver import fresh_database, server_url

TEST_SECRET = "test-secret-key-that-is-long-enough-1234567890"

# One line per request from httpx drowns the useful part of a failure report.
logging.getLogger("httpx").setLevel(logging.WARNING)


_DATA_DIR: list[Path] = []


def suite_data_dir() -> Path:
    """This process's folder for what the app writes (documents, mail), made on first use and
    removed when the process exits. The default, .hireloop/ in the checkout, would be shared by
    the suite's workers (pytest-xdist) and by runs side by side, which then see each other's
    files (tests/test_privacy_erasure.py scans the whole folder)."""
    if not _DATA_DIR:
        folder = Path(tempfile.mkdtemp(prefix="hireloop-test-data-"))
        _DATA_DIR.append(folder)
        owner = os.getpid()

        def remove() -> None:
            if os.getpid() == owner:  # not in a forked child that happens to exit normally
                shutil.rmtree(folder, ignore_errors=True)

        atexit.register(remove)
    return _DATA_DIR[0]


def make_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "env": "test",
        "data_dir": suite_data_dir(),
        "secret_key": TEST_SECRET,
        "log_json": False,
        "log_level": "WARNING",
        "access_log": False,
        "expose_statement_count": True,
        "auth_cache_seconds": 3.0,
        # Tests reach their own receivers on loopback; production refuses such destinations.
        "outbound_allow_networks": ["127.0.0.0/8"],
        # Counted, but never reached by the suite (one key and one address send it all);
        # tests/test_rate_limits.py sets small limits on an app of its own.
        "rate_limit_per_key": "10000000/minute",
        "rate_limit_per_organization": "10000000/minute",
        "rate_limit_per_address": "10000000/minute",
        "rate_limit_inbound_per_address": "10000000/minute",
        "auth_failures_per_address": "10000000/minute",
    }
    values.update(overrides)
    return Settings(**values)


def pytest_configure(config: pytest.Config) -> None:
    """With pytest-xdist and no TEST_DATABASE_URL, the controller starts one embedded
    PostgreSQL and hands it to its workers, which inherit the environment: each worker still
    makes its own database on it, but the server starts once, not once per worker."""
    workers = getattr(config.option, "numprocesses", None)
    if not workers or hasattr(config, "workerinput") or os.environ.get("TEST_DATABASE_URL"):
        return
    stack = ExitStack()
    config.add_cleanup(stack.close)
    os.environ["TEST_DATABASE_URL"] = stack.enter_context(server_url())
    stack.callback(os.environ.pop, "TEST_DATABASE_URL", None)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Schemathesis names each operation's test `test_api_conforms_to_its_schema[GET /healthz]`
    but gives them all the function's node id. pytest-xdist's file scheduling keys tests by
    node id, so it would run one operation and silently drop the rest: each gets its name's."""
    counts = Counter(item.nodeid for item in items)
    for item in items:
        if counts[item.nodeid] > 1 and "::" in item.nodeid:
            own = f"{item.nodeid.rsplit('::', 1)[0]}::{item.name}"
            if hasattr(item, "_id"):  # pytest 9 keeps a structured id
                from _pytest.nodeid import coerce_node_id

                item._id = coerce_node_id(own)
            else:
                item._nodeid = own  # type: ignore[attr-defined]
    repeated = [n for n, c in Counter(item.nodeid for item in items).items() if c > 1]
    assert not repeated, f"tests sharing a node id would be dropped by pytest-xdist: {repeated}"


@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    with server_url() as url:
        yield url


@pytest.fixture(scope="session")
def database_url(pg_server_url: str) -> Iterator[str]:
    with fresh_database(pg_server_url) as url:
        upgrade_head(url)
        yield url


@pytest.fixture(scope="session")
def settings() -> Settings:
    return make_settings()


@pytest.fixture(scope="session")
async def app(settings: Settings, database_url: str) -> AsyncIterator[FastAPI]:
    application = create_app(settings, database_url=database_url)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture(scope="session")
def db(app: FastAPI) -> Database:
    database: Database = app.state.db
    return database


_TABLES: list[str] = []
_NON_EMPTY: list[str] = []


@pytest.fixture(autouse=True)
async def _clean_tables(request: pytest.FixtureRequest) -> None:
    """Empty every table before each test that touches the database.

    Most tests write to a handful of tables, so only the tables holding rows are emptied, with
    DELETE under session_replication_role = replica (foreign keys unchecked, since every row
    goes): about a tenth of what a TRUNCATE of every table costs, per test. Without the
    superuser right that needs, every table is truncated instead."""
    if "database_url" in request.fixturenames:
        database: Database = request.getfixturevalue("db")
        async with database.engine.begin() as conn:
            if not _TABLES:
                rows = await conn.execute(
                    text(
                        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
                    )
                )
                _TABLES.extend(r[0] for r in rows)
                _NON_EMPTY.append(
                    " UNION ALL ".join(
                        f"SELECT '{t}' WHERE EXISTS (SELECT 1 FROM \"{t}\")" for t in _TABLES
                    )
                )
            filled = [r[0] for r in await conn.execute(text(_NON_EMPTY[0]))]
            if filled:
                driver = (await conn.get_raw_connection()).driver_connection
                assert driver is not None
                try:
                    await driver.execute(
                        "SET LOCAL session_replication_role = replica; "
                        + " ".join(f'DELETE FROM "{t}";' for t in filled)
                    )
                except asyncpg.InsufficientPrivilegeError:
                    await conn.rollback()
                    await conn.execute(text(f"TRUNCATE {', '.join(_TABLES)} CASCADE"))
                    await conn.commit()
    actor_cache.clear()


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hireloop.test") as c:
        yield c


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    """A plain client for calls a test makes to the servers it runs (fakes, Radicale)."""
    async with httpx.AsyncClient() as outbound:
        yield outbound


@dataclass
class Person:
    member: MemberPublic
    key: str

    @property
    def id(self) -> uuid.UUID:
        return self.member.id

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}

    @property
    def actor(self) -> Actor:
        return Actor(
            member_id=self.member.id,
            organization_id=self.member.organization_id,
            permission_set=PermissionSet(self.member.permission_set),
            email=self.member.email,
            name=self.member.name,
        )


@dataclass
class Tenant:
    """An organization with its admin; `add()` creates more members, each with an API key."""

    db: Database
    organization_id: uuid.UUID
    admin: Person
    people: list[Person] = field(default_factory=list)

    async def add(self, permission_set: str, name: str | None = None, **extra: Any) -> Person:
        label = name or f"{permission_set}-{len(self.people) + 1}"
        email = f"{label.lower().replace(' ', '.')}.{uuid.uuid4().hex[:6]}@example.com"
        async with self.db.transaction() as session:
            member = await organizations.create_member(
                session,
                self.admin.actor,
                MemberCreate.model_validate(
                    {"email": email, "name": label, "permission_set": permission_set, **extra}
                ),
            )
            from app.domain.organizations.schemas import ApiKeyCreate

            key = await organizations.create_api_key(
                session, self.admin.actor, ApiKeyCreate(name="test", member_id=member.id)
            )
        person = Person(member=member, key=key.key)
        self.people.append(person)
        return person


async def create_tenant(db: Database, name: str = "Acme") -> Tenant:
    async with db.transaction() as session:
        org, admin, key = await organizations.create_organization(
            session,
            name=name,
            admin_email=f"admin.{uuid.uuid4().hex[:6]}@example.com",
            admin_name=f"{name} Admin",
        )
    return Tenant(db=db, organization_id=org.id, admin=Person(member=admin, key=key.key))


@pytest.fixture
async def tenant(db: Database) -> Tenant:
    return await create_tenant(db, "Acme")


@pytest.fixture
async def other_tenant(db: Database) -> Tenant:
    return await create_tenant(db, "Globex")
