"""Rate limits: per API key, per organization (REST and GraphQL), per client address on what
needs no key, the RateLimit headers and the 429 problem, Redis-shared counters, and off.

Each test runs an app of its own with tiny limits (the suite's app has limits it never
reaches), on the suite's database, and sends its requests from the address it chooses.
"""

from __future__ import annotations

import logging
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.main import create_app
from tests.conftest import Tenant, create_tenant, make_settings
from tests.helpers_domain import graphql_refusal

API = "/api/v1"
ROLES = f"{API}/roles"
VIEWER = {"query": "{ viewer { member { name } } }"}
REDIS_URL = "redis://127.0.0.1:6379/0"


@asynccontextmanager
async def running(database_url: str, **overrides: Any) -> AsyncIterator[FastAPI]:
    application = create_app(make_settings(**overrides), database_url=database_url)
    async with application.router.lifespan_context(application):
        yield application


def client_for(app: FastAPI, address: str = "198.51.100.10") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://hireloop.test")


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def rate_headers(response: httpx.Response) -> tuple[int, int, int]:
    return (
        int(response.headers["RateLimit-Limit"]),
        int(response.headers["RateLimit-Remaining"]),
        int(response.headers["RateLimit-Reset"]),
    )


def assert_refused(response: httpx.Response, limit: int) -> dict[str, Any]:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem: dict[str, Any] = response.json()
    assert problem["status"] == 429
    assert problem["code"] == "rate_limited"
    assert problem["title"] == "Too many requests"
    assert problem["type"] == "https://hireloop.dev/problems/rate-limited"
    assert problem["request_id"] == response.headers["X-Request-ID"]
    retry_after = int(response.headers["Retry-After"])
    assert 1 <= retry_after <= 60
    got_limit, remaining, reset = rate_headers(response)
    assert (got_limit, remaining) == (limit, 0)
    assert 0 <= reset <= 60
    return problem


def assert_graphql_refused(response: httpx.Response, limit: int) -> dict[str, Any]:
    """/graphql over a limit: the same 429, Retry-After and RateLimit headers as REST, with
    the body in GraphQL's error shape (`extensions.code` `rate_limited`) instead of a problem."""
    error = graphql_refusal(response, 429, "rate_limited")
    assert response.headers["X-Request-ID"]
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    got_limit, remaining, reset = rate_headers(response)
    assert (got_limit, remaining) == (limit, 0)
    assert 0 <= reset <= 60
    return error


async def test_a_key_over_its_limit_gets_a_429_problem_with_retry_after(
    database_url: str, tenant: Tenant
) -> None:
    async with (
        running(database_url, rate_limit_per_key="3/minute") as app,
        client_for(app) as client,
    ):
        seen = []
        for _ in range(2):
            answer = await client.get(ROLES, headers=bearer(tenant.admin.key))
            assert answer.status_code == 200
            seen.append(rate_headers(answer))
        # GraphQL is counted against the same key.
        answer = await client.post("/graphql", json=VIEWER, headers=bearer(tenant.admin.key))
        assert answer.status_code == 200, answer.text
        seen.append(rate_headers(answer))
        assert [(limit, remaining) for limit, remaining, _ in seen] == [(3, 2), (3, 1), (3, 0)]
        assert all(0 < reset <= 60 for _, _, reset in seen)

        problem = assert_refused(await client.get(ROLES, headers=bearer(tenant.admin.key)), 3)
        assert "This API key sent more than 3 requests per minute" in problem["detail"]
        error = assert_graphql_refused(
            await client.post("/graphql", json=VIEWER, headers=bearer(tenant.admin.key)), 3
        )
        assert "This API key sent more than 3 requests per minute" in error["message"]


async def test_an_organization_limit_counts_all_its_keys_together(
    database_url: str, tenant: Tenant, other_tenant: Tenant
) -> None:
    recruiter = await tenant.add("recruiter")
    async with (
        running(
            database_url, rate_limit_per_key="100/minute", rate_limit_per_organization="4/minute"
        ) as app,
        client_for(app) as client,
    ):
        for person in (tenant.admin, recruiter, tenant.admin, recruiter):
            answer = await client.get(ROLES, headers=bearer(person.key))
            assert answer.status_code == 200, answer.text
        # The org's window is the tighter one, so its figures are the ones reported.
        assert rate_headers(answer)[:2] == (4, 0)
        for person in (tenant.admin, recruiter):
            problem = assert_refused(await client.get(ROLES, headers=bearer(person.key)), 4)
            assert "Your organization sent more than 4 requests" in problem["detail"]
        # Another organization has its own window.
        answer = await client.get(ROLES, headers=bearer(other_tenant.admin.key))
        assert answer.status_code == 200
        assert rate_headers(answer)[:2] == (4, 3)


async def test_a_key_limit_is_per_key(database_url: str, tenant: Tenant) -> None:
    recruiter = await tenant.add("recruiter")
    async with (
        running(database_url, rate_limit_per_key="2/minute") as app,
        client_for(app) as client,
    ):
        for _ in range(2):
            assert (await client.get(ROLES, headers=bearer(tenant.admin.key))).status_code == 200
        assert_refused(await client.get(ROLES, headers=bearer(tenant.admin.key)), 2)
        answer = await client.get(ROLES, headers=bearer(recruiter.key))
        assert answer.status_code == 200
        assert rate_headers(answer)[:2] == (2, 1)


