"""The audit trail of sensitive actions, for admins."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from app.api.deps import CurrentActor, Paging, ReadSession
from app.api.pagination import PagePublic
from app.api.problems import COMMON_RESPONSES
from app.domain.audit import service
from app.domain.audit.schemas import AuditAction, AuditEntryPublic

router = APIRouter(prefix="/audit", tags=["audit"], responses=COMMON_RESPONSES)


@router.get("", summary="List audit entries, newest first (admins)")
async def list_audit_entries(
    actor: CurrentActor,
    session: ReadSession,
    page: Paging,
    action: Annotated[AuditAction | None, Query(description="Only this action")] = None,
    subject_id: Annotated[uuid.UUID | None, Query(description="Only about this record")] = None,
) -> PagePublic[AuditEntryPublic]:
    """Sensitive actions only (keys, erasures, exports, downloads, permission changes,
    connections), with ids and never personal data, for answering who did what."""
    return PagePublic.of(
        await service.list_entries(session, actor, page, action=action, subject_id=subject_id)
    )
