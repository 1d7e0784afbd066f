"""The record that a candidate was erased: ids, a reason code and when; nothing personal."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from app.domain.columns import created_field, fk, id_field, org_field


class CandidateErasure(SQLModel, table=True):
    __tablename__ = "candidate_erasures"
    __table_args__ = (UniqueConstraint("candidate_id"),)

    id: uuid.UUID = id_field()
    organization_id: uuid.UUID = org_field()
    # The candidate row stays as an anonymous tombstone (its applications, decisions and counts
    # are the organization's statistics), so the erasure can point at it.
    candidate_id: uuid.UUID = fk("candidates.id", nullable=False, ondelete="CASCADE", index=False)
    reason: str = Field(max_length=32)
    # api | graphql | ats | retention
    source: str = Field(max_length=16)
    erased_by_id: uuid.UUID | None = None
    connection_id: uuid.UUID | None = None
    erased_at: datetime = created_field()
