"""Slates: the recruiter sends a few candidates early, the hiring manager answers each with reasons.

Sending moves the applications to `hm_review`; a decision moves its application on (approve to
`interviewing`, reject ends it, waitlist keeps it in review) and answers the recruiter's question.
A second decision on the same item is refused unless it says it is a revision; revisions keep
the earlier decision in the history.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import utcnow
from app.core.actor import Actor, PermissionSet
from app.db import settings_of
from app.domain.applications import repository as applications_repo
from app.domain.applications.models import Application
from app.domain.applications.service import apply_transition
from app.domain.calibration import repository
from app.domain.calibration.models import Slate, SlateDecision, SlateItem
from app.domain.calibration.schemas import (
    DecisionCreate,
    DecisionPublic,
    FollowUpSummary,
    SlateCreate,
    SlateItemCreate,
    SlateItemPublic,
    SlatePublic,
    SlateSend,
    SlateSummaryPublic,
    SlateUpdate,
)
from app.domain.events import service as events
from app.domain.follow_ups import repository as follow_ups_repo
from app.domain.organizations import repository as members_repo
from app.domain.pagination import Page, PageRequest, to_page
from app.domain.roles import repository as roles_repo
from app.domain.roles.access import managed_scope
from app.domain.roles.models import Role
from app.domain.roles.schemas import IntakeContent
from app.domain.versioning import check_version
from app.errors import Conflict, FieldError, InvalidInput, NotFound, PermissionDenied

SENDABLE_STAGES = ("sourced", "screening", "submitted")


async def _visible_role(session: AsyncSession, actor: Actor, role_id: uuid.UUID) -> Role:
    role = await roles_repo.get_role(
        session, actor.organization_id, role_id, managed_by=managed_scope(actor)
    )
    if role is None:
        raise NotFound("role", role_id)
    return role


async def _visible_slate(
    session: AsyncSession, actor: Actor, slate_id: uuid.UUID, *, for_update: bool = False
) -> tuple[Slate, Role]:
    slate = await repository.get_slate(
        session, actor.organization_id, slate_id, for_update=for_update
    )
    if slate is None:
        raise NotFound("slate", slate_id)
    scope = managed_scope(actor)
    role = await roles_repo.get_role(
        session, actor.organization_id, slate.role_id, managed_by=scope
    )
    # A hiring manager sees a slate once it is sent; drafts are the recruiter's work in progress.
    if role is None or (scope is not None and slate.status == "draft"):
        raise NotFound("slate", slate_id)
    return slate, role


async def _check_items(
    session: AsyncSession,
    actor: Actor,
    role: Role,
    items: Sequence[SlateItemCreate],
    slate_id: uuid.UUID | None,
) -> None:
    limit = settings_of(session).slate_max_size
    if len(items) > limit:
        raise InvalidInput.for_field(
            "items", f"a slate holds at most {limit} candidates; send early, send small"
        )
    ids = [i.application_id for i in items]
    errors: list[FieldError] = []
    seen: set[uuid.UUID] = set()
    for index, app_id in enumerate(ids):
        if app_id in seen:
            errors.append(FieldError(f"items.{index}.application_id", "is listed twice"))
        seen.add(app_id)
    found = {
        a.id: a
        for a in await applications_repo.get_applications(session, actor.organization_id, ids)
    }
    for index, app_id in enumerate(ids):
        application = found.get(app_id)
        field = f"items.{index}.application_id"
        if application is None or application.role_id != role.id:
            errors.append(FieldError(field, "no application for this role has this id"))
        elif application.outcome != "active":
            errors.append(FieldError(field, f"the application is {application.outcome}"))
        elif application.stage not in SENDABLE_STAGES:
            errors.append(FieldError(field, f"the application is already at {application.stage}"))
    busy = await repository.open_slate_items(session, actor.organization_id, ids, slate_id)
    for app_id, other in busy:
        errors.append(
            FieldError(
                f"items.{ids.index(app_id)}.application_id", f"already waits on slate {other}"
            )
        )
    if errors:
        raise InvalidInput("Some applications cannot go on this slate", errors)


def _add_items(slate: Slate, items: Sequence[SlateItemCreate], session: AsyncSession) -> None:
    for position, item in enumerate(items, start=1):
        session.add(
            SlateItem(
                organization_id=slate.organization_id,
                slate_id=slate.id,
                application_id=item.application_id,
                position=position,
                question=item.question,
            )
        )


async def create_slate(session: AsyncSession, actor: Actor, data: SlateCreate) -> SlatePublic:
    actor.require(PermissionSet.admin, PermissionSet.recruiter)
    role = await roles_repo.get_role(session, actor.organization_id, data.role_id)
    if role is None:
        raise InvalidInput.for_field("role_id", "no role with this id in your organization")
    await _check_items(session, actor, role, data.items, None)
    slate = Slate(
        organization_id=actor.organization_id,
        role_id=role.id,
        note=data.note,
        due_at=data.due_at,
        created_by_id=actor.member_id,
    )
    session.add(slate)
    await session.flush()
    _add_items(slate, data.items, session)
    await session.flush()
    return await _public(session, actor, slate)


async def update_slate(
    session: AsyncSession,
    actor: Actor,
    slate_id: uuid.UUID,
    data: SlateUpdate,
    expected_version: int | None = None,
) -> SlatePublic:
    actor.require(PermissionSet.admin, PermissionSet.recruiter)
    slate, role = await _visible_slate(session, actor, slate_id, for_update=True)
    if slate.status != "draft":
        raise Conflict(f"The slate is {slate.status}; only a draft can be changed")
    check_version(slate.version, expected_version)
    values = data.model_dump(exclude_unset=True)
    if data.items is not None:
        await _check_items(session, actor, role, data.items, slate.id)
        await repository.delete_items(session, actor.organization_id, slate.id)
        _add_items(slate, data.items, session)
    if "note" in values:
        slate.note = data.note
    if "due_at" in values:
        slate.due_at = data.due_at
    slate.version += 1
    await session.flush()
    return await _public(session, actor, slate)


async def send_slate(
    session: AsyncSession, actor: Actor, slate_id: uuid.UUID, data: SlateSend
) -> SlatePublic:
    actor.require(PermissionSet.admin, PermissionSet.recruiter)
    slate, role = await _visible_slate(session, actor, slate_id, for_update=True)
    if slate.status != "draft":
        raise Conflict(f"The slate was already sent ({slate.status})")
    if data.due_at <= utcnow():
        raise InvalidInput.for_field("due_at", "must be in the future")
    if role.hiring_manager_id is None:
        raise Conflict("The role has no hiring manager to send the slate to")
    items = await repository.items_for_slates(session, actor.organization_id, [slate.id])
    applications = await applications_repo.get_applications(
        session, actor.organization_id, [i.application_id for i in items], for_update=True
    )
    await _check_items(
        session,
        actor,
        role,
        [SlateItemCreate(application_id=i.application_id, question=i.question) for i in items],
        slate.id,
    )
    reason = f"Sent to the hiring manager on slate {slate.id}"
    for application in applications:
        if application.stage in ("sourced", "screening"):
            apply_transition(session, actor, application, "move", "submitted", reason)
        apply_transition(session, actor, application, "move", "hm_review", reason)
    now = utcnow()
    slate.status, slate.sent_at, slate.sent_by_id, slate.due_at = (
        "sent",
        now,
        actor.member_id,
        data.due_at,
    )
    slate.version += 1
    events.record(
        session,
        actor.organization_id,
        actor,
        "slate.sent",
        "slate",
        slate.id,
        {
            "slate_id": str(slate.id),
            "role_id": str(role.id),
            "hiring_manager_id": str(role.hiring_manager_id),
            "application_ids": [str(a.id) for a in applications],
            "due_at": data.due_at.isoformat(),
        },
    )
    await session.flush()
    return await _public(session, actor, slate)


async def _may_decide(session: AsyncSession, actor: Actor, role: Role) -> None:
    if role.hiring_manager_id is None:
        raise Conflict("The role has no hiring manager")
    if actor.member_id == role.hiring_manager_id:
        return
    manager = await members_repo.get_member(session, actor.organization_id, role.hiring_manager_id)
    if manager is not None and manager.delegate_id == actor.member_id:
        return
    raise PermissionDenied("Only the role's hiring manager or their delegate decides on a slate")


def _check_skills(intake: IntakeContent | None, missing: list[str]) -> list[str]:
    """Missing skills must be skills of the agreed intake; return them in the intake's spelling."""
    if not missing:
        return []
    if intake is None:
        raise InvalidInput.for_field(
            "reasons.missing_skills", "the role has no agreed intake to name skills from"
        )
    known = {s.name.casefold(): s.name for s in intake.skills}
    unknown = [m for m in missing if m.casefold() not in known]
    if unknown:
        raise InvalidInput(
            f"Not skills of the role's intake: {', '.join(unknown)}",
            [
                FieldError(
                    "reasons.missing_skills",
                    f"'{m}' is not a skill of the agreed intake (known: {', '.join(known.values())})",
                )
                for m in unknown
            ],
        )
    return list(dict.fromkeys(known[m.casefold()] for m in missing))


