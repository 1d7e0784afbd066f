"""Building an interview's invitation from the database (the format itself is in ical.py)."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.actor import Actor
from app.domain.applications import repository as applications_repo
from app.domain.candidates import repository as candidates_repo
from app.domain.interviews.ical import invitation
from app.domain.interviews.schemas import InterviewPublic
from app.domain.interviews.service import get_interview
from app.domain.organizations import repository as members_repo
from app.domain.roles import repository as roles_repo


async def interview_ics(session: AsyncSession, actor: Actor, interview_id: uuid.UUID) -> bytes:
    interview = await get_interview(session, actor, interview_id)
    return await invitation_for(session, actor.organization_id, interview)


async def invitation_for(
    session: AsyncSession, org_id: uuid.UUID, interview: InterviewPublic
) -> bytes:
    """The invitation without an access check, for the notifications the worker sends."""
    application = await applications_repo.get_application(session, org_id, interview.application_id)
    assert application is not None
    candidate = await candidates_repo.get_candidate(session, org_id, application.candidate_id)
    role = await roles_repo.get_role(session, org_id, application.role_id)
    assert candidate is not None
    assert role is not None
    ids = [p.member_id for p in interview.interviewers]
    if interview.organizer_id:
        ids.append(interview.organizer_id)
    members = {m.id: m for m in await members_repo.get_members(session, org_id, ids)}
    organizer = members.get(interview.organizer_id) if interview.organizer_id else None
    return invitation(
        interview,
        title=f"Interview: {candidate.name} for {role.title} ({interview.kind})",
        description=f"{interview.kind} interview for the {role.title} role.",
        organizer=(organizer.email, organizer.name)
        if organizer
        else ("recruiting@hireloop.invalid", "Recruiting"),
        interviewers={str(m.id): (m.email, m.name) for m in members.values()},
        candidate=(candidate.email, candidate.name),
    )
