"""The candidates' pages over HTTP (no browser): what the "Offer times" page shows, what it
accepts, how closed links answer, the headers every page carries, branding and limits.

The browser flows (JavaScript on and off, 320 px, axe) are in tests/test_browser_pages.py."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from fastapi import FastAPI

from app.db import Database
from app.domain.availability import tokens
from app.main import create_app
from app.pages.assets import accent_css, contrast
from app.pages.locale import negotiate
from tests.conftest import TEST_SECRET, Person, make_settings
from tests.helpers_interviews import API, interviewing_application, ok, scalar, sql

PAGE = "/pages/availability"


async def _link(client: httpx.AsyncClient, who: Person, app_id: str, **body: Any) -> dict[str, Any]:
    created: dict[str, Any] = ok(
        await client.post(
            f"{API}/applications/{app_id}/availability-links",
            headers=who.headers,
            json={"time_zone": "Asia/Kolkata", **body},
        ),
        201,
    )
    return created


def _path(link: dict[str, Any]) -> str:
    return f"{PAGE}/{link['token']}"


def _tomorrow(zone: str) -> date:
    return datetime.now(ZoneInfo(zone)).date() + timedelta(days=1)


def _assert_page_headers(response: httpx.Response) -> None:
    headers = response.headers
    assert headers["content-type"].startswith("text/html")
    csp = headers["content-security-policy"]
    assert "default-src 'none'" in csp
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["cache-control"] == "no-store"
    assert "noindex" in headers["x-robots-tag"]
    # Nothing inline: no script or style element with a body, no style attribute.
    html = response.text
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert "<style" not in html
    assert " style=" not in html
    assert "http://" not in html.replace("http://hireloop.test", "")
    assert '<meta name="robots" content="noindex, nofollow">' in html


async def test_the_link_opens_a_page_that_greets_the_candidate_in_their_zone(
    client: httpx.AsyncClient, tenant: Any, db: Database
) -> None:
    hiring = await interviewing_application(client, tenant, candidate_name="Priya Raman")
    link = await _link(client, hiring.recruiter, hiring.app_id)
    # The link's address is the page, under the public URL; the JSON API stays where it was.
    assert link["url"].endswith(f"/pages/availability/{link['token']}")
    assert ok(await client.get(f"{API}/public/availability/{link['token']}"))["role_title"]

    page = await client.get(_path(link), headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert page.status_code == 200, page.text
    _assert_page_headers(page)
    html = page.text
    assert '<html lang="en-GB">' in html
    assert "Hello Priya," in html
    assert "Raman" not in html
    assert "Data Engineer" in html
    assert "Acme" in html
    assert "Asia/Kolkata" in html
    assert "India Time" in html
    # Every field has a label.
    for field_id in re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', html):
        assert f'for="{field_id}"' in html, field_id

    # The candidate picks another zone: the page shows (and takes) times there.
    moved = await client.get(_path(link), params={"tz": "America/New_York"})
    assert moved.status_code == 200
    assert 'name="tz" value="America/New_York"' in moved.text
    assert "New York" in moved.text
    # An unknown zone falls back to the link's.
    odd = await client.get(_path(link), params={"tz": "Mars/Olympus"})
    assert 'name="tz" value="Asia/Kolkata"' in odd.text

    # Another language: Babel formats the dates in it (the words stay English for now).
    german = await client.get(_path(link), headers={"Accept-Language": "de-DE,de;q=0.9"})
    assert '<html lang="de-DE">' in german.text
    assert re.search(r"(Montag|Dienstag|Mittwoch|Donnerstag|Freitag|Samstag|Sonntag)", german.text)


async def test_windows_sent_from_the_plain_form_are_saved_once_and_confirmed(
    client: httpx.AsyncClient, tenant: Any, db: Database
) -> None:
    hiring = await interviewing_application(client, tenant)
    link = await _link(client, hiring.recruiter, hiring.app_id)
    day = _tomorrow("Europe/Paris")
    form = {
        "tz": "Europe/Paris",
        "day-1": day.isoformat(),
        "start-1": "09:00",
        "end-1": "11:30",
        "day-2": (day + timedelta(days=1)).isoformat(),
        "start-2": "14:00",
        "end-2": "16:00",
    }
    sent = await client.post(_path(link), data=form)
    assert sent.status_code == 200, sent.text
    _assert_page_headers(sent)
    assert "your times were sent" in sent.text
    assert "9:00\u202fAM" not in sent.text
    assert "9:00 AM" in sent.text
    assert "11:30 AM" in sent.text
    rows = await scalar(
        db,
        "SELECT json_agg(json_build_array(start_at, time_zone, entered_by) ORDER BY start_at) "
        "FROM candidate_windows WHERE application_id = :a",
        a=uuid.UUID(hiring.app_id),
    )
    assert len(rows) == 2
    first = datetime.fromisoformat(rows[0][0])
    assert first == datetime.combine(day, datetime.min.time(), ZoneInfo("Europe/Paris")).replace(
        hour=9
    )
    assert rows[0][1:] == ["Europe/Paris", "candidate"]

    # A second press (or a reload of the post): refused with a page that says so, nothing added.
    again = await client.post(_path(link), data=form)
    assert again.status_code == 410
    assert "already used" in again.text
    assert "Rita Recruiter" in again.text
    assert (await client.get(_path(link))).status_code == 410
    count = await scalar(
        db,
        "SELECT count(*) FROM candidate_windows WHERE application_id = :a",
        a=uuid.UUID(hiring.app_id),
    )
    assert count == 2


async def test_bad_windows_are_named_by_row_and_nothing_is_saved(
    client: httpx.AsyncClient, tenant: Any, db: Database
) -> None:
    hiring = await interviewing_application(client, tenant)
    link = await _link(client, hiring.recruiter, hiring.app_id)
    day = _tomorrow("UTC").isoformat()
    cases: list[tuple[dict[str, str], str]] = [
        ({"tz": "UTC"}, "Add at least one window."),
        ({"tz": "UTC", "day-1": day, "start-1": "09:00"}, "Window 1: fill in the day"),
        ({"tz": "UTC", "day-2": day, "start-2": "12:00", "end-2": "10:00"}, "Window 2: the end"),
        (
            {
                "tz": "UTC",
                "day-1": day,
                "start-1": "09:00",
                "end-1": "12:00",
                "day-3": day,
                "start-3": "11:00",
                "end-3": "13:00",
            },
            "Windows 1 and 3 overlap.",
        ),
        ({"tz": "UTC", "day-1": "2020-01-01", "start-1": "09:00", "end-1": "10:00"}, "passed"),
        ({"tz": "Nowhere/Land", "day-1": day, "start-1": "09:00", "end-1": "10:00"}, "time zone"),
        ({"tz": "UTC", "day-1": "<script>", "start-1": "x", "end-1": "y"}, "Window 1: fill in"),
    ]
    for form, message in cases:
        response = await client.post(_path(link), data=form)
        assert response.status_code == 422, (form, response.text)
        assert message in response.text, (form, message)
        assert "<script>" not in response.text
        assert 'role="alert"' in response.text
    assert (
        await scalar(
            db,
            "SELECT count(*) FROM candidate_windows WHERE application_id = :a",
            a=uuid.UUID(hiring.app_id),
        )
        == 0
    )
    # The link still works after all of that.
    assert (await client.get(_path(link))).status_code == 200


async def test_closed_links_get_a_friendly_page_naming_whom_to_contact(
    client: httpx.AsyncClient, tenant: Any, db: Database
) -> None:
    hiring = await interviewing_application(client, tenant)
    link = await _link(client, hiring.recruiter, hiring.app_id)
    token: str = link["token"]

    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for bad in (tampered, "x" * 40, "short"):
        page = await client.get(f"{PAGE}/{bad}")
        assert page.status_code == 404, bad
        _assert_page_headers(page)
        assert "This link does not work" in page.text
        # Nothing is known of a forged link: no organization, no name.
        assert "Acme" not in page.text
        assert "Rita" not in page.text
        assert "ask for a new link" in page.text

    # A genuine link whose time has passed: the recruiter is named, with their address.
    past = tokens.sign(TEST_SECRET, uuid.UUID(link["id"]), datetime.now(UTC) - timedelta(hours=1))
    expired = await client.get(f"{PAGE}/{past}")
    assert expired.status_code == 404
    assert "This link has expired" in expired.text
    assert "Rita Recruiter" in expired.text
    assert re.search(r'href="mailto:[^"]+@', expired.text)

    # The organization keeps its recruiters' addresses private: the name only.
    ok(
        await client.patch(
            f"{API}/organization",
            headers=tenant.admin.headers,
            json={"show_recruiter_contact": False},
        )
    )
    await sql(
        db,
        "UPDATE availability_links SET expires_at = now() - interval '1 minute' WHERE id = :id",
        id=uuid.UUID(link["id"]),
    )
    private = await client.get(_path(link))
    assert private.status_code == 404
    assert "Rita Recruiter" in private.text
    assert "mailto:" not in private.text
    posted = await client.post(_path(link), data={"tz": "UTC"})
    assert posted.status_code == 404, posted.text[-1500:]


async def test_branding_is_the_name_a_logo_and_an_accent_with_readable_text(
    client: httpx.AsyncClient, tenant: Any
) -> None:
    hiring = await interviewing_application(client, tenant)
    link = await _link(client, hiring.recruiter, hiring.app_id)
    for bad in (
        {"logo_url": "http://acme.example/logo.png"},
        {"logo_url": "javascript:alert(1)"},
        {"logo_url": 'https://acme.example/"onerror="x'},
        {"accent_color": "red"},
        {"accent_color": "#12345"},
        {"show_recruiter_contact": None},
    ):
        response = await client.patch(f"{API}/organization", headers=tenant.admin.headers, json=bad)
        assert response.status_code == 422, (bad, response.text)
    updated = ok(
        await client.patch(
            f"{API}/organization",
            headers=tenant.admin.headers,
            json={"logo_url": "https://cdn.acme.example/logo.svg", "accent_color": "#FFD700"},
        )
    )
    assert updated["logo_url"] == "https://cdn.acme.example/logo.svg"
    page = await client.get(_path(link))
    assert '<img class="logo" src="https://cdn.acme.example/logo.svg"' in page.text
    assert 'alt="Acme logo"' in page.text
    # The logo's host is the one other origin the page may load from, for images only.
    assert "img-src 'self' https://cdn.acme.example;" in page.headers["content-security-policy"]
    stylesheet = re.search(r'href="(/static/pages/accent/[0-9a-f]{6}\.css)"', page.text)
    assert stylesheet is not None
    css = await client.get(stylesheet.group(1))
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")
    # Gold is light: black text on it, and it is too light to colour links on white.
    assert "--accent:#ffd700" in css.text
    assert "--on-accent:#000000" in css.text
    assert "--accent-text" not in css.text
    assert (await client.get("/static/pages/accent/zzzzzz.css")).status_code == 404


def test_accent_text_keeps_aa_contrast() -> None:
    for color in ("ffd700", "1d4ed8", "000000", "ffffff", "777777", "e11d48"):
        css = accent_css(color)
        on = "ffffff" if "--on-accent:#ffffff" in css else "000000"
        assert contrast(color, on) >= 4.5 or max(
            contrast(color, "ffffff"), contrast(color, "000000")
        ) == contrast(color, on)
        if "--accent-text" in css:
            assert contrast(color, "ffffff") >= 4.5


def test_the_language_is_the_first_known_one_in_accept_language() -> None:
    assert str(negotiate("fr-CH, fr;q=0.9, en;q=0.8")) == "fr_CH"
    assert str(negotiate("xx-YY, de;q=0.5, *;q=0.1")) == "de"
    assert str(negotiate("en;q=0.1, ja")) == "ja"
    assert str(negotiate("")) == "en"
    assert str(negotiate("!!!")) == "en"


async def test_assets_are_served_by_hireloop_with_their_types(client: httpx.AsyncClient) -> None:
    css = await client.get("/static/pages/pages.css")
    js = await client.get("/static/pages/pages.js")
    assert css.headers["content-type"].startswith("text/css")
    assert js.headers["content-type"].startswith("text/javascript")
    assert "eval(" not in js.text
    assert "innerHTML" not in js.text
    assert (await client.get("/static/pages/nothing.js")).status_code == 404
    assert (await client.get("/static/pages/..%2Fpages.css")).status_code == 404


async def test_form_posts_are_limited_per_link_and_per_address(database_url: str) -> None:
    app: FastAPI = create_app(
        make_settings(page_posts_per_token="2/hour", page_posts_per_address="3/hour"),
        database_url=database_url,
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hireloop.test") as c:
            from tests.conftest import create_tenant

            tenant = await create_tenant(app.state.db, "Limits Inc")
            hiring = await interviewing_application(c, tenant)
            first = await _link(c, hiring.recruiter, hiring.app_id)
            second = await _link(c, hiring.recruiter, hiring.app_id)
            answers = [
                (await c.post(_path(first), data={"tz": "UTC"})).status_code for _ in range(3)
            ]
            assert answers == [422, 422, 429]
            limited = await c.post(_path(first), data={"tz": "UTC"})
            assert "Please wait a moment" in limited.text
            assert int(limited.headers["retry-after"]) >= 1
            # A refused link's posts stop before the address is counted: the address has sent
            # two of its three; the other link takes the third, then the address is spent.
            assert (await c.post(_path(second), data={"tz": "UTC"})).status_code == 422
            assert (await c.post(_path(second), data={"tz": "UTC"})).status_code == 429
