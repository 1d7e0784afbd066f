"""Booking holds on a real CalDAV server (Radicale): the offered options appear in the
interviewer's calendar as tentative events while the link is open, and disappear when the
candidate books (the interview itself taking their place) or the recruiter withdraws the link."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta

import httpx
import pytest
from sqlalchemy import text

from app.db import Database
from app.domain.bookings import service as bookings
from app.domain.bookings.schemas import BookingOutcome, BookingPick
from app.integrations.calendars.caldav.client import free_busy_body
from app.settings import Settings
from tests.conftest import Tenant
from tests.fakes.radicale import Radicale
from tests.helpers_calendars import blocks, make_all_due, work
from tests.helpers_interviews import API, JSON, interviewing_application, ok, stage
from tests.test_calendars_caldav_flow import connect, ics


@pytest.fixture(scope="module")
def radicale() -> Iterator[Radicale]:
    with Radicale() as server:
        yield server


async def hrefs(db: Database, link_id: str) -> list[str]:
    async with db.engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT remote_id FROM booking_holds WHERE link_id = :l ORDER BY start_at"),
            {"l": uuid.UUID(link_id)},
        )
        return [r[0] for r in rows]


def url(radicale: Radicale, href: str) -> str:
    return href if href.startswith("http") else f"{radicale.url}{href}"


async def test_holds_appear_in_the_calendar_and_go_when_booked_or_withdrawn(
    client: httpx.AsyncClient,
    tenant: Tenant,
    db: Database,
    radicale: Radicale,
    http: httpx.AsyncClient,
    settings: Settings,
) -> None:
    hiring = await interviewing_application(client, tenant)
    ivy = await tenant.add("interviewer", "Ivy", time_zone="UTC")
    ben = await tenant.add("interviewer", "Ben", time_zone="UTC")  # no calendar connected
    user = f"ivy-{uuid.uuid4().hex[:6]}"
    calendar_url = radicale.make_calendar(user, "work")
    await connect(client, ivy, radicale, user)
    await work(db, http, settings)
    body = {
        "application_id": hiring.app_id,
        "stages": [stage("technical", 60, [ivy]), stage("team", 30, [ben])],
    }
    link = ok(
        await client.post(f"{API}/booking-links", headers=hiring.recruiter.headers, json=body), 201
    )
    await work(db, http, settings)

    written = [h for h in await hrefs(db, link["id"]) if h]
    assert len(written) == len(link["options"])  # Ivy's stage of each option; Ben has none
    auth = radicale.auth_header(user)
    for href in written:
        event = await http.get(url(radicale, href), headers=auth)
        assert event.status_code == 200
        assert "STATUS:TENTATIVE" in event.text
        assert "UID:hold-" in event.text
    seen = ok(
        await client.get(f"{API}/booking-links/{link['id']}", headers=hiring.recruiter.headers)
    )
    assert sum(h["calendar_written"] for h in seen["holds"]) == len(written)
    # Our own tentative events are not mirrored back as busy time on top of the holds.
    await make_all_due(db)
    await work(db, http, settings)
    assert await blocks(db, ivy) == []

    first = link["options"][0]
    booked = ok(
        await client.post(
            f"{API}/public/bookings/{link['token']}/book", json={"option_key": first["key"]}
        )
    )
    assert booked["done"] is True
    await work(db, http, settings)
    for href in written:
        gone = await http.get(url(radicale, href), headers=auth)
        assert gone.status_code == 404
    interview_id = booked["booking"]["booked"][0]["interview_id"]
    interview = ok(
        await client.get(f"{API}/interviews/{interview_id}", headers=hiring.recruiter.headers)
    )
    placed = await http.get(f"{calendar_url}{interview['ical_uid']}.ics", headers=auth)
    assert placed.status_code == 200

    # A second offer, withdrawn: its events come and go too.
    other = await interviewing_application(
        client,
        tenant,
        recruiter=hiring.recruiter,
        hm=hiring.hm,
        role_id=hiring.role_id,
        candidate_name="Bo Other",
    )
    second = ok(
        await client.post(
            f"{API}/booking-links",
            headers=hiring.recruiter.headers,
            json={**body, "application_id": other.app_id},
        ),
        201,
    )
    await work(db, http, settings)
    more = [h for h in await hrefs(db, second["id"]) if h]
    assert more
    for href in more:
        shown = await http.get(url(radicale, href), headers=auth)
        assert shown.status_code == 200
    ok(
        await client.post(
            f"{API}/booking-links/{second['id']}/withdraw", headers=hiring.recruiter.headers
        )
    )
    await work(db, http, settings)
    for href in more:
        shown = await http.get(url(radicale, href), headers=auth)
        assert shown.status_code == 404
    assert await hrefs(db, second["id"]) == [None] * len(await hrefs(db, second["id"]))


async def offered(
    client: httpx.AsyncClient,
    tenant: Tenant,
    db: Database,
    radicale: Radicale,
    http: httpx.AsyncClient,
    settings: Settings,
) -> tuple[JSON, str, str]:
    """A link whose holds are written to Ivy's Radicale calendar, the mirror up to date: (the
    link, Ivy's user, her calendar's URL)."""
    hiring = await interviewing_application(client, tenant)
    ivy = await tenant.add("interviewer", "Ivy", time_zone="UTC")
    user = f"ivy-{uuid.uuid4().hex[:6]}"
    calendar_url = radicale.make_calendar(user, "work")
    await connect(client, ivy, radicale, user)
    await work(db, http, settings)
    body = {"application_id": hiring.app_id, "stages": [stage("technical", 60, [ivy])]}
    link: JSON = ok(
        await client.post(f"{API}/booking-links", headers=hiring.recruiter.headers, json=body), 201
    )
    await work(db, http, settings)
    assert all(await hrefs(db, link["id"]))  # every hold is a tentative event in her calendar
    return link, user, calendar_url


async def pick(db: Database, http: httpx.AsyncClient, token: str, key: str) -> BookingOutcome:
    """The candidate's pick with the live check on (the service given the HTTP client)."""
    async with db.transaction() as session:
        return await bookings.book(session, token, BookingPick(option_key=key), http)


