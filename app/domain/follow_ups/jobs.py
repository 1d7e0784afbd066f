"""The follow-ups' periodic work: one reminder to the candidate, then expiry.

Each run claims due rows with SKIP LOCKED, moves them and plans the reminder email in the same
transaction (the email is delivered by the worker after the commit); running twice does nothing
twice, since a reminded row is no longer `sent` and the email's dedupe key is the follow-up's.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import utcnow
from app.db import settings_of
from app.domain.events import service as events
from app.domain.follow_ups import messages, repository
from app.domain.notifications import repository as notifications_repo

BATCH = 200


async def send_reminders(session: AsyncSession, now: datetime | None = None) -> int:
    now = now or utcnow()
    due = await repository.due_reminders(session, now, BATCH)
    for follow_up in due:
        follow_up.state = "reminded"
        follow_up.reminded_at = now
        follow_up.version += 1
        events.record(
            session,
            follow_up.organization_id,
            None,
            "follow_up.reminded",
            "application",
            follow_up.application_id,
            {"follow_up_id": str(follow_up.id), "application_id": str(follow_up.application_id)},
        )
    await session.flush()
    settings = settings_of(session)
    facts = await repository.email_facts(session, [f.id for f in due])
    drafts = messages.candidate_emails(
        facts, settings.public_url, settings.secret_key, reminder=True
    )
    await notifications_repo.add_notifications(session, drafts)
    return len(due)


async def expire(session: AsyncSession, now: datetime | None = None) -> int:
    now = now or utcnow()
    due = await repository.due_expiries(session, now, BATCH)
    for follow_up in due:
        follow_up.state = "expired"
        follow_up.closed_at = now
        follow_up.version += 1
        events.record(
            session,
            follow_up.organization_id,
            None,
            "follow_up.expired",
            "application",
            follow_up.application_id,
            {
                "follow_up_id": str(follow_up.id),
                "application_id": str(follow_up.application_id),
                "role_id": str(follow_up.role_id),
            },
        )
    await session.flush()
    return len(due)
