"""Closing the loop: who is still waiting to hear, for how long, who is near the deadline;
and the recruiter's dashboard figures per role. Everything counts in SQL."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import utcnow
from app.core.actor import Actor
from app.db import settings_of
from app.domain.events import service as events
from app.domain.feedback import repository
from app.domain.feedback.schemas import (
    CloseTheLoop,
    InterviewerFeedbackTime,
    RoleDashboard,
    StageTime,
    WaitingCandidate,
)
from app.domain.organizations import repository as members_repo
from app.domain.roles import repository as roles_repo
from app.domain.roles.access import managed_scope
from app.errors import NotFound


async def close_the_loop(
    session: AsyncSession, actor: Actor, role_id: uuid.UUID | None = None, limit: int = 100
) -> CloseTheLoop:
    scope = managed_scope(actor)
    if (
        role_id is not None
        and await roles_repo.get_role(session, actor.organization_id, role_id, managed_by=scope)
        is None
    ):
        raise NotFound("role", role_id)
    org = await members_repo.get_organization(session, actor.organization_id)
    assert org is not None
    settings = settings_of(session)
    now = utcnow()
    counts, rows = await repository.waiting(
        session,
        actor.organization_id,
        role_id=role_id,
        manager_id=scope,
        now=now,
        deadline_days=org.close_the_loop_days,
        warning_days=settings.close_the_loop_warning_days,
        limit=limit,
    )
    candidates = []
    for row in rows:
        deadline = row.last_interview_at + timedelta(days=org.close_the_loop_days)
        candidates.append(
            WaitingCandidate(
                application_id=row.application_id,
                candidate_id=row.candidate_id,
                candidate_name=row.candidate_name,
                role_id=row.role_id,
                role_title=row.role_title,
                last_interview_at=row.last_interview_at,
                days_waiting=round((now - row.last_interview_at).total_seconds() / 86400, 1),
                deadline=deadline,
                at_risk=deadline - now <= timedelta(days=settings.close_the_loop_warning_days),
            )
        )
    return CloseTheLoop(
        waiting=counts.waiting,
        at_risk=counts.at_risk,
        deadline_days=org.close_the_loop_days,
        candidates=candidates,
    )


async def flag_at_risk(session: AsyncSession) -> int:
    """The periodic job: record candidate.awaiting_outcome once for each candidate near the deadline."""
    flagged = await repository.claim_at_risk(
        session, utcnow(), settings_of(session).close_the_loop_warning_days
    )
    for organization_id, application_id in flagged:
        events.record(
            session,
            organization_id,
            None,
            "candidate.awaiting_outcome",
            "application",
            application_id,
            {"application_id": str(application_id)},
        )
    return len(flagged)


async def dashboard(session: AsyncSession, actor: Actor, role_id: uuid.UUID) -> RoleDashboard:
    if (
        await roles_repo.get_role(
            session, actor.organization_id, role_id, managed_by=managed_scope(actor)
        )
        is None
    ):
        raise NotFound("role", role_id)
    rows = await repository.dashboard_rows(session, actor.organization_id, role_id, utcnow())
    return _dashboard(role_id, rows)


async def dashboards_for_roles(
    session: AsyncSession, actor: Actor, role_ids: list[uuid.UUID]
) -> dict[uuid.UUID, RoleDashboard]:
    """GraphQL's loader: several roles' figures in a fixed number of statements (the roles the
    actor may not see are left out)."""
    visible = await roles_repo.read_roles(
        session, actor.organization_id, role_ids, managed_by=managed_scope(actor)
    )
    ids = [r["id"] for r in visible]
    if not ids:
        return {}
    rows = await repository.dashboard_rows_for_roles(session, actor.organization_id, ids, utcnow())
    return {role_id: _dashboard(role_id, rows[role_id]) for role_id in ids}


def _dashboard(role_id: uuid.UUID, rows: dict[str, Any]) -> RoleDashboard:
    offers = rows["offers"]
    accepted, declined = offers.get("accepted", 0), offers.get("declined", 0)
    return RoleDashboard(
        role_id=role_id,
        time_in_stage=[
            StageTime(stage=s, applications=n, average_days=round(float(d), 2))
            for s, n, d in rows["stages"]
        ],
        time_to_feedback=[
            InterviewerFeedbackTime(
                interviewer_id=i,
                interviewer_name=name,
                submitted=n,
                median_hours=round(float(h), 2) if h is not None else None,
            )
            for i, name, n, h in rows["feedback"]
        ],
        overdue_scorecards=rows["overdue"],
        offers_out=offers.get("sent", 0),
        offers_accepted=accepted,
        offers_declined=declined,
        acceptance_rate=round(accepted / (accepted + declined), 3) if accepted + declined else None,
    )
