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
# What a link template links to (app/domain/organizations/link_templates.py).
LinkKind = Literal["slate", "scorecard", "packet", "interview", "application"]


class TimeRange(StrictModel):
    """A span of one day on the member's clock, from start to end."""

    start: ClockTime = Field(description="HH:MM on the member's clock")
    end: ClockTime = Field(description="HH:MM, after start")

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
    """Your organization and its settings."""

    id: uuid.UUID = Field(description="The organization's id")
    name: str = Field(description="The organization's name, as candidates and members see it")
    time_zone: str = Field(
        description="The organization's IANA time zone, the default for its members"
    )
    feedback_due_hours: int = Field(
        description="How many hours after an interview ends a scorecard is due"
    )
    close_the_loop_days: int = Field(
        description="How many days after their last interview a candidate should hear the outcome (the close-the-loop deadline)"
    )
    culture_notes: str | None = Field(
        description="Shown to candidates in their interview prep; null: none"
    )
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
    created_at: datetime = Field(description="When the organization was made, in UTC")
    updated_at: datetime = Field(description="When its settings last changed, in UTC")


class OrganizationUpdate(StrictModel):
    """What to change in your organization's settings (admins); what is left out stays."""

    name: ShortText | None = Field(default=None, description="The organization's name")
    time_zone: TimeZone | None = Field(
        default=None, description="An IANA time zone, e.g. Europe/Berlin"
    )
    feedback_due_hours: Integer | None = Field(
        default=None,
        ge=1,
        le=720,
        description="How many hours after an interview ends a scorecard is due (1 to 720)",
    )
    close_the_loop_days: Integer | None = Field(
        default=None,
        ge=1,
        le=365,
        description="How many days after their last interview a candidate should hear the outcome (the close-the-loop deadline) (1 to 365)",
    )
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
    """A new member of your organization (admins)."""

    email: EmailStr = Field(
        description="Their email address, unique in the organization; messages go there"
    )
    name: ShortText = Field(description="Their name")
    permission_set: PermissionSetName = Field(description="What they may do")
    title: ShortText | None = Field(
        default=None, description="Their job title, shown to candidates in interview prep"
    )
    bio: LongText | None = Field(
        default=None, description="A short introduction, shown to candidates in interview prep"
    )
    time_zone: TimeZone = Field(
        default="UTC", description="An IANA time zone, e.g. Europe/Berlin; default UTC"
    )
    working_hours: WorkingHours | None = Field(
        default=None,
        description="When they can interview, per weekday on their own clock; default: 09:00 to 17:00, Monday to Friday",
    )
    max_interviews_per_day: Integer | None = Field(
        default=None,
        ge=0,
        le=24,
        description="The most interviews scheduling gives them in a day; null: no limit",
    )
    max_interviews_per_week: Integer | None = Field(
        default=None,
        ge=0,
        le=100,
        description="The most interviews scheduling gives them in a week; null: no limit",
    )

    _hours = field_validator("working_hours")(_no_overlap)


class MemberUpdate(StrictModel):
    """What to change about a member; what is left out stays."""

    name: ShortText | None = Field(default=None, description="Their name")
    title: ShortText | None = Field(default=None, description="Their job title; null removes it")
    bio: LongText | None = Field(default=None, description="A short introduction; null removes it")
    permission_set: PermissionSetName | None = Field(
        default=None, description="What they may do (admins change it)"
    )
    time_zone: TimeZone | None = Field(
        default=None, description="An IANA time zone, e.g. Europe/Berlin"
    )
    working_hours: WorkingHours | None = Field(
        default=None, description="When they can interview, per weekday on their own clock"
    )
    max_interviews_per_day: Integer | None = Field(
        default=None, ge=0, le=24, description="The most interviews in a day; null: no limit"
    )
    max_interviews_per_week: Integer | None = Field(
        default=None, ge=0, le=100, description="The most interviews in a week; null: no limit"
    )
    is_active: StrictBool | None = Field(
        default=None,
        description="false deactivates the member: they can no longer sign in and their API keys are revoked",
    )

    _hours = field_validator("working_hours")(_no_overlap)
    _required = field_validator("name", "permission_set", "time_zone", "is_active", mode="before")(
        refuse_null
    )


