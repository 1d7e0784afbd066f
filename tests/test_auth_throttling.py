"""Failed credentials: bad keys throttled per client address, unknown keys remembered so a
flood of them costs no query each, and an oversized Authorization header refused at once."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI

from app.main import create_app
from tests.conftest import Tenant, make_settings

ROLES = "/api/v1/roles"


@asynccontextmanager
async def running(database_url: str, **overrides: Any) -> AsyncIterator[FastAPI]:
    application = create_app(make_settings(**overrides), database_url=database_url)
    async with application.router.lifespan_context(application):
        yield application


def client_for(app: FastAPI, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://hireloop.test")


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def made_up_key() -> str:
    return "hl_" + secrets.token_urlsafe(32)


def statements(response: httpx.Response) -> int:
    return int(response.headers["x-statement-count"])


async def test_bad_keys_from_one_address_are_throttled_but_good_keys_still_work(
    database_url: str, tenant: Tenant
) -> None:
    recruiter = await tenant.add("recruiter")
    interviewer = await tenant.add("interviewer")
    async with (
        running(database_url, auth_failures_per_address="3/minute") as app,
        client_for(app, "198.51.100.66") as attacker,
        client_for(app, "198.51.100.77") as colleague,
    ):
        # Verified (and cached) before the flood starts, from the flooding address.
        assert (await attacker.get(ROLES, headers=bearer(tenant.admin.key))).status_code == 200
        for credential in (made_up_key(), made_up_key(), "not-even-a-key"):
            answer = await attacker.get(ROLES, headers=bearer(credential))
            assert answer.status_code == 401, answer.text
            assert answer.json()["code"] == "unauthenticated"
        refused = await attacker.get(ROLES, headers=bearer(made_up_key()))
        assert refused.status_code == 429
        problem = refused.json()
        assert problem["code"] == "rate_limited"
        assert "Too many failed credentials from your address" in problem["detail"]
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        assert refused.headers["RateLimit-Limit"] == "3"
        assert refused.headers["RateLimit-Remaining"] == "0"
        # Refused before any look-up: further guesses cost the database nothing.
        again = await attacker.get(ROLES, headers=bearer(made_up_key()))
        assert again.status_code == 429
        assert statements(again) == 0
        graphql = await attacker.post(
            "/graphql", json={"query": "{ viewer { member { name } } }"}, headers=bearer("x")
        )
        assert graphql.status_code == 429

        # The key verified a moment ago still works from there ...
        assert (await attacker.get(ROLES, headers=bearer(tenant.admin.key))).status_code == 200
        # ... a key not yet verified waits like the guesses (it cannot be told from one) ...
        assert (await attacker.get(ROLES, headers=bearer(interviewer.key))).status_code == 429
        # ... and other addresses are not affected at all.
        answer = await colleague.get(ROLES, headers=bearer(recruiter.key))
        assert answer.status_code == 200, answer.text


async def test_requests_without_credentials_are_not_counted_as_failures(
    database_url: str,
) -> None:
    async with (
        running(database_url, auth_failures_per_address="2/minute") as app,
        client_for(app, "198.51.100.88") as client,
    ):
        for _ in range(4):
            answer = await client.get(ROLES)
            assert answer.status_code == 401
        assert (await client.get(ROLES, headers=bearer(made_up_key()))).status_code == 401


async def test_an_unknown_key_costs_one_query_then_none(database_url: str) -> None:
    async with (
        running(database_url, auth_failures_per_address="1000/minute") as app,
        client_for(app, "198.51.100.99") as client,
    ):
        key = made_up_key()
        first = await client.get(ROLES, headers=bearer(key))
        assert first.status_code == 401
        assert statements(first) == 1
        for _ in range(20):
            answer = await client.get(ROLES, headers=bearer(key))
            assert answer.status_code == 401
            assert answer.json()["detail"] == "The API key is unknown or revoked"
            assert statements(answer) == 0
        # Through the Idempotency-Key layer too, which authenticates before the route.
        post = await client.post(
            "/api/v1/candidates", json={}, headers={**bearer(key), "Idempotency-Key": "k-1"}
        )
        assert post.status_code == 401
        assert statements(post) == 0


async def test_a_revoked_key_is_remembered_as_unknown(database_url: str, tenant: Tenant) -> None:
    recruiter = await tenant.add("recruiter")
    async with (
        running(database_url, auth_cache_seconds=0.0) as app,
        client_for(app, "198.51.100.100") as client,
    ):
        assert (await client.get(ROLES, headers=bearer(recruiter.key))).status_code == 200
        keys = (await client.get("/api/v1/api-keys", headers=bearer(tenant.admin.key))).json()
        key_id = next(k["id"] for k in keys["items"] if k["member_id"] == str(recruiter.id))
        revoked = await client.post(
            f"/api/v1/api-keys/{key_id}/revoke", headers=bearer(tenant.admin.key)
        )
        assert revoked.status_code == 200, revoked.text
        first = await client.get(ROLES, headers=bearer(recruiter.key))
        assert first.status_code == 401
        assert statements(first) == 1
        second = await client.get(ROLES, headers=bearer(recruiter.key))
        assert second.status_code == 401
        assert statements(second) == 0


async def test_an_oversized_authorization_header_is_refused_at_once(
    database_url: str, tenant: Tenant
) -> None:
    for enabled in (True, False):
        async with (
            running(database_url, rate_limits_enabled=enabled, max_authorization_bytes=1024) as app,
            client_for(app, "198.51.100.111") as client,
        ):
            huge = "hl_" + "A" * 2000
            answer = await client.get(ROLES, headers=bearer(huge))
            assert answer.status_code == 431
            problem = answer.json()
            assert problem["code"] == "authorization_too_large"
            assert problem["status"] == 431
            assert answer.headers["content-type"] == "application/problem+json"
            assert statements(answer) == 0
            graphql = await client.post("/graphql", json={}, headers=bearer(huge))
            assert graphql.status_code == 431
            # At the limit exactly, the header is read as usual.
            exact = "Bearer " + "hl_" + "B" * (1024 - len("Bearer hl_"))
            assert len(exact) == 1024
            assert (await client.get(ROLES, headers={"Authorization": exact})).status_code == 401
            good = await client.get(ROLES, headers=bearer(tenant.admin.key))
            assert good.status_code == 200


async def test_idempotent_posts_count_each_failure_once(database_url: str) -> None:
    """The Idempotency-Key layer authenticates before the route, which authenticates again:
    a refused key still counts once, and a throttled address is refused with no look-up."""
    async with (
        running(database_url, auth_failures_per_address="3/minute") as app,
        client_for(app, "198.51.100.122") as client,
    ):
        for n in range(3):
            answer = await client.post(
                "/api/v1/candidates",
                json={},
                headers={**bearer(made_up_key()), "Idempotency-Key": f"k-{n}"},
            )
            assert answer.status_code == 401, answer.text
            assert statements(answer) == 1
        refused = await client.post(
            "/api/v1/candidates",
            json={},
            headers={**bearer(made_up_key()), "Idempotency-Key": "k-last"},
        )
        assert refused.status_code == 429
        assert refused.json()["code"] == "rate_limited"
        assert statements(refused) == 0
