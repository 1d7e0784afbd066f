"""What goes in and out for booking links: the recruiter's request, the candidate's page."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StrictBool, StringConstraints

from app.domain.interviews.schemas import StageRequest
from app.domain.types import Integer, LongText, PublicModel, ShortText, StrictModel, TimeZone, Url

LinkStatus = Literal["open", "booked", "cancelled", "withdrawn", "expired"]
OptionKey = Annotated[str, StringConstraints(min_length=1, max_length=32, pattern=r"^[a-f0-9]+$")]


class BookingLinkCreate(StrictModel):
    application_id: uuid.UUID
    stages: list[StageRequest] = Field(min_length=1, max_length=6)
    time_zone: TimeZone | None = Field(
        default=None,
        description="The candidate's time zone for the page; default: their offered windows' "
        "or profile's zone",
    )
    buffer_before_minutes: Integer = Field(default=0, ge=0, le=120)
    buffer_after_minutes: Integer = Field(default=0, ge=0, le=120)
    max_gap_minutes: Integer = Field(default=60, ge=0, le=480)
    allow_back_to_back: StrictBool = True
    expires_in_hours: Integer | None = Field(
        default=None, ge=1, le=24 * 30, description="Default: the service setting"
    )
    location: ShortText | None = None
    video_url: Url | None = None


class OptionStage(PublicModel):
    name: str
    start_at: datetime
    end_at: datetime
    local_start: datetime = Field(description="In the candidate's time zone")
    local_end: datetime
    interviewer_ids: list[uuid.UUID]
    interviewer_names: list[str]
    trainee_ids: list[uuid.UUID] = Field(
        default=[], description="Interviewers in training who join as an extra seat"
    )
    trainee_names: list[str] = []


class BookingOption(PublicModel):
    key: str = Field(description="What the candidate sends back to pick this option")
    rank: int
    start_at: datetime
    end_at: datetime
    local_start: datetime
    local_end: datetime
    stages: list[OptionStage]


class BookedInterview(PublicModel):
    interview_id: uuid.UUID
    kind: str
    start_at: datetime
    end_at: datetime
    local_start: datetime
    local_end: datetime
    status: str


class HoldPublic(PublicModel):
    id: uuid.UUID
    option_key: str
    member_id: uuid.UUID
    start_at: datetime
    end_at: datetime
    expires_at: datetime
    released_at: datetime | None
    release_reason: str | None
    calendar_written: bool = Field(description="The tentative event stands in their calendar")


class BookingLinkPublic(PublicModel):
    """The recruiter's view of a link."""

    id: uuid.UUID
    application_id: uuid.UUID
    status: LinkStatus
    time_zone: str
    expires_at: datetime
    holds_expire_at: datetime
    booked_at: datetime | None
    changes: int
    interview_ids: list[uuid.UUID]
    options: list[BookingOption]
    holds: list[HoldPublic]
    created_at: datetime


class BookingLinkCreated(BookingLinkPublic):
    token: str = Field(description="Shown once; the link is the only way the candidate books")
    url: str
    page_url: str


class BookingView(PublicModel):
    """What the candidate sees: the options while the link is open, the booked panel after."""

    status: LinkStatus
    organization_name: str
    role_title: str
    candidate_first_name: str
    time_zone: str
    expires_at: datetime
    options: list[BookingOption] = Field(
        description="To book while open; to move to once booked (when changes are allowed)"
    )
    booked: list[BookedInterview]
    can_change: bool
    changes_left: int
    change_deadline: datetime | None = Field(
        default=None, description="The last moment a booked panel can be moved or cancelled"
    )
    message: str | None = None


class BookingPick(StrictModel):
    option_key: OptionKey


class BookingCancel(StrictModel):
    reason: LongText | None = None


class BookingOutcome(PublicModel):
    """Booked (or moved), or not: then the option was taken since the page was shown and
    `booking.options` holds the next best ones."""

    done: bool
    message: str
    booking: BookingView


_POLICY_NULL = "; null returns to the deployment's default"


class BookingPolicyPublic(PublicModel):
    """The policy booking links follow in this organization, as in force now."""

    notice_hours: int = Field(
        description="The earliest option offered is at least this many hours away"
    )
    horizon_days: int = Field(description="Options are offered up to this many days ahead")
    options: int = Field(description="How many ranked options a link offers at once")
    link_hours: int = Field(
        description="How long a new link lets the candidate book, unless it says otherwise"
    )
    hold_hours: int = Field(
        description="How long offered options are held (never past the link's expiry)"
    )
    change_notice_hours: int = Field(
        description="The candidate may move or cancel until this many hours before the first "
        "interview"
    )
    max_changes: int = Field(description="How many times the candidate may move the panel")
    organization_set: list[str] = Field(
        description="The fields this organization set; the others are the deployment's defaults"
    )
    defaults: dict[str, int] = Field(description="The deployment's default for each field")


class BookingPolicyUpdate(StrictModel):
    """PATCH: a field left out stays as it is."""

    notice_hours: Integer | None = Field(default=None, ge=0, le=24 * 30, description=_POLICY_NULL)
    horizon_days: Integer | None = Field(default=None, ge=1, le=90, description=_POLICY_NULL)
    options: Integer | None = Field(default=None, ge=1, le=10, description=_POLICY_NULL)
    link_hours: Integer | None = Field(default=None, ge=1, le=24 * 30, description=_POLICY_NULL)
    hold_hours: Integer | None = Field(default=None, ge=1, le=24 * 30, description=_POLICY_NULL)
    change_notice_hours: Integer | None = Field(
        default=None, ge=0, le=24 * 30, description=_POLICY_NULL
    )
    max_changes: Integer | None = Field(default=None, ge=0, le=10, description=_POLICY_NULL)
