"""Calendars end to end with the production Google adapter against the local Google fake: an
admin connects the organization's service account, members are matched to mailboxes, push
channels are opened, a verified push brings a new meeting into the mirror within one worker
round, forged pushes are refused with nothing stored, a refused sync token leads to a full
read, a revoked grant moves the connection to needs_reauth, and a member connects their own
calendar through OAuth with PKCE (a replayed callback is refused)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import text

from app.db import Database
from app.integrations.calendars.google import auth
from app.settings import Settings
from tests.conftest import Tenant
from tests.fakes.google_calendar import GoogleCalendarFake
from tests.fakes.server import Forwarder, ServedApp
from tests.helpers_calendars import at_utc, blocks, work
from tests.helpers_interviews import API, events_of, monday, ok, problem
from tests.test_calendar_google import SA_EMAIL, key_file, key_pair

JSON = dict[str, Any]


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[Forwarder, str]]:
    switch = Forwarder()
    server = ServedApp(switch).start()
    try:
        yield switch, server.url
    finally:
        server.stop()


@pytest.fixture
def google(
    served: tuple[Forwarder, str], settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> tuple[GoogleCalendarFake, str]:
    switch, url = served
    auth.clear_token_cache()
    fake = GoogleCalendarFake()
    fake.add_service_account(SA_EMAIL, key_pair()[1])
    switch.target = fake.app
    # Google calls back only on https; the callback address is never called by the fake.
    monkeypatch.setattr(settings, "public_url", "https://hireloop.test")
    return fake, url


async def push(client: httpx.AsyncClient, headers: dict[str, str]) -> httpx.Response:
    return await client.post(f"{API}/calendar-push/google", headers=headers)


async def due_calendars(db: Database) -> int:
    async with db.engine.connect() as conn:
        return int(
            await conn.scalar(
                text("SELECT count(*) FROM member_calendars WHERE next_sync_at IS NOT NULL")
            )
            or 0
        )


async def test_organization_wide_google_with_push(
    client: httpx.AsyncClient,
    tenant: Tenant,
    db: Database,
    http: httpx.AsyncClient,
    settings: Settings,
    google: tuple[GoogleCalendarFake, str],
) -> None:
    fake, url = google
    ivy = await tenant.add("interviewer", "Ivy", time_zone="UTC")
    fake.add_user(ivy.member.email)
    tue = monday() + timedelta(days=1)
    fake.add_event(ivy.member.email, at_utc(tue, 10), at_utc(tue, 11))

    connection = ok(
        await client.post(
            f"{API}/calendar-connections",
            headers=tenant.admin.headers,
            json={
                "provider": "google",
                "credentials": {"service_account_json": key_file()},
                "base_url": f"{url}/calendar/v3",
            },
        ),
        201,
    )
    assert connection["scope"] == "organization"
    assert connection["credential_names"] == ["service_account_json"]
    assert "PRIVATE KEY" not in json.dumps(connection)
    await work(db, http, settings, rounds=4)

    (calendar,) = ok(await client.get(f"{API}/members/{ivy.id}/calendars", headers=ivy.headers))[
        "items"
    ]
    assert calendar["provider"] == "google"
    assert calendar["busy"]
    assert calendar["receives_interviews"]
    assert calendar["primary"]
    assert calendar["health"]["push"] == "channel"
    assert calendar["health"]["channel_expires_at"] is not None
    assert (at_utc(tue, 10), at_utc(tue, 11), False) in await blocks(db, ivy)
    seen = ok(
        await client.get(
            f"{API}/calendar-connections/{connection['id']}", headers=tenant.admin.headers
        )
    )
    unmatched = {u["email"] for u in seen["health"]["unmatched_members"]}
    assert tenant.admin.member.email in unmatched, "the admin has no mailbox at the fake"
    assert ivy.member.email not in unmatched
    (channel,) = fake.channels.values()
    assert channel.address == "https://hireloop.test/api/v1/calendar-push/google"

    # A forged push: refused, nothing marked due.
    refused = await push(client, fake.push_headers(channel.id, "not-the-token", "exists"))
    problem(refused, 401)
    problem(await push(client, fake.push_headers("no-such-channel", channel.token, "exists")), 401)
    problem(await push(client, {"X-Goog-Resource-State": "exists"}), 422)
    assert await due_calendars(db) == 0

    # A meeting added at Google; its push brings it in at the next round.
    fake.add_event(ivy.member.email, at_utc(tue, 14), at_utc(tue, 15))
    answered = await push(client, fake.push_headers(channel.id, channel.token, "exists"))
    assert answered.status_code == 202
    assert await due_calendars(db) == 1
    await work(db, http, settings)
    assert (at_utc(tue, 14), at_utc(tue, 15), False) in await blocks(db, ivy)

    # Google refuses the sync token: the calendar is read in full and nothing is lost.
    fake.invalidate_sync_tokens()
    fake.add_event(ivy.member.email, at_utc(tue, 16), at_utc(tue, 17))
    assert (
        await push(client, fake.push_headers(channel.id, channel.token, "exists"))
    ).status_code == 202
    await work(db, http, settings, rounds=4)
    starts = [s for s, _, _ in await blocks(db, ivy)]
    assert {at_utc(tue, 10), at_utc(tue, 14), at_utc(tue, 16)} <= set(starts)

    # The service account loses its delegation: the connection needs reauthorization.
    fake.service_accounts.clear()
    auth.clear_token_cache()
    assert (
        await push(client, fake.push_headers(channel.id, channel.token, "exists"))
    ).status_code == 202
    await work(db, http, settings)
    after = ok(
        await client.get(
            f"{API}/calendar-connections/{connection['id']}", headers=tenant.admin.headers
        )
    )
    assert after["status"] == "needs_reauth"
    assert await events_of(db, tenant.organization_id, "calendar.needs_reauth")
    # Its busy time is unknown now, and suggestions say so.
    async with db.engine.connect() as conn:
        status = await conn.scalar(
            text("SELECT status FROM calendar_connections WHERE id = :id"),
            {"id": connection["id"]},
        )
    assert status == "needs_reauth"


async def test_a_member_connects_their_own_google_calendar_with_pkce(
    client: httpx.AsyncClient,
    tenant: Tenant,
    db: Database,
    settings: Settings,
    google: tuple[GoogleCalendarFake, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake, url = google
    ivy = await tenant.add("interviewer", "Ivy", time_zone="UTC")
    unconfigured = await client.post(
        f"{API}/calendar-connections/oauth/start",
        headers=ivy.headers,
        json={"provider": "google"},
    )
    assert "HIRELOOP_GOOGLE_OAUTH_CLIENT_ID" in problem(unconfigured, 422)["detail"]
    monkeypatch.setattr(settings, "google_oauth_client_id", fake.client_id)
    monkeypatch.setattr(settings, "google_oauth_client_secret", fake.client_secret)
    monkeypatch.setattr(settings, "google_oauth_base_url", url)
    monkeypatch.setattr(settings, "google_calendar_api_url", f"{url}/calendar/v3")

    started = ok(
        await client.post(
            f"{API}/calendar-connections/oauth/start",
            headers=ivy.headers,
            json={"provider": "google"},
        )
    )
    query = {k: v[0] for k, v in parse_qs(urlsplit(started["consent_url"]).query).items()}
    assert (
        query["redirect_uri"] == "https://hireloop.test/api/v1/calendar-connections/oauth/callback"
    )
    assert query["login_hint"] == ivy.member.email
    fake.add_user(ivy.member.email)
    code = fake.consent(started["consent_url"], ivy.member.email)

    wrong = await client.get(
        f"{API}/calendar-connections/oauth/callback", params={"code": code, "state": "forged"}
    )
    assert problem(wrong, 400)["errors"][0]["field"] == "state"
    connected = ok(
        await client.get(
            f"{API}/calendar-connections/oauth/callback",
            params={"code": code, "state": query["state"]},
        ),
        201,
    )
    assert connected["scope"] == "member"
    assert connected["member_id"] == str(ivy.id)
    assert connected["account_email"] == ivy.member.email
    assert "refresh_token" in connected["credential_names"]
    replay = await client.get(
        f"{API}/calendar-connections/oauth/callback",
        params={"code": code, "state": query["state"]},
    )
    problem(replay, 400)
    (calendar,) = ok(await client.get(f"{API}/members/{ivy.id}/calendars", headers=ivy.headers))[
        "items"
    ]
    assert calendar["busy"]
    assert calendar["receives_interviews"]
    async with db.engine.connect() as conn:
        stored = await conn.scalar(
            text("SELECT credentials_encrypted FROM calendar_connections WHERE id = :id"),
            {"id": connected["id"]},
        )
    assert stored
    assert "refresh" not in stored, "tokens are encrypted at rest"
    assert await events_of(db, tenant.organization_id, "calendar.connected")


def member_oauth(
    settings: Settings, fake: GoogleCalendarFake, url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "google_oauth_client_id", fake.client_id)
    monkeypatch.setattr(settings, "google_oauth_client_secret", fake.client_secret)
    monkeypatch.setattr(settings, "google_oauth_base_url", url)
    monkeypatch.setattr(settings, "google_calendar_api_url", f"{url}/calendar/v3")


async def consent(
    client: httpx.AsyncClient,
    fake: GoogleCalendarFake,
    who: Any,
    access: str,
    granted: list[str] | None = None,
) -> tuple[list[str], httpx.Response]:
    """Start a member's consent asking for `access`, consent at the fake (leaving `granted`
    ticked), and follow the callback: the scopes asked for, and the callback's answer."""
    started = ok(
        await client.post(
            f"{API}/calendar-connections/oauth/start",
            headers=who.headers,
            json={"provider": "google", "access": access},
        )
    )
    query = {k: v[0] for k, v in parse_qs(urlsplit(started["consent_url"]).query).items()}
    code = fake.consent(started["consent_url"], who.member.email, granted)
    answer = await client.get(
        f"{API}/calendar-connections/oauth/callback",
        params={"code": code, "state": query["state"]},
    )
    return query["scope"].split(), answer


