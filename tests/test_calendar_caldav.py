"""The CalDAV adapter against a real Radicale server on 127.0.0.1 (no database): discovery,
connection tests, incremental sync with tokens, recurrence expansion, free/busy and
conditional writes."""

from __future__ import annotations

import socket
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
    NeedsReauth,
    RemoteEvent,
    RemovedEvent,
    SyncTokenInvalid,
)
from app.integrations.calendars.caldav import adapter as caldav_adapter
from app.integrations.calendars.caldav import mapping
from app.integrations.calendars.caldav.adapter import CalDavAdapter
from app.integrations.calendars.registry import adapter_for
from tests.conftest import make_settings
from tests.fakes.radicale import Radicale

ADAPTER = CalDavAdapter()
SETTINGS = make_settings()
WINDOW_START = datetime(2026, 12, 1, tzinfo=UTC)
WINDOW_END = datetime(2027, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def radicale() -> Iterator[Radicale]:
    with Radicale() as server:
        yield server


def new_user() -> str:
    return f"u{uuid.uuid4().hex[:10]}"


def grant_for(server: Radicale, user: str, url: str | None = None, **extra: str) -> Grant:
    values = {"url": url or server.url, "username": user, "password": "app-password", **extra}
    return Grant("caldav", values)


def vevent(uid: str, start: str, end: str, *lines: str) -> str:
    body = "\r\n".join(lines)
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//other client//EN\r\n"
        f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20261201T000000Z\r\n"
        f"DTSTART:{start}\r\nDTEND:{end}\r\n" + (body + "\r\n" if body else "") + "END:VEVENT\r\n"
        "END:VCALENDAR\r\n"
    )


def interview(uid: str, start: datetime, **changes: object) -> EventWrite:
    values: dict[str, object] = {
        "uid": uid,
        "sequence": 0,
        "summary": "Interview: Ada Lovelace",
        "description": "Systems design, 60 minutes",
        "start": start,
        "end": start + timedelta(hours=1),
        "attendees": (
            Attendee("Interviewer@Example.com", "Ivy Interviewer"),
            Attendee("shadow@example.com", optional=True),
        ),
        "location": "Room 4",
        "organizer_email": "recruiting@example.com",
    }
    values.update(changes)
    return EventWrite(**values)  # type: ignore[arg-type]


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


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# --- connection ----------------------------------------------------------------------------


def test_registry_names_the_caldav_adapter() -> None:
    found = adapter_for("caldav")
    assert found is caldav_adapter.adapter
    assert found.provider == "caldav"
    assert found.pushes is False


async def test_discovery_lists_event_calendars_from_any_starting_url(
    radicale: Radicale, http: httpx.AsyncClient
) -> None:
    user = new_user()
    work = radicale.make_calendar(user, "work", display_name="Work", timezone_id="Europe/Paris")
    personal = radicale.make_calendar(user, "personal", display_name="Personal")
    radicale.make_calendar(user, "tasks", components=("VTODO",))
    for start in (radicale.url, f"{radicale.url}/{user}/", work):
        calendars = await ADAPTER.list_calendars(http, grant_for(radicale, user, start), SETTINGS)
        assert {c.id: c.name for c in calendars} == {work: "Work", personal: "Personal"}
        assert sum(c.primary for c in calendars) == 1
        assert all(c.can_write for c in calendars)
        assert {c.id: c.time_zone for c in calendars} == {work: "Europe/Paris", personal: None}


async def test_whoami_makes_a_real_read(radicale: Radicale, http: httpx.AsyncClient) -> None:
    user = new_user()
    radicale.make_calendar(user, "work")
    grant = grant_for(radicale, user, email="Alice@Example.com")
    await ADAPTER.authorize(http, grant, SETTINGS)
    assert await ADAPTER.whoami(http, grant, SETTINGS) == "alice@example.com"
    assert await ADAPTER.whoami(http, grant_for(radicale, user), SETTINGS) is None
    assert await ADAPTER.whoami(http, grant_for(radicale, "bob@example.com"), SETTINGS) == (
        "bob@example.com"
    )