async def test_a_meeting_not_yet_mirrored_over_the_pick_re_offers_and_books_nothing(
    client: httpx.AsyncClient,
    tenant: Tenant,
    db: Database,
    radicale: Radicale,
    http: httpx.AsyncClient,
    settings: Settings,
) -> None:
    link, user, calendar_url = await offered(client, tenant, db, radicale, http, settings)
    first = link["options"][0]
    start = datetime.fromisoformat(first["start_at"])
    # Written straight to her calendar after the page was shown; the mirror has not seen it.
    radicale.put_ics(
        calendar_url,
        "standup.ics",
        ics("standup-1", start + timedelta(minutes=15), start + timedelta(minutes=45)),
        user,
    )

    outcome = await pick(db, http, link["token"], first["key"])

    assert outcome.done is False
    assert "taken" in outcome.message
    assert outcome.booking.booked == []
    assert first["key"] not in [o.key for o in outcome.booking.options]
    assert outcome.booking.options  # the next best, offered instead of an error
    view = ok(await client.get(f"{API}/public/bookings/{link['token']}"))
    assert view["status"] == "open"
    assert view["booked"] == []


async def test_the_links_own_hold_events_do_not_block_its_booking(
    client: httpx.AsyncClient,
    tenant: Tenant,
    db: Database,
    radicale: Radicale,
    http: httpx.AsyncClient,
    settings: Settings,
) -> None:
    link, user, calendar_url = await offered(client, tenant, db, radicale, http, settings)
    first = link["options"][0]
    # Her calendar reports the held time as busy (tentative), this option's hold included.
    start = datetime.fromisoformat(first["start_at"])
    report = await http.request(
        "REPORT",
        calendar_url,
        headers={**radicale.auth_header(user), "Depth": "1"},
        content=free_busy_body(start, start + timedelta(hours=1)),
    )
    assert "BUSY-TENTATIVE" in report.text

    outcome = await pick(db, http, link["token"], first["key"])

    assert outcome.done is True, outcome.message
    assert [b.start_at for b in outcome.booking.booked] == [start]


async def test_a_move_onto_a_time_taken_in_the_calendar_offers_the_others_and_moves_nothing(
    client: httpx.AsyncClient,
    tenant: Tenant,
    db: Database,
    radicale: Radicale,
    http: httpx.AsyncClient,
    settings: Settings,
) -> None:
    link, user, calendar_url = await offered(client, tenant, db, radicale, http, settings)
    booked = await pick(db, http, link["token"], link["options"][0]["key"])
    assert booked.done is True, booked.message
    await work(db, http, settings)
    was = [b.start_at for b in booked.booking.booked]
    target = booked.booking.options[0]
    radicale.put_ics(
        calendar_url,
        "review.ics",
        ics("review-1", target.start_at, target.start_at + timedelta(minutes=30)),
        user,
    )

    async with db.transaction() as session:
        moved = await bookings.reschedule(
            session, link["token"], BookingPick(option_key=target.key), http
        )

    assert moved.done is False
    assert "taken" in moved.message
    assert [b.start_at for b in moved.booking.booked] == was
    assert target.key not in [o.key for o in moved.booking.options]
    view = ok(await client.get(f"{API}/public/bookings/{link['token']}"))
    assert view["changes_left"] == booked.booking.changes_left
