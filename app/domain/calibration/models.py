"""Slates sent to the hiring manager, and their decisions (every revision kept)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.domain.columns import created_field, fk, id_field, json_field, org_field, timestamp_field


class Slate(SQLModel, table=True):
    __tablename__ = "slates"
    __table_args__ = (Index("ix_slates_role", "organization_id", "role_id", "created_at", "id"),)

    id: uuid.UUID = id_field()
    organization_id: uuid.UUID = org_field()
    role_id: uuid.UUID = fk("roles.id", nullable=False, ondelete="CASCADE", index=False)
    status: str = Field(default="draft", max_length=16)
    note: str | None = Field(default=None, max_length=2000)
    due_at: datetime | None = timestamp_field()
    created_by_id: uuid.UUID | None = fk("members.id", ondelete="SET NULL", index=False)
    sent_by_id: uuid.UUID | None = fk("members.id", ondelete="SET NULL", index=False)
    sent_at: datetime | None = timestamp_field()
    reviewed_at: datetime | None = timestamp_field()
    version: int = 1
    created_at: datetime = created_field()


class SlateItem(SQLModel, table=True):
    __tablename__ = "slate_items"
    __table_args__ = (
        UniqueConstraint("slate_id", "application_id"),
        Index("ix_slate_items_application", "organization_id", "application_id"),
    )

    id: uuid.UUID = id_field()
    organization_id: uuid.UUID = org_field()
    slate_id: uuid.UUID = fk("slates.id", nullable=False, ondelete="CASCADE", index=False)
    application_id: uuid.UUID = fk(
        "applications.id", nullable=False, ondelete="CASCADE", index=False
    )
    position: int
    question: str | None = Field(default=None, max_length=2000)
    created_at: datetime = created_field()


class SlateDecision(SQLModel, table=True):
    """One decision on a slate item; a revision adds a row and marks the previous one superseded."""

    __tablename__ = "slate_decisions"
    __table_args__ = (
        Index("ix_slate_decisions_item", "slate_item_id", "created_at"),
        Index("ix_slate_decisions_role_current", "organization_id", "role_id", "is_current"),
    )

    id: uuid.UUID = id_field()
    organization_id: uuid.UUID = org_field()
    role_id: uuid.UUID = fk("roles.id", nullable=False, ondelete="CASCADE", index=False)
    slate_id: uuid.UUID = fk("slates.id", nullable=False, ondelete="CASCADE", index=False)
    slate_item_id: uuid.UUID = fk("slate_items.id", nullable=False, ondelete="CASCADE", index=False)
    application_id: uuid.UUID = fk(
        "applications.id", nullable=False, ondelete="CASCADE", index=False
    )
    decision: str = Field(max_length=16)
    missing_skills: list[str] = json_field(list)
    red_flags: list[str] = json_field(list)
    categories: list[str] = json_field(list)
    note: str | None = Field(default=None, max_length=4000)
    waitlist_question: str | None = Field(default=None, max_length=2000)
    answer: str | None = Field(default=None, max_length=4000)
    decided_by_id: uuid.UUID | None = fk("members.id", ondelete="SET NULL", index=False)
    # The answered follow-up this decision was taken on (a waitlist settled by the answer).
    settled_by_follow_up_id: uuid.UUID | None = fk(
        "follow_ups.id", ondelete="SET NULL", index=False
    )
    is_current: bool = True
    revision: int = 1
    created_at: datetime = created_field()
