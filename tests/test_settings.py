"""Settings: the URL forms hosting platforms hand out, secrets, the auth cache bound, GraphQL defaults.

Settings are read from the environment as an operator would set them; every test starts from an
environment without any HIRELOOP_ variable or DATABASE_URL, so the machine's own never leak in.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from pydantic import ValidationError

from app.main import create_app
from app.settings import PLACEHOLDER_SECRET, Settings, normalize_database_url
from tests.conftest import TEST_SECRET, Tenant, make_settings


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("HIRELOOP_") or name == "DATABASE_URL":
            monkeypatch.delenv(name)


# --- DATABASE_URL ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (
            "postgres://app:pw@db.example.com:5432/hire",
            "postgresql+asyncpg://app:pw@db.example.com:5432/hire",
        ),
        (
            "postgresql://app:pw@db.example.com/hire",
            "postgresql+asyncpg://app:pw@db.example.com/hire",
        ),
        ("postgresql+asyncpg://app@localhost/hire", "postgresql+asyncpg://app@localhost/hire"),
    ],
)
def test_database_url_accepts_platform_forms(
    monkeypatch: pytest.MonkeyPatch, given: str, expected: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", given)
    assert Settings().database_url == expected


def test_database_url_translates_sslmode_for_asyncpg(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "DATABASE_URL",
        "postgres://app:pw@db.example.com:5432/hire?sslmode=require&application_name=x",
    )
    url = Settings().database_url
    assert url is not None
    assert url.startswith("postgresql+asyncpg://app:pw@db.example.com:5432/hire?")
    assert "ssl=require" in url
    assert "sslmode" not in url
    assert "application_name=x" in url


def test_database_url_keeps_password_with_special_characters() -> None:
    url = normalize_database_url("postgres://app:p%40ss%2Fword@db:5432/hire")
    assert url == "postgresql+asyncpg://app:p%40ss%2Fword@db:5432/hire"


def test_database_url_also_read_with_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HIRELOOP_DATABASE_URL", "postgres://app@db/hire")
    assert Settings().database_url == "postgresql+asyncpg://app@db/hire"


def test_empty_database_url_means_embedded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "")
    assert Settings().database_url is None
    monkeypatch.delenv("DATABASE_URL")
    assert Settings().database_url is None


@pytest.mark.parametrize(
    "given", ["mysql://app@db/hire", "sqlite:///hire.db", "db.example.com/hire"]
)
def test_database_url_of_another_kind_is_refused(
    monkeypatch: pytest.MonkeyPatch, given: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", given)
    with pytest.raises(ValidationError, match="postgresql://"):
        Settings()


# --- secrets --------------------------------------------------------------------------------


@pytest.mark.parametrize("env", ["production", "test"])
def test_placeholder_secret_refused_outside_development(
    monkeypatch: pytest.MonkeyPatch, env: str
) -> None:
    monkeypatch.setenv("HIRELOOP_ENV", env)
    with pytest.raises(ValidationError, match="HIRELOOP_SECRET_KEY"):
        Settings()  # the default secret is the placeholder
    monkeypatch.setenv("HIRELOOP_SECRET_KEY", PLACEHOLDER_SECRET)
    with pytest.raises(ValidationError, match="HIRELOOP_SECRET_KEY"):
        Settings()


def test_short_secret_refused_in_production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HIRELOOP_ENV", "production")
    monkeypatch.setenv("HIRELOOP_SECRET_KEY", "short")
    with pytest.raises(ValidationError, match="HIRELOOP_SECRET_KEY"):
        Settings()


def test_real_secret_accepted_in_production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HIRELOOP_ENV", "production")
    monkeypatch.setenv("HIRELOOP_SECRET_KEY", TEST_SECRET)
    settings = Settings()
    assert settings.is_production
    assert settings.secret_key == TEST_SECRET


def test_placeholder_secret_accepted_in_development() -> None:
    settings = Settings()
    assert settings.env == "development"
    assert settings.secret_key == PLACEHOLDER_SECRET


def test_unknown_environment_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HIRELOOP_ENV", "staging")
    with pytest.raises(ValidationError):
        Settings()


# --- the auth cache bound -------------------------------------------------------------------


@pytest.mark.parametrize("seconds", ["0", "3", "5"])
def test_auth_cache_seconds_within_bound(monkeypatch: pytest.MonkeyPatch, seconds: str) -> None:
    monkeypatch.setenv("HIRELOOP_AUTH_CACHE_SECONDS", seconds)
    assert Settings().auth_cache_seconds == float(seconds)


@pytest.mark.parametrize("seconds", ["5.01", "6", "60", "-1"])
def test_auth_cache_seconds_over_five_refused(
    monkeypatch: pytest.MonkeyPatch, seconds: str
) -> None:
    # A revoked key must stop working on every instance within 5 seconds.
    monkeypatch.setenv("HIRELOOP_AUTH_CACHE_SECONDS", seconds)
    with pytest.raises(ValidationError, match="auth_cache_seconds"):
        Settings()


def test_default_auth_cache_within_bound() -> None:
    assert 0 <= Settings().auth_cache_seconds <= 5


# --- GraphQL introspection and IDE ----------------------------------------------------------


def test_graphql_introspection_and_ide_off_by_default_in_production(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HIRELOOP_ENV", "production")
    monkeypatch.setenv("HIRELOOP_SECRET_KEY", TEST_SECRET)
    settings = Settings()
    assert settings.graphql_introspection_enabled is False
    assert settings.graphql_ide_enabled is False


def test_graphql_introspection_and_ide_on_by_default_in_development() -> None:
    settings = Settings()
    assert settings.graphql_introspection_enabled is True
    assert settings.graphql_ide_enabled is True


def test_graphql_introspection_and_ide_switchable_in_production(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HIRELOOP_ENV", "production")
    monkeypatch.setenv("HIRELOOP_SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("HIRELOOP_GRAPHQL_INTROSPECTION", "true")
    monkeypatch.setenv("HIRELOOP_GRAPHQL_IDE", "true")
    settings = Settings()
    assert settings.graphql_introspection_enabled is True
    assert settings.graphql_ide_enabled is True


def test_graphql_introspection_switchable_off_in_development(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HIRELOOP_GRAPHQL_INTROSPECTION", "false")
    monkeypatch.setenv("HIRELOOP_GRAPHQL_IDE", "false")
    settings = Settings()
    assert settings.graphql_introspection_enabled is False
    assert settings.graphql_ide_enabled is False


INTROSPECTION = {"query": "{ __schema { queryType { name } } }"}


@pytest.fixture
async def production_client(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    app: FastAPI = create_app(make_settings(env="production"), database_url=database_url)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hireloop.test") as c:
            yield c


async def test_production_app_refuses_introspection_and_serves_no_ide(
    production_client: httpx.AsyncClient, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    headers = tenant.admin.headers
    answer = await production_client.post("/graphql", json=INTROSPECTION, headers=headers)
    body = answer.json()
    assert body.get("data") is None
    assert body["errors"], body
    assert "introspection" in str(body["errors"]).lower()
    # An ordinary query still works in production.
    viewer = await production_client.post(
        "/graphql", json={"query": "{ viewer { member { email } } }"}, headers=headers
    )
    assert viewer.json()["data"]["viewer"]["member"]["email"] == tenant.admin.member.email

    ide = await production_client.get("/graphql", headers={"Accept": "text/html", **headers})
    assert "graphiql" not in ide.text.lower()

    # The test settings (not production) leave both on, so the same requests behave differently.
    dev = await client.post("/graphql", json=INTROSPECTION, headers=headers)
    assert dev.json()["data"]["__schema"]["queryType"]["name"] == "Query"
    dev_ide = await client.get("/graphql", headers={"Accept": "text/html", **headers})
    assert dev_ide.status_code == 200
    assert "graphiql" in dev_ide.text.lower()


# --- public_url -----------------------------------------------------------------------------


def test_links_name_the_address_served_unless_a_public_url_is_set() -> None:
    assert Settings().public_url == "http://127.0.0.1:8000"
    assert Settings(port=9001).public_url == "http://127.0.0.1:9001"
    assert Settings(host="0.0.0.0", port=8080).public_url == "http://127.0.0.1:8080"
    assert Settings(host="::", port=8080).public_url == "http://[::1]:8080"
    given = Settings(public_url="https://hireloop.example.com", port=9001)
    assert given.public_url == "https://hireloop.example.com"
