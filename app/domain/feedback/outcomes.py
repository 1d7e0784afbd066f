"""The outcome a candidate is owed. Anything that ends an interviewed candidate's application, or
sends them an offer, schedules a message here; the delivery worker sends it at `send_at`."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import utcnow
from app.core.actor import Actor, PermissionSet
from app.db import settings_of
from app.domain.applications import repository as applications_repo
from app.domain.events import service as events
from app.domain.feedback import repository
from app.domain.feedback.models import OutcomeMessage
from app.domain.feedback.schemas import OutcomeMessagePublic, OutcomeMessageUpdate
from app.domain.roles.access import managed_scope
from app.errors import Conflict, InvalidInput, NotFound


async def schedule(
    session: AsyncSession,
    actor: Actor | None,
    organization_id: uuid.UUID,
    application_id: uuid.UUID,
    kind: str,
    *,
    offer_id: uuid.UUID | None = None,
    immediately: bool = False,
) -> OutcomeMessage | None:
    """Owe the candidate a rejection or an offer message. A rejection is owed only to a
    candidate who was interviewed; it goes out after the default delay, so a recruiter can
    personalise or postpone it."""
    if kind == "rejection" and not await repository.was_interviewed(
        session, organization_id, application_id
    ):
        return None
    await repository.cancel_scheduled_messages(session, organization_id, application_id)
    delay = 0 if immediately else settings_of(session).outcome_default_delay_hours
    message = OutcomeMessage(
        organization_id=organization_id,
        application_id=application_id,
        kind=kind,
        send_at=utcnow() + timedelta(hours=delay),
        offer_id=offer_id,
        created_by_id=actor.member_id if actor else None,
    )
    session.add(message)
    await session.flush()
    events.record(
        session,
        organization_id,
        actor,
        "outcome.scheduled",
        "application",
        application_id,
        {
            "message_id": str(message.id),
            "application_id": str(application_id),
            "kind": kind,
            "send_at": message.send_at.isoformat(),
        },
    )
    return message


async def reopened(
    session: AsyncSession, organization_id: uuid.UUID, application_id: uuid.UUID
) -> None:
    await repository.cancel_scheduled_messages(session, organization_id, application_id)
    await repository.clear_at_risk_flag(session, organization_id, application_id)


async def list_for_application(
    session: AsyncSession, actor: Actor, application_id: uuid.UUID
) -> list[OutcomeMessagePublic]:
    application = await applications_repo.get_application(
        session, actor.organization_id, application_id, manager_id=managed_scope(actor)
    )
    if application is None:
        raise NotFound("application", application_id)
    rows = await repository.messages_for(session, actor.organization_id, application_id)
    return [OutcomeMessagePublic.model_validate(m) for m in rows]


async def get_message(
    session: AsyncSession, actor: Actor, message_id: uuid.UUID
) -> OutcomeMessagePublic:
    """One outcome message, for a caller who may see its application."""
    message = await repository.get_message(session, actor.organization_id, message_id)
    if message is None or (
        await applications_repo.get_application(
            session,
            actor.organization_id,
            message.application_id,
            manager_id=managed_scope(actor),
        )
        is None
    ):
        raise NotFound("outcome message", message_id)
    return OutcomeMessagePublic.model_validate(message)


async def update(
    session: AsyncSession, actor: Actor, message_id: uuid.UUID, data: OutcomeMessageUpdate
) -> OutcomeMessagePublic:
    actor.require(PermissionSet.admin, PermissionSet.recruiter)
    message = await repository.get_message(
        session, actor.organization_id, message_id, for_update=True
    )
    if message is None:
        raise NotFound("outcome message", message_id)
    if message.status != "scheduled":
        raise Conflict(f"The message is {message.status}; only a scheduled one can change")
    values = data.model_dump(exclude_unset=True)
    if "send_at" in values:
        if data.send_at is None or data.send_at <= utcnow():
            raise InvalidInput.for_field("send_at", "must be in the future")
        message.send_at = data.send_at
    if "personal_note" in values:
        message.personal_note = data.personal_note
    message.version += 1
    events.record(
        session,
        actor.organization_id,
        actor,
        "outcome.updated",
        "application",
        message.application_id,
        {
            "message_id": str(message.id),
            "application_id": str(message.application_id),
            "send_at": message.send_at.isoformat(),
            "changed": sorted(values),
        },
    )
    await session.flush()
    return OutcomeMessagePublic.model_validate(message)


async def mark_sent(
    session: AsyncSession, organization_id: uuid.UUID, message_id: uuid.UUID
) -> OutcomeMessagePublic:
    """For the delivery worker: record that the message reached the candidate."""
    message = await repository.get_message(session, organization_id, message_id, for_update=True)
    if message is None:
        raise NotFound("outcome message", message_id)
    if message.status != "scheduled":
        raise Conflict(f"The message is {message.status}")
    message.status, message.sent_at = "sent", utcnow()
    message.version += 1
    events.record(
        session,
        organization_id,
        None,
        "outcome.sent",
        "application",
        message.application_id,
        {
            "message_id": str(message.id),
            "application_id": str(message.application_id),
            "kind": message.kind,
        },
    )
    await session.flush()
    return OutcomeMessagePublic.model_validate(message)
