"""Outbound webhooks: the endpoints consumers register, one delivery per (endpoint, event), and
every attempt at it."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Index, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from app.domain.columns import created_field, fk, id_field, org_field, timestamp_field


class WebhookEndpoint(SQLModel, table=True):
    __tablename__ = "webhook_endpoints"

    id: uuid.UUID = id_field()
    organization_id: uuid.UUID = org_field()
    url: str = Field(max_length=2000)
    description: str | None = Field(default=None, max_length=500)
    # None receives every event type; a list receives only those.
    event_types: list[str] | None = Field(default=None, sa_type=JSONB, nullable=True)
    status: str = Field(default="enabled", max_length=16)
    disabled_reason: str | None = Field(default=None, max_length=200)
    disabled_at: datetime | None = timestamp_field()
    # Signing secrets are encrypted at rest (app/secrets.py); the plaintext is shown once.
    secret_encrypted: str = Field(max_length=500)
    previous_secret_encrypted: str | None = Field(default=None, max_length=500)
    previous_secret_expires_at: datetime | None = timestamp_field()
    # Start of the current run of failed attempts; reset by any success.
    failing_since: datetime | None = timestamp_field()
    created_by_id: uuid.UUID | None = fk("members.id", ondelete="SET NULL", index=False)
    version: int = 1
    created_at: datetime = created_field()
    updated_at: datetime = created_field()


class WebhookDelivery(SQLModel, table=True):
    """One event owed to one endpoint. The worker leases it (claimed_until) while sending, so a
    worker that dies mid-delivery loses nothing: the lease runs out and another worker retries."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("endpoint_id", "event_id"),
        Index(
            "ix_webhook_deliveries_due",
            "next_attempt_at",
            postgresql_where=text("status = 'pending'"),
        ),
        Index("ix_webhook_deliveries_endpoint", "organization_id", "endpoint_id", "id"),
    )

    id: uuid.UUID = id_field()
    organization_id: uuid.UUID = org_field()
    endpoint_id: uuid.UUID = fk(
        "webhook_endpoints.id", nullable=False, ondelete="CASCADE", index=False
    )
    event_id: uuid.UUID = fk("events.id", nullable=False, ondelete="CASCADE", index=True)
    event_type: str = Field(max_length=64)
    status: str = Field(default="pending", max_length=16)
    attempts: int = 0
    next_attempt_at: datetime = created_field()
    claimed_until: datetime | None = timestamp_field()
    claimed_by: str | None = Field(default=None, max_length=100)
    last_status_code: int | None = None
    last_error: str | None = Field(default=None, max_length=500)
    succeeded_at: datetime | None = timestamp_field()
    created_at: datetime = created_field()


class WebhookAttempt(SQLModel, table=True):
    __tablename__ = "webhook_attempts"
    __table_args__ = (Index("ix_webhook_attempts_delivery", "delivery_id", "id"),)

    id: uuid.UUID = id_field()
    organization_id: uuid.UUID = org_field()
    delivery_id: uuid.UUID = fk(
        "webhook_deliveries.id", nullable=False, ondelete="CASCADE", index=False
    )
    endpoint_id: uuid.UUID = fk(
        "webhook_endpoints.id", nullable=False, ondelete="CASCADE", index=False
    )
    attempt: int
    attempted_at: datetime = created_field()
    succeeded: bool
    status_code: int | None = None
    latency_ms: int
    response_body: str | None = Field(default=None, max_length=2048)
    error: str | None = Field(default=None, max_length=500)
    worker: str | None = Field(default=None, max_length=100)
    details: dict[str, Any] | None = Field(default=None, sa_type=JSONB, nullable=True)
