"""Booking links and the holds they keep on interviewers' time.

A link offers a candidate a few ranked options for a whole panel. Each offered option is held:
one `booking_holds` row per (option, stage, interviewer), mirrored as a busy block (source
`hold`, external id the hold's id) so every suggestion and booking sees it as busy time, and
written as a tentative event to the interviewer's interview calendar. The calendar write lives
on the hold row itself and is leased like an interview's write (app/domain/calendars/writes.py).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Index, text
from sqlmodel import Field, SQLModel

from app.domain.columns import created_field, fk, id_field, json_field, org_field, timestamp_field


class BookingLink(SQLModel, table=True):
    __tablename__ = "booking_links"
    __table_args__ = (Index("ix_booking_links_open", "status", "expires_at"),)

    id: uuid.UUID = id_field()
    organization_id: uuid.UUID = org_field()
    application_id: uuid.UUID = fk(
        "applications.id", nullable=False, ondelete="CASCADE", index=True
    )
    created_by_id: uuid.UUID | None = fk("members.id", ondelete="SET NULL", index=False)
    time_zone: str = Field(max_length=64)
    # What the recruiter asked for (stages, buffers, gaps, location): suggestions are asked
    # again with it when an option is taken or the candidate reschedules.
    request: dict[str, Any] = json_field()
    # The options offered now, best first (see schemas.BookingOption for their shape).
    options: list[Any] = json_field(list)
    status: str = Field(default="open", max_length=16)  # open|booked|cancelled|withdrawn|expired
    expires_at: datetime = timestamp_field(nullable=False)
    holds_expire_at: datetime = timestamp_field(nullable=False)
    booked_at: datetime | None = timestamp_field()
    interview_ids: list[Any] = json_field(list)
    changes: int = 0
    version: int = 1
    created_at: datetime = created_field()
    updated_at: datetime = created_field()


class BookingHold(SQLModel, table=True):
    __tablename__ = "booking_holds"
    __table_args__ = (
        Index(
            "ix_booking_holds_expiry", "expires_at", postgresql_where=text("released_at IS NULL")
        ),
        Index("ix_booking_holds_due", "next_attempt_at", postgresql_where=text("pending")),
    )

    id: uuid.UUID = id_field()
    organization_id: uuid.UUID = org_field()
    link_id: uuid.UUID = fk("booking_links.id", nullable=False, ondelete="CASCADE", index=True)
    option_key: str = Field(max_length=32)
    member_id: uuid.UUID = fk("members.id", nullable=False, ondelete="CASCADE", index=False)
    start_at: datetime = timestamp_field(nullable=False)
    end_at: datetime = timestamp_field(nullable=False)
    expires_at: datetime = timestamp_field(nullable=False)
    released_at: datetime | None = timestamp_field()
    release_reason: str | None = Field(default=None, max_length=32)
    # The tentative event in the member's interview calendar (none without one): `put` while
    # held, `delete` once released; leased, done with no transaction open, then recorded.
    calendar_id: uuid.UUID | None = fk("member_calendars.id", ondelete="SET NULL", index=False)
    action: str | None = Field(default=None, max_length=16)
    pending: bool = False
    remote_id: str | None = Field(default=None, max_length=1000)
    etag: str | None = Field(default=None, max_length=300)
    attempts: int = 0
    next_attempt_at: datetime = created_field()
    claimed_until: datetime | None = timestamp_field()
    claimed_by: str | None = Field(default=None, max_length=100)
    last_error: str | None = Field(default=None, max_length=1000)
    failed: bool = False
    created_at: datetime = created_field()
