"""Booking holds that lapse: on a real CalDAV server (Radicale), the tentative hold events leave
the interviewer's calendar when the holds expire (the link staying open) and when the link itself
expires; and a pick whose option was taken, with no other time left, tells the recruiter
(`booking_no_options`) and holds nothing."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from app.db import Database
from app.domain.bookings import service as bookings
from app.settings import Settings
from tests.conftest import Tenant
from tests.fakes.radicale import Radicale
from tests.helpers_calendars import work
from tests.helpers_interviews import (
    API,
    add_busy,
    events_of,
    interviewing_application,
    ok,
    scalar,
    sql,
    stage,
)
from tests.test_bookings_caldav import hrefs, offered, url


@pytest.fixture(scope="module")
def radicale() -> Iterator[Radicale]:
    with Radicale() as server:
        yield server


async def live_holds(db: Database, link_id: str) -> int:
    return int(
        await scalar(
            db,
            "SELECT count(*) FROM booking_holds WHERE link_id = :l AND released_at IS NULL",
            l=uuid.UUID(link_id),
        )
    )


async def hold_blocks(db: Database) -> int:
    return int(await scalar(db, "SELECT count(*) FROM busy_blocks WHERE source = 'hold'"))


async def expire(db: Database) -> int:
    """What the periodic job `bookings.expire` does when it runs."""
    async with db.transaction() as session:
        return await bookings.expire_due(session)


async def test_hold_events_leave_the_calendar_when_the_holds_expire(
    client: httpx.AsyncClient,
    tenant: Tenant,
    db: Database,
    radicale: Radicale,
    http: httpx.AsyncClient,
    settings: Settings,
) -> None:
    link, user, _ = await offered(client, tenant, db, radicale, http, settings)
    auth = radicale.auth_header(user)
    written = await hrefs(db, link["id"])
    assert written
    assert all(written)
    for href in written:
        assert (await http.get(url(radicale, href), headers=auth)).status_code == 200

    await sql(
        db,
        "UPDATE booking_links SET holds_expire_at = now() - interval '1 minute' WHERE id = :l",
        l=uuid.UUID(link["id"]),
    )
    assert await expire(db) == 1
    # The busy time goes in the releasing transaction; the events when the worker has run.
    assert await hold_blocks(db) == 0
    assert await live_holds(db, link["id"]) == 0
    await work(db, http, settings)
    for href in written:
        gone = await http.get(url(radicale, href), headers=auth)
        assert gone.status_code == 404, href
    assert await hrefs(db, link["id"]) == [None] * len(written)
    released = await events_of(db, tenant.organization_id, "hold.released")
    assert [e["data"]["reason"] for e in released] == ["expired"]
    # The link stays open: the candidate still sees options, and nothing is held again.
    page = ok(await client.get(f"{API}/public/bookings/{link['token']}"))
    assert page["status"] == "open"
    assert page["options"]
    assert await expire(db) == 0
    await work(db, http, settings)
    assert await hrefs(db, link["id"]) == [None] * len(written)


async def test_hold_events_leave_the_calendar_when_the_link_expires(
    client: httpx.AsyncClient,
    tenant: Tenant,
    db: Database,
    radicale: Radicale,
    http: httpx.AsyncClient,
    settings: Settings,
) -> None:
    link, user, _ = await offered(client, tenant, db, radicale, http, settings)
    auth = radicale.auth_header(user)
    written = await hrefs(db, link["id"])
    await sql(
        db,
        "UPDATE booking_links SET expires_at = now() - interval '1 minute', "
        "holds_expire_at = now() - interval '1 minute' WHERE id = :l",
        l=uuid.UUID(link["id"]),
    )
    assert await expire(db) == 1
    await work(db, http, settings)
    for href in written:
        assert (await http.get(url(radicale, href), headers=auth)).status_code == 404, href
    admin = await tenant.add("admin", "Ada")
    seen = ok(await client.get(f"{API}/booking-links/{link['id']}", headers=admin.headers))
    assert seen["status"] == "expired"
    assert {h["release_reason"] for h in seen["holds"]} == {"expired"}
    assert not any(h["calendar_written"] for h in seen["holds"])
    gone = await client.get(f"{API}/public/bookings/{link['token']}")
    assert gone.status_code == 410


async def test_no_time_left_after_a_taken_pick_tells_the_recruiter_and_holds_nothing(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    hiring = await interviewing_application(client, tenant)
    ivy = await tenant.add("interviewer", "Ivy", time_zone="UTC")
    body = {"application_id": hiring.app_id, "stages": [stage("technical", 60, [ivy])]}
    link = ok(
        await client.post(f"{API}/booking-links", headers=hiring.recruiter.headers, json=body), 201
    )
    first = link["options"][0]
    assert await live_holds(db, link["id"]) == len(link["options"])
    # After the page was shown, Ivy's calendar fills up for the whole horizon.
    start = datetime.now(UTC)
    ok(await add_busy(client, ivy, ivy, start, start + timedelta(days=60)), 201)

    outcome = ok(
        await client.post(
            f"{API}/public/bookings/{link['token']}/book", json={"option_key": first["key"]}
        )
    )

    assert outcome["done"] is False
    assert "no other time fits" in outcome["message"]
    assert outcome["booking"]["options"] == []
    assert outcome["booking"]["booked"] == []
    assert await scalar(db, "SELECT count(*) FROM interviews") == 0
    assert await live_holds(db, link["id"]) == 0
    assert await hold_blocks(db) == 0
    released = await events_of(db, tenant.organization_id, "hold.released")
    assert [e["data"]["reason"] for e in released] == ["reoffered"]
    told = await scalar(
        db,
        "SELECT count(*) FROM notifications WHERE kind = 'booking_no_options' AND member_id = :m",
        m=hiring.recruiter.id,
    )
    assert told == 1
    subject = await scalar(
        db,
        "SELECT subject FROM notifications WHERE kind = 'booking_no_options' AND member_id = :m",
        m=hiring.recruiter.id,
    )
    assert subject == f"{hiring.candidate_name} found no time left that fits"
    # The link stays open with nothing offered; the page says so rather than failing.
    page = ok(await client.get(f"{API}/public/bookings/{link['token']}"))
    assert page["status"] == "open"
    assert page["options"] == []
