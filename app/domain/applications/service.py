"""Rules for applications: one per candidate and role, moves only along the pipeline, every
move kept with who, when and why."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import utcnow
from app.core.actor import Actor, PermissionSet
from app.domain.applications import repository
from app.domain.applications.models import Application, ApplicationTransition
from app.domain.applications.pipeline import allowed_moves, next_state
from app.domain.applications.schemas import (
    ApplicationCreate,
    ApplicationFilters,
    ApplicationPublic,
    ApplicationUpdate,
    TransitionCreate,
    TransitionPublic,
)
from app.domain.candidates.service import visible_candidate
from app.domain.events import service as events
from app.domain.feedback import outcomes
from app.domain.pagination import Page, PageRequest, to_page
from app.domain.roles import repository as roles_repo
from app.domain.roles.access import managed_scope
from app.domain.versioning import apply_changes, check_version
from app.errors import Conflict, InvalidInput, NotFound

_EVENT_FOR_ACTION = {
    "move": "application.moved",
    "reject": "application.rejected",
    "withdraw": "application.withdrawn",
    "reopen": "application.reopened",
}


async def visible_application(
    session: AsyncSession, actor: Actor, application_id: uuid.UUID, *, for_update: bool = False
) -> Application:
    application = await repository.get_application(
        session,
        actor.organization_id,
        application_id,
        manager_id=managed_scope(actor),
        for_update=for_update,
    )
    if application is None:
        raise NotFound("application", application_id)
    return application


async def create_application(
    session: AsyncSession, actor: Actor, data: ApplicationCreate
) -> ApplicationPublic:
    actor.require(PermissionSet.admin, PermissionSet.recruiter)
    candidate = await visible_candidate(session, actor, data.candidate_id)
    role = await roles_repo.get_role(session, actor.organization_id, data.role_id)
    if role is None:
        raise InvalidInput.for_field("role_id", "no role with this id in your organization")
    if role.status in ("closed", "filled"):
        raise Conflict(f"The role is {role.status}; it takes no new applications")
    existing = await repository.find(session, actor.organization_id, candidate.id, role.id)
    if existing is not None:
        raise Conflict(
            f"{candidate.name} already has an application for this role ({existing.id})",
            application_id=str(existing.id),
        )
    application = Application(
        organization_id=actor.organization_id,
        candidate_id=candidate.id,
        role_id=role.id,
        stage=data.stage,
        screening_notes=data.screening_notes,
    )
    try:
        async with session.begin_nested():
            session.add(application)
            await session.flush()
    except IntegrityError as exc:
        raise Conflict(f"{candidate.name} already has an application for this role") from exc
    _record_creation(session, actor, application, "Application created")
    await session.flush()
    return ApplicationPublic.model_validate(application)


def _record_creation(
    session: AsyncSession, actor: Actor, application: Application, reason: str
) -> None:
    """The first line of the application's history, and its event."""
    session.add(
        ApplicationTransition(
            organization_id=application.organization_id,
            application_id=application.id,
            action="create",
            to_stage=application.stage,
            to_outcome=application.outcome,
            reason=reason,
            actor_member_id=actor.member_id,
        )
    )
    events.record(
        session,
        application.organization_id,
        actor,
        "application.created",
        "application",
        application.id,
        {
            "application_id": str(application.id),
            "candidate_id": str(application.candidate_id),
            "role_id": str(application.role_id),
            "stage": application.stage,
        },
    )


async def get_application(
    session: AsyncSession, actor: Actor, application_id: uuid.UUID
) -> ApplicationPublic:
    return ApplicationPublic.model_validate(
        await visible_application(session, actor, application_id)
    )


async def get_applications(
    session: AsyncSession, actor: Actor, ids: list[uuid.UUID]
) -> dict[uuid.UUID, ApplicationPublic]:
    rows = await repository.get_applications(
        session, actor.organization_id, ids, manager_id=managed_scope(actor)
    )
    return {a.id: ApplicationPublic.model_validate(a) for a in rows}


