"""Recording and reading the audit trail.

`record` is called by the services that perform a sensitive action, in their own transaction,
exactly like `events.record`: the row commits or vanishes with the action. The detail carries
ids only (never names, emails or free text), so the trail itself never needs erasing.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.actor import Actor, PermissionSet
from app.domain.audit import repository
from app.domain.audit.models import AuditEntry
from app.domain.audit.schemas import AUDIT_ACTIONS, AuditEntryPublic
from app.domain.pagination import Page, PageRequest, to_page
from app.errors import NotFound
from app.observability import request_id_var


def record(
    session: AsyncSession,
    organization_id: uuid.UUID,
    actor: Actor | None,
    action: str,
    subject_type: str,
    subject_id: uuid.UUID,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add an audit row to the caller's transaction."""
    if action not in AUDIT_ACTIONS:
        raise ValueError(f"audit action {action} is not known")
    entry = AuditEntry(
        organization_id=organization_id,
        actor_member_id=actor.member_id if actor else None,
        actor_api_key_id=actor.api_key_id if actor else None,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        detail=detail or {},
        request_id=request_id_var.get(),
    )
    session.add(entry)
    return entry


async def list_entries(
    session: AsyncSession,
    actor: Actor,
    page: PageRequest,
    *,
    action: str | None = None,
    subject_id: uuid.UUID | None = None,
) -> Page[AuditEntryPublic]:
    actor.require(PermissionSet.admin)
    rows = await repository.list_entries(
        session, actor.organization_id, page, action=action, subject_id=subject_id
    )
    result = to_page(rows, page, lambda e: (e.at, e.id))
    return Page([AuditEntryPublic.model_validate(e) for e in result.items], result.next_cursor)


async def get_entry(session: AsyncSession, actor: Actor, entry_id: uuid.UUID) -> AuditEntryPublic:
    """One audit entry of the caller's organization (admins); another organization's is not
    found."""
    actor.require(PermissionSet.admin)
    entry = await repository.get_entry(session, actor.organization_id, entry_id)
    if entry is None:
        raise NotFound("audit entry", entry_id)
    return AuditEntryPublic.model_validate(entry)
