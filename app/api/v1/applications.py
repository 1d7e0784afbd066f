"""Applications: a candidate in a role's pipeline, and its moves."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from app.api.deps import (
    ApplicationPaging,
    CurrentActor,
    IfMatch,
    ReadSession,
    WriteSession,
    etag,
    not_modified,
)
from app.api.pagination import PagePublic
from app.api.problems import COMMON_RESPONSES, PATCH_RESPONSES, WRITE_RESPONSES
from app.domain.applications import service
from app.domain.applications.schemas import (
    ApplicationCreate,
    ApplicationFilters,
    ApplicationPublic,
    ApplicationUpdate,
    TransitionCreate,
    TransitionPublic,
)

router = APIRouter(tags=["applications"], responses=COMMON_RESPONSES)


@router.post(
    "/applications",
    status_code=201,
    summary="Put a candidate in a role's pipeline",
    responses=WRITE_RESPONSES,
)
async def create_application(
    data: ApplicationCreate, actor: CurrentActor, session: WriteSession, response: Response
) -> ApplicationPublic:
    """Admins and recruiters. The application starts in the first stage with outcome active and
    records application.created. A role_id outside your organization is a 422; a closed or
    paused role, or a candidate who already has an application for this role, is a 409."""
    application = await service.create_application(session, actor, data)
    response.headers["ETag"] = etag(application.version)
    response.headers["Location"] = f"/api/v1/applications/{application.id}"
    return application


@router.get(
    "/applications/{application_id}",
    response_model=ApplicationPublic,
    summary="Read an application",
    responses={304: {"description": "Not modified"}},
)
async def read_application(
    application_id: uuid.UUID,
    actor: CurrentActor,
    session: ReadSession,
    request: Request,
    response: Response,
) -> ApplicationPublic | Response:
    """One application with its stage, outcome, screening notes and assessment. Another
    organization's id is a 404. The ETag is the application's version, for If-Match on PATCH."""
    application = await service.get_application(session, actor, application_id)
    tag = etag(application.version)
    if not_modified(request, tag):
        return Response(status_code=304, headers={"ETag": tag})
    response.headers["ETag"] = tag
    return application


@router.patch(
    "/applications/{application_id}",
    summary="Screening notes and the recruiter's assessment",
    responses=PATCH_RESPONSES,
)
async def update_application(
    application_id: uuid.UUID,
    data: ApplicationUpdate,
    actor: CurrentActor,
    session: WriteSession,
    version: IfMatch,
    response: Response,
) -> ApplicationPublic:
    """Admins and recruiters change the screening notes and the recruiter's assessment; the
    stage changes only through transitions. Send the ETag as If-Match: a stale version is a 412.
    Records application.updated."""
    application = await service.update_application(session, actor, application_id, data, version)
    response.headers["ETag"] = etag(application.version)
    return application


@router.post(
    "/applications/{application_id}/transitions",
    summary="Move the application; an illegal move is a 409 that lists the allowed ones",
    responses=WRITE_RESPONSES,
)
async def transition_application(
    application_id: uuid.UUID, data: TransitionCreate, actor: CurrentActor, session: WriteSession
) -> ApplicationPublic:
    """Admins, recruiters and the role's hiring manager. The action is move, reject, withdraw or
    reopen; an illegal move is a 409 whose problem lists the allowed ones. Records
    application.moved (or application.reopened) with the reason, visible in the history."""
    return await service.transition(session, actor, application_id, data)


@router.get("/applications/{application_id}/history", summary="Every move: who, when and why")
async def list_application_history(
    application_id: uuid.UUID, actor: CurrentActor, session: ReadSession
) -> PagePublic[TransitionPublic]:
    """Every transition of the application in order: from and to stage, outcome, who made it,
    when and the reason given. Another organization's application is a 404."""
    return PagePublic.whole(await service.history(session, actor, application_id))


@router.get(
    "/roles/{role_id}/applications", summary="A role's applications, with time in the current stage"
)
async def list_role_applications(
    role_id: uuid.UUID,
    actor: CurrentActor,
    session: ReadSession,
    page: ApplicationPaging,
    filters: Annotated[ApplicationFilters, Depends()],
) -> PagePublic[ApplicationPublic]:
    """The role's pipeline: each application with its stage, outcome and how long it has been in
    the current stage, for spotting stalled candidates. Another organization's role, or one a
    hiring manager does not manage, is a 404. Sortable with `sort`; paged with limit and cursor."""
    return PagePublic.of(await service.list_for_role(session, actor, role_id, filters, page))


@router.get("/candidates/{candidate_id}/applications", summary="A candidate's applications")
async def list_candidate_applications(
    candidate_id: uuid.UUID,
    actor: CurrentActor,
    session: ReadSession,
    page: ApplicationPaging,
    filters: Annotated[ApplicationFilters, Depends()],
) -> PagePublic[ApplicationPublic]:
    """One candidate's applications across roles, each with its stage and outcome. Hiring
    managers see only applications to roles they manage. Sortable with `sort`; paged with
    limit and cursor."""
    return PagePublic.of(
        await service.list_for_candidate(session, actor, candidate_id, filters, page)
    )
