"""The Microsoft Graph calendar adapter against a local fake of Graph and the identity
platform's token endpoint, served over real HTTP on 127.0.0.1 (no database)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import secrets
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import Response

from app.integrations.calendars.base import (
    Access,
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
    PushAnswer,
    PushingCalendarAdapter,
    PushNotice,
    PushRefused,
    RemoteEvent,
    SyncTokenInvalid,
)
from app.integrations.calendars.microsoft import auth, mapping
from app.integrations.calendars.microsoft.adapter import GraphCalendarAdapter, adapter
from app.integrations.calendars.registry import adapter_for
from app.settings import Settings
from tests.conftest import make_settings
from tests.fakes.microsoft_graph import GraphFake
from tests.fakes.server import Forwarder, ServedApp

ADAPTER = GraphCalendarAdapter(page_size=2)
DAY = datetime(2026, 12, 14, tzinfo=UTC)  # a Monday
WINDOW = (DAY - timedelta(days=7), DAY + timedelta(days=60))

# The adapter satisfies both extended protocols (checked by mypy).
_pushing: PushingCalendarAdapter = adapter
_oauth: OAuthCalendarAdapter = adapter


@dataclass
class Graph:
    fake: GraphFake
    url: str
    settings: Settings

    @property
    def api(self) -> str:
        return f"{self.url}/v1.0"

    def app_grant(self, subject: str) -> Grant:
        self.fake.add_mailbox(subject)
        return Grant(
            provider="microsoft",
            values={
                "tenant_id": self.fake.tenant,
                "client_id": self.fake.client_id,
                "client_secret": self.fake.client_secret,
            },
            subject=subject,
            base_url=self.api,
        )

    def client(self) -> OAuthClient:
        return OAuthClient(
            client_id=self.fake.client_id,
            client_secret=self.fake.client_secret,
            redirect_uri="https://hireloop.test/oauth/microsoft/callback",
            tenant=self.fake.tenant,
            base_url=self.url,
        )


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.decode().rstrip("=")


def mailbox(name: str) -> str:
    return f"{name}.{uuid.uuid4().hex[:6]}@contoso.test"


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[Forwarder, str]]:
    switch = Forwarder()
    server = ServedApp(switch).start()
    try:
        yield switch, server.url
    finally:
        server.stop()


@pytest.fixture
def graph(served: tuple[Forwarder, str]) -> Graph:
    auth.clear_token_cache()
    switch, url = served
    fake = GraphFake(client_id=f"app-{uuid.uuid4().hex[:8]}")
    switch.target = fake.app
    return Graph(fake, url, make_settings())


async def consented_grant(
    graph: Graph, http: httpx.AsyncClient, email: str, access: Access = "read_write"
) -> Grant:
    """A member's grant as the OAuth flow leaves it (consent, redirect, code exchange)."""
    graph.fake.add_mailbox(email)
    verifier, challenge = pkce()
    consent = ADAPTER.consent_url(
        graph.client(), state="st-1", code_challenge=challenge, login_hint=email, access=access
    )
    redirect = await http.get(consent.url)
    assert redirect.status_code == 302
    code = parse_qs(urlsplit(redirect.headers["location"]).query)["code"][0]
    tokens = await ADAPTER.exchange_code(
        http,
        graph.client(),
        code=code,
        code_verifier=verifier,
        settings=graph.settings,
        access=access,
    )
    assert "client_secret" not in tokens.values  # the OAuth app is the deployment's
    return Grant(
        provider="microsoft",
        # As the domain builds a member's grant: the deployment's OAuth app, then their own.
        values={
            "client_id": graph.fake.client_id,
            "client_secret": graph.fake.client_secret,
            "tenant_id": graph.fake.tenant,
            **tokens.values,
        },
        base_url=graph.api,
        access_token=tokens.access_token,
        access_expires_at=tokens.access_expires_at,
    )


def interview(uid: str, **changes: Any) -> EventWrite:
    values: dict[str, Any] = {
        "uid": uid,
        "sequence": 0,
        "summary": "Interview: Ada Lovelace",
        "description": "Panel interview",
        "start": DAY + timedelta(hours=9),
        "end": DAY + timedelta(hours=10),
        "attendees": (Attendee("ada@candidates.test", "Ada"), Attendee("bob@contoso.test")),
        "location": "Room 4",
    }
    values.update(changes)
    return EventWrite(**values)


# --- credentials -------------------------------------------------------------------------


def test_registry_resolves_the_adapter() -> None:
    assert adapter_for("microsoft") is adapter
    assert adapter.provider == "microsoft"
    assert adapter.pushes is True


