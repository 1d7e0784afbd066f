"""Availability: members' date overrides and busy blocks, candidates' offered windows and links."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response

from app.api.deps import CurrentActor, ReadSession, WriteSession
from app.api.pagination import PagePublic
from app.api.problems import COMMON_RESPONSES, WRITE_RESPONSES
from app.domain.availability import service
from app.domain.availability.schemas import (
    AvailabilityLinkCreate,
    AvailabilityLinkPublic,
    BusyBlockCreate,
    BusyBlockPublic,
    OverridePublic,
    OverrideSet,
    WindowPublic,
    WindowsSet,
)

router = APIRouter(tags=["availability"], responses=COMMON_RESPONSES)


@router.put(
    "/members/{member_id}/availability/overrides",
    summary="Set one day's hours (empty: a day off), in the member's time zone",
    responses=WRITE_RESPONSES,
)
async def set_availability_override(
    member_id: uuid.UUID, data: OverrideSet, actor: CurrentActor, session: WriteSession
) -> OverridePublic:
    """For a day that differs from the member's weekly hours (a day off, a shorter day); scheduling
    suggestions read it at once. Setting a day again replaces its hours."""
    return await service.set_override(session, actor, member_id, data)


@router.get(
    "/members/{member_id}/availability/overrides", summary="Date overrides in a range of days"
)
async def list_availability_overrides(
    member_id: uuid.UUID,
    actor: CurrentActor,
    session: ReadSession,
    from_: Annotated[date, Query(alias="from")],
    to: Annotated[date, Query()],
) -> PagePublic[OverridePublic]:
    """The days in the range that differ from the weekly hours (at most a year), oldest first."""
    return PagePublic.whole(await service.list_overrides(session, actor, member_id, from_, to))


@router.delete(
    "/members/{member_id}/availability/overrides/{day}",
    status_code=204,
    summary="Back to the weekly hours",
)
async def delete_availability_override(
    member_id: uuid.UUID, day: date, actor: CurrentActor, session: WriteSession
) -> Response:
    """The day follows the member's weekly hours again."""
    await service.delete_override(session, actor, member_id, day)
    return Response(status_code=204)


@router.post(
    "/members/{member_id}/busy-blocks",
    status_code=201,
    summary="Add busy time (calendar syncs upsert by source and external id)",
    responses=WRITE_RESPONSES,
)
async def add_busy_block(
    member_id: uuid.UUID, data: BusyBlockCreate, actor: CurrentActor, session: WriteSession
) -> BusyBlockPublic:
    """Time the member cannot interview, beside their calendar. A calendar sync sends source and
    external_id, so the same event sent again updates its block instead of doubling it."""
    return await service.add_busy_block(session, actor, member_id, data)


@router.get(
    "/members/{member_id}/busy-blocks", summary="Busy time overlapping a range (at most 90 days)"
)
async def list_busy_blocks(
    member_id: uuid.UUID,
    actor: CurrentActor,
    session: ReadSession,
    from_: Annotated[datetime, Query(alias="from")],
    to: Annotated[datetime, Query()],
) -> PagePublic[BusyBlockPublic]:
    """Every block overlapping the range, whatever its source: what scheduling treats as taken."""
    return PagePublic.whole(await service.list_busy_blocks(session, actor, member_id, from_, to))


@router.delete(
    "/members/{member_id}/busy-blocks/{block_id}", status_code=204, summary="Remove busy time"
)
async def delete_busy_block(
    member_id: uuid.UUID, block_id: uuid.UUID, actor: CurrentActor, session: WriteSession
) -> Response:
    """The time becomes free for scheduling again; a calendar sync may add it back if the event is
    still there."""
    await service.delete_busy_block(session, actor, member_id, block_id)
    return Response(status_code=204)


@router.put(
    "/applications/{application_id}/candidate-windows",
    summary="Set the candidate's offered windows (replaces earlier ones)",
    responses=WRITE_RESPONSES,
)
async def set_candidate_windows(
    application_id: uuid.UUID, data: WindowsSet, actor: CurrentActor, session: WriteSession
) -> list[WindowPublic]:
    """When the candidate told the recruiter their times (a call, an email): the set replaces
    earlier windows, so resending is safe."""
    return await service.set_candidate_windows(session, actor, application_id, data)


@router.get(
    "/applications/{application_id}/candidate-windows", summary="The candidate's offered windows"
)
async def list_candidate_windows(
    application_id: uuid.UUID, actor: CurrentActor, session: ReadSession
) -> PagePublic[WindowPublic]:
    """The times the candidate can interview, as entered by them (through a link) or by the
    recruiter."""
    return PagePublic.whole(await service.candidate_windows(session, actor, application_id))


@router.post(
    "/applications/{application_id}/availability-links",
    status_code=201,
    summary="A single-use, expiring link for the candidate to offer windows without an account",
    responses=WRITE_RESPONSES,
)
async def create_availability_link(
    application_id: uuid.UUID,
    data: AvailabilityLinkCreate,
    actor: CurrentActor,
    session: WriteSession,
) -> AvailabilityLinkPublic:
    """The candidate opens the link without an account and offers windows once; the link expires
    and is closed once used. The token is the credential: send the URL to the candidate only."""
    return await service.create_link(session, actor, application_id, data)
