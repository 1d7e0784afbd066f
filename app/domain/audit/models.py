"""One row per sensitive action. Ids only: the detail never carries personal data."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from app.domain.columns import created_field, id_field, json_field, org_field


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_org_at", "organization_id", "at", "id"),)

    id: uuid.UUID = id_field()
    organization_id: uuid.UUID = org_field()
    # Plain ids, not foreign keys: the trail outlives the member or key that acted.
    actor_member_id: uuid.UUID | None = None
    actor_api_key_id: uuid.UUID | None = None
    action: str = Field(max_length=64)
    subject_type: str = Field(max_length=32)
    subject_id: uuid.UUID
    detail: dict[str, Any] = json_field()
    request_id: str | None = Field(default=None, max_length=100)
    at: datetime = created_field()
