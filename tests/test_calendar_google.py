"""The Google Calendar adapter against a local fake of Google's documented endpoints
(tests/fakes/google_calendar.py) served over real HTTP on 127.0.0.1 (no database)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from app.integrations.calendars.base import (
    Attendee,
    CalendarError,
    Channel,
    EventChanged,
    EventGone,
    EventHandle,
    EventWrite,
    Grant,
    NeedsReauth,
    OAuthCalendarAdapter,
    OAuthClient,
    PushingCalendarAdapter,
    PushRefused,
    RemoteEvent,
    RemovedEvent,
    SyncTokenInvalid,
)
from app.integrations.calendars.google import auth, mapping
from app.integrations.calendars.google.adapter import GoogleCalendarAdapter, adapter
from app.integrations.calendars.registry import adapter_for
from app.settings import Settings
from tests.conftest import make_settings
from tests.fakes.google_calendar import GoogleCalendarFake
from tests.fakes.server import Forwarder, ServedApp

SA_EMAIL = "hireloop-sync@acme-project.iam.gserviceaccount.com"
ALICE = "alice@acme.test"
BOB = "bob@acme.test"
WINDOW_START = datetime(2026, 12, 1, tzinfo=UTC)
WINDOW_END = datetime(2027, 1, 1, tzinfo=UTC)

# Both protocols are met (checked by mypy).
_pushing: PushingCalendarAdapter = adapter
_oauth: OAuthCalendarAdapter = adapter


@cache
def key_pair() -> tuple[str, bytes]:
    """An RSA key pair made for the run: the private key as a JSON key file holds it (PKCS#8
    PEM), and the public key the fake verifies the assertion with."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, public


def key_file() -> str:
    private, _ = key_pair()
    return json.dumps(
        {
            "type": "service_account",
            "project_id": "acme-project",
            "private_key_id": "kid-1",
            "private_key": private,
            "client_email": SA_EMAIL,
            "client_id": "1234567890",
            "token_uri": "https://oauth2.googleapis.com/token",
        }
    )


@dataclass
class Google:
    fake: GoogleCalendarFake
    url: str
    settings: Settings

    @property
    def api(self) -> str:
        return f"{self.url}/calendar/v3"

    def grant(self, subject: str = ALICE) -> Grant:
        return Grant(
            provider="google",
            values={"service_account_json": key_file()},
            subject=subject,
            base_url=self.api,
        )

    def client(self) -> OAuthClient:
        return OAuthClient(
            client_id=self.fake.client_id,
            client_secret=self.fake.client_secret,
            redirect_uri="https://hireloop.test/oauth/google/callback",
            base_url=self.url,
        )


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[Forwarder, str]]:
    switch = Forwarder()
    server = ServedApp(switch).start()
    try:
        yield switch, server.url
    finally:
        server.stop()


@pytest.fixture
def google(served: tuple[Forwarder, str]) -> Google:
    switch, url = served
    auth.clear_token_cache()
    fake = GoogleCalendarFake()
    fake.add_service_account(SA_EMAIL, key_pair()[1])
    fake.add_user(ALICE, time_zone="Europe/Berlin")
    fake.add_user(BOB)
    switch.target = fake.app
    return Google(fake, url, make_settings())


def at(day: int, hour: int, minute: int = 0, month: int = 12) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def interview(uid: str | None = None, **overrides: object) -> EventWrite:
    values: dict[str, object] = {
        "uid": uid or f"{uuid.uuid4()}@hireloop.test",
        "sequence": 0,
        "summary": "Interview: Ada Lovelace",
        "description": "Panel interview",
        "start": at(10, 9),
        "end": at(10, 10),
        "attendees": (Attendee("Carol@Acme.test", "Carol"), Attendee(BOB, optional=True)),
        "location": "Room 4",
    }
    values.update(overrides)
    return EventWrite(**values)  # type: ignore[arg-type]


# --- credentials -------------------------------------------------------------------------------


def test_registry_finds_the_google_adapter() -> None:
    assert isinstance(adapter_for("google"), GoogleCalendarAdapter)
    assert adapter.provider == "google"
    assert adapter.pushes is True