async def test_whoami_with_a_wrong_url_says_so(radicale: Radicale, http: httpx.AsyncClient) -> None:
    user = new_user()
    with pytest.raises(CalendarError, match="nothing at /nobody/here/") as missing:
        await ADAPTER.whoami(
            http, grant_for(radicale, user, f"{radicale.url}/nobody/here/"), SETTINGS
        )
    assert missing.value.status == 404
    assert not missing.value.transient
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}/"
    with pytest.raises(CalendarError, match="could not reach the CalDAV server"):
        await ADAPTER.whoami(http, grant_for(radicale, user, closed), SETTINGS)
    with pytest.raises(CalendarError, match="cannot be used"):
        await ADAPTER.whoami(http, grant_for(radicale, user, "http://10.1.2.3/dav/"), SETTINGS)
    with pytest.raises(CalendarError, match="credentials lack password"):
        await ADAPTER.authorize(
            http, Grant("caldav", {"url": radicale.url, "username": user}), SETTINGS
        )


async def test_wrong_password_needs_reauth(http: httpx.AsyncClient) -> None:
    with Radicale(passwords={"carol": "right-app-password"}) as server:
        server.make_calendar("carol", "work")
        good = Grant(
            "caldav", {"url": server.url, "username": "carol", "password": "right-app-password"}
        )
        bad = Grant("caldav", {"url": server.url, "username": "carol", "password": "wrong"})
        assert await ADAPTER.whoami(http, good, SETTINGS) is None
        assert [c.name for c in await ADAPTER.list_calendars(http, good, SETTINGS)] == ["work"]
        with pytest.raises(NeedsReauth, match="refused the username or password"):
            await ADAPTER.whoami(http, bad, SETTINGS)
        with pytest.raises(NeedsReauth):
            await read(http, bad, f"{server.url}/carol/work/")


# --- writing and reading back --------------------------------------------------------------


async def test_put_move_delete_and_read_back(radicale: Radicale, http: httpx.AsyncClient) -> None:
    user = new_user()
    calendar = radicale.make_calendar(user, "work")
    grant = grant_for(radicale, user)
    uid = f"{uuid.uuid4()}@hireloop.test"
    start = utc("2026-12-08T14:00:00")

    created = await ADAPTER.put_event(
        http, grant, calendar, interview(uid, start, status="tentative"), None, SETTINGS
    )
    assert created.remote_id.startswith(f"/{user}/work/")
    assert created.remote_id.endswith(".ics")
    assert created.etag

    stored = await http.get(radicale.url + created.remote_id, headers=radicale.auth_header(user))
    text = stored.text.replace("\r\n ", "")
    assert f"UID:{uid}" in text
    assert "STATUS:TENTATIVE" in text
    assert "SCHEDULE-AGENT=CLIENT" in text
    assert "mailto:Interviewer@Example.com" in text
    assert "LOCATION:Room 4" in text

    full = await read(http, grant, calendar)
    assert full.full
    assert full.sync_token
    [event] = full.events
    assert (event.uid, event.start, event.end) == (uid, start, start + timedelta(hours=1))
    assert event.recurrence_id is None
    assert (event.remote_id, event.etag) == (created.remote_id, created.etag)
    assert event.tentative
    assert event.blocks
    assert event.responses == {
        "interviewer@example.com": "needs_action",
        "shadow@example.com": "needs_action",
    }

    moved_start = start + timedelta(days=1, hours=2)
    moved = await ADAPTER.put_event(
        http,
        grant,
        calendar,
        interview(uid, moved_start, sequence=1, time_zone="Europe/Paris"),
        created,
        SETTINGS,
    )
    assert moved.remote_id == created.remote_id
    assert moved.etag
    assert moved.etag != created.etag
    stored = await http.get(radicale.url + moved.remote_id, headers=radicale.auth_header(user))
    assert "TZID=Europe/Paris" in stored.text
    assert "SEQUENCE:1" in stored.text

    changes = await read(http, grant, calendar, full.sync_token)
    assert not changes.full
    assert changes.removed == [RemovedEvent(uid=uid, remote_id=created.remote_id)]
    [event] = changes.events
    assert (event.start, event.status, event.etag) == (moved_start, "confirmed", moved.etag)

    await ADAPTER.delete_event(http, grant, calendar, moved, SETTINGS)
    await ADAPTER.delete_event(http, grant, calendar, moved, SETTINGS)  # already gone: fine
    after_delete = await read(http, grant, calendar, changes.sync_token)
    assert after_delete.events == []
    assert after_delete.removed == [RemovedEvent(uid=None, remote_id=created.remote_id)]


