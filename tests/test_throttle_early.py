"""An address over its failed-credential allowance is refused before routing (app/api/throttle.py)
with the very 429 the route's authentication would have answered, while other addresses, keys
verified moments ago and routes that need no key are served as before."""

from __future__ import annotations

import re
import secrets
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.auth import Authenticator
from app.core.actor import Actor
from app.db import Database
from app.main import create_app
from tests.conftest import Tenant, make_settings
from tests.helpers_domain import graphql_refusal

ROLES = "/api/v1/roles"
ATTACKER = "203.0.113.66"
COLLEAGUE = "198.51.100.20"
ALLOWANCE = 3


@asynccontextmanager
async def running(database_url: str, **overrides: Any) -> AsyncIterator[FastAPI]:
    settings = make_settings(
        auth_failures_per_address=f"{ALLOWANCE}/minute", auth_cache_seconds=5.0, **overrides
    )
    application = create_app(settings, database_url=database_url)
    async with application.router.lifespan_context(application):
        yield application


def client_for(app: FastAPI, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://hireloop.test")


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def made_up_key() -> str:
    return "hl_" + secrets.token_urlsafe(32)


class Lookups:
    """Counts the requests that reached `Authenticator.authenticate`, which every route
    asking for the caller calls: one refused before routing never gets there."""

    def __init__(self, authenticator: Authenticator, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        original: Callable[..., Awaitable[Actor]] = authenticator.authenticate

        async def counting(*args: Any, **kwargs: Any) -> Actor:
            self.calls += 1
            return await original(*args, **kwargs)

        monkeypatch.setattr(authenticator, "authenticate", counting)


async def throttle(client: httpx.AsyncClient) -> None:
    """Spend the address's allowance of failed credentials (each a 401)."""
    for _ in range(ALLOWANCE):
        answer = await client.get(ROLES, headers=bearer(made_up_key()))
        assert answer.status_code == 401, answer.text


def assert_throttled(answer: httpx.Response, path: str) -> None:
    assert answer.status_code == 429, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    retry_after = int(answer.headers["Retry-After"])
    assert 1 <= retry_after <= 60
    assert answer.headers["RateLimit-Limit"] == str(ALLOWANCE)
    assert answer.headers["RateLimit-Remaining"] == "0"
    assert answer.headers["RateLimit-Reset"] == str(retry_after)
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.headers["X-Statement-Count"] == "0"
    assert answer.json() == {
        "type": "https://hireloop.dev/problems/rate-limited",
        "title": "Too many requests",
        "status": 429,
        "detail": f"Too many failed credentials from your address (more than {ALLOWANCE} "
        f"per minute); retry in {retry_after} s",
        "instance": path,
        "code": "rate_limited",
        "request_id": answer.headers["X-Request-ID"],
    }


async def test_a_throttled_address_is_refused_before_routing_while_others_are_served(
    database_url: str, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    recruiter = await tenant.add("recruiter")
    async with (
        running(database_url) as app,
        client_for(app, ATTACKER) as attacker,
        client_for(app, COLLEAGUE) as colleague,
    ):
        # Verified (and cached) from the attacker's address before its allowance is spent.
        assert (await attacker.get(ROLES, headers=bearer(tenant.admin.key))).status_code == 200
        await throttle(attacker)
        lookups = Lookups(app.state.authenticator, monkeypatch)

        role = f"{ROLES}/{uuid.uuid4()}"
        for path in (role, ROLES, role):
            assert_throttled(await attacker.get(path, headers=bearer(made_up_key())), path)
        # An Idempotency-Key does not take it past this layer either.
        post = await attacker.post(
            ROLES, json={}, headers={**bearer(made_up_key()), "Idempotency-Key": "k-1"}
        )
        assert_throttled(post, ROLES)
        graphql = await attacker.post(
            "/graphql", json={"query": "{ viewer { member { name } } }"}, headers=bearer("x")
        )
        graphql_refusal(graphql, 429, "rate_limited")
        assert graphql.headers["RateLimit-Remaining"] == "0"
        assert int(graphql.headers["Retry-After"]) >= 1
        assert lookups.calls == 0  # all of them refused before any route ran

        # Meanwhile: a valid key from another address ...
        served = await colleague.get(ROLES, headers=bearer(recruiter.key))
        assert served.status_code == 200, served.text
        assert served.headers["RateLimit-Remaining"] != "0"
        assert lookups.calls == 1
        # ... the key verified a moment ago, from the throttled address itself ...
        assert (await attacker.get(ROLES, headers=bearer(tenant.admin.key))).status_code == 200
        # ... and what needs no key, or has no route, or no such method, as before.
        assert (await attacker.get("/healthz")).status_code == 200
        assert (await attacker.get(ROLES)).status_code == 401
        missing = await attacker.get("/api/v1/no-such-thing", headers=bearer(made_up_key()))
        assert missing.status_code == 404
        wrong = await attacker.put(ROLES, headers=bearer(made_up_key()))
        assert wrong.status_code == 405
        assert lookups.calls == 3

        # Counted under the route's template, as a 429 the route answered would be.
        metrics = (await colleague.get("/metrics")).text
        refused = re.search(
            r'^hireloop_http_requests_total\{method="GET",route="/api/v1/roles/\{role_id\}",'
            r'status="429"\} ([\d.]+)$',
            metrics,
            re.M,
        )
        assert refused is not None
        assert float(refused.group(1)) == 2


async def test_the_refusal_ends_with_the_window(
    database_url: str, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Read on a clock an offset ahead of the real one, which both the counters' store and the
    memory of throttled addresses read."""
    ahead = [0.0]
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + ahead[0])
    async with running(database_url) as app, client_for(app, ATTACKER) as attacker:
        await throttle(attacker)
        assert_throttled(await attacker.get(ROLES, headers=bearer(made_up_key())), ROLES)
        ahead[0] = 61.0
        # A new window: the guess is looked up again (one statement) and refused as unknown.
        again = await attacker.get(ROLES, headers=bearer(made_up_key()))
        assert again.status_code == 401, again.text
        assert again.headers["X-Statement-Count"] == "1"
        # It counts in the new window, which throttles the address anew once spent.
        for _ in range(ALLOWANCE - 1):
            answer = await attacker.get(ROLES, headers=bearer(made_up_key()))
            assert answer.status_code == 401, answer.text
        assert_throttled(await attacker.get(ROLES, headers=bearer(made_up_key())), ROLES)


async def test_with_limits_off_nothing_is_refused(database_url: str, db: Database) -> None:
    async with (
        running(database_url, rate_limits_enabled=False) as app,
        client_for(app, ATTACKER) as attacker,
    ):
        for _ in range(ALLOWANCE * 2):
            answer = await attacker.get(ROLES, headers=bearer(made_up_key()))
            assert answer.status_code == 401
