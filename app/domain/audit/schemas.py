"""What an admin reads back from the audit trail."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from app.domain.types import PublicModel

AuditAction = Literal[
    "candidate.erased",
    "candidate.exported",
    "document.downloaded",
    "api_key.created",
    "api_key.revoked",
    "api_key.rotated",
    "member.permission_changed",
    "integration.connected",
    "integration.disconnected",
    "calendar.connected",
    "calendar.disconnected",
]

AUDIT_ACTIONS: tuple[str, ...] = AuditAction.__args__  # type: ignore[attr-defined]


class AuditEntryPublic(PublicModel):
    id: uuid.UUID
    actor_member_id: uuid.UUID | None = Field(description="The member who acted, if any")
    actor_api_key_id: uuid.UUID | None = Field(
        description="The API key the member acted with, when they used one"
    )
    action: AuditAction
    subject_type: str
    subject_id: uuid.UUID
    detail: dict[str, Any] = Field(description="Ids only; never personal data")
    request_id: str | None
    at: datetime