async def test_service_account_token_comes_from_a_verified_rs256_jwt(
    google: Google, http: httpx.AsyncClient
) -> None:
    grant = google.grant()
    await adapter.authorize(http, grant, google.settings)
    assert grant.access_token
    assert grant.access_token.startswith("ya29.")
    assert grant.access_expires_at is not None
    assert grant.access_expires_at > datetime.now(UTC) + timedelta(minutes=55)
    [claims] = google.fake.assertions  # verified by the fake with the public key
    assert claims["iss"] == SA_EMAIL
    assert claims["sub"] == ALICE
    assert claims["aud"] == f"{google.url}/token"
    assert claims["exp"] - claims["iat"] == 3600
    assert set(claims["scope"].split()) == {
        "https://www.googleapis.com/auth/calendar.events",
        "https://www.googleapis.com/auth/calendar.calendarlist.readonly",
        "https://www.googleapis.com/auth/calendar.freebusy",
    }
    [request] = google.fake.token_requests()
    assert request.form["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer"
    # The token is reused, by this grant and by the next task's fresh grant for Alice.
    await adapter.authorize(http, grant, google.settings)
    other = google.grant()
    await adapter.authorize(http, other, google.settings)
    assert other.access_token == grant.access_token
    assert len(google.fake.token_requests()) == 1
    # Bob is another subject: another assertion.
    await adapter.authorize(http, google.grant(BOB), google.settings)
    assert [c["sub"] for c in google.fake.assertions] == [ALICE, BOB]


async def test_service_account_for_an_unknown_mailbox_needs_reauth(
    google: Google, http: httpx.AsyncClient
) -> None:
    with pytest.raises(NeedsReauth, match="invalid_grant"):
        await adapter.authorize(http, google.grant("nobody@acme.test"), google.settings)
    grant = google.grant()
    grant.subject = None
    with pytest.raises(CalendarError, match="subject"):
        await adapter.authorize(http, grant, google.settings)
    broken = Grant("google", {"service_account_json": "{}"}, subject=ALICE, base_url=google.api)
    with pytest.raises(NeedsReauth):
        await adapter.authorize(http, broken, google.settings)


def pkce() -> tuple[str, str]:
    verifier = base64.urlsafe_b64encode(uuid.uuid4().bytes * 2).decode().rstrip("=")
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.decode().rstrip("=")


async def test_pkce_consent_exchange_refresh_and_revocation(
    google: Google, http: httpx.AsyncClient
) -> None:
    client = google.client()
    verifier, challenge = pkce()
    consent = adapter.consent_url(client, state="st-42", code_challenge=challenge, login_hint=BOB)
    parts = urlsplit(consent.url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{google.url}/o/oauth2/v2/auth"
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert query["state"] == "st-42"
    assert query["code_challenge"] == challenge
    assert query["code_challenge_method"] == "S256"
    assert query["access_type"] == "offline"
    assert query["prompt"] == "consent"
    assert query["include_granted_scopes"] == "true"
    assert query["login_hint"] == BOB
    assert query["response_type"] == "code"
    assert query["redirect_uri"] == client.redirect_uri
    assert "https://www.googleapis.com/auth/calendar" not in query["scope"].split()

    # A wrong verifier (someone else's code) is refused, and the code is spent.
    code = google.fake.consent(consent.url, BOB)
    with pytest.raises(NeedsReauth):
        await adapter.exchange_code(
            http, client, code=code, code_verifier="not-the-verifier", settings=google.settings
        )
    code = google.fake.consent(consent.url, BOB)
    tokens = await adapter.exchange_code(
        http, client, code=code, code_verifier=verifier, settings=google.settings
    )
    assert tokens.email == BOB
    assert tokens.values["refresh_token"].startswith("1//")
    assert tokens.access_token
    token_call = google.fake.token_requests()[-1].form
    assert token_call["grant_type"] == "authorization_code"
    assert token_call["code_verifier"] == verifier

    # The access token is used while it has more than a minute left, then refreshed.
    grant = Grant(
        "google",
        dict(tokens.values),
        base_url=google.api,
        access_token=tokens.access_token,
        access_expires_at=tokens.access_expires_at,
    )
    assert await adapter.whoami(http, grant, google.settings) == BOB
    calls = len(google.fake.token_requests())
    grant.access_expires_at = datetime.now(UTC) + timedelta(seconds=30)
    await adapter.authorize(http, grant, google.settings)
    assert len(google.fake.token_requests()) == calls + 1
    assert google.fake.token_requests()[-1].form["grant_type"] == "refresh_token"
    assert grant.access_token != tokens.access_token
    assert grant.access_expires_at > datetime.now(UTC) + timedelta(minutes=55)

    # Revoked at Google: the next refresh needs a person to reconnect.
    google.fake.revoke(tokens.values["refresh_token"])
    auth.clear_token_cache()
    grant.access_expires_at = datetime.now(UTC)
    with pytest.raises(NeedsReauth, match="invalid_grant"):
        await adapter.authorize(http, grant, google.settings)


async def test_a_refused_access_token_is_replaced_once(
    google: Google, http: httpx.AsyncClient
) -> None:
    grant = google.grant()
    assert await adapter.whoami(http, grant, google.settings) == ALICE
    google.fake.expire_access_tokens()  # e.g. revoked server-side before its expiry
    assert await adapter.whoami(http, grant, google.settings) == ALICE
    assert len(google.fake.token_requests()) == 2


# --- calendars and reads -----------------------------------------------------------------------


async def test_list_calendars_pages_and_maps_access(
    google: Google, http: httpx.AsyncClient
) -> None:
    for n in range(260):
        google.fake.add_calendar(ALICE, f"team{n}@group.calendar.google.com", summary=f"T{n}")
    google.fake.add_calendar(
        ALICE, "holidays@group.v.calendar.google.com", access_role="reader", time_zone="UTC"
    )
    calendars = await adapter.list_calendars(http, google.grant(), google.settings)
    assert len(calendars) == 262
    assert len(google.fake.api_requests("GET", "/users/me/calendarList")) == 2
    primary = calendars[0]
    assert (primary.id, primary.primary, primary.can_write, primary.time_zone) == (
        ALICE,
        True,
        True,
        "Europe/Berlin",
    )
    holidays = next(c for c in calendars if c.id.startswith("holidays"))
    assert holidays.can_write is False
    assert holidays.primary is False
    assert all(c.can_write for c in calendars if c is not holidays)


@dataclass
class Read:
    events: list[RemoteEvent]
    removed: list[RemovedEvent]
    sync_token: str | None
    pages: int


async def read_all(
    http: httpx.AsyncClient,
    google: Google,
    grant: Grant,
    calendar_id: str,
    sync_token: str | None,
    reader: GoogleCalendarAdapter = adapter,
) -> Read:
    """Every page of one read."""
    read = Read([], [], None, 0)
    page: str | None = None
    while True:
        result = await reader.read_changes(
            http,
            grant,
            calendar_id,
            sync_token=sync_token,
            page=page,
            window_start=WINDOW_START,
            window_end=WINDOW_END,
            settings=google.settings,
        )
        read.pages += 1
        assert result.full is (sync_token is None)
        read.events.extend(result.events)
        read.removed.extend(result.removed)
        if result.next_page is None:
            read.sync_token = result.sync_token
            return read
        assert result.sync_token is None  # only the last page carries it
        page = result.next_page


async def test_full_read_pages_through_the_window(google: Google, http: httpx.AsyncClient) -> None:
    fake = google.fake
    made = [fake.add_event(ALICE, at(2 + n, 9), at(2 + n, 10), summary=f"E{n}") for n in range(7)]
    fake.add_event(ALICE, at(5, 9, month=11), at(5, 10, month=11))  # before the window
    reader = GoogleCalendarAdapter(page_size=3)
    read = await read_all(http, google, google.grant(), ALICE, None, reader)
    assert read.pages == 3
    assert read.sync_token is not None
    assert sorted(e.remote_id or "" for e in read.events) == sorted(m["id"] for m in made)
    lists = fake.api_requests("GET", f"/calendars/{ALICE}/events")
    first, *rest = (r.query for r in lists)
    assert first["singleEvents"] == "true"
    assert first["timeMin"] == "2026-12-01T00:00:00Z"
    assert first["timeMax"] == "2027-01-01T00:00:00Z"
    assert "syncToken" not in first
    assert "pageToken" not in first
    assert all("pageToken" in q for q in rest)


async def test_incremental_read_sees_changes_and_cancellations(
    google: Google, http: httpx.AsyncClient
) -> None:
    fake = google.fake
    grant = google.grant()
    moved = fake.add_event(ALICE, at(3, 9), at(3, 10), uid="moved@example.com")
    gone = fake.add_event(ALICE, at(4, 9), at(4, 10), uid="gone@example.com")
    fake.add_event(ALICE, at(5, 9), at(5, 10), uid="same@example.com")
    series = fake.add_recurring(ALICE, at(7, 8), timedelta(minutes=30), count=3, uid="weekly@x")
    sync_token = (await read_all(http, google, grant, ALICE, None)).sync_token
    assert sync_token is not None

    fake.change_event(
        ALICE,
        moved["id"],
        start={"dateTime": "2026-12-03T14:00:00Z"},
        end={"dateTime": "2026-12-03T15:00:00Z"},
    )
    fake.cancel_event(ALICE, gone["id"])
    fake.cancel_event(ALICE, series[1]["id"])  # one occurrence deleted
    added = fake.add_event(ALICE, at(6, 9), at(6, 10), uid="new@example.com")
    read = await read_all(http, google, grant, ALICE, sync_token)
    next_token = read.sync_token
    query = fake.api_requests("GET", f"/calendars/{ALICE}/events")[-1].query
    assert query["syncToken"] == sync_token
    assert "timeMin" not in query

    events = {e.uid: e for e in read.events}
    assert set(events) == {"moved@example.com", "new@example.com"}
    assert events["moved@example.com"].start == at(3, 14)
    assert events["new@example.com"].remote_id == added["id"]
    removed = read.removed
    # Google's cancelled items carry only ids; ours map back where the id allows.
    assert RemovedEvent(uid=None, recurrence_id=None, remote_id=gone["id"]) in removed
    occurrence = next(r for r in removed if r.remote_id == series[1]["id"])
    assert occurrence.recurrence_id == "2026-12-14T08:00:00Z"
    assert next_token is not None
    assert next_token != sync_token

    # Nothing changed since: an empty incremental read.
    quiet = await read_all(http, google, grant, ALICE, next_token)
    assert (quiet.events, quiet.removed) == ([], [])


async def test_invalidated_sync_token_asks_for_a_full_read(
    google: Google, http: httpx.AsyncClient
) -> None:
    grant = google.grant()
    sync_token = (await read_all(http, google, grant, ALICE, None)).sync_token
    google.fake.invalidate_sync_tokens()
    with pytest.raises(SyncTokenInvalid):
        await read_all(http, google, grant, ALICE, sync_token)


async def test_recurring_event_arrives_as_occurrences(
    google: Google, http: httpx.AsyncClient
) -> None:
    google.fake.add_recurring(ALICE, at(1, 9), timedelta(hours=1), count=4, uid="standup@acme")
    seen = (await read_all(http, google, google.grant(), ALICE, None)).events
    assert [e.uid for e in seen] == ["standup@acme"] * 4
    assert [e.recurrence_id for e in seen] == [
        "2026-12-01T09:00:00Z",
        "2026-12-08T09:00:00Z",
        "2026-12-15T09:00:00Z",
        "2026-12-22T09:00:00Z",
    ]
    assert [e.start for e in seen] == [at(1 + 7 * n, 9) for n in range(4)]


async def test_transparent_declined_all_day_and_responses_are_mapped(
    google: Google, http: httpx.AsyncClient
) -> None:
    fake = google.fake
    fake.add_event(ALICE, at(2, 9), at(2, 10), uid="free@x", transparency="transparent")
    fake.add_event(
        ALICE,
        at(2, 11),
        at(2, 12),
        uid="declined@x",
        attendees=[
            {"email": "Boss@Acme.test", "organizer": True, "responseStatus": "accepted"},
            {"email": ALICE, "responseStatus": "declined"},
        ],
    )
    fake.add_event(
        ALICE,
        at(2, 13),
        at(2, 14),
        uid="maybe@x",
        attendees=[
            {"email": "Carol@Acme.test", "responseStatus": "needsAction"},
            {"email": ALICE, "responseStatus": "tentative"},
        ],
    )
    fake.add_event(ALICE, date(2026, 12, 24), date(2026, 12, 25), uid="holiday@x")
    fake.add_event(ALICE, at(2, 15), at(2, 16), uid="hold@x", status="tentative")
    events = {e.uid: e for e in (await read_all(http, google, google.grant(), ALICE, None)).events}
    assert events["free@x"].transparent
    assert not events["free@x"].blocks
    declined = events["declined@x"]
    assert declined.self_response == "declined"
    assert not declined.blocks
    assert declined.responses == {"boss@acme.test": "accepted", ALICE: "declined"}
    maybe = events["maybe@x"]
    assert maybe.blocks
    assert maybe.tentative
    assert maybe.responses["carol@acme.test"] == "needs_action"
    # A whole day in the calendar's zone (Europe/Berlin, UTC+1 in December).
    holiday = events["holiday@x"]
    assert (holiday.start, holiday.end) == (at(23, 23), at(24, 23))
    assert events["hold@x"].status == "tentative"
    assert events["hold@x"].tentative
    assert all(e.etag for e in events.values())


# --- free/busy ----------------------------------------------------------------------------------


async def test_free_busy_is_chunked_by_calendars_and_days(
    google: Google, http: httpx.AsyncClient
) -> None:
    fake = google.fake
    start = datetime(2026, 12, 1, tzinfo=UTC)
    end = start + timedelta(days=100)
    grant = google.grant()
    accounts: dict[str, tuple[Grant, list[str]]] = {}
    for member in range(3):
        ids = [f"m{member}c{n}@group.calendar.google.com" for n in range(20)]
        for calendar_id in ids:
            fake.add_calendar(ALICE, calendar_id)
        accounts[f"member-{member}"] = (grant, ids)
    # An event across the 90-day seam comes back as one interval; a free one not at all.
    seam = start + timedelta(days=90)
    fake.add_event(
        "m0c3@group.calendar.google.com", seam - timedelta(hours=1), seam + timedelta(hours=1)
    )
    fake.add_event("m0c4@group.calendar.google.com", at(2, 9), at(2, 10))
    fake.add_event(
        "m0c4@group.calendar.google.com", at(2, 11), at(2, 12), transparency="transparent"
    )
    fake.add_event("m1c0@group.calendar.google.com", at(3, 9), at(3, 10))
    fake.fail_freebusy_for("m2c7@group.calendar.google.com")

    result = await adapter.free_busy(http, accounts, start, end, google.settings)

    calls = fake.api_requests("POST", "/freeBusy")
    assert len(calls) == 4  # 60 calendars -> 50 + 10; 100 days -> 90 + 10
    assert sorted(len(c.json["items"]) for c in calls) == [10, 10, 50, 50]
    for call in calls:
        low = datetime.fromisoformat(call.json["timeMin"].replace("Z", "+00:00"))
        high = datetime.fromisoformat(call.json["timeMax"].replace("Z", "+00:00"))
        assert timedelta(0) < high - low <= timedelta(days=90)
    busy0 = result.busy["member-0"]
    assert busy0 is not None
    assert [(b.start, b.end) for b in busy0] == [
        (at(2, 9), at(2, 10)),
        (seam - timedelta(hours=1), seam + timedelta(hours=1)),
    ]
    assert [(b.start, b.end) for b in result.busy["member-1"] or []] == [(at(3, 9), at(3, 10))]
    assert result.busy["member-2"] is None  # unknown, never free
    assert "notFound" in result.errors["member-2"]


async def test_free_busy_failure_of_one_account_leaves_the_others(
    google: Google, http: httpx.AsyncClient
) -> None:
    fake = google.fake
    fake.add_event(ALICE, at(2, 9), at(2, 10))
    fake.add_event(BOB, at(2, 11), at(2, 12))
    accounts = {
        "alice": (google.grant(ALICE), [ALICE]),
        "bob": (google.grant(BOB), [BOB]),
        "gone": (google.grant("gone@acme.test"), ["gone@acme.test"]),  # delegation fails
    }
    fake.fail_freebusy_calls_with(ALICE, status=400)  # Alice's call fails whole
    result = await adapter.free_busy(http, accounts, at(1, 0), at(8, 0), google.settings)
    assert result.busy["alice"] is None
    assert result.busy["gone"] is None
    assert "gone" in result.errors
    bob = result.busy["bob"]
    assert bob is not None
    assert [(b.start, b.end) for b in bob] == [(at(2, 11), at(2, 12))]


# --- writes -------------------------------------------------------------------------------------


async def test_insert_is_idempotent_and_carries_the_uid(
    google: Google, http: httpx.AsyncClient
) -> None:
    fake = google.fake
    grant = google.grant()
    event = interview(video=True)
    first = await adapter.put_event(http, grant, ALICE, event, None, google.settings)
    assert re.fullmatch(r"[a-v0-9]{5,1024}", first.remote_id)
    assert first.video_url
    assert first.video_url.startswith("https://meet.google.com/")
    again = await adapter.put_event(http, grant, ALICE, event, None, google.settings)  # a retry
    assert (again.remote_id, again.etag, again.video_url) == (
        first.remote_id,
        first.etag,
        first.video_url,
    )
    stored = fake.calendars[ALICE].events
    assert list(stored) == [first.remote_id]
    inserts = fake.api_requests("POST", f"/calendars/{ALICE}/events")
    assert len(inserts) == 2
    body, query = inserts[0].json, inserts[0].query
    assert query["sendUpdates"] == "none"
    assert query["conferenceDataVersion"] == "1"
    assert body["iCalUID"] == event.uid
    assert body["sequence"] == 0
    assert body["location"] == "Room 4"
    assert body["description"] == "Panel interview"
    assert [a["email"] for a in body["attendees"]] == ["Carol@Acme.test", BOB]
    assert body["attendees"][1]["optional"] is True
    create = body["conferenceData"]["createRequest"]
    assert create["conferenceSolutionKey"] == {"type": "hangoutsMeet"}
    assert create["requestId"] == mapping.conference_request_id(event)

    # Reading the calendar finds our event under our UID.
    seen = (await read_all(http, google, grant, ALICE, None)).events
    assert [e.uid for e in seen] == [event.uid]


async def test_a_hold_is_tentative_and_provider_invitations_are_sent_by_google(
    google: Google, http: httpx.AsyncClient
) -> None:
    event = interview(status="tentative", provider_sends_invitations=True)
    handle = await adapter.put_event(http, google.grant(), ALICE, event, None, google.settings)
    [insert] = google.fake.api_requests("POST", f"/calendars/{ALICE}/events")
    assert insert.query["sendUpdates"] == "all"
    assert insert.json["status"] == "tentative"
    assert "conferenceData" not in insert.json
    assert handle.video_url is None
    # Its cancellation is mailed the same way.
    await adapter.delete_event(http, google.grant(), ALICE, handle, google.settings)
    [delete] = google.fake.api_requests("DELETE")
    assert delete.query["sendUpdates"] == "all"


def test_event_ids_are_base32hex_and_map_back() -> None:
    uid = "Interview-42@hireloop.test"
    event_id = mapping.event_id_for(uid)
    assert re.fullmatch(r"[a-v0-9]{5,1024}", event_id)
    assert mapping.uid_from_event_id(event_id) == uid
    long_id = mapping.event_id_for("x" * 2000)
    assert re.fullmatch(r"[a-v0-9]{5,1024}", long_id)
    # Should Google keep `<id>@google.com` as the iCalUID, the UID is still ours.
    item = {
        "id": event_id,
        "iCalUID": f"{event_id}@google.com",
        "start": {"dateTime": "2026-12-01T09:00:00Z"},
        "end": {"dateTime": "2026-12-01T10:00:00Z"},
    }
    remote = mapping.to_remote_event(item, mapping.zone("UTC"))
    assert remote is not None
    assert remote.uid == uid


async def test_update_is_conditional_on_the_etag(google: Google, http: httpx.AsyncClient) -> None:
    fake = google.fake
    grant = google.grant()
    event = interview()
    handle = await adapter.put_event(http, grant, ALICE, event, None, google.settings)
    moved = interview(event.uid, sequence=1, start=at(11, 9), end=at(11, 10))
    updated = await adapter.put_event(http, grant, ALICE, moved, handle, google.settings)
    assert updated.remote_id == handle.remote_id
    assert updated.etag != handle.etag
    [patch] = fake.api_requests("PATCH")
    assert patch.headers["if-match"] == handle.etag
    assert patch.query["sendUpdates"] == "none"
    assert fake.calendars[ALICE].events[handle.remote_id]["sequence"] == 1

    # The owner edits the event in Google Calendar: our etag is stale.
    fake.change_event(ALICE, handle.remote_id, summary="Moved by Alice")
    again = interview(event.uid, sequence=2, start=at(12, 9), end=at(12, 10))
    with pytest.raises(EventChanged):
        await adapter.put_event(http, grant, ALICE, again, updated, google.settings)
    assert fake.calendars[ALICE].events[handle.remote_id]["summary"] == "Moved by Alice"

    missing = EventHandle(remote_id="hl0000000000", etag='"1"')
    with pytest.raises(EventGone):
        await adapter.put_event(http, grant, ALICE, again, missing, google.settings)


async def test_update_of_an_event_its_owner_deleted_is_gone(
    google: Google, http: httpx.AsyncClient
) -> None:
    grant = google.grant()
    event = interview()
    handle = await adapter.put_event(http, grant, ALICE, event, None, google.settings)
    google.fake.cancel_event(ALICE, handle.remote_id)  # deleted in Google Calendar
    moved = interview(event.uid, sequence=1, start=at(11, 9), end=at(11, 10))
    with pytest.raises(EventGone):
        await adapter.put_event(http, grant, ALICE, moved, handle, google.settings)
    unconditional = EventHandle(remote_id=handle.remote_id)
    with pytest.raises(EventGone):
        await adapter.put_event(http, grant, ALICE, moved, unconditional, google.settings)
    assert google.fake.calendars[ALICE].events[handle.remote_id]["status"] == "cancelled"


async def test_update_asks_for_a_meet_link_only_when_the_event_has_none(
    google: Google, http: httpx.AsyncClient
) -> None:
    grant = google.grant()
    event = interview()
    handle = await adapter.put_event(http, grant, ALICE, event, None, google.settings)
    with_video = interview(event.uid, sequence=1, video=True)
    updated = await adapter.put_event(http, grant, ALICE, with_video, handle, google.settings)
    assert updated.video_url is not None
    later = interview(event.uid, sequence=2, video=True, summary="Renamed")
    final = await adapter.put_event(http, grant, ALICE, later, updated, google.settings)
    assert final.video_url == updated.video_url
    patches = google.fake.api_requests("PATCH")
    assert ["conferenceData" in p.json for p in patches] == [False, True, False]


async def test_delete_is_quiet_when_already_gone(google: Google, http: httpx.AsyncClient) -> None:
    grant = google.grant()
    handle = await adapter.put_event(http, grant, ALICE, interview(), None, google.settings)
    await adapter.delete_event(http, grant, ALICE, handle, google.settings)
    assert google.fake.calendars[ALICE].events[handle.remote_id]["status"] == "cancelled"
    await adapter.delete_event(http, grant, ALICE, handle, google.settings)  # already cancelled
    await adapter.delete_event(
        http, grant, ALICE, EventHandle(remote_id="hl00000000"), google.settings
    )
    [delete] = google.fake.api_requests("DELETE")
    assert delete.query["sendUpdates"] == "none"


async def test_insert_after_our_own_cancellation_brings_the_event_back(
    google: Google, http: httpx.AsyncClient
) -> None:
    grant = google.grant()
    event = interview()
    handle = await adapter.put_event(http, grant, ALICE, event, None, google.settings)
    await adapter.delete_event(http, grant, ALICE, handle, google.settings)
    rebooked = interview(event.uid, sequence=1)
    again = await adapter.put_event(http, grant, ALICE, rebooked, None, google.settings)
    assert again.remote_id == handle.remote_id
    stored = google.fake.calendars[ALICE].events[handle.remote_id]
    assert (stored["status"], stored["sequence"]) == ("confirmed", 1)


# --- rate limits ----------------------------------------------------------------------------------


async def test_429_with_retry_after_is_waited_out(google: Google, http: httpx.AsyncClient) -> None:
    grant = google.grant()
    await adapter.authorize(http, grant, google.settings)
    google.fake.fail_with_429(1, retry_after=0.3)
    started = time.monotonic()
    calendars = await adapter.list_calendars(http, grant, google.settings)
    assert time.monotonic() - started >= 0.3
    assert [c.id for c in calendars] == [ALICE]
    assert len(google.fake.api_requests("GET", "/users/me/calendarList")) == 2


@pytest.mark.parametrize("reason", ["rateLimitExceeded", "userRateLimitExceeded"])
async def test_403_rate_limit_is_retried(
    google: Google, http: httpx.AsyncClient, reason: str
) -> None:
    google.fake.fail_with_403_rate_limit(1, reason)
    calendars = await adapter.list_calendars(http, google.grant(), google.settings)
    assert [c.id for c in calendars] == [ALICE]
    assert len(google.fake.api_requests("GET", "/users/me/calendarList")) == 2


async def test_other_403s_are_not_retried(google: Google, http: httpx.AsyncClient) -> None:
    google.fake.fail_with_403_rate_limit(1, "forbiddenForNonOrganizer")
    with pytest.raises(CalendarError) as raised:
        await adapter.list_calendars(http, google.grant(), google.settings)
    assert raised.value.status == 403
    assert not raised.value.transient
    assert len(google.fake.api_requests("GET", "/users/me/calendarList")) == 1


# --- push ------------------------------------------------------------------------------------------


async def test_watch_and_unwatch(google: Google, http: httpx.AsyncClient) -> None:
    grant = google.grant()
    channel_id = str(uuid.uuid4())
    channel = await adapter.watch(
        http,
        grant,
        ALICE,
        callback_url="https://hireloop.test/hooks/calendars/google",
        channel_id=channel_id,
        token="channel-secret",
        settings=google.settings,
    )
    assert channel.id == channel_id
    assert channel.resource_id
    assert timedelta(days=6) < channel.expires_at - datetime.now(UTC) <= timedelta(days=7)
    [watch] = google.fake.api_requests("POST", "/events/watch")
    assert watch.json == {
        "id": channel_id,
        "token": "channel-secret",
        "type": "web_hook",
        "address": "https://hireloop.test/hooks/calendars/google",
        "params": {"ttl": "604800"},
    }
    await adapter.unwatch(http, grant, channel, google.settings)
    assert google.fake.channels[channel_id].stopped
    [stop] = google.fake.api_requests("POST", "/channels/stop")
    assert stop.json == {"id": channel_id, "resourceId": channel.resource_id}
    gone = Channel(id="unknown", resource_id="r", expires_at=datetime.now(UTC))
    await adapter.unwatch(http, grant, gone, google.settings)  # already stopped: fine


def lower(headers: dict[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


def test_parse_push_reads_the_headers() -> None:
    sync = lower(GoogleCalendarFake.push_headers("ch-1", "secret", "sync", 1))
    answer, [notice] = adapter.parse_push(sync, b"", {})
    assert (answer.status, answer.content) == (202, None)
    assert (notice.channel_id, notice.token, notice.kind) == ("ch-1", "secret", "sync")
    for state in ("exists", "not_exists"):
        headers = lower(GoogleCalendarFake.push_headers("ch-1", "secret", state, 2))
        _, [notice] = adapter.parse_push(headers, b"", {})
        assert notice.kind == "changed"
    _, [tokenless] = adapter.parse_push(
        lower(GoogleCalendarFake.push_headers("ch-2", None, "exists")), b"", {}
    )
    assert tokenless.token is None
    with pytest.raises(PushRefused):
        adapter.parse_push({"x-goog-resource-state": "exists"}, b"", {})
    with pytest.raises(PushRefused):
        adapter.parse_push({"x-goog-channel-id": "ch-1"}, b"{}", {})
