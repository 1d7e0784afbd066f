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
    return await service.transition(session, actor, application_id, data)


@router.get("/applications/{application_id}/history", summary="Every move: who, when and why")
async def list_application_history(
    application_id: uuid.UUID, actor: CurrentActor, session: ReadSession
) -> PagePublic[TransitionPublic]:
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
    return PagePublic.of(await service.list_for_role(session, actor, role_id, filters, page))


@router.get("/candidates/{candidate_id}/applications", summary="A candidate's applications")
async def list_candidate_applications(
    candidate_id: uuid.UUID,
    actor: CurrentActor,
    session: ReadSession,
    page: ApplicationPaging,
    filters: Annotated[ApplicationFilters, Depends()],
) -> PagePublic[ApplicationPublic]:
    return PagePublic.of(
        await service.list_for_candidate(session, actor, candidate_id, filters, page)
    )
