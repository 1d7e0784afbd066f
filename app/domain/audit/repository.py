"""SQL for the audit trail, always filtered by organization."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.domain.audit.models import AuditEntry
from app.domain.pagination import PageRequest, keyset


async def list_entries(
    session: AsyncSession,
    organization_id: uuid.UUID,
    page: PageRequest,
    *,
    action: str | None = None,
    subject_id: uuid.UUID | None = None,
) -> Sequence[AuditEntry]:
    stmt = select(AuditEntry).where(col(AuditEntry.organization_id) == organization_id)
    if action is not None:
        stmt = stmt.where(col(AuditEntry.action) == action)
    if subject_id is not None:
        stmt = stmt.where(col(AuditEntry.subject_id) == subject_id)
    stmt = keyset(stmt, col(AuditEntry.at), col(AuditEntry.id), page)
    return (await session.execute(stmt)).scalars().all()


async def get_entry(
    session: AsyncSession, organization_id: uuid.UUID, entry_id: uuid.UUID
) -> AuditEntry | None:
    stmt = select(AuditEntry).where(
        col(AuditEntry.organization_id) == organization_id, col(AuditEntry.id) == entry_id
    )
    return (await session.execute(stmt)).scalars().first()


async def purge_before(session: AsyncSession, before: datetime) -> int:
    """Retention across every organization (a system job)."""
    result = await session.execute(delete(AuditEntry).where(col(AuditEntry.at) < before))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
