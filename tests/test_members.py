"""Members: listing, reading, adding and changing them, their update preferences, and what
deactivating one does to their API keys."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx

from tests.conftest import Tenant
from tests.helpers_domain import API, JSON, error_fields, list_all, names_field, ok, problem


def new_member(**overrides: Any) -> JSON:
    body: JSON = {
        "email": f"new.{uuid.uuid4().hex[:8]}@example.com",
        "name": "Nia Newcomer",
        "permission_set": "interviewer",
    }
    body.update(overrides)
    return body


# --- listing and reading ----------------------------------------------------------------------


async def test_list_members_pages_filters_and_hides_other_tenants(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    recruiter = await tenant.add("recruiter", name="Rita Recruiter")
    hm = await tenant.add("hiring_manager", name="Hank Manager")
    interviewer = await tenant.add("interviewer", name="Ivy Interviewer")
    await other_tenant.add("recruiter", name="Otto Outsider")

    everyone = await list_all(client, interviewer, f"{API}/members", limit=2)
    ids = [m["id"] for m in everyone]
    assert len(ids) == len(set(ids)) == 4
    assert set(ids) == {str(tenant.admin.id), str(recruiter.id), str(hm.id), str(interviewer.id)}
    assert all(m["organization_id"] == str(tenant.organization_id) for m in everyone)
    # Newest first.
    assert ids[0] == str(interviewer.id)
    assert ids[-1] == str(tenant.admin.id)

    managers = ok(
        await client.get(
            f"{API}/members", headers=recruiter.headers, params={"permission_set": "hiring_manager"}
        )
    )
    assert [m["id"] for m in managers["items"]] == [str(hm.id)]

    found = ok(await client.get(f"{API}/members", headers=recruiter.headers, params={"q": "ivy"}))
    assert [m["id"] for m in found["items"]] == [str(interviewer.id)]
    nobody = ok(await client.get(f"{API}/members", headers=recruiter.headers, params={"q": "Otto"}))
    assert nobody["items"] == []


async def test_list_hides_inactive_members_unless_asked(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    leaver = await tenant.add("recruiter")
    ok(
        await client.patch(
            f"{API}/members/{leaver.id}", headers=tenant.admin.headers, json={"is_active": False}
        )
    )

    active = await list_all(client, tenant.admin, f"{API}/members")
    assert str(leaver.id) not in {m["id"] for m in active}
    all_members = await list_all(
        client, tenant.admin, f"{API}/members", {"include_inactive": "true"}
    )
    by_id = {m["id"]: m for m in all_members}
    assert by_id[str(leaver.id)]["is_active"] is False


async def test_read_member_with_etag_and_tenant_isolation(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    recruiter = await tenant.add("recruiter", name="Rita Recruiter")
    response = await client.get(f"{API}/members/{recruiter.id}", headers=tenant.admin.headers)
    body = ok(response)
    assert body["name"] == "Rita Recruiter"
    assert body["permission_set"] == "recruiter"
    assert body["email"] == recruiter.member.email
    assert response.headers["etag"] == '"1"'

    again = await client.get(
        f"{API}/members/{recruiter.id}", headers={**tenant.admin.headers, "If-None-Match": '"1"'}
    )
    assert again.status_code == 304

    problem(
        await client.get(f"{API}/members/{other_tenant.admin.id}", headers=tenant.admin.headers),
        404,
    )
    problem(await client.get(f"{API}/members/{uuid.uuid4()}", headers=tenant.admin.headers), 404)
    bad = problem(await client.get(f"{API}/members/not-a-uuid", headers=tenant.admin.headers), 422)
    assert "member_id" in error_fields(bad)


# --- creating -----------------------------------------------------------------------------------


async def test_admin_creates_member_with_defaults(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    body = new_member(
        email="Pat.Person@Example.com", title="Staff Engineer", time_zone="Europe/Berlin"
    )
    response = await client.post(f"{API}/members", headers=tenant.admin.headers, json=body)
    created = ok(response, 201)
    assert response.headers["location"] == f"/api/v1/members/{created['id']}"
    assert created["email"] == "pat.person@example.com"
    assert created["permission_set"] == "interviewer"
    assert created["time_zone"] == "Europe/Berlin"
    assert created["title"] == "Staff Engineer"
    assert created["is_active"] is True
    assert created["version"] == 1
    # Defaults: weekday office hours and daily e-mail updates at nine.
    assert set(created["working_hours"]) == {"mon", "tue", "wed", "thu", "fri"}
    assert created["working_hours"]["mon"] == [{"start": "09:00", "end": "17:00"}]
    assert created["update_cadence"] == "daily"
    assert created["update_channel"] == "email"

    read = ok(await client.get(f"{API}/members/{created['id']}", headers=tenant.admin.headers))
    assert read == created


async def test_admin_sets_hours_and_caps_on_create(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    hours = {"mon": [{"start": "08:00", "end": "12:00"}, {"start": "13:00", "end": "16:30"}]}
    created = ok(
        await client.post(
            f"{API}/members",
            headers=tenant.admin.headers,
            json=new_member(
                working_hours=hours, max_interviews_per_day=2, max_interviews_per_week=6
            ),
        ),
        201,
    )
    assert created["working_hours"] == hours
    assert created["max_interviews_per_day"] == 2
    assert created["max_interviews_per_week"] == 6


async def test_only_admins_create_members(client: httpx.AsyncClient, tenant: Tenant) -> None:
    for permission_set in ("recruiter", "hiring_manager", "interviewer"):
        person = await tenant.add(permission_set)
        email = f"sneaky.{permission_set}@example.com"
        problem(
            await client.post(
                f"{API}/members", headers=person.headers, json=new_member(email=email)
            ),
            403,
        )
        listed = await list_all(client, tenant.admin, f"{API}/members", {"q": "sneaky"})
        assert listed == []


async def test_duplicate_email_conflicts_and_names_the_existing_member(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    existing = ok(
        await client.post(
            f"{API}/members", headers=tenant.admin.headers, json=new_member(email="sam@example.com")
        ),
        201,
    )
    body = problem(
        await client.post(
            f"{API}/members",
            headers=tenant.admin.headers,
            json=new_member(email="SAM@example.com", name="Other Sam"),
        ),
        409,
    )
    assert body["code"] == "conflict"
    assert body["member_id"] == existing["id"]
    assert "sam@example.com" in body["detail"]
    assert len(await list_all(client, tenant.admin, f"{API}/members", {"q": "sam@"})) == 1

    # The same address in another organization is another person.
    ok(
        await client.post(
            f"{API}/members",
            headers=other_tenant.admin.headers,
            json=new_member(email="sam@example.com"),
        ),
        201,
    )


async def test_unknown_time_zone_is_refused_naming_the_field(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    body = problem(
        await client.post(
            f"{API}/members",
            headers=tenant.admin.headers,
            json=new_member(time_zone="Mars/Olympus"),
        ),
        422,
    )
    assert body["code"] == "invalid_input"
    assert "time_zone" in error_fields(body)

    member = await tenant.add("recruiter")
    body = problem(
        await client.patch(
            f"{API}/members/{member.id}", headers=member.headers, json={"time_zone": "CET+99"}
        ),
        422,
    )
    assert "time_zone" in error_fields(body)
    read = ok(await client.get(f"{API}/members/{member.id}", headers=member.headers))
    assert read["time_zone"] == "UTC"


async def test_overlapping_or_reversed_working_hours_are_refused(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    overlapping = {"tue": [{"start": "09:00", "end": "13:00"}, {"start": "12:30", "end": "17:00"}]}
    reversed_ = {"wed": [{"start": "17:00", "end": "09:00"}]}
    empty = {"thu": [{"start": "10:00", "end": "10:00"}]}
    for hours in (overlapping, reversed_, empty):
        body = problem(
            await client.post(
                f"{API}/members", headers=tenant.admin.headers, json=new_member(working_hours=hours)
            ),
            422,
        )
        assert names_field(body, "working_hours"), body

    member = await tenant.add("interviewer")
    for hours in (overlapping, reversed_):
        body = problem(
            await client.patch(
                f"{API}/members/{member.id}", headers=member.headers, json={"working_hours": hours}
            ),
            422,
        )
        assert names_field(body, "working_hours"), body
    # Touching ranges are fine.
    touching = {"tue": [{"start": "09:00", "end": "12:00"}, {"start": "12:00", "end": "17:00"}]}
    updated = ok(
        await client.patch(
            f"{API}/members/{member.id}", headers=member.headers, json={"working_hours": touching}
        )
    )
    assert updated["working_hours"] == touching


async def test_member_fields_are_validated(client: httpx.AsyncClient, tenant: Tenant) -> None:
    cases: list[tuple[JSON, str]] = [
        (new_member(email="not-an-email"), "email"),
        (new_member(permission_set="owner"), "permission_set"),
        (new_member(name=""), "name"),
        (new_member(max_interviews_per_day=-1), "max_interviews_per_day"),
        (new_member(nickname="Zed"), "nickname"),
    ]
    for payload, field in cases:
        body = problem(
            await client.post(f"{API}/members", headers=tenant.admin.headers, json=payload), 422
        )
        assert field in error_fields(body), (payload, body)
    assert len(await list_all(client, tenant.admin, f"{API}/members")) == 1


# --- updating -----------------------------------------------------------------------------------


async def test_member_edits_own_profile(client: httpx.AsyncClient, tenant: Tenant) -> None:
    member = await tenant.add("interviewer")
    hours = {
        "mon": [{"start": "07:30", "end": "15:30"}],
        "sat": [{"start": "10:00", "end": "12:00"}],
    }
    changes = {
        "name": "Ivy Q. Interviewer",
        "title": "Senior Engineer",
        "bio": "Likes distributed systems.",
        "time_zone": "America/Toronto",
        "working_hours": hours,
    }
    response = await client.patch(
        f"{API}/members/{member.id}", headers=member.headers, json=changes
    )
    updated = ok(response)
    for key, value in changes.items():
        assert updated[key] == value
    assert updated["version"] == 2
    assert response.headers["etag"] == '"2"'
    read = ok(await client.get(f"{API}/members/{member.id}", headers=tenant.admin.headers))
    assert read["name"] == "Ivy Q. Interviewer"
    assert read["working_hours"] == hours


async def test_member_cannot_change_admin_fields_or_others(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    member = await tenant.add("recruiter")
    colleague = await tenant.add("recruiter")
    for change in (
        {"permission_set": "admin"},
        {"is_active": False},
        {"max_interviews_per_day": 8},
        {"max_interviews_per_week": 30},
    ):
        body = problem(
            await client.patch(f"{API}/members/{member.id}", headers=member.headers, json=change),
            403,
        )
        assert body["code"] == "forbidden"
    problem(
        await client.patch(
            f"{API}/members/{colleague.id}", headers=member.headers, json={"name": "Renamed"}
        ),
        403,
    )
    read = ok(await client.get(f"{API}/members/{member.id}", headers=member.headers))
    assert read["permission_set"] == "recruiter"
    assert read["version"] == 1
    other = ok(await client.get(f"{API}/members/{colleague.id}", headers=member.headers))
    assert other["name"] == colleague.member.name


async def test_admin_changes_permission_set_caps_and_activity(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    member = await tenant.add("interviewer")
    # As an interviewer they may not list roles (and their key is now verified and cached).
    problem(await client.get(f"{API}/roles", headers=member.headers), 403)
    updated = ok(
        await client.patch(
            f"{API}/members/{member.id}",
            headers=tenant.admin.headers,
            json={
                "permission_set": "hiring_manager",
                "max_interviews_per_day": 3,
                "max_interviews_per_week": 10,
            },
        )
    )
    assert updated["permission_set"] == "hiring_manager"
    assert updated["max_interviews_per_day"] == 3
    assert updated["max_interviews_per_week"] == 10
    # The new permission set applies to the member's very next request.
    listed = await client.get(f"{API}/roles", headers=member.headers)
    assert listed.status_code == 200, listed.text
    problem(await client.post(f"{API}/roles", headers=member.headers, json={"title": "X"}), 403)
    read = ok(await client.get(f"{API}/members/{member.id}", headers=member.headers))
    assert read["version"] == 2

    problem(
        await client.patch(
            f"{API}/members/{member.id}",
            headers=tenant.admin.headers,
            json={"max_interviews_per_day": 25},
        ),
        422,
    )


async def test_stale_if_match_changes_nothing(client: httpx.AsyncClient, tenant: Tenant) -> None:
    member = await tenant.add("interviewer")
    ok(
        await client.patch(
            f"{API}/members/{member.id}", headers=member.headers, json={"title": "One"}
        )
    )
    body = problem(
        await client.patch(
            f"{API}/members/{member.id}",
            headers={**member.headers, "If-Match": '"1"'},
            json={"title": "Two"},
        ),
        412,
    )
    assert body["code"] == "precondition_failed"
    read = ok(await client.get(f"{API}/members/{member.id}", headers=member.headers))
    assert read["title"] == "One"
    assert read["version"] == 2
    fresh = ok(
        await client.patch(
            f"{API}/members/{member.id}",
            headers={**member.headers, "If-Match": '"2"'},
            json={"title": "Two"},
        )
    )
    assert fresh["title"] == "Two"


async def test_admin_cannot_deactivate_or_demote_themselves(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    admin = tenant.admin
    problem(
        await client.patch(
            f"{API}/members/{admin.id}", headers=admin.headers, json={"is_active": False}
        ),
        409,
    )
    problem(
        await client.patch(
            f"{API}/members/{admin.id}", headers=admin.headers, json={"permission_set": "recruiter"}
        ),
        409,
    )
    ok(await client.get(f"{API}/members", headers=admin.headers))


async def test_other_tenants_member_cannot_be_changed(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    outsider = await other_tenant.add("recruiter")
    problem(
        await client.patch(
            f"{API}/members/{outsider.id}", headers=tenant.admin.headers, json={"name": "Hijacked"}
        ),
        404,
    )
    problem(
        await client.patch(
            f"{API}/members/{outsider.id}/preferences",
            headers=tenant.admin.headers,
            json={"update_cadence": "weekly"},
        ),
        404,
    )
    read = ok(await client.get(f"{API}/members/{outsider.id}", headers=other_tenant.admin.headers))
    assert read["name"] == outsider.member.name
    assert read["update_cadence"] == "daily"


async def test_required_fields_cannot_be_set_to_null(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    member = await tenant.add("recruiter")
    url = f"{API}/members/{member.id}"
    for field in ("name", "time_zone", "permission_set", "is_active"):
        body = problem(
            await client.patch(url, headers=tenant.admin.headers, json={field: None}), 422
        )
        assert field in error_fields(body), (field, body)
    read = ok(await client.get(url, headers=member.headers))
    assert (read["name"], read["time_zone"], read["permission_set"], read["is_active"]) == (
        member.member.name,
        "UTC",
        "recruiter",
        True,
    )
    assert read["version"] == 1

    for field in ("update_cadence", "update_channel", "update_local_time"):
        body = problem(
            await client.patch(f"{url}/preferences", headers=member.headers, json={field: None}),
            422,
        )
        assert field in error_fields(body), (field, body)
    prefs = ok(await client.get(f"{url}/preferences", headers=member.headers))
    assert (prefs["update_cadence"], prefs["update_channel"]) == ("daily", "email")


# --- deactivation -------------------------------------------------------------------------------


async def test_deactivating_a_member_revokes_their_keys(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    member = await tenant.add("recruiter")
    second = ok(
        await client.post(f"{API}/api-keys", headers=member.headers, json={"name": "laptop"}), 201
    )
    second_headers = {"Authorization": f"Bearer {second['key']}"}
    ok(await client.get(f"{API}/roles", headers=member.headers))
    ok(await client.get(f"{API}/roles", headers=second_headers))

    updated = ok(
        await client.patch(
            f"{API}/members/{member.id}", headers=tenant.admin.headers, json={"is_active": False}
        )
    )
    assert updated["is_active"] is False

    for headers in (member.headers, second_headers):
        body = problem(await client.get(f"{API}/roles", headers=headers), 401)
        assert body["code"] == "unauthenticated"

    keys = await list_all(client, tenant.admin, f"{API}/api-keys")
    theirs = [k for k in keys if k["member_id"] == str(member.id)]
    assert len(theirs) == 2
    assert all(k["revoked_at"] is not None for k in theirs)

    # Coming back does not bring old keys back to life.
    ok(
        await client.patch(
            f"{API}/members/{member.id}", headers=tenant.admin.headers, json={"is_active": True}
        )
    )
    problem(await client.get(f"{API}/roles", headers=member.headers), 401)
    fresh = ok(
        await client.post(
            f"{API}/api-keys",
            headers=tenant.admin.headers,
            json={"name": "back", "member_id": str(member.id)},
        ),
        201,
    )
    ok(await client.get(f"{API}/roles", headers={"Authorization": f"Bearer {fresh['key']}"}))


# --- preferences --------------------------------------------------------------------------------


async def test_preferences_default_and_update(client: httpx.AsyncClient, tenant: Tenant) -> None:
    member = await tenant.add("hiring_manager")
    teammate = await tenant.add("hiring_manager")
    defaults = ok(
        await client.get(f"{API}/members/{member.id}/preferences", headers=member.headers)
    )
    assert defaults == {
        "update_cadence": "daily",
        "update_channel": "email",
        "update_local_time": "09:00",
        "delegate_id": None,
        "slack_webhook_url": None,
        "slack_webhook_configured": False,
    }
    changed = ok(
        await client.patch(
            f"{API}/members/{member.id}/preferences",
            headers=member.headers,
            json={
                "update_cadence": "weekly",
                "update_channel": "webhook",
                "update_local_time": "16:30",
                "delegate_id": str(teammate.id),
            },
        )
    )
    assert changed["update_cadence"] == "weekly"
    assert changed["update_channel"] == "webhook"
    assert changed["update_local_time"] == "16:30"
    assert changed["delegate_id"] == str(teammate.id)
    read = ok(
        await client.get(f"{API}/members/{member.id}/preferences", headers=tenant.admin.headers)
    )
    assert read == changed
    profile = ok(await client.get(f"{API}/members/{member.id}", headers=member.headers))
    assert profile["delegate_id"] == str(teammate.id)

    cleared = ok(
        await client.patch(
            f"{API}/members/{member.id}/preferences",
            headers=member.headers,
            json={"delegate_id": None},
        )
    )
    assert cleared["delegate_id"] is None
    assert cleared["update_cadence"] == "weekly"


async def test_preference_values_are_validated(client: httpx.AsyncClient, tenant: Tenant) -> None:
    member = await tenant.add("recruiter")
    url = f"{API}/members/{member.id}/preferences"
    for change, field in (
        ({"update_cadence": "hourly"}, "update_cadence"),
        ({"update_channel": "pigeon"}, "update_channel"),
        ({"update_local_time": "25:00"}, "update_local_time"),
        ({"delegate_id": "nope"}, "delegate_id"),
        ({"slack_webhook_url": "ftp://example.com/x"}, "slack_webhook_url"),
        ({"mood": "sunny"}, "mood"),
    ):
        body = problem(await client.patch(url, headers=member.headers, json=change), 422)
        assert field in error_fields(body), (change, body)
    assert ok(await client.get(url, headers=member.headers))["update_cadence"] == "daily"


async def test_delegate_must_be_an_active_member_of_the_org_and_not_self(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    member = await tenant.add("hiring_manager")
    leaver = await tenant.add("hiring_manager")
    ok(
        await client.patch(
            f"{API}/members/{leaver.id}", headers=tenant.admin.headers, json={"is_active": False}
        )
    )
    outsider = await other_tenant.add("hiring_manager")
    url = f"{API}/members/{member.id}/preferences"

    for delegate in (member.id, leaver.id, outsider.id, uuid.uuid4()):
        body = problem(
            await client.patch(url, headers=member.headers, json={"delegate_id": str(delegate)}),
            422,
        )
        assert error_fields(body) == {"delegate_id"}, body
    assert ok(await client.get(url, headers=member.headers))["delegate_id"] is None


async def test_slack_channel_needs_a_webhook_url(client: httpx.AsyncClient, tenant: Tenant) -> None:
    member = await tenant.add("hiring_manager")
    url = f"{API}/members/{member.id}/preferences"
    body = problem(
        await client.patch(url, headers=member.headers, json={"update_channel": "slack"}), 422
    )
    assert "slack_webhook_url" in error_fields(body)
    assert ok(await client.get(url, headers=member.headers))["update_channel"] == "email"

    hook = "https://hooks.slack.com/services/T000/B000/XXXX"
    changed = ok(
        await client.patch(
            url, headers=member.headers, json={"update_channel": "slack", "slack_webhook_url": hook}
        )
    )
    assert changed["update_channel"] == "slack"
    assert changed["slack_webhook_url"] == hook
    # Taking the URL away while the channel is still slack is refused too.
    body = problem(
        await client.patch(url, headers=member.headers, json={"slack_webhook_url": None}), 422
    )
    assert "slack_webhook_url" in error_fields(body)
    assert ok(await client.get(url, headers=member.headers))["slack_webhook_url"] == hook
    # The URL is a credential: a colleague sees only that one is set; an admin sees it.
    colleague = await tenant.add("recruiter")
    seen = ok(await client.get(url, headers=colleague.headers))
    assert seen["slack_webhook_url"] is None
    assert seen["slack_webhook_configured"] is True
    assert ok(await client.get(url, headers=tenant.admin.headers))["slack_webhook_url"] == hook


async def test_only_the_member_or_an_admin_changes_preferences(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    member = await tenant.add("hiring_manager")
    colleague = await tenant.add("recruiter")
    url = f"{API}/members/{member.id}/preferences"
    problem(
        await client.patch(url, headers=colleague.headers, json={"update_cadence": "realtime"}), 403
    )
    assert ok(await client.get(url, headers=member.headers))["update_cadence"] == "daily"
    changed = ok(
        await client.patch(url, headers=tenant.admin.headers, json={"update_cadence": "realtime"})
    )
    assert changed["update_cadence"] == "realtime"


async def test_two_admins_adding_the_same_email_at_once(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    ok(
        await client.patch(
            f"{API}/members/{(await tenant.add('interviewer')).id}",
            headers=tenant.admin.headers,
            json={"permission_set": "admin"},
        )
    )
    second_admin = tenant.people[-1]
    ok(await client.get(f"{API}/members", headers=second_admin.headers))  # verified and cached
    first, second = await asyncio.gather(
        client.post(
            f"{API}/members",
            headers=tenant.admin.headers,
            json=new_member(email="race@example.com"),
        ),
        client.post(
            f"{API}/members",
            headers=second_admin.headers,
            json=new_member(email="race@example.com"),
        ),
    )
    assert sorted([first.status_code, second.status_code]) == [201, 409], (first.text, second.text)
    loser = first if first.status_code == 409 else second
    problem(loser, 409)
    assert len(await list_all(client, tenant.admin, f"{API}/members", {"q": "race@"})) == 1