async def test_client_credentials_token_is_requested_once_and_cached(
    graph: Graph, http: httpx.AsyncClient
) -> None:
    grant = graph.app_grant(mailbox("recruiting"))
    await ADAPTER.list_calendars(http, grant, graph.settings)
    other = graph.app_grant(mailbox("panel"))
    await ADAPTER.list_calendars(http, other, graph.settings)
    [token_call] = graph.fake.token_requests()
    assert token_call.path == f"/{graph.fake.tenant}/oauth2/v2.0/token"
    assert token_call.form["grant_type"] == "client_credentials"
    assert token_call.form["scope"] == "https://graph.microsoft.com/.default"
    assert token_call.form["client_secret"] == graph.fake.client_secret
    assert grant.access_token == other.access_token
    assert grant.access_expires_at is not None
    assert grant.access_expires_at > datetime.now(UTC) + timedelta(minutes=50)
    assert graph.fake.graph_requests("GET", f"/v1.0/users/{grant.subject}/calendars")


async def test_wrong_client_secret_needs_reauth(graph: Graph, http: httpx.AsyncClient) -> None:
    grant = graph.app_grant(mailbox("recruiting"))
    grant.values["client_secret"] = "rotated-away"
    with pytest.raises(NeedsReauth, match="invalid_client"):
        await ADAPTER.authorize(http, grant, graph.settings)


async def test_consent_url_carries_pkce_and_least_privilege_scopes(graph: Graph) -> None:
    _verifier, challenge = pkce()
    consent = ADAPTER.consent_url(
        graph.client(), state="xyz", code_challenge=challenge, login_hint="ada@contoso.test"
    )
    parts = urlsplit(consent.url)
    assert parts.path == f"/{graph.fake.tenant}/oauth2/v2.0/authorize"
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert query["code_challenge"] == challenge
    assert query["code_challenge_method"] == "S256"
    assert query["response_type"] == "code"
    assert query["state"] == "xyz"
    assert query["login_hint"] == "ada@contoso.test"
    assert query["redirect_uri"] == graph.client().redirect_uri
    assert query["scope"].split() == ["offline_access", "Calendars.ReadWrite"]
    free_busy = ADAPTER.consent_url(
        graph.client(), state="s", code_challenge=challenge, login_hint=None, access="free_busy"
    )
    scope = parse_qs(urlsplit(free_busy.url).query)["scope"][0].split()
    assert scope == ["offline_access", "Calendars.Read", "Calendars.ReadBasic"]
    default = ADAPTER.consent_url(
        OAuthClient("id", "secret", "https://x.test/cb"),
        state="s",
        code_challenge=challenge,
        login_hint=None,
    )
    assert default.url.startswith("https://login.microsoftonline.com/common/oauth2/v2.0/authorize?")


async def test_code_exchange_with_pkce_then_delegated_reads(
    graph: Graph, http: httpx.AsyncClient
) -> None:
    email = mailbox("interviewer")
    grant = await consented_grant(graph, http, email)
    assert grant.values["email"] == email
    assert grant.values["refresh_token"]
    [exchange] = graph.fake.token_requests("authorization_code")
    assert exchange.form["code_verifier"]
    assert exchange.form["redirect_uri"] == graph.client().redirect_uri
    calendars = await ADAPTER.list_calendars(http, grant, graph.settings)
    assert [c.primary for c in calendars] == [True]
    assert graph.fake.graph_requests("GET", "/v1.0/me/calendars")
    assert await ADAPTER.whoami(http, grant, graph.settings) == email


async def test_code_exchange_with_the_wrong_verifier_needs_reauth(
    graph: Graph, http: httpx.AsyncClient
) -> None:
    email = mailbox("interviewer")
    graph.fake.add_mailbox(email)
    _verifier, challenge = pkce()
    consent = ADAPTER.consent_url(
        graph.client(), state="s", code_challenge=challenge, login_hint=email
    )
    location = (await http.get(consent.url)).headers["location"]
    code = parse_qs(urlsplit(location).query)["code"][0]
    with pytest.raises(NeedsReauth, match="invalid_grant"):
        await ADAPTER.exchange_code(
            http,
            graph.client(),
            code=code,
            code_verifier="not-the-verifier",
            settings=graph.settings,
        )


async def test_refresh_before_expiry_stores_the_rotated_refresh_token(
    graph: Graph, http: httpx.AsyncClient
) -> None:
    grant = await consented_grant(graph, http, mailbox("interviewer"))
    first_refresh = grant.values["refresh_token"]
    await ADAPTER.authorize(http, grant, graph.settings)  # fresh for an hour: nothing to do
    assert graph.fake.token_requests("refresh_token") == []
    assert grant.changed is False
    grant.access_expires_at = datetime.now(UTC) + timedelta(seconds=30)  # inside the margin
    old_access = grant.access_token
    await ADAPTER.authorize(http, grant, graph.settings)
    [refresh] = graph.fake.token_requests("refresh_token")
    assert refresh.form["refresh_token"] == first_refresh
    assert grant.access_token != old_access
    assert grant.values["refresh_token"] != first_refresh
    assert grant.changed is True


