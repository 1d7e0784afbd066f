"""SQL for scorecards, decisions, offers and outcome messages. Summaries, reminders, the
close-the-loop view and the dashboard aggregate in PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.domain.feedback.models import (
    HiringDecision,
    Offer,
    OutcomeMessage,
    RejectionReason,
    Scorecard,
    ScorecardRevision,
)
from app.domain.pagination import PageRequest, keyset


async def get_scorecard(
    session: AsyncSession,
    organization_id: uuid.UUID,
    interview_id: uuid.UUID,
    interviewer_id: uuid.UUID,
    *,
    for_update: bool = False,
) -> Scorecard | None:
    stmt = select(Scorecard).where(
        Scorecard.organization_id == organization_id,
        Scorecard.interview_id == interview_id,
        Scorecard.interviewer_id == interviewer_id,
    )
    if for_update:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return (await session.scalars(stmt)).first()


async def get_scorecard_by_id(
    session: AsyncSession, organization_id: uuid.UUID, scorecard_id: uuid.UUID
) -> Scorecard | None:
    stmt = select(Scorecard).where(
        Scorecard.organization_id == organization_id, Scorecard.id == scorecard_id
    )
    return (await session.scalars(stmt)).first()


async def scorecards_for_interviews(
    session: AsyncSession, organization_id: uuid.UUID, interview_ids: Sequence[uuid.UUID]
) -> Sequence[Scorecard]:
    if not interview_ids:
        return []
    stmt = (
        select(Scorecard)
        .where(
            Scorecard.organization_id == organization_id,
            col(Scorecard.interview_id).in_(interview_ids),
        )
        .order_by(col(Scorecard.interview_id), col(Scorecard.created_at))
    )
    return (await session.scalars(stmt)).all()


async def scorecards_for_applications(
    session: AsyncSession,
    organization_id: uuid.UUID,
    application_ids: Sequence[uuid.UUID],
    *,
    submitted_only: bool,
) -> Sequence[Scorecard]:
    if not application_ids:
        return []
    stmt = select(Scorecard).where(
        Scorecard.organization_id == organization_id,
        col(Scorecard.application_id).in_(application_ids),
    )
    if submitted_only:
        stmt = stmt.where(Scorecard.status == "submitted")
    return (
        await session.scalars(
            stmt.order_by(col(Scorecard.application_id), col(Scorecard.submitted_at))
        )
    ).all()


async def has_submitted_for_application(
    session: AsyncSession,
    organization_id: uuid.UUID,
    application_id: uuid.UUID,
    interviewer_id: uuid.UUID,
) -> bool:
    stmt = select(Scorecard.id).where(
        Scorecard.organization_id == organization_id,
        Scorecard.application_id == application_id,
        Scorecard.interviewer_id == interviewer_id,
        Scorecard.status == "submitted",
    )
    return (await session.scalars(stmt.limit(1))).first() is not None


async def revisions(
    session: AsyncSession, organization_id: uuid.UUID, scorecard_id: uuid.UUID
) -> Sequence[ScorecardRevision]:
    stmt = (
        select(ScorecardRevision)
        .where(
            ScorecardRevision.organization_id == organization_id,
            ScorecardRevision.scorecard_id == scorecard_id,
        )
        .order_by(col(ScorecardRevision.revision))
    )
    return (await session.scalars(stmt)).all()


_SUMMARY_COUNTS = text(
    """
    SELECT recommendation, count(*) FROM scorecards
    WHERE organization_id = :org AND application_id = :app AND status = 'submitted'
    GROUP BY recommendation
    """
)

_SKILL_RATINGS = text(
    """
    SELECT r.key AS skill, r.value AS rating, count(*) AS n
    FROM scorecards s, jsonb_each_text(s.ratings) AS r(key, value)
    WHERE s.organization_id = :org AND s.application_id = :app AND s.status = 'submitted' AND r.value IS NOT NULL
    GROUP BY r.key, r.value
    ORDER BY r.key, r.value
    """
)

# Interviewers who owe feedback: on a held (or ended) interview, without a submitted scorecard.
_OWED = """
    SELECT i.id AS interview_id, p.member_id, m.name, i.organization_id, i.application_id, i.role_id,
           i.end_at + make_interval(hours => o.feedback_due_hours) AS due_at
    FROM interviews i
    JOIN interview_participants p ON p.interview_id = i.id
    JOIN members m ON m.id = p.member_id
    JOIN organizations o ON o.id = i.organization_id
    WHERE i.status IN ('scheduled', 'completed') AND i.end_at <= :now
      AND NOT EXISTS (
          SELECT 1 FROM scorecards s
          WHERE s.interview_id = i.id AND s.interviewer_id = p.member_id AND s.status = 'submitted'
      )
