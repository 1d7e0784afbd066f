"""Booking links: the recruiter sends one (and may withdraw it); the candidate, with no account,
books the whole panel through it, then moves or cancels it."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path

from app.api.deps import CurrentActor, ReadSession, WriteSession
from app.api.problems import COMMON_RESPONSES, WRITE_RESPONSES, problem_schema
from app.domain.bookings import service
from app.domain.bookings.schemas import (
    BookingCancel,
    BookingLinkCreate,
    BookingLinkCreated,
    BookingLinkPublic,
    BookingOutcome,
    BookingPick,
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
    return await service.create_link(session, actor, data)


@router.get("/booking-links/{link_id}", tags=["booking links"], summary="A booking link")
async def get_link(
    link_id: uuid.UUID, actor: CurrentActor, session: ReadSession
) -> BookingLinkPublic:
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
    return await service.withdraw(session, actor, link_id)


@public_router.get(
    "/public/bookings/{token}",
    summary="What the candidate sees: the options, or the booked panel",
    responses=_LINK_PROBLEMS,
    openapi_extra={"security": []},
)
async def view_booking(token: Token, session: ReadSession) -> BookingView:
    return await service.view(session, token)


@public_router.post(
    "/public/bookings/{token}/book",
    summary="Book every stage of one option; if it was taken meanwhile, the next best are offered",
    responses=_LINK_PROBLEMS,
    openapi_extra={"security": []},
)
async def book(token: Token, data: BookingPick, session: WriteSession) -> BookingOutcome:
    return await service.book(session, token, data)


@public_router.post(
    "/public/bookings/{token}/reschedule",
    summary="Move the booked panel to one of the options offered now",
    responses=_LINK_PROBLEMS,
    openapi_extra={"security": []},
)
async def reschedule(token: Token, data: BookingPick, session: WriteSession) -> BookingOutcome:
    return await service.reschedule(session, token, data)


@public_router.post(
    "/public/bookings/{token}/cancel",
    summary="Cancel the booked panel",
    responses=_LINK_PROBLEMS,
    openapi_extra={"security": []},
)
async def cancel(token: Token, data: BookingCancel, session: WriteSession) -> BookingView:
    return await service.cancel(session, token, data)
