"""Shared helpers for the domain tests: REST and GraphQL calls, intake content, problem checks.

Everything here goes through the real app over HTTP; nothing of ours is mocked.
"""

from __future__ import annotations

import asyncio
import base64
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from tests.conftest import Person, Tenant

API = "/api/v1"
PROBLEM_JSON = "application/problem+json"

JSON = dict[str, Any]


# ---------------------------------------------------------------------------------------------
# Problems (RFC 9457)


def problem(response: httpx.Response, status: int) -> JSON:
    """Assert the response is a problem with this status and return its body."""
    assert response.status_code == status, (
        f"expected {status}, got {response.status_code}: {response.text}"
    )
    assert response.headers["content-type"].startswith(PROBLEM_JSON), response.headers[
        "content-type"
    ]
    body: JSON = response.json()
    assert body["status"] == status
    return body


def graphql_refusal(response: httpx.Response, status: int, code: str) -> JSON:
    """Assert /graphql refused the request before running it, in GraphQL's shape: this HTTP
    status, `application/json` (not a problem), no data and one error whose extensions are
    exactly `{code, status}`. Returns that error."""
    assert response.status_code == status, (
        f"expected {status}, got {response.status_code}: {response.text}"
    )
    assert response.headers["content-type"].startswith("application/json"), response.headers[
        "content-type"
    ]
    body: JSON = response.json()
    assert body["data"] is None, body
    assert len(body["errors"]) == 1, body
    error: JSON = body["errors"][0]
    assert error["extensions"] == {"code": code, "status": status}, error
    assert isinstance(error["message"], str), error
    assert error["message"], error
    return error


def error_fields(body: JSON) -> set[str]:
    """The field names a 422 problem names in `errors[]`."""
    return {str(e["field"]) for e in body.get("errors") or []}


def names_field(body: JSON, prefix: str) -> bool:
    """True when some error names `prefix` or a field under it (`prefix.x`)."""
    return any(f == prefix or f.startswith(prefix + ".") for f in error_fields(body))


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, (
        f"expected {status}, got {response.status_code}: {response.text}"
    )
    return response.json()


# ---------------------------------------------------------------------------------------------
# Intake content


def skill(name: str, priority: str = "must", **extra: Any) -> JSON:
    return {"name": name, "priority": priority, **extra}


def intake_content(**overrides: Any) -> JSON:
    """A complete, valid intake in the REST shape; keyword arguments replace top-level fields."""
    content: JSON = {
        "summary": "Owns the event pipeline end to end.",
        "skills": [
            skill("Python", "must", why="The whole stack is Python"),
            skill("Kafka", "nice", alternatives=["Pulsar", "Kinesis"]),
            skill("Go", "must"),
            skill("Mentoring", "nice", category="behavioral"),
        ],
        "qualifications": ["Shipped a service used by other teams"],
        "experience": {"min_years": 3, "max_years": 8, "mix": "Product and platform"},
        "source_organizations": ["Confluent", "Shopify"],
        "success_metrics": ["p99 ingest latency under 1s within 6 months"],
        "must_not_haves": ["Cannot work with others' code"],
        "suitability_evidence": ["GitHub"],
        "screening_questions": [
            {
                "question": "How do you replay a topic?",
                "good_answer": "Offsets, idempotent consumers",
            }
        ],
        "benchmark_performer": "Ana, who built the first pipeline",
        "compensation": {"currency": "EUR", "min": 70000, "max": 90000},
        "negotiables": [{"variable": "remote", "flexibility": "Up to 3 days remote"}],
    }
    content.update(overrides)
    return content


# ---------------------------------------------------------------------------------------------
# Roles and intake over REST


async def create_role(client: httpx.AsyncClient, who: Person, **fields: Any) -> JSON:
    body: JSON = {"title": "Backend Engineer", **fields}
    for key in ("recruiter_id", "hiring_manager_id"):
        if isinstance(body.get(key), uuid.UUID):
            body[key] = str(body[key])
    response = await client.post(f"{API}/roles", headers=who.headers, json=body)
    created: JSON = ok(response, 201)
    return created


async def get_role(client: httpx.AsyncClient, who: Person, role_id: str) -> JSON:
    role: JSON = ok(await client.get(f"{API}/roles/{role_id}", headers=who.headers))
    return role


async def propose(
    client: httpx.AsyncClient,
    who: Person,
    role_id: str,
    content: JSON | None = None,
    note: str = "Tightened after the first slate",
) -> httpx.Response:
    return await client.post(
        f"{API}/roles/{role_id}/intake/revisions",
        headers=who.headers,
        json={"content": content if content is not None else intake_content(), "change_note": note},
    )


async def proposed(
    client: httpx.AsyncClient,
    who: Person,
    role_id: str,
    content: JSON | None = None,
    note: str = "A change",
) -> JSON:
    revision: JSON = ok(await propose(client, who, role_id, content, note), 201)
    return revision


async def sign_off(
    client: httpx.AsyncClient, who: Person, role_id: str, number: int
) -> httpx.Response:
    return await client.post(
        f"{API}/roles/{role_id}/intake/revisions/{number}/sign-off", headers=who.headers
    )


