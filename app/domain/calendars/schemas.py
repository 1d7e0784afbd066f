from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StrictBool, StringConstraints, field_validator

from app.domain.types import PublicModel, ShortText, StrictModel, Url, refuse_null

Provider = Literal["google", "microsoft", "caldav"]
Scope = Literal["organization", "member"]
Invitations = Literal["hireloop", "provider"]
ConnectionStatus = Literal["active", "needs_reauth", "paused"]
Access = Literal["read_write", "free_busy"]
ACCESS_HELP = (
    "read_write: busy time read from events, interviews written, changes pushed. free_busy: "
    "only when the member is busy (Google: the calendar.freebusy scope, polled every "
    "calendar_poll_minutes; Microsoft: read-only Calendars.Read), and nothing is ever written "
    "(interviews reach the member by mail only)"
)

Secret = Annotated[str, StringConstraints(min_length=1, max_length=20000, pattern=r"^[^\x00]*$")]
CredentialName = Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,40}$")]

CREDENTIALS_HELP = (
    "Encrypted at rest, never shown again. google (organization): service_account_json, the "
    "service account's JSON key with domain-wide delegation; microsoft (organization): "
    "tenant_id, client_id, client_secret of an app with Calendars.ReadWrite application "
    "permission; caldav (member): url, username, password (an app password). Per-member "
    "Google and Microsoft connections are made through oauth/start, not with credentials."
)


class CalendarConnectionCreate(StrictModel):
    provider: Provider
    scope: Scope | None = Field(
        default=None,
        description="organization (an admin connects everyone's mailbox) or member (one "
        "member's own account); left out: organization for google and microsoft, member for "
        "caldav",
    )
    name: ShortText | None = None
    member_id: uuid.UUID | None = Field(
        default=None,
        description="Whose account a member connection is (admins only; left out: your own)",
    )
    credentials: dict[CredentialName, Secret] = Field(
        default_factory=dict, max_length=10, description=CREDENTIALS_HELP
    )
    base_url: Url | None = Field(
        default=None,
        description="The provider's API root when not its default (a sovereign cloud, a proxy)",
    )
    invitations: Invitations = Field(
        default="hireloop",
        description="Who invites people to an interview written to these calendars: hireloop "
        "(our mail with its .ics; the provider sends none) or provider (the calendar invites "
        "the attendees; our mail then carries no .ics)",
    )
    video: StrictBool = Field(
        default=False, description="Add a Google Meet or Teams link to each interview"
    )


class CalendarConnectionUpdate(StrictModel):
    name: ShortText | None = None
    credentials: dict[CredentialName, Secret] | None = Field(default=None, max_length=10)
    invitations: Invitations | None = None
    video: StrictBool | None = None
    status: Literal["active", "paused"] | None = Field(
        default=None,
        description="paused: nothing is read or written until active again; setting active on "
        "a connection that needs reauthorization takes new credentials",
    )

    _not_null = field_validator(
        "name", "credentials", "invitations", "video", "status", mode="before"
    )(refuse_null)


class ConnectionErrorPublic(PublicModel):
    at: datetime
    source: str
    reason: str


class UnmatchedMember(PublicModel):
    member_id: uuid.UUID
    email: str
    reason: str


class CalendarHealth(PublicModel):
    last_synced_at: datetime | None = Field(description="The last complete read of the calendar")
    lag_seconds: float | None = Field(
        description="How long ago the calendar was last read in full or incrementally"
    )
    status: Literal["ok", "syncing", "failing", "never_synced"]
    last_error: str | None = None
    last_error_at: datetime | None = None
    push: Literal["channel", "polling", "none"] = Field(
        description="channel: the provider pushes changes; polling: read every few minutes"
    )
    channel_expires_at: datetime | None = None


class MemberCalendarPublic(PublicModel):
    id: uuid.UUID
    connection_id: uuid.UUID
    member_id: uuid.UUID
    provider: Provider
    name: str
    primary: bool
    can_write: bool
    busy: bool = Field(description="Counts as busy time when interviews are suggested")
    receives_interviews: bool = Field(description="Interviews are written to this calendar")
    time_zone: str | None = None
    health: CalendarHealth


class MemberCalendarUpdate(StrictModel):
    busy: StrictBool | None = None
    receives_interviews: StrictBool | None = Field(
        default=None,
        description="true makes this the one calendar that receives the member's interviews",
    )

    _not_null = field_validator("busy", "receives_interviews", mode="before")(refuse_null)


class CalendarConnectionHealth(PublicModel):
    calendars: int
    failing_calendars: int
    last_synced_at: datetime | None
    lag_seconds: float | None = Field(
        description="Age of the stalest busy calendar's last read; null before the first read"
    )
    pending_writes: int
    failed_writes: int
    recent_errors: list[ConnectionErrorPublic]
    unmatched_members: list[UnmatchedMember] = Field(
        default_factory=list,
        description="Organization-wide: members whose email matched no mailbox, and why",
    )


class CalendarConnectionPublic(PublicModel):
    id: uuid.UUID
    provider: Provider
    scope: Scope
    member_id: uuid.UUID | None = None
    name: str
    status: ConnectionStatus
    status_reason: str | None = None
    account_email: str | None = None
    base_url: str | None = None
    invitations: Invitations
    video: bool
    access: Access = Field(
        default="read_write",
        description="What the account's grant allows (a member may grant less than was "
        "asked at consent). " + ACCESS_HELP,
    )
    credential_names: list[str] = Field(
        default_factory=list, description="Which credentials are set (never their values)"
    )
    health: CalendarConnectionHealth | None = None
    version: int = 1
    created_at: datetime
    updated_at: datetime | None = None


class OAuthStart(StrictModel):
    provider: Literal["google", "microsoft"]
    access: Access = Field(default="read_write", description="What to ask for. " + ACCESS_HELP)
    login_hint: Annotated[str, StringConstraints(max_length=320, pattern=r"^[^\x00]*$")] | None = (
        None
    )


class OAuthStarted(PublicModel):
    consent_url: str = Field(description="Send the member here to grant access")
    expires_at: datetime = Field(description="The consent must be completed before this")
