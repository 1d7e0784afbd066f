"""Rules for a role's intake: numbered revisions, agreed only when both sides sign off.

A revision is immutable once proposed; renegotiating means proposing the next number with a
note on what changed and why. When a revision is agreed, every older draft or agreed revision
becomes `superseded`, so "the current intake" is always the newest agreed one.
"""

from __future__ import annotations

import uuid
from typing import Any

import orjson
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import utcnow
from app.core.actor import Actor
from app.domain.events import service as events
from app.domain.pagination import Page, PageRequest, to_page
from app.domain.roles import repository
from app.domain.roles.access import managed_scope
from app.domain.roles.diff import diff_intake
from app.domain.roles.models import IntakeRevision, Role
from app.domain.roles.schemas import (
    IntakeContent,
    IntakeDiff,
    IntakeRevisionCreate,
    IntakeRevisionPublic,
)
from app.errors import Conflict, NotFound, PermissionDenied


async def _visible_role(
    session: AsyncSession, actor: Actor, role_id: uuid.UUID, *, for_update: bool = False
) -> Role:
    role = await repository.get_role(
        session,
        actor.organization_id,
        role_id,
        managed_by=managed_scope(actor),
        for_update=for_update,
    )
    if role is None:
        raise NotFound("role", role_id)
    return role


# A revision's content never changes once proposed (renegotiating makes a new revision), so
# its validated form can be kept per revision id and reused by every later read.
_CONTENT_CACHE: dict[uuid.UUID, IntakeContent] = {}
_CONTENT_CACHE_SIZE = 10_000


def _content(revision_id: uuid.UUID, raw: dict[str, Any] | str) -> IntakeContent:
    """`raw` as stored: decoded, or its JSON text (decoded only when not cached)."""
    content = _CONTENT_CACHE.get(revision_id)
    if content is None:
        if len(_CONTENT_CACHE) >= _CONTENT_CACHE_SIZE:
            _CONTENT_CACHE.clear()
        decoded = orjson.loads(raw) if isinstance(raw, str) else raw
        content = _CONTENT_CACHE[revision_id] = IntakeContent.model_validate(decoded)
    return content


def _public(revision: IntakeRevision | RowMapping | dict[str, Any]) -> IntakeRevisionPublic:
    if isinstance(revision, dict):
        values = revision
    elif isinstance(revision, RowMapping):
        values = dict(revision)
    else:
        values = revision.model_dump()
    values["content"] = _content(values["id"], values["content"])
    return IntakeRevisionPublic.model_validate(values)


async def get_current_intake(
    session: AsyncSession, actor: Actor, role_id: uuid.UUID
) -> IntakeRevisionPublic:
    await _visible_role(session, actor, role_id)
    revision = await repository.current_intake(session, actor.organization_id, role_id)
    if revision is None:
        raise NotFound(f"An agreed intake for role {role_id}")
    return _public(revision)


async def current_intakes(
    session: AsyncSession, actor: Actor, role_ids: list[uuid.UUID]
) -> dict[uuid.UUID, IntakeRevisionPublic]:
    """Agreed intakes of roles the caller has already been allowed to see (GraphQL edges)."""
    managed_scope(actor)
    rows = await repository.current_intakes_raw(session, actor.organization_id, role_ids)
    return {r["role_id"]: _public(r) for r in rows}


async def revisions_for_roles(
    session: AsyncSession, actor: Actor, role_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[IntakeRevisionPublic]]:
    managed_scope(actor)
    rows = await repository.revisions_for_roles(session, actor.organization_id, role_ids)
    result: dict[uuid.UUID, list[IntakeRevisionPublic]] = {rid: [] for rid in role_ids}
    for row in rows:
        result.setdefault(row.role_id, []).append(_public(row))
    return result


async def list_revisions(
    session: AsyncSession, actor: Actor, role_id: uuid.UUID, page: PageRequest
) -> Page[IntakeRevisionPublic]:
    await _visible_role(session, actor, role_id)
    rows = await repository.list_revisions(session, actor.organization_id, role_id, page)
    result = to_page(rows, page, lambda r: (r.created_at, r.id))
    return Page([_public(r) for r in result.items], result.next_cursor)


async def get_revision(
    session: AsyncSession, actor: Actor, role_id: uuid.UUID, number: int
) -> IntakeRevisionPublic:
    await _visible_role(session, actor, role_id)
    revision = await repository.get_revision(session, actor.organization_id, role_id, number)
    if revision is None:
        raise NotFound(f"Intake revision {number} of role {role_id}")
    return _public(revision)


