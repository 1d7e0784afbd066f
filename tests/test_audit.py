"""The audit trail: sensitive actions are written in their own transaction, with ids only, and
read back by admins, newest first, a page at a time; nobody else reads them, and another
organization's entries are never listed."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from app.core.actor import Actor, PermissionSet
from app.db import Database
from app.domain.calendars.models import CalendarConnection
from app.domain.organizations import service as organizations
from tests.conftest import Tenant
from tests.helpers_domain import API, ok, problem
from tests.helpers_pipeline import MINIMAL_PDF, make_candidate


async def all_entries(client: httpx.AsyncClient, tenant: Tenant, **params: Any) -> list[Any]:
    found: list[Any] = []
    cursor = None
    while True:
        query = {"limit": 2, **params, **({"cursor": cursor} if cursor else {})}
        page = ok(await client.get(f"{API}/audit", headers=tenant.admin.headers, params=query))
        assert len(page["items"]) <= 2
        found += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return found


async def test_sensitive_actions_are_audited_with_ids_only(
    client: httpx.AsyncClient, db: Database, tenant: Tenant, other_tenant: Tenant
) -> None:
    admin = tenant.admin.headers
    member = await tenant.add("recruiter", "Rory Recruiter")

    key = ok(await client.post(f"{API}/api-keys", headers=admin, json={"name": "ci"}), 201)
    rotated = ok(
        await client.post(
            f"{API}/api-keys/{key['id']}/rotate", headers=admin, json={"grace_hours": 0}
        ),
        201,
    )
    ok(await client.post(f"{API}/api-keys/{rotated['id']}/revoke", headers=admin))
    ok(
        await client.patch(
            f"{API}/members/{member.id}", headers=admin, json={"permission_set": "hiring_manager"}
        )
    )
    # A change that is not a permission change is not audited.
    ok(await client.patch(f"{API}/members/{member.id}", headers=admin, json={"title": "Lead"}))
    connection = ok(
        await client.post(
            f"{API}/integrations", headers=admin, json={"provider": "lever", "name": "Lever"}
        ),
        201,
    )
    deleted = await client.delete(f"{API}/integrations/{connection['id']}", headers=admin)
    assert deleted.status_code == 204, deleted.text
    async with db.transaction() as session:
        calendar = CalendarConnection(
            organization_id=tenant.organization_id,
            provider="caldav",
            scope="member",
            member_id=tenant.admin.id,
            name="Mine",
        )
        session.add(calendar)
    gone = await client.delete(f"{API}/calendar-connections/{calendar.id}", headers=admin)
    assert gone.status_code == 204, gone.text

    candidate = await make_candidate(client, tenant.admin, "Dora Download")
    document = ok(
        await client.post(
            f"{API}/candidates/{candidate['id']}/documents",
            headers=admin,
            files={"file": ("cv.pdf", MINIMAL_PDF, "application/pdf")},
            data={"kind": "resume"},
        ),
        201,
    )
    download = await client.get(document["download_url"], headers=admin)
    assert download.status_code == 200
    ok(await client.get(f"{API}/candidates/{candidate['id']}/export", headers=admin))

    entries = await all_entries(client, tenant)
    # (The members' own keys, issued by the fixtures, are in the trail too.)
    actions = [(e["action"], e["subject_id"]) for e in reversed(entries)]
    expected = [
        ("api_key.created", key["id"]),
        ("api_key.created", rotated["id"]),
        ("api_key.rotated", key["id"]),
        ("api_key.revoked", rotated["id"]),
        ("member.permission_changed", str(member.id)),
        ("integration.connected", connection["id"]),
        ("integration.disconnected", connection["id"]),
        ("calendar.disconnected", str(calendar.id)),
        ("document.downloaded", document["id"]),
        ("candidate.exported", candidate["id"]),
    ]
    ours = {subject for _, subject in expected}
    actions = [a for a in actions if a[1] in ours]
    # Newest first, and in the order they happened; the two of the rotation share a moment.
    assert sorted(actions[:4]) == sorted(expected[:4])
    assert actions[4:] == expected[4:]
    by_action = {e["action"]: e for e in entries}
    assert by_action["member.permission_changed"]["detail"] == {
        "from": "recruiter",
        "to": "hiring_manager",
    }
    assert by_action["document.downloaded"]["actor_member_id"] == str(tenant.admin.id)
    assert by_action["document.downloaded"]["actor_api_key_id"] is not None
    assert all(e["request_id"] for e in entries if e["subject_id"] in ours)
    # Ids only: no name, email or file name anywhere in the trail.
    text = str(entries).lower()
    for personal in ("dora", "download@", "rory", "cv.pdf", "mine"):
        assert personal not in text.replace("document.downloaded", ""), personal

    # Filters.
    only = await all_entries(client, tenant, action="api_key.created")
    assert {e["action"] for e in only} == {"api_key.created"}
    assert {key["id"], rotated["id"]} <= {e["subject_id"] for e in only}
    about = await all_entries(client, tenant, subject_id=candidate["id"])
    assert [e["action"] for e in about] == ["candidate.exported"]

    # Admins only; another organization sees none of it.
    problem(await client.get(f"{API}/audit", headers=member.headers), 403)
    theirs = ok(await client.get(f"{API}/audit", headers=other_tenant.admin.headers))
    # (Only their own admin's key, issued when their organization was created.)
    assert ours.isdisjoint({e["subject_id"] for e in theirs["items"]})
    assert [e["action"] for e in theirs["items"]] == ["api_key.created"]
    problem(await client.get(f"{API}/audit", headers=admin, params={"action": "nope"}), 422)
    problem(await client.get(f"{API}/audit", headers=admin, params={"cursor": "zz"}), 422)


async def test_a_rolled_back_action_leaves_no_audit_row(
    client: httpx.AsyncClient, db: Database, tenant: Tenant
) -> None:
    """The row is written in the action's transaction: when it rolls back, so does the row."""
    key = ok(
        await client.post(f"{API}/api-keys", headers=tenant.admin.headers, json={"name": "x"}),
        201,
    )
    actor = Actor(
        member_id=tenant.admin.id,
        organization_id=tenant.organization_id,
        permission_set=PermissionSet.admin,
        email="admin@example.com",
        name="Admin",
    )

    async def revoke_then_fail() -> None:
        async with db.transaction() as session:
            await organizations.revoke_api_key(session, actor, uuid.UUID(key["id"]))
            raise RuntimeError("the rest of the change failed")

    with pytest.raises(RuntimeError):
        await revoke_then_fail()
    entries = ok(await client.get(f"{API}/audit", headers=tenant.admin.headers))["items"]
    assert [e["action"] for e in entries if e["subject_id"] == key["id"]] == ["api_key.created"]
    async with db.transaction() as session:
        await organizations.revoke_api_key(session, actor, uuid.UUID(key["id"]))
    entries = ok(await client.get(f"{API}/audit", headers=tenant.admin.headers))["items"]
    entries = [e for e in entries if e["subject_id"] == key["id"]]
    assert [e["action"] for e in entries] == ["api_key.revoked", "api_key.created"]
    assert entries[0]["request_id"] is None  # no request: a service call of its own


async def test_keys_revoked_by_deactivating_their_member_are_audited(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    rory = await tenant.add("recruiter", "Rory Recruiter")
    keys = ok(await client.get(f"{API}/api-keys", headers=tenant.admin.headers))
    theirs = [k["id"] for k in keys["items"] if k["member_id"] == str(rory.id)]
    assert theirs
    ok(
        await client.patch(
            f"{API}/members/{rory.id}", headers=tenant.admin.headers, json={"is_active": False}
        )
    )
    revoked = await all_entries(client, tenant, action="api_key.revoked")
    assert {e["subject_id"] for e in revoked} == set(theirs)
    assert {e["detail"]["because"] for e in revoked} == {"member deactivated"}