async def test_a_members_grant_refreshes_through_the_deployments_oauth_app(
    graph: Graph, http: httpx.AsyncClient
) -> None:
    member = await consented_grant(graph, http, mailbox("interviewer"))
    own = {k: member.values[k] for k in ("refresh_token", "scope", "email")}
    grant = Grant(provider="microsoft", values=own, base_url=graph.api)
    settings = make_settings(
        microsoft_oauth_client_id=graph.fake.client_id,
        microsoft_oauth_client_secret=graph.fake.client_secret,
        microsoft_oauth_tenant=graph.fake.tenant,
    )
    await ADAPTER.authorize(http, grant, settings)
    [refresh] = graph.fake.token_requests("refresh_token")
    assert refresh.path == f"/{graph.fake.tenant}/oauth2/v2.0/token"
    assert refresh.form["client_id"] == graph.fake.client_id
    assert grant.changed is True
    assert set(grant.values) == {"refresh_token", "scope", "email"}


async def test_revoked_refresh_token_needs_reauth(graph: Graph, http: httpx.AsyncClient) -> None:
    email = mailbox("interviewer")
    grant = await consented_grant(graph, http, email)
    graph.fake.revoke(email)
    graph.fake.expire_access_tokens()
    grant.access_expires_at = datetime.now(UTC)
    with pytest.raises(NeedsReauth):
        await ADAPTER.list_calendars(http, grant, graph.settings)


async def test_a_401_fetches_a_new_token_once(graph: Graph, http: httpx.AsyncClient) -> None:
    grant = graph.app_grant(mailbox("recruiting"))
    await ADAPTER.list_calendars(http, grant, graph.settings)
    graph.fake.expire_access_tokens()  # revoked early, though our cache thinks it is fresh
    await ADAPTER.list_calendars(http, grant, graph.settings)
    assert len(graph.fake.token_requests("client_credentials")) == 2


# --- reading -------------------------------------------------------------------------------


async def test_list_calendars_maps_default_and_write_access(
    graph: Graph, http: httpx.AsyncClient
) -> None:
    subject = mailbox("recruiting")
    grant = graph.app_grant(subject)
    shared = graph.fake.add_calendar(subject, "Team (read only)", can_edit=False)
    calendars = {c.id: c for c in await ADAPTER.list_calendars(http, grant, graph.settings)}
    default = calendars[graph.fake.default_calendar_id(subject)]
    assert (default.name, default.primary, default.can_write) == ("Calendar", True, True)
    assert (calendars[shared].primary, calendars[shared].can_write) == (False, False)


async def read_all(
    http: httpx.AsyncClient, grant: Grant, calendar_id: str, settings: Settings, token: str | None
) -> tuple[list[Any], str | None, int]:
    pages, page = 0, None
    items: list[Any] = []
    while True:
        result = await ADAPTER.read_changes(
            http,
            grant,
            calendar_id,
            sync_token=token,
            page=page,
            window_start=WINDOW[0],
            window_end=WINDOW[1],
            settings=settings,
        )
        pages += 1
        assert result.full is (token is None)
        items.extend(result.events)
        items.extend(result.removed)
        if result.next_page is None:
            return items, result.sync_token, pages
        assert result.sync_token is None
        page = result.next_page


async def test_full_delta_read_pages_then_an_incremental_read_sees_update_and_removal(
    graph: Graph, http: httpx.AsyncClient
) -> None:
    subject = mailbox("interviewer")
    grant = graph.app_grant(subject)
    cid = graph.fake.default_calendar_id(subject)
    fake = graph.fake
    made = [
        fake.add_event(
            subject, start=DAY + timedelta(hours=h), end=DAY + timedelta(hours=h, minutes=30)
        )
        for h in (8, 9, 10, 11)
    ]
    berlin = fake.add_event(
        subject,
        start=datetime(2026, 12, 15, 9, tzinfo=UTC),
        end=datetime(2026, 12, 15, 10, tzinfo=UTC),
        time_zone="Europe/Berlin",
        event_type="occurrence",
        original_start=datetime(2026, 12, 15, 8, tzinfo=UTC),
        response="tentativelyAccepted",
        attendees=[("Ada@Candidates.test", "accepted"), ("bob@contoso.test", "declined")],
    )
    fake.add_event(subject, start=DAY + timedelta(days=200), end=DAY + timedelta(days=200, hours=1))

    items, token, pages = await read_all(http, grant, cid, graph.settings, None)
    assert pages == 3  # five events in the window, two a page
    assert token is not None
    assert {e.remote_id for e in items} == {e["id"] for e in [*made, berlin]}
    first = fake.graph_requests("GET", "/calendarView/delta")[0]
    assert first.query["startDateTime"] == "2026-12-07T00:00:00Z"
    assert 'outlook.timezone="UTC"' in first.headers["prefer"]
    assert "odata.maxpagesize=2" in first.headers["prefer"]
    occurrence = next(e for e in items if e.remote_id == berlin["id"])
    assert isinstance(occurrence, RemoteEvent)
    assert occurrence.start == datetime(2026, 12, 15, 9, tzinfo=UTC)
    assert occurrence.end == datetime(2026, 12, 15, 10, tzinfo=UTC)
    assert occurrence.uid == berlin["iCalUId"]
    assert occurrence.recurrence_id == "2026-12-15T08:00:00Z"
    assert occurrence.self_response == "tentative"
    assert occurrence.responses == {
        "ada@candidates.test": "accepted",
        "bob@contoso.test": "declined",
    }
    assert occurrence.etag == berlin["@odata.etag"]
    assert occurrence.tentative
    assert occurrence.blocks

    fake.update_event(subject, made[0]["id"], showAs="free")
    fake.remove_event(subject, made[1]["id"])
    added = fake.add_event(subject, start=DAY + timedelta(hours=15), end=DAY + timedelta(hours=16))
    changes, next_token, _pages = await read_all(http, grant, cid, graph.settings, token)
    changed = {c.remote_id: c for c in changes}
    assert set(changed) == {made[0]["id"], made[1]["id"], added["id"]}
    assert isinstance(changed[made[0]["id"]], RemoteEvent)
    assert changed[made[0]["id"]].transparent is True
    removed = changed[made[1]["id"]]
    assert not isinstance(removed, RemoteEvent)
    assert removed.uid is None
    assert next_token is not None
    assert next_token != token
    nothing, _t, _p = await read_all(http, grant, cid, graph.settings, next_token)
    assert nothing == []


