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
    """The organization's members, active ones unless include_inactive is set; filter by
    permission_set or q (name). Any member may list them, for choosing recruiters, hiring managers
    and interviewers. Paged with limit and cursor."""
    return PagePublic.of(await service.list_members(session, actor, filters, page))


@router.post("", status_code=201, summary="Add a member (admins)", responses=WRITE_RESPONSES)
async def create_member(
    data: MemberCreate, actor: CurrentActor, session: WriteSession, response: Response
) -> MemberPublic:
    """Admins add a member with a permission_set (admin, recruiter, hiring_manager or
    interviewer). An email already used by a member of the organization is a 409. Records
    member.created."""
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
    """One member with their permission_set and active state. Another organization's member is a
    404. The ETag is the member's version, for If-Match on PATCH."""
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
    """Members change their own profile; only admins change another member, a permission_set or
    the active state (else 403). You cannot deactivate yourself or drop your own admin
    permission set (409). Send the ETag as If-Match. Records member.updated, and
    member.permission_changed when the permission set changes; deactivation revokes the member's
    API keys."""
    member = await service.update_member(session, actor, member_id, data, version)
    response.headers["ETag"] = etag(member.version)
    return member


@router.get("/{member_id}/preferences", summary="Read a member's update preferences")
async def read_member_preferences(
    member_id: uuid.UUID, actor: CurrentActor, session: ReadSession
) -> PreferencesPublic:
    """The member's update preferences: digest cadence, channel, local time and delegate.
    Another organization's member is a 404."""
    return await service.get_preferences(session, actor, member_id)


@router.patch(
    "/{member_id}/preferences",
    summary="Change update preferences: cadence, channel, local time, delegate",
    responses=WRITE_RESPONSES,
)
async def update_member_preferences(
    member_id: uuid.UUID, data: PreferencesUpdate, actor: CurrentActor, session: WriteSession
) -> PreferencesPublic:
    """The member or an admin changes digest cadence, channel, local time and delegate (who
    decides for them while away). A member cannot be their own delegate, and the slack channel
    needs Slack set up (422). Records member.preferences_updated."""
    return await service.update_preferences(session, actor, member_id, data)


@router.get(
    "/{member_id}/digest/preview",
    summary="The member's next digest: when, on which channel, and what it would say",
)
async def preview_member_digest(
    member_id: uuid.UUID, actor: CurrentActor, session: ReadSession
) -> DigestPreviewPublic:
    """Admins and recruiters see when the member's next digest is due, on which channel, and
    what it would say now, without sending it. Another organization's member is a 404."""
    return await notifications.digest_preview(session, actor, member_id)