async def list_for_role(
    session: AsyncSession,
    actor: Actor,
    role_id: uuid.UUID,
    filters: ApplicationFilters,
    page: PageRequest,
) -> Page[ApplicationPublic]:
    scope = managed_scope(actor)
    if await roles_repo.get_role(session, actor.organization_id, role_id, managed_by=scope) is None:
        raise NotFound("role", role_id)
    rows = await repository.list_applications(
        session,
        actor.organization_id,
        page,
        manager_id=scope,
        role_id=role_id,
        stage=filters.stage,
        outcome=filters.outcome,
    )
    return _page(rows, page)


async def list_for_candidate(
    session: AsyncSession,
    actor: Actor,
    candidate_id: uuid.UUID,
    filters: ApplicationFilters,
    page: PageRequest,
) -> Page[ApplicationPublic]:
    await visible_candidate(session, actor, candidate_id)
    rows = await repository.list_applications(
        session,
        actor.organization_id,
        page,
        manager_id=managed_scope(actor),
        candidate_id=candidate_id,
        stage=filters.stage,
        outcome=filters.outcome,
    )
    return _page(rows, page)


async def for_roles(
    session: AsyncSession, actor: Actor, role_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[ApplicationPublic]]:
    rows = await repository.applications_by_parent(
        session, actor.organization_id, role_ids=role_ids, manager_id=managed_scope(actor)
    )
    result: dict[uuid.UUID, list[ApplicationPublic]] = {r: [] for r in role_ids}
    for row in rows:
        result.setdefault(row.role_id, []).append(ApplicationPublic.model_validate(row))
    return result


async def for_candidates(
    session: AsyncSession, actor: Actor, candidate_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[ApplicationPublic]]:
    rows = await repository.applications_by_parent(
        session, actor.organization_id, candidate_ids=candidate_ids, manager_id=managed_scope(actor)
    )
    result: dict[uuid.UUID, list[ApplicationPublic]] = {c: [] for c in candidate_ids}
    for row in rows:
        result.setdefault(row.candidate_id, []).append(ApplicationPublic.model_validate(row))
    return result


async def update_application(
    session: AsyncSession,
    actor: Actor,
    application_id: uuid.UUID,
    data: ApplicationUpdate,
    expected_version: int | None = None,
) -> ApplicationPublic:
    application = await visible_application(session, actor, application_id, for_update=True)
    actor.require(PermissionSet.admin, PermissionSet.recruiter)
    check_version(application.version, expected_version)
    changed = apply_changes(application, data.model_dump(exclude_unset=True))
    if changed:
        application.version += 1
        application.updated_at = utcnow()
        events.record(
            session,
            actor.organization_id,
            actor,
            "application.updated",
            "application",
            application.id,
            {"application_id": str(application.id), "changed": changed},
        )
    await session.flush()
    return ApplicationPublic.model_validate(application)


async def transition(
    session: AsyncSession, actor: Actor, application_id: uuid.UUID, data: TransitionCreate
) -> ApplicationPublic:
    actor.require(PermissionSet.admin, PermissionSet.recruiter, PermissionSet.hiring_manager)
    # The row lock makes two moves at once take turns: the second sees the first's result and
    # is judged against it, so the history never forks.
    application = await visible_application(session, actor, application_id, for_update=True)
    apply_transition(session, actor, application, data.action, data.to_stage, data.reason)
    await session.flush()
    if data.action == "reject":
        # An interviewed candidate is owed the outcome; the message waits at its send_at.
        await outcomes.schedule(session, actor, actor.organization_id, application.id, "rejection")
    elif data.action == "reopen":
        # Back in the running: an unsent rejection must not go out, and the candidate is
        # owed a new outcome (and may be flagged again) later.
        await outcomes.reopened(session, actor.organization_id, application.id)
    return ApplicationPublic.model_validate(application)


def apply_transition(
    session: AsyncSession,
    actor: Actor,
    application: Application,
    action: str,
    to_stage: str | None,
    reason: str,
) -> None:
    """Move a locked application, keeping the history and recording the event (also used by calibration)."""
    result = next_state(application.stage, application.outcome, action, to_stage)
    if result is None:
        allowed = allowed_moves(application.stage, application.outcome)
        wanted = f"{action} to {to_stage}" if action == "move" else action
        raise Conflict(
            f"An application at {application.stage} ({application.outcome}) cannot {wanted}",
            allowed=allowed,
        )
    stage, outcome = result
    _record_transition(session, actor, application, action, stage, outcome, reason)