async def test_a_member_who_grants_only_free_busy_is_polled_and_never_written(
    client: httpx.AsyncClient,
    tenant: Tenant,
    db: Database,
    http: httpx.AsyncClient,
    settings: Settings,
    google: tuple[GoogleCalendarFake, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake, url = google
    member_oauth(settings, fake, url, monkeypatch)
    ivy = await tenant.add("interviewer", "Ivy", time_zone="UTC")
    fake.add_user(ivy.member.email)
    tue = monday() + timedelta(days=1)
    meeting = fake.add_event(ivy.member.email, at_utc(tue, 10), at_utc(tue, 11), summary="1:1")

    asked, answer = await consent(client, fake, ivy, "free_busy")
    assert asked == ["openid", "email", auth.SCOPE_FREEBUSY], "nothing beyond free/busy"
    connected = ok(answer, 201)
    assert connected["access"] == "free_busy"
    assert connected["account_email"] == ivy.member.email
    (calendar,) = ok(await client.get(f"{API}/members/{ivy.id}/calendars", headers=ivy.headers))[
        "items"
    ]
    assert calendar["busy"]
    assert not calendar["can_write"]
    assert not calendar["receives_interviews"]
    refused = await client.patch(
        f"{API}/calendars/{calendar['id']}", headers=ivy.headers, json={"receives_interviews": True}
    )
    assert problem(refused, 422)["errors"][0]["field"] == "receives_interviews"

    await work(db, http, settings, rounds=4)
    assert await blocks(db, ivy) == [(at_utc(tue, 10), at_utc(tue, 11), False)]
    assert not fake.channels, "a free/busy grant cannot watch: it is polled"
    paths = {r.path for r in fake.requests if "/calendar/v3/" in r.path}
    assert paths == {"/calendar/v3/freeBusy"}, "only freeBusy is ever called"
    (calendar,) = ok(await client.get(f"{API}/members/{ivy.id}/calendars", headers=ivy.headers))[
        "items"
    ]
    assert calendar["health"]["status"] == "ok"
    assert calendar["health"]["push"] == "polling"

    # The meeting moves an hour later: the next poll replaces the block.
    fake.cancel_event(ivy.member.email, meeting["id"])
    fake.add_event(ivy.member.email, at_utc(tue, 14), at_utc(tue, 15))
    async with db.engine.begin() as conn:
        await conn.execute(text("UPDATE member_calendars SET next_sync_at = now()"))
    await work(db, http, settings)
    assert await blocks(db, ivy) == [(at_utc(tue, 14), at_utc(tue, 15), False)]


async def test_what_the_member_unticks_at_consent_is_what_the_connection_may_do(
    client: httpx.AsyncClient,
    tenant: Tenant,
    db: Database,
    settings: Settings,
    google: tuple[GoogleCalendarFake, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake, url = google
    member_oauth(settings, fake, url, monkeypatch)
    ivy = await tenant.add("interviewer", "Ivy", time_zone="UTC")
    fake.add_user(ivy.member.email)

    # Asked for read-write, the member left only "see your availability" ticked.
    asked, answer = await consent(
        client, fake, ivy, "read_write", ["openid", "email", auth.SCOPE_FREEBUSY]
    )
    assert set(auth.SCOPES) <= set(asked)
    assert ok(answer, 201)["access"] == "free_busy"

    # And with nothing of the calendar ticked, nothing is saved.
    before = await events_of(db, tenant.organization_id, "calendar.connected")
    _asked, answer = await consent(client, fake, ivy, "read_write", ["openid", "email"])
    refusal = problem(answer, 400)
    assert refusal["errors"][0]["field"] == "code"
    assert "availability" in refusal["detail"]
    assert await events_of(db, tenant.organization_id, "calendar.connected") == before
    connections = ok(await client.get(f"{API}/calendar-connections", headers=ivy.headers))
    assert [c["access"] for c in connections["items"]] == ["free_busy"]


async def test_channels_are_closed_when_a_calendar_stops_counting_or_is_disconnected(
    client: httpx.AsyncClient,
    tenant: Tenant,
    db: Database,
    http: httpx.AsyncClient,
    settings: Settings,
    google: tuple[GoogleCalendarFake, str],
) -> None:
    fake, url = google
    ivy = await tenant.add("interviewer", "Ivy", time_zone="UTC")
    fake.add_user(ivy.member.email)
    connection = ok(
        await client.post(
            f"{API}/calendar-connections",
            headers=tenant.admin.headers,
            json={
                "provider": "google",
                "credentials": {"service_account_json": key_file()},
                "base_url": f"{url}/calendar/v3",
            },
        ),
        201,
    )
    await work(db, http, settings, rounds=4)
    (first,) = fake.channels.values()
    (calendar,) = ok(await client.get(f"{API}/members/{ivy.id}/calendars", headers=ivy.headers))[
        "items"
    ]
    ok(
        await client.patch(
            f"{API}/calendars/{calendar['id']}", headers=ivy.headers, json={"busy": False}
        )
    )
    await work(db, http, settings)
    assert [c.stopped for c in fake.channels.values()] == [True], "closed at Google"
    problem(await push(client, fake.push_headers(first.id, first.token, "exists")), 401)

    ok(
        await client.patch(
            f"{API}/calendars/{calendar['id']}", headers=ivy.headers, json={"busy": True}
        )
    )
    await work(db, http, settings)
    (second,) = [c for c in fake.channels.values() if not c.stopped]
    assert second.id != first.id
    deleted = await client.delete(
        f"{API}/calendar-connections/{connection['id']}", headers=tenant.admin.headers
    )
    assert deleted.status_code == 204
    await work(db, http, settings)
    assert all(c.stopped for c in fake.channels.values())
    async with db.engine.connect() as conn:
        assert await conn.scalar(text("SELECT count(*) FROM calendar_channel_stops")) == 0
