"""Interviews end to end: availability, suggestions, scheduling (with a race), invitation, prep, packet."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from icalendar import Calendar

from tests.conftest import Person, Tenant
from tests.test_calibration_flow import INTAKE, _apply, _candidate, _slate


async def _interviewing_application(
    client: httpx.AsyncClient, tenant: Tenant
) -> tuple[Person, Person, str]:
    recruiter = await tenant.add("recruiter")
    hm = await tenant.add("hiring_manager", time_zone="Europe/Berlin")
    role = await client.post(
        "/api/v1/roles",
        headers=recruiter.headers,
        json={
            "title": "Data Engineer",
            "status": "open",
            "recruiter_id": str(recruiter.id),
            "hiring_manager_id": str(hm.id),
            "intake": INTAKE,
        },
    )
    role_id = role.json()["id"]
    for person in (recruiter, hm):
        await client.post(
            f"/api/v1/roles/{role_id}/intake/revisions/1/sign-off", headers=person.headers
        )
    app_id = await _apply(
        client, recruiter, await _candidate(client, recruiter, "Ann Lee", ["SQL"], 5), role_id
    )
    slate = await _slate(client, recruiter, role_id, [app_id])
    item = slate["items"][0]["id"]
    decided = await client.post(
        f"/api/v1/slates/{slate['id']}/items/{item}/decision",
        headers=hm.headers,
        json={"decision": "approve", "reasons": {"note": "yes"}},
    )
    assert decided.status_code == 200
    return recruiter, hm, app_id


def _next_monday() -> datetime:
    now = datetime.now(UTC)
    days = (7 - now.weekday()) % 7 or 7
    return (now + timedelta(days=days)).replace(hour=0, minute=0, second=0, microsecond=0)


async def test_suggest_schedule_invite_prep_packet(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    recruiter, hm, app_id = await _interviewing_application(client, tenant)
    ivan = await tenant.add(
        "interviewer", "Ivan", time_zone="America/New_York", max_interviews_per_day=2
    )
    monday = _next_monday()
    busy = await client.post(
        f"/api/v1/members/{ivan.id}/busy-blocks",
        headers=ivan.headers,
        json={
            "start_at": (monday + timedelta(hours=14)).isoformat(),
            "end_at": (monday + timedelta(hours=15)).isoformat(),
        },
    )
    assert busy.status_code == 201, busy.text
    request: dict[str, Any] = {
        "application_id": app_id,
        "stages": [
            {"name": "hiring manager", "duration_minutes": 30, "interviewer_ids": [str(hm.id)]},
            {"name": "technical", "duration_minutes": 60, "interviewer_ids": [str(ivan.id)]},
        ],
        "date_from": monday.isoformat(),
        "date_to": (monday + timedelta(days=1)).isoformat(),
        "max_gap_minutes": 30,
        "min_notice_hours": 0,
    }
    found = await client.post(
        "/api/v1/scheduling/suggestions", headers=recruiter.headers, json=request
    )
    assert found.status_code == 200, found.text
    body = found.json()
    assert body["suggestions"], body
    first = body["suggestions"][0]
    tech = first["stages"][1]
    start = datetime.fromisoformat(tech["start_at"])
    # Ivan works 9-17 New York time (14:00-22:00 UTC in December) and is busy 14-15 UTC; the
    # hiring manager works 9-17 Berlin time (08:00-16:00 UTC), so the panel fits 14:00-16:00 UTC.
    assert monday + timedelta(hours=15) <= start <= monday + timedelta(hours=15, minutes=30)
    assert datetime.fromisoformat(first["stages"][0]["end_at"]) <= start
    assert tech["interviewers"][0]["local_start"].endswith("-05:00")

    slots = [
        {
            "kind": s["name"],
            "start_at": s["start_at"],
            "end_at": s["end_at"],
            "interviewer_ids": [i["member_id"] for i in s["interviewers"]],
        }
        for s in first["stages"]
    ]
    payload = {
        "application_id": app_id,
        "interviews": slots,
        "video_url": "https://meet.example/abc",
        "time_zone": "Europe/Lisbon",
    }
    one, two = await asyncio.gather(
        client.post("/api/v1/interviews", headers=recruiter.headers, json=payload),
        client.post("/api/v1/interviews", headers=recruiter.headers, json=payload),
    )
    assert sorted([one.status_code, two.status_code]) == [201, 409], (one.text, two.text)
    created = (one if one.status_code == 201 else two).json()
    tech_id = created[1]["id"]

    ics = await client.get(f"/api/v1/interviews/{tech_id}/invite.ics", headers=recruiter.headers)
    assert ics.status_code == 200
    calendar = Calendar.from_ical(ics.content)
    assert str(calendar["method"]) == "REQUEST"
    event = calendar.walk("VEVENT")[0]
    for prop in (
        "uid",
        "dtstamp",
        "dtstart",
        "dtend",
        "sequence",
        "organizer",
        "attendee",
        "summary",
    ):
        assert prop in event, prop
    assert [str(tz["tzid"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Lisbon"]
    assert event["dtstart"].params["TZID"] == "Europe/Lisbon"
    assert event.decoded("dtstart") == start

    moved = await client.post(
        f"/api/v1/interviews/{tech_id}/reschedule",
        headers=recruiter.headers,
        json={
            "start_at": (start + timedelta(days=1)).isoformat(),
            "end_at": (start + timedelta(days=1, hours=1)).isoformat(),
            "reason": "Ivan asked",
        },
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["ical_sequence"] == 1

    mine = await client.get("/api/v1/interviews", headers=ivan.headers)
    assert [i["id"] for i in mine.json()["items"]] == [tech_id]
    packet = await client.get(f"/api/v1/applications/{app_id}/packet", headers=ivan.headers)
    assert packet.status_code == 200, packet.text
    assert packet.json()["intake"]["must_have_skills"] == ["SQL", "Airflow"]
    candidate_read = await client.get(
        f"/api/v1/candidates/{packet.json()['candidate_id']}", headers=ivan.headers
    )
    assert candidate_read.status_code == 403

    prep = await client.get(
        f"/api/v1/interviews/{tech_id}/prep", params={"format": "text"}, headers=recruiter.headers
    )
    assert prep.status_code == 200
    assert "Data Engineer" in prep.text
    assert "Ivan" in prep.text

    cancelled = await client.post(
        f"/api/v1/interviews/{tech_id}/cancel",
        headers=recruiter.headers,
        json={"reason": "role paused"},
    )
    assert cancelled.status_code == 200
    ics = await client.get(f"/api/v1/interviews/{tech_id}/invite.ics", headers=recruiter.headers)
    calendar = Calendar.from_ical(ics.content)
    assert str(calendar["method"]) == "CANCEL"
    assert calendar.walk("VEVENT")[0].decoded("sequence") == 2