def _record_transition(
    session: AsyncSession,
    actor: Actor,
    application: Application,
    action: str,
    stage: str,
    outcome: str,
    reason: str,
) -> None:
    now = utcnow()
    session.add(
        ApplicationTransition(
            organization_id=application.organization_id,
            application_id=application.id,
            action=action,
            from_stage=application.stage,
            to_stage=stage,
            from_outcome=application.outcome,
            to_outcome=outcome,
            reason=reason,
            actor_member_id=actor.member_id,
        )
    )
    previous_stage = application.stage
    if stage != application.stage:
        application.stage_entered_at = now
    application.stage = stage
    application.outcome = outcome
    application.version += 1
    application.updated_at = now
    event_type = transition_event_type(action, outcome)
    events.record(
        session,
        application.organization_id,
        actor,
        event_type,
        "application",
        application.id,
        {
            "application_id": str(application.id),
            "role_id": str(application.role_id),
            "from_stage": previous_stage,
            "to_stage": stage,
            "outcome": outcome,
            "reason": reason,
        },
    )


def align_with_system_of_record(
    session: AsyncSession,
    actor: Actor,
    application: Application,
    stage: str,
    outcome: str,
    reason: str,
) -> bool:
    """Set a locked application to the state another system (the ATS it came from) holds.

    That system owns the stage of its applications, and its pipeline need not follow ours
    step by step, so the move is not judged against our pipeline; it is recorded like any
    other, with the event a REST move would record. Returns whether anything changed."""
    action = alignment_action(application.stage, application.outcome, stage, outcome)
    if action is None:
        return False
    _record_transition(session, actor, application, action, stage, outcome, reason)
    return True


def alignment_action(stage: str, outcome: str, to_stage: str, to_outcome: str) -> str | None:
    """The move that brings an application from (stage, outcome) to what the system of record
    holds, as align_with_system_of_record records it; None when nothing changes. Pure, so a
    batch of imports (app/domain/integrations/batch.py) applies the same rule in memory."""
    if (stage, outcome) == (to_stage, to_outcome):
        return None
    if to_outcome == outcome or to_outcome == "hired":
        return "move"
    return {"rejected": "reject", "withdrawn": "withdraw", "active": "reopen"}[to_outcome]


def transition_event_type(action: str, outcome: str) -> str:
    """The event a move of this kind records."""
    return "application.hired" if outcome == "hired" else _EVENT_FOR_ACTION[action]


async def import_application(
    session: AsyncSession,
    actor: Actor,
    candidate_id: uuid.UUID,
    role_id: uuid.UUID,
    stage: str,
    reason: str,
) -> Application:
    """An application that already exists in the ATS: created at the stage it holds there,
    whatever the role's status (a closed job still has its applications)."""
    application = Application(
        organization_id=actor.organization_id,
        candidate_id=candidate_id,
        role_id=role_id,
        stage=stage,
    )
    session.add(application)
    await session.flush()
    _record_creation(session, actor, application, reason)
    return application


async def history(
    session: AsyncSession, actor: Actor, application_id: uuid.UUID
) -> list[TransitionPublic]:
    await visible_application(session, actor, application_id)
    rows = await repository.history(session, actor.organization_id, [application_id])
    return [TransitionPublic.model_validate(r) for r in rows]


async def histories(
    session: AsyncSession, actor: Actor, application_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[TransitionPublic]]:
    rows = await repository.history(session, actor.organization_id, application_ids)
    result: dict[uuid.UUID, list[TransitionPublic]] = {a: [] for a in application_ids}
    for row in rows:
        result.setdefault(row.application_id, []).append(TransitionPublic.model_validate(row))
    return result


def _page(rows: Sequence[Application], page: PageRequest) -> Page[ApplicationPublic]:
    result = to_page(rows, page, lambda a: (a.created_at, a.id))
    return Page([ApplicationPublic.model_validate(a) for a in result.items], result.next_cursor)
