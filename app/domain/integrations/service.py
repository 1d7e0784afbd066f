"""Connections to ATS vendors and the external ids of our records in them.

Connections themselves are managed in connections.py; this module links our roles to their
ids in a connected system.
"""

from __future__ import annotations

import uuid

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.actor import Actor, PermissionSet
from app.domain.events import service as events
from app.domain.integrations import repository
from app.domain.integrations.models import ExternalRef
from app.domain.integrations.schemas import ExternalRefLink, ExternalRefPublic
from app.domain.roles import service as roles
from app.errors import Conflict, InvalidInput


async def role_refs(
    session: AsyncSession, actor: Actor, role_id: uuid.UUID
) -> list[ExternalRefPublic]:
    await roles.get_role(session, actor, role_id)
    rows = await repository.refs_for(session, actor.organization_id, "role", [role_id])
    return [ExternalRefPublic.model_validate(r) for r in rows]


async def refs_for_roles(
    session: AsyncSession, actor: Actor, role_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[ExternalRefPublic]]:
    rows = await repository.refs_for(session, actor.organization_id, "role", role_ids)
    result: dict[uuid.UUID, list[ExternalRefPublic]] = {rid: [] for rid in role_ids}
    for row in rows:
        result.setdefault(row.resource_id, []).append(ExternalRefPublic.model_validate(row))
    return result


async def link_role(
    session: AsyncSession, actor: Actor, role_id: uuid.UUID, data: ExternalRefLink
) -> ExternalRefPublic:
    actor.require(PermissionSet.admin, PermissionSet.recruiter)
    await roles.get_role(session, actor, role_id)
    connection = await repository.get_connection(session, actor.organization_id, data.connection_id)
    if connection is None:
        raise InvalidInput.for_field(
            "connection_id", "no ATS connection with this id in your organization"
        )
    existing = await repository.find_by_external_id(
        session, actor.organization_id, connection.id, "role", data.external_id
    )
    if existing is not None and existing.resource_id != role_id:
        raise Conflict(
            f"External id {data.external_id} is already linked to role {existing.resource_id}",
            resource_id=str(existing.resource_id),
        )
    try:
        async with session.begin_nested():
            row = await repository.upsert_ref(
                session,
                ExternalRef(
                    organization_id=actor.organization_id,
                    connection_id=connection.id,
                    resource_type="role",
                    resource_id=role_id,
                    external_id=data.external_id,
                ),
            )
    except IntegrityError as exc:
        raise Conflict(f"External id {data.external_id} is already linked to another role") from exc
    assert row is not None
    events.record(
        session,
        actor.organization_id,
        actor,
        "external_ref.linked",
        "role",
        role_id,
        {
            "resource_type": "role",
            "resource_id": str(role_id),
            "connection_id": str(connection.id),
            "external_id": data.external_id,
        },
    )
    return ExternalRefPublic.model_validate(row)


async def find_role_by_external_id(
    session: AsyncSession, actor: Actor, connection_id: uuid.UUID, external_id: str
) -> uuid.UUID | None:
    """For the ATS adapters: which of our roles is this vendor job?"""
    ref = await repository.find_by_external_id(
        session, actor.organization_id, connection_id, "role", external_id
    )
    return ref.resource_id if ref else None