def global_object_id(uid: str | None, instance: str = "00000000") -> str:
    """Graph's iCalUId as Exchange makes it: a GlobalObjectId in hex, carrying a foreign UID
    (an .ics invitation's) behind "vCal-Uid", or Exchange's own 16 bytes."""
    data = (
        b"vCal-Uid\x01\x00\x00\x00" + uid.encode() + b"\x00"
        if uid is not None
        else bytes.fromhex("974D2325BAEA914F9E0C97EC5173BF48")
    )
    return (
        "040000008200E00074C5B7101A82E008"
        + instance
        + "0" * 32
        + len(data).to_bytes(4, "little").hex()
        + data.hex()
    ).upper()


async def test_reads_name_our_events_and_ics_invitations_by_our_uid(
    graph: Graph, http: httpx.AsyncClient
) -> None:
    subject = mailbox("interviewer")
    grant = graph.app_grant(subject)
    cid = graph.fake.default_calendar_id(subject)
    fake = graph.fake
    written = await ADAPTER.put_event(
        http, grant, cid, interview("iv-1@hireloop"), None, graph.settings
    )
    at = DAY + timedelta(hours=14)
    from_ics = fake.add_event(
        subject, start=at, end=at + timedelta(hours=1), ical_uid=global_object_id("iv-2@hireloop")
    )
    series = [
        fake.add_event(
            subject,
            start=at + timedelta(days=d),
            end=at + timedelta(days=d, hours=1),
            event_type="occurrence",
            original_start=at + timedelta(days=d),
            ical_uid=global_object_id(None, instance=f"07EA0C{15 + d:02X}"),
        )
        for d in (1, 2)
    ]
    items, _token, _pages = await read_all(http, grant, cid, graph.settings, None)
    by_id = {e.remote_id: e for e in items}
    assert by_id[written.remote_id].uid == "iv-1@hireloop"
    assert by_id[from_ics["id"]].uid == "iv-2@hireloop"
    first, second = (by_id[e["id"]] for e in series)
    assert first.uid == second.uid == global_object_id(None)
    assert first.recurrence_id != second.recurrence_id


async def test_an_all_day_event_blocks_its_day_in_its_own_zone(
    graph: Graph, http: httpx.AsyncClient
) -> None:
    subject = mailbox("interviewer")
    grant = graph.app_grant(subject)
    berlin = ZoneInfo("Europe/Berlin")
    day_off = graph.fake.add_event(
        subject,
        start=datetime(2026, 12, 15, tzinfo=berlin),
        end=datetime(2026, 12, 16, tzinfo=berlin),
        is_all_day=True,
        time_zone="Europe/Berlin",
        show_as="oof",
    )
    items, _token, _pages = await read_all(
        http, grant, graph.fake.default_calendar_id(subject), graph.settings, None
    )
    [event] = items
    assert event.remote_id == day_off["id"]
    assert event.start == datetime(2026, 12, 14, 23, tzinfo=UTC)
    assert event.end == datetime(2026, 12, 15, 23, tzinfo=UTC)
    assert event.blocks


@pytest.mark.parametrize("code", ["syncStateNotFound", "resyncRequired"])
async def test_an_invalidated_delta_link_raises_sync_token_invalid(
    graph: Graph, http: httpx.AsyncClient, code: str
) -> None:
    subject = mailbox("interviewer")
    grant = graph.app_grant(subject)
    cid = graph.fake.default_calendar_id(subject)
    _items, token, _pages = await read_all(http, grant, cid, graph.settings, None)
    graph.fake.invalidate_delta_links(code)
    with pytest.raises(SyncTokenInvalid):
        await read_all(http, grant, cid, graph.settings, token)