async def test_create_twice_is_idempotent(radicale: Radicale, http: httpx.AsyncClient) -> None:
    user = new_user()
    calendar = radicale.make_calendar(user, "work")
    grant = grant_for(radicale, user)
    uid = str(uuid.uuid4())
    write = interview(uid, utc("2026-12-10T09:00:00"))
    first = await ADAPTER.put_event(http, grant, calendar, write, None, SETTINGS)
    second = await ADAPTER.put_event(http, grant, calendar, write, None, SETTINGS)
    assert second == first
    page = await read(http, grant, calendar)
    assert [e.uid for e in page.events] == [uid]

    # The member's own client already imported our invitation (same UID, another name): the
    # server refuses a second resource with that UID (no-uid-conflict) and that one is ours.
    imported = str(uuid.uuid4())
    radicale.put_ics(
        calendar,
        "imported-by-client.ics",
        vevent(imported, "20261210T090000Z", "20261210T100000Z"),
        user,
    )
    handle = await ADAPTER.put_event(
        http, grant, calendar, interview(imported, utc("2026-12-10T09:00:00")), None, SETTINGS
    )
    assert handle.remote_id == f"/{user}/work/imported-by-client.ics"
    assert handle.etag
    page = await read(http, grant, calendar)
    assert sorted(e.uid for e in page.events) == sorted([uid, imported])


async def test_stale_etag_is_event_changed_and_a_deleted_event_is_gone(
    radicale: Radicale, http: httpx.AsyncClient
) -> None:
    user = new_user()
    calendar = radicale.make_calendar(user, "work")
    grant = grant_for(radicale, user)
    uid = str(uuid.uuid4())
    start = utc("2026-12-11T09:00:00")
    first = await ADAPTER.put_event(http, grant, calendar, interview(uid, start), None, SETTINGS)
    await ADAPTER.put_event(
        http, grant, calendar, interview(uid, start, sequence=1, summary="x"), first, SETTINGS
    )
    with pytest.raises(EventChanged):
        await ADAPTER.put_event(
            http, grant, calendar, interview(uid, start, sequence=2), first, SETTINGS
        )
    with pytest.raises(EventChanged):
        await ADAPTER.delete_event(http, grant, calendar, first, SETTINGS)
    radicale.delete(radicale.url + first.remote_id, user)
    with pytest.raises(EventGone):
        await ADAPTER.put_event(
            http, grant, calendar, interview(uid, start, sequence=2), first, SETTINGS
        )
    unknown = EventHandle(remote_id=first.remote_id)
    with pytest.raises(EventGone):
        await ADAPTER.put_event(http, grant, calendar, interview(uid, start), unknown, SETTINGS)
    await ADAPTER.delete_event(http, grant, calendar, first, SETTINGS)


# --- what blocks time ----------------------------------------------------------------------

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


