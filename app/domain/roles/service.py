"""Rules for roles: who may create and change them, and which status moves are legal."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import utcnow
from app.core.actor import Actor, PermissionSet
from app.db import Driver, Reader
from app.domain.events import service as events
from app.domain.organizations import repository as members_repo
from app.domain.pagination import Page, PageRequest, to_page
from app.domain.roles import intake, repository
from app.domain.roles.access import managed_scope
from app.domain.roles.models import Role
from app.domain.roles.schemas import RoleCreate, RoleFilters, RolePublic, RoleUpdate
from app.domain.versioning import apply_changes, check_version
from app.errors import Conflict, InvalidInput, NotFound

# Status moves a person may make; `filled` is reached only by hiring to headcount.
STATUS_MOVES: dict[str, frozenset[str]] = {
    "draft": frozenset({"open", "closed"}),
    "open": frozenset({"on_hold", "closed"}),
    "on_hold": frozenset({"open", "closed"}),
    "filled": frozenset({"closed"}),
    "closed": frozenset({"open"}),
}

_MEMBER_FIELDS = {
    "recruiter_id": (PermissionSet.recruiter, PermissionSet.admin),
    "hiring_manager_id": (PermissionSet.hiring_manager, PermissionSet.admin),
}


async def create_role(session: AsyncSession, actor: Actor, data: RoleCreate) -> RolePublic:
    actor.require(PermissionSet.admin, PermissionSet.recruiter)
    values = data.model_dump(exclude={"intake"})
    await _check_members(session, actor, values)
    role = Role(organization_id=actor.organization_id, **values)
    session.add(role)
    await session.flush()
    events.record(
        session,
        actor.organization_id,
        actor,
        "role.created",
        "role",
        role.id,
        {"role_id": str(role.id), "title": role.title, "status": role.status},
    )
    if data.intake is not None:
        await intake.add_revision(session, actor, role, data.intake, "Initial intake")
    return RolePublic.model_validate(role)


async def get_role(session: Reader | Driver, actor: Actor, role_id: uuid.UUID) -> RolePublic:
    row = await repository.read_role(
        session, actor.organization_id, role_id, managed_by=managed_scope(actor)
    )
    if row is None:
        raise NotFound("role", role_id)
    return RolePublic.model_validate(row)


async def get_roles(
    session: AsyncSession, actor: Actor, role_ids: list[uuid.UUID]
) -> dict[uuid.UUID, RolePublic]:
    """Batch read for GraphQL: roles the actor may see, one statement."""
    rows = await repository.read_roles(
        session, actor.organization_id, role_ids, managed_by=managed_scope(actor)
    )
    return {r["id"]: RolePublic.model_validate(dict(r)) for r in rows}


async def list_roles(
    session: Reader, actor: Actor, filters: RoleFilters, page: PageRequest
) -> Page[RolePublic]:
    rows = await repository.list_roles(
        session,
        actor.organization_id,
        page,
        managed_by=managed_scope(actor),
        status=filters.status,
        hiring_manager_id=filters.hiring_manager_id,
        recruiter_id=filters.recruiter_id,
        q=filters.q or None,
    )
    result = to_page(rows, page, lambda r: (r["created_at"], r["id"]))
    return Page([RolePublic.model_validate(r) for r in result.items], result.next_cursor)


async def update_role(
    session: AsyncSession,
    actor: Actor,
    role_id: uuid.UUID,
    data: RoleUpdate,
    expected_version: int | None = None,
) -> RolePublic:
    scope = managed_scope(actor)
    role = await repository.get_role(
        session, actor.organization_id, role_id, managed_by=scope, for_update=True
    )
    if role is None:
        raise NotFound("role", role_id)
    actor.require(PermissionSet.admin, PermissionSet.recruiter)
    check_version(role.version, expected_version)
    values = data.model_dump(exclude_unset=True)
    await _check_members(session, actor, values)
    new_status = values.get("status")
    if new_status is not None and new_status != role.status:
        allowed = STATUS_MOVES[role.status]
        if new_status not in allowed:
            raise Conflict(
                f"A role cannot move from {role.status} to {new_status}; "
                f"allowed: {', '.join(sorted(allowed)) or 'none'}",
                allowed=sorted(allowed),
            )
    headcount = values.get("headcount")
    if headcount is not None and headcount < role.filled_count:
        raise InvalidInput.for_field(
            "headcount", f"cannot be below the {role.filled_count} already hired"
        )
    changed = apply_changes(role, values)
    if changed:
        role.version += 1
        role.updated_at = utcnow()
        events.record(
            session,
            actor.organization_id,
            actor,
            "role.updated",
            "role",
            role.id,
            {"role_id": str(role.id), "changed": changed},
        )
    await session.flush()
    return RolePublic.model_validate(role)


async def _check_members(session: AsyncSession, actor: Actor, values: dict[str, object]) -> None:
    """A role's recruiter and hiring manager must be active members with fitting permission sets."""
    for field, allowed in _MEMBER_FIELDS.items():
        member_id = values.get(field)
        if member_id is None:
            continue
        assert isinstance(member_id, uuid.UUID)
        member = await members_repo.get_member(session, actor.organization_id, member_id)
        if member is None or not member.is_active:
            raise InvalidInput.for_field(
                field, "no active member with this id in your organization"
            )
        if member.permission_set not in allowed:
            names = " or ".join(a.value for a in allowed)
            raise InvalidInput.for_field(field, f"the member's permission set must be {names}")
