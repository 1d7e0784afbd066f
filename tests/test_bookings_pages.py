"""The booking link's page over HTTP (no browser): the options as a plain form in the
candidate's zone, booking, moving and cancelling without script, and closed links answered
with the pages' friendly error naming whom to contact."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx

from app.db import Database
from tests.conftest import Tenant
from tests.helpers_interviews import interviewing_application, scalar, sql
from tests.test_bookings import panel, send_link
from tests.test_pages import _assert_page_headers

PAGE = "/pages/bookings"


def labelled(html: str) -> None:
    for field_id in re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', html):
        assert f'for="{field_id}"' in html, field_id


def keys(html: str) -> list[str]:
    return re.findall(r'name="option_key" value="([a-f0-9]+)"', html)


async def test_the_candidate_books_moves_and_cancels_from_plain_forms(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    hiring = await interviewing_application(
        client, tenant, candidate_name="Priya Raman", candidate_time_zone="Asia/Kolkata"
    )
    link: dict[str, Any] = await send_link(client, hiring, await panel(tenant))
    path = f"{PAGE}/{link['token']}"

    page = await client.get(path, headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert page.status_code == 200, page.text
    _assert_page_headers(page)
    html = page.text
    assert '<html lang="en-GB">' in html
    assert "Hello Priya," in html
    assert "Raman" not in html
    # The zone by name, as every page names it (Babel's location format, app/pages/locale.py),
    # and by its identifier.
    assert "India Time (Asia/Kolkata)" in html
    assert keys(html) == [o["key"] for o in link["options"]]
    assert f'action="{path}/book"' in html
    labelled(html)

    missing = await client.post(f"{path}/book", data={})
    assert missing.status_code == 422
    assert "Choose one of the times shown." in missing.text
    assert await scalar(db, "SELECT count(*) FROM interviews") == 0

    booked = await client.post(f"{path}/book", data={"option_key": link["options"][0]["key"]})
    assert booked.status_code == 200, booked.text
    assert "Your interviews are booked." in booked.text
    assert await scalar(db, "SELECT count(*) FROM interviews WHERE status = 'scheduled'") == 2
    assert f'action="{path}/reschedule"' in booked.text
    assert f'action="{path}/cancel"' in booked.text
    labelled(booked.text)

    target = keys(booked.text)[0]
    moved = await client.post(f"{path}/reschedule", data={"option_key": target})
    assert moved.status_code == 200, moved.text
    assert "Your interviews were moved." in moved.text
    assert "Moves left: 1." in moved.text

    cancelled = await client.post(f"{path}/cancel", data={"reason": "Took another offer"})
    assert cancelled.status_code == 200, cancelled.text
    assert "Your interviews were cancelled" in cancelled.text
    assert await scalar(db, "SELECT count(*) FROM interviews WHERE status = 'cancelled'") == 2
    again = await client.post(f"{path}/book", data={"option_key": target})
    assert again.status_code == 410
    assert "Rita Recruiter" in again.text


async def test_closed_booking_links_say_what_to_do_next(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    hiring = await interviewing_application(client, tenant)
    people = await panel(tenant)
    link = await send_link(client, hiring, people)
    token: str = link["token"]

    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    forged = await client.get(f"{PAGE}/{tampered}")
    assert forged.status_code == 404
    assert "This link does not work" in forged.text
    assert "Rita" not in forged.text

    await sql(
        db,
        "UPDATE booking_links SET expires_at = now() - interval '1 minute' WHERE id = :l",
        l=uuid.UUID(link["id"]),
    )
    expired = await client.get(f"{PAGE}/{token}")
    assert expired.status_code == 404
    assert "This link has expired" in expired.text
    assert "Rita Recruiter" in expired.text
    posted = await client.post(
        f"{PAGE}/{token}/book", data={"option_key": link["options"][0]["key"]}
    )
    assert posted.status_code == 404
    assert await scalar(db, "SELECT count(*) FROM interviews") == 0

    second = await send_link(client, hiring, people)
    await client.post(
        f"/api/v1/booking-links/{second['id']}/withdraw", headers=hiring.recruiter.headers
    )
    withdrawn = await client.get(f"{PAGE}/{second['token']}")
    assert withdrawn.status_code == 410
    assert "These interview times were withdrawn" in withdrawn.text
