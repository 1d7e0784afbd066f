"""Google Calendar (API v3) as a CalendarAdapter, PushingCalendarAdapter and
OAuthCalendarAdapter.

Credentials (`Grant.values`), one of:
- org-wide: `service_account_json` (the service account's JSON key file: client_email,
  private_key, private_key_id) with domain-wide delegation; `Grant.subject` is the member's
  mailbox, the JWT's `sub`. The admin authorizes the client id for exactly the scopes below.
- per member: `refresh_token`, `client_id`, `client_secret` (written by `exchange_code`; the
  Grant carries no OAuthClient, so the client's id and secret are kept with the member's
  credentials to refresh).
`Grant.base_url` replaces the API root (default https://www.googleapis.com/calendar/v3); the
token endpoint is then `<origin of base_url>/token` (default https://oauth2.googleapis.com/token).
Access tokens are cached in the Grant (access_token / access_expires_at) and per process,
refreshed a minute before they expire.

Scopes, least privilege (auth.SCOPES; each call's reference page lists what it accepts):
- `calendar.calendarlist.readonly`: calendarList.list and calendarList.get (list_calendars,
  whoami);
- `calendar.events`: events.list (read_changes), events.insert / get / patch / delete
  (put_event, delete_event), events.watch and channels.stop (watch, unwatch);
- `calendar.freebusy`: freeBusy.query (free_busy).
The per-member consent adds `openid email` so the id_token names the account (exchange_code).

Reads use `singleEvents=true`, so Google expands recurring events into occurrences; a full read
is bounded by timeMin/timeMax, an incremental one starts from the stored syncToken (which may
not be combined with timeMin/timeMax) and pages with pageToken; 410 Gone means the token is
dead (SyncTokenInvalid). Writes use our own event id derived from the UID, so a retried insert
answers 409 and we adopt the event already there (bringing back one we had cancelled);
updates are PATCH with If-Match (a 412 on an event its owner deleted, which Google keeps as
`cancelled`, is EventGone, else EventChanged). `sendUpdates` is `none` unless the provider
sends invitations; that choice is noted in the event's private extendedProperties so that
delete_event, handed only an EventHandle, cancels the same way (one GET, then DELETE).

Deviation from Google's guidance, knowingly: the events.insert reference says only one of `id`
and `iCalUID` "should" be supplied. We send both: the id makes inserts idempotent and the
iCalUID matches the .ics mail. Should Google keep its own `<id>@google.com` instead, our id
encodes the UID reversibly (mapping.event_id_for), and reads map it back.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

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
from app.integrations.calendars.google import auth, client, mapping, push
from app.settings import Settings

FREEBUSY_MAX_CALENDARS = 50  # freeBusy `calendarExpansionMax` maximum
FREEBUSY_MAX_SPAN = timedelta(days=90)  # per call; Google refuses long freeBusy ranges
FREEBUSY_CONCURRENCY = 4
DEFAULT_PAGE_SIZE = 250  # events.list default; the maximum is 2500
DEFAULT_CHANNEL_TTL = 7 * 24 * 3600  # seconds; events.watch's default and practical maximum


class GoogleCalendarAdapter:
    provider: Provider = "google"
    pushes = True

    def __init__(
        self, *, page_size: int = DEFAULT_PAGE_SIZE, channel_ttl: int = DEFAULT_CHANNEL_TTL
    ) -> None:
        self.page_size = page_size
        self.channel_ttl = channel_ttl

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
            client,
            state=state,
            code_challenge=code_challenge,
            login_hint=login_hint,
            access=access,
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
        """The primary calendar's id, which is the account's address."""
        if grant.access == "free_busy":
            return grant.values.get("email")
        response = await client.call(http, grant, settings, "GET", "users/me/calendarList/primary")
        entry = client.body(response)
        value = entry.get("id")
        return str(value).lower() if isinstance(value, str) and "@" in value else None

    # --- reading -------------------------------------------------------------------------------

    async def list_calendars(
        self, http: httpx.AsyncClient, grant: Grant, settings: Settings
    ) -> list[RemoteCalendar]:
        if grant.access == "free_busy":
            # calendarList needs a scope this grant lacks: the one calendar is the primary,
            # whose id is the account's address ("primary" where Google did not name it).
            address = grant.values.get("email") or "primary"
            return [RemoteCalendar(id=address, name=address, primary=True, can_write=False)]
        calendars: list[RemoteCalendar] = []
        page: str | None = None
        while True:
            answer = await client.calendar_list(http, grant, settings, page)
            for entry in answer.get("items") or []:
                if isinstance(entry, dict) and entry.get("id") and not entry.get("deleted"):
                    calendars.append(mapping.to_remote_calendar(entry))
            token = answer.get("nextPageToken")
            if not isinstance(token, str) or not token:
                return calendars
            page = token

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
        if grant.access == "free_busy":
            return await self._read_free_busy(
                http, grant, calendar_id, window_start, window_end, settings
            )
        params: dict[str, Any] = {"singleEvents": "true", "maxResults": self.page_size}
        if sync_token:
            params["syncToken"] = sync_token  # may not be combined with timeMin/timeMax
        else:
            params["timeMin"] = mapping.rfc3339(window_start)
            params["timeMax"] = mapping.rfc3339(window_end)
        if page:
            params["pageToken"] = page
        try:
            answer = await client.events_list(http, grant, settings, calendar_id, params)
        except CalendarError as exc:
            if exc.status == 410:
                raise SyncTokenInvalid() from exc
            raise
        calendar_zone = mapping.zone(answer.get("timeZone"))
        events: list[RemoteEvent] = []
        removed: list[RemovedEvent] = []
        for item in answer.get("items") or []:
            if not isinstance(item, dict):
                continue
            if item.get("status") == "cancelled":
                removed.append(mapping.to_removed_event(item, calendar_zone))
                continue
            event = mapping.to_remote_event(item, calendar_zone)
            if event is not None:
                events.append(event)
        next_page = answer.get("nextPageToken")
        next_sync = answer.get("nextSyncToken")
        return ChangePage(
            events=events,
            removed=removed,
            next_page=next_page if isinstance(next_page, str) and next_page else None,
            sync_token=next_sync if isinstance(next_sync, str) and next_sync else None,
            full=sync_token is None,
        )

    async def _read_free_busy(
        self,
        http: httpx.AsyncClient,
        grant: Grant,
        calendar_id: str,
        window_start: datetime,
        window_end: datetime,
        settings: Settings,
    ) -> ChangePage:
        """A free/busy-only grant's read: the busy periods of the whole window, every time (no
        sync token exists for freeBusy), each a block named by its bounds. A period that moved
        is a new name, and the full read drops the old one."""
        answer = await self.free_busy(
            http, {calendar_id: (grant, [calendar_id])}, window_start, window_end, settings
        )
        periods = answer.busy.get(calendar_id)
        if periods is None:
            raise CalendarError(
                answer.errors.get(calendar_id, "Google did not answer freeBusy"), transient=True
            )
        events = [
            RemoteEvent(
                uid=f"freebusy-{mapping.rfc3339(p.start)}-{mapping.rfc3339(p.end)}",
                start=p.start,
                end=p.end,
            )
            for p in periods
        ]
        return ChangePage(events=events, removed=[], next_page=None, sync_token=None, full=True)

    async def free_busy(
        self,
        http: httpx.AsyncClient,
        grants: Mapping[str, tuple[Grant, list[str]]],
        start: datetime,
        end: datetime,
        settings: Settings,
    ) -> FreeBusy:
        """Accounts sharing credentials are asked together, at most 50 calendars and 90 days
        per call; a calendar Google reports `errors` for, or whose call failed, makes its
        account None (unknown, never free)."""
        windows: list[tuple[datetime, datetime]] = []
        cursor = start
        while cursor < end:
            windows.append((cursor, min(end, cursor + FREEBUSY_MAX_SPAN)))
            cursor = windows[-1][1]
        groups: dict[str, tuple[Grant, list[str]]] = {}
        for grant, calendar_ids in grants.values():
            fingerprint = _fingerprint(grant)
            ids = groups.setdefault(fingerprint, (grant, []))[1]
            ids.extend(c for c in calendar_ids if c not in ids)
        busy: dict[str, list[tuple[datetime, datetime]]] = {}
        failed: dict[str, str] = {}  # (fingerprint \0 calendar id) -> why
        semaphore = asyncio.Semaphore(FREEBUSY_CONCURRENCY)

        async def one(
            fingerprint: str, grant: Grant, ids: list[str], window: tuple[datetime, datetime]
        ) -> None:
            query = {
                "timeMin": mapping.rfc3339(window[0]),
                "timeMax": mapping.rfc3339(window[1]),
                "calendarExpansionMax": len(ids),
                "items": [{"id": i} for i in ids],
            }
            async with semaphore:
                try:
                    answer = await client.free_busy(http, grant, settings, query)
                except (VendorError, ValueError) as exc:
                    for calendar_id in ids:
                        failed[f"{fingerprint}\0{calendar_id}"] = f"freeBusy failed: {exc}"[:300]
                    return
            calendars = answer.get("calendars")
            calendars = calendars if isinstance(calendars, dict) else {}
            lowered = {str(k).lower(): v for k, v in calendars.items()}
            for calendar_id in ids:
                slot = f"{fingerprint}\0{calendar_id}"
                found = calendars.get(calendar_id, lowered.get(calendar_id.lower()))
                if not isinstance(found, dict):
                    failed[slot] = "Google did not answer for this calendar"
                    continue
                errors = found.get("errors")
                if errors:
                    reasons = sorted(
                        {str(e.get("reason")) for e in errors if isinstance(e, dict)} or {"error"}
                    )
                    failed[slot] = "Google could not read this calendar: " + ", ".join(reasons)
                    continue
                for period in found.get("busy") or []:
                    try:
                        interval = (
                            mapping.parse_rfc3339(period["start"]),
                            mapping.parse_rfc3339(period["end"]),
                        )
                    except (KeyError, TypeError, ValueError):
                        failed[slot] = "Google answered a malformed busy period"
                        break
                    busy.setdefault(slot, []).append(interval)

        calls = [
            one(fingerprint, grant, ids[i : i + FREEBUSY_MAX_CALENDARS], window)
            for fingerprint, (grant, ids) in groups.items()
            for i in range(0, len(ids), FREEBUSY_MAX_CALENDARS)
            for window in windows
        ]
        await asyncio.gather(*calls)

        result: dict[str, list[BusyInterval] | None] = {}
        errors: dict[str, str] = {}
        for key, (grant, calendar_ids) in grants.items():
            fingerprint = _fingerprint(grant)
            slots = [f"{fingerprint}\0{c}" for c in calendar_ids]
            problems = [failed[s] for s in slots if s in failed]
            if problems:
                result[key] = None
                errors[key] = problems[0]
                continue
            intervals = [i for s in slots for i in busy.get(s, [])]
            result[key] = _merge(intervals)
        return FreeBusy(busy=result, errors=errors)

    # --- writing -------------------------------------------------------------------------------

    async def put_event(
        self,
        http: httpx.AsyncClient,
        grant: Grant,
        calendar_id: str,
        event: EventWrite,
        existing: EventHandle | None,
        settings: Settings,
    ) -> EventHandle:
        updates = mapping.send_updates(event)
        if existing is None:
            try:
                created = await client.event_insert(
                    http,
                    grant,
                    settings,
                    calendar_id,
                    mapping.to_google_insert(event),
                    send_updates=updates,
                )
                return _handle(created)
            except CalendarError as exc:
                if exc.status != 409:
                    raise
            # The id is taken: our own earlier insert (a retry), or an event of this UID we
            # cancelled before. Adopt it, bringing it up to this write when it is older.
            event_id = mapping.event_id_for(event.uid)
            current = await client.event_get(http, grant, settings, calendar_id, event_id)
            if current.get("status") != "cancelled" and _sequence(current) >= event.sequence:
                return _handle(current)
            existing = EventHandle(remote_id=event_id, etag=_etag(current))
        elif existing.etag is None:
            # Unconditional: make sure we do not bring back an event its owner deleted.
            await self._current(http, grant, settings, calendar_id, existing.remote_id)
        changes = mapping.to_google_event(event, with_conference=False)
        updated = await self._patch(
            http, grant, settings, calendar_id, existing.remote_id, changes, updates, existing.etag
        )
        if event.video and mapping.video_url(updated) is None and not updated.get("conferenceData"):
            conference = mapping.to_google_event(event, with_conference=True)["conferenceData"]
            updated = await self._patch(
                http,
                grant,
                settings,
                calendar_id,
                existing.remote_id,
                {"conferenceData": conference},
                updates,
                _etag(updated),
            )
        return _handle(updated)

    async def _current(
        self,
        http: httpx.AsyncClient,
        grant: Grant,
        settings: Settings,
        calendar_id: str,
        event_id: str,
    ) -> dict[str, Any]:
        """The event as Google has it now; EventGone when it is deleted (Google keeps a
        deleted event for a while as `status: cancelled`)."""
        try:
            current = await client.event_get(http, grant, settings, calendar_id, event_id)
        except CalendarError as exc:
            if exc.status in (404, 410):
                raise EventGone() from exc
            raise
        if current.get("status") == "cancelled":
            raise EventGone()
        return current

    async def _patch(
        self,
        http: httpx.AsyncClient,
        grant: Grant,
        settings: Settings,
        calendar_id: str,
        event_id: str,
        changes: dict[str, Any],
        send_updates: str,
        etag: str | None,
    ) -> dict[str, Any]:
        try:
            return await client.event_patch(
                http,
                grant,
                settings,
                calendar_id,
                event_id,
                changes,
                send_updates=send_updates,
                etag=etag,
            )
        except CalendarError as exc:
            if exc.status == 412:
                # Deleted by its owner (a deletion changes the etag too) or really changed.
                await self._current(http, grant, settings, calendar_id, event_id)
                raise EventChanged() from exc
            if exc.status in (404, 410):
                raise EventGone() from exc
            raise

    async def delete_event(
        self,
        http: httpx.AsyncClient,
        grant: Grant,
        calendar_id: str,
        handle: EventHandle,
        settings: Settings,
    ) -> None:
        """Cancels with the same `sendUpdates` the event was written with (noted on the event,
        since the handle does not carry it): one GET, then the DELETE."""
        try:
            current = await client.event_get(http, grant, settings, calendar_id, handle.remote_id)
            if current.get("status") == "cancelled":
                return
            await client.event_delete(
                http,
                grant,
                settings,
                calendar_id,
                handle.remote_id,
                send_updates=mapping.sent_updates(current),
            )
        except CalendarError as exc:
            if exc.status in (404, 410):
                return
            raise

    # --- push ----------------------------------------------------------------------------------

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
        answer = await client.events_watch(
            http,
            grant,
            settings,
            calendar_id,
            {
                "id": channel_id,
                "token": token,
                "type": "web_hook",
                "address": callback_url,
                "params": {"ttl": str(self.channel_ttl)},
            },
        )
        resource = answer.get("resourceId")
        return Channel(
            id=str(answer.get("id") or channel_id),
            resource_id=str(resource) if resource else None,
            expires_at=mapping.expiration(answer.get("expiration")),
        )

    async def unwatch(
        self, http: httpx.AsyncClient, grant: Grant, channel: Channel, settings: Settings
    ) -> None:
        stop: dict[str, Any] = {"id": channel.id}
        if channel.resource_id:
            stop["resourceId"] = channel.resource_id
        try:
            await client.channels_stop(http, grant, settings, stop)
        except CalendarError as exc:
            if exc.status != 404:  # already stopped or expired
                raise

    def parse_push(
        self, headers: Mapping[str, str], body: bytes, query: Mapping[str, str]
    ) -> tuple[PushAnswer, list[PushNotice]]:
        return push.parse_push(headers, body, query)


# --- helpers -----------------------------------------------------------------------------------


def _fingerprint(grant: Grant) -> str:
    """Grants with equal credentials and subject can share a freeBusy call."""
    material = json.dumps(
        [grant.provider, sorted(grant.values.items()), grant.subject, grant.base_url]
    )
    return hashlib.sha256(material.encode()).hexdigest()


def _merge(intervals: list[tuple[datetime, datetime]]) -> list[BusyInterval]:
    """Sorted, with overlapping and touching intervals (from calendars or from the 90-day
    windows a long range was split into) joined."""
    merged: list[list[datetime]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [BusyInterval(start=s, end=e) for s, e in merged]


def _etag(item: Mapping[str, Any]) -> str | None:
    value = item.get("etag")
    return str(value) if value else None


def _sequence(item: Mapping[str, Any]) -> int:
    value = item.get("sequence")
    return value if isinstance(value, int) else 0


def _handle(item: Mapping[str, Any]) -> EventHandle:
    if not item.get("id"):
        raise CalendarError("Google's event answer lacks an id", transient=False)
    return EventHandle(
        remote_id=str(item["id"]), etag=_etag(item), video_url=mapping.video_url(item)
    )


adapter = GoogleCalendarAdapter()