async def test_recurring_event_is_expanded_with_exdate_and_overrides(
    radicale: Radicale, http: httpx.AsyncClient
) -> None:
    user = new_user()
    calendar = radicale.make_calendar(user, "work", timezone_id="Europe/Paris")
    radicale.put_ics(calendar, "standup.ics", RECURRING, user)
    radicale.put_ics(
        calendar,
        "offsite.ics",
        vevent("offsite", "20261214", "20261216")
        .replace("DTSTART:20261214", "DTSTART;VALUE=DATE:20261214")
        .replace("DTEND:20261216", "DTEND;VALUE=DATE:20261216"),
        user,
    )
    radicale.put_ics(
        calendar, "floating.ics", vevent("floating", "20261215T090000", "20261215T100000"), user
    )
    page = await read(http, grant_for(radicale, user), calendar)
    standups = by_uid(page, "standup")
    # Paris is UTC+1 in December: 10:00 there is 09:00Z. The 8th is excluded, the 9th moved.
    assert [(e.start, e.recurrence_id, e.status) for e in standups] == [
        (utc("2026-12-07T09:00:00"), "2026-12-07T09:00:00Z", "confirmed"),
        (utc("2026-12-09T14:00:00"), "2026-12-09T09:00:00Z", "confirmed"),
        (utc("2026-12-10T09:00:00"), "2026-12-10T09:00:00Z", "cancelled"),
        (utc("2026-12-11T09:00:00"), "2026-12-11T09:00:00Z", "confirmed"),
    ]
    assert [e.blocks for e in standups] == [True, True, False, True]
    assert all(e.end - e.start == timedelta(minutes=30) for e in standups)
    assert {e.remote_id for e in standups} == {f"/{user}/work/standup.ics"}
    # All-day and floating times are the calendar's zone (Europe/Paris).
    [offsite] = by_uid(page, "offsite")
    assert (offsite.start, offsite.end) == (utc("2026-12-13T23:00:00"), utc("2026-12-15T23:00:00"))
    assert offsite.recurrence_id is None
    [floating] = by_uid(page, "floating")
    assert floating.start == utc("2026-12-15T08:00:00")


async def test_transparent_cancelled_declined_and_tentative(
    radicale: Radicale, http: httpx.AsyncClient
) -> None:
    user = new_user()
    calendar = radicale.make_calendar(user, "work")
    me = f"{user}@example.com"
    attendees = (
        "ORGANIZER:mailto:boss@example.com",
        f"ATTENDEE;PARTSTAT=DECLINED:mailto:{me.upper()}",
        "ATTENDEE;PARTSTAT=ACCEPTED;CN=Boss:mailto:Boss@Example.com",
    )
    events = {
        "busy": vevent("busy", "20261207T090000Z", "20261207T100000Z"),
        "free": vevent("free", "20261207T110000Z", "20261207T120000Z", "TRANSP:TRANSPARENT"),
        "off": vevent("off", "20261207T130000Z", "20261207T140000Z", "STATUS:CANCELLED"),
        "maybe": vevent("maybe", "20261207T150000Z", "20261207T160000Z", "STATUS:TENTATIVE"),
        "declined": vevent("declined", "20261207T170000Z", "20261207T180000Z", *attendees),
        "invited": vevent(
            "invited",
            "20261207T190000Z",
            "20261207T200000Z",
            "ORGANIZER:mailto:boss@example.com",
            f"ATTENDEE:mailto:{me}",
        ),
    }
    for uid, ics in events.items():
        radicale.put_ics(calendar, f"{uid}.ics", ics, user)
    page = await read(http, grant_for(radicale, user, email=me), calendar)
    seen = {e.uid: e for e in page.events}
    assert seen.keys() == events.keys()
    assert seen["busy"].blocks
    assert not seen["busy"].tentative
    assert seen["free"].transparent
    assert not seen["free"].blocks
    assert seen["off"].status == "cancelled"
    assert not seen["off"].blocks
    assert seen["maybe"].status == "tentative"
    assert seen["maybe"].blocks
    assert seen["maybe"].tentative
    declined = seen["declined"]
    assert declined.self_response == "declined"
    assert not declined.blocks
    assert declined.responses == {me: "declined", "boss@example.com": "accepted"}
    assert seen["invited"].self_response == "needs_action"
    assert seen["invited"].tentative

    busy = await ADAPTER.free_busy(
        http,
        {"me": (grant_for(radicale, user), [calendar])},
        utc("2026-12-07T00:00:00"),
        utc("2026-12-08T00:00:00"),
        SETTINGS,
    )
    intervals = busy.busy["me"]
    assert intervals is not None
    starts = {(i.start.hour, i.tentative) for i in intervals}
    assert (9, False) in starts
    assert (15, True) in starts
    assert not {11, 13} & {i.start.hour for i in intervals}  # transparent, cancelled


