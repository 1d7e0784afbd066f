"""The page a booking link opens (/pages/bookings/<token>): choose a time for the whole panel,
then move or cancel it.

GET shows the options (or the booked panel, with the times it may move to) in the candidate's
time zone; each POST is a plain form (no script needed) calling the same service as the JSON
link. A time taken meanwhile shows the next best ones with a notice; a closed link is the pages'
closed-link answer, naming the recruiter to contact.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from app.api.deps import ReadSession, WriteSession
from app.domain.bookings import service
from app.domain.bookings.schemas import BookingCancel, BookingOutcome, BookingPick, BookingView
from app.domain.organizations.branding import LinkClosed, PublicBrand
from app.errors import DomainError, InvalidInput
from app.pages import limits
from app.pages import locale as fmt
from app.pages.render import locale_of, render_page
from app.pages.routing import page_router
from app.pages.strings import text

router = page_router("/bookings")

Token = Annotated[str, Path(min_length=20, max_length=200, pattern=r"^[A-Za-z0-9_\-]+$")]


async def _brand(session: AsyncSession, token: str) -> PublicBrand:
    return await service.brand(session, token) or PublicBrand(organization_name="")


async def _closed(session: AsyncSession, token: str, exc: DomainError) -> DomainError:
    """A link that no longer opens, as the pages show one (naming the recruiter to contact);
    other refusals stay as they are."""
    if exc.status == 404:
        reason = "invalid"
    elif isinstance(exc, service.LinkGone):
        reason = {"expired": "expired", "withdrawn": "offer_withdrawn"}.get(exc.reason, "used")
    else:
        return exc
    return LinkClosed(exc.detail, reason=reason, brand=await service.brand(session, token))


def _show(
    request: Request,
    token: str,
    view: BookingView,
    brand: PublicBrand,
    *,
    notice: str | None = None,
    errors: list[tuple[str, str]] | None = None,
    status: int = 200,
) -> HTMLResponse:
    locale = locale_of(request)
    zone = view.time_zone

    def window(start: Any, end: Any) -> str:
        return fmt.window(start, end, zone, locale)

    title = {
        "booked": "bookings.booked_title",
        "cancelled": "bookings.cancelled_title",
    }.get(view.status, "bookings.title")
    return render_page(
        request,
        "bookings.html.j2",
        title=text(title),
        brand=brand,
        status=status,
        view=view,
        notice=notice,
        form={"errors": errors or []},
        zone_name=fmt.zone_label(zone, locale),
        expires=fmt.when(view.expires_at, zone, locale),
        deadline=fmt.when(view.change_deadline, zone, locale) if view.change_deadline else None,
        options=[
            {
                "key": o.key,
                "n": n,
                "when": window(o.start_at, o.end_at),
                "stages": [(s.name, window(s.start_at, s.end_at)) for s in o.stages],
            }
            for n, o in enumerate(view.options, start=1)
        ],
        booked=[(b.kind, window(b.start_at, b.end_at)) for b in view.booked],
        base=f"/pages/bookings/{token}",
    )


@router.get("/{token}", response_class=HTMLResponse)
async def booking_page(token: Token, request: Request, session: ReadSession) -> HTMLResponse:
    await limits.count_view(request)
    try:
        view = await service.view(session, token)
    except DomainError as exc:
        raise await _closed(session, token, exc) from exc
    return _show(request, token, view, await _brand(session, token))


async def _form(request: Request) -> dict[str, str]:
    return {k: v for k, v in (await request.form()).items() if isinstance(v, str)}


async def _pick(request: Request, session: AsyncSession, token: str, action: str) -> HTMLResponse:
    await limits.count_post(request, token)
    submitted = await _form(request)
    outcome: BookingOutcome | None = None
    try:
        try:
            pick = BookingPick.model_validate({"option_key": submitted.get("option_key", "")})
        except ValidationError:
            raise InvalidInput.for_field("option_key", "is not one of the options") from None
        call = service.book if action == "book" else service.reschedule
        outcome = await call(session, token, pick, request.app.state.http)
    except InvalidInput:
        view = await service.view(session, token)
        errors = [("option-1", text("bookings.error_option"))]
        return _show(request, token, view, await _brand(session, token), errors=errors, status=422)
    except DomainError as exc:
        raise await _closed(session, token, exc) from exc
    notice = (
        text("bookings.done_booked" if action == "book" else "bookings.done_moved")
        if outcome.done
        else text("bookings.taken")
    )
    return _show(request, token, outcome.booking, await _brand(session, token), notice=notice)


@router.post("/{token}/book", response_class=HTMLResponse)
async def book(token: Token, request: Request, session: WriteSession) -> HTMLResponse:
    return await _pick(request, session, token, "book")


@router.post("/{token}/reschedule", response_class=HTMLResponse)
async def reschedule(token: Token, request: Request, session: WriteSession) -> HTMLResponse:
    return await _pick(request, session, token, "reschedule")


@router.post("/{token}/cancel", response_class=HTMLResponse)
async def cancel(token: Token, request: Request, session: WriteSession) -> HTMLResponse:
    await limits.count_post(request, token)
    reason = (await _form(request)).get("reason", "").strip()[:2000] or None
    try:
        view = await service.cancel(session, token, BookingCancel(reason=reason))
    except DomainError as exc:
        raise await _closed(session, token, exc) from exc
    return _show(
        request, token, view, await _brand(session, token), notice=text("bookings.cancelled_body")
    )
