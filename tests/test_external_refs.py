"""Connections to an ATS and the links from our roles to their ids there."""

from __future__ import annotations

import asyncio
import uuid

import httpx

from tests.conftest import Person, Tenant
from tests.helpers_domain import (
    API,
    JSON,
    create_role,
    error_fields,
    events_until,
    list_all,
    ok,
    problem,
)


async def connect(
    client: httpx.AsyncClient, admin: Person, provider: str = "greenhouse", name: str = "Greenhouse"
) -> JSON:
    created: JSON = ok(
        await client.post(
            f"{API}/integrations", headers=admin.headers, json={"provider": provider, "name": name}
        ),
        201,
    )
    return created


async def link(
    client: httpx.AsyncClient, who: Person, role_id: str, connection_id: str, external_id: str
) -> httpx.Response:
    return await client.put(
        f"{API}/roles/{role_id}/external-refs",
        headers=who.headers,
        json={"connection_id": connection_id, "external_id": external_id},
    )


async def refs(client: httpx.AsyncClient, who: Person, role_id: str) -> list[JSON]:
    found: list[JSON] = ok(
        await client.get(f"{API}/roles/{role_id}/external-refs", headers=who.headers)
    )["items"]
    return found


async def test_admin_creates_and_lists_connections(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    connection = await connect(client, tenant.admin, "lever", "Lever EU")
    assert connection["provider"] == "lever"
    assert connection["name"] == "Lever EU"
    assert connection["status"] == "active"
    await connect(client, other_tenant.admin, "ashby", "Their Ashby")

    recruiter = await tenant.add("recruiter")
    listed = await list_all(client, recruiter, f"{API}/integrations")
    assert [c["id"] for c in listed] == [connection["id"]]

    problem(
        await client.post(
            f"{API}/integrations",
            headers=recruiter.headers,
            json={"provider": "lever", "name": "x"},
        ),
        403,
    )
    for payload, field in (
        ({"provider": "workday", "name": "x"}, "provider"),
        ({"provider": "lever"}, "name"),
        ({"provider": "lever", "name": "x", "token": "secret"}, "token"),
    ):
        body = problem(
            await client.post(f"{API}/integrations", headers=tenant.admin.headers, json=payload),
            422,
        )
        assert field in error_fields(body), body
    assert len(await list_all(client, tenant.admin, f"{API}/integrations")) == 1
    hm = await tenant.add("hiring_manager")
    problem(await client.get(f"{API}/integrations", headers=hm.headers), 403)


async def test_link_role_and_list_refs(client: httpx.AsyncClient, tenant: Tenant) -> None:
    connection = await connect(client, tenant.admin)
    recruiter = await tenant.add("recruiter")
    role = await create_role(client, recruiter)
    assert await refs(client, recruiter, role["id"]) == []

    linked = ok(await link(client, recruiter, role["id"], connection["id"], "  gh-4711 "))
    assert linked["connection_id"] == connection["id"]
    assert linked["resource_type"] == "role"
    assert linked["resource_id"] == role["id"]
    assert linked["external_id"] == "gh-4711"

    listed = await refs(client, tenant.admin, role["id"])
    assert [(r["connection_id"], r["external_id"]) for r in listed] == [
        (connection["id"], "gh-4711")
    ]

    found = await events_until(client, tenant.admin, lambda e: len(e) >= 1, "external_ref.linked")
    assert [e["data"] for e in found] == [
        {
            "resource_type": "role",
            "resource_id": role["id"],
            "connection_id": connection["id"],
            "external_id": "gh-4711",
        }
    ]


async def test_same_external_id_on_another_role_conflicts(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    connection = await connect(client, tenant.admin)
    first = await create_role(client, tenant.admin, title="First")
    second = await create_role(client, tenant.admin, title="Second")
    ok(await link(client, tenant.admin, first["id"], connection["id"], "job-1"))

    body = problem(await link(client, tenant.admin, second["id"], connection["id"], "job-1"), 409)
    assert body["code"] == "conflict"
    # The problem names the role that already holds the id.
    assert first["id"] in body["detail"] or body.get("resource_id") == first["id"], body
    assert await refs(client, tenant.admin, second["id"]) == []
    assert [r["external_id"] for r in await refs(client, tenant.admin, first["id"])] == ["job-1"]

    # Linking the same pair again is harmless.
    ok(await link(client, tenant.admin, first["id"], connection["id"], "job-1"))
    assert len(await refs(client, tenant.admin, first["id"])) == 1

    # Ids are unique per connection: another connection may use the same id for another role.
    lever = await connect(client, tenant.admin, "lever", "Lever")
    ok(await link(client, tenant.admin, second["id"], lever["id"], "job-1"))
    assert [
        (r["connection_id"], r["external_id"])
        for r in await refs(client, tenant.admin, second["id"])
    ] == [(lever["id"], "job-1")]


async def test_repointing_a_role_updates_its_link(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    connection = await connect(client, tenant.admin)
    role = await create_role(client, tenant.admin, title="Moving")
    other = await create_role(client, tenant.admin, title="Other")
    ok(await link(client, tenant.admin, role["id"], connection["id"], "old-id"))
    moved = ok(await link(client, tenant.admin, role["id"], connection["id"], "new-id"))
    assert moved["external_id"] == "new-id"
    listed = await refs(client, tenant.admin, role["id"])
    assert [(r["connection_id"], r["external_id"]) for r in listed] == [
        (connection["id"], "new-id")
    ]

    # The old id is free again.
    ok(await link(client, tenant.admin, other["id"], connection["id"], "old-id"))
    assert [r["external_id"] for r in await refs(client, tenant.admin, other["id"])] == ["old-id"]


async def test_links_are_scoped_to_the_tenant_and_permission_set(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    ours = await connect(client, tenant.admin)
    theirs = await connect(client, other_tenant.admin)
    role = await create_role(client, tenant.admin)
    their_role = await create_role(client, other_tenant.admin)

    body = problem(await link(client, tenant.admin, role["id"], theirs["id"], "x-1"), 422)
    assert error_fields(body) == {"connection_id"}
    body = problem(await link(client, tenant.admin, role["id"], str(uuid.uuid4()), "x-1"), 422)
    assert error_fields(body) == {"connection_id"}
    problem(await link(client, tenant.admin, their_role["id"], ours["id"], "x-1"), 404)
    problem(
        await client.get(
            f"{API}/roles/{their_role['id']}/external-refs", headers=tenant.admin.headers
        ),
        404,
    )

    hm = await tenant.add("hiring_manager")
    problem(await link(client, hm, role["id"], ours["id"], "x-1"), 403)
    for external_id, field in (
        ("", "external_id"),
        ("   ", "external_id"),
        ("a" * 201, "external_id"),
    ):
        body = problem(await link(client, tenant.admin, role["id"], ours["id"], external_id), 422)
        assert field in error_fields(body)
    assert await refs(client, tenant.admin, role["id"]) == []
    assert await refs(client, other_tenant.admin, their_role["id"]) == []


async def test_two_roles_claiming_one_external_id_at_once(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    connection = await connect(client, tenant.admin)
    first = await create_role(client, tenant.admin, title="First")
    second = await create_role(client, tenant.admin, title="Second")
    responses = await asyncio.gather(
        link(client, tenant.admin, first["id"], connection["id"], "contested"),
        link(client, tenant.admin, second["id"], connection["id"], "contested"),
    )
    assert sorted(r.status_code for r in responses) == [200, 409], [r.text for r in responses]
    winner = responses[0].json() if responses[0].status_code == 200 else responses[1].json()
    linked = [await refs(client, tenant.admin, r["id"]) for r in (first, second)]
    assert [len(x) for x in linked].count(1) == 1
    assert [x[0]["resource_id"] for x in linked if x] == [winner["resource_id"]]