# --- incremental sync ----------------------------------------------------------------------


async def test_incremental_read_returns_only_changes_and_removals(
    radicale: Radicale, http: httpx.AsyncClient
) -> None:
    user = new_user()
    calendar = radicale.make_calendar(user, "work")
    grant = grant_for(radicale, user)
    for uid in ("a", "b", "c"):
        radicale.put_ics(
            calendar, f"{uid}.ics", vevent(uid, "20261207T090000Z", "20261207T100000Z"), user
        )
    radicale.put_ics(
        calendar, "old.ics", vevent("old", "20251207T090000Z", "20251207T100000Z"), user
    )
    full = await read(http, grant, calendar)
    assert full.full
    assert full.removed == []
    assert sorted(e.uid for e in full.events) == ["a", "b", "c"]  # "old" is outside the window
    assert full.sync_token

    quiet = await read(http, grant, calendar, full.sync_token)
    assert (quiet.events, quiet.removed, quiet.full) == ([], [], False)

    radicale.put_ics(calendar, "a.ics", vevent("a", "20261208T090000Z", "20261208T100000Z"), user)
    radicale.put_ics(calendar, "d.ics", vevent("d", "20261209T090000Z", "20261209T100000Z"), user)
    radicale.delete(f"{calendar}c.ics", user)
    changes = await read(http, grant, calendar, quiet.sync_token)
    assert not changes.full
    assert sorted((e.uid, e.start) for e in changes.events) == [
        ("a", utc("2026-12-08T09:00:00")),
        ("d", utc("2026-12-09T09:00:00")),
    ]
    path = f"/{user}/work/"
    assert sorted(changes.removed, key=str) == sorted(
        [
            RemovedEvent(uid="a", remote_id=f"{path}a.ics"),
            RemovedEvent(uid="d", remote_id=f"{path}d.ics"),
            RemovedEvent(uid=None, remote_id=f"{path}c.ics"),
        ],
        key=str,
    )
    assert changes.sync_token
    assert changes.sync_token != quiet.sync_token

    # A change that moves an event out of the window: its uid is removed, no event replaces it.
    radicale.put_ics(calendar, "b.ics", vevent("b", "20270301T090000Z", "20270301T100000Z"), user)
    moved_out = await read(http, grant, calendar, changes.sync_token)
    assert moved_out.events == []
    assert moved_out.removed == [RemovedEvent(uid="b", remote_id=f"{path}b.ics")]


async def test_invalid_sync_token_then_full_read_recovers(
    radicale: Radicale, http: httpx.AsyncClient
) -> None:
    user = new_user()
    calendar = radicale.make_calendar(user, "work")
    grant = grant_for(radicale, user)
    radicale.put_ics(calendar, "a.ics", vevent("a", "20261207T090000Z", "20261207T100000Z"), user)
    for token in ("http://radicale.org/ns/sync/" + "0" * 64, "not-a-token"):
        with pytest.raises(SyncTokenInvalid):
            await read(http, grant, calendar, token)
    recovered = await read(http, grant, calendar)
    assert recovered.full
    assert [e.uid for e in recovered.events] == ["a"]
    assert (await read(http, grant, calendar, recovered.sync_token)).events == []


# --- free/busy -----------------------------------------------------------------------------


