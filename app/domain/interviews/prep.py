"""Candidate prep (what the candidate may read) and the panel packet (what interviewers need)."""

from __future__ import annotations

import uuid
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.actor import Actor
from app.domain.applications import repository as applications_repo
from app.domain.applications.models import Application
from app.domain.applications.service import visible_application
from app.domain.candidates import repository as candidates_repo
from app.domain.candidates.models import Document
from app.domain.feedback import repository as feedback_repo
from app.domain.follow_ups import repository as follow_ups_repo
from app.domain.interviews import repository
from app.domain.interviews.access import interview_scope
from app.domain.interviews.models import Interview
from app.domain.interviews.schemas import (
    CandidatePrep,
    PacketDocument,
    PacketIntake,
    PacketInterview,
    PanelPacket,
    PrepInterviewer,
    PrepRole,
    PrepStage,
)
from app.domain.interviews.service import visible_interview
from app.domain.organizations import repository as members_repo
from app.domain.roles import repository as roles_repo
from app.domain.roles.schemas import IntakeContent
from app.errors import NotFound
from app.templates import render

PACKET_KINDS = (
    "resume",
    "cover_letter",
    "test_result",
    "portfolio_sample",
    "screening_notes",
    "other",
)


async def candidate_prep(
    session: AsyncSession, actor: Actor, interview_id: uuid.UUID
) -> CandidatePrep:
    interview = await visible_interview(session, actor, interview_id)
    return await prep_for(session, actor.organization_id, interview)


async def prep_for(session: AsyncSession, org_id: uuid.UUID, interview: Interview) -> CandidatePrep:
    """The prep without an access check, for the invitation the worker emails the candidate."""
    application = await applications_repo.get_application(session, org_id, interview.application_id)
    assert application is not None
    candidate = await candidates_repo.get_candidate(session, org_id, application.candidate_id)
    role = await roles_repo.get_role(session, org_id, application.role_id)
    org = await members_repo.get_organization(session, org_id)
    assert candidate is not None
    assert role is not None
    assert org is not None
    revision = await roles_repo.current_intake(session, org_id, role.id)
    intake = IntakeContent.model_validate(revision.content) if revision else IntakeContent()
    panel = [
        i
        for i in await repository.for_applications(session, org_id, [application.id])
        if i.status in ("scheduled", "proposed")
        and i.start_at >= interview.start_at.replace(hour=0, minute=0)
    ] or [interview]
    people = await repository.participants(session, org_id, [i.id for i in panel])
    members = {
        m.id: m
        for m in await members_repo.get_members(
            session, org_id, list({p.member_id for p in people})
        )
    }
    zone = ZoneInfo(interview.time_zone)
    return CandidatePrep(
        candidate_name=candidate.name,
        organization_name=org.name,
        role=PrepRole(
            title=role.title,
            team=role.team,
            location=role.location,
            workplace=role.workplace,
            summary=intake.summary,
            skills=[s.name for s in intake.skills],
            qualifications=intake.qualifications,
            success_metrics=intake.success_metrics,
            suitability_evidence=intake.suitability_evidence,
        ),
        time_zone=interview.time_zone,
        stages=[
            PrepStage(
                kind=i.kind,
                local_start=i.start_at.astimezone(zone),
                local_end=i.end_at.astimezone(zone),
                interviewers=[
                    PrepInterviewer(
                        name=members[p.member_id].name,
                        title=members[p.member_id].title,
                        bio=members[p.member_id].bio,
                    )
                    for p in people
                    if p.interview_id == i.id and p.member_id in members
                ],
            )
            for i in sorted(panel, key=lambda i: i.start_at)
        ],
        location=interview.location,
        video_url=interview.video_url,
        culture_notes=org.culture_notes,
    )


def render_prep(prep: CandidatePrep, fmt: str) -> str:
    return render("prep.html.j2" if fmt == "html" else "prep.txt.j2", prep=prep)


async def _packet_application(
    session: AsyncSession, actor: Actor, application_id: uuid.UUID
) -> Application:
    """Interviewers reach a packet only through an interview they are on; others as the application."""
    if interview_scope(actor) == "participant":
        allowed = await repository.is_participant_of_application(
            session, actor.organization_id, actor.member_id, application_id
        )
        application = await applications_repo.get_application(
            session, actor.organization_id, application_id
        )
        if not allowed or application is None:
            raise NotFound("application", application_id)
        return application
    return await visible_application(session, actor, application_id)


