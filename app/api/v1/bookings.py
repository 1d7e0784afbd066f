"""Booking links: the recruiter sends one (and may withdraw it); the candidate, with no account,
books the whole panel through it, then moves or cancels it."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path

from app.api.deps import CurrentActor, HttpClient, ReadSession, WriteSession
from app.api.problems import COMMON_RESPONSES, WRITE_RESPONSES, problem_schema
from app.domain.bookings import policy, service
from app.domain.bookings.schemas import (
    BookingCancel,
    BookingLinkCreate,
    BookingLinkCreated,
    BookingLinkPublic,
    BookingOutcome,
    BookingPick,
    BookingPolicyPublic,
    BookingPolicyUpdate,
    BookingView,
)

router = APIRouter(responses=COMMON_RESPONSES)
# The candidate's side has no credentials, so none of their problems (401, 403).
public_router = APIRouter(tags=["candidate booking link"])

Token = Annotated[str, Path(min_length=20, max_length=200, pattern=r"^[A-Za-z0-9_\-]+$")]
_LINK_PROBLEMS: dict[int | str, dict[str, Any]] = {
    404: problem_schema("The link is not valid"),
    409: problem_schema("Not possible in the link's state or under the organization's policy"),
    410: problem_schema("The link expired or was withdrawn, or its interviews were cancelled"),
    422: problem_schema("Invalid input, e.g. an option that is no longer offered"),
}


@router.get(
    "/booking-policy",
    tags=["booking links"],
    summary="The organization's booking policy: notice, horizon, options, expiries, changes",
)
async def get_booking_policy(actor: CurrentActor, session: ReadSession) -> BookingPolicyPublic:
    """The organization's booking policy: minimum notice, horizon, how many options, hold and
    link expiries, and how many changes a candidate may make. Admins, recruiters and hiring
    managers."""
    return await policy.get_policy(session, actor)


@router.patch(
    "/booking-policy",
    tags=["booking links"],
    summary="Set the organization's booking policy (admins); null returns a field to the "
    "deployment's default",
    responses=WRITE_RESPONSES,
)
async def update_booking_policy(
    data: BookingPolicyUpdate, actor: CurrentActor, session: WriteSession
) -> BookingPolicyPublic:
    """Admins set the booking policy; a field sent as null returns to the deployment's default,
    a field left out stays as it is. Records organization.updated."""
    return await policy.update_policy(session, actor, data)


@router.post(
    "/booking-links",
    status_code=201,
    tags=["booking links"],
    summary="Offer the candidate a few ranked options for the whole panel, held meanwhile",
    responses=WRITE_RESPONSES,
)
async def create_link(
    data: BookingLinkCreate, actor: CurrentActor, session: WriteSession
) -> BookingLinkCreated:
    """Admins and recruiters offer the candidate a few ranked options for the whole panel; each
    option is held on the interviewers' calendars until booked, withdrawn or expired. An
    application that is not active, or no option that fits, is a 409. Records hold.placed."""
    return await service.create_link(session, actor, data)


@router.get("/booking-links/{link_id}", tags=["booking links"], summary="A booking link")
async def get_link(
    link_id: uuid.UUID, actor: CurrentActor, session: ReadSession
) -> BookingLinkPublic:
    """One booking link with its options, status and what was booked. Admins, recruiters and
    hiring managers; another organization's link is a 404."""
    return await service.get_link(session, actor, link_id)


@router.post(
    "/booking-links/{link_id}/withdraw",
    tags=["booking links"],
    summary="Take the offer back: its holds are released and the link stops working",
    responses=WRITE_RESPONSES,
)
async def withdraw_link(
    link_id: uuid.UUID, actor: CurrentActor, session: WriteSession
) -> BookingLinkPublic:
    """Admins and recruiters take the offer back: its holds are released and the link answers
    410 from now on. Only an open link can be withdrawn (409). Records hold.released."""
    return await service.withdraw(session, actor, link_id)


@public_router.get(
    "/public/bookings/{token}",
    summary="What the candidate sees: the options, or the booked panel",
    responses=_LINK_PROBLEMS,
    openapi_extra={"security": []},
)
async def view_booking(token: Token, session: ReadSession) -> BookingView:
    """What the candidate sees on the booking page: the ranked options while open, or the booked
    panel. The token is the credential; an unknown token is a 404 and an expired or withdrawn
    link a 410."""
    return await service.view(session, token)


@public_router.post(
    "/public/bookings/{token}/book",
    summary="Book every stage of one option; if it was taken meanwhile, the next best are offered",
    responses=_LINK_PROBLEMS,
    openapi_extra={"security": []},
)
async def book(
    token: Token, data: BookingPick, session: WriteSession, http: HttpClient
) -> BookingOutcome:
    """The candidate, holding the link's token, books every stage of one option: the interviews
    are scheduled and the recruiter is told. If the option was taken meanwhile, the answer
    offers the next best instead. An expired or withdrawn link is a 410; a link already used to
    book is a 409 (it can then move or cancel the panel, not book again)."""
    return await service.book(session, token, data, http)


@public_router.post(
    "/public/bookings/{token}/reschedule",
    summary="Move the booked panel to one of the options offered now",
    responses=_LINK_PROBLEMS,
    openapi_extra={"security": []},
)
async def reschedule(
    token: Token, data: BookingPick, session: WriteSession, http: HttpClient
) -> BookingOutcome:
    """The candidate moves the booked panel to one of the options offered now; the interviews
    move and the recruiter is told. An option_key not on offer is a 422; the policy limits how
    many changes a candidate may make."""
    return await service.reschedule(session, token, data, http)


@public_router.post(
    "/public/bookings/{token}/cancel",
    summary="Cancel the booked panel",
    responses=_LINK_PROBLEMS,
    openapi_extra={"security": []},
)
async def cancel(token: Token, data: BookingCancel, session: WriteSession) -> BookingView:
    """The candidate cancels the booked panel with a reason; the interviews are cancelled and
    the recruiter is told. A link with nothing booked is a 409; an unknown token is a 404."""
    return await service.cancel(session, token, data)
