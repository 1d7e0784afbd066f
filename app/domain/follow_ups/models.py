"""A follow-up question sent to a candidate, usually to settle a hiring manager's waitlist.

One row carries the whole life of the question: what was asked, the candidate's answer, and the
moments it moved between states (`sent`, `reminded`, `answered`, `expired`, `withdrawn`). The
link the candidate opens is signed over the row's id and expiry (see tokens.py), so no token is
stored; single use is the row leaving `sent`/`reminded`.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Index, text
from sqlmodel import Field, SQLModel

from app.domain.columns import created_field, fk, id_field, org_field, timestamp_field

OPEN_STATES = ("sent", "reminded")
STATES = ("sent", "reminded", "answered", "expired", "withdrawn")


class FollowUp(SQLModel, table=True):
    __tablename__ = "follow_ups"
    __table_args__ = (
        Index("ix_follow_ups_application", "organization_id", "application_id", "created_at"),
        Index("ix_follow_ups_role", "organization_id", "role_id", "state"),
        # The periodic job looks only at open follow-ups.
        Index(
            "ix_follow_ups_open",
            "reminder_due_at",
            postgresql_where=text("state IN ('sent', 'reminded')"),
        ),
    )

    id: uuid.UUID = id_field()
    organization_id: uuid.UUID = org_field()
    application_id: uuid.UUID = fk(
        "applications.id", nullable=False, ondelete="CASCADE", index=False
    )
    role_id: uuid.UUID = fk("roles.id", nullable=False, ondelete="CASCADE", index=False)
    candidate_id: uuid.UUID = fk("candidates.id", nullable=False, ondelete="CASCADE", index=False)
    # The waitlist decision whose question this settles, when it came from one. No foreign key:
    # the settling decision points back here (slate_decisions.settled_by_follow_up_id), and a
    # cycle of keys would make every insert order matter.
    decision_id: uuid.UUID | None = None
    question: str = Field(max_length=2000)
    state: str = Field(default="sent", max_length=16)
    sent_by_id: uuid.UUID | None = fk("members.id", ondelete="SET NULL", index=False)
    sent_at: datetime = created_field()
    reminder_due_at: datetime = timestamp_field(nullable=False)
    expires_at: datetime = timestamp_field(nullable=False)
    reminded_at: datetime | None = timestamp_field()
    answered_at: datetime | None = timestamp_field()
    closed_at: datetime | None = timestamp_field()
    answer_text: str | None = Field(default=None, max_length=4000)
    answer_link: str | None = Field(default=None, max_length=500)
    answer_document_id: uuid.UUID | None = fk("documents.id", ondelete="SET NULL", index=False)
    version: int = 1
    created_at: datetime = created_field()