def _document_url(application_id: uuid.UUID, document: Document) -> str:
    return f"/api/v1/applications/{application_id}/packet/documents/{document.id}"


async def panel_packet(
    session: AsyncSession, actor: Actor, application_id: uuid.UUID
) -> PanelPacket:
    application = await _packet_application(session, actor, application_id)
    org_id = actor.organization_id
    candidate = await candidates_repo.get_candidate(session, org_id, application.candidate_id)
    role = await roles_repo.get_role(session, org_id, application.role_id)
    assert candidate is not None
    assert role is not None
    documents = [
        d
        for d in await candidates_repo.list_documents(session, org_id, [candidate.id])
        if d.kind in PACKET_KINDS
        and (d.application_id is None or d.application_id == application.id)
    ]
    revision = await roles_repo.current_intake(session, org_id, role.id)
    intake = None
    if revision is not None:
        content = IntakeContent.model_validate(revision.content)
        intake = PacketIntake(
            revision=revision.number,
            summary=content.summary,
            must_have_skills=[s.name for s in content.skills if s.priority == "must"],
            nice_to_have_skills=[s.name for s in content.skills if s.priority == "nice"],
            screening_questions=[q.question for q in content.screening_questions],
            success_metrics=content.success_metrics,
        )
    interviews = await repository.for_applications(session, org_id, [application.id])
    people = await repository.participants(session, org_id, [i.id for i in interviews])
    return PanelPacket(
        application_id=application.id,
        role_id=role.id,
        role_title=role.title,
        candidate_id=candidate.id,
        candidate_name=candidate.name,
        current_title=candidate.current_title,
        current_company=candidate.current_company,
        years_experience=candidate.years_experience,
        skills=list(candidate.skills),
        links=dict(candidate.links),
        screening_notes=application.screening_notes,
        recruiter_assessment=application.recruiter_assessment,
        documents=[
            PacketDocument(
                id=d.id,
                kind=d.kind,
                filename=d.filename,
                content_type=d.content_type,
                size_bytes=d.size_bytes,
                download_url=_document_url(application.id, d),
            )
            for d in documents
        ],
        intake=intake,
        interviews=[
            PacketInterview(
                id=i.id,
                kind=i.kind,
                start_at=i.start_at,
                end_at=i.end_at,
                status=i.status,
                interviewer_ids=[p.member_id for p in people if p.interview_id == i.id],
            )
            for i in interviews
        ],
        scorecards=await _earlier_scorecards(session, actor, application.id),
        # The candidate's answers to follow-ups (the way an interviewer on the panel sees them).
        follow_ups=[
            {
                "follow_up_id": f.id,
                "question": f.question,
                "answer": f.answer_text,
                "link": f.answer_link,
                "document_id": f.answer_document_id,
                "answered_at": f.answered_at,
            }
            for f in await follow_ups_repo.for_applications(session, org_id, [application.id])
            if f.state == "answered"
        ],
    )


async def _earlier_scorecards(
    session: AsyncSession, actor: Actor, application_id: uuid.UUID
) -> list[dict[str, object]]:
    """Submitted scorecards of earlier interviews; an interviewer sees the others' only once
    their own is submitted (the independence rule of the scorecards themselves)."""
    cards = await feedback_repo.scorecards_for_applications(
        session, actor.organization_id, [application_id], submitted_only=True
    )
    if interview_scope(actor) == "participant" and not any(
        c.interviewer_id == actor.member_id for c in cards
    ):
        return []
    return [
        {
            "interview_id": str(c.interview_id),
            "interviewer_id": str(c.interviewer_id),
            "recommendation": c.recommendation,
            "ratings": c.ratings,
            "reasons": c.reasons,
            "submitted_at": c.submitted_at.isoformat() if c.submitted_at else None,
        }
        for c in cards
    ]


async def packet_document(
    session: AsyncSession, actor: Actor, application_id: uuid.UUID, document_id: uuid.UUID
) -> Document:
    application = await _packet_application(session, actor, application_id)
    document = await candidates_repo.get_document(
        session, actor.organization_id, application.candidate_id, document_id
    )
    if (
        document is None
        or document.kind not in PACKET_KINDS
        or document.application_id not in (None, application.id)
    ):
        raise NotFound("document", document_id)
    return document
