"""Availability through the API: date overrides, busy blocks (upserted by calendar id),
candidate windows, and the single-use link a candidate opens without an account."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from app.db import Database
from app.domain.availability import tokens
from tests.conftest import TEST_SECRET, Person, Tenant
from tests.helpers_interviews import (
    API,
    add_busy,
    at,
    error_fields,
    events_of,
    interviewing_application,
    iso,
    local_at,
    monday,
    ok,
    problem,
    scalar,
    sql,
    stage,
    suggest,
)

NEW_YORK = ZoneInfo("America/New_York")

# ---------------------------------------------------------------------------------------------
# Date overrides


def _overrides_url(member: Person) -> str:
    return f"{API}/members/{member.id}/availability/overrides"


async def test_member_sets_lists_replaces_and_deletes_their_own_overrides(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    ivy = await tenant.add("interviewer", "Ivy", time_zone="Europe/Berlin")
    day = monday().date() + timedelta(days=1)
    off = ok(
        await client.put(
            _overrides_url(ivy), headers=ivy.headers, json={"day": str(day), "note": "dentist"}
        )
    )
    assert off["member_id"] == str(ivy.id)
    assert off["day"] == str(day)
    assert off["hours"] == []
    assert off["note"] == "dentist"
    other_hours = ok(
        await client.put(
            _overrides_url(ivy),
            headers=ivy.headers,
            json={
                "day": str(day + timedelta(days=1)),
                "hours": [{"start": "07:00", "end": "11:00"}, {"start": "13:00", "end": "15:30"}],
            },
        )
    )
    assert other_hours["hours"] == [
        {"start": "07:00", "end": "11:00"},
        {"start": "13:00", "end": "15:30"},
    ]
    # Setting the same day again replaces it rather than adding a second override.
    ok(
        await client.put(
            _overrides_url(ivy),
            headers=ivy.headers,
            json={"day": str(day), "hours": [{"start": "12:00", "end": "14:00"}]},
        )
    )
    listed = ok(
        await client.get(
            _overrides_url(ivy),
            headers=ivy.headers,
            params={"from": str(day - timedelta(days=1)), "to": str(day + timedelta(days=5))},
        )
    )["items"]
    assert [(o["day"], o["hours"]) for o in listed] == [
        (str(day), [{"start": "12:00", "end": "14:00"}]),
        (str(day + timedelta(days=1)), other_hours["hours"]),
    ]
    outside = ok(
        await client.get(
            _overrides_url(ivy),
            headers=ivy.headers,
            params={"from": str(day + timedelta(days=2)), "to": str(day + timedelta(days=9))},
        )
    )["items"]
    assert outside == []

    gone = await client.delete(f"{_overrides_url(ivy)}/{day}", headers=ivy.headers)
    assert gone.status_code == 204
    listed = ok(
        await client.get(
            _overrides_url(ivy),
            headers=ivy.headers,
            params={"from": str(day), "to": str(day + timedelta(days=5))},
        )
    )["items"]
    assert [o["day"] for o in listed] == [str(day + timedelta(days=1))]
    problem(await client.delete(f"{_overrides_url(ivy)}/{day}", headers=ivy.headers), 404)


async def test_overrides_by_admin_and_recruiter_but_not_by_other_members(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    ivy = await tenant.add("interviewer", "Ivy")
    recruiter = await tenant.add("recruiter")
    colleague = await tenant.add("interviewer", "Colleague")
    hm = await tenant.add("hiring_manager")
    day = str(monday().date())
    for who, status in (
        (tenant.admin, 200),
        (recruiter, 200),
        (colleague, 403),
        (hm, 403),
    ):
        response = await client.put(_overrides_url(ivy), headers=who.headers, json={"day": day})
        assert response.status_code == status, (who.member.permission_set, response.text)
    for who in (colleague, hm):
        listed = await client.get(
            _overrides_url(ivy), headers=who.headers, params={"from": day, "to": day}
        )
        assert listed.status_code == 403
        deleted = await client.delete(f"{_overrides_url(ivy)}/{day}", headers=who.headers)
        assert deleted.status_code == 403
    # Another organization's admin does not even learn the member exists.
    foreign = await client.put(
        _overrides_url(ivy), headers=other_tenant.admin.headers, json={"day": day}
    )
    problem(foreign, 404)
    still = ok(
        await client.get(_overrides_url(ivy), headers=ivy.headers, params={"from": day, "to": day})
    )["items"]
    assert len(still) == 1
    deleted = await client.delete(f"{_overrides_url(ivy)}/{day}", headers=recruiter.headers)
    assert deleted.status_code == 204


async def test_override_input_is_checked(client: httpx.AsyncClient, tenant: Tenant) -> None:
    ivy = await tenant.add("interviewer", "Ivy")
    day = str(monday().date())
    bad_bodies: list[dict[str, Any]] = [
        {"day": day, "hours": [{"start": "14:00", "end": "09:00"}]},
        {"day": day, "hours": [{"start": "9am", "end": "17:00"}]},
        {"day": "not-a-day"},
        {"day": day, "colour": "red"},
    ]
    for body in bad_bodies:
        response = await client.put(_overrides_url(ivy), headers=ivy.headers, json=body)
        problem(response, 422)
    listed = ok(
        await client.get(_overrides_url(ivy), headers=ivy.headers, params={"from": day, "to": day})
    )["items"]
    assert listed == []


# ---------------------------------------------------------------------------------------------
# Busy blocks


def _busy_url(member: Person) -> str:
    return f"{API}/members/{member.id}/busy-blocks"


async def test_busy_blocks_add_list_over_a_range_and_delete(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    ivy = await tenant.add("interviewer", "Ivy")
    mon = monday()
    first = ok(
        await add_busy(
            client, ivy, ivy, mon + timedelta(hours=9), mon + timedelta(hours=10), title="Standup"
        ),
        201,
    )
    assert first["member_id"] == str(ivy.id)
    assert first["source"] == "manual"
    assert first["external_id"] is None
    assert first["title"] == "Standup"
    assert at(first["start_at"]) == mon + timedelta(hours=9)
    later = ok(
        await add_busy(client, ivy, ivy, mon + timedelta(days=3), mon + timedelta(days=3, hours=2)),
        201,
    )

    async def listed(start: datetime, end: datetime) -> list[str]:
        found = ok(
            await client.get(
                _busy_url(ivy), headers=ivy.headers, params={"from": iso(start), "to": iso(end)}
            )
        )["items"]
        return [b["id"] for b in found]

    assert await listed(mon, mon + timedelta(days=7)) == [first["id"], later["id"]]
    # Blocks overlapping the range count, even partly; touching its edge does not.
    assert await listed(mon + timedelta(hours=9, minutes=30), mon + timedelta(hours=11)) == [
        first["id"]
    ]
    assert await listed(mon + timedelta(hours=10), mon + timedelta(days=1)) == []
    assert await listed(mon + timedelta(days=1), mon + timedelta(days=4)) == [later["id"]]

    deleted = await client.delete(f"{_busy_url(ivy)}/{first['id']}", headers=ivy.headers)
    assert deleted.status_code == 204
    assert await listed(mon, mon + timedelta(days=7)) == [later["id"]]
    problem(await client.delete(f"{_busy_url(ivy)}/{first['id']}", headers=ivy.headers), 404)


async def test_synced_blocks_upsert_by_source_and_external_id(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    ivy = await tenant.add("interviewer", "Ivy")
    mon = monday()
    google = {"source": "google", "external_id": "evt-42"}
    created = ok(
        await add_busy(
            client, ivy, ivy, mon + timedelta(hours=9), mon + timedelta(hours=10), **google
        ),
        201,
    )
    moved = ok(
        await add_busy(
            client,
            ivy,
            ivy,
            mon + timedelta(hours=13),
            mon + timedelta(hours=15),
            title="Moved",
            **google,
        ),
        201,
    )
    assert moved["id"] == created["id"]
    assert at(moved["start_at"]) == mon + timedelta(hours=13)
    assert at(moved["end_at"]) == mon + timedelta(hours=15)
    # The same id from another calendar is another event; manual blocks never merge.
    ok(
        await add_busy(
            client,
            ivy,
            ivy,
            mon + timedelta(hours=9),
            mon + timedelta(hours=10),
            source="microsoft",
            external_id="evt-42",
        ),
        201,
    )
    for _ in range(2):
        ok(
            await add_busy(client, ivy, ivy, mon + timedelta(hours=16), mon + timedelta(hours=17)),
            201,
        )
    found = ok(
        await client.get(
            _busy_url(ivy),
            headers=ivy.headers,
            params={"from": iso(mon), "to": iso(mon + timedelta(days=1))},
        )
    )["items"]
    assert sorted((b["source"], b["external_id"], b["start_at"][11:16]) for b in found) == [
        ("google", "evt-42", "13:00"),
        ("manual", None, "16:00"),
        ("manual", None, "16:00"),
        ("microsoft", "evt-42", "09:00"),
    ]


async def test_busy_blocks_refuse_bad_input(client: httpx.AsyncClient, tenant: Tenant) -> None:
    ivy = await tenant.add("interviewer", "Ivy")
    mon = monday()
    nine, ten = mon + timedelta(hours=9), mon + timedelta(hours=10)
    bodies: list[dict[str, Any]] = [
        {"start_at": iso(ten), "end_at": iso(nine)},  # end before start
        {"start_at": iso(nine), "end_at": iso(nine)},  # empty
        {"start_at": "2026-12-07T09:00:00", "end_at": "2026-12-07T10:00:00"},  # naive
        {"start_at": iso(nine), "end_at": iso(nine + timedelta(days=91))},  # over 90 days
        {"start_at": iso(nine), "end_at": iso(ten), "source": "outlook-desktop"},
        {"start_at": iso(nine), "end_at": iso(ten), "priority": "high"},  # unknown field
    ]
    for body in bodies:
        response = await client.post(_busy_url(ivy), headers=ivy.headers, json=body)
        problem(response, 422)
    naive = await client.post(
        _busy_url(ivy),
        headers=ivy.headers,
        json={"start_at": "2026-12-07T09:00:00", "end_at": "2026-12-07T10:00:00"},
    )
    assert error_fields(problem(naive, 422)) >= {"start_at", "end_at"}
    # Listing: end before start, or more than 90 days.
    for params in (
        {"from": iso(ten), "to": iso(nine)},
        {"from": iso(mon), "to": iso(mon + timedelta(days=91))},
    ):
        listed = await client.get(_busy_url(ivy), headers=ivy.headers, params=params)
        problem(listed, 422)
    empty = ok(
        await client.get(
            _busy_url(ivy),
            headers=ivy.headers,
            params={"from": iso(mon - timedelta(days=1)), "to": iso(mon + timedelta(days=89))},
        )
    )["items"]
    assert empty == []


async def test_busy_block_listing_refuses_naive_instants(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    # "09:00" without an offset means a different instant for every reader; like the body, the
    # range of a listing must say which.
    ivy = await tenant.add("interviewer", "Ivy")
    listed = await client.get(
        _busy_url(ivy),
        headers=ivy.headers,
        params={"from": "2026-12-07T09:00:00", "to": "2026-12-08T09:00:00"},
    )
    assert error_fields(problem(listed, 422)) & {"from", "to"}


async def test_busy_blocks_are_managed_by_the_member_admins_and_recruiters_only(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    ivy = await tenant.add("interviewer", "Ivy")
    colleague = await tenant.add("interviewer", "Colleague")
    recruiter = await tenant.add("recruiter")
    mon = monday()
    block = ok(
        await add_busy(client, recruiter, ivy, mon + timedelta(hours=9), mon + timedelta(hours=10)),
        201,
    )
    ok(
        await add_busy(
            client, tenant.admin, ivy, mon + timedelta(hours=11), mon + timedelta(hours=12)
        ),
        201,
    )
    problem(
        await add_busy(
            client, colleague, ivy, mon + timedelta(hours=13), mon + timedelta(hours=14)
        ),
        403,
    )
    params = {"from": iso(mon), "to": iso(mon + timedelta(days=1))}
    problem(await client.get(_busy_url(ivy), headers=colleague.headers, params=params), 403)
    problem(await client.delete(f"{_busy_url(ivy)}/{block['id']}", headers=colleague.headers), 403)
    # Nobody deletes Ivy's block through someone else's path.
    problem(
        await client.delete(f"{_busy_url(colleague)}/{block['id']}", headers=recruiter.headers),
        404,
    )
    mine = ok(await client.get(_busy_url(ivy), headers=ivy.headers, params=params))["items"]
    assert len(mine) == 2


# ---------------------------------------------------------------------------------------------
# Candidate windows


def _windows_url(app_id: str) -> str:
    return f"{API}/applications/{app_id}/candidate-windows"


def _window(start: datetime, hours: float) -> dict[str, str]:
    return {"start_at": iso(start), "end_at": iso(start + timedelta(hours=hours))}


async def test_recruiter_sets_windows_and_a_new_set_replaces_the_old(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    hiring = await interviewing_application(client, tenant)
    mon = monday()
    first = ok(
        await client.put(
            _windows_url(hiring.app_id),
            headers=hiring.recruiter.headers,
            json={
                "time_zone": "Asia/Kolkata",
                "windows": [
                    _window(mon + timedelta(hours=4), 3),
                    _window(mon + timedelta(days=1), 2),
                ],
            },
        )
    )
    assert [w["entered_by"] for w in first] == ["recruiter", "recruiter"]
    assert {w["time_zone"] for w in first} == {"Asia/Kolkata"}
    replaced = ok(
        await client.put(
            _windows_url(hiring.app_id),
            headers=hiring.recruiter.headers,
            json={"time_zone": "Asia/Kolkata", "windows": [_window(mon + timedelta(days=2), 4)]},
        )
    )
    listed = ok(await client.get(_windows_url(hiring.app_id), headers=hiring.recruiter.headers))[
        "items"
    ]
    assert [w["id"] for w in listed] == [w["id"] for w in replaced]
    assert [(at(w["start_at"]), at(w["end_at"])) for w in listed] == [
        (mon + timedelta(days=2), mon + timedelta(days=2, hours=4))
    ]
    offered = await events_of(db, tenant.organization_id, "availability.offered")
    assert [e["data"]["windows"] for e in offered] == [2, 1]


async def test_windows_input_is_checked(client: httpx.AsyncClient, tenant: Tenant) -> None:
    hiring = await interviewing_application(client, tenant)
    mon = monday()
    good = [_window(mon + timedelta(hours=9), 2)]
    bodies: list[dict[str, Any]] = [
        {  # overlapping windows
            "time_zone": "Europe/Berlin",
            "windows": [
                _window(mon + timedelta(hours=9), 2),
                _window(mon + timedelta(hours=10), 2),
            ],
        },
        {"time_zone": "Mars/Olympus_Mons", "windows": good},  # unknown time zone
        {"time_zone": "Europe/Berlin", "windows": []},
        {  # end before start
            "time_zone": "Europe/Berlin",
            "windows": [{"start_at": iso(mon + timedelta(hours=10)), "end_at": iso(mon)}],
        },
        {  # naive
            "time_zone": "Europe/Berlin",
            "windows": [{"start_at": "2026-12-07T09:00:00", "end_at": "2026-12-07T11:00:00"}],
        },
        {"time_zone": "Europe/Berlin", "windows": good, "note": "anything"},
    ]
    for body in bodies:
        response = await client.put(
            _windows_url(hiring.app_id), headers=hiring.recruiter.headers, json=body
        )
        problem(response, 422)
    overlapping = await client.put(
        _windows_url(hiring.app_id), headers=hiring.recruiter.headers, json=bodies[0]
    )
    assert "overlap" in overlapping.text
    zone = await client.put(
        _windows_url(hiring.app_id), headers=hiring.recruiter.headers, json=bodies[1]
    )
    assert "time_zone" in error_fields(zone.json())
    # Windows that merely touch do not overlap.
    touching = await client.put(
        _windows_url(hiring.app_id),
        headers=hiring.recruiter.headers,
        json={
            "time_zone": "Europe/Berlin",
            "windows": [
                _window(mon + timedelta(hours=9), 1),
                _window(mon + timedelta(hours=10), 1),
            ],
        },
    )
    assert len(ok(touching)) == 2


async def test_only_admins_and_recruiters_set_windows(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    hiring = await interviewing_application(client, tenant)
    ivy = await tenant.add("interviewer", "Ivy")
    body = {"time_zone": "UTC", "windows": [_window(monday() + timedelta(hours=9), 2)]}
    for who in (ivy, hiring.hm):
        response = await client.put(_windows_url(hiring.app_id), headers=who.headers, json=body)
        assert response.status_code == 403, response.text
    ok(await client.put(_windows_url(hiring.app_id), headers=tenant.admin.headers, json=body))


# ---------------------------------------------------------------------------------------------
# The candidate's single-use link


def _public(token: str) -> str:
    return f"{API}/public/availability/{token}"


async def _link(client: httpx.AsyncClient, who: Person, app_id: str, **body: Any) -> dict[str, Any]:
    created: dict[str, Any] = ok(
        await client.post(
            f"{API}/applications/{app_id}/availability-links",
            headers=who.headers,
            json={"time_zone": "Asia/Kolkata", **body},
        ),
        201,
    )
    return created


async def test_candidate_link_shows_only_what_they_need_and_accepts_windows_once(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    hiring = await interviewing_application(
        client, tenant, candidate_name="Priya Raman", phone="+91 98765 43210"
    )
    link = await _link(client, hiring.recruiter, hiring.app_id)
    assert link["application_id"] == hiring.app_id
    # The link opens the candidate's page (docs/pages.md); this JSON API takes the same token.
    assert link["url"].endswith(f"/pages/availability/{link['token']}")
    # The default lifetime is the setting (72 hours).
    expected = datetime.now(UTC) + timedelta(hours=72)
    assert abs((at(link["expires_at"]) - expected).total_seconds()) < 120

    page = await client.get(_public(link["token"]))  # no credentials at all
    assert page.status_code == 200, page.text
    view = page.json()
    assert set(view) == {
        "role_title",
        "candidate_first_name",
        "organization_name",
        "time_zone",
        "expires_at",
        "instructions",
    }
    assert view["role_title"] == "Data Engineer"
    assert view["candidate_first_name"] == "Priya"
    assert view["organization_name"] == "Acme"
    assert view["time_zone"] == "Asia/Kolkata"
    for private in ("Raman", "@example.com", "98765", hiring.app_id, hiring.candidate_id):
        assert private not in page.text

    mon = monday()
    windows = [
        {
            "start_at": iso(local_at(mon, "13:00", "Asia/Kolkata")),
            "end_at": iso(local_at(mon, "17:00", "Asia/Kolkata")),
        },
        {
            "start_at": iso(local_at(mon + timedelta(days=2), "10:00", "Asia/Kolkata")),
            "end_at": iso(local_at(mon + timedelta(days=2), "12:00", "Asia/Kolkata")),
        },
    ]
    sent = await client.post(
        _public(link["token"]), json={"time_zone": "Asia/Kolkata", "windows": windows}
    )
    assert sent.status_code == 200, sent.text
    assert [w["entered_by"] for w in sent.json()] == ["candidate", "candidate"]

    stored = ok(await client.get(_windows_url(hiring.app_id), headers=hiring.recruiter.headers))[
        "items"
    ]
    assert [(at(w["start_at"]), w["entered_by"]) for w in stored] == [
        (at(windows[0]["start_at"]), "candidate"),
        (at(windows[1]["start_at"]), "candidate"),
    ]
    offered = await events_of(db, tenant.organization_id, "availability.offered")
    assert [(e["data"]["entered_by"], e["actor_member_id"]) for e in offered] == [
        ("candidate", None)
    ]

    # Used: a second submission is refused and changes nothing; the page is gone too.
    again = await client.post(
        _public(link["token"]),
        json={"time_zone": "Asia/Kolkata", "windows": [windows[0]]},
    )
    problem(again, 410)
    problem(await client.get(_public(link["token"])), 410)
    still = ok(await client.get(_windows_url(hiring.app_id), headers=hiring.recruiter.headers))[
        "items"
    ]
    assert len(still) == 2


async def test_link_accepts_windows_and_nothing_else(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    hiring = await interviewing_application(client, tenant)
    link = await _link(client, hiring.recruiter, hiring.app_id)
    mon = monday()
    window = _window(mon + timedelta(hours=9), 2)
    for extra in (
        {"application_id": hiring.app_id},
        {"name": "Someone Else"},
        {"email": "evil@example.com"},
        {"stage": "offer"},
    ):
        refused = await client.post(
            _public(link["token"]), json={"time_zone": "UTC", "windows": [window], **extra}
        )
        assert error_fields(problem(refused, 422)) == set(extra)
    overlapping = await client.post(
        _public(link["token"]),
        json={"time_zone": "UTC", "windows": [window, _window(mon + timedelta(hours=10), 2)]},
    )
    problem(overlapping, 422)
    # None of that used the link up.
    assert (await client.get(_public(link["token"]))).status_code == 200
    application = ok(
        await client.get(f"{API}/applications/{hiring.app_id}", headers=hiring.recruiter.headers)
    )
    assert application["stage"] == "interviewing"
    ok(await client.post(_public(link["token"]), json={"time_zone": "UTC", "windows": [window]}))


async def test_forged_tampered_and_expired_tokens_are_not_found(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    hiring = await interviewing_application(client, tenant)
    link = await _link(client, hiring.recruiter, hiring.app_id, expires_in_hours=2)
    expected = datetime.now(UTC) + timedelta(hours=2)
    assert abs((at(link["expires_at"]) - expected).total_seconds()) < 120
    token: str = link["token"]
    body = {"time_zone": "UTC", "windows": [_window(monday() + timedelta(hours=9), 2)]}

    raw = bytearray(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    raw[-1] ^= 0x01  # one bit of the signature
    tampered_mac = base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")
    raw = bytearray(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    raw[20] ^= 0x01  # the expiry, to extend the link
    tampered_expiry = base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")
    forged = tokens.sign(
        "not-the-service-secret-but-long-enough-0000", uuid.UUID(link["id"]), at(link["expires_at"])
    )
    random_bytes = (
        base64.urlsafe_b64encode(uuid.uuid4().bytes * 3 + b"12345678").decode().rstrip("=")
    )
    # Signed with the real secret, but for a time already past: a genuinely expired token.
    past = tokens.sign(TEST_SECRET, uuid.UUID(link["id"]), datetime.now(UTC) - timedelta(minutes=1))
    for bad in (tampered_mac, tampered_expiry, forged, random_bytes, past, "x" * 40):
        problem(await client.get(_public(bad)), 404)
        problem(await client.post(_public(bad), json=body), 404)
    # Nothing of that was accepted, and the real link still works.
    assert (await client.get(_public(token))).status_code == 200


async def test_an_expired_link_is_not_found_and_accepts_nothing(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    # An expired link must answer like one whose token expired: 404 (the real, signed expiry
    # of a token always passes together with its row's).
    hiring = await interviewing_application(client, tenant)
    link = await _link(client, hiring.recruiter, hiring.app_id, expires_in_hours=2)
    token: str = link["token"]
    body = {"time_zone": "UTC", "windows": [_window(monday() + timedelta(hours=9), 2)]}
    # The link row expires (as if its time had passed): the link stops working.
    await sql(
        db,
        "UPDATE availability_links SET expires_at = now() - interval '1 minute' WHERE id = :id",
        id=uuid.UUID(link["id"]),
    )
    page = await client.get(_public(token))
    sent = await client.post(_public(token), json=body)
    windows = await scalar(
        db,
        "SELECT count(*) FROM candidate_windows WHERE application_id = :a",
        a=uuid.UUID(hiring.app_id),
    )
    assert windows == 0
    problem(page, 404)
    problem(sent, 404)


async def test_links_are_created_by_recruiters_with_a_valid_zone_and_lifetime(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    hiring = await interviewing_application(client, tenant)
    ivy = await tenant.add("interviewer", "Ivy")
    url = f"{API}/applications/{hiring.app_id}/availability-links"
    problem(await client.post(url, headers=ivy.headers, json={"time_zone": "UTC"}), 403)
    problem(
        await client.post(
            url, headers=hiring.recruiter.headers, json={"time_zone": "Nowhere/City"}
        ),
        422,
    )
    problem(
        await client.post(
            url,
            headers=hiring.recruiter.headers,
            json={"time_zone": "UTC", "expires_in_hours": 0},
        ),
        422,
    )
    problem(await client.post(url, json={"time_zone": "UTC"}), 401)


async def test_windows_from_the_link_drive_the_suggestions(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    hiring = await interviewing_application(client, tenant)
    ivy = await tenant.add("interviewer", "Ivy", time_zone="Europe/Berlin")
    link = await _link(client, hiring.recruiter, hiring.app_id)
    mon = monday()
    tue = mon + timedelta(days=1)
    # The candidate in Kolkata offers Tuesday 15:00-17:30 their time (09:30-12:00 UTC, so
    # 10:30-13:00 in Berlin, inside Ivy's day).
    window_start = local_at(tue, "15:00", "Asia/Kolkata")
    window_end = local_at(tue, "17:30", "Asia/Kolkata")
    ok(
        await client.post(
            _public(link["token"]),
            json={
                "time_zone": "Asia/Kolkata",
                "windows": [{"start_at": iso(window_start), "end_at": iso(window_end)}],
            },
        )
    )
    found = ok(
        await suggest(
            client,
            hiring.recruiter,
            hiring.app_id,
            [stage("technical", 60, [ivy])],
            mon,
            mon + timedelta(days=5),
        )
    )
    assert found["suggestions"]
    for s in found["suggestions"]:
        assert window_start <= at(s["start_at"])
        assert at(s["end_at"]) <= window_end
        assert s["candidate_time_zone"] == "Asia/Kolkata"
        assert s["candidate_local_start"].endswith("+05:30")
        assert at(s["candidate_local_start"]) == at(s["start_at"])
    # Windows that miss every working hour: nothing fits, and the answer says why.
    ok(
        await client.put(
            _windows_url(hiring.app_id),
            headers=hiring.recruiter.headers,
            json={
                "time_zone": "Asia/Kolkata",
                "windows": [
                    {
                        "start_at": iso(local_at(tue, "01:00", "Asia/Kolkata")),
                        "end_at": iso(local_at(tue, "04:00", "Asia/Kolkata")),
                    }
                ],
            },
        )
    )
    nothing = ok(
        await suggest(
            client,
            hiring.recruiter,
            hiring.app_id,
            [stage("technical", 60, [ivy])],
            mon,
            mon + timedelta(days=5),
        )
    )
    assert nothing["suggestions"] == []
    assert any("candidate's windows" in r for r in nothing["blocked_by"])


async def test_override_and_busy_block_change_the_suggestions(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    hiring = await interviewing_application(client, tenant)
    ivy = await tenant.add("interviewer", "Ivy", time_zone="America/New_York")
    mon = monday()
    days = [(mon + timedelta(days=k)).date() for k in range(3)]

    async def offered() -> list[datetime]:
        found = ok(
            await suggest(
                client,
                hiring.recruiter,
                hiring.app_id,
                [stage("technical", 60, [ivy])],
                mon,
                mon + timedelta(days=3),
                limit=50,
            )
        )
        return [at(s["start_at"]) for s in found["suggestions"]]

    def ny_days(moments: list[datetime]) -> set[date]:
        return {m.astimezone(NEW_YORK).date() for m in moments}

    before = await offered()
    assert ny_days(before) >= set(days)
    # Tuesday off (New York date) and only 13:00-14:00 on Wednesday.
    ok(await client.put(_overrides_url(ivy), headers=ivy.headers, json={"day": str(days[1])}))
    ok(
        await client.put(
            _overrides_url(ivy),
            headers=ivy.headers,
            json={"day": str(days[2]), "hours": [{"start": "13:00", "end": "14:00"}]},
        )
    )
    after = await offered()
    assert days[1] not in ny_days(after)
    wednesday = [m for m in after if m.astimezone(NEW_YORK).date() == days[2]]
    assert wednesday == [local_at(days[2], "13:00", "America/New_York")]
    # A busy block over all of Monday's working day removes Monday too.
    ok(
        await add_busy(
            client,
            ivy,
            ivy,
            local_at(days[0], "08:00", "America/New_York"),
            local_at(days[0], "18:00", "America/New_York"),
        ),
        201,
    )
    assert [m.astimezone(NEW_YORK).date() for m in await offered()] == [days[2]]
