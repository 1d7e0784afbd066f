"""The HTTP platform every route shares: problem details, request ids, size limit, health and
metrics, pagination, Idempotency-Key, ETag and If-Match, and the outbox of events."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from app.db import Database
from app.main import create_app
from tests.conftest import Person, Tenant, make_settings
from tests.dbserver import fresh_database

PROBLEM_JSON = "application/problem+json"
MIB = 1024 * 1024


def assert_problem(
    response: httpx.Response, status: int, code: str | None = None, path: str | None = None
) -> dict[str, Any]:
    """An RFC 9457 problem with our extension members, consistent with the response itself."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON), response.headers
    body: dict[str, Any] = response.json()
    assert isinstance(body["type"], str)
    assert body["type"].startswith(("https://", "http://")) or body["type"] == "about:blank"
    assert isinstance(body["title"], str)
    assert body["title"]
    assert body["status"] == status
    assert isinstance(body["detail"], str)
    assert body["detail"]
    assert body["instance"] == (path or response.request.url.path)
    assert isinstance(body["code"], str)
    assert body["code"]
    if code is not None:
        assert body["code"] == code
    assert body["request_id"]
    assert body["request_id"] == response.headers["x-request-id"]
    return body


def error_fields(body: dict[str, Any]) -> set[str]:
    errors = body.get("errors")
    assert isinstance(errors, list)
    assert errors, body
    for error in errors:
        assert error["field"]
        assert error["message"]
    return {e["field"] for e in errors}


async def create_role(
    client: httpx.AsyncClient, person: Person, title: str, **extra: Any
) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/roles", headers=person.headers, json={"title": title, **extra}
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def scalar(db: Database, sql: str, **params: Any) -> Any:
    async with db.read() as session:
        return (await session.execute(text(sql), params)).scalar_one()


def is_last(page: dict[str, Any]) -> bool:
    """No more items follow. The event feed may hand out a cursor on its last page too (to poll
    for newer events with) and then says `has_more: false`."""
    return page["next_cursor"] is None or page.get("has_more") is False


async def all_events(
    client: httpx.AsyncClient, person: Person, **params: Any
) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        query: dict[str, Any] = {"limit": 200, **params}
        if cursor:
            query["cursor"] = cursor
        page = await client.get("/api/v1/events", headers=person.headers, params=query)
        assert page.status_code == 200, page.text
        items.extend(page.json()["items"])
        cursor = page.json()["next_cursor"]
        if is_last(page.json()):
            return items


async def visible_events(
    client: httpx.AsyncClient,
    person: Person,
    ready: Callable[[list[dict[str, Any]]], bool],
    **params: Any,
) -> list[dict[str, Any]]:
    """The events once `ready` holds for them.

    The feed shows an event once every transaction older than its own has ended, anywhere on the
    database server (so that paging never skips one that commits late); with other work running
    on the same server that can take a moment, so consumers, and these tests, poll.
    """
    deadline = asyncio.get_running_loop().time() + 20
    while True:
        events = await all_events(client, person, **params)
        if ready(events):
            return events
        assert asyncio.get_running_loop().time() < deadline, f"events never arrived: {events}"
        await asyncio.sleep(0.1)


def has(type_: str, resource_id: object) -> Callable[[list[dict[str, Any]]], bool]:
    return lambda events: any(
        e["type"] == type_ and e["resource_id"] == str(resource_id) for e in events
    )


# --- problem details ------------------------------------------------------------------------


async def test_401_is_a_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/roles")
    assert_problem(response, 401, "unauthenticated")
    assert response.headers["www-authenticate"].lower().startswith("bearer")


async def test_403_is_a_problem(client: httpx.AsyncClient, tenant: Tenant) -> None:
    interviewer = await tenant.add("interviewer")
    assert_problem(await client.get("/api/v1/roles", headers=interviewer.headers), 403, "forbidden")


