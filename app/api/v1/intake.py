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
    """The agreed intake revision: the one both the recruiter and the hiring manager signed off.
    A 404 until one is agreed, or for a role you cannot see."""
    return _with_etag(request, response, await intake.get_current_intake(session, actor, role_id))


@router.get("/revisions", summary="All revisions, oldest first")
async def list_intake_revisions(
    role_id: uuid.UUID, actor: CurrentActor, session: ReadSession, page: Paging
) -> PagePublic[IntakeRevisionPublic]:
    """Every intake revision of the role, oldest first, each with its number, status, change
    note and sign-offs. A role you cannot see is a 404."""
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
    """Proposes the whole intake as a new draft revision with a change note; revisions are never
    edited, only superseded. A closed role is a 409: reopen it first. Records intake.revised."""
    return await intake.propose_revision(session, actor, role_id, data)


@router.get("/diff", summary="Field-by-field changes between two revisions")
async def diff_intake_revisions(
    role_id: uuid.UUID,
    actor: CurrentActor,
    session: ReadSession,
    from_: Annotated[int, Query(alias="from", ge=1, le=1_000_000)],
    to: Annotated[int, Query(ge=1, le=1_000_000)],
) -> IntakeDiff:
    """Field-by-field changes from revision `from` to revision `to`, for reviewing what a
    proposal changes before signing it off. A revision number that does not exist is a 404, as
    is a role you cannot see."""
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
    """One intake revision by its number, with its sign-offs. A number that does not exist, or a
    role you cannot see, is a 404."""
    return _with_etag(request, response, await intake.get_revision(session, actor, role_id, number))


@router.post(
    "/revisions/{number}/sign-off",
    summary="Sign off a revision as the role's recruiter or hiring manager",
    responses=WRITE_RESPONSES,
)
async def sign_off_intake_revision(
    role_id: uuid.UUID, number: RevisionNumber, actor: CurrentActor, session: WriteSession
) -> IntakeRevisionPublic:
    """The role's recruiter or hiring manager signs off a draft revision; anyone else is a 403.
    Signing twice, or a revision that is not a draft, is a 409. Records intake.signed_off, and
    intake.agreed once both have signed."""
    return await intake.sign_off(session, actor, role_id, number)
