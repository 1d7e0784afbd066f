"""A role's intake: the agreed profile and its numbered revisions."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from app.api.deps import CurrentActor, Paging, ReadSession, WriteSession, etag, not_modified
from app.api.pagination import PagePublic
from app.api.problems import COMMON_RESPONSES, WRITE_RESPONSES
from app.domain.roles import intake
from app.domain.roles.schemas import IntakeDiff, IntakeRevisionCreate, IntakeRevisionPublic

router = APIRouter(prefix="/roles/{role_id}/intake", tags=["intake"], responses=COMMON_RESPONSES)

RevisionNumber = Annotated[int, Path(ge=1, le=1_000_000)]


def _with_etag(
    request: Request, response: Response, revision: IntakeRevisionPublic
) -> IntakeRevisionPublic | Response:
    tag = etag(revision.etag_version)
    if not_modified(request, tag):
        return Response(status_code=304, headers={"ETag": tag})
    response.headers["ETag"] = tag
    return revision


@router.get(
    "",
    response_model=IntakeRevisionPublic,
    summary="The current agreed intake",
    responses={304: {"description": "Not modified"}},
)
async def read_intake(
    role_id: uuid.UUID,
    actor: CurrentActor,
    session: ReadSession,
    request: Request,
    response: Response,
) -> IntakeRevisionPublic | Response:
    return _with_etag(request, response, await intake.get_current_intake(session, actor, role_id))


@router.get("/revisions", summary="All revisions, oldest first")
async def list_intake_revisions(
    role_id: uuid.UUID, actor: CurrentActor, session: ReadSession, page: Paging
) -> PagePublic[IntakeRevisionPublic]:
    return PagePublic.of(await intake.list_revisions(session, actor, role_id, page))


@router.post(
    "/revisions",
    status_code=201,
    summary="Propose a new revision with a change note",
    responses=WRITE_RESPONSES,
)
async def propose_intake_revision(
    role_id: uuid.UUID, data: IntakeRevisionCreate, actor: CurrentActor, session: WriteSession
) -> IntakeRevisionPublic:
    return await intake.propose_revision(session, actor, role_id, data)


@router.get("/diff", summary="Field-by-field changes between two revisions")
async def diff_intake_revisions(
    role_id: uuid.UUID,
    actor: CurrentActor,
    session: ReadSession,
    from_: Annotated[int, Query(alias="from", ge=1, le=1_000_000)],
    to: Annotated[int, Query(ge=1, le=1_000_000)],
) -> IntakeDiff:
    return await intake.diff_revisions(session, actor, role_id, from_, to)


@router.get(
    "/revisions/{number}",
    response_model=IntakeRevisionPublic,
    summary="One revision",
    responses={304: {"description": "Not modified"}},
)
async def read_intake_revision(
    role_id: uuid.UUID,
    number: RevisionNumber,
    actor: CurrentActor,
    session: ReadSession,
    request: Request,
    response: Response,
) -> IntakeRevisionPublic | Response:
    return _with_etag(request, response, await intake.get_revision(session, actor, role_id, number))


@router.post(
    "/revisions/{number}/sign-off",
    summary="Sign off a revision as the role's recruiter or hiring manager",
    responses=WRITE_RESPONSES,
)
async def sign_off_intake_revision(
    role_id: uuid.UUID, number: RevisionNumber, actor: CurrentActor, session: WriteSession
) -> IntakeRevisionPublic:
    return await intake.sign_off(session, actor, role_id, number)