"""

_OVERDUE_FOR_APPLICATION = text(
    f"""
    SELECT interview_id, member_id, name, due_at FROM ({_OWED}) owed
    WHERE organization_id = :org AND application_id = :app
    ORDER BY due_at, member_id
    """
)


async def summary_rows(
    session: AsyncSession, organization_id: uuid.UUID, application_id: uuid.UUID, now: datetime
) -> dict[str, Any]:
    params = {"org": organization_id, "app": application_id, "now": now}
    return {
        "counts": (await session.execute(_SUMMARY_COUNTS, params)).all(),
        "skills": (await session.execute(_SKILL_RATINGS, params)).all(),
        "owed": (await session.execute(_OVERDUE_FOR_APPLICATION, params)).all(),
    }


_REMIND = text(
    f"""
    WITH owed AS ({_OWED})
    INSERT INTO feedback_reminders (id, organization_id, interview_id, member_id, kind, created_at)
    SELECT gen_random_uuid(), organization_id, interview_id, member_id, CAST(:kind AS varchar), now()
    FROM owed
    WHERE CASE WHEN CAST(:kind AS varchar) = 'overdue' THEN due_at <= :now
               ELSE due_at - make_interval(hours => :soon) <= :now AND due_at > :now END
    ON CONFLICT (interview_id, member_id, kind) DO NOTHING
    RETURNING organization_id, interview_id, member_id
    """
)


async def claim_reminders(
    session: AsyncSession, kind: str, now: datetime, soon_hours: int
) -> Sequence[tuple[uuid.UUID, uuid.UUID, uuid.UUID]]:
    """Record reminders not yet recorded; the unique key makes each happen once across workers."""
    rows = await session.execute(_REMIND, {"kind": kind, "now": now, "soon": soon_hours})
    return [(o, i, m) for o, i, m in rows.all()]


async def list_reasons(
    session: AsyncSession, organization_id: uuid.UUID, include_inactive: bool
) -> Sequence[RejectionReason]:
    stmt = select(RejectionReason).where(RejectionReason.organization_id == organization_id)
    if not include_inactive:
        stmt = stmt.where(col(RejectionReason.is_active))
    return (await session.scalars(stmt.order_by(col(RejectionReason.code)))).all()


async def get_reason(
    session: AsyncSession, organization_id: uuid.UUID, reason_id: uuid.UUID
) -> RejectionReason | None:
    stmt = select(RejectionReason).where(
        RejectionReason.organization_id == organization_id, RejectionReason.id == reason_id
    )
    return (await session.scalars(stmt)).first()


async def get_decision(
    session: AsyncSession, organization_id: uuid.UUID, decision_id: uuid.UUID
) -> HiringDecision | None:
    stmt = select(HiringDecision).where(
        HiringDecision.organization_id == organization_id, HiringDecision.id == decision_id
    )
    return (await session.scalars(stmt)).first()


async def latest_decisions(
    session: AsyncSession, organization_id: uuid.UUID, application_ids: Sequence[uuid.UUID]
) -> Sequence[HiringDecision]:
    if not application_ids:
        return []
    stmt = text(
        """
        SELECT DISTINCT ON (application_id) id FROM hiring_decisions
        WHERE organization_id = :org AND application_id = ANY(:apps)
        ORDER BY application_id, created_at DESC, id DESC
        """
    )
    ids = [
        r[0]
        for r in (
            await session.execute(stmt, {"org": organization_id, "apps": list(application_ids)})
        ).all()
    ]
    if not ids:
        return []
    return (
        await session.scalars(select(HiringDecision).where(col(HiringDecision.id).in_(ids)))
    ).all()


async def get_offer(
    session: AsyncSession,
    organization_id: uuid.UUID,
    offer_id: uuid.UUID,
    *,
    for_update: bool = False,
) -> Offer | None:
    stmt = select(Offer).where(Offer.organization_id == organization_id, Offer.id == offer_id)
    if for_update:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return (await session.scalars(stmt)).first()


async def open_offer_for(
    session: AsyncSession, organization_id: uuid.UUID, application_id: uuid.UUID
) -> Offer | None:
    stmt = select(Offer).where(
        Offer.organization_id == organization_id,
        Offer.application_id == application_id,
        col(Offer.status).in_(["draft", "approved", "sent"]),
    )
    return (await session.scalars(stmt)).first()


async def list_offers(
    session: AsyncSession,
    organization_id: uuid.UUID,
    role_ids: Sequence[uuid.UUID],
    page: PageRequest | None = None,
) -> Sequence[Offer]:
    stmt = select(Offer).where(
        Offer.organization_id == organization_id, col(Offer.role_id).in_(role_ids)
    )
    if page is not None:
        return (await session.scalars(keyset(stmt, Offer.created_at, Offer.id, page))).all()
    return (
        await session.scalars(stmt.order_by(col(Offer.created_at).desc(), col(Offer.id).desc()))
    ).all()


async def get_message(
    session: AsyncSession,
    organization_id: uuid.UUID,
    message_id: uuid.UUID,
    *,
    for_update: bool = False,
) -> OutcomeMessage | None:
    stmt = select(OutcomeMessage).where(
        OutcomeMessage.organization_id == organization_id, OutcomeMessage.id == message_id
    )
    if for_update:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return (await session.scalars(stmt)).first()


async def messages_for(
    session: AsyncSession, organization_id: uuid.UUID, application_id: uuid.UUID
) -> Sequence[OutcomeMessage]:
    stmt = (
        select(OutcomeMessage)
        .where(
            OutcomeMessage.organization_id == organization_id,
            OutcomeMessage.application_id == application_id,
        )
        .order_by(col(OutcomeMessage.created_at))
    )
    return (await session.scalars(stmt)).all()


async def cancel_scheduled_messages(
    session: AsyncSession, organization_id: uuid.UUID, application_id: uuid.UUID
) -> None:
    await session.execute(
        text(
            "UPDATE outcome_messages SET status = 'cancelled', version = version + 1 "
            "WHERE organization_id = :org AND application_id = :app AND status = 'scheduled'"
        ),
        {"org": organization_id, "app": application_id},
    )


async def clear_at_risk_flag(
    session: AsyncSession, organization_id: uuid.UUID, application_id: uuid.UUID
) -> None:
    await session.execute(
        text(
            "DELETE FROM awaiting_outcome_flags WHERE organization_id = :org AND application_id = :app"
        ),
        {"org": organization_id, "app": application_id},
    )


async def was_interviewed(
    session: AsyncSession, organization_id: uuid.UUID, application_id: uuid.UUID
) -> bool:
    stmt = text(
        "SELECT EXISTS (SELECT 1 FROM interviews WHERE organization_id = :org AND application_id = :app "
        "AND status IN ('completed', 'no_show'))"
    )
    return bool(await session.scalar(stmt, {"org": organization_id, "app": application_id}))


_WAITING = """
    SELECT a.id AS application_id, a.candidate_id, c.name AS candidate_name, a.role_id, r.title AS role_title,
           max(i.end_at) AS last_interview_at
    FROM applications a
    JOIN interviews i ON i.application_id = a.id AND i.status = 'completed'
    JOIN candidates c ON c.id = a.candidate_id
    JOIN roles r ON r.id = a.role_id
    WHERE a.organization_id = :org AND a.outcome IN ('active', 'rejected')
      AND (CAST(:role AS uuid) IS NULL OR a.role_id = CAST(:role AS uuid))
      AND (CAST(:manager AS uuid) IS NULL OR r.hiring_manager_id = CAST(:manager AS uuid)
           OR r.hiring_manager_id IN (SELECT id FROM members WHERE delegate_id = CAST(:manager AS uuid)))
      AND NOT EXISTS (
          SELECT 1 FROM outcome_messages m
          WHERE m.application_id = a.id AND m.status = 'sent'
            -- Told before being reopened does not count: the candidate is owed a new outcome.
            AND m.sent_at > COALESCE((
                SELECT max(t.created_at) FROM application_transitions t
                WHERE t.application_id = a.id AND t.action = 'reopen'), '-infinity')
      )
    GROUP BY a.id, c.name, r.title
