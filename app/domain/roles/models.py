"""Job roles and the numbered revisions of their intake."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.domain.columns import created_field, fk, id_field, json_field, org_field, timestamp_field


class Role(SQLModel, table=True):
    __tablename__ = "roles"
    __table_args__ = (Index("ix_roles_org_created", "organization_id", "created_at", "id"),)

    id: uuid.UUID = id_field()
    organization_id: uuid.UUID = org_field()
    title: str = Field(max_length=200)
    team: str | None = Field(default=None, max_length=200)
    location: str | None = Field(default=None, max_length=200)
    workplace: str = Field(default="hybrid", max_length=16)
    headcount: int = 1
    filled_count: int = 0
    status: str = Field(default="draft", max_length=16, index=True)
    recruiter_id: uuid.UUID | None = fk("members.id", ondelete="SET NULL")
    hiring_manager_id: uuid.UUID | None = fk("members.id", ondelete="SET NULL")
    target_start: date | None = Field(default=None, sa_type=Date())
    version: int = 1
    created_at: datetime = created_field()
    updated_at: datetime = created_field()


class IntakeRevision(SQLModel, table=True):
    __tablename__ = "intake_revisions"
    __table_args__ = (UniqueConstraint("role_id", "number"),)

    id: uuid.UUID = id_field()
    organization_id: uuid.UUID = org_field()
    role_id: uuid.UUID = fk("roles.id", nullable=False, ondelete="CASCADE", index=False)
    number: int
    status: str = Field(default="draft", max_length=16)
    content: dict[str, Any] = json_field()
    change_note: str = Field(max_length=2000)
    proposed_by_id: uuid.UUID | None = fk("members.id", ondelete="SET NULL", index=False)
    recruiter_signed_off_by_id: uuid.UUID | None = fk(
        "members.id", ondelete="SET NULL", index=False
    )
    recruiter_signed_off_at: datetime | None = timestamp_field()
    hiring_manager_signed_off_by_id: uuid.UUID | None = fk(
        "members.id", ondelete="SET NULL", index=False
    )
    hiring_manager_signed_off_at: datetime | None = timestamp_field()
    agreed_at: datetime | None = timestamp_field()
    created_at: datetime = created_field()