async def test_404_is_a_problem(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    headers = tenant.admin.headers
    assert_problem(
        await client.get(f"/api/v1/roles/{uuid.uuid4()}", headers=headers), 404, "not_found"
    )
    assert_problem(await client.get("/api/v1/no-such-thing", headers=headers), 404, "not_found")
    # Another organization's role is as absent as one that never existed.
    theirs = await create_role(client, other_tenant.admin, "Their role")
    assert_problem(
        await client.get(f"/api/v1/roles/{theirs['id']}", headers=headers), 404, "not_found"
    )


async def test_405_is_a_problem(client: httpx.AsyncClient, tenant: Tenant) -> None:
    response = await client.delete("/api/v1/roles", headers=tenant.admin.headers)
    assert_problem(response, 405)
    assert "POST" in response.headers["allow"]


async def test_409_is_a_problem(client: httpx.AsyncClient, tenant: Tenant, db: Database) -> None:
    member = {"email": "twice@example.com", "name": "Twice", "permission_set": "recruiter"}
    first = await client.post("/api/v1/members", headers=tenant.admin.headers, json=member)
    assert first.status_code == 201, first.text
    again = await client.post("/api/v1/members", headers=tenant.admin.headers, json=member)
    assert_problem(again, 409, "conflict")
    assert await scalar(db, "SELECT count(*) FROM members WHERE email = 'twice@example.com'") == 1


async def test_412_is_a_problem(client: httpx.AsyncClient, tenant: Tenant) -> None:
    role = await create_role(client, tenant.admin, "Versioned")
    response = await client.patch(
        f"/api/v1/roles/{role['id']}",
        headers={**tenant.admin.headers, "If-Match": '"7"'},
        json={"title": "x"},
    )
    assert_problem(response, 412, "precondition_failed")


async def test_413_is_a_problem(client: httpx.AsyncClient, tenant: Tenant) -> None:
    body = json.dumps({"title": "Big", "team": "x" * (MIB + 10)}).encode()
    response = await client.post(
        "/api/v1/roles",
        headers={**tenant.admin.headers, "Content-Type": "application/json"},
        content=body,
    )
    assert_problem(response, 413, "payload_too_large")


async def test_422_unknown_field_is_named(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    response = await client.post(
        "/api/v1/roles", headers=tenant.admin.headers, json={"title": "T", "titel": "typo"}
    )
    body = assert_problem(response, 422, "invalid_input")
    assert error_fields(body) == {"titel"}
    assert await scalar(db, "SELECT count(*) FROM roles") == 0


async def test_422_wrong_type_is_named(client: httpx.AsyncClient, tenant: Tenant) -> None:
    response = await client.post(
        "/api/v1/roles", headers=tenant.admin.headers, json={"title": "T", "headcount": "many"}
    )
    assert error_fields(assert_problem(response, 422, "invalid_input")) == {"headcount"}


async def test_422_missing_field_is_named(client: httpx.AsyncClient, tenant: Tenant) -> None:
    response = await client.post(
        "/api/v1/roles", headers=tenant.admin.headers, json={"team": "Platform"}
    )
    assert error_fields(assert_problem(response, 422, "invalid_input")) == {"title"}


async def test_422_nested_field_is_named_by_its_path(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await client.post(
        "/api/v1/roles",
        headers=tenant.admin.headers,
        json={"title": "T", "intake": {"experience": {"min_years": "lots"}}},
    )
    fields = error_fields(assert_problem(response, 422, "invalid_input"))
    assert fields == {"intake.experience.min_years"}


async def test_422_malformed_json_names_the_body(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    response = await client.post(
        "/api/v1/roles",
        headers={**tenant.admin.headers, "Content-Type": "application/json"},
        content=b'{"title": "Half a document",',
    )
    body = assert_problem(response, 422, "invalid_input")
    assert error_fields(body) == {"body"}
    assert "json" in body["errors"][0]["message"].lower()
    assert await scalar(db, "SELECT count(*) FROM roles") == 0


async def test_422_bad_uuid_in_path_is_named(client: httpx.AsyncClient, tenant: Tenant) -> None:
    for path in (
        "/api/v1/roles/not-a-uuid",
        "/api/v1/members/12345",
        "/api/v1/roles/not-a-uuid/intake",
    ):
        response = await client.get(path, headers=tenant.admin.headers)
        fields = error_fields(assert_problem(response, 422, "invalid_input"))
        assert fields == ({"member_id"} if "members" in path else {"role_id"}), path


# --- X-Request-ID ---------------------------------------------------------------------------


async def test_request_id_is_echoed_when_sent(client: httpx.AsyncClient, tenant: Tenant) -> None:
    ok = await client.get("/healthz", headers={"X-Request-ID": "trace-abc.123_x"})
    assert ok.headers["x-request-id"] == "trace-abc.123_x"
    failed = await client.get(
        f"/api/v1/roles/{uuid.uuid4()}",
        headers={**tenant.admin.headers, "X-Request-ID": "trace-42"},
    )
    assert failed.headers["x-request-id"] == "trace-42"
    assert assert_problem(failed, 404)["request_id"] == "trace-42"


async def test_request_id_is_generated_when_not_sent(client: httpx.AsyncClient) -> None:
    first = await client.get("/healthz")
    second = await client.get("/healthz")
    assert re.fullmatch(r"[A-Za-z0-9._\-]{8,128}", first.headers["x-request-id"])
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


async def test_unsafe_request_id_is_replaced(client: httpx.AsyncClient) -> None:
    for sent in ("has spaces and\ttabs", "x" * 300, 'quote"injection'):
        response = await client.get("/healthz", headers={"X-Request-ID": sent})
        returned = response.headers["x-request-id"]
        assert returned != sent
        assert re.fullmatch(r"[A-Za-z0-9._\-]{8,128}", returned)


# --- body size ------------------------------------------------------------------------------


async def test_body_over_one_mib_is_refused_and_nothing_written(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    events_before = await scalar(db, "SELECT count(*) FROM events")
    body = json.dumps({"title": "Huge", "intake": {"summary": "y" * (MIB + 1)}}).encode()
    response = await client.post(
        "/api/v1/roles",
        headers={
            **tenant.admin.headers,
            "Content-Type": "application/json",
            "Idempotency-Key": "big-1",
        },
        content=body,
    )
    assert_problem(response, 413, "payload_too_large")
    assert await scalar(db, "SELECT count(*) FROM roles") == 0
    assert await scalar(db, "SELECT count(*) FROM events") == events_before
    assert await scalar(db, "SELECT count(*) FROM idempotency_records") == 0


async def test_body_over_one_mib_without_content_length_is_refused(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    """A chunked upload that never declares its length is cut off at the limit all the same."""

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"title": "Streamed", "team": "'
        for _ in range(12):
            yield b"z" * 100_000
        yield b'"}'

    response = await client.post(
        "/api/v1/roles",
        headers={**tenant.admin.headers, "Content-Type": "application/json"},
        content=chunks(),
    )
    assert "content-length" not in response.request.headers
    assert_problem(response, 413, "payload_too_large")
    assert await scalar(db, "SELECT count(*) FROM roles") == 0


async def test_body_just_under_the_limit_is_read(client: httpx.AsyncClient, tenant: Tenant) -> None:
    """The limit is on size, not on having a body: a large but allowed body gets to validation."""
    body = json.dumps({"title": "Roomy", "team": "t" * (MIB - 100)}).encode()
    assert len(body) < MIB
    response = await client.post(
        "/api/v1/roles",
        headers={**tenant.admin.headers, "Content-Type": "application/json"},
        content=body,
    )
    assert error_fields(assert_problem(response, 422, "invalid_input")) == {"team"}


# --- health and metrics ---------------------------------------------------------------------


async def test_healthz_needs_no_credentials(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


async def test_readyz_is_ok_at_head(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "ok"


@pytest.fixture
def unmigrated_database(pg_server_url: str) -> Iterator[str]:
    with fresh_database(pg_server_url, prefix="hireloop_unmigrated") as url:
        yield url


async def test_readyz_is_unavailable_on_an_unmigrated_database(unmigrated_database: str) -> None:
    app: FastAPI = create_app(make_settings(), database_url=unmigrated_database)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hireloop.test") as c:
            assert (await c.get("/healthz")).status_code == 200
            ready = await c.get("/readyz")
            assert ready.status_code == 503, ready.text
            assert ready.json()["status"] != "ok"


def _metric_value(exposition: str, family: str, sample: str, labels: dict[str, str]) -> float:
    for metric in text_string_to_metric_families(exposition):
        if metric.name != family:
            continue
        for s in metric.samples:
            if s.name == sample and all(s.labels.get(k) == v for k, v in labels.items()):
                return float(s.value)
    return 0.0


async def test_metrics_count_requests_by_route_template(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    role = await create_role(client, tenant.admin, "Measured")
    labels = {"method": "GET", "route": "/api/v1/roles/{role_id}", "status": "200"}
    before = _metric_value(
        (await client.get("/metrics")).text,
        "hireloop_http_requests",
        "hireloop_http_requests_total",
        labels,
    )
    for _ in range(3):
        assert (
            await client.get(f"/api/v1/roles/{role['id']}", headers=tenant.admin.headers)
        ).status_code == 200
    missing = await client.get(f"/api/v1/roles/{uuid.uuid4()}", headers=tenant.admin.headers)
    assert missing.status_code == 404

    metrics = await client.get("/metrics")
    assert metrics.status_code == 200
    assert metrics.headers["content-type"].startswith("text/plain")
    exposition = metrics.text
    assert "hireloop_http_requests_total" in exposition
    after = _metric_value(
        exposition, "hireloop_http_requests", "hireloop_http_requests_total", labels
    )
    assert after - before == 3
    not_found = {**labels, "status": "404"}
    assert (
        _metric_value(
            exposition, "hireloop_http_requests", "hireloop_http_requests_total", not_found
        )
        >= 1
    )
    latency = _metric_value(
        exposition,
        "hireloop_http_request_duration_seconds",
        "hireloop_http_request_duration_seconds_count",
        {"method": "GET", "route": "/api/v1/roles/{role_id}"},
    )
    assert latency >= 4
    # Route templates, never raw paths: ids do not become label values.
    assert role["id"] not in exposition


async def test_metrics_report_database_pool_use(client: httpx.AsyncClient, db: Database) -> None:
    def in_use(exposition: str) -> float:
        return _metric_value(
            exposition,
            "hireloop_db_pool_connections_in_use",
            "hireloop_db_pool_connections_in_use",
            {},
        )

    idle = (await client.get("/metrics")).text
    assert "hireloop_db_pool_connections_in_use" in idle
    baseline = in_use(idle)
    async with db.engine.connect() as c1, db.engine.connect() as c2:
        await c1.execute(text("SELECT 1"))
        await c2.execute(text("SELECT 1"))
        busy = (await client.get("/metrics")).text
        assert in_use(busy) == baseline + 2
    assert in_use((await client.get("/metrics")).text) == baseline


# --- pagination -----------------------------------------------------------------------------


async def _walk(
    client: httpx.AsyncClient, path: str, headers: dict[str, str], limit: int
) -> list[list[str]]:
    pages: list[list[str]] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": limit}
        if cursor is not None:
            params["cursor"] = cursor
        response = await client.get(path, headers=headers, params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        assert len(body["items"]) <= limit
        pages.append([item["id"] for item in body["items"]])
        cursor = body["next_cursor"]
        if is_last(body):
            return pages
        assert len(pages) < 100, "pagination does not end"


async def test_cursor_walks_every_role_once_newest_first(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    created = [(await create_role(client, tenant.admin, f"Role {i:02d}"))["id"] for i in range(8)]

    pages = await _walk(client, "/api/v1/roles", tenant.admin.headers, limit=3)
    assert [len(p) for p in pages] == [3, 3, 2]
    walked = [role_id for page in pages for role_id in page]
    assert walked == list(reversed(created))

    # The same walk gives the same order again.
    assert await _walk(client, "/api/v1/roles", tenant.admin.headers, limit=3) == pages
    # A page that ends exactly at the last item says there is no next page.
    assert await _walk(client, "/api/v1/roles", tenant.admin.headers, limit=8) == [walked]


async def test_cursor_is_stable_when_rows_are_added_mid_walk(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    created = [(await create_role(client, tenant.admin, f"Stable {i}"))["id"] for i in range(6)]
    first = await client.get("/api/v1/roles", headers=tenant.admin.headers, params={"limit": 2})
    seen = [r["id"] for r in first.json()["items"]]
    cursor = first.json()["next_cursor"]
    added = await create_role(client, tenant.admin, "Arrived mid-walk")
    while cursor:
        page = await client.get(
            "/api/v1/roles", headers=tenant.admin.headers, params={"limit": 2, "cursor": cursor}
        )
        assert page.status_code == 200
        seen.extend(r["id"] for r in page.json()["items"])
        cursor = page.json()["next_cursor"]
    assert seen == list(reversed(created))
    assert added["id"] not in seen


async def test_cursor_walks_members_and_events(client: httpx.AsyncClient, tenant: Tenant) -> None:
    for i in range(4):
        await tenant.add("recruiter", name=f"Walker {i}")
    member_pages = await _walk(client, "/api/v1/members", tenant.admin.headers, limit=2)
    members = [m for page in member_pages for m in page]
    assert len(members) == len(set(members)) == 5

    # The organization's admin and four members, each with an API key: ten events.
    await visible_events(client, tenant.admin, lambda events: len(events) >= 10)
    event_pages = await _walk(client, "/api/v1/events", tenant.admin.headers, limit=3)
    events = [e for page in event_pages for e in page]
    everything = await client.get(
        "/api/v1/events", headers=tenant.admin.headers, params={"limit": 200}
    )
    assert events == [e["id"] for e in everything.json()["items"]]
    assert len(events) == len(set(events)) >= 10


@pytest.mark.parametrize(
    "cursor",
    ["garbage", "eyJub3QiOiAiYSBjdXJzb3IifQ", "WzEsIDJd", "bm90LWpzb24", "!!!", "a" * 600],
)
async def test_bad_cursor_is_422_naming_cursor(
    client: httpx.AsyncClient, tenant: Tenant, cursor: str
) -> None:
    for path in ("/api/v1/roles", "/api/v1/members", "/api/v1/events"):
        response = await client.get(path, headers=tenant.admin.headers, params={"cursor": cursor})
        assert "cursor" in error_fields(assert_problem(response, 422, "invalid_input")), path


async def test_cursor_of_another_list_is_422_naming_cursor(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    """A cursor handed out by one list, sent to another, is refused as input, not a server fault."""
    for i in range(3):
        await create_role(client, tenant.admin, f"Cursor source {i}")
    headers = tenant.admin.headers
    await visible_events(client, tenant.admin, lambda events: len(events) >= 2)
    events_cursor = (
        await client.get("/api/v1/events", headers=headers, params={"limit": 1})
    ).json()["next_cursor"]
    roles_cursor = (await client.get("/api/v1/roles", headers=headers, params={"limit": 1})).json()[
        "next_cursor"
    ]
    assert events_cursor
    assert roles_cursor
    wrong_for_roles = await client.get(
        "/api/v1/roles", headers=headers, params={"cursor": events_cursor}
    )
    assert "cursor" in error_fields(assert_problem(wrong_for_roles, 422, "invalid_input"))
    wrong_for_events = await client.get(
        "/api/v1/events", headers=headers, params={"cursor": roles_cursor}
    )
    assert "cursor" in error_fields(assert_problem(wrong_for_events, 422, "invalid_input"))


@pytest.mark.parametrize("limit", ["201", "0", "-1", "1000000", "ten"])
async def test_limit_out_of_range_is_422_naming_limit(
    client: httpx.AsyncClient, tenant: Tenant, limit: str
) -> None:
    response = await client.get(
        "/api/v1/roles", headers=tenant.admin.headers, params={"limit": limit}
    )
    assert error_fields(assert_problem(response, 422, "invalid_input")) == {"limit"}


async def test_limit_of_200_is_allowed(client: httpx.AsyncClient, tenant: Tenant) -> None:
    response = await client.get(
        "/api/v1/roles", headers=tenant.admin.headers, params={"limit": 200}
    )
    assert response.status_code == 200


# --- Idempotency-Key ------------------------------------------------------------------------


async def test_same_key_and_body_replays_the_first_answer(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    headers = {**tenant.admin.headers, "Idempotency-Key": "create-backend-1"}
    payload = {"title": "Backend Engineer", "team": "Platform"}
    first = await client.post("/api/v1/roles", headers=headers, json=payload)
    assert first.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers

    second = await client.post("/api/v1/roles", headers=headers, json=payload)
    assert second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["idempotent-replayed"] == "true"
    assert second.headers["location"] == first.headers["location"]
    assert second.headers["etag"] == first.headers["etag"]

    assert await scalar(db, "SELECT count(*) FROM roles") == 1
    assert await scalar(db, "SELECT count(*) FROM events WHERE type = 'role.created'") == 1


async def test_same_key_with_another_body_is_422(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    headers = {**tenant.admin.headers, "Idempotency-Key": "create-2"}
    first = await client.post("/api/v1/roles", headers=headers, json={"title": "Designer"})
    assert first.status_code == 201
    other = await client.post("/api/v1/roles", headers=headers, json={"title": "Different role"})
    body = assert_problem(other, 422)
    assert "Idempotency-Key" in error_fields(body)
    assert await scalar(db, "SELECT count(*) FROM roles") == 1
    assert await scalar(db, "SELECT count(*) FROM roles WHERE title = 'Different role'") == 0


async def test_request_in_flight_with_the_same_key_is_409(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    """While the first request is still running, a retry with its key is told to wait."""
    headers = {**tenant.admin.headers, "Idempotency-Key": "slow-create"}
    payload = {"title": "Slow role"}
    async with db.engine.connect() as blocker:
        # Hold the roles table so the first request cannot finish its insert.
        transaction = await blocker.begin()
        await blocker.execute(text("LOCK TABLE roles IN ACCESS EXCLUSIVE MODE"))
        first = asyncio.create_task(client.post("/api/v1/roles", headers=headers, json=payload))
        try:
            for _ in range(200):
                if await scalar(
                    db, "SELECT count(*) FROM idempotency_records WHERE key = 'slow-create'"
                ):
                    break
                await asyncio.sleep(0.02)
            else:
                raise AssertionError("the first request never claimed its key")
            assert not first.done()
            retry = await client.post("/api/v1/roles", headers=headers, json=payload)
            assert_problem(retry, 409)
            assert "retry-after" in retry.headers
        finally:
            await transaction.rollback()
    finished = await asyncio.wait_for(first, timeout=15)
    assert finished.status_code == 201, finished.text

    replay = await client.post("/api/v1/roles", headers=headers, json=payload)
    assert replay.status_code == 201
    assert replay.json() == finished.json()
    assert replay.headers["idempotent-replayed"] == "true"
    assert await scalar(db, "SELECT count(*) FROM roles") == 1


async def test_idempotency_keys_are_per_member(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    recruiter = await tenant.add("recruiter")
    payload = {"title": "Shared key role"}
    mine = await client.post(
        "/api/v1/roles", headers={**tenant.admin.headers, "Idempotency-Key": "k-1"}, json=payload
    )
    theirs = await client.post(
        "/api/v1/roles", headers={**recruiter.headers, "Idempotency-Key": "k-1"}, json=payload
    )
    assert mine.status_code == theirs.status_code == 201
    assert "idempotent-replayed" not in theirs.headers
    assert mine.json()["id"] != theirs.json()["id"]
    assert await scalar(db, "SELECT count(*) FROM roles") == 2


async def test_idempotency_keys_are_per_organization(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    payload = {"title": "Same everywhere"}
    ours = await client.post(
        "/api/v1/roles", headers={**tenant.admin.headers, "Idempotency-Key": "org-k"}, json=payload
    )
    theirs = await client.post(
        "/api/v1/roles",
        headers={**other_tenant.admin.headers, "Idempotency-Key": "org-k"},
        json=payload,
    )
    assert ours.status_code == theirs.status_code == 201
    assert theirs.json()["organization_id"] == str(other_tenant.organization_id)
    assert ours.json()["id"] != theirs.json()["id"]


async def test_malformed_idempotency_key_is_422(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    response = await client.post(
        "/api/v1/roles",
        headers={**tenant.admin.headers, "Idempotency-Key": "k" * 300},
        json={"title": "T"},
    )
    assert "Idempotency-Key" in error_fields(assert_problem(response, 422))
    assert await scalar(db, "SELECT count(*) FROM roles") == 0


async def test_without_a_key_each_post_creates(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    for _ in range(2):
        assert (
            await client.post("/api/v1/roles", headers=tenant.admin.headers, json={"title": "Twin"})
        ).status_code == 201
    assert await scalar(db, "SELECT count(*) FROM roles") == 2


# --- ETag, If-None-Match, If-Match ----------------------------------------------------------


async def test_role_etag_and_if_none_match(client: httpx.AsyncClient, tenant: Tenant) -> None:
    role = await create_role(client, tenant.admin, "Cached")
    url = f"/api/v1/roles/{role['id']}"
    read = await client.get(url, headers=tenant.admin.headers)
    assert read.status_code == 200
    tag = read.headers["etag"]
    assert tag.startswith('"')
    assert tag.endswith('"')

    unchanged = await client.get(url, headers={**tenant.admin.headers, "If-None-Match": tag})
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    assert unchanged.headers["etag"] == tag

    other_tag = await client.get(url, headers={**tenant.admin.headers, "If-None-Match": '"999"'})
    assert other_tag.status_code == 200
    assert other_tag.json()["id"] == role["id"]


async def test_member_etag_and_if_none_match(client: httpx.AsyncClient, tenant: Tenant) -> None:
    url = f"/api/v1/members/{tenant.admin.id}"
    read = await client.get(url, headers=tenant.admin.headers)
    assert read.status_code == 200
    tag = read.headers["etag"]
    unchanged = await client.get(url, headers={**tenant.admin.headers, "If-None-Match": tag})
    assert unchanged.status_code == 304
    assert unchanged.content == b""

    changed = await client.patch(
        url, headers=tenant.admin.headers, json={"title": "Head of Talent"}
    )
    assert changed.status_code == 200
    assert changed.headers["etag"] != tag
    after = await client.get(url, headers={**tenant.admin.headers, "If-None-Match": tag})
    assert after.status_code == 200
    assert after.json()["title"] == "Head of Talent"


async def test_role_patch_with_stale_if_match_is_412_and_changes_nothing(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    role = await create_role(client, tenant.admin, "Original title")
    url = f"/api/v1/roles/{role['id']}"
    stale = (await client.get(url, headers=tenant.admin.headers)).headers["etag"]
    moved = await client.patch(
        url, headers={**tenant.admin.headers, "If-Match": stale}, json={"team": "Core"}
    )
    assert moved.status_code == 200, moved.text
    current = moved.headers["etag"]
    assert current != stale
    events_before = await scalar(db, "SELECT count(*) FROM events")

    refused = await client.patch(
        url, headers={**tenant.admin.headers, "If-Match": stale}, json={"title": "Lost update"}
    )
    assert_problem(refused, 412, "precondition_failed")
    unchanged = await client.get(url, headers=tenant.admin.headers)
    assert unchanged.json()["title"] == "Original title"
    assert unchanged.json()["version"] == moved.json()["version"]
    assert unchanged.headers["etag"] == current
    assert await scalar(db, "SELECT count(*) FROM events") == events_before

    accepted = await client.patch(
        url, headers={**tenant.admin.headers, "If-Match": current}, json={"title": "New title"}
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["title"] == "New title"
    assert accepted.json()["version"] == moved.json()["version"] + 1
    assert accepted.headers["etag"] not in (stale, current)
    reread = await client.get(url, headers=tenant.admin.headers)
    assert reread.headers["etag"] == accepted.headers["etag"]


async def test_member_patch_with_stale_if_match_is_412(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    recruiter = await tenant.add("recruiter")
    url = f"/api/v1/members/{recruiter.id}"
    stale = (await client.get(url, headers=tenant.admin.headers)).headers["etag"]
    first = await client.patch(
        url, headers={**tenant.admin.headers, "If-Match": stale}, json={"title": "Lead"}
    )
    assert first.status_code == 200
    refused = await client.patch(
        url, headers={**tenant.admin.headers, "If-Match": stale}, json={"title": "Other"}
    )
    assert_problem(refused, 412, "precondition_failed")
    now = await client.get(url, headers=tenant.admin.headers)
    assert now.json()["title"] == "Lead"
    assert now.json()["version"] == first.json()["version"]


async def test_malformed_if_match_does_not_change_anything(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    role = await create_role(client, tenant.admin, "Guarded")
    url = f"/api/v1/roles/{role['id']}"
    response = await client.patch(
        url, headers={**tenant.admin.headers, "If-Match": "garbage"}, json={"title": "X"}
    )
    assert 400 <= response.status_code < 500
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    assert (await client.get(url, headers=tenant.admin.headers)).json()["title"] == "Guarded"


# --- the outbox -----------------------------------------------------------------------------


async def test_every_change_records_its_event(client: httpx.AsyncClient, tenant: Tenant) -> None:
    recruiter = await tenant.add("recruiter")
    role = await create_role(client, recruiter, "Data Engineer")
    patched = await client.patch(
        f"/api/v1/roles/{role['id']}", headers=recruiter.headers, json={"team": "Data"}
    )
    assert patched.status_code == 200

    events = await visible_events(client, tenant.admin, has("role.updated", role["id"]))
    created = [e for e in events if e["type"] == "role.created"]
    updated = [e for e in events if e["type"] == "role.updated"]
    assert len(created) == 1
    assert len(updated) == 1
    assert created[0]["resource_id"] == role["id"]
    assert created[0]["actor_member_id"] == str(recruiter.id)
    assert created[0]["data"]["title"] == "Data Engineer"
    assert updated[0]["data"]["changed"] == ["team"]
    assert events.index(created[0]) < events.index(updated[0])
    assert any(
        e["type"] == "member.created" and e["resource_id"] == str(recruiter.id) for e in events
    )

    only_updates = await all_events(client, tenant.admin, type="role.updated")
    assert [e["id"] for e in only_updates] == [updated[0]["id"]]


async def test_event_type_filter_refuses_unknown_types(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await client.get(
        "/api/v1/events", headers=tenant.admin.headers, params={"type": "role.exploded"}
    )
    assert error_fields(assert_problem(response, 422, "invalid_input")) == {"type"}


async def test_events_are_per_organization(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    await create_role(client, other_tenant.admin, "Secret role")
    # Our own later role being visible means every earlier event would be visible too.
    mine = await create_role(client, tenant.admin, "Our role")
    ours = await visible_events(client, tenant.admin, has("role.created", mine["id"]))
    assert all(e["organization_id"] == str(tenant.organization_id) for e in ours)
    assert [e["data"]["title"] for e in ours if e["type"] == "role.created"] == ["Our role"]


async def test_refused_requests_record_no_event(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    role = await create_role(client, tenant.admin, "Quiet")
    url = f"/api/v1/roles/{role['id']}"
    interviewer = await tenant.add("interviewer")
    before = await scalar(db, "SELECT count(*) FROM events")
    assert (
        await client.patch(url, headers=interviewer.headers, json={"title": "X"})
    ).status_code == 403
    assert (
        await client.patch(url, headers=tenant.admin.headers, json={"headcount": 0})
    ).status_code == 422
    assert (
        await client.patch(url, headers=tenant.admin.headers, json={"status": "filled"})
    ).status_code == 422
    assert (
        await client.patch(
            url, headers={**tenant.admin.headers, "If-Match": '"42"'}, json={"title": "Y"}
        )
    ).status_code == 412
    assert await scalar(db, "SELECT count(*) FROM events") == before
    assert (await client.get(url, headers=tenant.admin.headers)).json()["version"] == 1


@asynccontextmanager
async def failing_event_insert(db: Database, condition: str) -> AsyncIterator[None]:
    """Make the database refuse to store some events, as a failure in the middle of a commit."""
    name = f"hireloop_test_fail_{uuid.uuid4().hex[:8]}"
    async with db.transaction() as session:
        await session.execute(
            text(
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"IF {condition} THEN RAISE EXCEPTION 'injected failure'; END IF; RETURN NEW; END $$"
            )
        )
        await session.execute(
            text(
                f"CREATE TRIGGER {name} BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION {name}()"
            )
        )
    try:
        yield
    finally:
        async with db.transaction() as session:
            await session.execute(text(f"DROP TRIGGER IF EXISTS {name} ON events"))
            await session.execute(text(f"DROP FUNCTION IF EXISTS {name}()"))


async def test_change_and_event_commit_together(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    """When the event cannot be stored, the change is not stored either, and the client is told."""
    role = await create_role(client, tenant.admin, "Survivor")
    url = f"/api/v1/roles/{role['id']}"
    events_before = await scalar(db, "SELECT count(*) FROM events")

    async with failing_event_insert(db, "NEW.type IN ('role.created', 'role.updated')"):
        created = await client.post(
            "/api/v1/roles", headers=tenant.admin.headers, json={"title": "Doomed role"}
        )
        assert created.status_code >= 500, created.text
        assert created.headers["content-type"].startswith(PROBLEM_JSON)
        updated = await client.patch(
            url, headers=tenant.admin.headers, json={"title": "Doomed title"}
        )
        assert updated.status_code >= 500, updated.text

    assert await scalar(db, "SELECT count(*) FROM roles WHERE title LIKE 'Doomed%'") == 0
    assert await scalar(db, "SELECT count(*) FROM events") == events_before
    after = await client.get(url, headers=tenant.admin.headers)
    assert after.json()["title"] == "Survivor"
    assert after.json()["version"] == 1

    # With the database healthy again the same requests succeed, each with its event.
    assert (
        await client.post(
            "/api/v1/roles", headers=tenant.admin.headers, json={"title": "Doomed role"}
        )
    ).status_code == 201
    assert (
        await client.patch(url, headers=tenant.admin.headers, json={"title": "Doomed title"})
    ).status_code == 200
    assert await scalar(db, "SELECT count(*) FROM events") == events_before + 2
