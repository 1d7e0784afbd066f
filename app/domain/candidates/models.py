"""Candidates and their documents."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field, SQLModel

from app.domain.columns import created_field, fk, id_field, json_field, org_field, timestamp_field


class Candidate(SQLModel, table=True):
    __tablename__ = "candidates"
    __table_args__ = (
        UniqueConstraint("organization_id", "email"),
        Index("ix_candidates_org_created", "organization_id", "created_at", "id"),
        Index("ix_candidates_skill_keys", "skill_keys", postgresql_using="gin"),
    )

    id: uuid.UUID = id_field()
    organization_id: uuid.UUID = org_field()
    name: str = Field(max_length=200)
    # Stored lower-cased: the same address twice in one organization is one candidate.
    email: str = Field(max_length=320)
    phone: str | None = Field(default=None, max_length=50)
    location: str | None = Field(default=None, max_length=200)
    time_zone: str | None = Field(default=None, max_length=64)
    links: dict[str, Any] = json_field()
    current_title: str | None = Field(default=None, max_length=200)
    current_company: str | None = Field(default=None, max_length=200)
    years_experience: int | None = None
    skills: list[str] = Field(default_factory=list, sa_type=ARRAY(String(100)), nullable=False)
    # Lower-cased copy of `skills` for case-insensitive search through a GIN index.
    skill_keys: list[str] = Field(default_factory=list, sa_type=ARRAY(String(100)), nullable=False)
    source: str = Field(max_length=32)
    source_detail: str | None = Field(default=None, max_length=200)
    consent_given: bool = False
    consent_at: datetime | None = timestamp_field()
    consent_note: str | None = Field(default=None, max_length=2000)
    version: int = 1
    created_at: datetime = created_field()
    updated_at: datetime = created_field()


class Document(SQLModel, table=True):
    __tablename__ = "documents"
    __table_args__ = (
        Index("ix_documents_candidate", "organization_id", "candidate_id", "created_at"),
    )

    id: uuid.UUID = id_field()
    organization_id: uuid.UUID = org_field()
    candidate_id: uuid.UUID = fk("candidates.id", nullable=False, ondelete="CASCADE", index=False)
    application_id: uuid.UUID | None = fk("applications.id", ondelete="SET NULL", index=False)
    kind: str = Field(max_length=32)
    filename: str = Field(max_length=255)
    content_type: str = Field(max_length=128)
    size_bytes: int
    sha256: str = Field(max_length=64)
    storage_key: str = Field(max_length=300)
    uploaded_by_id: uuid.UUID | None = fk("members.id", ondelete="SET NULL", index=False)
    created_at: datetime = created_field()
