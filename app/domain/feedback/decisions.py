"""The hiring manager's decision after interviews, and the organization's rejection reasons.

`advance` sends the candidate to another round (back to, or staying at, `interviewing`);
`reject` ends the application with a reason from the catalogue and owes the candidate the
outcome; `offer` moves the application to `offer`, where the recruiter drafts the offer.
"""

from __future__ import annotations

import uuid

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.actor import Actor, PermissionSet
from app.domain.applications.service import apply_transition, visible_application
from app.domain.events import service as events
from app.domain.feedback import outcomes, repository
from app.domain.feedback.models import HiringDecision, RejectionReason
from app.domain.feedback.schemas import (
    DecisionCreate,
    DecisionPublic,
    RejectionReasonCreate,
    RejectionReasonPublic,
    RejectionReasonUpdate,
)
from app.domain.organizations import repository as members_repo
from app.domain.roles import repository as roles_repo
from app.errors import Conflict, InvalidInput, NotFound, PermissionDenied

DECIDABLE_STAGES = ("interviewing", "decision")


async def list_reasons(
    session: AsyncSession, actor: Actor, include_inactive: bool
) -> list[RejectionReasonPublic]:
    rows = await repository.list_reasons(session, actor.organization_id, include_inactive)
    return [RejectionReasonPublic.model_validate(r) for r in rows]


async def create_reason(
    session: AsyncSession, actor: Actor, data: RejectionReasonCreate
) -> RejectionReasonPublic:
    actor.require(PermissionSet.admin)
    reason = RejectionReason(
        organization_id=actor.organization_id, code=data.code, label=data.label
    )
    try:
        async with session.begin_nested():
            session.add(reason)
            await session.flush()
    except IntegrityError as exc:
        raise Conflict(f"A rejection reason with the code {data.code} already exists") from exc
    events.record(
        session,
        actor.organization_id,
        actor,
        "rejection_reason.created",
        "rejection_reason",
        reason.id,
        {"rejection_reason_id": str(reason.id), "code": reason.code},
    )
    return RejectionReasonPublic.model_validate(reason)


async def update_reason(
    session: AsyncSession, actor: Actor, reason_id: uuid.UUID, data: RejectionReasonUpdate
) -> RejectionReasonPublic:
    actor.require(PermissionSet.admin)
    reason = await repository.get_reason(session, actor.organization_id, reason_id)
    if reason is None:
        raise NotFound("rejection reason", reason_id)
    values = data.model_dump(exclude_unset=True)
    for name, value in values.items():
        if value is None:
            raise InvalidInput.for_field(name, "may not be null")
        setattr(reason, name, value)
    if values:
        events.record(
            session,
            actor.organization_id,
            actor,
            "rejection_reason.updated",
            "rejection_reason",
            reason.id,
            {"rejection_reason_id": str(reason.id), "changed": sorted(values)},
        )
    await session.flush()
    return RejectionReasonPublic.model_validate(reason)


async def _may_decide(
    session: AsyncSession, actor: Actor, hiring_manager_id: uuid.UUID | None
) -> None:
    if hiring_manager_id is not None and actor.member_id == hiring_manager_id:
        return
    if hiring_manager_id is not None:
        manager = await members_repo.get_member(session, actor.organization_id, hiring_manager_id)
        if manager is not None and manager.delegate_id == actor.member_id:
            return
    raise PermissionDenied(
        "Only the role's hiring manager or their delegate decides after interviews"
    )


async def decide(
    session: AsyncSession, actor: Actor, application_id: uuid.UUID, data: DecisionCreate
) -> DecisionPublic:
    application = await visible_application(session, actor, application_id, for_update=True)
    role = await roles_repo.get_role(session, actor.organization_id, application.role_id)
    assert role is not None
    await _may_decide(session, actor, role.hiring_manager_id)
    if application.outcome != "active" or application.stage not in DECIDABLE_STAGES:
        raise Conflict(
            f"The application is at {application.stage} ({application.outcome}); decisions after interviews are "
            f"made at {' or '.join(DECIDABLE_STAGES)}"
        )
    if not await repository.was_interviewed(session, actor.organization_id, application.id):
        raise Conflict("No interview of this application has taken place yet")
    if data.rejection_reason_id is not None:
        reason = await repository.get_reason(
            session, actor.organization_id, data.rejection_reason_id
        )
        if reason is None or not reason.is_active:
            raise InvalidInput.for_field(
                "rejection_reason_id", "is not an active reason of your organization's catalogue"
            )
    why = f"Hiring manager decided {data.decision}: {data.note}"
    if data.decision == "advance" and application.stage == "decision":
        apply_transition(session, actor, application, "move", "interviewing", why)
    elif data.decision == "reject":
        apply_transition(session, actor, application, "reject", None, why)
    elif data.decision == "offer":
        if application.stage == "interviewing":
            apply_transition(session, actor, application, "move", "decision", why)
        apply_transition(session, actor, application, "move", "offer", why)
    decision = HiringDecision(
        organization_id=actor.organization_id,
        application_id=application.id,
        role_id=application.role_id,
        decision=data.decision,
        rejection_reason_id=data.rejection_reason_id,
        note=data.note,
        decided_by_id=actor.member_id,
    )
    session.add(decision)
    await session.flush()
    events.record(
        session,
        actor.organization_id,
        actor,
        "application.decided",
        "application",
        application.id,
        {
            "application_id": str(application.id),
            "decision": data.decision,
            "rejection_reason_id": str(data.rejection_reason_id)
            if data.rejection_reason_id
            else None,
        },
    )
    if data.decision == "reject":
        await outcomes.schedule(session, actor, actor.organization_id, application.id, "rejection")
    return DecisionPublic.model_validate(decision)


async def latest_decisions(
    session: AsyncSession, actor: Actor, application_ids: list[uuid.UUID]
) -> dict[uuid.UUID, DecisionPublic]:
    rows = await repository.latest_decisions(session, actor.organization_id, application_ids)
    return {d.application_id: DecisionPublic.model_validate(d) for d in rows}


async def latest_decision(
    session: AsyncSession, actor: Actor, application_id: uuid.UUID
) -> DecisionPublic | None:
    await visible_application(session, actor, application_id)
    return (await latest_decisions(session, actor, [application_id])).get(application_id)


async def get_decision(
    session: AsyncSession, actor: Actor, decision_id: uuid.UUID
) -> DecisionPublic:
    """One hiring decision, for a caller who may see its application."""
    decision = await repository.get_decision(session, actor.organization_id, decision_id)
    if decision is None:
        raise NotFound("hiring decision", decision_id)
    try:
        await visible_application(session, actor, decision.application_id)
    except NotFound:
        raise NotFound("hiring decision", decision_id) from None
    return DecisionPublic.model_validate(decision)