async def get_revision_by_id(
    session: AsyncSession, actor: Actor, revision_id: uuid.UUID
) -> IntakeRevisionPublic:
    """A revision by its own id (GraphQL `node`), visible only with its role."""
    revision = await repository.get_revision_by_id(session, actor.organization_id, revision_id)
    if revision is None:
        raise NotFound("intake revision", revision_id)
    await _visible_role(session, actor, revision.role_id)
    return _public(revision)


async def propose_revision(
    session: AsyncSession, actor: Actor, role_id: uuid.UUID, data: IntakeRevisionCreate
) -> IntakeRevisionPublic:
    # The role row lock serialises revision numbering between two proposals at once.
    role = await _visible_role(session, actor, role_id, for_update=True)
    if role.status in ("closed", "filled"):
        raise Conflict(f"The role is {role.status}; reopen it before renegotiating its intake")
    return await add_revision(session, actor, role, data.content, data.change_note)


async def add_revision(
    session: AsyncSession, actor: Actor, role: Role, content: IntakeContent, change_note: str
) -> IntakeRevisionPublic:
    number = await repository.last_revision_number(session, actor.organization_id, role.id) + 1
    revision = IntakeRevision(
        organization_id=actor.organization_id,
        role_id=role.id,
        number=number,
        content=content.model_dump(mode="json"),
        change_note=change_note,
        proposed_by_id=actor.member_id,
    )
    session.add(revision)
    await session.flush()
    # An older draft nobody signed is now moot: the newer proposal replaces it.
    await repository.supersede_others(
        session, actor.organization_id, role.id, number, ["draft"], only_older=True
    )
    events.record(
        session,
        actor.organization_id,
        actor,
        "intake.revised",
        "role",
        role.id,
        {"role_id": str(role.id), "revision": number, "change_note": change_note},
    )
    return _public(revision)


async def sign_off(
    session: AsyncSession, actor: Actor, role_id: uuid.UUID, number: int
) -> IntakeRevisionPublic:
    role = await _visible_role(session, actor, role_id, for_update=True)
    revision = await repository.get_revision(
        session, actor.organization_id, role_id, number, for_update=True
    )
    if revision is None:
        raise NotFound(f"Intake revision {number} of role {role_id}")
    if role.recruiter_id is None or role.hiring_manager_id is None:
        raise Conflict(
            "Assign the role's recruiter and hiring manager before signing off its intake"
        )
    sides = []
    if actor.member_id == role.recruiter_id:
        sides.append("recruiter")
    if actor.member_id == role.hiring_manager_id:
        sides.append("hiring_manager")
    if not sides:
        raise PermissionDenied(
            "Only the role's recruiter or hiring manager can sign off its intake"
        )
    if revision.status != "draft":
        raise Conflict(f"Revision {number} is {revision.status}; only a draft can be signed off")
    now = utcnow()
    signed = []
    for side in sides:
        if getattr(revision, f"{side}_signed_off_at") is None:
            setattr(revision, f"{side}_signed_off_at", now)
            setattr(revision, f"{side}_signed_off_by_id", actor.member_id)
            signed.append(side)
    if not signed:
        raise Conflict(f"You have already signed off revision {number}")
    for side in signed:
        events.record(
            session,
            actor.organization_id,
            actor,
            "intake.signed_off",
            "role",
            role.id,
            {"role_id": str(role.id), "revision": number, "side": side},
        )
    if revision.recruiter_signed_off_at and revision.hiring_manager_signed_off_at:
        revision.status = "agreed"
        revision.agreed_at = now
        await session.flush()
        await repository.supersede_others(
            session, actor.organization_id, role.id, number, ["draft", "agreed"], only_older=True
        )
        events.record(
            session,
            actor.organization_id,
            actor,
            "intake.agreed",
            "role",
            role.id,
            {"role_id": str(role.id), "revision": number},
        )
    await session.flush()
    return _public(revision)


async def diff_revisions(
    session: AsyncSession, actor: Actor, role_id: uuid.UUID, from_number: int, to_number: int
) -> IntakeDiff:
    await _visible_role(session, actor, role_id)
    revisions = {}
    for number in (from_number, to_number):
        revision = await repository.get_revision(session, actor.organization_id, role_id, number)
        if revision is None:
            raise NotFound(f"Intake revision {number} of role {role_id}")
        revisions[number] = IntakeContent.model_validate(revision.content)
    return IntakeDiff(
        role_id=role_id,
        from_revision=from_number,
        to_revision=to_number,
        changes=diff_intake(revisions[from_number], revisions[to_number]),
    )
