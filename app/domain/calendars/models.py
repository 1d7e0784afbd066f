"""Calendar connections, the calendars each member has on them, and our interviews written there.

A connection is either organization-wide (an admin's Google service account or Microsoft app,
acting for every member whose mailbox matches their email) or one member's own (OAuth consent,
or a CalDAV account). Each member's calendars on a connection are rows of `member_calendars`:
which ones count as busy, which one receives interviews, and each one's sync state and push
channel. The busy time read from them is mirrored into `busy_blocks` (source `calendar`).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from app.domain.columns import created_field, fk, id_field, json_field, org_field, timestamp_field


class CalendarConnection(SQLModel, table=True):
    __tablename__ = "calendar_connections"
    __table_args__ = (Index("ix_calendar_connections_org", "organization_id", "created_at", "id"),)

    id: uuid.UUID = id_field()
    organization_id: uuid.UUID = org_field()
    provider: str = Field(max_length=16)  # google | microsoft | caldav
    scope: str = Field(max_length=16)  # organization | member
    # The member whose own account this is (scope member); None for organization-wide.
    member_id: uuid.UUID | None = fk("members.id", ondelete="CASCADE", index=True)
    name: str = Field(max_length=200)
    status: str = Field(default="active", max_length=16)  # active | needs_reauth | paused
    status_reason: str | None = Field(default=None, max_length=500)
    # Encrypted at rest (app/crypto.py); never returned, never logged.
    credentials_encrypted: str | None = Field(default=None, sa_type=Text())
    base_url: str | None = Field(default=None, max_length=500)
    account_email: str | None = Field(default=None, max_length=320)
    # Who sends the invitation for an interview written to these calendars: `hireloop` (our
    # mail with its .ics is the one invitation; the provider is told not to send any) or
    # `provider` (the provider invites the attendees; our mail then carries no .ics).
    invitations: str = Field(default="hireloop", max_length=16)
    video: bool = False  # ask the provider for a Meet / Teams link on each interview
    # read_write | free_busy: what the member's consent grants (organization-wide and CalDAV
    # connections are read_write). free_busy calendars are polled and never written.
    access: str = Field(
        default="read_write", max_length=16, sa_column_kwargs={"server_default": "read_write"}
    )
    created_by_id: uuid.UUID | None = fk("members.id", ondelete="SET NULL", index=False)
    # [{"at", "source", "reason"}], newest first, a few at most.
    recent_errors: list[dict[str, Any]] = json_field(list)
    # Organization-wide: when the members' mailboxes are next matched and their calendars
    # listed (leased like any task), and who matched no mailbox: [{"member_id","email","reason"}].
    discover_at: datetime | None = timestamp_field()
    claimed_until: datetime | None = timestamp_field()
    claimed_by: str | None = Field(default=None, max_length=100)
    unmatched: list[dict[str, Any]] = json_field(list)
    version: int = 1
    created_at: datetime = created_field()
    updated_at: datetime = created_field()


class MemberCalendar(SQLModel, table=True):
    """One calendar of one member on one connection, with its sync state.

    Work on it is leased like every background task: `next_sync_at` says when it is due (a push
    sets it to now), a worker claims it (`claimed_until`/`claimed_by`), reads the provider with
    no transaction open, and records the page in a new transaction."""

    __tablename__ = "member_calendars"
    __table_args__ = (
        UniqueConstraint("connection_id", "member_id", "remote_id"),
        Index("ix_member_calendars_member", "organization_id", "member_id"),
        Index(
            "ix_member_calendars_due",
            "next_sync_at",
            postgresql_where=text("busy AND next_sync_at IS NOT NULL"),
        ),
        Index("ix_member_calendars_channel", "channel_id", unique=True),
    )

    id: uuid.UUID = id_field()
    organization_id: uuid.UUID = org_field()
    connection_id: uuid.UUID = fk(
        "calendar_connections.id", nullable=False, ondelete="CASCADE", index=False
    )
    member_id: uuid.UUID = fk("members.id", nullable=False, ondelete="CASCADE", index=False)
    subject: str | None = Field(default=None, max_length=320)  # the mailbox acted for
    remote_id: str = Field(max_length=1000)
    name: str = Field(max_length=300)
    time_zone: str | None = Field(default=None, max_length=64)
    primary: bool = False
    can_write: bool = True
    busy: bool = False  # counts as busy time
    receives_interviews: bool = False
    # Sync state: the token the next incremental read starts from; a read in progress.
    sync_token: str | None = Field(default=None, sa_type=Text())
    page_token: str | None = Field(default=None, sa_type=Text())
    # When a full read (no sync token) began: once its last page is in, every mirrored block
    # of this calendar not seen since then is gone at the provider.
    full_read_started_at: datetime | None = timestamp_field()
    next_sync_at: datetime | None = timestamp_field()
    claimed_until: datetime | None = timestamp_field()
    claimed_by: str | None = Field(default=None, max_length=100)
    last_synced_at: datetime | None = timestamp_field()
    last_error: str | None = Field(default=None, max_length=1000)
    last_error_at: datetime | None = timestamp_field()
    failures: int = 0
    # Push channel (Google watch channel / Graph subscription); the token is kept only as an
    # HMAC, compared in constant time with the one each push presents.
    channel_id: str | None = Field(default=None, max_length=300)
    channel_resource_id: str | None = Field(default=None, max_length=300)
    channel_token_hash: str | None = Field(default=None, max_length=100)
    channel_expires_at: datetime | None = timestamp_field()
    created_at: datetime = created_field()


class CalendarEventWrite(SQLModel, table=True):
    """An interview as it should stand in one member's interview calendar, and as it does.

    The worker's fan-out upserts one row per (interview, member) whenever the interview is
    booked, moved or cancelled (`sequence` rises); the write is leased and done with no
    transaction open, then `written_sequence`, the provider's id and ETag are recorded."""

    __tablename__ = "calendar_event_writes"
    __table_args__ = (
        UniqueConstraint("interview_id", "member_id"),
        Index("ix_calendar_event_writes_due", "next_attempt_at", postgresql_where=text("pending")),
    )

    id: uuid.UUID = id_field()
    organization_id: uuid.UUID = org_field()
    interview_id: uuid.UUID = fk("interviews.id", nullable=False, ondelete="CASCADE", index=True)
    member_id: uuid.UUID = fk("members.id", nullable=False, ondelete="CASCADE", index=False)
    calendar_id: uuid.UUID = fk(
        "member_calendars.id", nullable=False, ondelete="CASCADE", index=False
    )
    action: str = Field(default="put", max_length=16)  # put | delete
    sequence: int = 0
    written_sequence: int | None = None
    pending: bool = True
    remote_id: str | None = Field(default=None, max_length=1000)
    etag: str | None = Field(default=None, max_length=300)
    video_url: str | None = Field(default=None, max_length=500)
    attempts: int = 0
    next_attempt_at: datetime = created_field()
    claimed_until: datetime | None = timestamp_field()
    claimed_by: str | None = Field(default=None, max_length=100)
    last_error: str | None = Field(default=None, max_length=1000)
    failed: bool = False
    updated_at: datetime = created_field()


