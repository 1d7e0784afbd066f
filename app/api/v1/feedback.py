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
    """Only the interview's interviewers write its scorecard: recommendation, ratings and
    written reasons. Save a draft, or submit; amending a submitted scorecard submits the
    amendment too. A cancelled interview, or one not yet taken place, is a 409. Records
    feedback.submitted or feedback.amended."""
    return await scorecards.write_scorecard(session, actor, interview_id, data)


@router.get(
    "/interviews/{interview_id}/scorecards",
    summary="The interview's scorecards (interviewers see the others' once they submitted their own)",
)
async def list_interview_scorecards(
    interview_id: uuid.UUID, actor: CurrentActor, session: ReadSession
) -> PagePublic[ScorecardPublic]:
    """The interview's scorecards. Interviewers see the other interviewers' scorecards only once
    they have submitted their own, so the first opinion is not anchored; admins, recruiters and
    the hiring manager see them all. Another organization's interview is a 404."""
    return PagePublic.whole(await scorecards.interview_scorecards(session, actor, interview_id))


@router.get(
    "/interviews/{interview_id}/scorecards/{interviewer_id}/revisions",
    summary="Every submitted version of one interviewer's scorecard",
)
async def list_scorecard_revisions(
    interview_id: uuid.UUID, interviewer_id: uuid.UUID, actor: CurrentActor, session: ReadSession
) -> PagePublic[ScorecardRevisionPublic]:
    """Every submitted version of one interviewer's scorecard, oldest first, so amendments stay
    visible. Reading another interviewer's before submitting your own is a 403; a scorecard that
    does not exist is a 404."""
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
    """All scorecards of the application's interviews, the spread of their recommendations and
    which interviewers are overdue. An interviewer who has not submitted their own scorecard
    gets a 403; another organization's application is a 404."""
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
    """The role's hiring manager, or their delegate, makes the hiring decision after interviews:
    advance, reject (with a rejection reason from the catalogue) or offer. Before any interview
    has taken place it is a 409. Records application.decided; a reject also schedules the
    rejection message the candidate is owed."""
    return await decisions.decide(session, actor, application_id, data)


@router.get(
    "/applications/{application_id}/decision",
    summary="The latest decision after interviews (null when none)",
)
async def read_application_decision(
    application_id: uuid.UUID, actor: CurrentActor, session: ReadSession
) -> DecisionPublic | None:
    """The latest hiring decision on the application (advance, reject or offer), or null when
    none has been made. Another organization's application is a 404."""
    return await decisions.latest_decision(session, actor, application_id)


@router.get("/rejection-reasons", summary="The organization's catalogue of rejection reasons")
async def list_rejection_reasons(
    actor: CurrentActor,
    session: ReadSession,
    include_inactive: Annotated[QueryFlag, Query()] = False,
) -> PagePublic[RejectionReasonPublic]:
    """Every member may read the catalogue, which a hiring decision that rejects must cite.
    Retired reasons are left out unless include_inactive is set. Not paged: the whole
    catalogue in one answer."""
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
    """Admins add a reason to the organization's catalogue, which hiring decisions that reject
    must cite. A code already in use is a 409. Records rejection_reason.created."""
    return await decisions.create_reason(session, actor, data)


@router.patch(
    "/rejection-reasons/{reason_id}",
    summary="Relabel or retire a rejection reason (admins)",
    responses=WRITE_RESPONSES,
)
async def update_rejection_reason(
    reason_id: uuid.UUID, data: RejectionReasonUpdate, actor: CurrentActor, session: WriteSession
) -> RejectionReasonPublic:
    """Admins relabel a rejection reason or retire it (active false): retired reasons stay on
    past hiring decisions but cannot be chosen again. Records rejection_reason.updated."""
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
    """Admins and recruiters draft an offer (compensation, start date, expiry) for an
    application at the offer stage. An application elsewhere in the pipeline, or one with an
    open offer, is a 409; an expiry in the past is a 422. Records offer.created."""
    return await offers.create_offer(session, actor, data)


