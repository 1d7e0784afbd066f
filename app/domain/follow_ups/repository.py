"""SQL for follow-ups."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select as sa_select
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.domain.candidates.models import Candidate, Document
from app.domain.columns import any_id
from app.domain.follow_ups.models import OPEN_STATES, FollowUp
from app.domain.organizations.models import Member, Organization
from app.domain.roles.models import Role


async def get(
    session: AsyncSession,
    organization_id: uuid.UUID,
    follow_up_id: uuid.UUID,
    *,
    for_update: bool = False,
) -> FollowUp | None:
    stmt = select(FollowUp).where(
        col(FollowUp.organization_id) == organization_id, col(FollowUp.id) == follow_up_id
    )
    if for_update:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return (await session.scalars(stmt)).first()


async def get_by_token_id(
    session: AsyncSession, follow_up_id: uuid.UUID, *, for_update: bool = False
) -> FollowUp | None:
    """By id alone: the caller holds a signed token naming it, which is what scopes it."""
    stmt = select(FollowUp).where(col(FollowUp.id) == follow_up_id)
    if for_update:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return (await session.scalars(stmt)).first()


async def for_applications(
    session: AsyncSession, organization_id: uuid.UUID, application_ids: Sequence[uuid.UUID]
) -> Sequence[FollowUp]:
    if not application_ids:
        return []
    stmt = (
        select(FollowUp)
        .where(
            col(FollowUp.organization_id) == organization_id,
            col(FollowUp.application_id) == any_id(application_ids),
        )
        .order_by(col(FollowUp.created_at), col(FollowUp.id))
    )
    return (await session.scalars(stmt)).all()


async def open_for_application(
    session: AsyncSession, organization_id: uuid.UUID, application_id: uuid.UUID
) -> FollowUp | None:
    stmt = select(FollowUp).where(
        col(FollowUp.organization_id) == organization_id,
        col(FollowUp.application_id) == application_id,
        col(FollowUp.state).in_(OPEN_STATES),
    )
    return (await session.scalars(stmt)).first()


async def document_names(
    session: AsyncSession, organization_id: uuid.UUID, document_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, str]:
    if not document_ids:
        return {}
    rows = await session.execute(
        select(Document.id, Document.filename).where(
            col(Document.organization_id) == organization_id,
            col(Document.id).in_(list(document_ids)),
        )
    )
    return {i: n for i, n in rows.all()}


async def due_reminders(session: AsyncSession, now: datetime, limit: int) -> Sequence[FollowUp]:
    """Sent follow-ups whose reminder is due, claimed (SKIP LOCKED) for this transaction."""
    stmt = (
        select(FollowUp)
        .where(
            col(FollowUp.state) == "sent",
            col(FollowUp.reminder_due_at) <= now,
            col(FollowUp.expires_at) > now,
        )
        .order_by(col(FollowUp.reminder_due_at))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return (await session.scalars(stmt)).all()


async def due_expiries(session: AsyncSession, now: datetime, limit: int) -> Sequence[FollowUp]:
    stmt = (
        select(FollowUp)
        .where(col(FollowUp.state).in_(OPEN_STATES), col(FollowUp.expires_at) <= now)
        .order_by(col(FollowUp.expires_at))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return (await session.scalars(stmt)).all()


async def answered_since_decision(
    session: AsyncSession, organization_id: uuid.UUID, role_ids: Sequence[uuid.UUID]
) -> Sequence[FollowUp]:
    """Answered follow-ups the hiring manager has not decided on since: no current slate
    decision on the application is newer than the answer."""
    if not role_ids:
        return []
    stmt = (
        select(FollowUp)
        .where(
            col(FollowUp.organization_id) == organization_id,
            col(FollowUp.role_id).in_(list(role_ids)),
            col(FollowUp.state) == "answered",
            text(
                "NOT EXISTS (SELECT 1 FROM slate_decisions d "
                "WHERE d.application_id = follow_ups.application_id AND d.is_current "
                "AND d.created_at > follow_ups.answered_at)"
            ),
        )
        .order_by(col(FollowUp.answered_at))
    )
    return (await session.scalars(stmt)).all()


@dataclass(frozen=True)
class EmailFacts:
    """What the candidate's email about a follow-up names."""

    follow_up: FollowUp
    candidate_name: str
    candidate_email: str
    role_title: str
    organization_name: str
    sender_name: str | None
    sender_email: str | None


async def email_facts(
    session: AsyncSession, follow_up_ids: Sequence[uuid.UUID]
) -> list[EmailFacts]:
    if not follow_up_ids:
        return []
    # SQLAlchemy's select: SQLModel's stops typing at four columns.
    stmt = (
        sa_select(
            FollowUp,
            col(Candidate.name),
            col(Candidate.email),
            col(Role.title),
            col(Organization.name),
            col(Member.name),
            col(Member.email),
        )
        .join(Candidate, col(Candidate.id) == col(FollowUp.candidate_id))
        .join(Role, col(Role.id) == col(FollowUp.role_id))
        .join(Organization, col(Organization.id) == col(FollowUp.organization_id))
        .outerjoin(Member, col(Member.id) == col(FollowUp.sent_by_id))
        .where(col(FollowUp.id).in_(list(follow_up_ids)))
    )
    return [EmailFacts(*row) for row in (await session.execute(stmt)).all()]


async def latest_answered(
    session: AsyncSession, organization_id: uuid.UUID, application_id: uuid.UUID
) -> FollowUp | None:
    stmt = (
        select(FollowUp)
        .where(
            col(FollowUp.organization_id) == organization_id,
            col(FollowUp.application_id) == application_id,
            col(FollowUp.state) == "answered",
        )
        .order_by(col(FollowUp.answered_at).desc(), col(FollowUp.id).desc())
        .limit(1)
    )
    return (await session.scalars(stmt)).first()
