"""Calendars end to end against a real Radicale: a member connects their CalDAV account through
the API, the worker mirrors their busy time (a recurring event with an exception, a free event,
a cancelled one), suggestions avoid it, a meeting added at the provider after the suggestion
turns the booking into a 409, and booked, moved and cancelled interviews appear, move and
disappear in the member's calendar, with their accept or decline flowing back."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from app.db import Database
from app.domain.calendars import sync as calendar_sync
from app.settings import Settings
from tests.conftest import Person, Tenant
from tests.fakes.radicale import Radicale
from tests.helpers_calendars import at_utc, blocks, make_all_due, work
from tests.helpers_interviews import (
    API,
    events_of,
    interviewing_application,
    iso,
    monday,
    ok,
    problem,
    schedule,
    slot,
    stage,
    suggest,
)

JSON = dict[str, Any]


@pytest.fixture(scope="module")
def radicale() -> Iterator[Radicale]:
    with Radicale() as server:
        yield server


def ics(uid: str, start: datetime, end: datetime, *extra: str) -> str:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//tests//EN",
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"DTSTAMP:{start:%Y%m%dT%H%M%SZ}",
        f"DTSTART:{start.astimezone(UTC):%Y%m%dT%H%M%SZ}",
        f"DTEND:{end.astimezone(UTC):%Y%m%dT%H%M%SZ}",
        "SUMMARY:Something private",
        *extra,
        "END:VEVENT",
        "END:VCALENDAR",
        "",
    ]
    return "\r\n".join(lines)


async def connect(
    client: httpx.AsyncClient, who: Person, radicale: Radicale, user: str, **extra: Any
) -> JSON:
    body: JSON = {
        "provider": "caldav",
        "credentials": {"url": f"{radicale.url}/{user}/", "username": user, "password": "pw"},
        **extra,
    }
    created: JSON = ok(
        await client.post(f"{API}/calendar-connections", headers=who.headers, json=body), 201
    )
    return created


async def connected_interviewer(
    client: httpx.AsyncClient, tenant: Tenant, radicale: Radicale
) -> tuple[Person, str, str]:
    """Ivy, an interviewer in UTC with a CalDAV account (its user and calendar URL) connected."""
    ivy = await tenant.add("interviewer", "Ivy", time_zone="UTC")
    user = f"ivy-{uuid.uuid4().hex[:6]}"
    calendar_url = radicale.make_calendar(user, "work")
    await connect(client, ivy, radicale, user)
    return ivy, user, calendar_url


async def test_connect_mirror_and_suggest_around_busy_time(
    client: httpx.AsyncClient,
    tenant: Tenant,
    db: Database,
    radicale: Radicale,
    http: httpx.AsyncClient,
    settings: Settings,
) -> None:
    hiring = await interviewing_application(client, tenant)
    ivy = await tenant.add("interviewer", "Ivy", time_zone="UTC")
    user = f"ivy-{uuid.uuid4().hex[:6]}"
    calendar_url = radicale.make_calendar(user, "work", display_name="Work")
    tue = monday() + timedelta(days=1)
    radicale.put_ics(
        calendar_url, "busy.ics", ics("busy-1", at_utc(tue, 10), at_utc(tue, 11)), user
    )
    radicale.put_ics(
        calendar_url,
        "free.ics",
        ics("free-1", at_utc(tue, 12), at_utc(tue, 13), "TRANSP:TRANSPARENT"),
        user,
    )
    radicale.put_ics(
        calendar_url,
        "cancelled.ics",
        ics("gone-1", at_utc(tue, 14), at_utc(tue, 15), "STATUS:CANCELLED"),
        user,
    )
    radicale.put_ics(
        calendar_url,
        "maybe.ics",
        ics("maybe-1", at_utc(tue, 7), at_utc(tue, 8), "STATUS:TENTATIVE"),
        user,
    )
    # Daily at 15:00 for three days, the second occurrence moved to 16:00.
    recurring = ics(
        "daily-1", at_utc(tue, 15), at_utc(tue, 15, 30), "RRULE:FREQ=DAILY;COUNT=3"
    ).replace(
        "END:VCALENDAR",
        "BEGIN:VEVENT\r\nUID:daily-1\r\n"
        f"RECURRENCE-ID:{at_utc(tue + timedelta(days=1), 15):%Y%m%dT%H%M%SZ}\r\n"
        f"DTSTAMP:{at_utc(tue, 15):%Y%m%dT%H%M%SZ}\r\n"
        f"DTSTART:{at_utc(tue + timedelta(days=1), 16):%Y%m%dT%H%M%SZ}\r\n"
        f"DTEND:{at_utc(tue + timedelta(days=1), 16, 30):%Y%m%dT%H%M%SZ}\r\n"
        "END:VEVENT\r\nEND:VCALENDAR",
    )
    radicale.put_ics(calendar_url, "daily.ics", recurring, user)

    connection = await connect(client, ivy, radicale, user)
    assert connection["scope"] == "member"
    assert connection["member_id"] == str(ivy.id)
    assert connection["credential_names"] == ["password", "url", "username"]
    assert "pw" not in str(connection)
    calendars = ok(await client.get(f"{API}/members/{ivy.id}/calendars", headers=ivy.headers))[
        "items"
    ]
    (work_calendar,) = calendars
    assert work_calendar["name"] == "Work"
    assert work_calendar["busy"]
    assert work_calendar["receives_interviews"]
    assert work_calendar["health"]["status"] == "syncing"
    assert work_calendar["health"]["push"] == "polling"

    await work(db, http, settings)
    mirrored = await blocks(db, ivy)
    assert (at_utc(tue, 10), at_utc(tue, 11), False) in mirrored
    starts = [s for s, _, _ in mirrored]
    assert at_utc(tue, 12) not in starts, "a free (transparent) event does not block"
    assert at_utc(tue, 14) not in starts, "a cancelled event does not block"
    assert at_utc(tue, 15) in starts
    assert at_utc(tue + timedelta(days=1), 16) in starts, "the moved occurrence"
    assert at_utc(tue + timedelta(days=1), 15) not in starts, "not the original time"
    assert at_utc(tue + timedelta(days=2), 15) in starts
    assert (at_utc(tue, 7), at_utc(tue, 8), True) in mirrored, "tentative blocks, named so"
    health = ok(await client.get(f"{API}/members/{ivy.id}/calendars", headers=ivy.headers))["items"]
    assert health[0]["health"]["status"] == "ok"
    assert health[0]["health"]["last_synced_at"] is not None

    found = ok(
        await suggest(
            client,
            hiring.recruiter,
            hiring.app_id,
            [stage("technical", 60, [ivy])],
            at_utc(tue, 9),
            at_utc(tue, 17),
        )
    )
    assert found["suggestions"]
    for s in found["suggestions"]:
        start, end = datetime.fromisoformat(s["start_at"]), datetime.fromisoformat(s["end_at"])
        assert end <= at_utc(tue, 10) or start >= at_utc(tue, 11)
        assert "Ivy has tentative events that day (counted as busy)" in s["reasons"]

    # Deleted at the provider: gone from the mirror at the next read.
    radicale.delete(f"{calendar_url}busy.ics", user)
    await make_all_due(db)
    await work(db, http, settings)
    assert at_utc(tue, 10) not in [s for s, _, _ in await blocks(db, ivy)]


async def test_interviews_land_move_and_leave_the_calendar(
    client: httpx.AsyncClient,
    tenant: Tenant,
    db: Database,
    radicale: Radicale,
    http: httpx.AsyncClient,
    settings: Settings,
) -> None:
    hiring = await interviewing_application(client, tenant)
    ivy, user, calendar_url = await connected_interviewer(client, tenant, radicale)
    await work(db, http, settings)
    tue = monday() + timedelta(days=1)
    created = ok(
        await schedule(
            client, hiring.recruiter, hiring.app_id, [slot("technical", at_utc(tue, 10), 60, [ivy])]
        ),
        201,
    )
    interview = created[0]
    await work(db, http, settings)
    href = f"{calendar_url}{interview['ical_uid']}.ics"
    written = await http.get(href, headers=radicale.auth_header(user))
    assert written.status_code == 200
    assert f"UID:{interview['ical_uid']}" in written.text
    assert f"DTSTART:{at_utc(tue, 10):%Y%m%dT%H%M%SZ}" in written.text.replace(
        "DTSTART;VALUE=DATE-TIME:", "DTSTART:"
    )
    # Our own event is not mirrored as busy time on top of the interview itself.
    assert await blocks(db, ivy) == []

    moved = ok(
        await client.post(
            f"{API}/interviews/{interview['id']}/reschedule",
            headers=hiring.recruiter.headers,
            json={
                "start_at": iso(at_utc(tue, 13)),
                "end_at": iso(at_utc(tue, 14)),
                "reason": "Ivy asked to move it",
            },
        )
    )
    assert moved["ical_sequence"] == 1
    await work(db, http, settings)
    again = (await http.get(href, headers=radicale.auth_header(user))).text.replace(
        "DTSTART;VALUE=DATE-TIME:", "DTSTART:"
    )
    assert f"DTSTART:{at_utc(tue, 13):%Y%m%dT%H%M%SZ}" in again
    assert "SEQUENCE:1" in again

    # The interviewer declines in their own calendar: the interview hears of it.
    declined = again.replace("PARTSTAT=NEEDS-ACTION", "PARTSTAT=DECLINED")
    assert declined != again
    radicale.put_ics(calendar_url, f"{interview['ical_uid']}.ics", declined, user)
    await make_all_due(db)
    await work(db, http, settings)
    seen = ok(
        await client.get(f"{API}/interviews/{interview['id']}", headers=hiring.recruiter.headers)
    )
    assert {p["member_id"]: p["response"] for p in seen["interviewers"]}[str(ivy.id)] == "declined"
    assert await events_of(db, tenant.organization_id, "interview.declined")

    ok(
        await client.post(
            f"{API}/interviews/{interview['id']}/cancel",
            headers=hiring.recruiter.headers,
            json={"reason": "Role paused"},
        )
    )
    await work(db, http, settings)
    assert (await http.get(href, headers=radicale.auth_header(user))).status_code == 404


async def test_a_meeting_added_at_the_provider_after_the_suggestion_is_a_409(
    client: httpx.AsyncClient,
    tenant: Tenant,
    db: Database,
    radicale: Radicale,
    http: httpx.AsyncClient,
    settings: Settings,
) -> None:
    hiring = await interviewing_application(client, tenant)
    ivy, user, calendar_url = await connected_interviewer(client, tenant, radicale)
    await work(db, http, settings)
    tue = monday() + timedelta(days=1)
    # Added a minute ago, not yet read by any worker.
    radicale.put_ics(calendar_url, "new.ics", ics("new-1", at_utc(tue, 10), at_utc(tue, 11)), user)
    refused = problem(
        await schedule(
            client, hiring.recruiter, hiring.app_id, [slot("technical", at_utc(tue, 10), 60, [ivy])]
        ),
        409,
    )
    assert "Ivy is no longer free" in refused["detail"]
    async with db.engine.connect() as conn:
        booked = await conn.scalar(
            text("SELECT count(*) FROM interviews WHERE application_id = :a"),
            {"a": uuid.UUID(hiring.app_id)},
        )
    assert booked == 0
    # Elsewhere that day she is free, and the booking goes through.
    ok(
        await schedule(
            client, hiring.recruiter, hiring.app_id, [slot("technical", at_utc(tue, 13), 60, [ivy])]
        ),
        201,
    )


async def test_an_unreadable_calendar_is_unknown_never_free(
    client: httpx.AsyncClient,
    tenant: Tenant,
    db: Database,
    radicale: Radicale,
    http: httpx.AsyncClient,
    settings: Settings,
) -> None:
    hiring = await interviewing_application(client, tenant)
    ivy = await tenant.add("interviewer", "Ivy", time_zone="UTC")
    bo = await tenant.add("interviewer", "Bo", time_zone="UTC")
    user = f"ivy-{uuid.uuid4().hex[:6]}"
    radicale.make_calendar(user, "work")
    await connect(client, ivy, radicale, user)
    # The calendar moved away at the provider: every read fails from now on.
    async with db.transaction() as session:
        await session.execute(
            text(
                "UPDATE member_calendars SET remote_id = remote_id || 'gone/' WHERE member_id = :m"
            ),
            {"m": ivy.id},
        )
    await work(db, http, settings)
    (calendar,) = ok(await client.get(f"{API}/members/{ivy.id}/calendars", headers=ivy.headers))[
        "items"
    ]
    assert calendar["health"]["status"] == "failing"
    assert calendar["health"]["last_error"]
    tue = monday() + timedelta(days=1)
    found = ok(
        await suggest(
            client,
            hiring.recruiter,
            hiring.app_id,
            [stage("technical", 60, [ivy, bo])],
            at_utc(tue, 9),
            at_utc(tue, 17),
        )
    )
    assert found["suggestions"]
    for s in found["suggestions"]:
        (chosen,) = s["stages"][0]["interviewers"]
        assert chosen["member_id"] == str(bo.id), "people whose calendars were checked first"
    alone = ok(
        await suggest(
            client,
            hiring.recruiter,
            hiring.app_id,
            [stage("technical", 60, [ivy])],
            at_utc(tue, 9),
            at_utc(tue, 17),
        )
    )
    assert alone["suggestions"], "an unchecked person is still offered, named"
    for s in alone["suggestions"]:
        assert any("Ivy's calendar could not be checked" in r for r in s["reasons"])
    assert max(s["score"] for s in alone["suggestions"]) < min(
        s["score"] for s in found["suggestions"]
    ), "and ranked below fully checked panels"
    connection = ok(await client.get(f"{API}/calendar-connections", headers=ivy.headers))["items"][
        0
    ]
    assert connection["health"]["failing_calendars"] == 1
    assert connection["health"]["recent_errors"][0]["source"] == "sync"


async def test_bad_credentials_and_urls_are_422_and_save_nothing(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    ivy = await tenant.add("interviewer", "Ivy")
    with Radicale(passwords={"ivy": "right"}) as locked:
        locked.make_calendar("ivy", "work")
        wrong = await client.post(
            f"{API}/calendar-connections",
            headers=ivy.headers,
            json={
                "provider": "caldav",
                "credentials": {
                    "url": f"{locked.url}/ivy/",
                    "username": "ivy",
                    "password": "wrong",
                },
            },
        )
        body = problem(wrong, 422)
        assert body["errors"][0]["field"] == "credentials"
        right = await client.post(
            f"{API}/calendar-connections",
            headers=ivy.headers,
            json={
                "provider": "caldav",
                "credentials": {
                    "url": f"{locked.url}/ivy/",
                    "username": "ivy",
                    "password": "right",
                },
            },
        )
        ok(right, 201)
    unreachable = await client.post(
        f"{API}/calendar-connections",
        headers=ivy.headers,
        json={
            "provider": "caldav",
            "credentials": {"url": "http://127.0.0.1:9/dav/", "username": "ivy", "password": "x"},
        },
    )
    problem(unreachable, 422)
    for body in (
        {"provider": "exchange", "credentials": {}},
        {"provider": "caldav", "credentials": {"url": "http://127.0.0.1:9/"}},
        {"provider": "caldav", "scope": "organization", "credentials": {}},
        {
            "provider": "caldav",
            "credentials": {"url": "ftp://x/", "username": "a", "password": "b"},
        },
    ):
        problem(
            await client.post(f"{API}/calendar-connections", headers=ivy.headers, json=body), 422
        )
    async with db.engine.connect() as conn:
        assert await conn.scalar(text("SELECT count(*) FROM calendar_connections")) == 1


async def test_calendars_are_private_to_their_organization_and_owner(
    client: httpx.AsyncClient,
    tenant: Tenant,
    other_tenant: Tenant,
    radicale: Radicale,
) -> None:
    ivy = await tenant.add("interviewer", "Ivy")
    bo = await tenant.add("interviewer", "Bo")
    user = f"ivy-{uuid.uuid4().hex[:6]}"
    radicale.make_calendar(user, "work")
    connection = await connect(client, ivy, radicale, user)
    (calendar,) = ok(await client.get(f"{API}/members/{ivy.id}/calendars", headers=ivy.headers))[
        "items"
    ]
    stranger = other_tenant.admin
    for method, path, body in (
        ("GET", f"/calendar-connections/{connection['id']}", None),
        ("PATCH", f"/calendar-connections/{connection['id']}", {"name": "x"}),
        ("DELETE", f"/calendar-connections/{connection['id']}", None),
        ("PATCH", f"/calendars/{calendar['id']}", {"busy": False}),
        ("GET", f"/members/{ivy.id}/calendars", None),
    ):
        answer = await client.request(method, f"{API}{path}", headers=stranger.headers, json=body)
        assert answer.status_code == 404, (method, path, answer.text)
    # Another member of the same organization does not see Ivy's own connection, and may not
    # choose her calendars.
    problem(
        await client.patch(
            f"{API}/calendar-connections/{connection['id']}", headers=bo.headers, json={"name": "x"}
        ),
        404,
    )
    problem(
        await client.patch(
            f"{API}/calendars/{calendar['id']}", headers=bo.headers, json={"busy": False}
        ),
        403,
    )
    listed = ok(await client.get(f"{API}/calendar-connections", headers=stranger.headers))
    assert listed["items"] == []


async def test_turning_a_calendar_off_drops_its_busy_time(
    client: httpx.AsyncClient,
    tenant: Tenant,
    db: Database,
    radicale: Radicale,
    http: httpx.AsyncClient,
    settings: Settings,
) -> None:
    ivy = await tenant.add("interviewer", "Ivy", time_zone="UTC")
    user = f"ivy-{uuid.uuid4().hex[:6]}"
    calendar_url = radicale.make_calendar(user, "work")
    tue = monday() + timedelta(days=1)
    radicale.put_ics(calendar_url, "b.ics", ics("b-1", at_utc(tue, 10), at_utc(tue, 11)), user)
    await connect(client, ivy, radicale, user)
    await work(db, http, settings)
    assert await blocks(db, ivy)
    (calendar,) = ok(await client.get(f"{API}/members/{ivy.id}/calendars", headers=ivy.headers))[
        "items"
    ]
    changed = ok(
        await client.patch(
            f"{API}/calendars/{calendar['id']}", headers=ivy.headers, json={"busy": False}
        )
    )
    assert changed["busy"] is False
    assert await blocks(db, ivy) == []
    problem(
        await client.patch(
            f"{API}/calendars/{calendar['id']}", headers=ivy.headers, json={"busy": None}
        ),
        422,
    )


async def attachments_sent_to(db: Database, member: Person) -> list[list[JSON]]:
    async with db.engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT attachments FROM notifications "
                "WHERE member_id = :m AND kind = 'interview_scheduled'"
            ),
            {"m": member.id},
        )
        return [list(r[0]) for r in rows]


async def test_one_invitation_per_person_whoever_sends_it(
    client: httpx.AsyncClient,
    tenant: Tenant,
    db: Database,
    radicale: Radicale,
    http: httpx.AsyncClient,
    settings: Settings,
) -> None:
    """With `invitations: provider` the calendar invites the interviewer, so our email to them
    carries no .ics; with the default our email's .ics is the one invitation and the event we
    write tells an RFC 6638 server not to schedule (SCHEDULE-AGENT=CLIENT)."""
    hiring = await interviewing_application(client, tenant)
    ivy = await tenant.add("interviewer", "Ivy", time_zone="UTC")
    bo = await tenant.add("interviewer", "Bo", time_zone="UTC")
    ivy_user, bo_user = f"ivy-{uuid.uuid4().hex[:6]}", f"bo-{uuid.uuid4().hex[:6]}"
    ivy_calendar = radicale.make_calendar(ivy_user, "work")
    radicale.make_calendar(bo_user, "work")
    await connect(client, ivy, radicale, ivy_user)
    await connect(client, bo, radicale, bo_user, invitations="provider")
    await work(db, http, settings)
    tue = monday() + timedelta(days=1)
    (interview,) = ok(
        await schedule(
            client,
            hiring.recruiter,
            hiring.app_id,
            [slot("technical", at_utc(tue, 10), 60, [ivy, bo])],
        ),
        201,
    )
    await work(db, http, settings)
    (ivy_mail,) = await attachments_sent_to(db, ivy)
    (bo_mail,) = await attachments_sent_to(db, bo)
    assert [a["filename"] for a in ivy_mail] == ["invite.ics"]
    assert bo_mail == []
    written = await http.get(
        f"{ivy_calendar}{interview['ical_uid']}.ics", headers=radicale.auth_header(ivy_user)
    )
    assert "SCHEDULE-AGENT=CLIENT" in written.text.replace("\r\n ", "")


async def test_interviews_written_once_to_the_organizer_calendar_when_the_organization_says_so(
    client: httpx.AsyncClient,
    tenant: Tenant,
    db: Database,
    radicale: Radicale,
    http: httpx.AsyncClient,
    settings: Settings,
) -> None:
    hiring = await interviewing_application(client, tenant)
    ivy = await tenant.add("interviewer", "Ivy", time_zone="UTC")
    rita_user, ivy_user = f"rita-{uuid.uuid4().hex[:6]}", f"ivy-{uuid.uuid4().hex[:6]}"
    rita_calendar = radicale.make_calendar(rita_user, "work")
    ivy_calendar = radicale.make_calendar(ivy_user, "work")
    await connect(client, hiring.recruiter, radicale, rita_user)
    await connect(client, ivy, radicale, ivy_user)
    changed = ok(
        await client.patch(
            f"{API}/organization",
            headers=tenant.admin.headers,
            json={"interview_calendar": "organizer"},
        )
    )
    assert changed["interview_calendar"] == "organizer"
    await work(db, http, settings)
    tue = monday() + timedelta(days=1)
    (interview,) = ok(
        await schedule(
            client, hiring.recruiter, hiring.app_id, [slot("technical", at_utc(tue, 10), 60, [ivy])]
        ),
        201,
    )
    await work(db, http, settings)
    name = f"{interview['ical_uid']}.ics"
    organizer_copy = await http.get(
        f"{rita_calendar}{name}", headers=radicale.auth_header(rita_user)
    )
    assert organizer_copy.status_code == 200
    assert ivy.member.email in organizer_copy.text.replace("\r\n ", "")
    ivy_copy = await http.get(f"{ivy_calendar}{name}", headers=radicale.auth_header(ivy_user))
    assert ivy_copy.status_code == 404


async def test_reconciliation_polls_what_nothing_pushes_and_repairs_what_a_channel_keeps(
    client: httpx.AsyncClient,
    tenant: Tenant,
    db: Database,
    radicale: Radicale,
    http: httpx.AsyncClient,
    settings: Settings,
) -> None:
    await connected_interviewer(client, tenant, radicale)
    await work(db, http, settings)

    async def due_after_reconcile(age_minutes: float, channel: str | None) -> bool:
        async with db.transaction() as session:
            await session.execute(
                text(
                    "UPDATE member_calendars SET next_sync_at = NULL, channel_id = :c, "
                    "last_synced_at = now() - make_interval(mins => :age)"
                ),
                {"c": channel, "age": age_minutes},
            )
            await calendar_sync.reconcile(session)
        async with db.engine.connect() as conn:
            return bool(
                await conn.scalar(text("SELECT next_sync_at IS NOT NULL FROM member_calendars"))
            )

    poll = settings.calendar_poll_minutes
    assert await due_after_reconcile(poll + 1, None), "CalDAV is polled"
    assert not await due_after_reconcile(poll - 1, None)
    # A Google calendar kept by a channel is read again only after the reconcile interval.
    async with db.transaction() as session:
        await session.execute(text("UPDATE calendar_connections SET provider = 'google'"))
    assert not await due_after_reconcile(poll + 1, "channel-1")
    assert await due_after_reconcile(settings.calendar_reconcile_hours * 60 + 1, "channel-1")
    assert await due_after_reconcile(poll + 1, None), "without a channel it is polled"
