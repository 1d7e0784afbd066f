"""Scorecards: one per interviewer and interview, with reasons, on a clock, judged independently.

A draft may be partial and saved many times; submitting needs a recommendation and written
reasons. A submitted scorecard can be amended; every submitted version is kept. Until an
interviewer has submitted their own scorecard for an application, they cannot read the others'
(independent judgement); hiring managers, recruiters and admins always can.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import utcnow
from app.core.actor import Actor
from app.db import settings_of
from app.domain.applications.service import visible_application
from app.domain.events import service as events
from app.domain.feedback import repository
from app.domain.feedback.models import Scorecard, ScorecardRevision
from app.domain.feedback.schemas import (
    OverdueFeedback,
    ScorecardPublic,
    ScorecardRevisionPublic,
    ScorecardSummary,
    ScorecardWrite,
    SkillRatings,
)
from app.domain.interviews import repository as interviews_repo
from app.domain.interviews.access import interview_scope
from app.domain.interviews.service import visible_interview
from app.domain.organizations import repository as members_repo
from app.domain.roles import repository as roles_repo
from app.domain.roles.schemas import IntakeContent
from app.errors import Conflict, FieldError, InvalidInput, NotFound, PermissionDenied

RECOMMENDATIONS = ("strong_yes", "yes", "no", "definitely_not", "no_decision")


async def _due_hours(session: AsyncSession, organization_id: uuid.UUID) -> int:
    org = await members_repo.get_organization(session, organization_id)
    return org.feedback_due_hours if org else 24


def _public(card: Scorecard, due_hours: int, end_at: datetime) -> ScorecardPublic:
    return ScorecardPublic.model_validate(
        {
            **{k: getattr(card, k) for k in ScorecardPublic.model_fields if k != "due_at"},
            "due_at": end_at + timedelta(hours=due_hours),
        }
    )


async def write_scorecard(
    session: AsyncSession, actor: Actor, interview_id: uuid.UUID, data: ScorecardWrite
) -> ScorecardPublic:
    interview = await visible_interview(session, actor, interview_id, for_update=True)
    people = await interviews_repo.participants(session, actor.organization_id, [interview.id])
    if actor.member_id not in {p.member_id for p in people}:
        raise PermissionDenied("Only the interview's interviewers write its scorecards")
    if interview.status == "cancelled":
        raise Conflict("The interview was cancelled; there is nothing to score")
    if data.submit and interview.start_at > utcnow():
        raise Conflict("The interview has not taken place yet")
    revision = await roles_repo.current_intake(session, actor.organization_id, interview.role_id)
    intake = IntakeContent.model_validate(revision.content) if revision else None
    ratings = _check_ratings(intake, data.ratings)
    card = await repository.get_scorecard(
        session, actor.organization_id, interview.id, actor.member_id, for_update=True
    )
    now = utcnow()
    if card is None:
        card = Scorecard(
            organization_id=actor.organization_id,
            interview_id=interview.id,
            application_id=interview.application_id,
            role_id=interview.role_id,
            interviewer_id=actor.member_id,
        )
        session.add(card)
    elif card.status == "submitted" and not data.submit:
        raise Conflict("The scorecard is submitted; an amendment is submitted too (submit: true)")
    else:
        card.version += 1
    card.recommendation = data.recommendation
    card.ratings = ratings
    card.reasons = data.reasons
    card.updated_at = now
    if data.submit:
        amended = card.status == "submitted"
        card.status = "submitted"
        card.submitted_at = now
        card.first_submitted_at = card.first_submitted_at or now
        card.revision += 1
        await session.flush()
        assert data.recommendation is not None
        assert data.reasons is not None
        session.add(
            ScorecardRevision(
                organization_id=actor.organization_id,
                scorecard_id=card.id,
                revision=card.revision,
                recommendation=data.recommendation,
                ratings=ratings,
                reasons=data.reasons,
                submitted_by_id=actor.member_id,
            )
        )
        events.record(
            session,
            actor.organization_id,
            actor,
            "feedback.amended" if amended else "feedback.submitted",
            "interview",
            interview.id,
            {
                "interview_id": str(interview.id),
                "application_id": str(interview.application_id),
                "scorecard_id": str(card.id),
                "interviewer_id": str(actor.member_id),
                "recommendation": data.recommendation,
                "revision": card.revision,
            },
        )
    await session.flush()
    return _public(card, await _due_hours(session, actor.organization_id), interview.end_at)


def _check_ratings(
    intake: IntakeContent | None, ratings: Mapping[str, str | None]
) -> dict[str, str | None]:
    """Ratings are per skill of the agreed intake, stored in the intake's spelling."""
    if not ratings:
        return {}
    known = {s.name.casefold(): s.name for s in intake.skills} if intake else {}
    unknown = [name for name in ratings if name.casefold() not in known]
    if unknown:
        raise InvalidInput(
            f"Not skills of the role's agreed intake: {', '.join(unknown)}",
            [
                FieldError(f"ratings.{name}", "is not a skill of the role's agreed intake")
                for name in unknown
            ],
        )
    return {known[name.casefold()]: value for name, value in ratings.items()}


async def _may_read_others(session: AsyncSession, actor: Actor, application_id: uuid.UUID) -> bool:
    if interview_scope(actor) != "participant":
        return True
    return await repository.has_submitted_for_application(
        session, actor.organization_id, application_id, actor.member_id
    )


