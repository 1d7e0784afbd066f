"""Job roles."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from app.api.deps import (
    CurrentActor,
    IfMatch,
    ReadRows,
    ReadSession,
    RolePaging,
    WriteSession,
    etag,
    not_modified,
    open_driver,
)
from app.api.pagination import PagePublic
from app.api.problems import COMMON_RESPONSES, PATCH_RESPONSES, WRITE_RESPONSES
from app.api.responses import json_response
from app.domain.integrations import service as integrations
from app.domain.integrations.schemas import ExternalRefLink, ExternalRefPublic
from app.domain.roles import service
from app.domain.roles.schemas import RoleCreate, RoleFilters, RolePublic, RoleUpdate

router = APIRouter(prefix="/roles", tags=["roles"], responses=COMMON_RESPONSES)


@router.post(
    "", status_code=201, summary="Create a role (admins, recruiters)", responses=WRITE_RESPONSES
)
async def create_role(
    data: RoleCreate, actor: CurrentActor, session: WriteSession, response: Response
) -> RolePublic:
    """Admins and recruiters. The recruiter and hiring manager must be active members of your
    organization, else 422. The role starts open with its headcount; records role.created."""
    role = await service.create_role(session, actor, data)
    response.headers["ETag"] = etag(role.version)
    response.headers["Location"] = f"/api/v1/roles/{role.id}"
    return role


@router.get("", response_model=PagePublic[RolePublic], summary="List roles, newest first")
async def list_roles(
    actor: CurrentActor,
    session: ReadRows,
    page: RolePaging,
    filters: Annotated[RoleFilters, Depends()],
) -> Response:
    """The organization's roles, newest first unless `sort` (created_at, updated_at, `-` for
    descending) says otherwise. Hiring managers see only the roles they manage or are delegated.
    Paged with limit and cursor."""
    return json_response(PagePublic.of(await service.list_roles(session, actor, filters, page)))


@router.get(
    "/{role_id}",
    response_model=RolePublic,
    summary="Read a role",
    responses={304: {"description": "Not modified"}},
)
async def read_role(role_id: uuid.UUID, actor: CurrentActor, request: Request) -> Response:
    """One role with its headcount, recruiter, hiring manager and status. Another organization's
    role, or one a hiring manager does not manage, is a 404. The ETag is the role's version, for
    If-Match on PATCH."""
    # The connection is opened here, not as a `ReadRows` dependency: this is the hottest read,
    # and FastAPI's generator dependencies and SQLAlchemy's `Connection` cost more than its
    # statement (bench `role`).
    async with open_driver(request) as driver:
        role = await service.get_role(driver, actor, role_id)
    tag = etag(role.version)
    if not_modified(request, tag):
        return Response(status_code=304, headers={"ETag": tag})
    return json_response(role, headers={"ETag": tag})


@router.patch("/{role_id}", summary="Change a role (admins, recruiters)", responses=PATCH_RESPONSES)
async def update_role(
    role_id: uuid.UUID,
    data: RoleUpdate,
    actor: CurrentActor,
    session: WriteSession,
    version: IfMatch,
    response: Response,
) -> RolePublic:
    """Admins and recruiters. Send the ETag as If-Match: a stale version is a 412. An illegal
    status change is a 409, and members that are not active in your organization a 422. Records
    role.updated."""
    role = await service.update_role(session, actor, role_id, data, version)
    response.headers["ETag"] = etag(role.version)
    return role


@router.get("/{role_id}/external-refs", summary="The role's ids in other systems")
async def list_role_external_refs(
    role_id: uuid.UUID, actor: CurrentActor, session: ReadSession
) -> PagePublic[ExternalRefPublic]:
    """The role's ids in connected systems (ATS connections), one per system. Another
    organization's role is a 404."""
    return PagePublic.whole(await integrations.role_refs(session, actor, role_id))


@router.put(
    "/{role_id}/external-refs",
    summary="Link the role to its id in a connected system",
    responses=WRITE_RESPONSES,
)
async def link_role_external_ref(
    role_id: uuid.UUID, data: ExternalRefLink, actor: CurrentActor, session: WriteSession
) -> ExternalRefPublic:
    """Admins and recruiters tie the role to its id in a connected ATS, so imports and pushes
    find it. An external id already linked to another role is a 409. Records
    external_ref.linked."""
    return await integrations.link_role(session, actor, role_id, data)
