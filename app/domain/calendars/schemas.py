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
SettableStatus = Literal["active", "paused"]
CalendarSyncStatus = Literal["ok", "syncing", "failing", "never_synced"]
PushMode = Literal["channel", "polling", "none"]
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
    """A new calendar connection: organization-wide (admins) or one member's own account."""

    provider: Provider = Field(description="google, microsoft or caldav")
    scope: Scope | None = Field(
        default=None,
        description="organization (an admin connects everyone's mailbox) or member (one "
        "member's own account); left out: organization for google and microsoft, member for "
        "caldav",
    )
    name: ShortText | None = Field(
        default=None, description="A name to tell the connection apart; left out: a default"
    )
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
    """Changes to a calendar connection; a field left out stays as it is."""

    name: ShortText | None = Field(default=None, description="The connection's new name")
    credentials: dict[CredentialName, Secret] | None = Field(
        default=None,
        max_length=10,
        description="Every credential, replacing the stored ones (encrypted, never shown again)",
    )
    invitations: Invitations | None = Field(
        default=None,
        description="Who invites people to an interview: hireloop or provider",
    )
    video: StrictBool | None = Field(
        default=None, description="Add a Google Meet or Teams link to each interview"
    )
    status: SettableStatus | None = Field(
        default=None,
        description="paused: nothing is read or written until active again; setting active on "
        "a connection that needs reauthorization takes new credentials",
    )

    _not_null = field_validator(
        "name", "credentials", "invitations", "video", "status", mode="before"
    )(refuse_null)


class ConnectionErrorPublic(PublicModel):
    """One recent error of a calendar connection."""

    at: datetime = Field(description="When it happened (UTC)")
    source: str = Field(
        description="What failed: sync (reading a calendar), write (writing an interview to "
        "it) or push channel (the provider's change notifications)"
    )
    reason: str = Field(description="The error, as the provider or Hireloop stated it")


class UnmatchedMember(PublicModel):
    """A member an organization-wide connection found no mailbox for, and why."""

    member_id: uuid.UUID = Field(description="The member")
    email: str = Field(description="The email looked for in the provider's directory")
    reason: str = Field(description="Why no calendar of theirs could be read")


class CalendarHealth(PublicModel):
    """How reading one calendar goes."""

    last_synced_at: datetime | None = Field(
        description="The last complete read of the calendar (UTC); null before the first"
    )
    lag_seconds: float | None = Field(
        description="How many seconds ago the calendar was last read in full or "
        "incrementally; null before the first read"
    )
    status: CalendarSyncStatus = Field(
        description="ok; syncing (a read under way, or the first one due); failing (the last "
        "read failed: see last_error); never_synced (not busy time, so never read)"
    )
    last_error: str | None = Field(
        default=None, description="Why the last read failed; null when it did not"
    )
    last_error_at: datetime | None = Field(
        default=None, description="When the last read failed (UTC); null when it did not"
    )
    push: PushMode = Field(
        description="channel: the provider pushes changes; polling: read every few minutes; "
        "none: not read (not busy time)"
    )
    channel_expires_at: datetime | None = Field(
        default=None,
        description="When the provider's push channel ends unless renewed (UTC); null without one",
    )


class MemberCalendarPublic(PublicModel):
    """One of a member's calendars, read through a calendar connection, and its health."""

    id: uuid.UUID = Field(description="The calendar's id")
    connection_id: uuid.UUID = Field(description="The calendar connection it is read through")
    member_id: uuid.UUID = Field(description="Whose calendar it is")
    provider: Provider = Field(description="The connection's provider")
    name: str = Field(description="The calendar's name in the provider")
    primary: bool = Field(description="The member's main calendar in that account")
    can_write: bool = Field(description="The account may write events to it")
    busy: bool = Field(description="Counts as busy time when interviews are suggested")
    receives_interviews: bool = Field(description="Interviews are written to this calendar")
    time_zone: str | None = Field(
        default=None, description="The calendar's IANA time zone; null when the provider gives none"
    )
    health: CalendarHealth = Field(description="How reading it goes")