def _follow_decision(
    session: AsyncSession,
    actor: Actor,
    application: Application,
    decision: str,
    slate_id: uuid.UUID,
) -> None:
    reason = f"Hiring manager decided {decision} on slate {slate_id}"
    if decision in ("approve", "waitlist") and application.outcome in ("rejected", "withdrawn"):
        apply_transition(session, actor, application, "reopen", None, reason)
    if (
        decision == "approve"
        and application.outcome == "active"
        and application.stage == "hm_review"
    ):
        apply_transition(session, actor, application, "move", "interviewing", reason)
    if decision == "reject" and application.outcome == "active" and application.stage != "hired":
        apply_transition(session, actor, application, "reject", None, reason)


async def _settling_answer(
    session: AsyncSession,
    actor: Actor,
    application_id: uuid.UUID,
    decision: str,
    previous: SlateDecision | None,
) -> uuid.UUID | None:
    """The follow-up an approve or reject was taken on: the candidate's latest answer, given
    after the decision it replaces (the waitlist it settles)."""
    if decision == "waitlist":
        return None
    answered = await follow_ups_repo.latest_answered(session, actor.organization_id, application_id)
    if answered is None or answered.answered_at is None:
        return None
    if previous is not None and answered.answered_at < previous.created_at:
        return None
    return answered.id