@router.get("/offers/{offer_id}", summary="Read an offer")
async def read_offer(offer_id: uuid.UUID, actor: CurrentActor, session: ReadSession) -> OfferPublic:
    """One offer with its terms and status. Another organization's offer, or one on a role you
    cannot see, is a 404."""
    return await offers.get_offer(session, actor, offer_id)


@router.patch("/offers/{offer_id}", summary="Change a draft offer", responses=WRITE_RESPONSES)
async def update_offer(
    offer_id: uuid.UUID, data: OfferUpdate, actor: CurrentActor, session: WriteSession
) -> OfferPublic:
    """Admins and recruiters change a draft offer's compensation, start date, expiry or note.
    Once approved or sent it cannot change (409); an expiry in the past is a 422."""
    return await offers.update_offer(session, actor, offer_id, data)


@router.post(
    "/offers/{offer_id}/transitions",
    summary="Approve, send, record acceptance or decline, or rescind; an illegal move is a 409 listing the legal ones",
    responses=WRITE_RESPONSES,
)
async def transition_offer(
    offer_id: uuid.UUID, data: OfferTransition, actor: CurrentActor, session: WriteSession
) -> OfferPublic:
    """Moves the offer one legal step: approve (an admin or the role's hiring manager), send,
    record accepted or declined, or rescind. An illegal move, or an expiry that has passed, is a
    409 that lists the legal ones. Records offer.approved, offer.sent, offer.accepted,
    offer.declined or offer.rescinded; acceptance hires the candidate."""
    return await offers.move_offer(session, actor, offer_id, data)


@router.get("/roles/{role_id}/offers", summary="A role's offers, newest first")
async def list_role_offers(
    role_id: uuid.UUID, actor: CurrentActor, session: ReadSession, page: Paging
) -> PagePublic[OfferPublic]:
    """The role's offers, newest first, with their status. A role you cannot see is a 404. Paged
    with limit and cursor."""
    return PagePublic.of(await offers.list_offers(session, actor, role_id, page))


@router.get(
    "/applications/{application_id}/outcome-messages",
    summary="The outcome messages owed to the candidate",
)
async def list_outcome_messages(
    application_id: uuid.UUID, actor: CurrentActor, session: ReadSession
) -> PagePublic[OutcomeMessagePublic]:
    """The rejection or offer messages owed to the candidate of this application, with their
    status and send_at. Another organization's application is a 404."""
    return PagePublic.whole(await outcomes.list_for_application(session, actor, application_id))


@router.patch(
    "/outcome-messages/{message_id}",
    summary="Delay or personalise a scheduled outcome message",
    responses=WRITE_RESPONSES,
)
async def update_outcome_message(
    message_id: uuid.UUID, data: OutcomeMessageUpdate, actor: CurrentActor, session: WriteSession
) -> OutcomeMessagePublic:
    """Admins and recruiters delay (send_at, in the future) or personalise a scheduled outcome
    message before the worker sends it. A message already sent or cancelled is a 409. Records
    outcome.updated."""
    return await outcomes.update(session, actor, message_id, data)


@router.get("/close-the-loop", summary="Interviewed candidates still waiting to hear, oldest first")
async def read_close_the_loop(
    actor: CurrentActor,
    session: ReadSession,
    role_id: Annotated[uuid.UUID | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> CloseTheLoop:
    """Interviewed candidates not yet told the outcome, oldest first, each with the deadline by
    which they are owed an answer; role_id narrows it to one role. Recruiters use it to make
    sure nobody is left waiting."""
    return await closing.close_the_loop(session, actor, role_id, limit)


@router.get("/roles/{role_id}/dashboard", summary="The recruiter's figures for a role")
async def read_role_dashboard(
    role_id: uuid.UUID, actor: CurrentActor, session: ReadSession
) -> RoleDashboard:
    """The recruiter's figures for one role: applications by stage, time in stage, interviews,
    offers and candidates awaiting an outcome. A role you cannot see is a 404."""
    return await closing.dashboard(session, actor, role_id)
