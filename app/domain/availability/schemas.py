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
# Where busy time typed into the API says it came from (`manual` unless a sync says otherwise).
BusySource = Literal["manual", "google", "microsoft", "caldav"]
# Where a stored busy block came from: those above, `calendar` for the busy time Hireloop
# mirrors from a connected calendar (app/domain/calendars/sync.py), or `hold` for an interviewer's
# time held for a booking link's option (app/domain/bookings/repository.py).
BusyBlockSource = Literal["manual", "google", "microsoft", "caldav", "calendar", "hold"]
# Who entered a candidate's windows: the recruiter on their behalf, or the candidate by a link.
WindowEnteredBy = Literal["recruiter", "candidate"]


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
    """A span of time, at most 90 days long, with a time zone offset on both ends."""

    start_at: AwareDatetime = Field(description="Where it begins, with a time zone offset")
    end_at: AwareDatetime = Field(
        description="Where it ends (after the start), with a time zone offset"
    )

    @model_validator(mode="after")
    def _ordered(self) -> Interval:
        if self.end_at <= self.start_at:
            raise ValueError("end_at must be after start_at")
        if self.end_at - self.start_at > MAX_RANGE:
            raise ValueError("an interval may span at most 90 days")
        return self


class OverrideSet(StrictModel):
    """One day's hours for a member in place of their weekly working hours."""

    day: Day = Field(description="The date, on the member's own calendar")
    hours: list[TimeRange] = Field(
        default_factory=list,
        description="HH:MM ranges in the member's time zone that day; empty: a day off",
    )
    note: ShortText | None = Field(default=None, description="Why, for the people who schedule")


class OverridePublic(PublicModel):
    """A date override: one day on which a member's hours differ from their weekly ones."""

    id: uuid.UUID = Field(description="The override's id")
    member_id: uuid.UUID = Field(description="The member whose hours it sets")
    day: date = Field(description="The date, on the member's own calendar")
    hours: list[dict[str, str]] = Field(
        description="HH:MM ranges (`start`, `end`) in the member's time zone; empty: a day off"
    )
    note: str | None = Field(description="Why, as entered; null when none was given")


class BusyBlockCreate(Interval):
    """Busy time to add for a member; a sync that sends its source and external id again
    replaces the block it sent before."""

    source: BusySource = Field(
        default="manual", description="Where the busy time comes from: `manual` when typed in"
    )
    external_id: (
        Annotated[str, StringConstraints(min_length=1, max_length=300, pattern=r"^[^\x00]*$")]
        | None
    ) = Field(
        default=None,
        description="The event's id in the source's calendar; with the source, what a sync "
        "upserts by",
    )
    title: ShortText | None = Field(default=None, description="What the time is taken by")


class BusyBlockPublic(PublicModel):
    """Time a member is busy: entered through the API or mirrored from a connected calendar."""

    id: uuid.UUID = Field(description="The busy block's id")
    member_id: uuid.UUID = Field(description="The member who is busy")
    start_at: datetime = Field(description="When the busy time begins (UTC)")
    end_at: datetime = Field(description="When the busy time ends (UTC)")
    source: BusyBlockSource = Field(
        description="Where it came from: `manual`, a sync's source, `calendar` for a "
        "connected calendar's events, or `hold` for time held for a booking link's option"
    )
    external_id: str | None = Field(
        description="The event's id in the source's calendar (for a hold: the hold's id); null "
        "when none was given, and for a connected calendar's events"
    )
    title: str | None = Field(description="What the time is taken by; null when not given")


class WindowsSet(StrictModel):
    """The candidate's offered windows; the set replaces any earlier windows."""

    time_zone: TimeZone = Field(description="The candidate's time zone (IANA name)")
    windows: list[Interval] = Field(
        min_length=1, max_length=50, description="When the candidate can meet; none may overlap"
    )

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
    """A window of time the candidate can meet in, offered for one application."""

    id: uuid.UUID = Field(
        description="The window's id; a new set of windows replaces the rows, ids and all"
    )
    start_at: datetime = Field(description="When the window opens (UTC)")
    end_at: datetime = Field(description="When the window closes (UTC)")
    time_zone: str = Field(description="The candidate's time zone when the window was offered")
    entered_by: WindowEnteredBy = Field(
        description="`candidate` through an availability link, `recruiter` on their behalf"
    )


class AvailabilityLinkCreate(StrictModel):
    """A request for an availability link to send a candidate."""

    time_zone: TimeZone = Field(description="The candidate's time zone, shown on the page")
    expires_in_hours: Integer | None = Field(
        default=None,
        ge=1,
        le=24 * 30,
        description="How long the link works, in hours; default: the service setting",
    )


class AvailabilityLinkPublic(PublicModel):
    """A single-use, expiring link through which a candidate offers the times they can meet."""

    id: uuid.UUID = Field(description="The availability link's id")
    application_id: uuid.UUID = Field(description="The application the windows are for")
    url: str = Field(description="The page to send the candidate; it carries the token")
    token: str = Field(
        description="The signed part of the link's address: whoever has it can offer windows "
        "once, until the link expires"
    )
    expires_at: datetime = Field(description="When the link stops working")


class AvailabilityLinkView(PublicModel):
    """What the candidate sees when they open the link: nothing but what they need."""

    role_title: str = Field(description="The role the candidate applied for")
    candidate_first_name: str = Field(description="The candidate's first name, to greet them")
    organization_name: str = Field(description="The organization that sent the link")
    time_zone: str = Field(description="The time zone the page shows times in")
    expires_at: datetime = Field(description="When the link stops working")
    instructions: str = Field(description="What to send back, in a sentence")
