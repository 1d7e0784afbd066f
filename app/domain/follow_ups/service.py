"""Follow-ups as the recruiter and hiring manager see them: send one, list, read, withdraw.

Recruiters and admins send and withdraw; the hiring manager of the role (or their delegate)
reads answers; interviewers see an answer only in the packet of an interview they are on
(app/domain/interviews/prep.py), never here. A follow-up goes only to an active application,
one open follow-up at a time; the email itself is planned from the `follow_up.sent` event after
the commit (app/domain/notifications/planner.py), so no mail leaves inside the transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import utcnow
from app.core.actor import Actor, PermissionSet
from app.db import settings_of
from app.domain.applications.service import visible_application
from app.domain.calibration import repository as calibration_repo
from app.domain.events import service as events
from app.domain.follow_ups import repository, tokens
from app.domain.follow_ups.models import OPEN_STATES, FollowUp
from app.domain.follow_ups.schemas import (
    FollowUpAnswerPublic,
    FollowUpCreate,
    FollowUpCreated,
    FollowUpPublic,
)
from app.errors import Conflict, InvalidInput, NotFound


def link_for(public_url: str, secret: str, follow_up: FollowUp) -> str:
    """The candidate's page for this follow-up (served by app/pages)."""
    token = tokens.sign(secret, follow_up.id, follow_up.expires_at)
    return f"{public_url.rstrip('/')}/pages/follow-ups/{token}"


async def publics(
    session: AsyncSession, organization_id: uuid.UUID, rows: Sequence[FollowUp]
) -> list[FollowUpPublic]:
    names = await repository.document_names(
        session, organization_id, [r.answer_document_id for r in rows if r.answer_document_id]
    )
    result = []
    for row in rows:
        answer = None
        if row.answered_at is not None and row.answer_text is not None:
            answer = FollowUpAnswerPublic(
                text=row.answer_text,
                link=row.answer_link,
                document_id=row.answer_document_id,
                document_filename=names.get(row.answer_document_id)
                if row.answer_document_id
                else None,
                answered_at=row.answered_at,
            )
        result.append(
            FollowUpPublic.model_validate(
                {
                    **{k: getattr(row, k) for k in FollowUpPublic.model_fields if k != "answer"},
                    "answer": answer,
                }
            )
        )
    return result


async def send(
    session: AsyncSession, actor: Actor, application_id: uuid.UUID, data: FollowUpCreate
) -> FollowUpCreated:
    actor.require(PermissionSet.admin, PermissionSet.recruiter)
    application = await visible_application(session, actor, application_id, for_update=True)
    if application.outcome != "active":
        raise Conflict(
            f"The application is {application.outcome}; a follow-up goes only to an active "
            "application"
        )
    waitlist = await calibration_repo.current_waitlist_decision(
        session, actor.organization_id, application.id
    )
    if data.decision_id is not None and (waitlist is None or waitlist.id != data.decision_id):
        raise InvalidInput.for_field(
            "decision_id", "is not the application's current waitlist decision"
        )
    already = await repository.open_for_application(session, actor.organization_id, application.id)
    if already is not None:
        raise Conflict(
            f"Follow-up {already.id} to this candidate is still open; withdraw it first",
            follow_up_id=str(already.id),
        )
    settings = settings_of(session)
    now = utcnow()
    expires_at = now + timedelta(days=settings.follow_up_expiry_days)
    reminder_at = min(
        now + timedelta(days=settings.follow_up_reminder_days), expires_at - timedelta(days=1)
    )
    follow_up = FollowUp(
        organization_id=actor.organization_id,
        application_id=application.id,
        role_id=application.role_id,
        candidate_id=application.candidate_id,
        decision_id=waitlist.id if waitlist is not None else None,
        question=data.question,
        sent_by_id=actor.member_id,
        sent_at=now,
        reminder_due_at=reminder_at,
        # Whole seconds, as the token signs them.
        expires_at=expires_at.replace(microsecond=0),
    )
    session.add(follow_up)
    await session.flush()
    events.record(
        session,
        actor.organization_id,
        actor,
        "follow_up.sent",
        "application",
        application.id,
        {
            "follow_up_id": str(follow_up.id),
            "application_id": str(application.id),
            "role_id": str(application.role_id),
            "decision_id": str(follow_up.decision_id) if follow_up.decision_id else None,
            "expires_at": follow_up.expires_at.isoformat(),
        },
    )
    public = (await publics(session, actor.organization_id, [follow_up]))[0]
    return FollowUpCreated(
        **public.model_dump(), url=link_for(settings.public_url, settings.secret_key, follow_up)
    )


async def _visible(
    session: AsyncSession, actor: Actor, follow_up_id: uuid.UUID, *, for_update: bool = False
) -> FollowUp:
    follow_up = await repository.get(
        session, actor.organization_id, follow_up_id, for_update=for_update
    )
    if follow_up is None:
        raise NotFound("follow-up", follow_up_id)
    try:
        await visible_application(session, actor, follow_up.application_id)
    except NotFound:
        raise NotFound("follow-up", follow_up_id) from None
    return follow_up


async def get(session: AsyncSession, actor: Actor, follow_up_id: uuid.UUID) -> FollowUpPublic:
    return (
        await publics(
            session, actor.organization_id, [await _visible(session, actor, follow_up_id)]
        )
    )[0]


async def list_for_application(
    session: AsyncSession, actor: Actor, application_id: uuid.UUID
) -> list[FollowUpPublic]:
    application = await visible_application(session, actor, application_id)
    rows = await repository.for_applications(session, actor.organization_id, [application.id])
    return await publics(session, actor.organization_id, rows)


async def for_applications(
    session: AsyncSession, actor: Actor, application_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[FollowUpPublic]]:
    """For GraphQL edges and slates of applications the caller already sees."""
    rows = await repository.for_applications(session, actor.organization_id, application_ids)
    result: dict[uuid.UUID, list[FollowUpPublic]] = {a: [] for a in application_ids}
    for public in await publics(session, actor.organization_id, rows):
        result.setdefault(public.application_id, []).append(public)
    return result


async def withdraw(session: AsyncSession, actor: Actor, follow_up_id: uuid.UUID) -> FollowUpPublic:
    actor.require(PermissionSet.admin, PermissionSet.recruiter)
    follow_up = await _visible(session, actor, follow_up_id, for_update=True)
    if follow_up.state not in OPEN_STATES:
        raise Conflict(f"The follow-up is {follow_up.state}; only an open one can be withdrawn")
    follow_up.state = "withdrawn"
    follow_up.closed_at = utcnow()
    follow_up.version += 1
    events.record(
        session,
        actor.organization_id,
        actor,
        "follow_up.withdrawn",
        "application",
        follow_up.application_id,
        {"follow_up_id": str(follow_up.id), "application_id": str(follow_up.application_id)},
    )
    await session.flush()
    return (await publics(session, actor.organization_id, [follow_up]))[0]
