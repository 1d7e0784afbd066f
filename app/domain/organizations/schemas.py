"""What goes in and out for organizations, members and API keys."""

from __future__ import annotations

import uuid
from datetime import datetime
from itertools import pairwise
from typing import Annotated, Literal

from pydantic import (
    EmailStr,
    Field,
    StrictBool,
    StringConstraints,
    field_validator,
    model_validator,
)

from app.domain.types import (
    ClockTime,
    Integer,
    LocalTime,
    LongText,
    Name,
    PublicModel,
    QueryFlag,
    ShortText,
    StrictModel,
    TimeZone,
    Url,
    Weekday,
    refuse_null,
)

PermissionSetName = Literal["admin", "recruiter", "hiring_manager", "interviewer"]
Cadence = Literal["realtime", "daily", "weekly"]
Channel = Literal["email", "slack", "webhook", "none"]


class TimeRange(StrictModel):
    start: ClockTime
    end: ClockTime

    @model_validator(mode="after")
    def _ordered(self) -> TimeRange:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self


WorkingHours = dict[Weekday, list[TimeRange]]


def _no_overlap(hours: WorkingHours | None) -> WorkingHours | None:
    if hours is None:
        return None
    for day, ranges in hours.items():
        ordered = sorted(ranges, key=lambda r: r.start)
        for earlier, later in pairwise(ordered):
            if later.start < earlier.end:
                raise ValueError(f"the hours on {day} overlap")
    return hours


def default_working_hours() -> dict[str, list[dict[str, str]]]:
    return {d: [{"start": "09:00", "end": "17:00"}] for d in ("mon", "tue", "wed", "thu", "fri")}


InterviewCalendar = Literal["interviewers", "organizer"]
INTERVIEW_CALENDAR_HELP = (
    "Where interviews are written in connected calendars: interviewers (each interviewer's own "
    "interview calendar) or organizer (once, in the calendar of whoever scheduled it, with the "
    "interviewers as attendees)"
)


RETENTION_HELP = (
    "Candidates with no activity for this many months are anonymised by the retention job "
    "(docs/privacy.md)"
)
RECRUITERS_ERASE_HELP = "Whether recruiters, and not only admins, may erase candidates"
LOGO_HELP = (
    "An https URL of the logo shown on candidate pages (docs/pages.md); the only asset those "
    "pages load from another host"
)
ACCENT_HELP = "The accent colour of candidate pages, as #rrggbb"
CONTACT_HELP = (
    "Whether a candidate page for a link that no longer works names the recruiter's email "
    "address (their name is always shown)"
)
HttpsUrl = Annotated[
    str,
    StringConstraints(
        max_length=500, pattern=r"^https://[A-Za-z0-9.\-]+(:[0-9]{1,5})?(/[^\s\x00\"'<>]*)?$"
    ),
]
AccentColor = Annotated[str, StringConstraints(pattern=r"^#[0-9a-fA-F]{6}$")]


class OrganizationPublic(PublicModel):
    id: uuid.UUID
    name: str
    time_zone: str
    feedback_due_hours: int
    close_the_loop_days: int
    culture_notes: str | None
    slack_webhook_configured: bool = Field(
        default=False,
        description="Whether a Slack incoming-webhook URL is set (the URL itself is a secret "
        "and is never shown)",
    )
    interview_calendar: InterviewCalendar = Field(
        default="interviewers", description=INTERVIEW_CALENDAR_HELP
    )
    candidate_retention_months: int | None = Field(default=None, description=RETENTION_HELP)
    recruiters_may_erase: bool = Field(default=False, description=RECRUITERS_ERASE_HELP)
    logo_url: str | None = Field(default=None, description=LOGO_HELP)
    accent_color: str | None = Field(default=None, description=ACCENT_HELP)
    show_recruiter_contact: bool = Field(default=True, description=CONTACT_HELP)
    created_at: datetime
    updated_at: datetime