async def decide(
    session: AsyncSession,
    actor: Actor,
    slate_id: uuid.UUID,
    item_id: uuid.UUID,
    data: DecisionCreate,
) -> SlatePublic:
    slate, role = await _visible_slate(session, actor, slate_id, for_update=True)
    await _may_decide(session, actor, role)
    if slate.status == "draft":
        raise Conflict("The slate has not been sent; there is nothing to decide yet")
    item = await repository.get_item(session, actor.organization_id, slate.id, item_id)
    if item is None:
        raise NotFound("slate item", item_id)
    current = await repository.current_decisions(session, actor.organization_id, [item.id])
    previous = current[0] if current else None
    if previous is not None and not data.revision:
        raise Conflict(
            "This candidate already has a decision on this slate; send revision: true to replace it "
            "(the earlier decision is kept)",
            decision_id=str(previous.id),
        )
    revision_row = await roles_repo.current_intake(session, actor.organization_id, role.id)
    intake = IntakeContent.model_validate(revision_row.content) if revision_row else None
    missing = _check_skills(intake, data.reasons.missing_skills)
    application = await applications_repo.get_application(
        session, actor.organization_id, item.application_id, for_update=True
    )
    assert application is not None
    settled_by = await _settling_answer(session, actor, application.id, data.decision, previous)
    if previous is not None:
        await repository.retire_decision(session, previous.id)
    decision = SlateDecision(
        organization_id=actor.organization_id,
        role_id=role.id,
        slate_id=slate.id,
        slate_item_id=item.id,
        application_id=application.id,
        decision=data.decision,
        missing_skills=missing,
        red_flags=list(dict.fromkeys(data.reasons.red_flags)),
        categories=list(dict.fromkeys(data.reasons.categories)),
        note=data.reasons.note,
        waitlist_question=data.waitlist_question,
        answer=data.answer,
        decided_by_id=actor.member_id,
        settled_by_follow_up_id=settled_by,
        revision=(previous.revision + 1) if previous else 1,
    )
    session.add(decision)
    _follow_decision(session, actor, application, data.decision, slate.id)
    events.record(
        session,
        actor.organization_id,
        actor,
        "application.reviewed",
        "application",
        application.id,
        {
            "application_id": str(application.id),
            "slate_id": str(slate.id),
            "decision": data.decision,
            "revision": decision.revision,
            "settled_by_follow_up_id": str(settled_by) if settled_by else None,
        },
    )
    await session.flush()
    items = await repository.items_for_slates(session, actor.organization_id, [slate.id])
    decisions = await repository.current_decisions(
        session, actor.organization_id, [i.id for i in items]
    )
    if slate.status == "sent" and len(decisions) == len(items):
        slate.status, slate.reviewed_at = "reviewed", utcnow()
        counts = {
            k: sum(1 for d in decisions if d.decision == k)
            for k in ("approve", "reject", "waitlist")
        }
        events.record(
            session,
            actor.organization_id,
            actor,
            "slate.reviewed",
            "slate",
            slate.id,
            {
                "slate_id": str(slate.id),
                "role_id": str(role.id),
                "approved": counts["approve"],
                "rejected": counts["reject"],
                "waitlisted": counts["waitlist"],
            },
        )
    slate.version += 1
    await session.flush()
    return await _public(session, actor, slate)