async def test_free_cancelled_and_declined_events_do_not_block(
    graph: Graph, http: httpx.AsyncClient
) -> None:
    subject = mailbox("interviewer")
    grant = graph.app_grant(subject)
    cid = graph.fake.default_calendar_id(subject)
    fake = graph.fake
    at = DAY + timedelta(hours=9)
    free = fake.add_event(subject, start=at, end=at + timedelta(hours=1), show_as="free")
    cancelled = fake.add_event(subject, start=at, end=at + timedelta(hours=1), is_cancelled=True)
    declined = fake.add_event(subject, start=at, end=at + timedelta(hours=1), response="declined")
    pending = fake.add_event(
        subject, start=at, end=at + timedelta(hours=1), response="notResponded"
    )
    busy = fake.add_event(subject, start=at + timedelta(hours=2), end=at + timedelta(hours=3))
    hold = fake.add_event(
        subject, start=at + timedelta(hours=4), end=at + timedelta(hours=5), show_as="tentative"
    )
    items, _token, _pages = await read_all(http, grant, cid, graph.settings, None)
    by_id = {e.remote_id: e for e in items}
    assert not by_id[free["id"]].blocks
    assert by_id[cancelled["id"]].status == "cancelled"
    assert not by_id[cancelled["id"]].blocks
    assert by_id[declined["id"]].self_response == "declined"
    assert not by_id[declined["id"]].blocks
    assert by_id[pending["id"]].self_response == "needs_action"
    assert by_id[pending["id"]].blocks
    assert by_id[pending["id"]].tentative
    assert by_id[busy["id"]].blocks
    assert not by_id[busy["id"]].tentative
    assert by_id[hold["id"]].status == "tentative"

    answer = await ADAPTER.free_busy(
        http, {"m": (grant, [cid])}, DAY, DAY + timedelta(days=1), graph.settings
    )
    intervals = answer.busy["m"]
    assert intervals is not None
    assert [(b.start, b.end, b.tentative) for b in intervals] == [
        (at, at + timedelta(hours=1), False),  # the unanswered invitation
        (at + timedelta(hours=2), at + timedelta(hours=3), False),
        (at + timedelta(hours=4), at + timedelta(hours=5), True),
    ]


async def test_get_schedule_is_chunked_and_an_errored_schedule_is_unknown(
    graph: Graph, http: httpx.AsyncClient
) -> None:
    people = [mailbox(f"p{n}") for n in range(45)]
    grants = {p: (graph.app_grant(p), ["ignored"]) for p in people}
    graph.fake.schedule_errors.add(people[7].lower())
    start = DAY
    end = DAY + timedelta(days=70)
    late = DAY + timedelta(days=65, hours=10)
    graph.fake.add_event(people[3], start=late, end=late + timedelta(hours=1), show_as="oof")
    graph.fake.add_event(people[3], start=DAY, end=DAY + timedelta(hours=1))
    answer = await ADAPTER.free_busy(http, grants, start, end, graph.settings)
    calls = graph.fake.graph_requests("POST", "/calendar/getSchedule")
    assert len(calls) == 6  # three chunks of at most 20 people, times two ranges under 62 days
    for call in calls:
        body = call.json
        assert len(body["schedules"]) <= 20
        assert call.path.startswith("/v1.0/users/")
        span = mapping.parse_graph_time(body["endTime"]) - mapping.parse_graph_time(
            body["startTime"]
        )
        assert span < timedelta(days=62)
        assert body["availabilityViewInterval"] > 0
    asked = sorted(s.lower() for call in calls for s in call.json["schedules"])
    assert asked == sorted(p.lower() for p in people for _ in range(2))
    assert answer.busy[people[7]] is None
    assert people[7] in answer.errors
    assert [(b.start, b.end) for b in answer.busy[people[3]] or []] == [
        (DAY, DAY + timedelta(hours=1)),
        (late, late + timedelta(hours=1)),
    ]
    assert answer.busy[people[0]] == []
    assert sum(1 for v in answer.busy.values() if v is None) == 1


async def test_free_busy_never_raises_for_one_account(
    graph: Graph, http: httpx.AsyncClient
) -> None:
    ok = graph.app_grant(mailbox("ok"))
    broken = graph.app_grant(mailbox("broken"))
    broken.values["tenant_id"] = "another-tenant"  # its token request fails
    answer = await ADAPTER.free_busy(
        http, {"ok": (ok, []), "broken": (broken, [])}, DAY, DAY + timedelta(days=1), graph.settings
    )
    assert answer.busy["ok"] == []
    assert answer.busy["broken"] is None
    assert "broken" in answer.errors


async def test_delegated_free_busy_asks_for_the_members_own_schedule(
    graph: Graph, http: httpx.AsyncClient
) -> None:
    email = mailbox("member")
    grant = await consented_grant(graph, http, email)
    graph.fake.add_event(email, start=DAY, end=DAY + timedelta(hours=1))
    answer = await ADAPTER.free_busy(
        http, {"me": (grant, [])}, DAY, DAY + timedelta(days=1), graph.settings
    )
    assert [(b.start, b.end) for b in answer.busy["me"] or []] == [(DAY, DAY + timedelta(hours=1))]
    [call] = graph.fake.graph_requests("POST", "/calendar/getSchedule")
    assert call.path == "/v1.0/me/calendar/getSchedule"
    assert call.json["schedules"] == [email]


