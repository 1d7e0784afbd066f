"""Booking holds on a real CalDAV server (Radicale): the offered options appear in the
interviewer's calendar as tentative events while the link is open, and disappear when the
candidate books (the interview itself taking their place) or the recruiter withdraws the link."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import text

from app.db import Database
from app.settings import Settings
from tests.conftest import Tenant
from tests.fakes.radicale import Radicale
from tests.helpers_calendars import blocks, make_all_due, work
from tests.helpers_interviews import API, interviewing_application, ok, stage
from tests.test_calendars_caldav_flow import connect


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
