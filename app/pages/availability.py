"""The "Offer times" page a candidate's availability link opens (/pages/availability/<token>).

GET shows the form in the candidate's zone (the link's, or the one they pick with ?tz=); POST
reads the plain form (no script needed), checks each window and names the row at fault, then
sends the windows through the same service as the JSON link and confirms what was sent.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from babel import Locale
from fastapi import Path, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse
from markupsafe import Markup
from pydantic import ValidationError

from app.api.deps import WriteSession
from app.clock import utcnow
from app.db import Database
from app.domain.availability import page as availability_page
from app.domain.availability import service
from app.domain.availability.page import AvailabilityPage
from app.domain.availability.schemas import WindowsSet
from app.domain.organizations.branding import PublicBrand
from app.pages import limits
from app.pages import locale as fmt
from app.pages.render import (
    Frame,
    environment,
    layout_context,
    locale_of,
    page_response,
    render_frame,
    render_page,
    translate,
)
from app.pages.routing import page_router
from app.pages.strings import text
from app.settings import Settings

router = page_router("/availability")

Token = Annotated[str, Path(min_length=20, max_length=200, pattern=r"^[A-Za-z0-9_\-]+$")]
ROWS = 6  # window rows in the form; with script, the empty ones fold behind "Add another"
DAYS = 14  # the coming days offered in each row's day picker


@dataclass
class Form:
    """What the candidate typed, kept to show it back with the errors."""

    zone: str
    rows: list[dict[str, str]] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (field id, message)

    def row_errors(self, index: int) -> list[str]:
        ids = {f"day-{index}", f"start-{index}", f"end-{index}"}
        return [message for field_id, message in self.errors if field_id in ids]


@lru_cache(maxsize=1024)
def _days(zone: str, today: date, locale: Locale) -> tuple[tuple[str, str], ...]:
    return tuple(
        ((today + timedelta(days=n)).isoformat(), fmt.day(today + timedelta(days=n), locale))
        for n in range(DAYS)
    )


# The form's heavy parts (six rows of fourteen days, fifty zones) are the same for every
# candidate on the same day, zone and language: rendered once and kept, so a page view renders
# only what is its own (measured in bench/pages.py).
@lru_cache(maxsize=1024)
def _empty_rows(zone: str, today: date, locale: Locale) -> Markup:
    form = Form(zone=zone, rows=[{} for _ in range(ROWS)])
    html = (
        environment()
        .get_template("_window_rows.html.j2")
        .render(t=translate, form=form, days=_days(zone, today, locale))
    )
    return Markup(html)  # noqa: S704 (rendered by the autoescaping environment)


@lru_cache(maxsize=1024)
def _zone_options(zone: str, link_zone: str, locale: Locale) -> Markup:
    html = (
        environment()
        .get_template("_zone_options.html.j2")
        .render(zones=fmt.zone_choices(locale, zone, link_zone), form=Form(zone=zone))
    )
    return Markup(html)  # noqa: S704 (rendered by the autoescaping environment)


# What the page shows that is the candidate's own; everything else is shared (`_frame`).
_OWN = ("first_name", "role_title", "expires", "action")


@lru_cache(maxsize=256)
def _frame(
    zone: str, link_zone: str, today: date, locale: Locale, brand: PublicBrand
) -> Frame | None:
    """The empty form as every candidate of this organization sees it in this zone, language
    and day, with holes for `_OWN` (render.render_frame)."""
    return render_frame(
        "availability.html.j2",
        _OWN,
        **_context(
            Form(zone=zone, rows=[{} for _ in range(ROWS)]), link_zone, today, locale, brand
        ),
    )


def _context(
    form: Form, link_zone: str, today: date, locale: Locale, brand: PublicBrand
) -> dict[str, Any]:
    empty = not form.errors and not any(form.rows)
    return {
        **layout_context(locale, text("availability.title"), brand),
        "form": form,
        "days": _days(form.zone, today, locale),
        "rows_html": _empty_rows(form.zone, today, locale) if empty else None,
        "zone_options": _zone_options(form.zone, link_zone, locale),
        "zone_name": fmt.zone_label(form.zone, locale),
    }


def _show(request: Request, page: AvailabilityPage, form: Form, status: int = 200) -> HTMLResponse:
    locale = locale_of(request)
    today = utcnow().astimezone(ZoneInfo(form.zone)).date()
    own = {
        "first_name": page.first_name,
        "role_title": page.role_title,
        "expires": fmt.when(page.expires_at, form.zone, locale),
        # The path as the request's URL names it (the token's alphabet needs no quoting).
        "action": request.scope["path"],
    }
    if not form.errors and not any(form.rows):
        # Whom to contact is on the error page only: one frame for all of an
        # organization's recruiters.
        brand = replace(page.brand, contact=None)
        frame = _frame(form.zone, page.time_zone, today, locale, brand)
        if frame is not None:
            return page_response(frame.fill(own), page.brand, status)
    html = (
        environment()
        .get_template("availability.html.j2")
        .render(**_context(form, page.time_zone, today, locale, page.brand), **own)
    )
    return page_response(html, page.brand, status)


# The same rule as `Token`, checked by hand on the page view (the busiest page): FastAPI's
# parameter validation was a few percent of the page's cost (bench/pages.py).
_TOKEN = re.compile(r"[A-Za-z0-9_\-]{20,200}")


@router.get("/{token}", response_class=HTMLResponse)
async def offer_times(request: Request) -> HTMLResponse:
    token: str = request.path_params["token"]
    if _TOKEN.fullmatch(token) is None:
        # As a path that fails `Token`: a link that does not exist.
        raise RequestValidationError([])
    tz = request.query_params.get("tz") if request.scope["query_string"] else None
    await limits.count_view(request)
    # A driver connection opened here rather than a Session dependency (FastAPI's generator
    # dependencies, the ORM Session and SQLAlchemy's execution path were a third of this
    # page's cost), given back to the pool before the page is rendered.
    db: Database = request.app.state.db
    settings: Settings = request.app.state.settings
    async with db.driver() as driver:
        page = await availability_page.open_page(driver, token, settings.secret_key)
    zone = fmt.valid_zone(tz) or page.time_zone
    return _show(request, page, Form(zone=zone, rows=[{} for _ in range(ROWS)]))


def _parse(values: dict[str, str], zone: str) -> tuple[Form, list[tuple[datetime, datetime]]]:
    form = Form(zone=zone)
    windows: list[tuple[datetime, datetime, int]] = []
    now = utcnow()
    tz = ZoneInfo(zone)
    for n in range(1, ROWS + 1):
        row = {k: values.get(f"{k}-{n}", "").strip()[:20] for k in ("day", "start", "end")}
        form.rows.append(row)
        filled = [v for v in row.values() if v]
        if not filled:
            continue
        if len(filled) < 3:
            form.errors.append((f"day-{n}", text("availability.error_incomplete", n=n)))
            continue
        try:
            day = date.fromisoformat(row["day"])
            start = datetime.combine(day, time.fromisoformat(row["start"]), tz)
            end = datetime.combine(day, time.fromisoformat(row["end"]), tz)
        except ValueError:
            form.errors.append((f"day-{n}", text("availability.error_incomplete", n=n)))
            continue
        if end <= start:
            form.errors.append((f"end-{n}", text("availability.error_order", n=n)))
        elif start <= now:
            form.errors.append((f"start-{n}", text("availability.error_past", n=n)))
        else:
            windows.append((start, end, n))
    ordered = sorted(windows)
    for (_, a_end, a), (b_start, _, b) in itertools.pairwise(ordered):
        if b_start < a_end:
            form.errors.append((f"start-{b}", text("availability.error_overlap", a=a, b=b)))
    if not windows and not form.errors:
        form.errors.append(("day-1", text("availability.error_none")))
    return form, [(s, e) for s, e, _ in windows]


@router.post("/{token}", response_class=HTMLResponse)
async def send_times(token: Token, request: Request, session: WriteSession) -> HTMLResponse:
    await limits.count_post(request, token)
    page = await availability_page.open_page(session, token)
    submitted = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    zone = fmt.valid_zone(submitted.get("tz"))
    if zone is None:
        form = Form(zone=page.time_zone, rows=[{} for _ in range(ROWS)])
        form.errors.append(("tz", text("availability.error_zone")))
        return _show(request, page, form, status=422)
    form, windows = _parse(submitted, zone)
    if form.errors:
        return _show(request, page, form, status=422)
    try:
        data = WindowsSet.model_validate(
            {
                "time_zone": zone,
                "windows": [{"start_at": s, "end_at": e} for s, e in windows],
            }
        )
    except ValidationError:
        form.errors.append(("day-1", text("availability.error_incomplete", n=1)))
        return _show(request, page, form, status=422)
    sent = await service.submit_link(session, token, data)
    locale = locale_of(request)
    return render_page(
        request,
        "availability_sent.html.j2",
        title=text("availability.sent_title"),
        brand=page.brand,
        page=page,
        zone_name=fmt.zone_label(zone, locale),
        windows=[fmt.window(w.start_at, w.end_at, zone, locale) for w in sent],
    )