"""

_WAITING_COUNTS = text(
    f"""
    SELECT count(*) AS waiting,
           count(*) FILTER (WHERE last_interview_at + make_interval(days => :days) - make_interval(days => :warn) <= :now)
             AS at_risk
    FROM ({_WAITING}) w
    """
)

_WAITING_LIST = text(
    f"""
    SELECT * FROM ({_WAITING}) w
    ORDER BY last_interview_at, application_id
    LIMIT :limit
    """
)


async def waiting(
    session: AsyncSession,
    organization_id: uuid.UUID,
    *,
    role_id: uuid.UUID | None,
    manager_id: uuid.UUID | None,
    now: datetime,
    deadline_days: int,
    warning_days: int,
    limit: int,
) -> tuple[Any, Sequence[Any]]:
    params = {
        "org": organization_id,
        "role": role_id,
        "manager": manager_id,
        "now": now,
        "days": deadline_days,
        "warn": warning_days,
        "limit": limit,
    }
    counts = (await session.execute(_WAITING_COUNTS, params)).one()
    rows = (await session.execute(_WAITING_LIST, params)).all()
    return counts, rows


_AT_RISK_CLAIM = text(
    """
    WITH waiting AS (
        SELECT a.id AS application_id, a.organization_id, a.candidate_id, a.role_id, max(i.end_at) AS last_interview_at,
               o.close_the_loop_days
        FROM applications a
        JOIN interviews i ON i.application_id = a.id AND i.status = 'completed'
        JOIN organizations o ON o.id = a.organization_id
        WHERE a.outcome IN ('active', 'rejected')
          AND NOT EXISTS (
          SELECT 1 FROM outcome_messages m
          WHERE m.application_id = a.id AND m.status = 'sent'
            -- Told before being reopened does not count: the candidate is owed a new outcome.
            AND m.sent_at > COALESCE((
                SELECT max(t.created_at) FROM application_transitions t
                WHERE t.application_id = a.id AND t.action = 'reopen'), '-infinity')
      )
        GROUP BY a.id, o.close_the_loop_days
    )
    INSERT INTO awaiting_outcome_flags (id, organization_id, application_id, created_at)
    SELECT gen_random_uuid(), organization_id, application_id, now() FROM waiting
    WHERE last_interview_at + make_interval(days => close_the_loop_days) - make_interval(days => :warn) <= :now
    ON CONFLICT (application_id) DO NOTHING
    RETURNING organization_id, application_id
    """
)


async def claim_at_risk(
    session: AsyncSession, now: datetime, warning_days: int
) -> Sequence[tuple[uuid.UUID, uuid.UUID]]:
    rows = await session.execute(_AT_RISK_CLAIM, {"now": now, "warn": warning_days})
    return [(o, a) for o, a in rows.all()]


# Each statement takes an array of role ids (`:roles`) and answers for all of them, so the
# figures of a page of roles cost as many statements as those of one.
_STAGE_TIMES = text(
    """
    SELECT role_id, stage, count(*) AS n,
           avg(extract(epoch FROM :now - stage_entered_at)) / 86400.0 AS days
    FROM applications WHERE organization_id = :org AND role_id = ANY(:roles) AND outcome = 'active'
    GROUP BY role_id, stage
    """
)

_FEEDBACK_TIMES = text(
    """
    SELECT s.role_id, s.interviewer_id, m.name, count(*) AS n,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM s.first_submitted_at - i.end_at)) / 3600.0
    FROM scorecards s JOIN interviews i ON i.id = s.interview_id JOIN members m ON m.id = s.interviewer_id
    WHERE s.organization_id = :org AND s.role_id = ANY(:roles) AND s.first_submitted_at IS NOT NULL
    GROUP BY s.role_id, s.interviewer_id, m.name
    ORDER BY m.name
    """
)

_OVERDUE_FOR_ROLES = text(
    f"""
    SELECT role_id, count(*) FROM ({_OWED}) owed
    WHERE organization_id = :org AND role_id = ANY(:roles) AND due_at <= :now
    GROUP BY role_id
    """
)

_OFFER_COUNTS = text(
    """
    SELECT role_id, status, count(*) FROM offers
    WHERE organization_id = :org AND role_id = ANY(:roles)
    GROUP BY role_id, status
    """
)


async def dashboard_rows(
    session: AsyncSession, organization_id: uuid.UUID, role_id: uuid.UUID, now: datetime
) -> dict[str, Any]:
    return (await dashboard_rows_for_roles(session, organization_id, [role_id], now))[role_id]


async def dashboard_rows_for_roles(
    session: AsyncSession, organization_id: uuid.UUID, role_ids: Sequence[uuid.UUID], now: datetime
) -> dict[uuid.UUID, dict[str, Any]]:
    """The rows each role's dashboard is built from: four statements in all."""
    params = {"org": organization_id, "roles": list(role_ids), "now": now}
    found: dict[uuid.UUID, dict[str, Any]] = {
        r: {"stages": [], "feedback": [], "overdue": 0, "offers": {}} for r in role_ids
    }
    for role_id, stage, n, days in (await session.execute(_STAGE_TIMES, params)).all():
        found[role_id]["stages"].append((stage, n, days))
    for role_id, member_id, name, n, hours in (
        await session.execute(_FEEDBACK_TIMES, params)
    ).all():
        found[role_id]["feedback"].append((member_id, name, n, hours))
    for role_id, n in (await session.execute(_OVERDUE_FOR_ROLES, params)).all():
        found[role_id]["overdue"] = int(n)
    for role_id, status, n in (await session.execute(_OFFER_COUNTS, params)).all():
        found[role_id]["offers"][status] = n
    return found
