"""The transactional outbox: every state change writes one row here in its own transaction."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, text
from sqlmodel import Field, SQLModel

from app.domain.columns import created_field, id_field, json_field, org_field, timestamp_field


class Event(SQLModel, table=True):
    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_org_seq", "organization_id", "tx_seq", "id"),
        Index("ix_events_org_type_seq", "organization_id", "type", "tx_seq", "id"),
        # The worker's queue of events not yet fanned out to webhooks and notifications.
        Index(
            "ix_events_undispatched",
            "occurred_at",
            postgresql_where=text("dispatched_at IS NULL"),
        ),
    )

    id: uuid.UUID = id_field()
    organization_id: uuid.UUID = org_field()
    type: str = Field(max_length=64)
    occurred_at: datetime = created_field()
    actor_member_id: uuid.UUID | None = None
    resource_type: str = Field(max_length=32)
    resource_id: uuid.UUID
    data: dict[str, Any] = json_field()
    # The id of the writing transaction. Readers only see events whose transaction precedes
    # every transaction still running, so paging forward by (tx_seq, id) never skips an event
    # that commits late.
    tx_seq: int = Field(
        default=None,
        sa_type=BigInteger(),
        sa_column_kwargs={"server_default": text("(pg_current_xact_id())::text::bigint")},
        nullable=False,
    )
    # Set by the worker once the event is fanned out to webhook deliveries and notifications.
    dispatched_at: datetime | None = timestamp_field()
    # Set when the change came from an ATS connection, so it is never pushed back to it.
    origin_connection_id: uuid.UUID | None = None
