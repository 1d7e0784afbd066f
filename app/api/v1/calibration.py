"""Calibration: slates for the hiring manager, their decisions, and what they teach."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response

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
from app.api.responses import json_response
from app.domain.calibration import fit, insights, slates
from app.domain.calibration.schemas import (
    DecisionCreate,
    FitCheck,
    RoleInsights,
    SlateCreate,
    SlatePublic,
    SlateSend,
    SlateSummaryPublic,
    SlateUpdate,
)

router = APIRouter(tags=["calibration"], responses=COMMON_RESPONSES)


@router.post(
    "/slates",
    status_code=201,
    summary="Draft a slate of a few applications of one role",
    responses=WRITE_RESPONSES,
)
async def create_slate(
    data: SlateCreate, actor: CurrentActor, session: WriteSession, response: Response
) -> SlatePublic:
    """Admins and recruiters draft a slate of a few applications of one role, each with the
    recruiter's note. Applications must belong to that role and be active, else 422; a role_id
    outside your organization is a 422. Nothing is sent until the slate is sent."""
    slate = await slates.create_slate(session, actor, data)
    response.headers["Location"] = f"/api/v1/slates/{slate.id}"
    response.headers["ETag"] = etag(slate.version)
    return slate


@router.get(
    "/slates/{slate_id}",
    response_model=SlatePublic,
    summary="A slate with its items and decisions",
    responses={304: {"description": "Not modified"}},
)
async def read_slate(
    slate_id: uuid.UUID, actor: CurrentActor, session: ReadSession, request: Request
) -> Response:
    """One slate with its items, the recruiter's notes and the slate decisions made so far.
    Another organization's slate, or a draft a hiring manager may not see yet, is a 404."""
    slate = await slates.get_slate(session, actor, slate_id)
    tag = etag(slate.version)
    if not_modified(request, tag):
        return Response(status_code=304, headers={"ETag": tag})
    return json_response(slate, headers={"ETag": tag})


@router.patch("/slates/{slate_id}", summary="Change a draft slate", responses=PATCH_RESPONSES)
async def update_slate(
    slate_id: uuid.UUID,
    data: SlateUpdate,
    actor: CurrentActor,
    session: WriteSession,
    version: IfMatch,
    response: Response,
) -> SlatePublic:
    """Admins and recruiters change the items or notes of a draft slate. Once the slate is sent
    it cannot change (409); items must still be active applications of the role."""
    slate = await slates.update_slate(session, actor, slate_id, data, version)
    response.headers["ETag"] = etag(slate.version)
    return slate


@router.post(
    "/slates/{slate_id}/send",
    summary="Send the slate to the hiring manager; its applications move to hm_review",
    responses=WRITE_RESPONSES,
)
async def send_slate(
    slate_id: uuid.UUID, data: SlateSend, actor: CurrentActor, session: WriteSession
) -> SlatePublic:
    """Admins and recruiters send a draft slate to the role's hiring manager, optionally with a
    due_at in the future; its applications move to hm_review. A slate already sent, or a role
    without a hiring manager, is a 409. Records slate.sent and notifies the hiring manager."""
    return await slates.send_slate(session, actor, slate_id, data)


@router.post(
    "/slates/{slate_id}/items/{item_id}/decision",
    summary="The hiring manager's decision on one candidate, with reasons",
    responses=WRITE_RESPONSES,
)
async def decide_slate_item(
    slate_id: uuid.UUID,
    item_id: uuid.UUID,
    data: DecisionCreate,
    actor: CurrentActor,
    session: WriteSession,
) -> SlatePublic:
    """The role's hiring manager, or their delegate, decides approve, reject or waitlist on one
    slate item, always with reasons; anyone else is a 403. A slate not yet sent is a 409.
    Records application.reviewed, and slate.reviewed once every item is decided."""
    return await slates.decide(session, actor, slate_id, item_id, data)


@router.get(
    "/roles/{role_id}/slates",
    summary="A role's slates, newest first (hiring managers see sent ones)",
)
async def list_role_slates(
    role_id: uuid.UUID, actor: CurrentActor, session: ReadSession, page: Paging
) -> PagePublic[SlateSummaryPublic]:
    """The role's slates, newest first, with their items. Recruiters and admins see drafts too;
    hiring managers see only slates sent to them. A role you cannot see is a 404."""
    return PagePublic.of(await slates.list_slates(session, actor, role_id, page))


@router.get(
    "/roles/{role_id}/insights", summary="What the hiring manager's decisions teach about the role"
)
async def read_role_insights(
    role_id: uuid.UUID, actor: CurrentActor, session: ReadSession
) -> RoleInsights:
    """What the role's slate decisions have taught: approval rates, the top rejection reasons
    and suggestions for the intake. Read-only; a role you cannot see is a 404."""
    return await insights.role_insights(session, actor, role_id)


@router.get(
    "/roles/{role_id}/fit-check/{candidate_id}",
    summary="How a candidate stands against the role's agreed intake and learned red flags",
)
async def read_fit_check(
    role_id: uuid.UUID, candidate_id: uuid.UUID, actor: CurrentActor, session: ReadSession
) -> FitCheck:
    """Holds one candidate against the role's agreed intake and the red flags learned from slate
    decisions, with the reasons for each finding, before putting them on a slate. Another
    organization's role or candidate is a 404."""
    return await fit.fit_check(session, actor, role_id, candidate_id)
