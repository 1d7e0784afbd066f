"""Messages to people (email and Slack) and the digests sent to hiring managers.

A notification is rendered when it is planned, so the row holds exactly what was sent; a
unique key per organization makes every message go out at most once however often it is
planned."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Index, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from app.domain.columns import created_field, fk, id_field, json_field, org_field, timestamp_field


class Notification(SQLModel, table=True):
    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("organization_id", "dedupe_key"),
        Index(
            "ix_notifications_due",
            "next_attempt_at",
            postgresql_where=text("status = 'pending'"),
        ),
        Index("ix_notifications_member", "organization_id", "member_id", "id"),
    )

    id: uuid.UUID = id_field()
    organization_id: uuid.UUID = org_field()
    kind: str = Field(max_length=32)
    channel: str = Field(max_length=16)
    # An email address, or for Slack a description of whose webhook (the URL is a secret).
    recipient: str = Field(max_length=320)
    member_id: uuid.UUID | None = fk("members.id", ondelete="CASCADE", index=False)
    candidate_id: uuid.UUID | None = fk("candidates.id", ondelete="CASCADE", index=False)
    outcome_message_id: uuid.UUID | None = fk(
        "outcome_messages.id", ondelete="CASCADE", index=False
    )
    dedupe_key: str = Field(max_length=200)
    subject: str = Field(max_length=300)
    body_text: str
    body_html: str | None = None
    slack_blocks: list[dict[str, Any]] | None = Field(default=None, sa_type=JSONB, nullable=True)
    # [{"filename", "content_type", "content"}], content as text (an .ics is text).
    attachments: list[dict[str, Any]] = json_field(list)
    status: str = Field(default="pending", max_length=16)
    attempts: int = 0
    next_attempt_at: datetime = created_field()
    claimed_until: datetime | None = timestamp_field()
    claimed_by: str | None = Field(default=None, max_length=100)
    last_error: str | None = Field(default=None, max_length=500)
    sent_at: datetime | None = timestamp_field()
    created_at: datetime = created_field()


class DigestRun(SQLModel, table=True):
    """One digest period of one member, claimed once: (member, period) is unique, so two
    workers never send the same digest."""

    __tablename__ = "digest_runs"
    __table_args__ = (UniqueConstraint("member_id", "period_key"),)

    id: uuid.UUID = id_field()
    organization_id: uuid.UUID = org_field()
    member_id: uuid.UUID = fk("members.id", nullable=False, ondelete="CASCADE", index=False)
    period_key: str = Field(max_length=64)
    sent: bool
    # What the digest listed, so a realtime digest only goes out when something is new.
    item_keys: list[str] = json_field(list)
    notification_id: uuid.UUID | None = fk("notifications.id", ondelete="SET NULL", index=False)
    created_at: datetime = created_field()
