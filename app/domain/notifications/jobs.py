"""The notification side's periodic jobs: outcome messages at send_at, slate reminders, digests.

Each job is safe to run twice: what it plans carries a dedupe key, and a digest period is
claimed by a unique DigestRun."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import utcnow
from app.domain.follow_ups import jobs as follow_up_jobs
from app.domain.notifications import messages, repository
from app.domain.notifications.digests import send_digests
from app.domain.notifications.planner import slate_message
from app.domain.notifications.repository import Draft
from app.domain.organizations import repository as organizations_repo
from app.templates import render


@dataclass(frozen=True)
class NotificationJob:
    name: str
    every: timedelta
    run: Callable[[AsyncSession], Awaitable[object]]


async def plan_outcomes(session: AsyncSession, now: datetime | None = None) -> int:
    """Outcome messages whose send_at came become emails to their candidates."""
    due = await repository.due_outcomes(session, now or utcnow())
    drafts: list[Draft] = []
    for outcome in due:
        context = {
            "candidate_name": outcome.candidate_name,
            "role_title": outcome.role_title,
            "organization_name": outcome.organization_name,
            "personal_note": outcome.personal_note,
            "start_date": outcome.offer_start_date.isoformat()
            if outcome.offer_start_date
            else None,
            "expires": outcome.offer_expires_at.strftime("%d %B %Y")
            if outcome.offer_expires_at
            else None,
        }
        text = render(f"{messages.TEMPLATES}outcome_{outcome.kind}.txt.j2", **context)
        subject = (
            f"Your offer for {outcome.role_title} at {outcome.organization_name}"
            if outcome.kind == "offer"
            else f"Your application for {outcome.role_title} at {outcome.organization_name}"
        )
        drafts.append(
            messages.candidate_email(
                outcome.organization_id,
                kind=f"outcome_{outcome.kind}",
                candidate_id=outcome.candidate_id,
                email=outcome.candidate_email,
                dedupe_key=f"outcome:{outcome.id}",
                subject=subject,
                text=text,
                html=messages.email_html(subject, subject, text, outcome.organization_name),
                outcome_message_id=outcome.id,
            )
        )
    return len(await repository.add_notifications(session, drafts))


async def plan_slate_reminders(session: AsyncSession, now: datetime | None = None) -> int:
    """A slate past its due time without every decision: remind its hiring manager, once."""
    slates = await repository.overdue_slates(session, now or utcnow())
    people = await repository.recipients(
        session, [s.hiring_manager_id for s in slates if s.hiring_manager_id]
    )
    names = await repository.organization_names(session, [s.organization_id for s in slates])
    templates = await organizations_repo.link_templates_of(session, names)
    drafts = [
        slate_message(
            slate,
            people[slate.hiring_manager_id],
            names,
            templates.get(slate.organization_id),
            "reminder",
        )
        for slate in slates
        if slate.hiring_manager_id in people and people[slate.hiring_manager_id].is_active
    ]
    return len(await repository.add_notifications(session, drafts))


JOBS: tuple[NotificationJob, ...] = (
    NotificationJob("notifications.outcomes", timedelta(minutes=1), plan_outcomes),
    NotificationJob("notifications.slate_reminders", timedelta(minutes=5), plan_slate_reminders),
    NotificationJob("notifications.digests", timedelta(minutes=1), send_digests),
    NotificationJob("follow_ups.reminders", timedelta(minutes=5), follow_up_jobs.send_reminders),
    NotificationJob("follow_ups.expiry", timedelta(minutes=5), follow_up_jobs.expire),
)