async def interview_scorecards(
    session: AsyncSession, actor: Actor, interview_id: uuid.UUID
) -> list[ScorecardPublic]:
    interview = await visible_interview(session, actor, interview_id)
    cards = await repository.scorecards_for_interviews(
        session, actor.organization_id, [interview.id]
    )
    others_ok = await _may_read_others(session, actor, interview.application_id)
    hours = await _due_hours(session, actor.organization_id)
    return [
        _public(c, hours, interview.end_at)
        for c in cards
        if c.interviewer_id == actor.member_id or (others_ok and c.status == "submitted")
    ]


async def get_scorecard(
    session: AsyncSession, actor: Actor, scorecard_id: uuid.UUID
) -> ScorecardPublic:
    """One scorecard by its id, under the rule `interview_scorecards` applies: your own, or
    another's submitted one once you may read the others'."""
    card = await repository.get_scorecard_by_id(session, actor.organization_id, scorecard_id)
    if card is None:
        raise NotFound("scorecard", scorecard_id)
    try:
        interview = await visible_interview(session, actor, card.interview_id)
    except NotFound:
        raise NotFound("scorecard", scorecard_id) from None
    if card.interviewer_id != actor.member_id and not (
        card.status == "submitted" and await _may_read_others(session, actor, card.application_id)
    ):
        raise NotFound("scorecard", scorecard_id)
    return _public(card, await _due_hours(session, actor.organization_id), interview.end_at)


async def scorecards_for_interviews(
    session: AsyncSession, actor: Actor, interview_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[ScorecardPublic]]:
    """GraphQL edge: the same visibility rule, batched."""
    cards = await repository.scorecards_for_interviews(
        session, actor.organization_id, interview_ids
    )
    rows = await interviews_repo.by_ids(session, actor.organization_id, interview_ids)
    ends = {i.id: i for i in rows}
    hours = await _due_hours(session, actor.organization_id)
    allowed: dict[uuid.UUID, bool] = {}
    result: dict[uuid.UUID, list[ScorecardPublic]] = defaultdict(list)
    for card in cards:
        if card.application_id not in allowed:
            allowed[card.application_id] = await _may_read_others(
                session, actor, card.application_id
            )
        if card.interviewer_id == actor.member_id or (
            allowed[card.application_id] and card.status == "submitted"
        ):
            result[card.interview_id].append(_public(card, hours, ends[card.interview_id].end_at))
    return {i: result.get(i, []) for i in interview_ids}


async def scorecard_history(
    session: AsyncSession, actor: Actor, interview_id: uuid.UUID, interviewer_id: uuid.UUID
) -> list[ScorecardRevisionPublic]:
    interview = await visible_interview(session, actor, interview_id)
    if interviewer_id != actor.member_id and not await _may_read_others(
        session, actor, interview.application_id
    ):
        raise PermissionDenied("Submit your own scorecard before reading the others'")
    card = await repository.get_scorecard(
        session, actor.organization_id, interview.id, interviewer_id
    )
    if card is None:
        raise NotFound("scorecard")
    return [
        ScorecardRevisionPublic.model_validate(r)
        for r in await repository.revisions(session, actor.organization_id, card.id)
    ]


async def summary(
    session: AsyncSession, actor: Actor, application_id: uuid.UUID
) -> ScorecardSummary:
    if interview_scope(actor) == "participant":
        if not await interviews_repo.is_participant_of_application(
            session, actor.organization_id, actor.member_id, application_id
        ):
            raise NotFound("application", application_id)
        if not await _may_read_others(session, actor, application_id):
            raise PermissionDenied("Submit your own scorecard before reading the others'")
    else:
        await visible_application(session, actor, application_id)
    now = utcnow()
    rows = await repository.summary_rows(session, actor.organization_id, application_id, now)
    cards = await repository.scorecards_for_applications(
        session, actor.organization_id, [application_id], submitted_only=True
    )
    interviews = {
        i.id: i
        for i in await interviews_repo.for_applications(
            session, actor.organization_id, [application_id]
        )
    }
    hours = await _due_hours(session, actor.organization_id)
    skills: dict[str, dict[str, int]] = defaultdict(dict)
    for skill, rating, n in rows["skills"]:
        skills[skill][rating] = n
    counts = {r: 0 for r in RECOMMENDATIONS}
    counts.update({rec: n for rec, n in rows["counts"]})
    return ScorecardSummary(
        application_id=application_id,
        scorecards=[_public(c, hours, interviews[c.interview_id].end_at) for c in cards],
        recommendations=counts,
        skills=[SkillRatings(skill=s, ratings=r) for s, r in sorted(skills.items())],
        overdue=[
            OverdueFeedback(
                interview_id=i,
                interviewer_id=m,
                interviewer_name=name,
                due_at=due,
                hours_overdue=round((now - due).total_seconds() / 3600, 1),
            )
            for i, m, name, due in rows["owed"]
            if due <= now
        ],
        pending=sum(1 for _, _, _, due in rows["owed"] if due > now),
    )


async def feedback_reminders(session: AsyncSession) -> int:
    """The periodic job: record feedback.due_soon and feedback.overdue once per interviewer."""
    settings = settings_of(session)
    now = utcnow()
    recorded = 0
    for kind, event in (("due_soon", "feedback.due_soon"), ("overdue", "feedback.overdue")):
        for organization_id, interview_id, member_id in await repository.claim_reminders(
            session, kind, now, settings.feedback_due_soon_hours
        ):
            events.record(
                session,
                organization_id,
                None,
                event,
                "interview",
                interview_id,
                {"interview_id": str(interview_id), "interviewer_id": str(member_id)},
            )
            recorded += 1
    return recorded
