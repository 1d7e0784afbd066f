"""Slot suggestions, interviews, invitations, candidate prep and the panel packet."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Response

from app.api.deps import (
    CurrentActor,
    HttpClient,
    InterviewPaging,
    ReadSession,
    Storage,
    WriteSession,
    etag,
)
from app.api.pagination import PagePublic
from app.api.problems import COMMON_RESPONSES, WRITE_RESPONSES
from app.domain.candidates.filetypes import ALLOWED_TYPES
from app.domain.interviewer_pools.schemas import ReplacementPublic, ReplacementRequest
from app.domain.interviews import invites, prep, scheduling, service
from app.domain.interviews.schemas import (
    CandidatePrep,
    InterviewCancel,
    InterviewFilters,
    InterviewPublic,
    InterviewReschedule,
    InterviewResponseSet,
    InterviewsCreate,
    InterviewStatusSet,
    PanelPacket,
    SuggestionRequest,
    SuggestionsPublic,
)
from app.errors import NotFound

router = APIRouter(tags=["interviews"], responses=COMMON_RESPONSES)


@router.post(
    "/scheduling/suggestions",
    summary="Ranked times for one interview or a panel; when nothing fits, what blocked it",
    responses=WRITE_RESPONSES,
)
async def suggest_interview_slots(
    data: SuggestionRequest, actor: CurrentActor, session: ReadSession
) -> SuggestionsPublic:
    """Admins, recruiters and hiring managers get ranked times for one interview or a panel that
    fit the candidate's offered times and the interviewers' calendars, each with reasons; when
    nothing fits, blocked_by says what blocked it. Reads only; nothing is held or recorded."""
    return await scheduling.suggest(session, actor, data)


@router.post(
    "/interviews",
    status_code=201,
    summary="Schedule interviews; availability is re-checked and a clash is a 409",
    responses=WRITE_RESPONSES,
)
async def schedule_interviews(
    data: InterviewsCreate, actor: CurrentActor, session: WriteSession, http: HttpClient
) -> list[InterviewPublic]:
    """Admins, recruiters and hiring managers schedule one interview or a whole panel for an
    application; availability is re-checked at once, so a clash is a 409. Starts in the past or
    overlapping interviews are a 422. Records interview.scheduled."""
    return await service.schedule(session, actor, data, http)


@router.get("/interviews", summary="Interviews you may see (interviewers: the ones they are on)")
async def list_interviews(
    actor: CurrentActor,
    session: ReadSession,
    page: InterviewPaging,
    filters: Annotated[InterviewFilters, Depends()],
) -> PagePublic[InterviewPublic]:
    """Interviews you may see, by start time: interviewers see only those they are on, hiring
    managers those of their roles. Sortable with `sort`; paged with limit and cursor."""
    return PagePublic.of(await service.list_interviews(session, actor, filters, page))


@router.get("/interviews/{interview_id}", summary="Read an interview")
async def read_interview(
    interview_id: uuid.UUID, actor: CurrentActor, session: ReadSession, response: Response
) -> InterviewPublic:
    """One interview with its time, kind, status and interviewers and their responses.
    Interviewers may read only interviews they are on; anything else is a 404."""
    interview = await service.get_interview(session, actor, interview_id)
    response.headers["ETag"] = etag(interview.version)
    return interview


@router.post(
    "/interviews/{interview_id}/reschedule", summary="Move an interview", responses=WRITE_RESPONSES
)
async def reschedule_interview(
    interview_id: uuid.UUID,
    data: InterviewReschedule,
    actor: CurrentActor,
    session: WriteSession,
    http: HttpClient,
) -> InterviewPublic:
    """Admins, recruiters and hiring managers move an interview to a new time; availability is
    re-checked and the calendar events are moved. A start in the past is a 422, a clash or a
    cancelled interview a 409. Records interview.rescheduled."""
    return await service.reschedule(session, actor, interview_id, data, http)


@router.post(
    "/interviews/{interview_id}/cancel", summary="Cancel an interview", responses=WRITE_RESPONSES
)
async def cancel_interview(
    interview_id: uuid.UUID, data: InterviewCancel, actor: CurrentActor, session: WriteSession
) -> InterviewPublic:
    """Admins, recruiters and hiring managers cancel a scheduled interview; its invitation
    (invite.ics) becomes a cancellation. An interview already completed or cancelled is a 409.
    Records interview.cancelled."""
    return await service.cancel(session, actor, interview_id, data)


@router.post(
    "/interviews/{interview_id}/response",
    summary="An interviewer answers the invitation",
    responses=WRITE_RESPONSES,
)
async def respond_to_interview(
    interview_id: uuid.UUID, data: InterviewResponseSet, actor: CurrentActor, session: WriteSession
) -> InterviewPublic:
    """Only the interview's interviewers answer its invitation (accept or decline); anyone else
    is a 403 and a cancelled or finished interview a 409. Records interview.responded, or
    interview.declined so the recruiter can find a replacement."""
    return await service.respond(session, actor, interview_id, data)


@router.post(
    "/interviews/{interview_id}/replacements",
    status_code=201,
    summary="Replace an interviewer from the interview's pool; the time never moves (409 when "
    "inside the cutoff, replaced too often, or nobody trained is free)",
    responses=WRITE_RESPONSES,
)
async def replace_interviewer(
    interview_id: uuid.UUID, data: ReplacementRequest, actor: CurrentActor, session: WriteSession
) -> ReplacementPublic:
    """Admins, recruiters and hiring managers swap one interviewer for a trained member of the
    interview's interviewer pool; the time never moves. A member_id not on the interview is a
    422; inside the cutoff, replaced too often, or nobody trained free is a 409 with the reason."""
    return await service.replace(session, actor, interview_id, data)


@router.post(
    "/interviews/{interview_id}/status",
    summary="Record completed or no-show",
    responses=WRITE_RESPONSES,
)
async def set_interview_status(
    interview_id: uuid.UUID, data: InterviewStatusSet, actor: CurrentActor, session: WriteSession
) -> InterviewPublic:
    """Admins, recruiters and hiring managers record that an interview was completed or the
    candidate did not show. Before the start time it is a 409. Records interview.completed or
    interview.missed."""
    return await service.set_status(session, actor, interview_id, data)


@router.get(
    "/interviews/{interview_id}/invite.ics",
    summary="The invitation as iCalendar (METHOD:REQUEST, or CANCEL once cancelled)",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {"schema": {"type": "string"}}}}},
)
async def download_interview_invite(
    interview_id: uuid.UUID, actor: CurrentActor, session: ReadSession
) -> Response:
    """The interview as an iCalendar file, to attach to a message or add to a calendar by hand:
    METHOD:REQUEST while scheduled, METHOD:CANCEL once cancelled. Another organization's
    interview is a 404."""
    data = await invites.interview_ics(session, actor, interview_id)
    return Response(
        content=data,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="invite.ics"'},
    )


@router.get(
    "/interviews/{interview_id}/prep",
    response_model=CandidatePrep,
    summary="What the candidate should know; ?format=text or html renders it for a message",
    responses={
        200: {
            "content": {
                "text/plain": {"schema": {"type": "string"}},
                "text/html": {"schema": {"type": "string"}},
            }
        }
    },
)
async def read_candidate_prep(
    interview_id: uuid.UUID,
    actor: CurrentActor,
    session: ReadSession,
    format: Annotated[Literal["json", "text", "html"], Query()] = "json",
) -> CandidatePrep | Response:
    """What the candidate should know before the interview: when, how long, with whom and how to
    join. format=json (default) answers the structure; text or html render it ready to paste
    into a message. Another organization's interview is a 404."""
    result = await prep.candidate_prep(session, actor, interview_id)
    if format == "json":
        return result
    media = "text/html" if format == "html" else "text/plain"
    return Response(prep.render_prep(result, format), media_type=f"{media}; charset=utf-8")


