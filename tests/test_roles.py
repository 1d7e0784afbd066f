"""Roles: who creates and changes them, legal status moves, who sees which, list filters, events."""

from __future__ import annotations

import asyncio
import uuid

import httpx

from tests.conftest import Person, Tenant
from tests.helpers_domain import (
    API,
    create_role,
    error_fields,
    get_role,
    list_all,
    of_resource,
    ok,
    problem,
    role_team,
    settled_events,
)


async def titles(client: httpx.AsyncClient, who: Person, **params: str) -> list[str]:
    return [r["title"] for r in await list_all(client, who, f"{API}/roles", params)]


# --- creating -----------------------------------------------------------------------------------


async def test_admin_and_recruiter_create_roles(client: httpx.AsyncClient, tenant: Tenant) -> None:
    recruiter = await tenant.add("recruiter")
    hm = await tenant.add("hiring_manager")
    response = await client.post(
        f"{API}/roles",
        headers=recruiter.headers,
        json={
            "title": "Data Engineer",
            "team": "Platform",
            "location": "Berlin",
            "workplace": "remote",
            "headcount": 2,
            "recruiter_id": str(recruiter.id),
            "hiring_manager_id": str(hm.id),
            "target_start": "2030-02-01",
        },
    )
    role = ok(response, 201)
    assert response.headers["location"] == f"/api/v1/roles/{role['id']}"
    assert response.headers["etag"] == '"1"'
    assert role["status"] == "draft"
    assert role["workplace"] == "remote"
    assert role["headcount"] == 2
    assert role["filled_count"] == 0
    assert role["recruiter_id"] == str(recruiter.id)
    assert role["hiring_manager_id"] == str(hm.id)
    assert role["target_start"] == "2030-02-01"
    assert role["organization_id"] == str(tenant.organization_id)
    assert await get_role(client, hm, role["id"]) == role

    by_admin = await create_role(client, tenant.admin, title="Office Manager", status="open")
    assert by_admin["status"] == "open"
    assert by_admin["workplace"] == "hybrid"
    assert by_admin["headcount"] == 1
    assert by_admin["recruiter_id"] is None


async def test_hiring_managers_and_interviewers_cannot_create_roles(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    for permission_set in ("hiring_manager", "interviewer"):
        person = await tenant.add(permission_set)
        body = problem(
            await client.post(
                f"{API}/roles",
                headers=person.headers,
                json={"title": "Shadow role", "hiring_manager_id": str(person.id)},
            ),
            403,
        )
        assert body["code"] == "forbidden"
    assert await list_all(client, tenant.admin, f"{API}/roles") == []


async def test_role_input_is_validated(client: httpx.AsyncClient, tenant: Tenant) -> None:
    for payload, field in (
        ({}, "title"),
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "T", "workplace": "moon"}, "workplace"),
        ({"title": "T", "status": "filled"}, "status"),
        ({"title": "T", "headcount": 0}, "headcount"),
        ({"title": "T", "headcount": 1001}, "headcount"),
        ({"title": "T", "headcount": "many"}, "headcount"),
        ({"title": "T", "target_start": "soon"}, "target_start"),
        ({"title": "T", "salary": 10}, "salary"),
        ({"title": "T", "recruiter_id": "42"}, "recruiter_id"),
    ):
        body = problem(
            await client.post(f"{API}/roles", headers=tenant.admin.headers, json=payload), 422
        )
        assert body["code"] == "invalid_input"
        assert field in error_fields(body), (payload, body)
    assert await list_all(client, tenant.admin, f"{API}/roles") == []
    assert (await create_role(client, tenant.admin, headcount=1000))["headcount"] == 1000


