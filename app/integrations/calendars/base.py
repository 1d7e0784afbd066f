"""The one interface every calendar adapter implements, in provider-neutral terms.

The domain never sees a provider's payload. An adapter:
- gets an access token for an account (service account, app-only, per-member OAuth, or a
  CalDAV password) and keeps it fresh (`Grant`);
- lists the account's calendars;
- reads a calendar's events a page at a time, incrementally from a sync token where the
  provider has one, expanding recurring events into occurrences (`read_changes`);
- answers a free/busy question for a set of accounts just before a booking (`free_busy`);
- writes, moves and cancels our interview events idempotently and conditionally;
- opens push channels (Google `events.watch`, Graph subscriptions) and verifies what arrives.

Adding a provider is a package under app/integrations/calendars/ implementing
`CalendarAdapter`, and one entry in `registry.py`; nothing in app/domain changes.
Adapters know nothing of the domain: they import only this module, app/integrations/http.py,
app/integrations/outbound.py and app/settings.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol, runtime_checkable

import httpx

from app.integrations.http import VendorError
from app.settings import Settings

__all__ = ["VendorError"]

Provider = Literal["google", "microsoft", "caldav"]
# What a member's consent lets us do. `read_write`: read events, write interviews, open push
# channels. `free_busy`: only learn when the member is busy (Google's calendar.freebusy scope,
# read by polling freeBusy; Graph's read-only Calendars.Read); nothing is ever written.
Access = Literal["read_write", "free_busy"]

# --- errors ------------------------------------------------------------------------------


class CalendarError(VendorError):
    """A call to the calendar provider failed; `transient` ones are retried with backoff."""


def loggable(exc: Exception) -> str:
    """What a log line may say about a provider error: its kind and HTTP status, never its
    text (which can quote a calendar's URL, an account name or an event); the full reason is
    kept in the connection's health, for its admins."""
    status = getattr(exc, "status", None)
    return f"{type(exc).__name__}" + (f" (HTTP {status})" if status else "")


class NeedsReauth(CalendarError):
    """The grant is gone: a revoked or expired refresh token (`invalid_grant`), a password that
    no longer works, a service account that lost its delegation. The connection moves to
    `needs_reauth` and nothing is retried until someone reconnects."""

    def __init__(self, message: str) -> None:
        super().__init__(message, transient=False)


class SyncTokenInvalid(CalendarError):
    """The provider no longer accepts our sync token or delta link (Google 410 Gone, Graph 410
    or `syncStateNotFound`, CalDAV 403 `valid-sync-token`): read the calendar in full again."""

    def __init__(self, message: str = "the sync token is no longer valid") -> None:
        super().__init__(message, transient=False, status=410)


class EventGone(CalendarError):
    """The event we wrote is no longer there (deleted in the calendar by its owner)."""

    def __init__(self, message: str = "the event no longer exists") -> None:
        super().__init__(message, transient=False, status=404)


class EventChanged(CalendarError):
    """A conditional update lost: the event changed since we read its ETag (412)."""

    def __init__(self, message: str = "the event changed since it was read") -> None:
        super().__init__(message, transient=False, status=412)


class PushRefused(Exception):
    """A push notification failed verification (wrong channel token or clientState): answered
    401, nothing stored. The message is safe to return; it never contains the secret."""


# --- credentials -------------------------------------------------------------------------


@dataclass
class Grant:
    """An account's credentials, decrypted for one task, and the access token they yield.

    `values` is what the connection stores encrypted; which keys a provider reads is its
    business (see each adapter's docstring). An adapter that rotates a refresh token writes the
    new one into `values` and sets `changed`, and the caller stores it encrypted again.
    `subject` is the mailbox acted for (Google domain-wide delegation, Graph app-only); None
    for per-member OAuth and CalDAV, where the credentials are the member's own.
    """

    provider: Provider
    values: dict[str, str]
    subject: str | None = None
    base_url: str | None = None  # the provider's API root, when not its default (tests, regions)
    access_token: str | None = None
    access_expires_at: datetime | None = None
    changed: bool = False
    access: Access = "read_write"

    def get(self, name: str) -> str:
        value = self.values.get(name)
        if not value:
            raise CalendarError(f"the connection's credentials lack {name}", transient=False)
        return value


@dataclass(frozen=True)
class Consent:
    """Where to send a member to grant access (OAuth 2.0 authorization code with PKCE)."""

    url: str


@dataclass(frozen=True)
class OAuthClient:
    """The organization's OAuth app at the provider (client id and secret), and where the
    provider sends the member back."""

    client_id: str
    client_secret: str
    redirect_uri: str
    tenant: str | None = None  # Microsoft: the directory (or "common" / "organizations")
    base_url: str | None = None  # the authorization server's root, for tests


@dataclass(frozen=True)
class TokenSet:
    """What a code exchange yields: stored encrypted as the connection's credentials."""

    values: dict[str, str]
    email: str | None  # the account's address, when the provider tells it
    access_token: str
    access_expires_at: datetime
    # What the member actually granted, read from the scopes the provider answered with (a
    # member may untick scopes on Google's consent screen): never more than was asked for.
    access: Access = "read_write"


# --- what we read ------------------------------------------------------------------------


@dataclass(frozen=True)
class RemoteCalendar:
    id: str  # the provider's calendar id (Google id, Graph id, CalDAV collection URL)
    name: str
    primary: bool = False
    can_write: bool = True
    time_zone: str | None = None


ResponseStatus = Literal["accepted", "declined", "tentative", "needs_action"]


@dataclass(frozen=True)
class RemoteEvent:
    """One occurrence as it blocks time. Recurring events arrive expanded: one RemoteEvent per
    occurrence, `recurrence_id` naming it: the occurrence's original start in UTC, written
    `YYYY-MM-DDTHH:MM:SSZ` by every adapter, so one occurrence has one key whatever its source."""

    uid: str  # iCalendar UID (Google iCalUID, Graph iCalUId, CalDAV UID)
    start: datetime  # aware, UTC
    end: datetime  # aware, UTC
    recurrence_id: str | None = None
    status: Literal["confirmed", "tentative", "cancelled"] = "confirmed"
    transparent: bool = False  # "show as free"
    # The account owner's own answer, when they are an attendee and not the organizer.
    self_response: ResponseStatus | None = None
    # Every attendee's answer by lower-case email: how an interviewer's accept or decline made
    # in their calendar flows back to the interview.
    responses: Mapping[str, ResponseStatus] = field(default_factory=dict)
    remote_id: str | None = None  # the provider's id of the event (or its CalDAV href)
    etag: str | None = None

    @property
    def blocks(self) -> bool:
        """Free, cancelled and declined events never block time; tentative ones do."""
        return (
            self.status != "cancelled" and not self.transparent and self.self_response != "declined"
        )

    @property
    def tentative(self) -> bool:
        return self.status == "tentative" or self.self_response in ("tentative", "needs_action")


@dataclass(frozen=True)
class RemovedEvent:
    """An event (or one occurrence, with `recurrence_id`) that is gone since the last read.
    `recurrence_id` None means every occurrence of `uid`. Some providers name only the
    provider's id of the removed event (`remote_id`); then `uid` is None."""

    uid: str | None
    recurrence_id: str | None = None
    remote_id: str | None = None


@dataclass(frozen=True)
class ChangePage:
    """One page of a calendar's changes.

    The caller applies `removed` before `events`: a provider whose changes come per resource
    (CalDAV) names a changed resource's UID in `removed` and its current occurrences in
    `events`, which together replace every occurrence of that UID.

    `full` is True when this read started without a sync token: the pages of that read name
    every event in the window, and whatever the mirror holds that they did not name is gone.
    `next_page` continues this read; when it is None, `sync_token` is what the next
    incremental read starts from (None where the provider has no tokens)."""

    events: list[RemoteEvent]
    removed: list[RemovedEvent]
    next_page: str | None
    sync_token: str | None
    full: bool


@dataclass(frozen=True)
class BusyInterval:
    start: datetime
    end: datetime
    tentative: bool = False


@dataclass(frozen=True)
class FreeBusy:
    """Per account (by the key the caller passed): its busy intervals, or None when that
    account could not be read: unknown, never free."""

    busy: Mapping[str, list[BusyInterval] | None]
    errors: Mapping[str, str] = field(default_factory=dict)


# --- what we write -----------------------------------------------------------------------


@dataclass(frozen=True)
class Attendee:
    email: str
    name: str | None = None
    optional: bool = False


@dataclass(frozen=True)
class EventWrite:
    """An interview as a calendar event. `uid` is the same UID as the .ics mail, so a calendar
    that receives both shows one event; `sequence` rises with every change (RFC 5545)."""

    uid: str
    sequence: int
    summary: str
    description: str
    start: datetime
    end: datetime
    attendees: tuple[Attendee, ...] = ()
    location: str | None = None
    organizer_email: str | None = None
    # Ask the provider for a video link (Google Meet, Teams); CalDAV has none.
    video: bool = False
    # When False the provider must not mail invitations itself (Hireloop's mail is the one
    # invitation); when True the provider invites and Hireloop does not.
    provider_sends_invitations: bool = False
    status: Literal["confirmed", "tentative"] = "confirmed"  # tentative: a hold
    time_zone: str = "UTC"


@dataclass(frozen=True)
class EventHandle:
    """How to find our event again: the provider's id (or CalDAV href) and its ETag."""

    remote_id: str
    etag: str | None = None
    video_url: str | None = None


# --- push --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Channel:
    """A push channel (Google watch channel, Graph subscription) as the provider confirmed it."""

    id: str
    resource_id: str | None
    expires_at: datetime


@dataclass(frozen=True)
class PushNotice:
    """A push as parsed: which channel, the secret it presented (Google's channel token,
    Graph's clientState; compared in constant time by the caller against the one we gave the
    channel), and what it asks of us: `changed` (read the changes), `sync` (Google's first
    message on a new channel), `missed` (read in full), `reauthorize` and `removed` (renew or
    reopen the channel)."""

    channel_id: str
    token: str | None
    kind: Literal["changed", "sync", "missed", "reauthorize", "removed"] = "changed"


@dataclass(frozen=True)
class PushAnswer:
    """What to answer right away (Graph's validation handshake answers its token as
    text/plain); None content means 202 with no body."""

    status: int = 202
    content: str | None = None
    media_type: str = "text/plain"


class CalendarAdapter(Protocol):
    provider: Provider
    # Whether the provider pushes changes (Google, Graph) or must be polled (CalDAV).
    pushes: bool

    async def authorize(self, http: httpx.AsyncClient, grant: Grant, settings: Settings) -> None:
        """Make `grant.access_token` valid for at least a minute (service-account JWT, client
        credentials, refresh token); raise NeedsReauth when the grant is revoked."""
        ...

    async def whoami(self, http: httpx.AsyncClient, grant: Grant, settings: Settings) -> str | None:
        """A real read that proves the credentials work (the test a CalDAV connection passes
        before it is saved); the account's email when the provider tells it."""
        ...

    async def list_calendars(
        self, http: httpx.AsyncClient, grant: Grant, settings: Settings
    ) -> list[RemoteCalendar]: ...

    async def read_changes(
        self,
        http: httpx.AsyncClient,
        grant: Grant,
        calendar_id: str,
        *,
        sync_token: str | None,
        page: str | None,
        window_start: datetime,
        window_end: datetime,
        settings: Settings,
    ) -> ChangePage:
        """One page of changes since `sync_token` (None: a full read of the window); raise
        SyncTokenInvalid when the provider refuses the token."""
        ...

    async def free_busy(
        self,
        http: httpx.AsyncClient,
        grants: Mapping[str, tuple[Grant, list[str]]],
        start: datetime,
        end: datetime,
        settings: Settings,
    ) -> FreeBusy:
        """Busy time of several accounts (key -> (grant, calendar ids)), chunked to the
        provider's limits. Never raises for one account's failure: that account is None."""
        ...

    async def put_event(
        self,
        http: httpx.AsyncClient,
        grant: Grant,
        calendar_id: str,
        event: EventWrite,
        existing: EventHandle | None,
        settings: Settings,
    ) -> EventHandle:
        """Create (`existing` None; idempotent on `event.uid`) or update (conditional on
        `existing.etag`) our event; raise EventGone or EventChanged."""
        ...

    async def delete_event(
        self,
        http: httpx.AsyncClient,
        grant: Grant,
        calendar_id: str,
        handle: EventHandle,
        settings: Settings,
    ) -> None:
        """Cancel our event; an event already gone is not an error."""
        ...


@runtime_checkable
class PushingCalendarAdapter(CalendarAdapter, Protocol):
    """Providers that push (Google, Microsoft Graph)."""

    async def watch(
        self,
        http: httpx.AsyncClient,
        grant: Grant,
        calendar_id: str,
        *,
        callback_url: str,
        channel_id: str,
        token: str,
        settings: Settings,
    ) -> Channel:
        """Open a channel that calls `callback_url` when the calendar changes; `token` comes
        back with every notification (Google's channel token, Graph's clientState)."""
        ...

    async def unwatch(
        self, http: httpx.AsyncClient, grant: Grant, channel: Channel, settings: Settings
    ) -> None: ...

    def parse_push(
        self, headers: Mapping[str, str], body: bytes, query: Mapping[str, str]
    ) -> tuple[PushAnswer, list[PushNotice]]:
        """Read a push from its headers, raw body and query (pure: no I/O). Returns what to
        answer and the notices it carries; a handshake (Graph's `validationToken`) carries
        none. Raise PushRefused for a body that is not the provider's shape. `headers` keys
        are lower-case."""
        ...


@runtime_checkable
class OAuthCalendarAdapter(CalendarAdapter, Protocol):
    """Providers with a per-member OAuth 2.0 consent (Google, Microsoft)."""

    def consent_url(
        self,
        client: OAuthClient,
        *,
        state: str,
        code_challenge: str,
        login_hint: str | None,
        access: Access = "read_write",
    ) -> Consent: ...

    async def exchange_code(
        self,
        http: httpx.AsyncClient,
        client: OAuthClient,
        *,
        code: str,
        code_verifier: str,
        settings: Settings,
        access: Access = "read_write",
    ) -> TokenSet:
        """Trade the authorization code for tokens; raise NeedsReauth for a bad or used code,
        or for a consent that grants too little to read busy time at all."""
        ...