class CalendarOAuthState(SQLModel, table=True):
    """A consent in progress: the `state` sent to the provider (kept as a hash) binds the
    callback to the member who started it; the PKCE verifier is encrypted; used once."""

    __tablename__ = "calendar_oauth_states"

    id: uuid.UUID = id_field()
    organization_id: uuid.UUID = org_field()
    member_id: uuid.UUID = fk("members.id", nullable=False, ondelete="CASCADE", index=False)
    provider: str = Field(max_length=16)
    access: str = Field(
        default="read_write", max_length=16, sa_column_kwargs={"server_default": "read_write"}
    )
    state_hash: str = Field(max_length=100, unique=True)
    verifier_encrypted: str = Field(sa_type=Text())
    expires_at: datetime = timestamp_field(nullable=False)
    used_at: datetime | None = timestamp_field()
    created_at: datetime = created_field()


class CalendarChannelStop(SQLModel, table=True):
    """A push channel to close at the provider after its calendar stopped counting as busy or
    its connection was deleted. What the call needs (the provider, the credentials, still
    encrypted, the mailbox) is copied here, because the connection may be gone by then; the
    worker claims it with a lease, closes the channel with no transaction open, and deletes it.
    A channel left open would only keep pushing until it expires, refused as unknown."""

    __tablename__ = "calendar_channel_stops"
    __table_args__ = (Index("ix_calendar_channel_stops_due", "next_attempt_at"),)

    id: uuid.UUID = id_field()
    organization_id: uuid.UUID = org_field()
    provider: str = Field(max_length=16)
    scope: str = Field(max_length=16)
    base_url: str | None = Field(default=None, max_length=500)
    credentials_encrypted: str | None = Field(default=None, sa_type=Text())
    subject: str | None = Field(default=None, max_length=320)
    channel_id: str = Field(max_length=300)
    resource_id: str | None = Field(default=None, max_length=300)
    expires_at: datetime = timestamp_field(nullable=False)
    attempts: int = 0
    next_attempt_at: datetime = created_field()
    claimed_until: datetime | None = timestamp_field()
    claimed_by: str | None = Field(default=None, max_length=100)
