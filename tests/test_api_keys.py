"""API keys: issued to a member and shown once, listed without the secret, revoked at once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import text

from app.auth import actor_cache
from tests.conftest import Tenant
from tests.helpers_domain import API, error_fields, list_all, ok, problem


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def test_create_shows_the_key_once_and_it_works(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    member = await tenant.add("recruiter")
    response = await client.post(
        f"{API}/api-keys", headers=member.headers, json={"name": "CI pipeline"}
    )
    created = ok(response, 201)
    # Nothing on the way may keep a copy of the answer that carries the key.
    assert "no-store" in response.headers.get("cache-control", "")
    key = created["key"]
    assert key.startswith("hl_")
    assert len(key) > 30
    assert key.startswith(created["prefix"])
    assert created["prefix"] != key
    assert created["member_id"] == str(member.id)
    assert created["name"] == "CI pipeline"
    assert created["revoked_at"] is None

    # The new key authenticates as its member.
    mine = await list_all(client, tenant.admin, f"{API}/api-keys")
    assert created["id"] in {k["id"] for k in mine}
    listed = await client.get(f"{API}/api-keys", headers=bearer(key), params={"limit": 200})
    body = ok(listed)
    assert {k["member_id"] for k in body["items"]} == {str(member.id)}

    # Never shown again: not in any list, under any field.
    for who in (member, tenant.admin):
        response = await client.get(f"{API}/api-keys", headers=who.headers, params={"limit": 200})
        assert key not in response.text
        assert key[len(created["prefix"]) :] not in response.text
        assert all("key" not in item for item in ok(response)["items"])


async def test_last_use_is_recorded(client: httpx.AsyncClient, tenant: Tenant) -> None:
    member = await tenant.add("interviewer")
    created = ok(
        await client.post(f"{API}/api-keys", headers=member.headers, json={"name": "fresh"}), 201
    )
    assert created["last_used_at"] is None
    before = {k["id"]: k for k in await list_all(client, tenant.admin, f"{API}/api-keys")}
    assert before[created["id"]]["last_used_at"] is None
    ok(await client.get(f"{API}/members", headers=bearer(created["key"])))
    after = {k["id"]: k for k in await list_all(client, tenant.admin, f"{API}/api-keys")}
    assert after[created["id"]]["last_used_at"] is not None


async def test_key_names_are_validated(client: httpx.AsyncClient, tenant: Tenant) -> None:
    for payload, field in (
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x", "scope": "all"}, "scope"),
    ):
        body = problem(
            await client.post(f"{API}/api-keys", headers=tenant.admin.headers, json=payload), 422
        )
        assert field in error_fields(body), body
    assert len(await list_all(client, tenant.admin, f"{API}/api-keys")) == 1


async def test_members_list_their_own_keys_and_admins_see_all(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    alice = await tenant.add("recruiter")
    bob = await tenant.add("hiring_manager")
    extra = ok(
        await client.post(f"{API}/api-keys", headers=alice.headers, json={"name": "second"}), 201
    )
    await other_tenant.add("recruiter")

    alices = await list_all(client, alice, f"{API}/api-keys", limit=1)
    assert {k["member_id"] for k in alices} == {str(alice.id)}
    assert len(alices) == 2
    assert extra["id"] in {k["id"] for k in alices}

    bobs = await list_all(client, bob, f"{API}/api-keys")
    assert {k["member_id"] for k in bobs} == {str(bob.id)}
    assert len(bobs) == 1

    everything = await list_all(client, tenant.admin, f"{API}/api-keys", limit=2)
    assert len(everything) == len({k["id"] for k in everything}) == 4  # admin's, alice's two, bob's
    assert {k["member_id"] for k in everything} == {
        str(tenant.admin.id),
        str(alice.id),
        str(bob.id),
    }


async def test_revoking_own_key_stops_it_at_once(client: httpx.AsyncClient, tenant: Tenant) -> None:
    member = await tenant.add("recruiter")
    created = ok(
        await client.post(f"{API}/api-keys", headers=member.headers, json={"name": "temp"}), 201
    )
    headers = bearer(created["key"])
    ok(await client.get(f"{API}/roles", headers=headers))  # now cached as a valid credential

    revoked = ok(
        await client.post(f"{API}/api-keys/{created['id']}/revoke", headers=member.headers)
    )
    assert revoked["id"] == created["id"]
    assert revoked["revoked_at"] is not None

    body = problem(await client.get(f"{API}/roles", headers=headers), 401)
    assert body["code"] == "unauthenticated"
    # The member's other key is untouched.
    ok(await client.get(f"{API}/roles", headers=member.headers))
    # Revoking again changes nothing.
    again = ok(await client.post(f"{API}/api-keys/{created['id']}/revoke", headers=member.headers))
    assert again["revoked_at"] == revoked["revoked_at"]
    listed = {k["id"]: k for k in await list_all(client, member, f"{API}/api-keys")}
    assert listed[created["id"]]["revoked_at"] == revoked["revoked_at"]


async def test_revoking_the_key_in_use_ends_the_session(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    member = await tenant.add("interviewer")
    keys = await list_all(client, member, f"{API}/api-keys")
    assert len(keys) == 1
    ok(await client.post(f"{API}/api-keys/{keys[0]['id']}/revoke", headers=member.headers))
    problem(await client.get(f"{API}/api-keys", headers=member.headers), 401)


async def test_another_members_key_is_not_found_for_non_admins(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    alice = await tenant.add("recruiter")
    bob = await tenant.add("recruiter")
    bobs_key = (await list_all(client, bob, f"{API}/api-keys"))[0]

    body = problem(
        await client.post(f"{API}/api-keys/{bobs_key['id']}/revoke", headers=alice.headers), 404
    )
    assert body["code"] == "not_found"
    ok(await client.get(f"{API}/roles", headers=bob.headers))
    assert (await list_all(client, bob, f"{API}/api-keys"))[0]["revoked_at"] is None

    # An admin may revoke anyone's key in the organization.
    ok(await client.post(f"{API}/api-keys/{bobs_key['id']}/revoke", headers=tenant.admin.headers))
    problem(await client.get(f"{API}/roles", headers=bob.headers), 401)


async def test_other_tenants_keys_are_invisible(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    outsider = await other_tenant.add("recruiter")
    their_key = (await list_all(client, outsider, f"{API}/api-keys"))[0]
    problem(
        await client.post(f"{API}/api-keys/{their_key['id']}/revoke", headers=tenant.admin.headers),
        404,
    )
    problem(
        await client.post(f"{API}/api-keys/{uuid.uuid4()}/revoke", headers=tenant.admin.headers),
        404,
    )
    ok(await client.get(f"{API}/roles", headers=outsider.headers))
    assert their_key["id"] not in {
        k["id"] for k in await list_all(client, tenant.admin, f"{API}/api-keys")
    }


async def test_admin_issues_a_key_for_another_member(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    member = await tenant.add("hiring_manager")
    created = ok(
        await client.post(
            f"{API}/api-keys",
            headers=tenant.admin.headers,
            json={"name": "for Hank", "member_id": str(member.id)},
        ),
        201,
    )
    assert created["member_id"] == str(member.id)
    # The key acts as that member: it sees only their keys, and a hiring manager may not create roles.
    seen = ok(await client.get(f"{API}/api-keys", headers=bearer(created["key"])))
    assert {k["member_id"] for k in seen["items"]} == {str(member.id)}
    assert len(seen["items"]) == 2
    problem(
        await client.post(f"{API}/roles", headers=bearer(created["key"]), json={"title": "Nope"}),
        403,
    )


async def test_only_admins_issue_keys_for_others(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    recruiter = await tenant.add("recruiter")
    colleague = await tenant.add("interviewer")
    problem(
        await client.post(
            f"{API}/api-keys",
            headers=recruiter.headers,
            json={"name": "x", "member_id": str(colleague.id)},
        ),
        403,
    )
    assert len(await list_all(client, colleague, f"{API}/api-keys")) == 1

    # An admin cannot issue keys to a member of another organization, nor to an inactive one.
    outsider = await other_tenant.add("recruiter")
    body = problem(
        await client.post(
            f"{API}/api-keys",
            headers=tenant.admin.headers,
            json={"name": "x", "member_id": str(outsider.id)},
        ),
        422,
    )
    assert "member_id" in error_fields(body)
    ok(
        await client.patch(
            f"{API}/members/{colleague.id}", headers=tenant.admin.headers, json={"is_active": False}
        )
    )
    body = problem(
        await client.post(
            f"{API}/api-keys",
            headers=tenant.admin.headers,
            json={"name": "x", "member_id": str(colleague.id)},
        ),
        422,
    )
    assert "member_id" in error_fields(body)
    assert len(await list_all(client, outsider, f"{API}/api-keys")) == 1


async def test_missing_or_bad_credentials_are_401(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    for headers in (
        {},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer "},
        bearer("hl_" + "x" * 43),
        bearer(tenant.admin.key + "x"),
    ):
        response = await client.get(f"{API}/api-keys", headers=headers)
        body = problem(response, 401)
        assert body["code"] == "unauthenticated"
        assert response.headers.get("www-authenticate", "").lower().startswith("bearer")


async def test_a_key_with_an_expiry_stops_working_then(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    created = ok(
        await client.post(
            f"{API}/api-keys",
            headers=tenant.admin.headers,
            json={"name": "ci", "expires_in_days": 30},
        ),
        201,
    )
    assert created["expires_at"] is not None
    headers = {"Authorization": f"Bearer {created['key']}"}
    ok(await client.get(f"{API}/organization", headers=headers))
    async with tenant.db.transaction() as session:
        await session.execute(
            text("UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = :id"),
            {"id": uuid.UUID(created["id"])},
        )
    actor_cache.clear()
    problem(await client.get(f"{API}/organization", headers=headers), 401)
    for days in (0, 3651, "soon"):
        refused = await client.post(
            f"{API}/api-keys",
            headers=tenant.admin.headers,
            json={"name": "x", "expires_in_days": days},
        )
        assert "expires_in_days" in error_fields(problem(refused, 422))


async def test_rotation_gives_a_new_key_and_the_old_one_a_grace_period(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    old = ok(
        await client.post(
            f"{API}/api-keys",
            headers=tenant.admin.headers,
            json={"name": "deploy", "expires_in_days": 90},
        ),
        201,
    )
    old_headers = {"Authorization": f"Bearer {old['key']}"}
    rotated = await client.post(
        f"{API}/api-keys/{old['id']}/rotate", headers=old_headers, json={"grace_hours": 2}
    )
    assert rotated.headers["cache-control"] == "no-store"
    new = ok(rotated, 201)
    assert new["id"] != old["id"]
    assert new["name"] == "deploy"
    assert new["key"] != old["key"]
    lifetime = datetime.fromisoformat(new["expires_at"]) - datetime.fromisoformat(new["created_at"])
    assert abs(lifetime - timedelta(days=90)) < timedelta(minutes=1), "the same lifetime"
    keys = {k["id"]: k for k in await list_all(client, tenant.admin, f"{API}/api-keys")}
    old_ends = datetime.fromisoformat(keys[old["id"]]["expires_at"])
    assert timedelta(hours=1) < old_ends - datetime.now(UTC) <= timedelta(hours=2)
    # Both work during the grace period.
    ok(await client.get(f"{API}/organization", headers=old_headers))
    ok(await client.get(f"{API}/organization", headers={"Authorization": f"Bearer {new['key']}"}))
    # Rotating with no grace ends the old key at once.
    again = ok(
        await client.post(
            f"{API}/api-keys/{new['id']}/rotate",
            headers=tenant.admin.headers,
            json={"grace_hours": 0},
        ),
        201,
    )
    actor_cache.clear()
    problem(
        await client.get(f"{API}/organization", headers={"Authorization": f"Bearer {new['key']}"}),
        401,
    )
    ok(await client.get(f"{API}/organization", headers={"Authorization": f"Bearer {again['key']}"}))
    # A revoked key cannot be rotated; another tenant's is not found.
    ok(await client.post(f"{API}/api-keys/{again['id']}/revoke", headers=tenant.admin.headers))
    problem(
        await client.post(
            f"{API}/api-keys/{again['id']}/rotate", headers=tenant.admin.headers, json={}
        ),
        409,
    )
    async with tenant.db.transaction() as session:
        types = (
            (await session.execute(text("SELECT type FROM events WHERE type = 'api_key.rotated'")))
            .scalars()
            .all()
        )
    assert len(types) == 2


async def test_rotating_another_tenants_key_is_not_found(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    theirs = ok(
        await client.post(
            f"{API}/api-keys", headers=other_tenant.admin.headers, json={"name": "x"}
        ),
        201,
    )
    problem(
        await client.post(
            f"{API}/api-keys/{theirs['id']}/rotate", headers=tenant.admin.headers, json={}
        ),
        404,
    )