# --- writing -------------------------------------------------------------------------------


async def test_create_is_idempotent_on_retry_and_sends_no_invitations(
    graph: Graph, http: httpx.AsyncClient
) -> None:
    subject = mailbox("organizer")
    grant = graph.app_grant(subject)
    cid = graph.fake.default_calendar_id(subject)
    event = interview("iv-123@hireloop.test", video=True, status="tentative")
    first = await ADAPTER.put_event(http, grant, cid, event, None, graph.settings)
    again = await ADAPTER.put_event(http, grant, cid, event, None, graph.settings)
    assert again.remote_id == first.remote_id
    [stored] = graph.fake.events_of(subject)
    assert stored["transactionId"] == mapping.transaction_id("iv-123@hireloop.test")
    assert stored["_extended"] == [{"id": mapping.UID_PROPERTY_ID, "value": "iv-123@hireloop.test"}]
    assert stored["attendees"] == []  # Hireloop's .ics is the only invitation
    assert graph.fake.invitations == []
    assert stored["showAs"] == "tentative"
    assert stored["onlineMeetingProvider"] == "teamsForBusiness"
    assert first.video_url == stored["onlineMeeting"]["joinUrl"]
    assert first.etag == stored["@odata.etag"]
    assert stored["start"]["dateTime"].startswith("2026-12-14T09:00:00")
    assert stored["location"] == {"displayName": "Room 4"}

    invited = interview("iv-456@hireloop.test", provider_sends_invitations=True)
    await ADAPTER.put_event(http, grant, cid, invited, None, graph.settings)
    [(_id, addresses)] = graph.fake.invitations
    assert addresses == ["ada@candidates.test", "bob@contoso.test"]


async def test_a_create_whose_answer_was_lost_is_retried_into_the_same_event(
    graph: Graph, http: httpx.AsyncClient
) -> None:
    subject = mailbox("organizer")
    grant = graph.app_grant(subject)
    cid = graph.fake.default_calendar_id(subject)
    graph.fake.lose_create_responses(1)
    handle = await ADAPTER.put_event(http, grant, cid, interview("iv-lost"), None, graph.settings)
    posts = graph.fake.graph_requests("POST", "/events")
    assert len(posts) == 2
    assert posts[0].json["transactionId"] == posts[1].json["transactionId"]
    [stored] = graph.fake.events_of(subject)
    assert stored["id"] == handle.remote_id


async def test_a_free_busy_only_member_can_read_but_not_write(
    graph: Graph, http: httpx.AsyncClient
) -> None:
    email = mailbox("member")
    grant = await consented_grant(graph, http, email, access="free_busy")
    assert grant.values["scope"] == "offline_access Calendars.Read Calendars.ReadBasic"
    graph.fake.add_event(email, start=DAY, end=DAY + timedelta(hours=1))
    answer = await ADAPTER.free_busy(
        http, {"me": (grant, [])}, DAY, DAY + timedelta(days=1), graph.settings
    )
    assert answer.busy["me"] is not None
    assert len(answer.busy["me"]) == 1
    cid = graph.fake.default_calendar_id(email)
    page = await ADAPTER.read_changes(
        http,
        grant,
        cid,
        sync_token=None,
        page=None,
        window_start=WINDOW[0],
        window_end=WINDOW[1],
        settings=graph.settings,
    )
    assert len(page.events) == 1
    with pytest.raises(CalendarError) as refused:
        await ADAPTER.put_event(http, grant, cid, interview("iv-x"), None, graph.settings)
    assert refused.value.status == 403


async def test_a_delta_link_from_another_root_means_a_full_read(
    graph: Graph, http: httpx.AsyncClient
) -> None:
    grant = graph.app_grant(mailbox("interviewer"))
    with pytest.raises(SyncTokenInvalid):
        await ADAPTER.read_changes(
            http,
            grant,
            "cal",
            sync_token="https://elsewhere.test/v1.0/me/calendarView/delta?$deltatoken=x",
            page=None,
            window_start=WINDOW[0],
            window_end=WINDOW[1],
            settings=graph.settings,
        )
    assert graph.fake.graph_requests() == []


async def test_update_is_conditional_on_the_etag(graph: Graph, http: httpx.AsyncClient) -> None:
    subject = mailbox("organizer")
    grant = graph.app_grant(subject)
    cid = graph.fake.default_calendar_id(subject)
    handle = await ADAPTER.put_event(http, grant, cid, interview("iv-1"), None, graph.settings)
    moved = interview(
        "iv-1", sequence=1, start=DAY + timedelta(hours=13), end=DAY + timedelta(hours=14)
    )
    updated = await ADAPTER.put_event(http, grant, cid, moved, handle, graph.settings)
    assert updated.remote_id == handle.remote_id
    assert updated.etag != handle.etag
    [patch] = graph.fake.graph_requests("PATCH")
    assert patch.headers["if-match"] == handle.etag
    assert "transactionId" not in patch.json
    graph.fake.update_event(subject, handle.remote_id, subject="Edited in Outlook")
    with pytest.raises(EventChanged):
        await ADAPTER.put_event(http, grant, cid, moved, updated, graph.settings)
    graph.fake.remove_event(subject, handle.remote_id)
    with pytest.raises(EventGone):
        await ADAPTER.put_event(http, grant, cid, moved, updated, graph.settings)