class OrganizationUpdate(StrictModel):
    name: ShortText | None = None
    time_zone: TimeZone | None = None
    feedback_due_hours: Integer | None = Field(default=None, ge=1, le=720)
    close_the_loop_days: Integer | None = Field(default=None, ge=1, le=365)
    culture_notes: (
        Annotated[str, StringConstraints(max_length=4000, pattern=r"^[^\x00]*$")] | None
    ) = Field(default=None, description="Shown to candidates in their interview prep")
    slack_webhook_url: Url | None = Field(
        default=None,
        description="Slack incoming webhook for members who chose Slack and set none of their "
        "own; null removes it",
    )
    interview_calendar: InterviewCalendar | None = Field(
        default=None, description=INTERVIEW_CALENDAR_HELP
    )
    candidate_retention_months: Integer | None = Field(
        default=None, ge=1, le=240, description=RETENTION_HELP + "; null keeps them"
    )
    recruiters_may_erase: StrictBool | None = Field(default=None, description=RECRUITERS_ERASE_HELP)
    logo_url: HttpsUrl | None = Field(default=None, description=LOGO_HELP + "; null removes it")
    accent_color: AccentColor | None = Field(
        default=None, description=ACCENT_HELP + "; null removes it"
    )
    show_recruiter_contact: StrictBool | None = Field(default=None, description=CONTACT_HELP)

    _required = field_validator(
        "name",
        "time_zone",
        "feedback_due_hours",
        "close_the_loop_days",
        "interview_calendar",
        "recruiters_may_erase",
        "show_recruiter_contact",
        mode="before",
    )(refuse_null)


class MemberCreate(StrictModel):
    email: EmailStr
    name: ShortText
    permission_set: PermissionSetName
    title: ShortText | None = None
    bio: LongText | None = None
    time_zone: TimeZone = "UTC"
    working_hours: WorkingHours | None = None
    max_interviews_per_day: Integer | None = Field(default=None, ge=0, le=24)
    max_interviews_per_week: Integer | None = Field(default=None, ge=0, le=100)

    _hours = field_validator("working_hours")(_no_overlap)


class MemberUpdate(StrictModel):
    name: ShortText | None = None
    title: ShortText | None = None
    bio: LongText | None = None
    permission_set: PermissionSetName | None = None
    time_zone: TimeZone | None = None
    working_hours: WorkingHours | None = None
    max_interviews_per_day: Integer | None = Field(default=None, ge=0, le=24)
    max_interviews_per_week: Integer | None = Field(default=None, ge=0, le=100)
    is_active: StrictBool | None = None

    _hours = field_validator("working_hours")(_no_overlap)
    _required = field_validator("name", "permission_set", "time_zone", "is_active", mode="before")(
        refuse_null
    )


class PreferencesUpdate(StrictModel):
    update_cadence: Cadence | None = None
    update_channel: Channel | None = None
    update_local_time: LocalTime | None = None
    delegate_id: uuid.UUID | None = None
    slack_webhook_url: Url | None = None

    _required = field_validator(
        "update_cadence", "update_channel", "update_local_time", mode="before"
    )(refuse_null)


class PreferencesPublic(PublicModel):
    update_cadence: Cadence
    update_channel: Channel
    update_local_time: LocalTime
    delegate_id: uuid.UUID | None
    slack_webhook_url: str | None = Field(
        description="Shown only to the member and to admins: the URL is a credential"
    )
    slack_webhook_configured: bool = False


class MemberPublic(PublicModel):
    id: uuid.UUID
    organization_id: uuid.UUID
    email: str
    name: str
    title: str | None
    bio: str | None
    permission_set: PermissionSetName
    time_zone: str
    working_hours: dict[str, list[dict[str, str]]]
    max_interviews_per_day: int | None
    max_interviews_per_week: int | None
    update_cadence: Cadence
    update_channel: Channel
    update_local_time: LocalTime
    delegate_id: uuid.UUID | None
    is_active: bool
    version: int
    created_at: datetime
    updated_at: datetime


class MemberFilters(StrictModel):
    permission_set: PermissionSetName | None = None
    q: Name | None = None
    include_inactive: QueryFlag = False


class ApiKeyCreate(StrictModel):
    name: ShortText
    member_id: uuid.UUID | None = Field(
        default=None, description="Admins may issue a key to another member; default: yourself"
    )
    expires_in_days: Integer | None = Field(
        default=None,
        ge=1,
        le=3650,
        description="The key stops working this many days from now; left out: it never expires",
    )


class ApiKeyRotate(StrictModel):
    grace_hours: Integer = Field(
        default=24,
        ge=0,
        le=24 * 30,
        description="How long the old key keeps working beside the new one (0: it stops now)",
    )


class ApiKeyPublic(PublicModel):
    id: uuid.UUID
    member_id: uuid.UUID
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None = Field(description="When the key last authenticated a request")
    revoked_at: datetime | None
    expires_at: datetime | None = Field(
        default=None, description="When the key stops working; null: never"
    )


class ApiKeyCreated(ApiKeyPublic):
    key: str = Field(description="The key itself. It is shown only in this answer; store it now.")
