"""The production CalDAV adapter against a real Xandikos server on 127.0.0.1 (no database).

Xandikos, unlike Radicale, implements RFC 6638 (CalDAV scheduling): principals have a schedule
inbox and outbox, and a PUT by an event's ORGANIZER delivers an iTIP REQUEST to the inbox of
every ATTENDEE that is a principal of the same server (and applies it to their default
calendar). What Xandikos 0.4.10 does NOT do is honour SCHEDULE-AGENT=CLIENT: it schedules
anyway (its pre_put_hook never reads the parameter). It also answers every failed CalDAV or
WebDAV precondition (no-uid-conflict, valid-sync-token, attendee-allowed) with 412, and a
PROPFIND on a missing resource with a 207 whose one response is 404; the adapter reads each
of those by the precondition named in the body, not by the status alone, as these tests show.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from app.integrations.calendars.base import (
    Attendee,
    CalendarError,
    ChangePage,
    EventChanged,
    EventGone,
    EventHandle,
    EventWrite,
    Grant,
    RemoteEvent,
    RemovedEvent,
    SyncTokenInvalid,
)
from app.integrations.calendars.caldav.adapter import adapter
from app.integrations.calendars.caldav.client import CALDAV, parse_multistatus
from tests.conftest import make_settings
from tests.fakes.xandikos import Xandikos

ADAPTER = adapter  # the production instance, as the registry hands it out
SETTINGS = make_settings()
WINDOW_START = datetime(2026, 12, 1, tzinfo=UTC)
WINDOW_END = datetime(2027, 1, 1, tzinfo=UTC)
ATTENDEE = "bob"  # a principal of the server every test invites (its inbox is read per UID)

# xandikos's own Basic-auth middleware stores the user under a plain str request key.
pytestmark = pytest.mark.filterwarnings("ignore::aiohttp.web_exceptions.NotAppKeyWarning")


@pytest.fixture(scope="module")
def xandikos() -> Iterator[Xandikos]:
    with Xandikos() as server:
        server.add_user(ATTENDEE, f"{ATTENDEE}@example.com")
        yield server


def new_user(server: Xandikos) -> str:
    """A principal whose calendar-user-address-set is `<user>@example.com`."""
    user = f"u{uuid.uuid4().hex[:10]}"
    server.add_user(user, f"{user}@example.com")
    return user


def grant_for(server: Xandikos, user: str, url: str | None = None, **extra: str) -> Grant:
    values = {"url": url or server.url, "username": user, "password": "app-password", **extra}
    return Grant("caldav", values)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def interview(uid: str, organizer: str, start: datetime, **changes: object) -> EventWrite:
    values: dict[str, object] = {
        "uid": uid,
        "sequence": 0,
        "summary": "Interview: Ada Lovelace",
        "description": "Systems design, 60 minutes",
        "start": start,
        "end": start + timedelta(hours=1),
        "attendees": (
            Attendee(f"{ATTENDEE}@example.com", "Bob Interviewer"),
            Attendee("outsider@elsewhere.test", optional=True),
        ),
        "location": "Room 4",
        "organizer_email": organizer,
    }
    values.update(changes)
    return EventWrite(**values)  # type: ignore[arg-type]


def vevent(uid: str, start: str, end: str, *lines: str) -> str:
    body = "\r\n".join(lines)
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//other client//EN\r\n"
        f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20261201T000000Z\r\n"
        f"DTSTART:{start}\r\nDTEND:{end}\r\n" + (body + "\r\n" if body else "") + "END:VEVENT\r\n"
        "END:VCALENDAR\r\n"
    )


async def read(
    http: httpx.AsyncClient, grant: Grant, calendar: str, token: str | None = None
) -> ChangePage:
    page = await ADAPTER.read_changes(
        http,
        grant,
        calendar,
        sync_token=token,
        page=None,
        window_start=WINDOW_START,
        window_end=WINDOW_END,
        settings=SETTINGS,
    )
    assert page.next_page is None
    return page


def by_uid(page: ChangePage, uid: str) -> list[RemoteEvent]:
    return sorted((e for e in page.events if e.uid == uid), key=lambda e: e.start)


def holding(server: Xandikos, collection: str, user: str, uid: str) -> dict[str, str]:
    """The resources of a collection (a calendar, an inbox) that carry `uid`."""
    return {h: t for h, t in server.members(collection, user).items() if f"UID:{uid}\r\n" in t}


# --- discovery -----------------------------------------------------------------------------


async def test_discovery_finds_the_calendar_and_the_scheduling_collections(
    xandikos: Xandikos, http: httpx.AsyncClient
) -> None:
    user = new_user(xandikos)
    calendar = xandikos.calendar(user)
    for start in (xandikos.url, xandikos.principal(user), calendar):
        calendars = await ADAPTER.list_calendars(http, grant_for(xandikos, user, start), SETTINGS)
        # The schedule inbox and outbox are collections of the principal, not calendars.
        assert [(c.id, c.name, c.primary, c.can_write) for c in calendars] == [
            (calendar, "calendar", True, True)
        ]
    # whoami answers the principal's calendar-user-address-set (RFC 6638 2.4.1).
    assert await ADAPTER.whoami(http, grant_for(xandikos, user), SETTINGS) == f"{user}@example.com"

    options = xandikos.request("OPTIONS", calendar, user)
    assert "calendar-auto-schedule" in options.headers["DAV"]  # RFC 6638 2
    assert "sync-collection" in options.headers["DAV"]
    found = xandikos.request(
        "PROPFIND",
        xandikos.principal(user),
        user,
        '<?xml version="1.0"?><D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
        "<D:prop><C:schedule-inbox-URL/><C:schedule-outbox-URL/></D:prop></D:propfind>",
        headers={"Depth": "0"},
    )
    assert found.status_code == 207
    [principal] = parse_multistatus(found.content).responses
    assert principal.hrefs(CALDAV, "schedule-inbox-URL") == [f"/{user}/inbox"]
    assert principal.hrefs(CALDAV, "schedule-outbox-URL") == [f"/{user}/outbox"]


# --- scheduling: who sends the invitation ------------------------------------------------


async def test_provider_sends_invitations_delivers_an_itip_request_to_the_attendee(
    xandikos: Xandikos, http: httpx.AsyncClient
) -> None:
    organizer = new_user(xandikos)
    grant = grant_for(xandikos, organizer)
    calendar = xandikos.calendar(organizer)
    uid = f"{uuid.uuid4()}@hireloop.test"
    start = utc("2026-12-08T14:00:00")
    write = interview(uid, f"{organizer}@example.com", start, provider_sends_invitations=True)

    handle = await ADAPTER.put_event(http, grant, calendar, write, None, SETTINGS)

    [request] = holding(xandikos, xandikos.inbox(ATTENDEE), ATTENDEE, uid).values()
    assert "METHOD:REQUEST" in request
    assert f"ORGANIZER:mailto:{organizer}@example.com" in request
    assert "SCHEDULE-AGENT" not in request
    # Xandikos also applies the REQUEST to the attendee's default calendar (RFC 6638 3.1).
    [copy] = holding(xandikos, xandikos.calendar(ATTENDEE), ATTENDEE, uid).values()
    assert "DTSTART:20261208T140000Z" in copy

    # The server rewrote our resource with each attendee's delivery outcome (RFC 6638 3.2.9):
    # 2.0 delivered to the local principal, 3.7 for the address it cannot deliver to.
    stored = xandikos.request("GET", handle.remote_id, organizer).text.replace("\r\n ", "")
    assert 'SCHEDULE-STATUS="2.0;Success":mailto:bob@example.com' in stored
    assert 'SCHEDULE-STATUS="3.7;Invalid calendar user":mailto:outsider@elsewhere.test' in stored
    # ... and the ETag the adapter kept is the rewritten resource's, not our body's.
    [event] = (await read(http, grant, calendar)).events
    assert (event.uid, event.start, event.remote_id) == (uid, start, handle.remote_id)
    assert event.etag == handle.etag


async def test_schedule_agent_client_is_stored_on_every_address_and_round_trips(
    xandikos: Xandikos, http: httpx.AsyncClient
) -> None:
    organizer = new_user(xandikos)
    grant = grant_for(xandikos, organizer)
    calendar = xandikos.calendar(organizer)
    uid = f"{uuid.uuid4()}@hireloop.test"
    start = utc("2026-12-09T10:00:00")
    email = f"{organizer}@example.com"

    created = await ADAPTER.put_event(
        http, grant, calendar, interview(uid, email, start), None, SETTINGS
    )
    assert created.remote_id == f"/{organizer}/calendars/calendar/{uid}.ics"
    # A repeated create (If-None-Match: * on the same name, 412) is our earlier attempt.
    again = await ADAPTER.put_event(
        http, grant, calendar, interview(uid, email, start), None, SETTINGS
    )
    assert again == created

    text = xandikos.request("GET", created.remote_id, organizer).text.replace("\r\n ", "")
    assert f"ORGANIZER;SCHEDULE-AGENT=CLIENT:mailto:{email}" in text
    attendee_lines = [line for line in text.splitlines() if line.startswith("ATTENDEE")]
    assert len(attendee_lines) == 2
    assert all("SCHEDULE-AGENT=CLIENT" in line for line in attendee_lines)

    full = await read(http, grant, calendar)
    [event] = full.events
    assert (event.start, event.end, event.etag) == (start, start + timedelta(hours=1), created.etag)
    assert event.responses == {
        "bob@example.com": "needs_action",
        "outsider@elsewhere.test": "needs_action",
    }

    moved_start = start + timedelta(hours=3)
    moved = await ADAPTER.put_event(
        http,
        grant,
        calendar,
        interview(uid, email, moved_start, sequence=1, time_zone="Europe/Paris"),
        created,
        SETTINGS,
    )
    assert moved.remote_id == created.remote_id
    assert moved.etag not in (None, created.etag)
    text = xandikos.request("GET", moved.remote_id, organizer).text.replace("\r\n ", "")
    assert "DTSTART;TZID=Europe/Paris:20261209T140000" in text
    assert text.count("SCHEDULE-AGENT=CLIENT") == 3
    changes = await read(http, grant, calendar, full.sync_token)
    assert changes.removed == [RemovedEvent(uid=uid, remote_id=created.remote_id)]
    assert [(e.start, e.etag) for e in changes.events] == [(moved_start, moved.etag)]

    await ADAPTER.delete_event(http, grant, calendar, moved, SETTINGS)
    await ADAPTER.delete_event(http, grant, calendar, moved, SETTINGS)  # gone is fine
    gone = await read(http, grant, calendar, changes.sync_token)
    assert (gone.events, gone.removed) == ([], [RemovedEvent(uid=None, remote_id=moved.remote_id)])


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason="Xandikos 0.4.10 ignores SCHEDULE-AGENT=CLIENT (RFC 6638 7.1) and delivers the "
    "REQUEST anyway: a server non-conformance, not an adapter bug",
)
async def test_schedule_agent_client_leaves_the_attendee_inbox_empty(
    xandikos: Xandikos, http: httpx.AsyncClient
) -> None:
    organizer = new_user(xandikos)
    uid = f"{uuid.uuid4()}@hireloop.test"
    write = interview(uid, f"{organizer}@example.com", utc("2026-12-10T09:00:00"))
    assert write.provider_sends_invitations is False
    await ADAPTER.put_event(
        http, grant_for(xandikos, organizer), xandikos.calendar(organizer), write, None, SETTINGS
    )
    assert holding(xandikos, xandikos.inbox(ATTENDEE), ATTENDEE, uid) == {}
    assert holding(xandikos, xandikos.calendar(ATTENDEE), ATTENDEE, uid) == {}


# --- incremental sync ----------------------------------------------------------------------


async def test_incremental_read_returns_only_changes_and_removals(
    xandikos: Xandikos, http: httpx.AsyncClient
) -> None:
    user = new_user(xandikos)
    calendar = xandikos.calendar(user)
    grant = grant_for(xandikos, user)
    for uid in ("a", "b", "c"):
        xandikos.put_ics(
            calendar, f"{uid}.ics", vevent(uid, "20261207T090000Z", "20261207T100000Z"), user
        )
    xandikos.put_ics(
        calendar, "old.ics", vevent("old", "20251207T090000Z", "20251207T100000Z"), user
    )
    full = await read(http, grant, calendar)
    assert full.full
    assert sorted(e.uid for e in full.events) == ["a", "b", "c"]  # "old" is outside the window
    assert full.sync_token

    quiet = await read(http, grant, calendar, full.sync_token)
    assert (quiet.events, quiet.removed, quiet.full) == ([], [], False)

    xandikos.put_ics(calendar, "a.ics", vevent("a", "20261208T090000Z", "20261208T100000Z"), user)
    xandikos.put_ics(calendar, "d.ics", vevent("d", "20261209T090000Z", "20261209T100000Z"), user)
    xandikos.delete(f"{calendar}c.ics", user)
    ours = await ADAPTER.put_event(
        http,
        grant,
        calendar,
        interview("ours", f"{user}@example.com", utc("2026-12-10T09:00:00")),
        None,
        SETTINGS,
    )
    changes = await read(http, grant, calendar, quiet.sync_token)
    assert not changes.full
    assert sorted((e.uid, e.start) for e in changes.events) == [
        ("a", utc("2026-12-08T09:00:00")),
        ("d", utc("2026-12-09T09:00:00")),
        ("ours", utc("2026-12-10T09:00:00")),
    ]
    assert by_uid(changes, "ours")[0].etag == ours.etag
    path = f"/{user}/calendars/calendar/"
    assert sorted(changes.removed, key=str) == sorted(
        [
            RemovedEvent(uid="a", remote_id=f"{path}a.ics"),
            RemovedEvent(uid="d", remote_id=f"{path}d.ics"),
            RemovedEvent(uid="ours", remote_id=ours.remote_id),
            RemovedEvent(uid=None, remote_id=f"{path}c.ics"),
        ],
        key=str,
    )
    assert changes.sync_token not in (None, quiet.sync_token)

    # A change that moves an event out of the window: its uid is removed, no event replaces it.
    xandikos.put_ics(calendar, "b.ics", vevent("b", "20270301T090000Z", "20270301T100000Z"), user)
    moved_out = await read(http, grant, calendar, changes.sync_token)
    assert moved_out.events == []
    assert moved_out.removed == [RemovedEvent(uid="b", remote_id=f"{path}b.ics")]


# --- recurrence ----------------------------------------------------------------------------

RECURRING = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//other client//EN\r\n"
    "BEGIN:VEVENT\r\nUID:standup\r\nDTSTAMP:20261201T000000Z\r\n"
    "DTSTART;TZID=Europe/Paris:20261207T100000\r\nDTEND;TZID=Europe/Paris:20261207T103000\r\n"
    "RRULE:FREQ=DAILY;COUNT=5\r\nEXDATE;TZID=Europe/Paris:20261208T100000\r\n"
    "SUMMARY:Standup\r\nEND:VEVENT\r\n"
    "BEGIN:VEVENT\r\nUID:standup\r\nDTSTAMP:20261201T000000Z\r\n"
    "RECURRENCE-ID;TZID=Europe/Paris:20261209T100000\r\n"
    "DTSTART;TZID=Europe/Paris:20261209T150000\r\nDTEND;TZID=Europe/Paris:20261209T153000\r\n"
    "SUMMARY:Standup (moved)\r\nEND:VEVENT\r\n"
    "BEGIN:VEVENT\r\nUID:standup\r\nDTSTAMP:20261201T000000Z\r\n"
    "RECURRENCE-ID;TZID=Europe/Paris:20261210T100000\r\n"
    "DTSTART;TZID=Europe/Paris:20261210T100000\r\nDTEND;TZID=Europe/Paris:20261210T103000\r\n"
    "STATUS:CANCELLED\r\nEND:VEVENT\r\n"
    "END:VCALENDAR\r\n"
)


async def test_recurring_event_round_trips_with_exdate_and_overrides(
    xandikos: Xandikos, http: httpx.AsyncClient
) -> None:
    user = new_user(xandikos)
    calendar = xandikos.calendar(user)
    grant = grant_for(xandikos, user)
    xandikos.put_ics(calendar, "standup.ics", RECURRING, user)
    # Stored as written: every component of the UID in one resource (RFC 4791 4.1).
    stored = xandikos.request("GET", f"{calendar}standup.ics", user).text
    assert stored.count("BEGIN:VEVENT") == 3
    assert "RRULE:FREQ=DAILY;COUNT=5" in stored

    full = await read(http, grant, calendar)
    standups = by_uid(full, "standup")
    # Paris is UTC+1 in December: 10:00 there is 09:00Z. The 8th is excluded, the 9th moved.
    assert [(e.start, e.recurrence_id, e.status) for e in standups] == [
        (utc("2026-12-07T09:00:00"), "2026-12-07T09:00:00Z", "confirmed"),
        (utc("2026-12-09T14:00:00"), "2026-12-09T09:00:00Z", "confirmed"),
        (utc("2026-12-10T09:00:00"), "2026-12-10T09:00:00Z", "cancelled"),
        (utc("2026-12-11T09:00:00"), "2026-12-11T09:00:00Z", "confirmed"),
    ]
    assert [e.blocks for e in standups] == [True, True, False, True]
    assert {e.remote_id for e in standups} == {f"/{user}/calendars/calendar/standup.ics"}

    # The server's free-busy-query (RFC 4791 7.10) expands the series the same way: no 8th
    # (EXDATE), the 9th at its moved time, the 10th free (cancelled).
    answer = await ADAPTER.free_busy(
        http,
        {"me": (grant, [calendar])},
        utc("2026-12-07T00:00:00"),
        utc("2026-12-12T00:00:00"),
        SETTINGS,
    )
    assert answer.errors == {}
    assert [(i.start, i.end) for i in answer.busy["me"] or []] == [
        (utc("2026-12-07T09:00:00"), utc("2026-12-07T09:30:00")),
        (utc("2026-12-09T14:00:00"), utc("2026-12-09T14:30:00")),
        (utc("2026-12-11T09:00:00"), utc("2026-12-11T09:30:00")),
    ]

    # Another client drops the series' last day (COUNT=4) and un-cancels the 10th: the
    # incremental page replaces every occurrence of the UID.
    edited = RECURRING.replace("STATUS:CANCELLED", "SUMMARY:back on").replace("COUNT=5", "COUNT=4")
    xandikos.put_ics(calendar, "standup.ics", edited, user)
    changes = await read(http, grant, calendar, full.sync_token)
    assert changes.removed == [
        RemovedEvent(uid="standup", remote_id=f"/{user}/calendars/calendar/standup.ics")
    ]
    assert [(e.start, e.status) for e in by_uid(changes, "standup")] == [
        (utc("2026-12-07T09:00:00"), "confirmed"),
        (utc("2026-12-09T14:00:00"), "confirmed"),
        (utc("2026-12-10T09:00:00"), "confirmed"),
    ]


# --- where the adapter misreads Xandikos's answers -----------------------------------------


async def test_an_unknown_sync_token_is_sync_token_invalid(
    xandikos: Xandikos, http: httpx.AsyncClient
) -> None:
    user = new_user(xandikos)
    calendar = xandikos.calendar(user)
    xandikos.put_ics(calendar, "a.ics", vevent("a", "20261207T090000Z", "20261207T100000Z"), user)
    with pytest.raises(SyncTokenInvalid):
        await read(http, grant_for(xandikos, user), calendar, "0" * 40)


async def test_an_invitation_already_applied_to_the_calendar_is_found_by_uid(
    xandikos: Xandikos, http: httpx.AsyncClient
) -> None:
    organizer = new_user(xandikos)
    uid = f"{uuid.uuid4()}@hireloop.test"
    write = interview(
        uid, f"{organizer}@example.com", utc("2026-12-11T09:00:00"), provider_sends_invitations=True
    )
    await ADAPTER.put_event(
        http, grant_for(xandikos, organizer), xandikos.calendar(organizer), write, None, SETTINGS
    )
    # The server scheduled the attendee: their calendar holds the UID under a name of its own.
    [applied] = holding(xandikos, xandikos.calendar(ATTENDEE), ATTENDEE, uid)
    # Now Hireloop writes the same interview into the attendee's own calendar.
    handle = await ADAPTER.put_event(
        http, grant_for(xandikos, ATTENDEE), xandikos.calendar(ATTENDEE), write, None, SETTINGS
    )
    assert handle.remote_id == applied
    assert handle.etag is not None


async def test_an_update_of_an_event_deleted_in_the_calendar_is_event_gone(
    xandikos: Xandikos, http: httpx.AsyncClient
) -> None:
    user = new_user(xandikos)
    calendar = xandikos.calendar(user)
    grant = grant_for(xandikos, user)
    uid = str(uuid.uuid4())
    start = utc("2026-12-14T09:00:00")
    write = interview(uid, f"{user}@example.com", start)
    created = await ADAPTER.put_event(http, grant, calendar, write, None, SETTINGS)
    xandikos.delete(xandikos.url + created.remote_id, user)
    for handle in (created, EventHandle(created.remote_id)):
        with pytest.raises(EventGone):
            await ADAPTER.put_event(
                http, grant, calendar, interview(uid, "x@example.com", start), handle, SETTINGS
            )


async def test_moving_an_interview_in_an_attendee_calendar_is_not_event_changed(
    xandikos: Xandikos, http: httpx.AsyncClient
) -> None:
    interviewer = new_user(xandikos)
    calendar = xandikos.calendar(interviewer)
    grant = grant_for(xandikos, interviewer)
    uid = str(uuid.uuid4())
    start = utc("2026-12-15T09:00:00")
    # The organizer is the recruiter; the calendar's owner is an attendee (writes.py fans an
    # interview out to each interviewer's calendar).
    write = interview(
        uid,
        "recruiter@example.com",
        start,
        attendees=(Attendee(f"{interviewer}@example.com", "Ivy"),),
    )
    created = await ADAPTER.put_event(http, grant, calendar, write, None, SETTINGS)
    moved = interview(
        uid,
        "recruiter@example.com",
        start + timedelta(hours=2),
        sequence=1,
        attendees=write.attendees,
    )
    outcome: EventHandle | CalendarError
    try:
        outcome = await ADAPTER.put_event(http, grant, calendar, moved, created, SETTINGS)
    except CalendarError as exc:
        outcome = exc
    # The event is still there with the ETag we hold: whatever the adapter answers, it is not
    # "someone changed it since you read it".
    assert not isinstance(outcome, EventChanged), outcome