async def test_candidate_links_are_limited_per_address(database_url: str) -> None:
    link = f"{API}/public/availability/{'x' * 32}"
    async with running(database_url, rate_limit_per_address="3/minute") as app:
        async with client_for(app, "203.0.113.5") as candidate:
            for remaining in (2, 1, 0):
                answer = await candidate.get(link)
                assert answer.status_code == 404  # counted whatever the answer
                assert rate_headers(answer)[:2] == (3, remaining)
            refused = await candidate.get(link)
            assert_refused(refused, 3)
            assert refused.headers["x-statement-count"] == "0"
            assert_refused(await candidate.post(link, json={"windows": []}), 3)
        async with client_for(app, "203.0.113.6") as someone_else:
            answer = await someone_else.get(link)
            assert answer.status_code == 404
            assert rate_headers(answer)[:2] == (3, 2)


async def test_inbound_pushes_are_limited_per_address_together(database_url: str) -> None:
    push = f"{API}/calendar-push/google"
    webhook = f"{API}/integrations/{uuid.uuid4()}/webhooks"
    async with running(database_url, rate_limit_inbound_per_address="3/minute") as app:
        async with client_for(app, "192.0.2.44") as provider:
            answers = [
                await provider.post(push, headers={"X-Goog-Channel-ID": "nope"}),
                await provider.post(webhook, json={}),
                await provider.post(push),
            ]
            assert all(a.status_code != 429 for a in answers), [a.text for a in answers]
            assert [rate_headers(a)[1] for a in answers] == [2, 1, 0]
            assert_refused(await provider.post(push), 3)
            assert_refused(await provider.post(webhook, json={}), 3)
        async with client_for(app, "192.0.2.45") as another:
            answer = await another.post(push)
            assert answer.status_code != 429
            assert rate_headers(answer)[:2] == (3, 2)


async def test_limits_off_send_no_ratelimit_headers(database_url: str, tenant: Tenant) -> None:
    async with (
        running(
            database_url,
            rate_limits_enabled=False,
            rate_limit_per_key="1/minute",
            rate_limit_per_address="1/minute",
            auth_failures_per_address="1/minute",
        ) as app,
        client_for(app) as client,
    ):
        for _ in range(3):
            answer = await client.get(ROLES, headers=bearer(tenant.admin.key))
            assert answer.status_code == 200
            assert not any(h.lower().startswith("ratelimit") for h in answer.headers)
            link = await client.get(f"{API}/public/availability/{'y' * 32}")
            assert link.status_code == 404
            assert "RateLimit-Limit" not in link.headers
            bad = await client.get(ROLES, headers=bearer("hl_" + uuid.uuid4().hex))
            assert bad.status_code == 401


async def test_an_idempotent_post_refused_with_429_is_not_replayed(
    database_url: str, tenant: Tenant
) -> None:
    """A 429 is "not now", not the request's answer: the retry with the same key must run."""
    body = {
        "name": "Ada Lovelace",
        "email": f"ada.{uuid.uuid4().hex[:6]}@example.com",
        "source": "referral",
        "consent_given": True,
    }
    headers = {**bearer(tenant.admin.key), "Idempotency-Key": uuid.uuid4().hex}
    async with (
        running(database_url, rate_limit_per_key="1/minute") as app,
        client_for(app) as client,
    ):
        assert (await client.get(ROLES, headers=bearer(tenant.admin.key))).status_code == 200
        assert_refused(await client.post(f"{API}/candidates", json=body, headers=headers), 1)
    async with running(database_url) as app, client_for(app) as client:
        answer = await client.post(f"{API}/candidates", json=body, headers=headers)
        assert answer.status_code == 201, answer.text
        assert "idempotent-replayed" not in answer.headers


def _redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


async def test_two_processes_count_together_through_redis(database_url: str, db: Any) -> None:
    if not _redis_reachable():
        pytest.skip("no Redis at 127.0.0.1:6379")
    # A fresh organization and key: their windows in Redis are new whatever ran before.
    tenant = await create_tenant(db, "Shared")
    settings = {"redis_url": REDIS_URL, "rate_limit_per_key": "4/minute"}
    async with (
        running(database_url, **settings) as first,
        running(database_url, **settings) as second,
        client_for(first) as one,
        client_for(second) as two,
    ):
        remaining = []
        for client in (one, two, one, two):
            answer = await client.get(ROLES, headers=bearer(tenant.admin.key))
            assert answer.status_code == 200, answer.text
            remaining.append(rate_headers(answer)[1])
        assert remaining == [3, 2, 1, 0]
        assert_refused(await one.get(ROLES, headers=bearer(tenant.admin.key)), 4)
        assert_refused(await two.get(ROLES, headers=bearer(tenant.admin.key)), 4)


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


async def test_an_unreachable_redis_lets_requests_through_and_warns(
    database_url: str, tenant: Tenant
) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    logger = logging.getLogger("hireloop.ratelimit")
    caught = _Records()
    logger.addHandler(caught)
    try:
        async with (
            running(
                database_url,
                redis_url=f"redis://127.0.0.1:{port}/0",
                rate_limit_per_key="1/minute",
            ) as app,
            client_for(app) as client,
        ):
            for _ in range(3):
                answer = await client.get(ROLES, headers=bearer(tenant.admin.key))
                assert answer.status_code == 200
                assert "RateLimit-Limit" not in answer.headers
    finally:
        logger.removeHandler(caught)
    # One warning for the outage, not one per request: the store is left alone a while.
    assert len(caught.records) == 1
    assert "not counted" in caught.records[0].getMessage()
