"""An interview's life: interviewers answer, it moves (SEQUENCE rises, answers reset), it is
cancelled (the invitation becomes a CANCEL with the same UID), its status is recorded, and the
periodic job completes the ones that ended. The invitation is parsed with `icalendar`."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from icalendar import Calendar

from app.db import Database
from app.domain.interviews.service import complete_past_interviews
from tests.conftest import Person, Tenant
from tests.helpers_interviews import (
    API,
    Hiring,
    add_busy,
    another_candidate,
    at,
    book,
    error_fields,
    events_of,
    interviewing_application,
    local_at,
    monday,
    move_interview_to_past,
    now,
    ok,
    problem,
    read_interview,
    responses_of,
    schedule,
    slot,
)

NY = "America/New_York"


async def _respond(
    client: httpx.AsyncClient, who: Person, interview_id: str, response: str
) -> httpx.Response:
    return await client.post(
        f"{API}/interviews/{interview_id}/response",
        headers=who.headers,
        json={"response": response},
    )


async def _reschedule(
    client: httpx.AsyncClient, who: Person, interview_id: str, start: datetime, **extra: Any
) -> httpx.Response:
    body: dict[str, Any] = {
        "start_at": start.isoformat(),
        "end_at": (start + timedelta(hours=1)).isoformat(),
        "reason": "Moved for the panel",
        **extra,
    }
    return await client.post(
        f"{API}/interviews/{interview_id}/reschedule", headers=who.headers, json=body
    )


async def _cancel(
    client: httpx.AsyncClient, who: Person, interview_id: str, reason: str = "Role paused"
) -> httpx.Response:
    return await client.post(
        f"{API}/interviews/{interview_id}/cancel", headers=who.headers, json={"reason": reason}
    )


async def _status(
    client: httpx.AsyncClient, who: Person, interview_id: str, status: str, **extra: Any
) -> httpx.Response:
    return await client.post(
        f"{API}/interviews/{interview_id}/status",
        headers=who.headers,
        json={"status": status, **extra},
    )


async def _ics(client: httpx.AsyncClient, who: Person, interview_id: str) -> Calendar:
    response = await client.get(f"{API}/interviews/{interview_id}/invite.ics", headers=who.headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    calendar: Calendar = Calendar.from_ical(response.content)
    return calendar


def _event(calendar: Calendar) -> Any:
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    return events[0]


def _attendees(event: Any) -> dict[str, Any]:
    found = event.get("attendee")
    found = found if isinstance(found, list) else [found]
    return {str(a).removeprefix("mailto:").lower(): a for a in found}


async def _setup(
    client: httpx.AsyncClient, tenant: Tenant, **extra: Any
) -> tuple[Hiring, Person, Person]:
    hiring = await interviewing_application(client, tenant, **extra)
    ivan = await tenant.add("interviewer", "Ivan Petrov", time_zone=NY)
    bea = await tenant.add("interviewer", "Bea Schmidt", time_zone="Europe/Berlin")
    return hiring, ivan, bea


# ---------------------------------------------------------------------------------------------
# Responses


async def test_only_the_interviewer_answers_their_own_invitation(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    hiring, ivan, bea = await _setup(client, tenant)
    outsider = await tenant.add("interviewer", "Olga Outside")
    start = monday() + timedelta(days=1, hours=15)
    interview = await book(client, hiring.recruiter, hiring.app_id, start, [ivan, bea])
    iid = interview["id"]
    assert responses_of(interview) == {str(ivan.id): "needs_action", str(bea.id): "needs_action"}

    accepted = ok(await _respond(client, ivan, iid, "accepted"))
    assert responses_of(accepted) == {str(ivan.id): "accepted", str(bea.id): "needs_action"}
    mine = next(p for p in accepted["interviewers"] if p["member_id"] == str(ivan.id))
    assert abs((at(mine["responded_at"]) - now()).total_seconds()) < 60
    ok(await _respond(client, bea, iid, "tentative"))
    ok(await _respond(client, ivan, iid, "declined"))
    assert responses_of(await read_interview(client, hiring.recruiter, iid)) == {
        str(ivan.id): "declined",
        str(bea.id): "tentative",
    }
    ok(await _respond(client, ivan, iid, "needs_action"))

    # Not theirs to answer: the recruiter and hiring manager are not on it; an outsider cannot
    # even see it; a made-up answer is refused.
    problem(await _respond(client, hiring.recruiter, iid, "accepted"), 403)
    problem(await _respond(client, hiring.hm, iid, "accepted"), 403)
    problem(await _respond(client, outsider, iid, "accepted"), 404)
    assert "response" in error_fields(problem(await _respond(client, bea, iid, "maybe"), 422))
    assert responses_of(await read_interview(client, hiring.recruiter, iid)) == {
        str(ivan.id): "needs_action",
        str(bea.id): "tentative",
    }
    answered = await events_of(db, tenant.organization_id, "interview.responded")
    assert [(e["data"]["member_id"], e["data"]["response"]) for e in answered] == [
        (str(ivan.id), "accepted"),
        (str(bea.id), "tentative"),
        (str(ivan.id), "declined"),
        (str(ivan.id), "needs_action"),
    ]
    # A cancelled interview takes no more answers.
    ok(await _cancel(client, hiring.recruiter, iid))
    problem(await _respond(client, bea, iid, "accepted"), 409)


# ---------------------------------------------------------------------------------------------
# Reschedule and cancel


async def test_reschedule_raises_the_sequence_and_resets_answers(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    hiring, ivan, bea = await _setup(client, tenant)
    start = monday() + timedelta(days=1, hours=15)
    interview = await book(client, hiring.recruiter, hiring.app_id, start, [ivan, bea])
    iid = interview["id"]
    ok(await _respond(client, ivan, iid, "accepted"))
    ok(await _respond(client, bea, iid, "declined"))
    before = _event(await _ics(client, hiring.recruiter, iid))
    assert before.decoded("sequence") == 0

    # Half an hour later overlaps the interview's own old time, which is no clash.
    later = start + timedelta(minutes=30)
    moved = ok(await _reschedule(client, hiring.recruiter, iid, later, reason="Bea asked"))
    assert moved["ical_sequence"] == 1
    assert moved["version"] > interview["version"]
    assert at(moved["start_at"]) == later
    assert at(moved["end_at"]) == later + timedelta(hours=1)
    assert moved["status"] == "scheduled"
    assert moved["status_reason"] == "Bea asked"
    assert responses_of(moved) == {str(ivan.id): "needs_action", str(bea.id): "needs_action"}
    assert all(p["responded_at"] is None for p in moved["interviewers"])
    after = _event(await _ics(client, hiring.recruiter, iid))
    assert str(after["uid"]) == str(before["uid"]) == interview["ical_uid"]
    assert after.decoded("sequence") == 1
    assert after.decoded("dtstart") == later

    # A new panel: Bea leaves, so she no longer sees it; every move raises the sequence again.
    replaced = ok(
        await _reschedule(
            client, hiring.recruiter, iid, later + timedelta(days=1), interviewer_ids=[str(ivan.id)]
        )
    )
    assert replaced["ical_sequence"] == 2
    assert [p["member_id"] for p in replaced["interviewers"]] == [str(ivan.id)]
    problem(await client.get(f"{API}/interviews/{iid}", headers=bea.headers), 404)
    ok(await client.get(f"{API}/interviews/{iid}", headers=ivan.headers))
    attendees = _attendees(_event(await _ics(client, hiring.recruiter, iid)))
    assert bea.member.email.lower() not in attendees
    assert ivan.member.email.lower() in attendees


async def test_reschedule_is_checked_like_a_schedule(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    hiring, ivan, bea = await _setup(client, tenant)
    other = await another_candidate(client, tenant, hiring, "Bob Ray")
    tue = monday() + timedelta(days=1)
    interview = await book(
        client, hiring.recruiter, hiring.app_id, tue + timedelta(hours=15), [ivan]
    )
    iid = interview["id"]
    await book(client, hiring.recruiter, other.app_id, tue + timedelta(days=1, hours=15), [bea])
    ok(
        await add_busy(
            client, ivan, ivan, tue + timedelta(days=2, hours=14), tue + timedelta(days=2, hours=18)
        ),
        201,
    )
    busy = problem(
        await _reschedule(client, hiring.recruiter, iid, tue + timedelta(days=2, hours=15)), 409
    )
    assert "Ivan Petrov is busy then" in busy["detail"]
    clash = problem(
        await _reschedule(
            client,
            hiring.recruiter,
            iid,
            tue + timedelta(days=1, hours=15, minutes=30),
            interviewer_ids=[str(ivan.id), str(bea.id)],
        ),
        409,
    )
    assert "Bea Schmidt is already interviewing then" in clash["detail"]
    assert "start_at" in error_fields(
        problem(await _reschedule(client, hiring.recruiter, iid, now() - timedelta(hours=3)), 422)
    )
    backwards = await client.post(
        f"{API}/interviews/{iid}/reschedule",
        headers=hiring.recruiter.headers,
        json={
            "start_at": (tue + timedelta(hours=16)).isoformat(),
            "end_at": (tue + timedelta(hours=15)).isoformat(),
            "reason": "oops",
        },
    )
    problem(backwards, 422)
    problem(await _reschedule(client, ivan, iid, tue + timedelta(days=3, hours=15)), 403)
    unchanged = await read_interview(client, hiring.recruiter, iid)
    assert unchanged["ical_sequence"] == 0
    assert at(unchanged["start_at"]) == tue + timedelta(hours=15)


async def test_cancel_turns_the_invitation_into_a_cancel_with_the_same_uid(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    hiring, ivan, _ = await _setup(client, tenant)
    other = await another_candidate(client, tenant, hiring, "Bob Ray")
    start = monday() + timedelta(days=1, hours=15)
    interview = await book(client, hiring.recruiter, hiring.app_id, start, [ivan])
    iid = interview["id"]
    first = await _ics(client, hiring.recruiter, iid)
    assert str(first["method"]) == "REQUEST"
    assert str(_event(first)["status"]) == "CONFIRMED"
    uid, sequence = str(_event(first)["uid"]), _event(first).decoded("sequence")

    cancelled = ok(await _cancel(client, hiring.recruiter, iid, "The role was paused"))
    assert cancelled["status"] == "cancelled"
    assert cancelled["status_reason"] == "The role was paused"
    assert cancelled["ical_sequence"] == sequence + 1
    calendar = await _ics(client, hiring.recruiter, iid)
    assert str(calendar["method"]) == "CANCEL"
    event = _event(calendar)
    assert str(event["status"]) == "CANCELLED"
    assert str(event["uid"]) == uid
    assert event.decoded("sequence") > sequence
    assert ivan.member.email.lower() in _attendees(event)
    # The interviewer's copy says the same.
    assert str((await _ics(client, ivan, iid))["method"]) == "CANCEL"

    problem(await _cancel(client, hiring.recruiter, iid), 409)
    problem(await _reschedule(client, hiring.recruiter, iid, start + timedelta(days=1)), 409)
    # The time is free again for Ivan.
    await book(client, hiring.recruiter, other.app_id, start, [ivan])


async def test_interviewers_cannot_cancel(client: httpx.AsyncClient, tenant: Tenant) -> None:
    hiring, ivan, _ = await _setup(client, tenant)
    interview = await book(
        client, hiring.recruiter, hiring.app_id, monday() + timedelta(hours=39), [ivan]
    )
    problem(await _cancel(client, ivan, interview["id"]), 403)
    assert (await read_interview(client, hiring.recruiter, interview["id"]))[
        "status"
    ] == "scheduled"
    # The role's hiring manager may.
    assert ok(await _cancel(client, hiring.hm, interview["id"]))["status"] == "cancelled"


# ---------------------------------------------------------------------------------------------
# Statuses


async def test_status_moves(client: httpx.AsyncClient, tenant: Tenant, db: Database) -> None:
    hiring, ivan, bea = await _setup(client, tenant)
    tue = monday() + timedelta(days=1)
    proposed = ok(
        await schedule(
            client,
            hiring.recruiter,
            hiring.app_id,
            [slot("technical", tue + timedelta(hours=15), 60, [ivan])],
            status="proposed",
        ),
        201,
    )[0]
    assert proposed["status"] == "proposed"
    # Not yet happened: it cannot be completed or missed.
    problem(await _status(client, hiring.recruiter, proposed["id"], "completed"), 409)
    confirmed = ok(await _status(client, hiring.recruiter, proposed["id"], "scheduled"))
    assert confirmed["status"] == "scheduled"
    assert confirmed["ical_sequence"] == proposed["ical_sequence"] + 1
    again = problem(await _status(client, hiring.recruiter, proposed["id"], "scheduled"), 409)
    assert again["allowed"] == ["completed", "no_show"]
    early = problem(await _status(client, hiring.recruiter, proposed["id"], "completed"), 409)
    assert "not started" in early["detail"]
    problem(await _status(client, hiring.recruiter, proposed["id"], "no_show"), 409)

    await move_interview_to_past(db, proposed["id"])
    problem(await _status(client, ivan, proposed["id"], "completed"), 403)
    done = ok(
        await _status(client, hiring.recruiter, proposed["id"], "completed", reason="Went well")
    )
    assert done["status"] == "completed"
    assert done["status_reason"] == "Went well"
    # Recorded wrongly: a no-show can be corrected either way.
    assert ok(await _status(client, hiring.hm, proposed["id"], "no_show"))["status"] == "no_show"
    assert (
        ok(await _status(client, hiring.recruiter, proposed["id"], "completed"))["status"]
        == "completed"
    )
    problem(await _respond(client, ivan, proposed["id"], "accepted"), 409)
    problem(await _cancel(client, hiring.recruiter, proposed["id"]), 409)
    assert "status" in error_fields(
        problem(await _status(client, hiring.recruiter, proposed["id"], "cancelled"), 422)
    )

    # A cancelled interview stays cancelled.
    dropped = await book(
        client, hiring.recruiter, hiring.app_id, tue + timedelta(days=1, hours=15), [bea]
    )
    ok(await _cancel(client, hiring.recruiter, dropped["id"]))
    await move_interview_to_past(db, dropped["id"])
    for status in ("completed", "no_show", "scheduled"):
        problem(await _status(client, hiring.recruiter, dropped["id"], status), 409)

    recorded = await events_of(
        db, tenant.organization_id, "interview.confirmed", "interview.completed", "interview.missed"
    )
    assert [e["type"] for e in recorded] == [
        "interview.confirmed",
        "interview.completed",
        "interview.missed",
        "interview.completed",
    ]


async def test_periodic_job_completes_ended_interviews_exactly_once(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    hiring, ivan, bea = await _setup(client, tenant)
    olga = await tenant.add("interviewer", "Olga")
    tue = monday() + timedelta(days=1)

    async def one(hours: int, who: Person, **extra: Any) -> str:
        created = ok(
            await schedule(
                client,
                hiring.recruiter,
                hiring.app_id,
                [slot("t", tue + timedelta(hours=hours), 60, [who])],
                **extra,
            ),
            201,
        )
        interview_id: str = created[0]["id"]
        return interview_id

    ended = await one(8, ivan)
    running = await one(10, bea)
    proposed = await one(12, olga, status="proposed")
    cancelled = await one(14, ivan)
    missed = await one(16, bea)
    future = await one(18, olga)
    await move_interview_to_past(db, ended, started_hours_ago=3)
    await move_interview_to_past(db, running, started_hours_ago=0.5)  # ends in half an hour
    await move_interview_to_past(db, proposed, started_hours_ago=5)
    ok(await _cancel(client, hiring.recruiter, cancelled))
    await move_interview_to_past(db, cancelled, started_hours_ago=6)
    await move_interview_to_past(db, missed, started_hours_ago=7)
    ok(await _status(client, hiring.recruiter, missed, "no_show"))

    async def run_job() -> int:
        async with db.transaction() as session:
            return await complete_past_interviews(session)

    # Two workers running the job at once complete it once between them; a later run finds
    # nothing left to do.
    assert sorted(await asyncio.gather(run_job(), run_job())) == [0, 1]
    assert await run_job() == 0

    statuses = {
        name: (await read_interview(client, hiring.recruiter, iid))["status"]
        for name, iid in (
            ("ended", ended),
            ("running", running),
            ("proposed", proposed),
            ("cancelled", cancelled),
            ("missed", missed),
            ("future", future),
        )
    }
    assert statuses == {
        "ended": "completed",
        "running": "scheduled",
        "proposed": "proposed",
        "cancelled": "cancelled",
        "missed": "no_show",
        "future": "scheduled",
    }
    completed = await events_of(db, tenant.organization_id, "interview.completed")
    assert [(str(e["resource_id"]), e["actor_member_id"]) for e in completed] == [(ended, None)]
    assert completed[0]["data"]["application_id"] == hiring.app_id


# ---------------------------------------------------------------------------------------------
# The invitation


async def test_invitation_carries_every_required_property(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    hiring, ivan, bea = await _setup(client, tenant, candidate_name="Ann Lee")
    tue = monday() + timedelta(days=1)
    start = local_at(tue, "10:00", NY)
    interview = await book(
        client,
        hiring.recruiter,
        hiring.app_id,
        start,
        [ivan, bea],
        time_zone=NY,
        video_url="https://meet.example/abc",
        location="Room 7",
    )
    ok(await _respond(client, ivan, interview["id"], "accepted"))
    ok(await _respond(client, bea, interview["id"], "tentative"))
    calendar = await _ics(client, hiring.recruiter, interview["id"])

    assert str(calendar["version"]) == "2.0"
    assert str(calendar["prodid"]).strip()
    assert str(calendar["method"]) == "REQUEST"
    event = _event(calendar)
    assert str(event["uid"]) == interview["ical_uid"]
    stamp = event.decoded("dtstamp")
    assert stamp.utcoffset() == timedelta(0)
    assert abs((stamp - datetime.now(UTC)).total_seconds()) < 120
    assert event["dtstart"].params["TZID"] == NY
    assert event["dtend"].params["TZID"] == NY
    assert event.decoded("dtstart") == start
    assert event.decoded("dtstart").astimezone(UTC) == start
    assert (event.decoded("dtstart").hour, event.decoded("dtstart").minute) == (10, 0)
    assert event.decoded("dtend") == start + timedelta(hours=1)
    assert event.decoded("sequence") == 0
    organizer = event["organizer"]
    assert str(organizer).lower() == f"mailto:{hiring.recruiter.member.email}".lower()
    assert str(organizer.params["CN"]) == hiring.recruiter.member.name
    attendees = _attendees(event)
    assert set(attendees) == {
        ivan.member.email.lower(),
        bea.member.email.lower(),
        hiring.candidate_email.lower(),
    }
    partstat = {email: str(a.params["PARTSTAT"]) for email, a in attendees.items()}
    assert partstat == {
        ivan.member.email.lower(): "ACCEPTED",
        bea.member.email.lower(): "TENTATIVE",
        hiring.candidate_email.lower(): "NEEDS-ACTION",
    }
    assert str(attendees[hiring.candidate_email.lower()].params["CN"]) == "Ann Lee"
    assert str(attendees[ivan.member.email.lower()].params["CN"]) == "Ivan Petrov"
    summary = str(event["summary"])
    assert "Ann Lee" in summary
    assert "Data Engineer" in summary
    assert str(event["status"]) == "CONFIRMED"
    assert str(event["location"]) == "Room 7"
    assert str(event["url"]) == "https://meet.example/abc"
    zones = calendar.walk("VTIMEZONE")
    assert [str(z["tzid"]) for z in zones] == [NY]
    assert {c.name for c in zones[0].subcomponents} >= {"STANDARD", "DAYLIGHT"}


async def test_invitation_in_utc_needs_no_time_zone_and_interviewers_get_only_theirs(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    hiring, ivan, bea = await _setup(client, tenant)
    start = monday() + timedelta(days=1, hours=15)
    interview = await book(client, hiring.recruiter, hiring.app_id, start, [ivan], time_zone="UTC")
    calendar = await _ics(client, ivan, interview["id"])
    event = _event(calendar)
    assert event.decoded("dtstart") == start
    assert event.decoded("dtstart").utcoffset() == timedelta(0)
    assert calendar.walk("VTIMEZONE") == []
    problem(
        await client.get(f"{API}/interviews/{interview['id']}/invite.ics", headers=bea.headers), 404
    )


# ---------------------------------------------------------------------------------------------
# Who sees which interviews


async def test_interviewers_see_only_the_interviews_they_are_on(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    hiring, ivan, bea = await _setup(client, tenant)
    other = await another_candidate(client, tenant, hiring, "Bob Ray")
    tue = monday() + timedelta(days=1)
    with_ivan = await book(
        client, hiring.recruiter, hiring.app_id, tue + timedelta(hours=15), [ivan]
    )
    with_both = await book(
        client, hiring.recruiter, other.app_id, tue + timedelta(hours=17), [ivan, bea]
    )
    with_bea = await book(
        client, hiring.recruiter, hiring.app_id, tue + timedelta(days=1, hours=15), [bea]
    )

    async def visible(who: Person, **params: str) -> set[str]:
        page = ok(await client.get(f"{API}/interviews", headers=who.headers, params=params))
        return {i["id"] for i in page["items"]}

    assert await visible(ivan) == {with_ivan["id"], with_both["id"]}
    assert await visible(bea) == {with_both["id"], with_bea["id"]}
    assert await visible(bea, application_id=hiring.app_id) == {with_bea["id"]}
    problem(await client.get(f"{API}/interviews/{with_ivan['id']}", headers=bea.headers), 404)
    problem(await client.get(f"{API}/interviews/{with_bea['id']}/prep", headers=ivan.headers), 404)
    ok(await client.get(f"{API}/interviews/{with_bea['id']}", headers=bea.headers))
    # The hiring manager sees every interview of the roles they manage; a stranger none.
    everything = {with_ivan["id"], with_both["id"], with_bea["id"]}
    assert await visible(hiring.hm) == everything
    assert await visible(hiring.recruiter) == everything
    other_hm = await tenant.add("hiring_manager", "Another Manager")
    assert await visible(other_hm) == set()
