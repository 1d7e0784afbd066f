"""What goes in and out for booking links: the recruiter's request, the candidate's page."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StrictBool, StringConstraints

from app.domain.interviews.schemas import InterviewStatus, StageRequest
from app.domain.types import Integer, LongText, PublicModel, ShortText, StrictModel, TimeZone, Url

LinkStatus = Literal["open", "booked", "cancelled", "withdrawn", "expired"]
# Why a hold was let go: the panel was booked, the options were offered anew, the link expired,
# or the recruiter withdrew it.
HoldReleaseReason = Literal["booked", "reoffered", "expired", "withdrawn"]
# The fields of the booking policy an organization may set (app/domain/bookings/policy.py).
BookingPolicyField = Literal[
    "notice_hours",
    "horizon_days",
    "options",
    "link_hours",
    "hold_hours",
    "change_notice_hours",
    "max_changes",
]
OptionKey = Annotated[str, StringConstraints(min_length=1, max_length=32, pattern=r"^[a-f0-9]+$")]


class BookingLinkCreate(StrictModel):
    """A request for a booking link: the panel to offer the candidate and how to fit it."""

    application_id: uuid.UUID = Field(description="The application the panel is for")
    stages: list[StageRequest] = Field(
        min_length=1, max_length=6, description="The interviews of the panel, in order"
    )
    time_zone: TimeZone | None = Field(
        default=None,
        description="The candidate's time zone for the page; default: their offered windows' "
        "or profile's zone",
    )
    buffer_before_minutes: Integer = Field(
        default=0, ge=0, le=120, description="Free minutes each interviewer needs before"
    )
    buffer_after_minutes: Integer = Field(
        default=0, ge=0, le=120, description="Free minutes each interviewer needs after"
    )
    max_gap_minutes: Integer = Field(
        default=60, ge=0, le=480, description="The longest wait between two stages, in minutes"
    )
    allow_back_to_back: StrictBool = Field(
        default=True, description="Whether a stage may start as the one before ends"
    )
    expires_in_hours: Integer | None = Field(
        default=None,
        ge=1,
        le=24 * 30,
        description="How long the candidate may book, in hours; default: the booking policy's",
    )
    location: ShortText | None = Field(default=None, description="Where the interviews are held")
    video_url: Url | None = Field(default=None, description="The video call the interviews use")


class OptionStage(PublicModel):
    """One interview of an offered option: its time and its interviewers."""

    name: str = Field(description="The stage's name, as the request gave it")
    start_at: datetime = Field(description="When the interview begins (UTC)")
    end_at: datetime = Field(description="When the interview ends (UTC)")
    local_start: datetime = Field(description="When it begins, in the candidate's time zone")
    local_end: datetime = Field(description="When it ends, in the candidate's time zone")
    interviewer_ids: list[uuid.UUID] = Field(description="The members who interview")
    interviewer_names: list[str] = Field(description="Their names, in the same order")
    trainee_ids: list[uuid.UUID] = Field(
        default=[], description="Interviewers in training who join as an extra seat"
    )
    trainee_names: list[str] = Field(default=[], description="Their names, in the same order")


class BookingOption(PublicModel):
    """A time for the whole panel, offered through a booking link."""

    key: str = Field(description="What the candidate sends back to pick this option")
    rank: int = Field(description="1 for the best fit, then 2, 3 and so on")
    start_at: datetime = Field(description="When the first interview begins (UTC)")
    end_at: datetime = Field(description="When the last interview ends (UTC)")
    local_start: datetime = Field(description="The start, in the candidate's time zone")
    local_end: datetime = Field(description="The end, in the candidate's time zone")
    stages: list[OptionStage] = Field(description="The panel's interviews, in order")


class BookedInterview(PublicModel):
    """An interview the candidate booked, as their page shows it."""

    interview_id: uuid.UUID = Field(description="The interview's id")
    kind: str = Field(description="The stage, e.g. technical, team, hiring manager")
    start_at: datetime = Field(description="When it begins (UTC)")
    end_at: datetime = Field(description="When it ends (UTC)")
    local_start: datetime = Field(description="When it begins, in the candidate's time zone")
    local_end: datetime = Field(description="When it ends, in the candidate's time zone")
    status: InterviewStatus = Field(description="Where the interview stands")


class HoldPublic(PublicModel):
    """An offered option held on one interviewer's time until it is booked or let go."""

    id: uuid.UUID = Field(description="The hold's id")
    option_key: str = Field(description="The key of the option it holds")
    member_id: uuid.UUID = Field(description="The interviewer whose time is held")
    start_at: datetime = Field(description="When the held time begins (UTC)")
    end_at: datetime = Field(description="When the held time ends (UTC)")
    expires_at: datetime = Field(description="When the hold lapses unless the option is booked")
    released_at: datetime | None = Field(description="When it was let go; null while it holds")
    release_reason: HoldReleaseReason | None = Field(
        description="Why it was let go; null while it holds"
    )
    calendar_written: bool = Field(description="The tentative event stands in their calendar")


