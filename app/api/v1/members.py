"""Members of the organization, their profiles and their update preferences."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from app.api.deps import (
    CurrentActor,
    IfMatch,
    Paging,
    ReadSession,
    WriteSession,
    etag,
    not_modified,
)
from app.api.pagination import PagePublic
from app.api.problems import COMMON_RESPONSES, PATCH_RESPONSES, WRITE_RESPONSES
from app.domain.notifications import service as notifications
from app.domain.notifications.schemas import DigestPreviewPublic
from app.domain.organizations import service
from app.domain.organizations.schemas import (
    MemberCreate,
    MemberFilters,
    MemberPublic,
    MemberUpdate,
    PreferencesPublic,
    PreferencesUpdate,
)

router = APIRouter(prefix="/members", tags=["members"], responses=COMMON_RESPONSES)


@router.get("", summary="List members")
async def list_members(
    actor: CurrentActor,
    session: ReadSession,
    page: Paging,
    filters: Annotated[MemberFilters, Depends()],
) -> PagePublic[MemberPublic]:
    return PagePublic.of(await service.list_members(session, actor, filters, page))


@router.post("", status_code=201, summary="Add a member (admins)", responses=WRITE_RESPONSES)
async def create_member(
    data: MemberCreate, actor: CurrentActor, session: WriteSession, response: Response
) -> MemberPublic:
    member = await service.create_member(session, actor, data)
    response.headers["ETag"] = etag(member.version)
    response.headers["Location"] = f"/api/v1/members/{member.id}"
    return member


@router.get(
    "/{member_id}",
    response_model=MemberPublic,
    summary="Read a member",
    responses={304: {"description": "Not modified"}},
)
async def read_member(
    member_id: uuid.UUID,
    actor: CurrentActor,
    session: ReadSession,
    request: Request,
    response: Response,
) -> MemberPublic | Response:
    member = await service.get_member(session, actor, member_id)
    tag = etag(member.version)
    if not_modified(request, tag):
        return Response(status_code=304, headers={"ETag": tag})
    response.headers["ETag"] = tag
    return member


@router.patch(
    "/{member_id}",
    summary="Change a member (admins; members their own profile)",
    responses=PATCH_RESPONSES,
)
async def update_member(
    member_id: uuid.UUID,
    data: MemberUpdate,
    actor: CurrentActor,
    session: WriteSession,
    version: IfMatch,
    response: Response,
) -> MemberPublic:
    member = await service.update_member(session, actor, member_id, data, version)
    response.headers["ETag"] = etag(member.version)
    return member


@router.get("/{member_id}/preferences", summary="Read a member's update preferences")
async def read_member_preferences(
    member_id: uuid.UUID, actor: CurrentActor, session: ReadSession
) -> PreferencesPublic:
    return await service.get_preferences(session, actor, member_id)


@router.patch(
    "/{member_id}/preferences",
    summary="Change update preferences: cadence, channel, local time, delegate",
    responses=WRITE_RESPONSES,
)
async def update_member_preferences(
    member_id: uuid.UUID, data: PreferencesUpdate, actor: CurrentActor, session: WriteSession
) -> PreferencesPublic:
    return await service.update_preferences(session, actor, member_id, data)


@router.get(
    "/{member_id}/digest/preview",
    summary="The member's next digest: when, on which channel, and what it would say",
)
async def preview_member_digest(
    member_id: uuid.UUID, actor: CurrentActor, session: ReadSession
) -> DigestPreviewPublic:
    return await notifications.digest_preview(session, actor, member_id)