async def test_free_busy_over_a_range_with_one_account_failing(
    radicale: Radicale, http: httpx.AsyncClient
) -> None:
    alice, bob = new_user(), new_user()
    alice_work = radicale.make_calendar(alice, "work")
    alice_home = radicale.make_calendar(alice, "home")
    radicale.put_ics(
        alice_work, "a.ics", vevent("a", "20261207T090000Z", "20261207T100000Z"), alice
    )
    radicale.put_ics(
        alice_home, "b.ics", vevent("b", "20261207T093000Z", "20261207T110000Z"), alice
    )
    radicale.put_ics(
        alice_work, "late.ics", vevent("late", "20261209T090000Z", "20261209T100000Z"), alice
    )
    radicale.put_ics(
        calendar := alice_home, "daily.ics", RECURRING.replace("standup", "daily"), alice
    )
    assert calendar
    answer = await ADAPTER.free_busy(
        http,
        {
            "alice": (grant_for(radicale, alice), [alice_work, alice_home]),
            "bob": (grant_for(radicale, bob), [f"{radicale.url}/{bob}/missing/"]),
        },
        utc("2026-12-07T00:00:00"),
        utc("2026-12-08T00:00:00"),
        SETTINGS,
    )
    intervals = answer.busy["alice"]
    assert intervals is not None
    assert [(i.start, i.end, i.tentative) for i in intervals] == [
        (utc("2026-12-07T09:00:00"), utc("2026-12-07T11:00:00"), False),
    ]
    assert answer.busy["bob"] is None
    assert "missing" in answer.errors["bob"]
    assert "alice" not in answer.errors


async def test_free_busy_falls_back_to_events_when_the_report_is_refused(
    radicale: Radicale, http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = new_user()
    calendar = radicale.make_calendar(user, "work")
    radicale.put_ics(calendar, "a.ics", vevent("a", "20261207T090000Z", "20261207T100000Z"), user)
    me = f"{user}@example.com"
    declined = ("ORGANIZER:mailto:boss@example.com", f"ATTENDEE;PARTSTAT=DECLINED:mailto:{me}")
    # The server's free-busy would count this one (it cannot tell which attendee is the
    # owner); the event read does not.
    radicale.put_ics(
        calendar, "d.ics", vevent("d", "20261207T140000Z", "20261207T150000Z", *declined), user
    )
    radicale.put_ics(
        calendar,
        "f.ics",
        vevent("f", "20261207T120000Z", "20261207T130000Z", "TRANSP:TRANSPARENT"),
        user,
    )

    def unsupported(start: datetime, end: datetime) -> bytes:
        # Radicale answers 400 Bad Request to a time-range it cannot read, as a server
        # without free-busy-query would answer 403 or 501: the adapter reads events instead.
        return (
            b'<?xml version="1.0"?><C:free-busy-query xmlns:C="urn:ietf:params:xml:ns:caldav">'
            b'<C:time-range start="never" end="never"/></C:free-busy-query>'
        )

    monkeypatch.setattr(caldav_adapter, "free_busy_body", unsupported)
    answer = await ADAPTER.free_busy(
        http,
        {"me": (grant_for(radicale, user, email=me), [calendar])},
        utc("2026-12-07T00:00:00"),
        utc("2026-12-08T00:00:00"),
        SETTINGS,
    )
    assert answer.errors == {}
    intervals = answer.busy["me"]
    assert intervals is not None
    assert [(i.start, i.end) for i in intervals] == [
        (utc("2026-12-07T09:00:00"), utc("2026-12-07T10:00:00"))
    ]


# --- pure mapping --------------------------------------------------------------------------


def test_invitations_sent_by_the_provider_carry_no_schedule_agent() -> None:
    write = interview("u1", utc("2026-12-08T14:00:00"), provider_sends_invitations=True)
    text = mapping.event_to_ics(write).decode().replace("\r\n ", "")
    assert "SCHEDULE-AGENT" not in text
    assert "ROLE=OPT-PARTICIPANT" in text
    assert "ORGANIZER:mailto:recruiting@example.com" in text
    assert "DTSTART:20261208T140000Z" in text
    held = mapping.event_to_ics(interview("u2", utc("2026-12-08T14:00:00"), status="tentative"))
    assert b"STATUS:TENTATIVE" in held
    assert b"SCHEDULE-AGENT=CLIENT" in held.replace(b"\r\n ", b"")
