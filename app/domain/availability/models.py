"""When people can meet: date overrides, busy blocks, a candidate's offered windows, and the
single-use links through which a candidate offers them.

Busy blocks typed into the API have source `manual`; those mirrored from a connected calendar
have source `calendar` and are keyed by (calendar, iCalendar UID, recurrence id), so a sync
upserts them without touching the rest of the scheduling code.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, Index, UniqueConstraint, false
from sqlmodel import Field, SQLModel

from app.domain.columns import created_field, fk, id_field, json_field, org_field, timestamp_field


class AvailabilityOverride(SQLModel, table=True):
    __tablename__ = "availability_overrides"
    __table_args__ = (UniqueConstraint("member_id", "day"),)

    id: uuid.UUID = id_field()
    organization_id: uuid.UUID = org_field()
    member_id: uuid.UUID = fk("members.id", nullable=False, ondelete="CASCADE", index=False)
    day: date = Field(sa_type=Date())
    # Empty list: a day off. Otherwise the hours that day, in the member's time zone.
    hours: list[Any] = json_field(list)
    note: str | None = Field(default=None, max_length=500)
    created_at: datetime = created_field()


class BusyBlock(SQLModel, table=True):
    __tablename__ = "busy_blocks"
    __table_args__ = (
        UniqueConstraint("member_id", "source", "external_id"),
        UniqueConstraint("calendar_id", "uid", "recurrence_id"),
        Index("ix_busy_blocks_member_time", "organization_id", "member_id", "end_at", "start_at"),
        Index("ix_busy_blocks_calendar_remote", "calendar_id", "remote_id"),
    )

    id: uuid.UUID = id_field()
    organization_id: uuid.UUID = org_field()
    member_id: uuid.UUID = fk("members.id", nullable=False, ondelete="CASCADE", index=False)
    start_at: datetime = timestamp_field(nullable=False)
    end_at: datetime = timestamp_field(nullable=False)
    source: str = Field(default="manual", max_length=32)
    external_id: str | None = Field(default=None, max_length=300)
    title: str | None = Field(default=None, max_length=200)
    # Mirrored from a calendar: which one, the event's UID and occurrence ('' when it does not
    # recur), the provider's id of the event, and whether it is only tentative.
    calendar_id: uuid.UUID | None = fk("member_calendars.id", ondelete="CASCADE", index=False)
    uid: str | None = Field(default=None, max_length=1000)
    recurrence_id: str | None = Field(default=None, max_length=64)
    remote_id: str | None = Field(default=None, max_length=1000)
    tentative: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    synced_at: datetime | None = timestamp_field()
    created_at: datetime = created_field()


class CandidateWindow(SQLModel, table=True):
    __tablename__ = "candidate_windows"
    __table_args__ = (
        Index("ix_candidate_windows_application", "organization_id", "application_id", "start_at"),
    )

    id: uuid.UUID = id_field()
    organization_id: uuid.UUID = org_field()
    application_id: uuid.UUID = fk(
        "applications.id", nullable=False, ondelete="CASCADE", index=False
    )
    start_at: datetime = timestamp_field(nullable=False)
    end_at: datetime = timestamp_field(nullable=False)
    time_zone: str = Field(max_length=64)
    entered_by: str = Field(max_length=16, description="recruiter or candidate")
    created_at: datetime = created_field()


class AvailabilityLink(SQLModel, table=True):
    __tablename__ = "availability_links"

    id: uuid.UUID = id_field()
    organization_id: uuid.UUID = org_field()
    application_id: uuid.UUID = fk(
        "applications.id", nullable=False, ondelete="CASCADE", index=True
    )
    time_zone: str = Field(max_length=64)
    created_by_id: uuid.UUID | None = fk("members.id", ondelete="SET NULL", index=False)
    expires_at: datetime = timestamp_field(nullable=False)
    used_at: datetime | None = timestamp_field()
    created_at: datetime = created_field()
