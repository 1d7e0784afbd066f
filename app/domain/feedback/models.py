"""Scorecards (every amendment kept), hiring decisions, rejection reasons, offers, and the outcome
messages every interviewed candidate is owed."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.domain.columns import created_field, fk, id_field, json_field, org_field, timestamp_field


class Scorecard(SQLModel, table=True):
    __tablename__ = "scorecards"
    __table_args__ = (
        UniqueConstraint("interview_id", "interviewer_id"),
        Index("ix_scorecards_application", "organization_id", "application_id"),
    )

    id: uuid.UUID = id_field()
    organization_id: uuid.UUID = org_field()
    interview_id: uuid.UUID = fk("interviews.id", nullable=False, ondelete="CASCADE", index=False)
    application_id: uuid.UUID = fk(
        "applications.id", nullable=False, ondelete="CASCADE", index=False
    )
    role_id: uuid.UUID = fk("roles.id", nullable=False, ondelete="CASCADE", index=False)
    interviewer_id: uuid.UUID = fk("members.id", nullable=False, ondelete="CASCADE", index=False)
    status: str = Field(default="draft", max_length=16)
    recommendation: str | None = Field(default=None, max_length=16)
    ratings: dict[str, Any] = json_field()
    reasons: str | None = Field(default=None, max_length=20000)
    submitted_at: datetime | None = timestamp_field()
    first_submitted_at: datetime | None = timestamp_field()
    revision: int = 0
    version: int = 1
    created_at: datetime = created_field()
    updated_at: datetime = created_field()


class ScorecardRevision(SQLModel, table=True):
    """A submitted version of a scorecard; an amendment adds one, nothing is overwritten."""

    __tablename__ = "scorecard_revisions"
    __table_args__ = (UniqueConstraint("scorecard_id", "revision"),)

    id: uuid.UUID = id_field()
    organization_id: uuid.UUID = org_field()
    scorecard_id: uuid.UUID = fk("scorecards.id", nullable=False, ondelete="CASCADE", index=False)
    revision: int
    recommendation: str = Field(max_length=16)
    ratings: dict[str, Any] = json_field()
    reasons: str = Field(max_length=20000)
    submitted_by_id: uuid.UUID | None = fk("members.id", ondelete="SET NULL", index=False)
    created_at: datetime = created_field()


class FeedbackReminder(SQLModel, table=True):
    """Which reminder went out for which interviewer's feedback, so each is recorded once."""

    __tablename__ = "feedback_reminders"
    __table_args__ = (UniqueConstraint("interview_id", "member_id", "kind"),)

    id: uuid.UUID = id_field()
    organization_id: uuid.UUID = org_field()
    interview_id: uuid.UUID = fk("interviews.id", nullable=False, ondelete="CASCADE", index=False)
    member_id: uuid.UUID = fk("members.id", nullable=False, ondelete="CASCADE", index=False)
    kind: str = Field(max_length=16)
    created_at: datetime = created_field()


class RejectionReason(SQLModel, table=True):
    __tablename__ = "rejection_reasons"
    __table_args__ = (UniqueConstraint("organization_id", "code"),)

    id: uuid.UUID = id_field()
    organization_id: uuid.UUID = org_field()
    code: str = Field(max_length=64)
    label: str = Field(max_length=200)
    is_active: bool = True
    created_at: datetime = created_field()


class HiringDecision(SQLModel, table=True):
    __tablename__ = "hiring_decisions"
    __table_args__ = (
        Index("ix_hiring_decisions_application", "organization_id", "application_id", "created_at"),
    )

    id: uuid.UUID = id_field()
    organization_id: uuid.UUID = org_field()
    application_id: uuid.UUID = fk(
        "applications.id", nullable=False, ondelete="CASCADE", index=False
    )
    role_id: uuid.UUID = fk("roles.id", nullable=False, ondelete="CASCADE", index=False)
    decision: str = Field(max_length=16)
    rejection_reason_id: uuid.UUID | None = fk(
        "rejection_reasons.id", ondelete="RESTRICT", index=False
    )
    note: str = Field(max_length=4000)
    decided_by_id: uuid.UUID | None = fk("members.id", ondelete="SET NULL", index=False)
    created_at: datetime = created_field()


class Offer(SQLModel, table=True):
    __tablename__ = "offers"
    __table_args__ = (Index("ix_offers_role", "organization_id", "role_id", "created_at", "id"),)

    id: uuid.UUID = id_field()
    organization_id: uuid.UUID = org_field()
    application_id: uuid.UUID = fk(
        "applications.id", nullable=False, ondelete="CASCADE", index=False
    )
    role_id: uuid.UUID = fk("roles.id", nullable=False, ondelete="CASCADE", index=False)
    status: str = Field(default="draft", max_length=16)
    compensation: dict[str, Any] = json_field()
    start_date: date | None = Field(default=None, sa_type=Date())
    expires_at: datetime | None = timestamp_field()
    note: str | None = Field(default=None, max_length=4000)
    created_by_id: uuid.UUID | None = fk("members.id", ondelete="SET NULL", index=False)
    approved_by_id: uuid.UUID | None = fk("members.id", ondelete="SET NULL", index=False)
    approved_at: datetime | None = timestamp_field()
    sent_at: datetime | None = timestamp_field()
    responded_at: datetime | None = timestamp_field()
    status_reason: str | None = Field(default=None, max_length=2000)
    version: int = 1
    created_at: datetime = created_field()
    updated_at: datetime = created_field()


class OutcomeMessage(SQLModel, table=True):
    """The outcome a candidate is owed (a rejection or an offer), to be sent at `send_at`."""

    __tablename__ = "outcome_messages"
    __table_args__ = (
        Index("ix_outcome_messages_due", "status", "send_at"),
        Index("ix_outcome_messages_application", "organization_id", "application_id"),
    )

    id: uuid.UUID = id_field()
    organization_id: uuid.UUID = org_field()
    application_id: uuid.UUID = fk(
        "applications.id", nullable=False, ondelete="CASCADE", index=False
    )
    kind: str = Field(max_length=16)
    status: str = Field(default="scheduled", max_length=16)
    send_at: datetime = timestamp_field(nullable=False)
    personal_note: str | None = Field(default=None, max_length=4000)
    offer_id: uuid.UUID | None = fk("offers.id", ondelete="SET NULL", index=False)
    created_by_id: uuid.UUID | None = fk("members.id", ondelete="SET NULL", index=False)
    sent_at: datetime | None = timestamp_field()
    version: int = 1
    created_at: datetime = created_field()


class AwaitingOutcomeFlag(SQLModel, table=True):
    """An application flagged as near its close-the-loop deadline (recorded once)."""

    __tablename__ = "awaiting_outcome_flags"
    __table_args__ = (UniqueConstraint("application_id"),)

    id: uuid.UUID = id_field()
    organization_id: uuid.UUID = org_field()
    application_id: uuid.UUID = fk(
        "applications.id", nullable=False, ondelete="CASCADE", index=False
    )
    created_at: datetime = created_field()