async def test_delete_tolerates_an_event_already_gone(
    graph: Graph, http: httpx.AsyncClient
) -> None:
    subject = mailbox("organizer")
    grant = graph.app_grant(subject)
    cid = graph.fake.default_calendar_id(subject)
    handle = await ADAPTER.put_event(http, grant, cid, interview("iv-9"), None, graph.settings)
    await ADAPTER.delete_event(http, grant, cid, handle, graph.settings)
    assert graph.fake.events_of(subject) == []
    await ADAPTER.delete_event(http, grant, cid, handle, graph.settings)
    assert len(graph.fake.graph_requests("DELETE")) == 2


async def test_a_mailbox_outside_the_access_policy_is_refused(
    graph: Graph, http: httpx.AsyncClient
) -> None:
    inside = graph.app_grant(mailbox("inside"))
    outside = graph.app_grant(mailbox("ceo"))
    graph.fake.access_policy = {str(inside.subject).lower()}
    await ADAPTER.list_calendars(http, inside, graph.settings)
    with pytest.raises(CalendarError) as refused:
        await ADAPTER.list_calendars(http, outside, graph.settings)
    assert refused.value.status == 403
    assert refused.value.transient is False


# --- politeness ----------------------------------------------------------------------------


async def test_a_429_is_waited_out_for_its_retry_after(
    graph: Graph, http: httpx.AsyncClient
) -> None:
    grant = graph.app_grant(mailbox("busy"))
    graph.fake.throttle(1, retry_after=1)
    started = time.monotonic()
    calendars = await ADAPTER.list_calendars(http, grant, graph.settings)
    assert time.monotonic() - started >= 0.95
    assert len(calendars) == 1
    assert len(graph.fake.graph_requests("GET", "/calendars")) == 2


async def test_at_most_four_requests_at_once_per_mailbox(
    graph: Graph, http: httpx.AsyncClient
) -> None:
    first = graph.app_grant(mailbox("first"))
    second = graph.app_grant(mailbox("second"))
    graph.fake.latency = 0.05
    await asyncio.gather(
        *(ADAPTER.list_calendars(http, g, graph.settings) for g in [first, second] * 10)
    )
    assert graph.fake.max_in_flight[str(first.subject).lower()] == 4
    assert graph.fake.max_in_flight[str(second.subject).lower()] == 4


# --- push ----------------------------------------------------------------------------------


async def test_subscription_create_renew_delete(graph: Graph, http: httpx.AsyncClient) -> None:
    subject = mailbox("interviewer")
    grant = graph.app_grant(subject)
    cid = graph.fake.default_calendar_id(subject)
    before = datetime.now(UTC)
    channel = await ADAPTER.watch(
        http,
        grant,
        cid,
        callback_url="https://hireloop.test/push/microsoft",
        channel_id="our-proposal",
        token="client-state-secret",
        settings=graph.settings,
    )
    sub = graph.fake.subscriptions[channel.id]
    assert channel.id != "our-proposal"
    assert sub["changeType"] == "created,updated,deleted"
    assert sub["notificationUrl"] == "https://hireloop.test/push/microsoft"
    assert sub["lifecycleNotificationUrl"] == "https://hireloop.test/push/microsoft"
    assert sub["clientState"] == "client-state-secret"
    assert sub["resource"] == f"users/{subject}/calendars/{cid}/events"
    assert channel.resource_id == sub["resource"]
    assert before + timedelta(hours=60) < channel.expires_at < before + timedelta(minutes=4230)
    renewed = await ADAPTER.renew(http, grant, channel, graph.settings, minutes=60)
    assert renewed.id == channel.id
    assert renewed.expires_at < channel.expires_at
    assert graph.fake.graph_requests("PATCH", f"/subscriptions/{channel.id}")
    await ADAPTER.unwatch(http, grant, renewed, graph.settings)
    assert graph.fake.subscriptions == {}
    await ADAPTER.unwatch(http, grant, renewed, graph.settings)  # already gone: fine
    with pytest.raises(CalendarError) as gone:
        await ADAPTER.renew(http, grant, channel, graph.settings)
    assert gone.value.status == 404


