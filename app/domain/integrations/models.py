"""Connections to other systems and the links from our records to their ids there.

Any record an ATS also holds can carry external ids, so that the ATS adapters sync without
reshaping the schema: one row per (connection, resource), unique per (connection, external id).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from app.domain.columns import created_field, fk, id_field, json_field, org_field, timestamp_field


class Connection(SQLModel, table=True):
    __tablename__ = "integration_connections"

    id: uuid.UUID = id_field()
    organization_id: uuid.UUID = org_field()
    provider: str = Field(max_length=32)
    name: str = Field(max_length=200)
    status: str = Field(default="active", max_length=16)  # active | paused
    # Encrypted at rest (app/crypto.py); never returned after creation, never logged.
    credentials_encrypted: str | None = Field(default=None, sa_type=Text())
    webhook_secret_encrypted: str | None = Field(default=None, sa_type=Text())
    base_url: str | None = Field(default=None, max_length=500)
    # Vendor stage name -> our stage; vendor rejection reason name -> our reason code.
    stage_map: dict[str, str] = json_field()
    rejection_map: dict[str, str] = json_field()
    created_by_id: uuid.UUID | None = fk("members.id", ondelete="SET NULL", index=False)
    last_sync_at: datetime | None = timestamp_field()
    # The last few errors with their reasons, newest first: [{"at", "source", "reason"}].
    recent_errors: list[dict[str, Any]] = json_field(list)
    version: int = 1
    created_at: datetime = created_field()
    updated_at: datetime = created_field()


class ExternalRef(SQLModel, table=True):
    __tablename__ = "external_refs"
    __table_args__ = (
        UniqueConstraint("connection_id", "resource_type", "external_id"),
        UniqueConstraint("connection_id", "resource_type", "resource_id"),
        Index("ix_external_refs_resource", "organization_id", "resource_type", "resource_id"),
    )

    id: uuid.UUID = id_field()
    organization_id: uuid.UUID = org_field()
    connection_id: uuid.UUID = fk(
        "integration_connections.id", nullable=False, ondelete="CASCADE", index=False
    )
    resource_type: str = Field(max_length=32)
    resource_id: uuid.UUID
    external_id: str = Field(max_length=200)
    created_at: datetime = created_field()


class InboundEvent(SQLModel, table=True):
    """A verified vendor webhook, stored once per (connection, vendor event id) before it is
    answered; the worker applies it. The whole payload is kept, mapped fields or not."""

    __tablename__ = "ats_inbound_events"
    __table_args__ = (
        UniqueConstraint("connection_id", "vendor_event_id"),
        Index(
            "ix_ats_inbound_events_due",
            "next_attempt_at",
            postgresql_where=text("status = 'pending'"),
        ),
        Index("ix_ats_inbound_events_connection", "organization_id", "connection_id", "id"),
    )

    id: uuid.UUID = id_field()
    organization_id: uuid.UUID = org_field()
    connection_id: uuid.UUID = fk(
        "integration_connections.id", nullable=False, ondelete="CASCADE", index=False
    )
    vendor_event_id: str = Field(max_length=200)
    event_type: str = Field(max_length=100)
    payload: dict[str, Any] = json_field()
    received_at: datetime = created_field()
    status: str = Field(default="pending", max_length=16)  # pending|applied|ignored|failed
    outcome: str | None = Field(default=None, max_length=1000)
    attempts: int = 0
    next_attempt_at: datetime = created_field()
    claimed_until: datetime | None = timestamp_field()
    claimed_by: str | None = Field(default=None, max_length=100)
    processed_at: datetime | None = timestamp_field()


class OutboundPush(SQLModel, table=True):
    """One of our changes owed to the vendor, made by the worker's fan-out from an event."""

    __tablename__ = "ats_pushes"
    __table_args__ = (
        UniqueConstraint("connection_id", "event_id", "kind"),
        Index("ix_ats_pushes_due", "next_attempt_at", postgresql_where=text("status = 'pending'")),
        Index("ix_ats_pushes_connection", "organization_id", "connection_id", "id"),
        # The claim's look for an earlier push about the same record (repository.claim_pushes).
        Index(
            "ix_ats_pushes_subject",
            "connection_id",
            "subject",
            "id",
            postgresql_where=text("status = 'pending'"),
        ),
    )

    id: uuid.UUID = id_field()
    organization_id: uuid.UUID = org_field()
    connection_id: uuid.UUID = fk(
        "integration_connections.id", nullable=False, ondelete="CASCADE", index=False
    )
    event_id: uuid.UUID = fk("events.id", nullable=False, ondelete="CASCADE", index=False)
    kind: str = Field(max_length=32)
    # The vendor's id of the record the push is about (an application, or the candidate an
    # erasure names): one record's pushes are sent one at a time, in the order they were
    # planned, while different records' go out at once.
    subject: str = Field(max_length=200)
    payload: dict[str, Any] = json_field()
    status: str = Field(default="pending", max_length=16)  # pending|done|failed
    attempts: int = 0
    next_attempt_at: datetime = created_field()
    claimed_until: datetime | None = timestamp_field()
    claimed_by: str | None = Field(default=None, max_length=100)
    last_error: str | None = Field(default=None, max_length=1000)
    created_at: datetime = created_field()
    done_at: datetime | None = timestamp_field()


class SyncRun(SQLModel, table=True):
    """A full import or a reconciliation, resumable: `resource` and `cursor` say where the next
    page starts, and each page commits with its records, so a restarted worker goes on from
    the last committed page."""

    __tablename__ = "ats_syncs"
    __table_args__ = (
        Index("ix_ats_syncs_connection", "organization_id", "connection_id", "id"),
        Index(
            "ix_ats_syncs_due",
            "created_at",
            postgresql_where=text("status IN ('pending', 'running')"),
        ),
    )

    id: uuid.UUID = id_field()
    organization_id: uuid.UUID = org_field()
    connection_id: uuid.UUID = fk(
        "integration_connections.id", nullable=False, ondelete="CASCADE", index=False
    )
    kind: str = Field(max_length=16)  # full | incremental
    status: str = Field(default="pending", max_length=16)  # pending|running|done|failed
    resource: str = Field(default="jobs", max_length=16)
    cursor: str | None = Field(default=None, max_length=2000)
    updated_since: datetime | None = timestamp_field()
    pages_done: int = 0
    created: int = 0
    updated: int = 0
    errors: int = 0
    last_errors: list[dict[str, Any]] = json_field(list)
    claimed_until: datetime | None = timestamp_field()
    claimed_by: str | None = Field(default=None, max_length=100)
    started_at: datetime | None = timestamp_field()
    finished_at: datetime | None = timestamp_field()
    created_at: datetime = created_field()
