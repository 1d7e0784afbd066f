"""Applications (a candidate in a role's pipeline) and every move they make."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.domain.columns import created_field, fk, id_field, org_field


class Application(SQLModel, table=True):
    __tablename__ = "applications"
    __table_args__ = (
        UniqueConstraint("candidate_id", "role_id"),
        Index("ix_applications_role", "organization_id", "role_id", "created_at", "id"),
        Index("ix_applications_candidate", "organization_id", "candidate_id", "created_at", "id"),
    )

    id: uuid.UUID = id_field()
    organization_id: uuid.UUID = org_field()
    candidate_id: uuid.UUID = fk("candidates.id", nullable=False, ondelete="CASCADE", index=False)
    role_id: uuid.UUID = fk("roles.id", nullable=False, ondelete="CASCADE", index=False)
    stage: str = Field(default="sourced", max_length=16)
    outcome: str = Field(default="active", max_length=16)
    stage_entered_at: datetime = created_field()
    screening_notes: str | None = Field(default=None, max_length=20000)
    recruiter_assessment: str | None = Field(default=None, max_length=20000)
    recruiter_rating: int | None = None
    version: int = 1
    created_at: datetime = created_field()
    updated_at: datetime = created_field()


class ApplicationTransition(SQLModel, table=True):
    __tablename__ = "application_transitions"
    __table_args__ = (Index("ix_application_transitions_app", "application_id", "created_at"),)

    id: uuid.UUID = id_field()
    organization_id: uuid.UUID = org_field()
    application_id: uuid.UUID = fk(
        "applications.id", nullable=False, ondelete="CASCADE", index=False
    )
    action: str = Field(max_length=16)
    from_stage: str | None = Field(default=None, max_length=16)
    to_stage: str = Field(max_length=16)
    from_outcome: str | None = Field(default=None, max_length=16)
    to_outcome: str = Field(max_length=16)
    reason: str = Field(max_length=2000)
    actor_member_id: uuid.UUID | None = fk("members.id", ondelete="SET NULL", index=False)
    created_at: datetime = created_field()