async def revisions(client: httpx.AsyncClient, who: Person, role_id: str) -> list[JSON]:
    return await list_all(client, who, f"{API}/roles/{role_id}/intake/revisions")


@dataclass
class RoleTeam:
    """A role with its recruiter and hiring manager, all in one tenant."""

    tenant: Tenant
    recruiter: Person
    hiring_manager: Person
    role: JSON

    @property
    def role_id(self) -> str:
        return str(self.role["id"])

    async def agree(
        self, client: httpx.AsyncClient, content: JSON | None = None, note: str = "Agreed"
    ) -> JSON:
        """Propose a revision and have both sides sign it off; returns the agreed revision."""
        revision = await proposed(client, self.recruiter, self.role_id, content, note)
        number = int(revision["number"])
        ok(await sign_off(client, self.recruiter, self.role_id, number))
        agreed: JSON = ok(await sign_off(client, self.hiring_manager, self.role_id, number))
        assert agreed["status"] == "agreed"
        return agreed


async def role_team(
    client: httpx.AsyncClient, tenant: Tenant, title: str = "Backend Engineer", **fields: Any
) -> RoleTeam:
    recruiter = await tenant.add("recruiter")
    hiring_manager = await tenant.add("hiring_manager")
    role = await create_role(
        client,
        recruiter,
        title=title,
        recruiter_id=recruiter.id,
        hiring_manager_id=hiring_manager.id,
        **fields,
    )
    return RoleTeam(tenant=tenant, recruiter=recruiter, hiring_manager=hiring_manager, role=role)


# ---------------------------------------------------------------------------------------------
# Lists and events


async def list_all(
    client: httpx.AsyncClient,
    who: Person,
    url: str,
    params: dict[str, Any] | None = None,
    limit: int = 200,
) -> list[JSON]:
    """Every item of a cursor-paged list, following next_cursor to the end."""
    items: list[JSON] = []
    cursor: str | None = None
    for _ in range(1000):
        query: dict[str, Any] = {**(params or {}), "limit": limit}
        if cursor:
            query["cursor"] = cursor
        page: JSON = ok(await client.get(url, headers=who.headers, params=query))
        items.extend(page["items"])
        cursor = page["next_cursor"]
        # The event feed keeps a cursor on its last page (to poll for newer events) and says
        # `has_more: false` instead; every other list ends with `next_cursor: null`.
        if cursor is None or page.get("has_more") is False:
            return items
    raise AssertionError("the list never ended")


async def events(client: httpx.AsyncClient, who: Person, *types: str) -> list[JSON]:
    return await list_all(client, who, f"{API}/events", {"type": list(types)} if types else None)


async def events_until(
    client: httpx.AsyncClient,
    who: Person,
    done: Callable[[list[JSON]], bool],
    *types: str,
    wait_seconds: float = 15.0,
) -> list[JSON]:
    """Events as soon as `done(events)` holds.

    The outbox hides events while an older transaction anywhere on the PostgreSQL server is
    still running (so a consumer never skips one that commits late). Snapshots are cluster-wide,
    so on a test server shared with other runs visibility can lag; wait rather than fail on
    timing. `done` must describe the complete expected answer.
    """
    deadline = asyncio.get_running_loop().time() + wait_seconds
    while True:
        found = await events(client, who, *types)
        if done(found) or asyncio.get_running_loop().time() > deadline:
            return found
        await asyncio.sleep(0.05)


async def settled_events(client: httpx.AsyncClient, admin: Person, *types: str) -> list[JSON]:
    """Every event committed so far, once all of them are visible (optionally only `types`).

    Issues a throw-away API key as a sentinel and waits for its event: a consumer that sees it
    sees everything committed before it, so "no such event" assertions cannot pass by timing.
    The sentinel key is revoked again and its events are left out of the answer.
    """
    sentinel = ok(
        await client.post(f"{API}/api-keys", headers=admin.headers, json={"name": "sentinel"}), 201
    )
    found = await events_until(
        client, admin, lambda e: any(x["resource_id"] == sentinel["id"] for x in e)
    )
    assert any(x["resource_id"] == sentinel["id"] for x in found), (
        "the sentinel event never became visible"
    )
    wanted = set(types)
    return [
        e
        for e in found
        if e["resource_id"] != sentinel["id"] and (not wanted or e["type"] in wanted)
    ]


def of_resource(found: list[JSON], resource_id: str) -> list[JSON]:
    return [e for e in found if e["resource_id"] == resource_id]


# ---------------------------------------------------------------------------------------------
# GraphQL


async def gql(
    client: httpx.AsyncClient, who: Person, query: str, variables: dict[str, Any] | None = None
) -> httpx.Response:
    return await client.post(
        "/graphql", headers=who.headers, json={"query": query, "variables": variables or {}}
    )


async def gql_data(
    client: httpx.AsyncClient, who: Person, query: str, variables: dict[str, Any] | None = None
) -> JSON:
    """Run a GraphQL operation that must succeed without errors; return `data`."""
    response = await gql(client, who, query, variables)
    assert response.status_code == 200, response.text
    body: JSON = response.json()
    assert not body.get("errors"), body
    data: JSON = body["data"]
    return data


def global_id(type_name: str, raw_id: uuid.UUID | str) -> str:
    return base64.b64encode(f"{type_name}:{raw_id}".encode()).decode()
