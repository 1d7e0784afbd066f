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


# What an audit entry is about, named as the tables name it (GraphQL: app/graphql/audit.py).
AuditSubjectType = Literal[
    "api_key",
    "calendar_connection",
    "candidate",
    "document",
    "integration_connection",
    "member",
]


class AuditEntryPublic(PublicModel):
    """One sensitive action in the audit trail: who did what to which record, and when. Admins
    read it; it keeps ids only, never personal data."""

    id: uuid.UUID = Field(description="The audit entry's id")
    actor_member_id: uuid.UUID | None = Field(
        description="The member who acted; null when the service itself did (a retention job)"
    )
    actor_api_key_id: uuid.UUID | None = Field(
        description="The API key the member acted with, when they used one"
    )
    action: AuditAction = Field(description="What was done")
    subject_type: AuditSubjectType = Field(description="What kind of record was acted on")
    subject_id: uuid.UUID = Field(
        description="The id of the record acted on (an erased candidate's no longer resolves)"
    )
    detail: dict[str, Any] = Field(description="Ids only; never personal data")
    request_id: str | None = Field(
        description="The X-Request-ID of the request that acted, to find it in the logs; null "
        "for a job"
    )
    at: datetime = Field(description="When it was done, in UTC")
