"""Scorecards, decisions after interviews, offers, outcome messages and closing the loop."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from app.api.deps import CurrentActor, Paging, ReadSession, WriteSession
from app.api.pagination import PagePublic
from app.api.problems import COMMON_RESPONSES, WRITE_RESPONSES
from app.domain.feedback import closing, decisions, offers, outcomes, scorecards
from app.domain.feedback.schemas import (
    CloseTheLoop,
    DecisionCreate,
    DecisionPublic,
    OfferCreate,
    OfferPublic,
    OfferTransition,
    OfferUpdate,
    OutcomeMessagePublic,
    OutcomeMessageUpdate,
    RejectionReasonCreate,
    RejectionReasonPublic,
    RejectionReasonUpdate,
    RoleDashboard,
    ScorecardPublic,
    ScorecardRevisionPublic,
    ScorecardSummary,
    ScorecardWrite,
)
from app.domain.types import QueryFlag

router = APIRouter(tags=["feedback and offers"], responses=COMMON_RESPONSES)


@router.put(
    "/interviews/{interview_id}/scorecard",
    summary="Write your scorecard: save a draft, submit, or amend a submitted one",
    responses=WRITE_RESPONSES,
)
async def write_scorecard(
    interview_id: uuid.UUID, data: ScorecardWrite, actor: CurrentActor, session: WriteSession
) -> ScorecardPublic:
    return await scorecards.write_scorecard(session, actor, interview_id, data)


@router.get(
    "/interviews/{interview_id}/scorecards",
    summary="The interview's scorecards (interviewers see the others' once they submitted their own)",
)
async def list_interview_scorecards(
    interview_id: uuid.UUID, actor: CurrentActor, session: ReadSession
) -> PagePublic[ScorecardPublic]:
    return PagePublic.whole(await scorecards.interview_scorecards(session, actor, interview_id))


@router.get(
    "/interviews/{interview_id}/scorecards/{interviewer_id}/revisions",
    summary="Every submitted version of one interviewer's scorecard",
)
async def list_scorecard_revisions(
    interview_id: uuid.UUID, interviewer_id: uuid.UUID, actor: CurrentActor, session: ReadSession
) -> PagePublic[ScorecardRevisionPublic]:
    return PagePublic.whole(
        await scorecards.scorecard_history(session, actor, interview_id, interviewer_id)
    )


@router.get(
    "/applications/{application_id}/scorecard-summary",
    summary="All scorecards, their spread, who is overdue",
)
async def read_scorecard_summary(
    application_id: uuid.UUID, actor: CurrentActor, session: ReadSession
) -> ScorecardSummary:
    return await scorecards.summary(session, actor, application_id)


@router.post(
    "/applications/{application_id}/decision",
    status_code=201,
    summary="The hiring manager decides after interviews: advance, reject (with a reason) or offer",
    responses=WRITE_RESPONSES,
)
async def decide_application(
    application_id: uuid.UUID, data: DecisionCreate, actor: CurrentActor, session: WriteSession
) -> DecisionPublic:
    return await decisions.decide(session, actor, application_id, data)


@router.get(
    "/applications/{application_id}/decision",
    summary="The latest decision after interviews (null when none)",
)
async def read_application_decision(
    application_id: uuid.UUID, actor: CurrentActor, session: ReadSession
) -> DecisionPublic | None:
    return await decisions.latest_decision(session, actor, application_id)


@router.get("/rejection-reasons", summary="The organization's catalogue of rejection reasons")
async def list_rejection_reasons(
    actor: CurrentActor,
    session: ReadSession,
    include_inactive: Annotated[QueryFlag, Query()] = False,
) -> PagePublic[RejectionReasonPublic]:
    return PagePublic.whole(await decisions.list_reasons(session, actor, include_inactive))


@router.post(
    "/rejection-reasons",
    status_code=201,
    summary="Add a rejection reason (admins)",
    responses=WRITE_RESPONSES,
)
async def create_rejection_reason(
    data: RejectionReasonCreate, actor: CurrentActor, session: WriteSession
) -> RejectionReasonPublic:
    return await decisions.create_reason(session, actor, data)


@router.patch(
    "/rejection-reasons/{reason_id}",
    summary="Relabel or retire a rejection reason (admins)",
    responses=WRITE_RESPONSES,
)
async def update_rejection_reason(
    reason_id: uuid.UUID, data: RejectionReasonUpdate, actor: CurrentActor, session: WriteSession
) -> RejectionReasonPublic:
    return await decisions.update_reason(session, actor, reason_id, data)


@router.post(
    "/offers",
    status_code=201,
    summary="Draft an offer for an application at the offer stage",
    responses=WRITE_RESPONSES,
)
async def create_offer(
    data: OfferCreate, actor: CurrentActor, session: WriteSession
) -> OfferPublic:
    return await offers.create_offer(session, actor, data)


@router.get("/offers/{offer_id}", summary="Read an offer")
async def read_offer(offer_id: uuid.UUID, actor: CurrentActor, session: ReadSession) -> OfferPublic:
    return await offers.get_offer(session, actor, offer_id)


@router.patch("/offers/{offer_id}", summary="Change a draft offer", responses=WRITE_RESPONSES)
async def update_offer(
    offer_id: uuid.UUID, data: OfferUpdate, actor: CurrentActor, session: WriteSession
) -> OfferPublic:
    return await offers.update_offer(session, actor, offer_id, data)


@router.post(
    "/offers/{offer_id}/transitions",
    summary="Approve, send, record acceptance or decline, or rescind; an illegal move is a 409 listing the legal ones",
    responses=WRITE_RESPONSES,
)
async def transition_offer(
    offer_id: uuid.UUID, data: OfferTransition, actor: CurrentActor, session: WriteSession
) -> OfferPublic:
    return await offers.move_offer(session, actor, offer_id, data)


@router.get("/roles/{role_id}/offers", summary="A role's offers, newest first")
async def list_role_offers(
    role_id: uuid.UUID, actor: CurrentActor, session: ReadSession, page: Paging
) -> PagePublic[OfferPublic]:
    return PagePublic.of(await offers.list_offers(session, actor, role_id, page))


@router.get(
    "/applications/{application_id}/outcome-messages",
    summary="The outcome messages owed to the candidate",
)
async def list_outcome_messages(
    application_id: uuid.UUID, actor: CurrentActor, session: ReadSession
) -> PagePublic[OutcomeMessagePublic]:
    return PagePublic.whole(await outcomes.list_for_application(session, actor, application_id))


@router.patch(
    "/outcome-messages/{message_id}",
    summary="Delay or personalise a scheduled outcome message",
    responses=WRITE_RESPONSES,
)
async def update_outcome_message(
    message_id: uuid.UUID, data: OutcomeMessageUpdate, actor: CurrentActor, session: WriteSession
) -> OutcomeMessagePublic:
    return await outcomes.update(session, actor, message_id, data)


@router.get("/close-the-loop", summary="Interviewed candidates still waiting to hear, oldest first")
async def read_close_the_loop(
    actor: CurrentActor,
    session: ReadSession,
    role_id: Annotated[uuid.UUID | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> CloseTheLoop:
    return await closing.close_the_loop(session, actor, role_id, limit)


@router.get("/roles/{role_id}/dashboard", summary="The recruiter's figures for a role")
async def read_role_dashboard(
    role_id: uuid.UUID, actor: CurrentActor, session: ReadSession
) -> RoleDashboard:
    return await closing.dashboard(session, actor, role_id)
