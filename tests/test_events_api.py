"""GET /api/v1/events: the outbox for consumers that pull, oldest first, per tenant."""

from __future__ import annotations

import asyncio

import httpx

from tests.conftest import Tenant
from tests.helpers_domain import (
    API,
    JSON,
    create_role,
    error_fields,
    events_until,
    ok,
    problem,
    proposed,
    role_team,
    settled_events,
)


async def busy_tenant(client: httpx.AsyncClient, tenant: Tenant) -> list[str]:
    """Do a few things in order; return the role ids touched."""
    team = await role_team(client, tenant, title="Platform Engineer")
    ok(
        await client.patch(
            f"{API}/roles/{team.role_id}", headers=team.recruiter.headers, json={"status": "open"}
        )
    )
    await proposed(client, team.recruiter, team.role_id, note="First cut")
    second = await create_role(client, tenant.admin, title="Second Role")
    return [team.role_id, second["id"]]


async def test_events_oldest_first(client: httpx.AsyncClient, tenant: Tenant) -> None:
    role_ids = await busy_tenant(client, tenant)
    found = await events_until(
        client, tenant.admin, lambda e: any(x["resource_id"] == role_ids[1] for x in e)
    )
    types = [e["type"] for e in found]
    # The tenant's creation comes first, then every change in the order it happened.
    assert types[:2] == ["member.created", "api_key.created"]
    role_types = [(e["type"], e["resource_id"]) for e in found if e["resource_type"] == "role"]
    assert role_types == [
        ("role.created", role_ids[0]),
        ("role.updated", role_ids[0]),
        ("intake.revised", role_ids[0]),
        ("role.created", role_ids[1]),
    ]
    times = [e["occurred_at"] for e in found]
    assert times == sorted(times)
    assert len({e["id"] for e in found}) == len(found)
    assert all(e["organization_id"] == str(tenant.organization_id) for e in found)
    first_role = next(e for e in found if e["type"] == "role.created")
    assert first_role["data"]["title"] == "Platform Engineer"


async def test_cursor_paging_walks_every_event_once(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    role_ids = await busy_tenant(client, tenant)
    everything = await events_until(
        client, tenant.admin, lambda e: any(x["resource_id"] == role_ids[1] for x in e)
    )
    assert len(everything) >= 8

    walked: list[JSON] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, str | int] = {"limit": 3}
        if cursor:
            params["cursor"] = cursor
        page = ok(await client.get(f"{API}/events", headers=tenant.admin.headers, params=params))
        assert len(page["items"]) <= 3
        walked.extend(page["items"])
        pages += 1
        # The last page still hands out a cursor: the consumer's place in the feed.
        assert page["next_cursor"]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            break
        assert len(page["items"]) == 3
    assert [e["id"] for e in walked] == [e["id"] for e in everything]
    assert pages == -(-len(everything) // 3)

    # A consumer that has caught up polls with its cursor: nothing new, and the same cursor back.
    caught_up = ok(
        await client.get(f"{API}/events", headers=tenant.admin.headers, params={"cursor": cursor})
    )
    assert caught_up["items"] == []
    assert caught_up["has_more"] is False
    assert caught_up["next_cursor"] == cursor

    # An event committed later is delivered after that cursor, and only it.
    late = await create_role(client, tenant.admin, title="Late Role")
    newer: list[JSON] = []
    for _ in range(300):
        newer = ok(
            await client.get(
                f"{API}/events", headers=tenant.admin.headers, params={"cursor": cursor}
            )
        )["items"]
        if newer:
            break
        await asyncio.sleep(0.05)
    assert [(e["type"], e["resource_id"]) for e in newer] == [("role.created", late["id"])]

    body = problem(
        await client.get(f"{API}/events", headers=tenant.admin.headers, params={"cursor": "AAAA"}),
        422,
    )
    assert "cursor" in error_fields(body)


async def test_type_filter(client: httpx.AsyncClient, tenant: Tenant) -> None:
    role_ids = await busy_tenant(client, tenant)
    created = await events_until(client, tenant.admin, lambda e: len(e) >= 2, "role.created")
    assert [e["resource_id"] for e in created] == role_ids
    assert {e["type"] for e in created} == {"role.created"}

    both = await events_until(
        client, tenant.admin, lambda e: len(e) >= 3, "role.created", "intake.revised"
    )
    assert [e["type"] for e in both] == ["role.created", "intake.revised", "role.created"]

    none_yet = await settled_events(client, tenant.admin, "intake.agreed")
    assert none_yet == []

    body = problem(
        await client.get(
            f"{API}/events",
            headers=tenant.admin.headers,
            params={"type": ["role.created", "role.exploded"]},
        ),
        422,
    )
    assert body["code"] == "invalid_input"
    assert "type" in error_fields(body)
    assert "role.exploded" in body["detail"]


async def test_who_may_read_events(client: httpx.AsyncClient, tenant: Tenant) -> None:
    await create_role(client, tenant.admin)
    recruiter = await tenant.add("recruiter")
    hm = await tenant.add("hiring_manager")
    interviewer = await tenant.add("interviewer")
    seen = await events_until(client, recruiter, lambda e: len(e) >= 1, "role.created")
    assert len(seen) == 1
    for person in (hm, interviewer):
        body = problem(await client.get(f"{API}/events", headers=person.headers), 403)
        assert body["code"] == "forbidden"
    problem(await client.get(f"{API}/events"), 401)


async def test_other_tenants_events_are_never_visible(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    ours = await busy_tenant(client, tenant)
    theirs = await busy_tenant(client, other_tenant)

    mine = await events_until(
        client, tenant.admin, lambda e: any(x["resource_id"] == ours[1] for x in e)
    )
    their_view = await events_until(
        client, other_tenant.admin, lambda e: any(x["resource_id"] == theirs[1] for x in e)
    )
    assert mine
    assert their_view
    assert {e["organization_id"] for e in mine} == {str(tenant.organization_id)}
    assert {e["organization_id"] for e in their_view} == {str(other_tenant.organization_id)}
    assert not {e["id"] for e in mine} & {e["id"] for e in their_view}
    assert not {e["resource_id"] for e in mine} & set(theirs)

    # Filters and cursors do not cross tenants either.
    filtered = await events_until(client, tenant.admin, lambda e: len(e) >= 2, "role.created")
    assert {e["resource_id"] for e in filtered} == set(ours)
    first_page = ok(
        await client.get(f"{API}/events", headers=other_tenant.admin.headers, params={"limit": 1})
    )
    with_their_cursor = ok(
        await client.get(
            f"{API}/events",
            headers=tenant.admin.headers,
            params={"cursor": first_page["next_cursor"]},
        )
    )
    assert {e["organization_id"] for e in with_their_cursor["items"]} <= {
        str(tenant.organization_id)
    }
