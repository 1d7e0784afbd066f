"""The "Offer times" page served from its kept frame is the page Jinja2 renders whole.

The empty form is rendered once per language, zone, day and organization with holes for what is
the candidate's own (app/pages/render.py, `render_frame`); these tests hold the frame to the
whole render, byte for byte, for awkward values, and the page answer to the same headers.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date
from typing import Any

import httpx
import pytest
from fastapi import Depends, Request
from fastapi.responses import HTMLResponse

from app.db import Database
from app.domain.organizations.branding import Contact, PublicBrand
from app.pages import availability
from app.pages.locale import negotiate
from app.pages.render import (
    PageResponse,
    environment,
    page_headers,
    render_frame,
)
from app.pages.routing import PageRoute, _request_only, page_router
from tests.helpers_interviews import API, interviewing_application, ok, sql

AWKWARD = (
    "Priya",
    "<script>alert(1)</script>",
    'O\'Neil & "Sons"',
    "{first_name} {0} {{x}} %s",
    "Zoë 李 \u202f",
    "",
)
BRANDS = (
    PublicBrand(organization_name="Acme"),
    PublicBrand(
        organization_name="<Acme & Co>",
        logo_url="https://cdn.acme.example/logo.svg",
        accent_color="#FFD700",
        contact=Contact(name="Rita", email="rita@acme.example"),
    ),
)


def _whole(
    form: availability.Form, zone: str, today: date, locale: Any, brand: PublicBrand, **own: str
) -> str:
    context = availability._context(form, zone, today, locale, brand)
    return environment().get_template("availability.html.j2").render(**context, **own)


def _empty() -> availability.Form:
    return availability.Form(zone="Europe/Paris", rows=[{} for _ in range(availability.ROWS)])


@pytest.mark.parametrize("brand", BRANDS)
@pytest.mark.parametrize("language", ["en-GB", "de-DE,de;q=0.9", None])
def test_the_frame_filled_is_the_page_rendered_whole(
    brand: PublicBrand, language: str | None
) -> None:
    locale = negotiate(language)
    today = date(2026, 12, 8)
    # The frame is kept without whom to contact (only the error page names them).
    shared = replace(brand, contact=None)
    frame = availability._frame("Europe/Paris", "Asia/Kolkata", today, locale, shared)
    assert frame is not None
    for value in AWKWARD:
        own = {
            "first_name": value,
            "role_title": value[::-1],
            "expires": value + " (France Time)",
            "action": f"/pages/availability/{'A' * 40}",
        }
        expected = _whole(_empty(), "Asia/Kolkata", today, locale, brand, **own)
        assert frame.fill(own) == expected
    assert "<script>alert" not in frame.fill({**own, "first_name": "<script>alert(1)</script>"})


def test_a_page_that_cannot_be_cut_safely_is_rendered_whole() -> None:
    locale = negotiate(None)
    today = date(2026, 12, 8)
    # A NUL in the shared text (never stored, but never trusted either): no frame.
    odd = PublicBrand(organization_name="Acme\x00first_name\x00")
    assert availability._frame("UTC", "UTC", today, locale, odd) is None
    # A value the template does not print: no frame.
    context = availability._context(_empty(), "UTC", today, locale, BRANDS[0])
    own = ("first_name", "role_title", "expires", "action", "never_printed")
    assert render_frame("availability.html.j2", own, **context) is None


@pytest.mark.parametrize("brand", [None, *BRANDS])
@pytest.mark.parametrize("status", [200, 404, 410, 422])
def test_page_answers_carry_the_page_headers_in_order(
    brand: PublicBrand | None, status: int
) -> None:
    html = "<!doctype html><p>Zoë</p>"
    plain = HTMLResponse(html, status_code=status, headers=page_headers(brand))
    mine = PageResponse(html, brand, status)
    assert mine.raw_headers == plain.raw_headers
    assert mine.body == plain.body
    assert mine.status_code == status
    mine.headers["Retry-After"] = "30"  # the error page adds it after rendering
    assert mine.headers["retry-after"] == "30"


def test_only_an_endpoint_of_the_request_alone_skips_fastapis_handler() -> None:
    async def bare(request: Request) -> HTMLResponse:
        return HTMLResponse("")

    async def with_token(token: str, request: Request) -> HTMLResponse:
        return HTMLResponse(token)

    def dependency() -> None:
        return None

    async def with_dependency(request: Request, _: None = Depends(dependency)) -> HTMLResponse:
        return HTMLResponse("")

    def synchronous(request: Request) -> HTMLResponse:
        return HTMLResponse("")

    def route(endpoint: Any, **kwargs: Any) -> PageRoute:
        return PageRoute("/pages/x/{token}", endpoint, **kwargs)

    assert _request_only(route(bare).dependant)
    assert not _request_only(route(with_token).dependant)
    assert not _request_only(route(with_dependency).dependant)
    assert not _request_only(route(synchronous).dependant)
    assert not _request_only(route(bare, dependencies=[Depends(dependency)]).dependant)
    router = page_router("/x")
    router.add_api_route("/{token}", bare, dependencies=[Depends(dependency)])
    added = router.routes[-1]
    assert isinstance(added, PageRoute)
    assert not _request_only(added.dependant)


async def test_candidates_sharing_a_frame_each_see_their_own_escaped_words(
    client: httpx.AsyncClient, tenant: Any, db: Database
) -> None:
    hiring = await interviewing_application(client, tenant, candidate_name="Priya Raman")
    other = await interviewing_application(
        client, tenant, candidate_name="Ann Lee", recruiter=hiring.recruiter, hm=hiring.hm
    )
    links = []
    for app_id in (hiring.app_id, other.app_id):
        links.append(
            ok(
                await client.post(
                    f"{API}/applications/{app_id}/availability-links",
                    headers=hiring.recruiter.headers,
                    json={"time_zone": "Asia/Kolkata"},
                ),
                201,
            )
        )
    # A name no form would refuse to carry: markup, quotes, an ampersand and format braces.
    await sql(
        db,
        "UPDATE candidates SET name = :name WHERE id = "
        "(SELECT candidate_id FROM applications WHERE id = :app)",
        name='<b>O\'Neil&"{0}"</b> Raman',
        app=uuid.UUID(other.app_id),
    )
    first = await client.get(f"/pages/availability/{links[0]['token']}")
    second = await client.get(f"/pages/availability/{links[1]['token']}")
    assert first.status_code == second.status_code == 200
    assert "Hello Priya," in first.text
    assert "O&#39;Neil" not in first.text
    assert "Hello &lt;b&gt;O&#39;Neil&amp;&#34;{0}&#34;&lt;/b&gt;," in second.text
    assert "<b>O'Neil" not in second.text
    # Each form posts back to its own link.
    assert f'action="/pages/availability/{links[0]["token"]}"' in first.text
    assert f'action="/pages/availability/{links[1]["token"]}"' in second.text
    assert links[0]["token"] not in second.text
    for response in (first, second):
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