async def test_recruiter_and_hiring_manager_must_be_fitting_members(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    recruiter = await tenant.add("recruiter")
    hm = await tenant.add("hiring_manager")
    interviewer = await tenant.add("interviewer")
    leaver = await tenant.add("recruiter")
    ok(
        await client.patch(
            f"{API}/members/{leaver.id}", headers=tenant.admin.headers, json={"is_active": False}
        )
    )
    outsider = await other_tenant.add("recruiter")
    outsider_hm = await other_tenant.add("hiring_manager")

    bad: list[tuple[str, uuid.UUID]] = [
        ("recruiter_id", interviewer.id),
        ("recruiter_id", hm.id),
        ("recruiter_id", leaver.id),
        ("recruiter_id", outsider.id),
        ("recruiter_id", uuid.uuid4()),
        ("hiring_manager_id", recruiter.id),
        ("hiring_manager_id", interviewer.id),
        ("hiring_manager_id", outsider_hm.id),
    ]
    for field, member_id in bad:
        body = problem(
            await client.post(
                f"{API}/roles",
                headers=recruiter.headers,
                json={"title": "Checked", field: str(member_id)},
            ),
            422,
        )
        assert error_fields(body) == {field}, (field, body)
    assert await list_all(client, tenant.admin, f"{API}/roles") == []

    # Admins may fill either seat.
    role = await create_role(
        client, recruiter, recruiter_id=tenant.admin.id, hiring_manager_id=tenant.admin.id
    )
    assert role["recruiter_id"] == role["hiring_manager_id"] == str(tenant.admin.id)

    # The same rules hold on update, and a refused update changes nothing.
    for field, member_id in bad:
        body = problem(
            await client.patch(
                f"{API}/roles/{role['id']}", headers=recruiter.headers, json={field: str(member_id)}
            ),
            422,
        )
        assert error_fields(body) == {field}, (field, body)
    unchanged = await get_role(client, recruiter, role["id"])
    assert unchanged["version"] == 1
    assert unchanged["recruiter_id"] == str(tenant.admin.id)


# --- reading ------------------------------------------------------------------------------------


async def test_read_role_etag_and_not_found(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    role = await create_role(client, tenant.admin, title="Designer")
    theirs = await create_role(client, other_tenant.admin, title="Their Designer")
    response = await client.get(f"{API}/roles/{role['id']}", headers=tenant.admin.headers)
    assert ok(response)["title"] == "Designer"
    assert response.headers["etag"] == '"1"'
    cached = await client.get(
        f"{API}/roles/{role['id']}", headers={**tenant.admin.headers, "If-None-Match": '"1"'}
    )
    assert cached.status_code == 304

    problem(await client.get(f"{API}/roles/{theirs['id']}", headers=tenant.admin.headers), 404)
    problem(await client.get(f"{API}/roles/{uuid.uuid4()}", headers=tenant.admin.headers), 404)
    problem(await client.get(f"{API}/roles/12", headers=tenant.admin.headers), 422)
    problem(
        await client.patch(
            f"{API}/roles/{theirs['id']}", headers=tenant.admin.headers, json={"title": "Mine"}
        ),
        404,
    )
    assert (await get_role(client, other_tenant.admin, theirs["id"]))["title"] == "Their Designer"


# --- updating -----------------------------------------------------------------------------------


async def test_update_role_fields_and_version(client: httpx.AsyncClient, tenant: Tenant) -> None:
    team = await role_team(client, tenant)
    response = await client.patch(
        f"{API}/roles/{team.role_id}",
        headers=team.recruiter.headers,
        json={
            "title": "Senior Backend Engineer",
            "headcount": 3,
            "workplace": "onsite",
            "team": "Payments",
        },
    )
    updated = ok(response)
    assert updated["title"] == "Senior Backend Engineer"
    assert updated["headcount"] == 3
    assert updated["workplace"] == "onsite"
    assert updated["team"] == "Payments"
    assert updated["version"] == 2
    assert response.headers["etag"] == '"2"'
    assert await get_role(client, tenant.admin, team.role_id) == updated

    # Sending the same values again is not a change.
    same = ok(
        await client.patch(
            f"{API}/roles/{team.role_id}", headers=team.recruiter.headers, json={"headcount": 3}
        )
    )
    assert same["version"] == 2

    for change, field in (
        ({"headcount": 0}, "headcount"),
        ({"headcount": 1001}, "headcount"),
        ({"title": None}, "title"),
    ):
        body = problem(
            await client.patch(
                f"{API}/roles/{team.role_id}", headers=team.recruiter.headers, json=change
            ),
            422,
        )
        assert field in error_fields(body), (change, body)
    assert (await get_role(client, tenant.admin, team.role_id))["headcount"] == 3


async def test_stale_if_match_is_412_and_changes_nothing(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    role = await create_role(client, tenant.admin, title="Original")
    ok(
        await client.patch(
            f"{API}/roles/{role['id']}", headers=tenant.admin.headers, json={"title": "Second"}
        )
    )
    body = problem(
        await client.patch(
            f"{API}/roles/{role['id']}",
            headers={**tenant.admin.headers, "If-Match": '"1"'},
            json={"title": "Third"},
        ),
        412,
    )
    assert body["code"] == "precondition_failed"
    assert (await get_role(client, tenant.admin, role["id"]))["title"] == "Second"
    ok(
        await client.patch(
            f"{API}/roles/{role['id']}",
            headers={**tenant.admin.headers, "If-Match": '"2"'},
            json={"title": "Third"},
        )
    )


async def test_status_moves(client: httpx.AsyncClient, tenant: Tenant) -> None:
    role = await create_role(client, tenant.admin)
    url = f"{API}/roles/{role['id']}"
    for status in ("open", "on_hold", "open", "closed", "open", "on_hold", "closed"):
        moved = ok(await client.patch(url, headers=tenant.admin.headers, json={"status": status}))
        assert moved["status"] == status


async def test_illegal_status_move_is_409_listing_allowed_moves(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    role = await create_role(client, tenant.admin)
    url = f"{API}/roles/{role['id']}"
    body = problem(
        await client.patch(url, headers=tenant.admin.headers, json={"status": "on_hold"}), 409
    )
    assert body["code"] == "conflict"
    assert body["allowed"] == ["closed", "open"]
    assert "draft" in body["detail"]
    assert "closed" in body["detail"]
    assert "open" in body["detail"]

    ok(await client.patch(url, headers=tenant.admin.headers, json={"status": "closed"}))
    body = problem(
        await client.patch(url, headers=tenant.admin.headers, json={"status": "on_hold"}), 409
    )
    assert body["allowed"] == ["open"]
    body = problem(
        await client.patch(url, headers=tenant.admin.headers, json={"status": "draft"}), 409
    )
    assert body["allowed"] == ["open"]
    # "filled" is reached by hiring, never set by hand.
    problem(await client.patch(url, headers=tenant.admin.headers, json={"status": "filled"}), 422)

    # A refused move changes nothing, not even alongside other fields.
    problem(
        await client.patch(
            url, headers=tenant.admin.headers, json={"status": "draft", "title": "Sneaked in"}
        ),
        409,
    )
    current = await get_role(client, tenant.admin, role["id"])
    assert current["status"] == "closed"
    assert current["title"] == role["title"]
    assert current["version"] == 2


async def test_only_admins_and_recruiters_edit_roles(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    team = await role_team(client, tenant)
    other_recruiter = await tenant.add("recruiter")
    ok(
        await client.patch(
            f"{API}/roles/{team.role_id}", headers=other_recruiter.headers, json={"team": "Core"}
        )
    )
    ok(
        await client.patch(
            f"{API}/roles/{team.role_id}",
            headers=tenant.admin.headers,
            json={"location": "Remote EU"},
        )
    )

    body = problem(
        await client.patch(
            f"{API}/roles/{team.role_id}",
            headers=team.hiring_manager.headers,
            json={"title": "HM title"},
        ),
        403,
    )
    assert body["code"] == "forbidden"
    interviewer = await tenant.add("interviewer")
    problem(
        await client.patch(
            f"{API}/roles/{team.role_id}", headers=interviewer.headers, json={"title": "IV title"}
        ),
        403,
    )
    assert (await get_role(client, tenant.admin, team.role_id))["title"] == team.role["title"]


# --- listing ------------------------------------------------------------------------------------


async def test_list_filters(client: httpx.AsyncClient, tenant: Tenant) -> None:
    rec_a = await tenant.add("recruiter")
    rec_b = await tenant.add("recruiter")
    hm_a = await tenant.add("hiring_manager")
    hm_b = await tenant.add("hiring_manager")
    await create_role(
        client, rec_a, title="Backend Engineer", recruiter_id=rec_a.id, hiring_manager_id=hm_a.id
    )
    await create_role(
        client,
        rec_a,
        title="Frontend Engineer",
        recruiter_id=rec_a.id,
        hiring_manager_id=hm_b.id,
        status="open",
    )
    await create_role(
        client,
        rec_b,
        title="Product Designer",
        recruiter_id=rec_b.id,
        hiring_manager_id=hm_a.id,
        status="open",
    )
    await create_role(client, rec_b, title="Engineering Manager", recruiter_id=rec_b.id)

    who = tenant.admin
    # Newest first.
    assert await titles(client, who) == [
        "Engineering Manager",
        "Product Designer",
        "Frontend Engineer",
        "Backend Engineer",
    ]
    assert await titles(client, who, status="open") == ["Product Designer", "Frontend Engineer"]
    assert await titles(client, who, status="closed") == []
    assert await titles(client, who, hiring_manager_id=str(hm_a.id)) == [
        "Product Designer",
        "Backend Engineer",
    ]
    assert await titles(client, who, recruiter_id=str(rec_b.id)) == [
        "Engineering Manager",
        "Product Designer",
    ]
    assert await titles(client, who, q="engineer") == [
        "Engineering Manager",
        "Frontend Engineer",
        "Backend Engineer",
    ]
    assert await titles(client, who, q="ENGINEER ") == [
        "Engineering Manager",
        "Frontend Engineer",
        "Backend Engineer",
    ]
    assert await titles(client, who, q="engineer", status="open", recruiter_id=str(rec_a.id)) == [
        "Frontend Engineer"
    ]
    assert await titles(client, who, q="nothing like it") == []

    body = problem(
        await client.get(f"{API}/roles", headers=who.headers, params={"status": "paused"}), 422
    )
    assert "status" in error_fields(body)
    body = problem(
        await client.get(f"{API}/roles", headers=who.headers, params={"hiring_manager_id": "bob"}),
        422,
    )
    assert "hiring_manager_id" in error_fields(body)
    body = problem(
        await client.get(f"{API}/roles", headers=who.headers, params={"cursor": "garbage!"}), 422
    )
    assert "cursor" in error_fields(body)
    body = problem(
        await client.get(
            f"{API}/roles", headers=who.headers, params={"cursor": "bm90LWEtY3Vyc29y"}
        ),
        422,
    )
    assert "cursor" in error_fields(body)
    problem(await client.get(f"{API}/roles", headers=who.headers, params={"limit": 0}), 422)
    problem(await client.get(f"{API}/roles", headers=who.headers, params={"limit": 201}), 422)


async def test_text_search_takes_wildcards_literally(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    for title in (
        "100% Remote Engineer",
        "Data_Engineer",
        "DataXEngineer",
        "Plain Role",
        "Back\\slash Dev",
    ):
        await create_role(client, tenant.admin, title=title)
    who = tenant.admin
    assert await titles(client, who, q="%") == ["100% Remote Engineer"]
    assert await titles(client, who, q="_") == ["Data_Engineer"]
    assert await titles(client, who, q="a_E") == ["Data_Engineer"]
    assert await titles(client, who, q="0%") == ["100% Remote Engineer"]
    assert await titles(client, who, q="\\") == ["Back\\slash Dev"]
    assert sorted(await titles(client, who, q="")) == sorted(
        ["100% Remote Engineer", "Data_Engineer", "DataXEngineer", "Plain Role", "Back\\slash Dev"]
    )


async def test_list_pages_with_cursor(client: httpx.AsyncClient, tenant: Tenant) -> None:
    created = [await create_role(client, tenant.admin, title=f"Role {i}") for i in range(7)]
    first = ok(await client.get(f"{API}/roles", headers=tenant.admin.headers, params={"limit": 3}))
    assert [r["title"] for r in first["items"]] == ["Role 6", "Role 5", "Role 4"]
    assert first["next_cursor"]
    paged = await list_all(client, tenant.admin, f"{API}/roles", limit=3)
    assert [r["id"] for r in paged] == [r["id"] for r in reversed(created)]
    # A role created after the first page does not shift later pages.
    await create_role(client, tenant.admin, title="Late")
    second = ok(
        await client.get(
            f"{API}/roles",
            headers=tenant.admin.headers,
            params={"limit": 3, "cursor": first["next_cursor"]},
        )
    )
    assert [r["title"] for r in second["items"]] == ["Role 3", "Role 2", "Role 1"]


# --- who sees what ------------------------------------------------------------------------------


async def test_hiring_manager_sees_only_roles_they_manage_or_stand_in_for(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    recruiter = await tenant.add("recruiter")
    hm_a = await tenant.add("hiring_manager")
    hm_b = await tenant.add("hiring_manager")
    role_a = await create_role(client, recruiter, title="A role", hiring_manager_id=hm_a.id)
    role_b = await create_role(client, recruiter, title="B role", hiring_manager_id=hm_b.id)
    unassigned = await create_role(client, recruiter, title="Nobody's role")

    assert await titles(client, hm_a) == ["A role"]
    ok(await client.get(f"{API}/roles/{role_a['id']}", headers=hm_a.headers))
    for role in (role_b, unassigned):
        body = problem(await client.get(f"{API}/roles/{role['id']}", headers=hm_a.headers), 404)
        assert body["code"] == "not_found"
    # Filtering by someone else's id does not widen the view.
    assert await titles(client, hm_a, hiring_manager_id=str(hm_b.id)) == []

    # hm_b names hm_a as their delegate: hm_a now also sees hm_b's roles.
    ok(
        await client.patch(
            f"{API}/members/{hm_b.id}/preferences",
            headers=hm_b.headers,
            json={"delegate_id": str(hm_a.id)},
        )
    )
    assert await titles(client, hm_a) == ["B role", "A role"]
    ok(await client.get(f"{API}/roles/{role_b['id']}", headers=hm_a.headers))
    problem(await client.get(f"{API}/roles/{unassigned['id']}", headers=hm_a.headers), 404)
    # Delegation is one way.
    assert await titles(client, hm_b) == ["B role"]

    # Taking the delegation back hides the roles again.
    ok(
        await client.patch(
            f"{API}/members/{hm_b.id}/preferences", headers=hm_b.headers, json={"delegate_id": None}
        )
    )
    assert await titles(client, hm_a) == ["A role"]
    problem(await client.get(f"{API}/roles/{role_b['id']}", headers=hm_a.headers), 404)

    # Reassigning a role moves it between hiring managers' views.
    ok(
        await client.patch(
            f"{API}/roles/{role_b['id']}",
            headers=recruiter.headers,
            json={"hiring_manager_id": str(hm_a.id)},
        )
    )
    assert await titles(client, hm_a) == ["B role", "A role"]
    assert await titles(client, hm_b) == []


async def test_interviewers_get_403_on_roles(client: httpx.AsyncClient, tenant: Tenant) -> None:
    interviewer = await tenant.add("interviewer")
    role = await create_role(client, tenant.admin)
    for response in (
        await client.get(f"{API}/roles", headers=interviewer.headers),
        await client.get(f"{API}/roles/{role['id']}", headers=interviewer.headers),
    ):
        assert problem(response, 403)["code"] == "forbidden"


# --- events -------------------------------------------------------------------------------------


async def test_role_events_are_recorded(client: httpx.AsyncClient, tenant: Tenant) -> None:
    recruiter = await tenant.add("recruiter")
    role = await create_role(client, recruiter, title="Site Reliability Engineer", status="open")
    url = f"{API}/roles/{role['id']}"
    ok(await client.patch(url, headers=recruiter.headers, json={"title": "SRE", "headcount": 2}))
    ok(
        await client.patch(url, headers=recruiter.headers, json={"headcount": 2})
    )  # no change, no event
    problem(
        await client.patch(url, headers=recruiter.headers, json={"status": "draft"}), 409
    )  # refused, no event
    ok(await client.patch(url, headers=recruiter.headers, json={"status": "on_hold"}))

    found = of_resource(
        await settled_events(client, tenant.admin, "role.created", "role.updated"), role["id"]
    )
    assert [e["type"] for e in found] == ["role.created", "role.updated", "role.updated"]
    created, renamed, held = found
    assert created["data"] == {
        "role_id": role["id"],
        "title": "Site Reliability Engineer",
        "status": "open",
    }
    assert created["actor_member_id"] == str(recruiter.id)
    assert created["resource_type"] == "role"
    assert sorted(renamed["data"]["changed"]) == ["headcount", "title"]
    assert held["data"]["changed"] == ["status"]
    assert held["data"]["role_id"] == role["id"]

    # A refused creation records nothing.
    problem(
        await client.post(
            f"{API}/roles", headers=recruiter.headers, json={"title": "X", "headcount": 0}
        ),
        422,
    )
    after = await settled_events(client, tenant.admin, "role.created")
    assert [e["resource_id"] for e in after] == [role["id"]]


async def test_two_updates_from_the_same_version_one_wins(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    recruiter = await tenant.add("recruiter")
    role = await create_role(client, recruiter, title="Contested")
    url = f"{API}/roles/{role['id']}"
    ok(await client.get(url, headers=tenant.admin.headers))  # both credentials verified first
    first, second = await asyncio.gather(
        client.patch(url, headers={**recruiter.headers, "If-Match": '"1"'}, json={"title": "Mine"}),
        client.patch(
            url, headers={**tenant.admin.headers, "If-Match": '"1"'}, json={"title": "Yours"}
        ),
    )
    assert sorted([first.status_code, second.status_code]) == [200, 412], (first.text, second.text)
    winner = first if first.status_code == 200 else second
    current = await get_role(client, tenant.admin, role["id"])
    assert current["title"] == winner.json()["title"]
    assert current["version"] == 2