class PreferencesUpdate(StrictModel):
    """What to change in a member's update preferences; what is left out stays."""

    update_cadence: Cadence | None = Field(default=None, description="How often they get a digest")
    update_channel: Channel | None = Field(
        default=None, description="Where updates go; none: no digest"
    )
    update_local_time: LocalTime | None = Field(
        default=None,
        description="HH:MM on the member's clock when a daily or weekly digest goes out",
    )
    delegate_id: uuid.UUID | None = Field(
        default=None,
        description="A member who decides on slates and after interviews in their place while they are away; null removes it",
    )
    slack_webhook_url: Url | None = Field(
        default=None,
        description="Their own Slack incoming webhook; null removes it (the organization's is used)",
    )

    _required = field_validator(
        "update_cadence", "update_channel", "update_local_time", mode="before"
    )(refuse_null)


class PreferencesPublic(PublicModel):
    """How and when a member hears of changes."""

    update_cadence: Cadence = Field(description="How often they get a digest")
    update_channel: Channel = Field(description="Where updates go; none: no digest")
    update_local_time: LocalTime = Field(
        description="HH:MM on the member's clock when a daily or weekly digest goes out"
    )
    delegate_id: uuid.UUID | None = Field(
        description="A member who decides on slates and after interviews in their place while they are away; null: none"
    )
    slack_webhook_url: str | None = Field(
        description="Shown only to the member and to admins: the URL is a credential"
    )
    slack_webhook_configured: bool = Field(
        default=False, description="Whether the member set their own Slack webhook"
    )


class MemberPublic(PublicModel):
    """A person in your organization, with their permission set, working hours and update preferences."""

    id: uuid.UUID = Field(description="The member's id")
    organization_id: uuid.UUID = Field(description="Their organization")
    email: str = Field(description="Their email address; messages go there")
    name: str = Field(description="Their name")
    title: str | None = Field(description="Their job title; null: none")
    bio: str | None = Field(description="A short introduction; null: none")
    permission_set: PermissionSetName = Field(description="What they may do")
    time_zone: str = Field(description="Their IANA time zone")
    working_hours: dict[str, list[dict[str, str]]] = Field(
        description="When they can interview, per weekday (mon to sun) on their own clock: a list of start and end times"
    )
    max_interviews_per_day: int | None = Field(
        description="The most interviews in a day; null: no limit"
    )
    max_interviews_per_week: int | None = Field(
        description="The most interviews in a week; null: no limit"
    )
    update_cadence: Cadence = Field(description="How often they get a digest")
    update_channel: Channel = Field(description="Where updates go; none: no digest")
    update_local_time: LocalTime = Field(
        description="HH:MM on their clock when a daily or weekly digest goes out"
    )
    delegate_id: uuid.UUID | None = Field(
        description="A member who decides on slates and after interviews in their place while they are away; null: none"
    )
    is_active: bool = Field(
        description="false: deactivated; they can no longer sign in and their API keys are revoked"
    )
    version: int = Field(
        description="Increases with every change; send it back as expected_version (If-Match) to update"
    )
    created_at: datetime = Field(description="When the member was added, in UTC")
    updated_at: datetime = Field(description="When they last changed, in UTC")


class MemberFilters(StrictModel):
    """Which members to list."""

    permission_set: PermissionSetName | None = Field(
        default=None, description="Only members with this permission set"
    )
    q: Name | None = Field(
        default=None, description="Only members whose name or email contains this"
    )
    include_inactive: QueryFlag = Field(default=False, description="Also deactivated members")


class ApiKeyCreate(StrictModel):
    """A new API key for integrations."""

    name: ShortText = Field(description="What the key is for, to tell keys apart")
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
    """How to replace an API key with a new one."""

    grace_hours: Integer = Field(
        default=24,
        ge=0,
        le=24 * 30,
        description="How long the old key keeps working beside the new one (0: it stops now)",
    )


class ApiKeyPublic(PublicModel):
    """An API key for integrations; the key itself is shown only when it is made."""

    id: uuid.UUID = Field(description="The API key's id")
    member_id: uuid.UUID = Field(description="The member the key acts as")
    name: str = Field(description="What the key is for")
    prefix: str = Field(
        description="The key's first characters, to recognise it (the rest is never shown again)"
    )
    created_at: datetime = Field(description="When the key was issued, in UTC")
    last_used_at: datetime | None = Field(description="When the key last authenticated a request")
    revoked_at: datetime | None = Field(description="When it was revoked, in UTC; null: it was not")
    expires_at: datetime | None = Field(
        default=None, description="When the key stops working; null: never"
    )


class ApiKeyCreated(ApiKeyPublic):
    """A new API key, with the key itself (shown only in this answer)."""

    key: str = Field(description="The key itself. It is shown only in this answer; store it now.")