class MemberCalendarUpdate(StrictModel):
    """Changes to one of a member's calendars; a field left out stays as it is."""

    busy: StrictBool | None = Field(
        default=None, description="Whether it counts as busy time when interviews are suggested"
    )
    receives_interviews: StrictBool | None = Field(
        default=None,
        description="true makes this the one calendar that receives the member's interviews",
    )

    _not_null = field_validator("busy", "receives_interviews", mode="before")(refuse_null)


class CalendarConnectionHealth(PublicModel):
    """How a calendar connection is doing across its calendars."""

    calendars: int = Field(description="Calendars read through the connection")
    failing_calendars: int = Field(description="Of those, the ones whose last read failed")
    last_synced_at: datetime | None = Field(
        description="The most recent complete read of any of its busy calendars (UTC); null "
        "before the first"
    )
    lag_seconds: float | None = Field(
        description="Age in seconds of the stalest busy calendar's last read; null until every "
        "busy calendar has been read once"
    )
    pending_writes: int = Field(description="Interview writes waiting or in flight")
    failed_writes: int = Field(description="Interview writes the provider refused")
    recent_errors: list[ConnectionErrorPublic] = Field(description="The five newest errors")
    unmatched_members: list[UnmatchedMember] = Field(
        default_factory=list,
        description="Organization-wide: members whose email matched no mailbox, and why",
    )


class CalendarConnectionPublic(PublicModel):
    """A calendar account connected to Hireloop: organization-wide, or one member's own."""

    id: uuid.UUID = Field(description="The connection's id")
    provider: Provider = Field(description="google, microsoft or caldav")
    scope: Scope = Field(
        description="organization (every member's mailbox) or member (one member's account)"
    )
    member_id: uuid.UUID | None = Field(
        default=None, description="Whose account a member connection is; null: organization-wide"
    )
    name: str = Field(description="The connection's name in Hireloop")
    status: ConnectionStatus = Field(
        description="active; needs_reauth (the provider refused the credentials: new ones or a "
        "new consent are needed); paused (nothing is read or written)"
    )
    status_reason: str | None = Field(
        default=None, description="Why it needs reauthorization or was paused; null when active"
    )
    account_email: str | None = Field(
        default=None, description="The account's email in the provider, when known"
    )
    base_url: str | None = Field(
        default=None, description="The provider's API root; null: its default"
    )
    invitations: Invitations = Field(
        description="Who invites people to an interview written to these calendars: hireloop "
        "or provider"
    )
    video: bool = Field(description="A Google Meet or Teams link is added to each interview")
    access: Access = Field(
        default="read_write",
        description="What the account's grant allows (a member may grant less than was "
        "asked at consent). " + ACCESS_HELP,
    )
    credential_names: list[str] = Field(
        default_factory=list, description="Which credentials are set (never their values)"
    )
    health: CalendarConnectionHealth | None = Field(
        default=None, description="Null only in the answer that created the connection"
    )
    version: int = Field(
        default=1, description="Goes up by one with every change (for If-Match / expectedVersion)"
    )
    created_at: datetime = Field(description="When the connection was made (UTC)")
    updated_at: datetime | None = Field(
        default=None, description="When it last changed (UTC); null if never"
    )


class OAuthStart(StrictModel):
    """What starting a member's own Google or Microsoft calendar connection asks for."""

    provider: Literal["google", "microsoft"] = Field(description="google or microsoft")
    access: Access = Field(default="read_write", description="What to ask for. " + ACCESS_HELP)
    login_hint: Annotated[str, StringConstraints(max_length=320, pattern=r"^[^\x00]*$")] | None = (
        Field(default=None, description="The account's email, to preselect it at consent")
    )


class OAuthStarted(PublicModel):
    """Where to send the member to grant calendar access, and until when."""

    consent_url: str = Field(description="Send the member here to grant access")
    expires_at: datetime = Field(description="The consent must be completed before this")
