"""CalDAV (RFC 4791) calendars: iCloud, Fastmail, Nextcloud, Radicale, Baikal, SOGo...

Credentials (`Grant.values`, see config.py): `url`, `username`, `password` (an app
password), optional `email`. HTTP Basic on every request; nothing to refresh, so `authorize`
only checks they are present. A 401 is NeedsReauth. `whoami` is a real read (principal and
calendar home discovery) so a connection is tested before it is saved; it answers the
account's address from `calendar-user-address-set`, else `email`, else a username that is an
address, else None.

Ids: `RemoteCalendar.id` is the collection's absolute URL; an event's `remote_id` is its
resource's href (the server path, e.g. `/alice/work/<uid>.ics`), the same in events and in
removals; `etag` is its `getetag`.

Reading (`read_changes`):
- A PROPFIND (depth 0) on the collection first reads its `sync-token` and time zone.
- No token: a full read, `calendar-query` with a time-range over the window (full=True).
  The sync token read BEFORE the query is returned, so a change racing the read is read again
  next time rather than lost. A server without RFC 6578 (no `sync-token` property) gives
  sync_token None, so every read is full; each event carries its ETag for comparison.
- A token: `sync-collection` (RFC 6578) asking for getetag and calendar-data. Members answered
  404 are `RemovedEvent(uid=None, remote_id=href)`. A truncated answer (507 on the collection,
  RFC 6578 3.6) sets `next_page` to the server's intermediate token; the next page continues
  from it. A 403 `valid-sync-token` precondition is SyncTokenInvalid.
- One resource holds every component of its UID (RFC 4791 4.1), so a changed resource
  REPLACES all occurrences of its UID: an incremental page names it in `removed` as
  `RemovedEvent(uid=uid, recurrence_id=None, remote_id=href)` AND gives its current
  occurrences in `events`. Callers apply a page's `removed` before its `events`; a removal and
  events of one UID in one page therefore mean "this is the whole set of occurrences".
  (Full pages need no such removals: `full` already says whatever is not named is gone.)
- Recurring events are expanded within the window by recurring_ical_events (mapping.py).

Free/busy: `free-busy-query` REPORT (RFC 4791 7.10) on each calendar; when a server refuses it
(a 4xx other than 401, or an answer that is not iCalendar) the calendar's events in the range
are read and the blocking ones counted. One account's failure is None for its key, with the
reason in `errors`. Note the server's free-busy does not know which ATTENDEE is the owner, so
an event the owner declined still counts as busy there (as it does in other clients).

Writing: create is `PUT <calendar>/<uid>.ics` with `If-None-Match: *`; a 412 means an
earlier attempt already created it, whose handle is returned. A `no-uid-conflict` refusal
(RFC 4791 5.3.2.1: the member's client already imported our invitation under another name)
returns that resource's handle, found by the href the server names or by a UID query. Update is `PUT` with
`If-Match: <etag>` (or `*` when no ETag is known); a 412 is EventChanged when the resource is
still there and EventGone when it is not. Without `provider_sends_invitations` every ORGANIZER
and ATTENDEE carries SCHEDULE-AGENT=CLIENT so an RFC 6638 server mails nobody. Delete is
`DELETE` with `If-Match` when the ETag is known; gone is fine, a 412 on a still-present
resource is EventChanged.

No push: CalDAV is polled (`pushes = False`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import UTC, datetime, tzinfo
from urllib.parse import quote

import httpx

from app.integrations.calendars.base import (
    BusyInterval,
    CalendarError,
    ChangePage,
    EventChanged,
    EventGone,
    EventHandle,
    EventWrite,
    FreeBusy,
    Grant,
    NeedsReauth,
    Provider,
    RemoteCalendar,
    RemoteEvent,
    RemovedEvent,
)
from app.integrations.calendars.caldav import mapping
from app.integrations.calendars.caldav.client import (
    CALDAV,
    DAV,
    DavClient,
    DavResponse,
    absolute,
    calendar_query_body,
    discover,
    free_busy_body,
    multiget_body,
    names_precondition,
    normalize_href,
    parse_multistatus,
    sync_collection_body,
    tag,
    uid_conflict_href,
    uid_query_body,
)
from app.integrations.calendars.caldav.config import CalDavAccount
from app.settings import Settings

MULTIGET_BATCH = 100
ICS_TYPE = "text/calendar; charset=utf-8"
# 4xx answers to free-busy-query that mean "not supported here": read the events instead.
_FREE_BUSY_REFUSED = {400, 403, 404, 405, 406, 409, 412, 415, 422, 501}

_CALENDAR_PROPS = [
    (DAV, "resourcetype"),
    (DAV, "displayname"),
    (DAV, "current-user-privilege-set"),
    (CALDAV, "supported-calendar-component-set"),
    (CALDAV, "calendar-timezone"),
    (CALDAV, "calendar-timezone-id"),
]
_COLLECTION_PROPS = [
    (DAV, "sync-token"),
    (CALDAV, "calendar-timezone"),
    (CALDAV, "calendar-timezone-id"),
]
_WRITE_PRIVILEGES = {tag(DAV, p) for p in ("all", "write", "write-content", "bind")}


def _collection_url(calendar_id: str) -> str:
    return calendar_id if calendar_id.endswith("/") else calendar_id + "/"


def _zone(response: DavResponse | None) -> tzinfo | None:
    if response is None:
        return None
    return mapping.zone_named(response.text(CALDAV, "calendar-timezone-id")) or (
        mapping.zone_of_vtimezone(response.text(CALDAV, "calendar-timezone"))
    )


def _zone_name(zone: tzinfo | None) -> str | None:
    key = getattr(zone, "key", None)
    return key if isinstance(key, str) else None


class CalDavAdapter:
    provider: Provider = "caldav"
    pushes = False

    # --- credentials -----------------------------------------------------------------------

    async def authorize(self, http: httpx.AsyncClient, grant: Grant, settings: Settings) -> None:
        """Basic auth has no token to fetch: only check the credentials are all there."""
        CalDavAccount.from_grant(grant)

    async def whoami(self, http: httpx.AsyncClient, grant: Grant, settings: Settings) -> str | None:
        account = CalDavAccount.from_grant(grant)
        # A member is waiting on this answer: one retry at most, not the worker's patience.
        client = DavClient(http, account, settings, attempts=2)
        principal = await discover(client, fresh=True)
        addresses = sorted(principal.addresses)
        if addresses:
            return addresses[0]
        own = sorted(account.own_addresses())
        return own[0] if own else None

    # --- calendars -------------------------------------------------------------------------

    async def list_calendars(
        self, http: httpx.AsyncClient, grant: Grant, settings: Settings
    ) -> list[RemoteCalendar]:
        client = DavClient(http, CalDavAccount.from_grant(grant), settings)
        principal = await discover(client)
        found: dict[str, RemoteCalendar] = {}
        for home in principal.homes:
            answer = await client.propfind(home, _CALENDAR_PROPS, depth=1)
            for response in answer.responses:
                calendar = self._calendar(home, response)
                if calendar is not None and calendar.id not in found:
                    found[calendar.id] = calendar
        calendars = sorted(found.values(), key=lambda c: c.id)
        if calendars:
            # CalDAV has no "primary" calendar; the first writable one stands in for it.
            first = next((c for c in calendars if c.can_write), calendars[0])
            calendars = [
                RemoteCalendar(c.id, c.name, c is first, c.can_write, c.time_zone)
                for c in calendars
            ]
        return calendars

    @staticmethod
    def _calendar(home: str, response: DavResponse) -> RemoteCalendar | None:
        kinds = response.props.get(tag(DAV, "resourcetype"))
        if kinds is None or kinds.find(tag(CALDAV, "calendar")) is None:
            return None
        components = response.props.get(tag(CALDAV, "supported-calendar-component-set"))
        if components is not None:
            names = {(c.get("name") or "").upper() for c in components}
            if names and "VEVENT" not in names:
                return None  # a task list or journal
        privileges = response.props.get(tag(DAV, "current-user-privilege-set"))
        can_write = True
        if privileges is not None:
            held = {child.tag for p in privileges for child in p}
            can_write = bool(held & _WRITE_PRIVILEGES)
        url = absolute(home, response.href)
        path = normalize_href(home, response.href).rstrip("/")
        name = response.text(DAV, "displayname") or path.rsplit("/", 1)[-1] or url
        return RemoteCalendar(
            id=url, name=name, can_write=can_write, time_zone=_zone_name(_zone(response))
        )

    # --- reading ---------------------------------------------------------------------------

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
        client = DavClient(http, CalDavAccount.from_grant(grant), settings)
        return await self._read(client, calendar_id, page or sync_token, window_start, window_end)

    async def _read(
        self,
        client: DavClient,
        calendar_id: str,
        token: str | None,
        window_start: datetime,
        window_end: datetime,
    ) -> ChangePage:
        url = _collection_url(calendar_id)
        info = await client.propfind(url, _COLLECTION_PROPS, depth=0)
        collection = info.responses[0] if info.responses else None
        zone = _zone(collection) or UTC
        principal = await discover(client)
        own = client.account.own_addresses() | set(principal.addresses)
        server_token = collection.text(DAV, "sync-token") if collection is not None else None
        if token is None or server_token is None:
            return await self._full_read(
                client, url, server_token, window_start, window_end, zone, own
            )
        return await self._sync(client, url, token, window_start, window_end, zone, own)

    async def _full_read(
        self,
        client: DavClient,
        url: str,
        token: str | None,
        window_start: datetime,
        window_end: datetime,
        zone: tzinfo,
        own: set[str],
    ) -> ChangePage:
        response = await client.report(url, calendar_query_body(window_start, window_end), depth=1)
        answer = parse_multistatus(response.content)
        members = [r for r in answer.responses if r.status in (None, 200)]
        events: list[RemoteEvent] = []
        for item in await self._with_data(client, url, members):
            data = item.text(CALDAV, "calendar-data")
            assert data is not None
            _, found = self._occurrences(url, item, data, window_start, window_end, zone, own)
            events.extend(found.events)
        return ChangePage(events, [], next_page=None, sync_token=token, full=True)

    async def _sync(
        self,
        client: DavClient,
        url: str,
        token: str,
        window_start: datetime,
        window_end: datetime,
        zone: tzinfo,
        own: set[str],
    ) -> ChangePage:
        response = await client.report(url, sync_collection_body(token), depth=1)
        answer = parse_multistatus(response.content)
        collection_path = normalize_href(url, url)
        truncated = False
        removed: list[RemovedEvent] = []
        changed: list[DavResponse] = []
        for item in answer.responses:
            href = normalize_href(url, item.href)
            if href.rstrip("/") == collection_path.rstrip("/"):
                truncated = truncated or item.status == 507
                continue
            if item.status in (404, 410):
                removed.append(RemovedEvent(uid=None, remote_id=href))
            else:
                changed.append(item)
        events: list[RemoteEvent] = []
        for item in await self._with_data(client, url, changed):
            data = item.text(CALDAV, "calendar-data")
            assert data is not None
            href, found = self._occurrences(url, item, data, window_start, window_end, zone, own)
            # The resource is whole: its UID's occurrences are exactly `found.events`.
            removed.extend(RemovedEvent(uid=uid, remote_id=href) for uid in found.uids)
            events.extend(found.events)
        if truncated:
            return ChangePage(
                events, removed, next_page=answer.sync_token, sync_token=None, full=False
            )
        return ChangePage(
            events, removed, next_page=None, sync_token=answer.sync_token or token, full=False
        )

    @staticmethod
    async def _with_data(
        client: DavClient, url: str, members: list[DavResponse]
    ) -> list[DavResponse]:
        """`members` with their calendar-data; those the server left it out of (allowed for
        large answers) are fetched with calendar-multiget, a batch at a time."""
        complete = [m for m in members if m.text(CALDAV, "calendar-data") is not None]
        missing = [m.href for m in members if m.text(CALDAV, "calendar-data") is None]
        for start in range(0, len(missing), MULTIGET_BATCH):
            batch = missing[start : start + MULTIGET_BATCH]
            fetched = await client.report(url, multiget_body(batch), depth=1)
            complete.extend(
                r
                for r in parse_multistatus(fetched.content).responses
                if r.text(CALDAV, "calendar-data") is not None
            )
        return complete

    @staticmethod
    def _occurrences(
        url: str,
        item: DavResponse,
        data: str,
        window_start: datetime,
        window_end: datetime,
        zone: tzinfo,
        own: set[str],
    ) -> tuple[str, mapping.ResourceEvents]:
        href = normalize_href(url, item.href)
        calendar = mapping.parse_calendar(data)
        if calendar is None:
            return href, mapping.ResourceEvents([], [])
        return href, mapping.expand(
            calendar,
            window_start=window_start,
            window_end=window_end,
            zone=zone,
            own_addresses=own,
            remote_id=href,
            etag=item.text(DAV, "getetag"),
        )

    # --- free/busy -------------------------------------------------------------------------

    async def free_busy(
        self,
        http: httpx.AsyncClient,
        grants: Mapping[str, tuple[Grant, list[str]]],
        start: datetime,
        end: datetime,
        settings: Settings,
    ) -> FreeBusy:
        keys = list(grants)
        answers = await asyncio.gather(
            *(self._account_busy(http, *grants[k], start, end, settings) for k in keys),
            return_exceptions=True,
        )
        busy: dict[str, list[BusyInterval] | None] = {}
        errors: dict[str, str] = {}
        for key, answer in zip(keys, answers, strict=True):
            if isinstance(answer, BaseException):
                if not isinstance(answer, Exception):
                    raise answer  # cancellation and the like are not an account's failure
                busy[key] = None
                errors[key] = str(answer) or type(answer).__name__
            else:
                busy[key] = answer
        return FreeBusy(busy, errors)

    async def _account_busy(
        self,
        http: httpx.AsyncClient,
        grant: Grant,
        calendar_ids: list[str],
        start: datetime,
        end: datetime,
        settings: Settings,
    ) -> list[BusyInterval]:
        account = CalDavAccount.from_grant(grant)
        client = DavClient(http, account, settings)
        intervals: list[BusyInterval] = []
        for calendar_id in calendar_ids:
            intervals.extend(await self._calendar_busy(client, calendar_id, start, end))
        return mapping.merge(intervals)

    async def _calendar_busy(
        self, client: DavClient, calendar_id: str, start: datetime, end: datetime
    ) -> list[BusyInterval]:
        url = _collection_url(calendar_id)
        try:
            response = await client.report(url, free_busy_body(start, end), depth=1)
            return mapping.parse_free_busy(response.content, start, end)
        except NeedsReauth:
            raise
        except CalendarError as exc:
            if exc.transient or exc.status not in _FREE_BUSY_REFUSED:
                raise
        except ValueError:
            pass  # an answer that is not iCalendar: read the events instead
        page = await self._read(client, url, None, start, end)
        return mapping.busy_from_events(page.events, start, end)

    # --- writing ---------------------------------------------------------------------------

    async def put_event(
        self,
        http: httpx.AsyncClient,
        grant: Grant,
        calendar_id: str,
        event: EventWrite,
        existing: EventHandle | None,
        settings: Settings,
    ) -> EventHandle:
        client = DavClient(http, CalDavAccount.from_grant(grant), settings)
        body = mapping.event_to_ics(event)
        if existing is None:
            url = _collection_url(calendar_id) + quote(event.uid, safe="") + ".ics"
            try:
                response = await client.send(
                    "PUT", url, body=body, headers={"If-None-Match": "*"}, content_type=ICS_TYPE
                )
            except CalendarError as exc:
                conflict = uid_conflict_href(exc)
                if exc.status == 412 and conflict is None:
                    # Created by an earlier attempt (same UID, same resource name): ours.
                    return EventHandle(normalize_href(url, url), await self._etag(client, url))
                if conflict is None:
                    raise
                # The UID is already in the calendar under another name (the member's client
                # imported our invitation mail, or an earlier write by another path): that
                # resource is the event.
                found = await self._find_uid(client, calendar_id, event.uid, conflict)
                if found is None:
                    raise
                return found
        else:
            url = absolute(_collection_url(calendar_id), existing.remote_id)
            try:
                response = await client.send(
                    "PUT",
                    url,
                    body=body,
                    headers={"If-Match": existing.etag or "*"},
                    content_type=ICS_TYPE,
                )
            except CalendarError as exc:
                if exc.status in (404, 410):
                    raise EventGone() from exc
                if exc.status != 412:
                    raise
                if names_precondition(exc, "attendee-allowed"):
                    # An RFC 6638 server (Xandikos) refuses an attendee's copy changing what
                    # the organizer owns (the time): replace the copy instead, which it allows.
                    await client.send("DELETE", url)
                    response = await client.send(
                        "PUT", url, body=body, headers={"If-None-Match": "*"}, content_type=ICS_TYPE
                    )
                    etag = response.headers.get("etag") or await self._etag(client, url)
                    return EventHandle(normalize_href(url, url), etag)
                await self._etag(client, url)  # EventGone when it is no longer there
                raise EventChanged() from exc
        etag = response.headers.get("etag") or await self._etag(client, url)
        return EventHandle(normalize_href(url, url), etag)

    async def _find_uid(
        self, client: DavClient, calendar_id: str, uid: str, href: str
    ) -> EventHandle | None:
        collection = _collection_url(calendar_id)
        if href:
            url = absolute(collection, href)
            return EventHandle(normalize_href(url, url), await self._etag(client, url))
        response = await client.report(collection, uid_query_body(uid), depth=1)
        for item in parse_multistatus(response.content).responses:
            if item.status in (None, 200) and item.has(DAV, "getetag"):
                return EventHandle(normalize_href(collection, item.href), item.text(DAV, "getetag"))
        return None

    async def _etag(self, client: DavClient, url: str) -> str | None:
        try:
            answer = await client.propfind(url, [(DAV, "getetag")], depth=0)
        except CalendarError as exc:
            if exc.status in (404, 410):
                raise EventGone() from exc
            raise
        for response in answer.responses:
            etag = response.text(DAV, "getetag")
            if etag:
                return etag
        if answer.responses and all(r.status in (404, 410) for r in answer.responses):
            # A 207 whose only answer for the resource is 404 (Xandikos): it is gone.
            raise EventGone()
        return None

    async def delete_event(
        self,
        http: httpx.AsyncClient,
        grant: Grant,
        calendar_id: str,
        handle: EventHandle,
        settings: Settings,
    ) -> None:
        client = DavClient(http, CalDavAccount.from_grant(grant), settings)
        url = absolute(_collection_url(calendar_id), handle.remote_id)
        headers = {"If-Match": handle.etag} if handle.etag else {}
        try:
            await client.send("DELETE", url, headers=headers)
        except CalendarError as exc:
            if exc.status in (404, 410):
                return
            if exc.status != 412:
                raise
            try:
                await self._etag(client, url)
            except EventGone:
                return
            raise EventChanged() from exc


adapter = CalDavAdapter()