async def get_slate(session: AsyncSession, actor: Actor, slate_id: uuid.UUID) -> SlatePublic:
    slate, _ = await _visible_slate(session, actor, slate_id)
    return await _public(session, actor, slate)


async def get_slate_item(
    session: AsyncSession, actor: Actor, item_id: uuid.UUID
) -> SlateItemPublic:
    """One item, seen as its slate is: a slate one may not see hides its items too."""
    slate_id = await repository.slate_of_item(session, actor.organization_id, item_id)
    if slate_id is None:
        raise NotFound("slate item", item_id)
    slate = await get_slate(session, actor, slate_id)
    found = next((item for item in slate.items if item.id == item_id), None)
    if found is None:
        raise NotFound("slate item", item_id)
    return found


async def get_decision(
    session: AsyncSession, actor: Actor, decision_id: uuid.UUID
) -> DecisionPublic:
    """One decision, current or revised, seen as its slate is (another organization's: 404)."""
    found = await repository.get_decision(session, actor.organization_id, decision_id)
    if found is None:
        raise NotFound("decision", decision_id)
    try:
        await _visible_slate(session, actor, found.slate_id)
    except NotFound:
        raise NotFound("decision", decision_id) from None
    return DecisionPublic.model_validate(found)


async def list_slates(
    session: AsyncSession, actor: Actor, role_id: uuid.UUID, page: PageRequest
) -> Page[SlateSummaryPublic]:
    await _visible_role(session, actor, role_id)
    rows = await repository.list_slates(
        session, actor.organization_id, role_id, page, include_drafts=managed_scope(actor) is None
    )
    result = to_page(rows, page, lambda s: (s.created_at, s.id))
    return Page([SlateSummaryPublic.model_validate(s) for s in result.items], result.next_cursor)


# The columns the read models take, for reads that build them straight from rows.
_SUMMARY_COLUMNS = tuple(SlateSummaryPublic.model_fields)
_ITEM_COLUMNS = ("id", "slate_id", "application_id", "position", "question")
_DECISION_COLUMNS = ("slate_item_id", *DecisionPublic.model_fields)


async def slates_for_roles(
    session: AsyncSession, actor: Actor, role_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[SlateSummaryPublic]]:
    rows = await repository.slate_rows_for_roles(
        session,
        actor.organization_id,
        role_ids,
        _SUMMARY_COLUMNS,
        include_drafts=managed_scope(actor) is None,
    )
    result: dict[uuid.UUID, list[SlateSummaryPublic]] = {r: [] for r in role_ids}
    for row in rows:
        result.setdefault(row["role_id"], []).append(SlateSummaryPublic.model_validate(row))
    return result


async def items_for_slates(
    session: AsyncSession, actor: Actor, slate_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[SlateItemPublic]]:
    """Items with their current decisions for slates the caller already sees: three statements
    (items, decisions, follow-ups). Read as plain rows, not ORM objects: a page of ten slates is a
    hundred items, and validating a dict costs less than loading and reading an entity."""
    managed_scope(actor)
    items = await repository.item_rows_for_slates(
        session, actor.organization_id, slate_ids, _ITEM_COLUMNS
    )
    decisions: dict[uuid.UUID, DecisionPublic] = {}
    for d in await repository.current_decision_rows(
        session, actor.organization_id, [i["id"] for i in items], _DECISION_COLUMNS
    ):
        decisions[d.pop("slate_item_id")] = DecisionPublic.model_validate(d)
    # The answer the hiring manager decides from: each candidate's latest follow-up.
    latest: dict[uuid.UUID, FollowUpSummary] = {}
    for f in await follow_ups_repo.for_applications(
        session, actor.organization_id, [i["application_id"] for i in items]
    ):
        latest[f.application_id] = FollowUpSummary(
            follow_up_id=f.id,
            question=f.question,
            state=f.state,
            answer=f.answer_text,
            link=f.answer_link,
            document_id=f.answer_document_id,
            answered_at=f.answered_at,
        )
    result: dict[uuid.UUID, list[SlateItemPublic]] = {s: [] for s in slate_ids}
    for item in items:
        result.setdefault(item["slate_id"], []).append(
            SlateItemPublic(
                id=item["id"],
                application_id=item["application_id"],
                position=item["position"],
                question=item["question"],
                decision=decisions.get(item["id"]),
                follow_up=latest.get(item["application_id"]),
            )
        )
    return result


async def _public(session: AsyncSession, actor: Actor, slate: Slate) -> SlatePublic:
    items = (await items_for_slates(session, actor, [slate.id]))[slate.id]
    return SlatePublic.model_validate(
        {**SlateSummaryPublic.model_validate(slate).model_dump(), "items": items}
    )
