"""Microsoft 365 calendars through Microsoft Graph v1.0.

Accounts (see auth.py for the token requests):
- Org-wide: app-only client credentials. Grant.values `tenant_id`, `client_id`,
  `client_secret`; Grant.subject is the mailbox acted on (`/users/{subject}/...`). Which
  mailboxes the app may read and write is decided by the tenant's application access policy
  (Exchange Online `New-ApplicationAccessPolicy` restricting the app to a mail-enabled
  security group): an admin scopes the app to interviewers' mailboxes; a mailbox outside the
  policy answers 403 ErrorAccessDenied.
- Per member: authorization code with PKCE (S256); Grant.subject None, calls go to `/me/...`.
  Grant.values `refresh_token`, `scope`, `email` (the member's own, as `exchange_code`
  returns them) and the OAuth app's `client_id`, `client_secret`, `tenant_id` (else the
  settings `microsoft_oauth_*`). Refresh tokens rotate: `authorize` stores the new one and
  sets grant.changed.
- Grant.base_url overrides the Graph root (default https://graph.microsoft.com/v1.0);
  the authority (default https://login.microsoftonline.com) is OAuthClient.base_url, the
  setting `microsoft_oauth_base_url`, or the scheme and host of Grant.base_url (auth.py).
- Errors: every failure is a CalendarError keeping Graph's status and body; 401 fetches a new
  token once; token errors that mean the grant is gone are NeedsReauth. A 403 (a mailbox
  outside the access policy, a read-only calendar, a free/busy-only consent asked to write)
  is a non-transient CalendarError, not NeedsReauth: the grant still works elsewhere.

Least privilege per call (delegated / application permission):
- list_calendars, whoami: Calendars.ReadBasic / Calendars.ReadBasic.All (or Calendars.Read).
- read_changes (calendarView delta), watch/unwatch on events: Calendars.Read / Calendars.Read.
- free_busy (getSchedule): Calendars.ReadBasic / Calendars.ReadBasic.All.
- put_event, delete_event: Calendars.ReadWrite / Calendars.ReadWrite.
A member who connects for free/busy only consents to Calendars.Read + Calendars.ReadBasic
(`consent_url(..., access="free_busy")`).

Reading (`read_changes`): `GET .../calendars/{cid}/calendarView/delta?startDateTime&endDateTime`
with `Prefer: outlook.timezone="UTC", odata.maxpagesize=N`; pages follow `@odata.nextLink`
(our `next_page`); the last page's `@odata.deltaLink` is our sync token, and an incremental
read GETs it. `@removed` rows name only Graph's id (RemovedEvent.remote_id). A delta link
Graph no longer knows answers 410 (`syncStateNotFound`, `resyncRequired`): SyncTokenInvalid.

Free/busy: `POST /users/{id}/calendar/getSchedule` (app-only: every subject of one app
credential in one call; per member: `/me/calendar/getSchedule` for their own address), at most
20 schedules per call and less than 62 days per call (both split). Only the mailbox's free/busy
is read: the calendar ids the caller passes are not used. A schedule answered with `error`, or
a call that fails, makes that account None (unknown, never free).

Writing (`put_event`): `POST .../calendars/{cid}/events` with `transactionId` =
`hireloop:<uid>`, so a retried create returns the event already made rather than a second one.
Graph assigns iCalUId and it can't be set; our UID is recovered on reads from the
transactionId (Graph returns it with every event an app set it on) and is also kept as a
single-value extended property (see mapping.py). Reads therefore name our own events by our
UID, and events that arrived as Hireloop's .ics invitation by the UID Exchange wrapped in
their iCalUId.
Graph mails invitations itself to the attendees of an event in the
organizer's calendar, so when `provider_sends_invitations` is False the event is written to
the calendar WITHOUT attendees (the attendees get Hireloop's .ics only; the organizer's
calendar holds the time); when True, attendees are written and Graph invites them. With
`video`, `isOnlineMeeting` + `onlineMeetingProvider: teamsForBusiness`; the Teams join URL
comes back as video_url. Holds are `showAs: tentative`. Updates are
`PATCH .../events/{id}` with `If-Match: <etag>`: 412 -> EventChanged, 404 -> EventGone.

Push: see push.py. Graph assigns subscription ids: `watch` returns Channel(id=<Graph's
subscription id>) and ignores the proposed channel_id; callers key on what is returned.
`renew` (not in base.py) extends a subscription with PATCH.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx

from app.integrations.calendars.base import (
    Access,
    BusyInterval,
    CalendarError,
    ChangePage,
    Channel,
    Consent,
    EventChanged,
    EventGone,
    EventHandle,
    EventWrite,
    FreeBusy,
    Grant,
    OAuthClient,
    Provider,
    PushAnswer,
    PushNotice,
    RemoteCalendar,
    RemoteEvent,
    RemovedEvent,
    SyncTokenInvalid,
    TokenSet,
    VendorError,
)
from app.integrations.calendars.microsoft import auth, mapping, push
from app.integrations.calendars.microsoft.client import GraphSession
from app.settings import Settings

SCHEDULES_PER_CALL = 20
SCHEDULE_SPAN = timedelta(days=61)  # Graph: less than 62 days per getSchedule
AVAILABILITY_VIEW_INTERVAL = 30
_SYNC_STATE_CODES = ("syncstatenotfound", "resyncrequired", "syncstateinvalid")
UTC_PREFERENCE = 'outlook.timezone="UTC"'


def _quote(value: str) -> str:
    return quote(value, safe="")


def _sync_state_lost(exc: CalendarError) -> bool:
    if exc.status == 410:
        return True
    body = (exc.body or "").lower()
    return exc.status in (400, 404) and any(code in body for code in _SYNC_STATE_CODES)


@dataclass
class _Asked:
    key: str
    grant: Grant
    address: str


@dataclass
class _Tally:
    busy: dict[str, list[BusyInterval]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def fail(self, key: str, reason: str) -> None:
        self.errors.setdefault(key, reason)


class GraphCalendarAdapter:
    provider: Provider = "microsoft"
    pushes: bool = True

    def __init__(self, page_size: int = 100) -> None:
        self.page_size = page_size

    # --- credentials -------------------------------------------------------------------------

    async def authorize(self, http: httpx.AsyncClient, grant: Grant, settings: Settings) -> None:
        await auth.authorize(http, grant, settings)

    def consent_url(
        self,
        client: OAuthClient,
        *,
        state: str,
        code_challenge: str,
        login_hint: str | None,
        access: Access = "read_write",
    ) -> Consent:
        return auth.consent_url(
            client, state=state, code_challenge=code_challenge, login_hint=login_hint, access=access
        )

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
        return await auth.exchange_code(
            http, client, code=code, code_verifier=code_verifier, settings=settings, access=access
        )

    async def whoami(self, http: httpx.AsyncClient, grant: Grant, settings: Settings) -> str | None:
        session = GraphSession(http, grant, settings)
        body = await session.json_call(
            "GET", f"{session.owner}/calendar", params={"$select": "owner"}
        )
        owner = body.get("owner")
        address = owner.get("address") if isinstance(owner, dict) else None
        if isinstance(address, str) and address:
            if grant.subject is None and grant.values.get("email") != address:
                grant.values["email"] = address
                grant.changed = True
            return address
        return grant.subject

    # --- reading -----------------------------------------------------------------------------

    async def list_calendars(
        self, http: httpx.AsyncClient, grant: Grant, settings: Settings
    ) -> list[RemoteCalendar]:
        session = GraphSession(http, grant, settings)
        calendars: list[RemoteCalendar] = []
        url: str | None = f"{session.owner}/calendars"
        params: dict[str, Any] | None = {
            "$select": "id,name,isDefaultCalendar,canEdit,owner",
            "$top": "100",
        }
        while url is not None:
            body = await session.json_call("GET", url, params=params)
            for item in body.get("value") or []:
                if isinstance(item, dict) and item.get("id"):
                    calendars.append(mapping.remote_calendar(item))
            link = body.get("@odata.nextLink")
            url, params = (str(link), None) if isinstance(link, str) and link else (None, None)
        return calendars

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
        session = GraphSession(http, grant, settings)
        params: dict[str, Any] | None = None
        link = page or sync_token
        if link:
            # A link from another Graph root (the connection's base URL changed) can't be
            # followed with this token: read in full again.
            if not link.startswith(session.root + "/"):
                raise SyncTokenInvalid("the delta link is not under this connection's Graph root")
            url = link
        else:
            url = f"{session.owner}/calendars/{_quote(calendar_id)}/calendarView/delta"
            params = {
                "startDateTime": mapping.iso_z(window_start),
                "endDateTime": mapping.iso_z(window_end),
            }
        headers = {"Prefer": f"{UTC_PREFERENCE}, odata.maxpagesize={self.page_size}"}
        try:
            body = await session.json_call("GET", url, params=params, headers=headers)
        except CalendarError as exc:
            if _sync_state_lost(exc):
                raise SyncTokenInvalid() from exc
            raise
        events: list[RemoteEvent] = []
        removed: list[RemovedEvent] = []
        for item in body.get("value") or []:
            if not isinstance(item, dict) or not item.get("id"):
                continue
            if "@removed" in item:
                removed.append(mapping.removed_event(item))
            else:
                events.append(mapping.remote_event(item))
        next_link = body.get("@odata.nextLink")
        delta_link = body.get("@odata.deltaLink")
        next_page = session.check_link(next_link) if isinstance(next_link, str) else None
        token = (
            session.check_link(delta_link)
            if next_page is None and isinstance(delta_link, str)
            else None
        )
        return ChangePage(
            events=events,
            removed=removed,
            next_page=next_page,
            sync_token=token,
            full=sync_token is None,
        )

    async def free_busy(
        self,
        http: httpx.AsyncClient,
        grants: Mapping[str, tuple[Grant, list[str]]],
        start: datetime,
        end: datetime,
        settings: Settings,
    ) -> FreeBusy:
        tally = _Tally()
        groups: dict[tuple[str, ...], list[_Asked]] = {}
        for key, (grant, _calendar_ids) in grants.items():
            tally.busy[key] = []
            if grant.subject is not None:
                group = (
                    "app",
                    auth.graph_root(grant),
                    grant.values.get("tenant_id", ""),
                    grant.values.get("client_id", ""),
                    grant.values.get("client_secret", ""),
                )
                groups.setdefault(group, []).append(_Asked(key, grant, grant.subject))
                continue
            address = grant.values.get("email")
            if not address:
                try:
                    address = await self.whoami(http, grant, settings)
                except VendorError as exc:
                    tally.fail(key, f"could not learn the account's address: {exc}")
                    continue
            if not address:
                tally.fail(key, "the account's address is unknown")
                continue
            groups[("me", key)] = [_Asked(key, grant, address)]
        pieces = mapping.split_range(mapping.utc(start), mapping.utc(end), SCHEDULE_SPAN)
        calls = []
        for asked in groups.values():
            for index in range(0, len(asked), SCHEDULES_PER_CALL):
                chunk = asked[index : index + SCHEDULES_PER_CALL]
                for piece_start, piece_end in pieces:
                    calls.append(
                        self._schedule(http, settings, chunk, piece_start, piece_end, tally)
                    )
        await asyncio.gather(*calls)
        busy: dict[str, list[BusyInterval] | None] = {}
        for key, intervals in tally.busy.items():
            busy[key] = None if key in tally.errors else sorted(intervals, key=lambda b: b.start)
        return FreeBusy(busy=busy, errors=dict(tally.errors))

    async def _schedule(
        self,
        http: httpx.AsyncClient,
        settings: Settings,
        chunk: list[_Asked],
        start: datetime,
        end: datetime,
        tally: _Tally,
    ) -> None:
        session = GraphSession(http, chunk[0].grant, settings)
        try:
            body = await session.json_call(
                "POST",
                f"{session.owner}/calendar/getSchedule",
                json={
                    "schedules": [a.address for a in chunk],
                    "startTime": mapping.graph_time(start),
                    "endTime": mapping.graph_time(end),
                    "availabilityViewInterval": AVAILABILITY_VIEW_INTERVAL,
                },
                headers={"Prefer": UTC_PREFERENCE},
            )
        except VendorError as exc:
            for asked in chunk:
                tally.fail(asked.key, f"getSchedule failed: {exc}")
            return
        answered: dict[str, dict[str, Any]] = {}
        for item in body.get("value") or []:
            if isinstance(item, dict) and isinstance(item.get("scheduleId"), str):
                answered[item["scheduleId"].lower()] = item
        for asked in chunk:
            item = answered.get(asked.address.lower())
            if item is None:
                tally.fail(asked.key, "getSchedule did not answer for this account")
                continue
            error = item.get("error")
            if error:
                message = error.get("message") if isinstance(error, dict) else None
                tally.fail(asked.key, f"getSchedule: {message or 'error'}")
                continue
            try:
                tally.busy[asked.key].extend(mapping.busy_intervals(item))
            except CalendarError as exc:
                tally.fail(asked.key, str(exc))

    # --- writing -----------------------------------------------------------------------------

    async def put_event(
        self,
        http: httpx.AsyncClient,
        grant: Grant,
        calendar_id: str,
        event: EventWrite,
        existing: EventHandle | None,
        settings: Settings,
    ) -> EventHandle:
        session = GraphSession(http, grant, settings)
        invite = event.provider_sends_invitations and bool(event.attendees)
        if existing is None:
            item = await session.json_call(
                "POST",
                f"{session.owner}/calendars/{_quote(calendar_id)}/events",
                json=mapping.event_body(event, calendar_create=True, include_attendees=invite),
            )
        else:
            headers = {"If-Match": existing.etag} if existing.etag else {}
            try:
                item = await session.json_call(
                    "PATCH",
                    f"{session.owner}/events/{_quote(existing.remote_id)}",
                    json=mapping.event_body(event, calendar_create=False, include_attendees=invite),
                    headers=headers,
                )
            except CalendarError as exc:
                if exc.status == 412:
                    raise EventChanged() from exc
                if exc.status == 404:
                    raise EventGone() from exc
                raise
        remote_id = str(item.get("id") or (existing.remote_id if existing else ""))
        if not remote_id:
            raise CalendarError("Graph answered the write without an event id", transient=False)
        video_url = mapping.join_url(item)
        etag = item.get("@odata.etag")
        if event.video and video_url is None:
            # The Teams meeting can be attached a moment after the write: read it once.
            again = await session.json_call(
                "GET",
                f"{session.owner}/events/{_quote(remote_id)}",
                params={"$select": "id,onlineMeeting"},
            )
            video_url = mapping.join_url(again)
            etag = again.get("@odata.etag") or etag
        return EventHandle(
            remote_id=remote_id, etag=str(etag) if etag else None, video_url=video_url
        )

    async def delete_event(
        self,
        http: httpx.AsyncClient,
        grant: Grant,
        calendar_id: str,
        handle: EventHandle,
        settings: Settings,
    ) -> None:
        session = GraphSession(http, grant, settings)
        try:
            await session.call("DELETE", f"{session.owner}/events/{_quote(handle.remote_id)}")
        except CalendarError as exc:
            if exc.status in (404, 410):
                return
            raise

    # --- push --------------------------------------------------------------------------------

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
        if len(token) > push.CLIENT_STATE_MAX:
            raise CalendarError("Graph's clientState is at most 128 characters", transient=False)
        session = GraphSession(http, grant, settings)
        body = await session.json_call(
            "POST",
            "subscriptions",
            json={
                "changeType": "created,updated,deleted",
                "notificationUrl": callback_url,
                "lifecycleNotificationUrl": callback_url,
                "resource": f"{session.owner}/calendars/{_quote(calendar_id)}/events",
                "expirationDateTime": mapping.iso_z(push.expiry(datetime.now(UTC))),
                "clientState": token,
            },
        )
        return self._channel(body)

    async def renew(
        self,
        http: httpx.AsyncClient,
        grant: Grant,
        channel: Channel,
        settings: Settings,
        *,
        minutes: int = push.SUBSCRIPTION_MINUTES,
    ) -> Channel:
        """Extend a subscription (also what a `reauthorize` notice asks for). A 404 means the
        subscription is gone: open a new one with `watch`."""
        session = GraphSession(http, grant, settings)
        body = await session.json_call(
            "PATCH",
            f"subscriptions/{_quote(channel.id)}",
            json={"expirationDateTime": mapping.iso_z(push.expiry(datetime.now(UTC), minutes))},
        )
        renewed = self._channel(body)
        return Channel(
            id=renewed.id or channel.id,
            resource_id=renewed.resource_id or channel.resource_id,
            expires_at=renewed.expires_at,
        )

    @staticmethod
    def _channel(body: Mapping[str, Any]) -> Channel:
        expires = mapping.parse_offset_time(body.get("expirationDateTime"))
        if not body.get("id") or expires is None:
            raise CalendarError("Graph's subscription answer lacks id or expiry", transient=False)
        resource = body.get("resource")
        return Channel(
            id=str(body["id"]),
            resource_id=str(resource) if resource else None,
            expires_at=expires,
        )

    async def unwatch(
        self, http: httpx.AsyncClient, grant: Grant, channel: Channel, settings: Settings
    ) -> None:
        session = GraphSession(http, grant, settings)
        try:
            await session.call("DELETE", f"subscriptions/{_quote(channel.id)}")
        except CalendarError as exc:
            if exc.status == 404:
                return
            raise

    def parse_push(
        self, headers: Mapping[str, str], body: bytes, query: Mapping[str, str]
    ) -> tuple[PushAnswer, list[PushNotice]]:
        return push.parse_push(headers, body, query)


adapter = GraphCalendarAdapter()