async def test_subscription_validation_handshake_against_a_receiver(
    graph: Graph, http: httpx.AsyncClient
) -> None:
    """Graph validates notificationUrl and lifecycleNotificationUrl when a subscription is
    made; a receiver answering with parse_push passes."""
    receiver = FastAPI()

    async def callback(request: Request) -> Response:
        answer, _notices = adapter.parse_push(
            {k.lower(): v for k, v in request.headers.items()},
            await request.body(),
            dict(request.query_params),
        )
        return Response(answer.content, status_code=answer.status, media_type=answer.media_type)

    receiver.add_api_route("/push/microsoft", callback, methods=["POST"])
    served = ServedApp(receiver).start()
    try:
        graph.fake.validate_endpoints = True
        subject = mailbox("interviewer")
        grant = graph.app_grant(subject)
        channel = await ADAPTER.watch(
            http,
            grant,
            graph.fake.default_calendar_id(subject),
            callback_url=f"{served.url}/push/microsoft",
            channel_id="c",
            token="s",
            settings=graph.settings,
        )
        assert channel.id in graph.fake.subscriptions
        assert graph.fake.validations == [f"{served.url}/push/microsoft"]
    finally:
        served.stop()


def test_parse_push_answers_the_validation_handshake() -> None:
    token = "Validation: Testing client application reachability for subscription Request-Id: 1"
    answer, notices = adapter.parse_push({}, b"", {"validationToken": token})
    assert answer == PushAnswer(status=200, content=token, media_type="text/plain")
    assert notices == []


async def test_parse_push_reads_change_and_lifecycle_notifications(
    graph: Graph, http: httpx.AsyncClient
) -> None:
    subject = mailbox("interviewer")
    grant = graph.app_grant(subject)
    channel: Channel = await ADAPTER.watch(
        http,
        grant,
        graph.fake.default_calendar_id(subject),
        callback_url="https://hireloop.test/push/microsoft",
        channel_id="c",
        token="the-client-state",
        settings=graph.settings,
    )
    headers = {"content-type": "application/json"}
    answer, notices = adapter.parse_push(headers, graph.fake.notification(channel.id), {})
    assert answer.status == 202
    assert answer.content is None
    assert notices == [PushNotice(channel_id=channel.id, token="the-client-state", kind="changed")]
    for event, kind in [
        ("reauthorizationRequired", "reauthorize"),
        ("subscriptionRemoved", "removed"),
        ("missed", "missed"),
    ]:
        body = graph.fake.lifecycle_notification(channel.id, event)
        answer, notices = adapter.parse_push(headers, body, {})
        assert answer.status == 202
        assert [(n.channel_id, n.token, n.kind) for n in notices] == [
            (channel.id, "the-client-state", kind)
        ]
    two = json.loads(graph.fake.notification(channel.id, change_type="created"))
    two["value"].append({**two["value"][0], "changeType": "deleted"})
    _answer, notices = adapter.parse_push(headers, json.dumps(two).encode(), {})
    assert len(notices) == 2


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'{"value": "nope"}',
        b'{"value": []}',
        b'{"value": [{"changeType": "updated", "clientState": "x"}]}',
        b'{"value": [{"subscriptionId": "s", "clientState": "x"}]}',
        b'{"value": [{"subscriptionId": "s", "lifecycleEvent": "somethingElse"}]}',
    ],
)
def test_parse_push_refuses_a_body_that_is_not_a_notification(body: bytes) -> None:
    with pytest.raises(PushRefused):
        adapter.parse_push({}, body, {})


def test_mapping_reads_windows_zones_and_seven_digit_fractions() -> None:
    moment = mapping.parse_graph_time(
        {"dateTime": "2026-07-01T09:00:00.0000000", "timeZone": "Pacific Standard Time"}
    )
    assert moment == datetime(2026, 7, 1, 16, tzinfo=UTC)
    with pytest.raises(CalendarError):
        mapping.parse_graph_time({"dateTime": "2026-07-01T09:00:00", "timeZone": "Mars/Olympus"})
    handle = EventHandle(remote_id="x")
    assert handle.etag is None


async def test_a_free_busy_consent_yields_a_read_only_grant(
    graph: Graph, http: httpx.AsyncClient
) -> None:
    email = mailbox("interviewer")
    graph.fake.add_mailbox(email)
    verifier, challenge = pkce()
    consent = ADAPTER.consent_url(
        graph.client(), state="s", code_challenge=challenge, login_hint=email, access="free_busy"
    )
    location = (await http.get(consent.url)).headers["location"]
    code = parse_qs(urlsplit(location).query)["code"][0]
    tokens = await ADAPTER.exchange_code(
        http,
        graph.client(),
        code=code,
        code_verifier=verifier,
        settings=graph.settings,
        access="free_busy",
    )
    assert tokens.access == "free_busy"
    assert "Calendars.ReadWrite" not in tokens.values["scope"]


def test_what_was_granted_decides_the_access() -> None:
    granted_access = auth.granted_access
    prefixed = "https://graph.microsoft.com/Calendars.ReadWrite offline_access"
    assert granted_access("read_write", prefixed) == "read_write"
    assert granted_access("free_busy", prefixed) == "free_busy", "never more than asked"
    assert granted_access("read_write", "Calendars.Read offline_access") == "free_busy"
    with pytest.raises(NeedsReauth, match=r"Calendars\.Read"):
        granted_access("read_write", "Calendars.ReadBasic offline_access")