@router.get(
    "/applications/{application_id}/packet", summary="Everything the panel needs in one answer"
)
async def read_panel_packet(
    application_id: uuid.UUID, actor: CurrentActor, session: ReadSession
) -> PanelPacket:
    """Everything the panel needs in one answer: the candidate, the role's agreed intake, the
    documents and the scorecards of earlier interviews you may read. Admins, recruiters, the
    hiring manager and the application's interviewers; others get a 404."""
    return await prep.panel_packet(session, actor, application_id)


@router.get(
    "/applications/{application_id}/packet/documents/{document_id}",
    summary="Download a packet document (interviewers on the application may)",
    response_class=Response,
    responses={
        200: {
            "description": "The document's bytes, in the type detected at upload",
            "content": {
                t: {"schema": {"type": "string", "format": "binary"}} for t in ALLOWED_TYPES
            },
        }
    },
)
async def download_packet_document(
    application_id: uuid.UUID,
    document_id: uuid.UUID,
    actor: CurrentActor,
    session: ReadSession,
    storage: Storage,
) -> Response:
    """The bytes of one document from the panel packet. Admins, recruiters, the hiring manager
    and the application's interviewers may download; a document not in this application's
    packet, or another organization's, is a 404."""
    document = await prep.packet_document(session, actor, application_id, document_id)
    try:
        data = await storage.get(document.storage_key)
    except FileNotFoundError as exc:
        raise NotFound(f"The stored bytes of document {document_id}") from exc
    return Response(
        content=data,
        media_type=document.content_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(document.filename)}",
            "X-Content-Type-Options": "nosniff",
        },
    )