class BookingLinkPublic(PublicModel):
    """The recruiter's view of a booking link."""

    id: uuid.UUID = Field(description="The booking link's id")
    application_id: uuid.UUID = Field(description="The application the panel is for")
    status: LinkStatus = Field(description="Where the link stands")
    time_zone: str = Field(description="The candidate's time zone, in which the page shows times")
    expires_at: datetime = Field(description="When the candidate can no longer book")
    holds_expire_at: datetime = Field(description="When the holds on the options lapse")
    booked_at: datetime | None = Field(description="When the candidate booked; null until then")
    changes: int = Field(description="How many times the candidate moved the booked panel")
    interview_ids: list[uuid.UUID] = Field(
        description="The interviews booked, in order; empty until booked"
    )
    options: list[BookingOption] = Field(
        description="The options offered now, best first; empty once the link is not open"
    )
    holds: list[HoldPublic] = Field(description="The holds placed for the options, live or not")
    created_at: datetime = Field(description="When the link was made")


class BookingLinkCreated(BookingLinkPublic):
    """A new booking link, with its token: the only time the token is shown."""

    token: str = Field(description="Shown once; the link is the only way the candidate books")
    url: str = Field(description="The JSON API of the candidate's side; it carries the token")
    page_url: str = Field(description="The page to send the candidate; it carries the token")


class BookingView(PublicModel):
    """What the candidate sees: the options while the link is open, the booked panel after."""

    status: LinkStatus = Field(description="Where the link stands")
    organization_name: str = Field(description="The organization that sent the link")
    role_title: str = Field(description="The role the candidate applied for")
    candidate_first_name: str = Field(description="The candidate's first name, to greet them")
    time_zone: str = Field(description="The time zone the page shows times in")
    expires_at: datetime = Field(description="When the candidate can no longer book")
    options: list[BookingOption] = Field(
        description="To book while open; to move to once booked (when changes are allowed)"
    )
    booked: list[BookedInterview] = Field(description="The booked interviews; empty until booked")
    can_change: bool = Field(description="Whether the candidate may still move or cancel")
    changes_left: int = Field(description="How many more times the panel may be moved")
    change_deadline: datetime | None = Field(
        default=None, description="The last moment a booked panel can be moved or cancelled"
    )
    message: str | None = Field(default=None, description="A note for the candidate, if any")


class BookingPick(StrictModel):
    """The candidate's pick among the offered options."""

    option_key: OptionKey = Field(description="The key of the option picked")


class BookingCancel(StrictModel):
    """The candidate cancels the booked panel."""

    reason: LongText | None = Field(default=None, description="Why, for the recruiter")


class BookingOutcome(PublicModel):
    """Booked (or moved), or not: then the option was taken since the page was shown and
    `booking.options` holds the next best ones."""

    done: bool = Field(description="Whether the panel was booked (or moved)")
    message: str = Field(description="What happened, in a sentence for the candidate")
    booking: BookingView = Field(description="The page as it stands after the attempt")


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
    organization_set: list[BookingPolicyField] = Field(
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
