"""What goes in and out for availability: overrides, busy blocks, candidate windows, links."""

from __future__ import annotations

import itertools
import uuid
from datetime import date, datetime, timedelta
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StringConstraints, field_validator, model_validator

from app.domain.organizations.schemas import TimeRange
from app.domain.types import Day, Integer, PublicModel, ShortText, StrictModel, Timestamp, TimeZone

MAX_RANGE = timedelta(days=90)
BusySource = Literal["manual", "google", "microsoft", "caldav"]


# Moments people plan with: far enough out for anything, and far enough from datetime's limit
# (year 9999) that the weeks added around a moment (caps, buffers, ranges) stay valid dates.
EARLIEST_YEAR, LATEST_YEAR = 1970, 2999


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("needs a time zone offset (e.g. 2026-12-01T09:00:00+01:00)")
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ValueError(f"must lie between the years {EARLIEST_YEAR} and {LATEST_YEAR}")
    return value


AwareDatetime = Annotated[Timestamp, AfterValidator(_aware)]


class Interval(StrictModel):
    start_at: AwareDatetime
    end_at: AwareDatetime

    @model_validator(mode="after")
    def _ordered(self) -> Interval:
        if self.end_at <= self.start_at:
            raise ValueError("end_at must be after start_at")
        if self.end_at - self.start_at > MAX_RANGE:
            raise ValueError("an interval may span at most 90 days")
        return self


class OverrideSet(StrictModel):
    day: Day
    hours: list[TimeRange] = Field(default_factory=list, description="Empty: a day off")
    note: ShortText | None = None


class OverridePublic(PublicModel):
    id: uuid.UUID
    member_id: uuid.UUID
    day: date
    hours: list[dict[str, str]]
    note: str | None


class BusyBlockCreate(Interval):
    source: BusySource = "manual"
    external_id: (
        Annotated[str, StringConstraints(min_length=1, max_length=300, pattern=r"^[^\x00]*$")]
        | None
    ) = None
    title: ShortText | None = None


class BusyBlockPublic(PublicModel):
    id: uuid.UUID
    member_id: uuid.UUID
    start_at: datetime
    end_at: datetime
    source: str
    external_id: str | None
    title: str | None


class WindowsSet(StrictModel):
    """The candidate's offered windows; the set replaces any earlier windows."""

    time_zone: TimeZone
    windows: list[Interval] = Field(min_length=1, max_length=50)

    @field_validator("windows")
    @classmethod
    def _no_overlap(cls, windows: list[Interval]) -> list[Interval]:
        ordered = sorted(windows, key=lambda w: w.start_at)
        for a, b in itertools.pairwise(ordered):
            if b.start_at < a.end_at:
                raise ValueError(
                    f"windows overlap ({a.start_at.isoformat()} and {b.start_at.isoformat()})"
                )
        return windows


class WindowPublic(PublicModel):
    id: uuid.UUID
    start_at: datetime
    end_at: datetime
    time_zone: str
    entered_by: str


class AvailabilityLinkCreate(StrictModel):
    time_zone: TimeZone = Field(description="The candidate's time zone, shown on the page")
    expires_in_hours: Integer | None = Field(default=None, ge=1, le=24 * 30)


class AvailabilityLinkPublic(PublicModel):
    id: uuid.UUID
    application_id: uuid.UUID
    url: str
    token: str
    expires_at: datetime


class AvailabilityLinkView(PublicModel):
    """What the candidate sees when they open the link: nothing but what they need."""

    role_title: str
    candidate_first_name: str
    organization_name: str
    time_zone: str
    expires_at: datetime
    instructions: str
