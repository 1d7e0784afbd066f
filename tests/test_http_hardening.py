"""Less said, less kept: headers on every answer, a token for /metrics, API docs that can be
switched off, and a malformed If-Match that answers as docs/api.md says.

Every request goes through the whole application (httpx over ASGI), middleware included."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.main import create_app
from app.settings import Settings
from tests.conftest import Tenant, make_settings
from tests.helpers_pipeline import MINIMAL_PDF, make_candidate
from tests.test_http_platform import MIB, assert_problem, create_role

METRICS_TOKEN = "metrics-token-for-tests-0123456789"

ClientFactory = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def client_with(database_url: str) -> ClientFactory:
    """A client for an app built with the test settings plus `overrides`."""

    @asynccontextmanager
    async def open_client(**overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
        app: FastAPI = create_app(make_settings(**overrides), database_url=database_url)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://hireloop.test"
            ) as client:
                yield client

    return open_client


def assert_nosniff(response: httpx.Response) -> None:
    assert response.headers.get_list("x-content-type-options") == ["nosniff"], response.headers


def assert_no_store(response: httpx.Response) -> None:
    assert_nosniff(response)
    assert response.headers.get_list("cache-control") == ["no-store"], response.headers


# --- headers on every answer ----------------------------------------------------------------


async def test_json_answer_is_no_store_and_nosniff(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    role = await create_role(client, tenant.admin, "Headers")
    read = await client.get(f"/api/v1/roles/{role['id']}", headers=tenant.admin.headers)
    assert read.status_code == 200
    assert read.headers["content-type"].startswith("application/json")
    assert_no_store(read)
    listed = await client.get("/api/v1/roles", headers=tenant.admin.headers)
    assert listed.status_code == 200
    assert_no_store(listed)
    # A 304 says no more than the 200 it stands for, and is kept no more either.
    again = await client.get(
        f"/api/v1/roles/{role['id']}",
        headers={**tenant.admin.headers, "If-None-Match": read.headers["etag"]},
    )
    assert again.status_code == 304
    assert_no_store(again)


async def test_problems_are_no_store_and_nosniff(client: httpx.AsyncClient, tenant: Tenant) -> None:
    unauthenticated = await client.get("/api/v1/roles")
    assert_problem(unauthenticated, 401, "unauthenticated")
    assert_no_store(unauthenticated)

    invalid = await client.post("/api/v1/roles", headers=tenant.admin.headers, json={})
    assert_problem(invalid, 422, "invalid_input")
    assert_no_store(invalid)

    too_large = await client.post(
        "/api/v1/roles",
        headers={**tenant.admin.headers, "Content-Type": "application/json"},
        content=json.dumps({"title": "Big", "team": "x" * (MIB + 10)}).encode(),
    )
    assert_problem(too_large, 413, "payload_too_large")
    assert_no_store(too_large)

    # A candidate's public link (no API key) is as private as the rest.
    public = await client.get("/api/v1/public/availability/not-a-real-token")
    assert 400 <= public.status_code < 500
    assert_no_store(public)


async def test_unknown_routes_are_nosniff(client: httpx.AsyncClient, tenant: Tenant) -> None:
    inside = await client.get("/api/v1/no-such-thing", headers=tenant.admin.headers)
    assert_problem(inside, 404, "not_found")
    assert_no_store(inside)
    outside = await client.get("/no-such-thing")
    assert_problem(outside, 404, "not_found")
    assert_nosniff(outside)


async def test_health_answers_are_nosniff_and_may_be_cached(client: httpx.AsyncClient) -> None:
    health = await client.get("/healthz")
    assert health.status_code == 200
    assert_nosniff(health)
    assert "cache-control" not in health.headers


async def test_graphql_answers_are_no_store_and_nosniff(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    viewer = await client.post(
        "/graphql", json={"query": "{ viewer { member { email } } }"}, headers=tenant.admin.headers
    )
    assert viewer.status_code == 200
    assert viewer.json()["data"]["viewer"]["member"]["email"] == tenant.admin.member.email
    assert_no_store(viewer)
    broken = await client.post(
        "/graphql", json={"query": "{ noSuchField }"}, headers=tenant.admin.headers
    )
    assert broken.json()["errors"]
    assert_no_store(broken)
    anonymous = await client.post("/graphql", json={"query": "{ viewer { member { email } } }"})
    assert_no_store(anonymous)


async def test_a_routes_own_cache_control_is_kept_once(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    created = await client.post(
        "/api/v1/api-keys", headers=tenant.admin.headers, json={"name": "Headers"}
    )
    assert created.status_code == 201, created.text
    assert_no_store(created)


async def test_a_document_download_is_no_store_with_one_nosniff(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    candidate = await make_candidate(client, tenant.admin, "Private Person")
    uploaded = await client.post(
        f"/api/v1/candidates/{candidate['id']}/documents",
        headers=tenant.admin.headers,
        files={"file": ("cv.pdf", MINIMAL_PDF, "application/pdf")},
        data={"kind": "resume"},
    )
    assert uploaded.status_code == 201, uploaded.text
    assert_no_store(uploaded)
    download = await client.get(uploaded.json()["download_url"], headers=tenant.admin.headers)
    assert download.status_code == 200
    assert download.content == MINIMAL_PDF
    # The route sets nosniff itself; the middleware does not add a second one.
    assert_no_store(download)


async def test_no_store_added_outside_does_not_stop_idempotent_replays(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    """Idempotency keeps an answer unless the route marked it no-store (a secret shown once);
    the header added for every answer must not make every answer look like a secret."""
    headers = {**tenant.admin.headers, "Idempotency-Key": "hardening-replay-1"}
    first = await client.post("/api/v1/roles", headers=headers, json={"title": "Replayed"})
    assert first.status_code == 201, first.text
    assert_no_store(first)
    second = await client.post("/api/v1/roles", headers=headers, json={"title": "Replayed"})
    assert second.status_code == 201, second.text
    assert second.headers["idempotent-replayed"] == "true"
    assert second.json() == first.json()
    assert_no_store(second)


# --- /metrics -------------------------------------------------------------------------------


async def test_metrics_open_without_a_token_setting(client: httpx.AsyncClient) -> None:
    answer = await client.get("/metrics")
    assert answer.status_code == 200
    assert "hireloop_http_requests_total" in answer.text
    assert_nosniff(answer)


async def test_metrics_token_is_required_when_set(client_with: ClientFactory) -> None:
    async with client_with(metrics_token=METRICS_TOKEN) as client:
        missing = await client.get("/metrics")
        assert_problem(missing, 401, "unauthenticated")
        assert missing.headers["www-authenticate"].lower().startswith("bearer")
        assert_nosniff(missing)
        for wrong in (
            f"Bearer {METRICS_TOKEN}x",
            f"Bearer {METRICS_TOKEN[:-1]}",
            "Bearer ",
            f"Basic {METRICS_TOKEN}",
            METRICS_TOKEN,
        ):
            refused = await client.get("/metrics", headers={"Authorization": wrong})
            assert_problem(refused, 401, "unauthenticated")
            assert "hireloop_" not in refused.text

        allowed = await client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        assert allowed.status_code == 200, allowed.text
        assert allowed.headers["content-type"].startswith("text/plain")
        # The refusals are counted under the route, not as unmatched paths.
        assert 'route="/metrics",status="401"' in allowed.text
        scheme = await client.get("/metrics", headers={"Authorization": f"bearer {METRICS_TOKEN}"})
        assert scheme.status_code == 200

        # The token guards /metrics only.
        assert (await client.get("/healthz")).status_code == 200


def test_blank_metrics_token_means_unprotected() -> None:
    assert make_settings(metrics_token="").metrics_token is None
    assert make_settings(metrics_token="  ").metrics_token is None


# --- /docs and /openapi.json ----------------------------------------------------------------


async def test_api_docs_served_by_default_outside_production(client: httpx.AsyncClient) -> None:
    spec = await client.get("/openapi.json")
    assert spec.status_code == 200
    assert spec.json()["info"]["title"] == "Hireloop"
    assert_nosniff(spec)
    assert (await client.get("/docs")).status_code == 200


async def test_api_docs_switched_off_are_404(client_with: ClientFactory, tenant: Tenant) -> None:
    async with client_with(api_docs=False) as client:
        for path in ("/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"):
            assert_problem(await client.get(path), 404, "not_found")
        # The API itself is unaffected.
        roles = await client.get("/api/v1/roles", headers=tenant.admin.headers)
        assert roles.status_code == 200


def test_api_docs_default_off_in_production_and_switchable() -> None:
    assert make_settings().api_docs_enabled is True
    assert Settings(env="development").api_docs_enabled is True
    assert make_settings(env="production").api_docs_enabled is False
    assert make_settings(env="production", api_docs=True).api_docs_enabled is True
    assert make_settings(api_docs=False).api_docs_enabled is False


async def test_production_serves_no_api_docs_unless_asked(client_with: ClientFactory) -> None:
    async with client_with(env="production") as client:
        assert_problem(await client.get("/openapi.json"), 404, "not_found")
        assert_problem(await client.get("/docs"), 404, "not_found")
    async with client_with(env="production", api_docs=True) as client:
        assert (await client.get("/openapi.json")).status_code == 200


# --- If-Match -------------------------------------------------------------------------------

MALFORMED_IF_MATCH: list[str | bytes] = [
    "garbage",
    '"1", "2"',
    '"-1"',
    '"+1"',
    '""',
    '"',
    "W/",
    "W/1",
    '"1',
    '1"',
    "'1'",
    '"1.0"',
    '" 1"',
    '"99999999999999999999"',
    b'"\xb2"',  # a digit to str.isdigit(), not to int(): this was a 500
    b'"\xb9\xb2"',
]


@pytest.mark.parametrize("value", MALFORMED_IF_MATCH)
async def test_malformed_if_match_is_412_naming_the_expected_form(
    client: httpx.AsyncClient, tenant: Tenant, value: str | bytes
) -> None:
    role = await create_role(client, tenant.admin, "Guarded")
    url = f"/api/v1/roles/{role['id']}"
    raw = value if isinstance(value, bytes) else value.encode()
    headers = [(k.encode(), v.encode()) for k, v in tenant.admin.headers.items()]
    refused = await client.patch(url, headers=[*headers, (b"if-match", raw)], json={"title": "C"})
    body = assert_problem(refused, 412, "precondition_failed")
    assert "If-Match must be the ETag you read" in body["detail"]
    assert_no_store(refused)
    after = await client.get(url, headers=tenant.admin.headers)
    assert after.json()["title"] == "Guarded"
    assert after.json()["version"] == role["version"]


async def test_if_match_over_100_characters_is_422_naming_it(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    role = await create_role(client, tenant.admin, "Guarded")
    url = f"/api/v1/roles/{role['id']}"
    refused = await client.patch(
        url,
        headers={**tenant.admin.headers, "If-Match": '"' + "1" * 120 + '"'},
        json={"title": "X"},
    )
    body = assert_problem(refused, 422, "invalid_input")
    assert [e["field"] for e in body["errors"]] == ["if-match"]
    assert (await client.get(url, headers=tenant.admin.headers)).json()["title"] == "Guarded"


@pytest.mark.parametrize("form", ['"{v}"', 'W/"{v}"', "{v}", " {v} ", "*"])
async def test_well_formed_if_match_is_honoured(
    client: httpx.AsyncClient, tenant: Tenant, form: str
) -> None:
    role = await create_role(client, tenant.admin, "Guarded")
    url = f"/api/v1/roles/{role['id']}"
    value = form.format(v=role["version"])
    changed = await client.patch(
        url, headers={**tenant.admin.headers, "If-Match": value}, json={"title": "Changed"}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["title"] == "Changed"
    if form != "*":
        stale = await client.patch(
            url, headers={**tenant.admin.headers, "If-Match": value}, json={"title": "Lost"}
        )
        body = assert_problem(stale, 412, "precondition_failed")
        assert "If-Match must be" not in body["detail"]


async def test_graphql_variables_nested_absurdly_deep_are_a_400_not_a_500(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    query = "query($v: JSON) { viewer { member { email } } }"
    for levels in (100_000, 65):
        body = '{"query": "' + query + '", "variables": {"v": ' + "[" * levels + "]" * levels + "}}"
        answer = await client.post(
            "/graphql",
            content=body,
            headers={**tenant.admin.headers, "Content-Type": "application/json"},
        )
        assert answer.status_code == 400, (levels, answer.text[:200])
    fine = await client.post(
        "/graphql",
        json={"query": "{ viewer { member { email } } }", "variables": {"v": [[[1]]]}},
        headers=tenant.admin.headers,
    )
    assert fine.status_code == 200, fine.text
    assert fine.json()["data"]["viewer"]["member"]["email"] == tenant.admin.member.email


async def test_an_interview_at_the_end_of_year_9999_is_a_422_not_a_500(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    from tests.helpers_interviews import interviewing_application

    hiring = await interviewing_application(client, tenant)
    ivy = await tenant.add("interviewer", "Ivy")
    answer = await client.post(
        "/api/v1/interviews",
        headers=hiring.recruiter.headers,
        json={
            "application_id": hiring.app_id,
            "interviews": [
                {
                    "kind": "technical",
                    "start_at": "9999-12-31T22:00:00+00:00",
                    "end_at": "9999-12-31T23:00:00+00:00",
                    "interviewer_ids": [str(ivy.id)],
                }
            ],
        },
    )
    assert_problem(answer, 422, "invalid_input")
    assert {e["field"] for e in answer.json()["errors"]} >= {"interviews.0.start_at"}
    suggestion = await client.post(
        "/api/v1/scheduling/suggestions",
        headers=hiring.recruiter.headers,
        json={
            "application_id": hiring.app_id,
            "stages": [{"name": "t", "duration_minutes": 60, "interviewer_ids": [str(ivy.id)]}],
            "date_from": "9999-12-30T00:00:00+00:00",
            "date_to": "9999-12-31T23:59:00+00:00",
        },
    )
    assert_problem(suggestion, 422, "invalid_input")


async def test_an_unknown_field_in_a_nested_graphql_input_is_a_typed_error(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    query = "mutation($input: UpdateMemberInput!) { updateMember(input: $input) { __typename } }"
    hours = [{"start": "09:00", "end": "17:00", "bogus": 1}]
    variables = {
        "input": {"id": str(tenant.admin.id), "workingHours": [{"day": "mon", "hours": hours}]}
    }
    answer = await client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=tenant.admin.headers
    )
    (error,) = answer.json()["errors"]
    assert error["extensions"] == {"code": "invalid_query", "status": 400}
    assert "bogus" in error["message"]
