"""Calendars end to end with the production Microsoft Graph adapter against the local Graph
fake (identity platform token endpoint and Graph v1.0, served on 127.0.0.1): an admin connects
the organization's app registration, members are matched to mailboxes by email, subscriptions
are opened, Graph's validation handshake is answered, a verified change notification brings a
new meeting into the mirror within one worker round, forged or malformed notifications are
refused with nothing stored, lifecycle notifications renew or reopen the subscription, an
invalidated delta link leads to a full read, interviews are written to, moved in and deleted
from the interviewer's Graph calendar (without attendees, since Hireloop invites), a meeting
added in Outlook after the suggestion turns the booking into a 409 through getSchedule, and a
revoked client secret moves the connection to needs_reauth."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from app.db import Database
from app.integrations.calendars.microsoft import auth
from app.settings import Settings
from tests.conftest import Person, Tenant
from tests.fakes.microsoft_graph import GraphFake
from tests.fakes.server import Forwarder, ServedApp
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
CALLBACK = "https://hireloop.test/api/v1/calendar-push/microsoft"


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[Forwarder, str]]:
    switch = Forwarder()
    # The app's own HTTP client may keep a connection to the fake open: don't wait for it.
    server = ServedApp(switch, timeout_graceful_shutdown=1).start()
    try:
        yield switch, server.url
    finally:
        server.stop()


@pytest.fixture
def graph(
    served: tuple[Forwarder, str], settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> tuple[GraphFake, str]:
    switch, url = served
    auth.clear_token_cache()
    fake = GraphFake()
    switch.target = fake.app
    # Graph calls back only on https; the callback address is never called by the fake.
    monkeypatch.setattr(settings, "public_url", "https://hireloop.test")
    return fake, url


def credentials(fake: GraphFake, **override: str) -> dict[str, str]:
    return {
        "tenant_id": fake.tenant,
        "client_id": fake.client_id,
        "client_secret": fake.client_secret,
        **override,
    }


async def post_connection(
    client: httpx.AsyncClient, tenant: Tenant, fake: GraphFake, url: str, **override: str
) -> httpx.Response:
    # base_url is the Graph root; the adapter derives the token endpoint from its scheme and
    # host: {scheme://host}/{tenant_id}/oauth2/v2.0/token, which the fake serves too.
    return await client.post(
        f"{API}/calendar-connections",
        headers=tenant.admin.headers,
        json={
            "provider": "microsoft",
            "credentials": credentials(fake, **override),
            "base_url": f"{url}/v1.0",
        },
    )


async def connect(
    client: httpx.AsyncClient,
    tenant: Tenant,
    fake: GraphFake,
    url: str,
    monkeypatch: pytest.MonkeyPatch,
    **override: str,
) -> httpx.Response:
    """POST /calendar-connections for an organization-wide Microsoft connection."""
    return await post_connection(client, tenant, fake, url, **override)


async def connected(
    client: httpx.AsyncClient,
    tenant: Tenant,
    fake: GraphFake,
    url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> JSON:
    created: JSON = ok(await connect(client, tenant, fake, url, monkeypatch), 201)
    return created


async def due_calendars(db: Database) -> int:
    async with db.engine.connect() as conn:
        return int(
            await conn.scalar(
                text("SELECT count(*) FROM member_calendars WHERE next_sync_at IS NOT NULL")
            )
            or 0
        )


async def channel_of(db: Database, member: Person) -> tuple[str | None, datetime | None, str]:
    async with db.engine.connect() as conn:
        row = (
            await conn.execute(
                text(
                    "SELECT channel_id, channel_expires_at, channel_token_hash "
                    "FROM member_calendars WHERE member_id = :m AND busy"
                ),
                {"m": member.id},
            )
        ).one()
    return row[0], row[1], row[2]


def only_subscription(fake: GraphFake) -> JSON:
    (subscription,) = fake.subscriptions.values()
    return subscription


async def notify(client: httpx.AsyncClient, body: bytes) -> httpx.Response:
    return await client.post(
        f"{API}/calendar-push/microsoft",
        content=body,
        headers={"Content-Type": "application/json"},
    )


def tampered(body: bytes, **fields: Any) -> bytes:
    document = json.loads(body)
    document["value"][0].update(fields)
    return json.dumps(document).encode()


async def test_an_admin_connects_microsoft_organization_wide(
    client: httpx.AsyncClient, tenant: Tenant, graph: tuple[GraphFake, str]
) -> None:
    """Without any workaround: the documented way an admin connects Microsoft 365."""
    fake, url = graph
    created = ok(await post_connection(client, tenant, fake, url), 201)
    assert created["scope"] == "organization"
    assert fake.token_requests("client_credentials"), "the credentials were really checked"


async def test_a_wrong_client_secret_is_refused_at_connect_and_saves_nothing(
    client: httpx.AsyncClient,
    tenant: Tenant,
    db: Database,
    graph: tuple[GraphFake, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake, url = graph
    wrong = await connect(client, tenant, fake, url, monkeypatch, client_secret="not-the-secret")
    body = problem(wrong, 422)
    assert body["errors"][0]["field"] == "credentials"
    assert "invalid_client" in body["detail"]
    assert "not-the-secret" not in wrong.text
    async with db.engine.connect() as conn:
        assert await conn.scalar(text("SELECT count(*) FROM calendar_connections")) == 0


async def test_organization_wide_microsoft_with_subscriptions(
    client: httpx.AsyncClient,
    tenant: Tenant,
    db: Database,
    http: httpx.AsyncClient,
    settings: Settings,
    graph: tuple[GraphFake, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake, url = graph
    ivy = await tenant.add("interviewer", "Ivy", time_zone="UTC")
    fake.add_mailbox(ivy.member.email)
    tue = monday() + timedelta(days=1)
    early = fake.add_event(ivy.member.email, start=at_utc(tue, 10), end=at_utc(tue, 11))
    fake.add_event(ivy.member.email, start=at_utc(tue, 12), end=at_utc(tue, 13), show_as="free")

    connection = await connected(client, tenant, fake, url, monkeypatch)
    assert connection["scope"] == "organization"
    assert connection["provider"] == "microsoft"
    assert connection["credential_names"] == ["client_id", "client_secret", "tenant_id"]
    assert fake.client_secret not in json.dumps(connection)
    await work(db, http, settings, rounds=4)

    (calendar,) = ok(await client.get(f"{API}/members/{ivy.id}/calendars", headers=ivy.headers))[
        "items"
    ]
    assert calendar["provider"] == "microsoft"
    assert calendar["busy"]
    assert calendar["receives_interviews"]
    assert calendar["primary"]
    assert calendar["health"]["status"] == "ok"
    assert calendar["health"]["push"] == "channel"
    assert calendar["health"]["channel_expires_at"] is not None
    mirrored = await blocks(db, ivy)
    assert (at_utc(tue, 10), at_utc(tue, 11), False) in mirrored
    assert at_utc(tue, 12) not in [s for s, _, _ in mirrored], "a free event does not block"
    seen = ok(
        await client.get(
            f"{API}/calendar-connections/{connection['id']}", headers=tenant.admin.headers
        )
    )
    unmatched = {u["email"]: u["reason"] for u in seen["health"]["unmatched_members"]}
    assert unmatched.get(tenant.admin.member.email), "the admin has no mailbox: named, with why"
    assert ivy.member.email not in unmatched

    subscription = only_subscription(fake)
    calendar_id = fake.default_calendar_id(ivy.member.email)
    assert subscription["notificationUrl"] == CALLBACK
    assert subscription["lifecycleNotificationUrl"] == CALLBACK
    assert subscription["resource"] == f"users/{ivy.member.email}/calendars/{calendar_id}/events"
    assert set(subscription["changeType"].split(",")) == {"created", "updated", "deleted"}
    client_state = subscription["clientState"]
    assert client_state
    assert len(client_state) <= 128
    channel_id, _expires, token_hash = await channel_of(db, ivy)
    assert channel_id == subscription["id"], "keyed on the id Graph assigned"
    assert client_state not in token_hash, "only an HMAC of the clientState is kept"

    # Graph's validation handshake, as on create and renew: the token back as text/plain.
    token = (
        "Validation: Testing client application reachability for subscription Request-Id: "
        + str(uuid.uuid4())
    )
    handshake = await client.post(
        f"{API}/calendar-push/microsoft", params={"validationToken": token}
    )
    assert handshake.status_code == 200
    assert handshake.headers["content-type"].startswith("text/plain")
    assert handshake.text == token

    # Forged and malformed notifications: refused, nothing marked due.
    genuine = fake.notification(subscription["id"], change_type="created")
    problem(await notify(client, tampered(genuine, clientState="not-the-secret")), 401)
    problem(await notify(client, tampered(genuine, clientState=None)), 401)
    problem(await notify(client, tampered(genuine, subscriptionId=str(uuid.uuid4()))), 401)
    mixed = json.loads(genuine)
    mixed["value"].append({**mixed["value"][0], "clientState": "forged"})
    problem(await notify(client, json.dumps(mixed).encode()), 401)
    for malformed in (b"not json", b"{}", b'{"value": []}', b'{"value": [{"changeType": "x"}]}'):
        answer = await notify(client, malformed)
        assert 400 <= answer.status_code < 500, (malformed, answer.status_code)
        assert answer.status_code != 401
    assert await due_calendars(db) == 0

    # A meeting added in Outlook; its notification brings it in at the next round.
    fake.add_event(ivy.member.email, start=at_utc(tue, 14), end=at_utc(tue, 15))
    answered = await notify(client, fake.notification(subscription["id"], change_type="created"))
    assert answered.status_code == 202
    assert await due_calendars(db) == 1
    await work(db, http, settings)
    assert await due_calendars(db) == 0
    assert (at_utc(tue, 14), at_utc(tue, 15), False) in await blocks(db, ivy)
    assert fake.graph_requests("GET", "calendarView/delta")[-1].query.keys() == {"$deltatoken"}

    # Deleted and moved in Outlook: the delta read's @removed row and update are mirrored.
    fake.remove_event(ivy.member.email, early["id"])
    answered = await notify(client, fake.notification(subscription["id"], change_type="deleted"))
    assert answered.status_code == 202
    await work(db, http, settings)
    starts = [s for s, _, _ in await blocks(db, ivy)]
    assert at_utc(tue, 10) not in starts
    assert at_utc(tue, 14) in starts

    # Graph no longer knows the delta link: the calendar is read in full and nothing is lost;
    # what was deleted meanwhile leaves the mirror.
    fake.invalidate_delta_links()
    fake.add_event(ivy.member.email, start=at_utc(tue, 16), end=at_utc(tue, 17))
    gone = fake.add_event(ivy.member.email, start=at_utc(tue, 8), end=at_utc(tue, 9))
    answered = await notify(client, fake.notification(subscription["id"]))
    assert answered.status_code == 202
    await work(db, http, settings, rounds=4)
    starts = [s for s, _, _ in await blocks(db, ivy)]
    assert {at_utc(tue, 8), at_utc(tue, 14), at_utc(tue, 16)} <= set(starts)
    full_reads = [
        r for r in fake.graph_requests("GET", "calendarView/delta") if "startDateTime" in r.query
    ]
    assert len(full_reads) == 2, "the first read and the resync"
    fake.invalidate_delta_links()
    fake.remove_event(ivy.member.email, gone["id"])
    await notify(client, fake.notification(subscription["id"]))
    await work(db, http, settings, rounds=4)
    starts = [s for s, _, _ in await blocks(db, ivy)]
    assert at_utc(tue, 8) not in starts, "unseen by the full read: gone"
    assert {at_utc(tue, 14), at_utc(tue, 16)} <= set(starts)

    # The client secret is revoked in Entra ID: the connection needs reauthorization.
    fake.client_secret = "rotated-" + uuid.uuid4().hex
    fake.expire_access_tokens()
    auth.clear_token_cache()
    answered = await notify(client, fake.notification(subscription["id"]))
    assert answered.status_code == 202
    await work(db, http, settings)
    after = ok(
        await client.get(
            f"{API}/calendar-connections/{connection['id']}", headers=tenant.admin.headers
        )
    )
    assert after["status"] == "needs_reauth"
    assert "invalid_client" in after["status_reason"]
    (event,) = await events_of(db, tenant.organization_id, "calendar.needs_reauth")
    assert event["data"]["provider"] == "microsoft"
    assert event["data"]["connection_id"] == connection["id"]

    # The admin gives the new secret: the connection is active again and reads resume.
    fake.add_event(ivy.member.email, start=at_utc(tue, 18), end=at_utc(tue, 19))
    resumed = ok(
        await client.patch(
            f"{API}/calendar-connections/{connection['id']}",
            headers=tenant.admin.headers,
            json={"credentials": credentials(fake)},
        )
    )
    assert resumed["status"] == "active"
    await work(db, http, settings)
    assert (at_utc(tue, 18), at_utc(tue, 19), False) in await blocks(db, ivy)


async def test_lifecycle_notifications_renew_and_reopen_the_subscription(
    client: httpx.AsyncClient,
    tenant: Tenant,
    db: Database,
    http: httpx.AsyncClient,
    settings: Settings,
    graph: tuple[GraphFake, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake, url = graph
    ivy = await tenant.add("interviewer", "Ivy", time_zone="UTC")
    fake.add_mailbox(ivy.member.email)
    tue = monday() + timedelta(days=1)
    await connected(client, tenant, fake, url, monkeypatch)
    await work(db, http, settings, rounds=4)
    first = only_subscription(fake)["id"]
    assert (await channel_of(db, ivy))[0] == first

    # reauthorizationRequired: due now, and the next round replaces the subscription.
    fake.add_event(ivy.member.email, start=at_utc(tue, 9), end=at_utc(tue, 10))
    answered = await notify(client, fake.lifecycle_notification(first, "reauthorizationRequired"))
    assert answered.status_code == 202
    assert await due_calendars(db) == 1
    await work(db, http, settings)
    second = only_subscription(fake)["id"]
    assert second != first, "a new subscription, the old one deleted"
    channel_id, expires, _hash = await channel_of(db, ivy)
    assert channel_id == second
    assert expires is not None
    assert expires > datetime.now(UTC) + timedelta(hours=24)
    assert (at_utc(tue, 9), at_utc(tue, 10), False) in await blocks(db, ivy)

    # The old subscription's notifications are no longer accepted.
    stale = json.loads(fake.notification(second))
    stale["value"][0]["subscriptionId"] = first
    problem(await notify(client, json.dumps(stale).encode()), 401)

    # subscriptionRemoved: Graph dropped it; the next round opens a new one.
    removed = fake.lifecycle_notification(second, "subscriptionRemoved")
    del fake.subscriptions[second]
    fake.add_event(ivy.member.email, start=at_utc(tue, 11), end=at_utc(tue, 12))
    answered = await notify(client, removed)
    assert answered.status_code == 202
    assert await due_calendars(db) == 1
    await work(db, http, settings)
    third = only_subscription(fake)["id"]
    assert third not in (first, second)
    assert (await channel_of(db, ivy))[0] == third
    assert (at_utc(tue, 11), at_utc(tue, 12), False) in await blocks(db, ivy)

    # missed: notifications were lost; the calendar is read again.
    fake.add_event(ivy.member.email, start=at_utc(tue, 13), end=at_utc(tue, 14))
    answered = await notify(client, fake.lifecycle_notification(third, "missed"))
    assert answered.status_code == 202
    assert await due_calendars(db) == 1
    await work(db, http, settings)
    assert (at_utc(tue, 13), at_utc(tue, 14), False) in await blocks(db, ivy)
    assert await due_calendars(db) == 0


async def test_interviews_land_move_and_leave_the_graph_calendar(
    client: httpx.AsyncClient,
    tenant: Tenant,
    db: Database,
    http: httpx.AsyncClient,
    settings: Settings,
    graph: tuple[GraphFake, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake, url = graph
    hiring = await interviewing_application(client, tenant)
    ivy = await tenant.add("interviewer", "Ivy", time_zone="UTC")
    fake.add_mailbox(ivy.member.email)
    connection = await connected(client, tenant, fake, url, monkeypatch)
    assert connection["invitations"] == "hireloop"
    await work(db, http, settings, rounds=4)
    tue = monday() + timedelta(days=1)

    created = ok(
        await schedule(
            client, hiring.recruiter, hiring.app_id, [slot("technical", at_utc(tue, 10), 60, [ivy])]
        ),
        201,
    )
    interview = created[0]
    await work(db, http, settings)
    (event,) = fake.events_of(ivy.member.email)
    written_etag = event["@odata.etag"]
    assert event["transactionId"] == f"hireloop:{interview['ical_uid']}"
    assert event["attendees"] == [], "Hireloop sends the invitations: Graph must not"
    assert fake.invitations == []
    assert event["start"]["dateTime"].startswith(f"{at_utc(tue, 10):%Y-%m-%dT%H:%M:%S}")
    assert "Ann Lee" in event["subject"]
    # Read back, our own event is not busy time on top of the interview itself.
    await make_all_due(db)
    await work(db, http, settings)
    assert await blocks(db, ivy) == []

    # Ivy renames it in Outlook: our next write is no longer conditional on a current ETag,
    # and is made over her version (the interview's time is ours).
    fake.update_event(ivy.member.email, event["id"], subject="Ann (prep first!)")
    moved = ok(
        await client.post(
            f"{API}/interviews/{interview['id']}/reschedule",
            headers=hiring.recruiter.headers,
            json={
                # Overlapping its own current time, which getSchedule shows as busy.
                "start_at": iso(at_utc(tue, 10) + timedelta(minutes=30)),
                "end_at": iso(at_utc(tue, 11) + timedelta(minutes=30)),
                "reason": "Ivy asked to move it",
            },
        )
    )
    assert moved["ical_sequence"] == 1
    await work(db, http, settings)
    (again,) = fake.events_of(ivy.member.email)
    assert again["id"] == event["id"], "updated in place"
    assert again["start"]["dateTime"].startswith(f"{at_utc(tue, 10):%Y-%m-%dT%H}:30:00")
    assert again["attendees"] == []
    stale, forced = fake.graph_requests("PATCH", f"/events/{event['id']}")
    assert stale.headers.get("if-match") == written_etag, "conditional on what we wrote: 412"
    assert "if-match" not in forced.headers
    assert again["subject"].startswith("Interview: Ann Lee")

    ok(
        await client.post(
            f"{API}/interviews/{interview['id']}/cancel",
            headers=hiring.recruiter.headers,
            json={"reason": "Role paused"},
        )
    )
    await work(db, http, settings)
    assert fake.events_of(ivy.member.email) == []
    assert fake.graph_requests("DELETE", f"/events/{event['id']}")

    # When the connection lets Graph invite, the attendees are written (and Graph mails them).
    ok(
        await client.patch(
            f"{API}/calendar-connections/{connection['id']}",
            headers=tenant.admin.headers,
            json={"invitations": "provider"},
        )
    )
    ok(
        await schedule(
            client, hiring.recruiter, hiring.app_id, [slot("technical", at_utc(tue, 15), 60, [ivy])]
        ),
        201,
    )
    await work(db, http, settings)
    (invited,) = fake.events_of(ivy.member.email)
    assert [a["emailAddress"]["address"] for a in invited["attendees"]] == [ivy.member.email]
    assert fake.invitations == [(invited["id"], [ivy.member.email])]


async def test_writing_the_interview_is_not_the_interviewers_answer(
    client: httpx.AsyncClient,
    tenant: Tenant,
    db: Database,
    http: httpx.AsyncClient,
    settings: Settings,
    graph: tuple[GraphFake, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake, url = graph
    hiring = await interviewing_application(client, tenant)
    ivy = await tenant.add("interviewer", "Ivy", time_zone="UTC")
    fake.add_mailbox(ivy.member.email)
    await connected(client, tenant, fake, url, monkeypatch)
    await work(db, http, settings, rounds=4)
    tue = monday() + timedelta(days=1)
    interview = (
        ok(
            await schedule(
                client,
                hiring.recruiter,
                hiring.app_id,
                [slot("technical", at_utc(tue, 10), 60, [ivy])],
            ),
            201,
        )
    )[0]
    await work(db, http, settings)
    assert fake.events_of(ivy.member.email)
    # The change notification for our own write arrives, and the calendar is read.
    await make_all_due(db)
    await work(db, http, settings)
    seen = ok(
        await client.get(f"{API}/interviews/{interview['id']}", headers=hiring.recruiter.headers)
    )
    assert {p["member_id"]: p["response"] for p in seen["interviewers"]} == {
        str(ivy.id): "needs_action"
    }, "Ivy has not answered anything"
    assert await events_of(db, tenant.organization_id, "interview.responded") == []


async def test_a_meeting_added_in_outlook_after_the_suggestion_is_a_409(
    client: httpx.AsyncClient,
    tenant: Tenant,
    db: Database,
    http: httpx.AsyncClient,
    settings: Settings,
    graph: tuple[GraphFake, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake, url = graph
    hiring = await interviewing_application(client, tenant)
    ivy = await tenant.add("interviewer", "Ivy", time_zone="UTC")
    bo = await tenant.add("interviewer", "Bo", time_zone="UTC")
    fake.add_mailbox(ivy.member.email)
    fake.add_mailbox(bo.member.email)
    await connected(client, tenant, fake, url, monkeypatch)
    await work(db, http, settings, rounds=4)
    tue = monday() + timedelta(days=1)
    found = ok(
        await suggest(
            client,
            hiring.recruiter,
            hiring.app_id,
            [stage("technical", 60, [ivy, bo], required=2)],
            at_utc(tue, 9),
            at_utc(tue, 17),
        )
    )
    chosen = datetime.fromisoformat(found["suggestions"][0]["start_at"])
    # Added a minute ago in Outlook, not yet notified nor read by any worker.
    fake.add_event(ivy.member.email, start=chosen, end=chosen + timedelta(minutes=60))
    asked = len(fake.graph_requests("POST", "getSchedule"))
    refused = problem(
        await schedule(
            client, hiring.recruiter, hiring.app_id, [slot("technical", chosen, 60, [ivy, bo])]
        ),
        409,
    )
    assert "Ivy is no longer free" in refused["detail"]
    assert "Bo" not in refused["detail"]
    (request,) = fake.graph_requests("POST", "getSchedule")[asked:]
    assert request.path.endswith("/calendar/getSchedule")
    assert sorted(request.json["schedules"]) == sorted([ivy.member.email, bo.member.email]), (
        "one call for every mailbox of the app's credentials"
    )
    async with db.engine.connect() as conn:
        booked = await conn.scalar(
            text("SELECT count(*) FROM interviews WHERE application_id = :a"),
            {"a": uuid.UUID(hiring.app_id)},
        )
    assert booked == 0
    # Two hours on she is free, and the booking goes through.
    later = chosen + timedelta(hours=2)
    ok(
        await schedule(
            client, hiring.recruiter, hiring.app_id, [slot("technical", later, 60, [ivy, bo])]
        ),
        201,
    )
