"""Google Calendar event JSON <-> our provider-neutral records (pure functions, no I/O).

Shapes (Calendar API v3, reference/events):
- `start` / `end`: `{"dateTime": RFC 3339, "timeZone": ...}` for timed events, `{"date":
  "YYYY-MM-DD"}` for all-day ones (end date exclusive). All-day dates are whole days in the
  calendar's time zone (the `timeZone` of the events.list answer).
- With `singleEvents=true` a recurring event arrives as its occurrences: each has its own `id`
  (`<series id>_<original start>`), the series' `iCalUID`, `recurringEventId` and
  `originalStartTime` (the occurrence's RECURRENCE-ID).
- `status`: confirmed | tentative | cancelled; `transparency`: opaque (default) | transparent.
- `attendees[]`: `{email, responseStatus: needsAction|declined|tentative|accepted, self,
  organizer, optional, displayName}`.
- Event ids we choose ourselves: base32hex characters (0-9, a-v), 5 to 1024 long.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app.integrations.calendars.base import (
    CalendarError,
    EventWrite,
    RemoteCalendar,
    RemoteEvent,
    RemovedEvent,
    ResponseStatus,
)

# Our event ids are "hl" + the lower-case, unpadded base32hex of the UID: valid Google ids
# (base32hex alphabet), deterministic (a retried insert reuses the id) and reversible (an
# event whose iCalUID Google rewrote still maps back to our UID). UIDs too long for a
# 1024-character id get a digest instead.
ID_PREFIX = "hl"
_MAX_ID = 1024
_DIGEST_PREFIX = "hh"

# Where we note, on the event itself, whether Google mails invitations for it: delete_event
# is handed only an EventHandle, and must send the cancellation the same way.
SEND_UPDATES_PROPERTY = "hireloopSendUpdates"

_RESPONSES: dict[str, ResponseStatus] = {
    "accepted": "accepted",
    "declined": "declined",
    "tentative": "tentative",
    "needsAction": "needs_action",
}


def event_id_for(uid: str) -> str:
    """The Google event id we give the event with this iCalendar UID."""
    encoded = base64.b32hexencode(uid.encode()).decode().rstrip("=").lower()
    candidate = ID_PREFIX + encoded
    if len(candidate) <= _MAX_ID:
        return candidate
    digest = base64.b32hexencode(hashlib.sha256(uid.encode()).digest()).decode()
    return _DIGEST_PREFIX + digest.rstrip("=").lower()


def uid_from_event_id(event_id: str) -> str | None:
    """The UID an id made by `event_id_for` encodes (None for anybody else's id)."""
    if not event_id.startswith(ID_PREFIX):
        return None
    body = event_id[len(ID_PREFIX) :].upper()
    body += "=" * (-len(body) % 8)
    try:
        return base64.b32hexdecode(body).decode()
    except (ValueError, UnicodeDecodeError):
        return None


def zone(name: str | None) -> ZoneInfo:
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return ZoneInfo("UTC")


def parse_rfc3339(value: str) -> datetime:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def rfc3339(moment: datetime) -> str:
    """UTC, second precision, `Z`: what Google accepts for timeMin/timeMax and dateTime."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def event_time(value: Any, calendar_zone: ZoneInfo) -> datetime | None:
    """An EventDateTime as an aware UTC datetime; all-day dates start at local midnight."""
    if not isinstance(value, Mapping):
        return None
    if isinstance(value.get("dateTime"), str):
        return parse_rfc3339(value["dateTime"])
    if isinstance(value.get("date"), str):
        day = date.fromisoformat(value["date"])
        tz = zone(value["timeZone"]) if isinstance(value.get("timeZone"), str) else calendar_zone
        return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)
    return None


def _uid(item: Mapping[str, Any]) -> str | None:
    ical = item.get("iCalUID")
    event_id = str(item.get("id") or "")
    if isinstance(ical, str) and ical:
        # Google may keep its own `<id>@google.com` for an event we inserted with our id;
        # our ids encode the UID, so it maps back.
        if ical.endswith("@google.com") and ical[: -len("@google.com")] == event_id:
            return uid_from_event_id(event_id) or ical
        return ical
    base_id = str(item.get("recurringEventId") or event_id.split("_", 1)[0])
    return uid_from_event_id(base_id) if base_id else None


def recurrence_id(item: Mapping[str, Any], calendar_zone: ZoneInfo) -> str | None:
    original = event_time(item.get("originalStartTime"), calendar_zone)
    return rfc3339(original) if original is not None else None


def _responses(attendees: Any) -> tuple[dict[str, ResponseStatus], ResponseStatus | None]:
    responses: dict[str, ResponseStatus] = {}
    own: ResponseStatus | None = None
    if not isinstance(attendees, list):
        return responses, own
    for attendee in attendees:
        if not isinstance(attendee, Mapping):
            continue
        answer = _RESPONSES.get(str(attendee.get("responseStatus") or "needsAction"))
        if answer is None:
            continue
        email = attendee.get("email")
        if isinstance(email, str) and email:
            responses[email.strip().lower()] = answer
        if attendee.get("self") is True and attendee.get("organizer") is not True:
            own = answer
    return responses, own


def to_remote_event(item: Mapping[str, Any], calendar_zone: ZoneInfo) -> RemoteEvent | None:
    """One events.list item as a RemoteEvent (None when it lacks a UID or times)."""
    uid = _uid(item)
    start = event_time(item.get("start"), calendar_zone)
    end = event_time(item.get("end"), calendar_zone)
    if uid is None or start is None:
        return None
    if end is None or end < start:
        end = start
    status_value = item.get("status")
    status: Literal["confirmed", "tentative", "cancelled"] = (
        status_value if status_value in ("tentative", "cancelled") else "confirmed"
    )
    responses, own = _responses(item.get("attendees"))
    return RemoteEvent(
        uid=uid,
        start=start,
        end=end,
        recurrence_id=recurrence_id(item, calendar_zone),
        status=status,
        transparent=item.get("transparency") == "transparent",
        self_response=own,
        responses=responses,
        remote_id=str(item["id"]) if item.get("id") else None,
        etag=str(item["etag"]) if item.get("etag") else None,
    )


def to_removed_event(item: Mapping[str, Any], calendar_zone: ZoneInfo) -> RemovedEvent:
    """A cancelled item of an incremental read: the event or one occurrence is gone."""
    return RemovedEvent(
        uid=_uid(item),
        recurrence_id=recurrence_id(item, calendar_zone),
        remote_id=str(item["id"]) if item.get("id") else None,
    )


def to_remote_calendar(entry: Mapping[str, Any]) -> RemoteCalendar:
    name = entry.get("summaryOverride") or entry.get("summary") or entry.get("id") or ""
    return RemoteCalendar(
        id=str(entry["id"]),
        name=str(name),
        primary=entry.get("primary") is True,
        can_write=entry.get("accessRole") in ("writer", "owner"),
        time_zone=str(entry["timeZone"]) if entry.get("timeZone") else None,
    )


def _when(moment: datetime, time_zone: str) -> dict[str, str]:
    return {"dateTime": rfc3339(moment), "timeZone": time_zone or "UTC"}


def send_updates(event: EventWrite) -> str:
    """Google's `sendUpdates`: `none` keeps Hireloop's mail the only invitation."""
    return "all" if event.provider_sends_invitations else "none"


def conference_request_id(event: EventWrite) -> str:
    """Stable per (uid, sequence): a retried write asks for the same conference."""
    return hashlib.sha256(f"{event.uid}\0{event.sequence}".encode()).hexdigest()[:40]


def to_google_event(event: EventWrite, *, with_conference: bool) -> dict[str, Any]:
    """The writable fields of our event (the body of a PATCH; insert adds id and iCalUID)."""
    if event.end <= event.start:
        raise CalendarError("the event ends before it starts", transient=False)
    body: dict[str, Any] = {
        "summary": event.summary,
        "description": event.description,
        "start": _when(event.start, event.time_zone),
        "end": _when(event.end, event.time_zone),
        "sequence": event.sequence,
        "status": event.status,
        "transparency": "opaque",
        "location": event.location or "",
        "attendees": [
            {
                "email": a.email,
                **({"displayName": a.name} if a.name else {}),
                **({"optional": True} if a.optional else {}),
            }
            for a in event.attendees
        ],
        "extendedProperties": {"private": {SEND_UPDATES_PROPERTY: send_updates(event)}},
    }
    if with_conference:
        body["conferenceData"] = {
            "createRequest": {
                "requestId": conference_request_id(event),
                "conferenceSolutionKey": {"type": "hangoutsMeet"},
            }
        }
    return body


def to_google_insert(event: EventWrite) -> dict[str, Any]:
    return {
        "id": event_id_for(event.uid),
        "iCalUID": event.uid,
        **to_google_event(event, with_conference=event.video),
    }


def video_url(item: Mapping[str, Any]) -> str | None:
    """The Meet link of an event: `hangoutLink`, else the conference's video entry point."""
    link = item.get("hangoutLink")
    if isinstance(link, str) and link:
        return link
    conference = item.get("conferenceData")
    if isinstance(conference, Mapping):
        for entry in conference.get("entryPoints") or []:
            if (
                isinstance(entry, Mapping)
                and entry.get("entryPointType") == "video"
                and isinstance(entry.get("uri"), str)
            ):
                return str(entry["uri"])
    return None


def sent_updates(item: Mapping[str, Any]) -> str:
    """How the event's invitations were sent when we wrote it (`none` when not noted)."""
    extended = item.get("extendedProperties")
    private = extended.get("private") if isinstance(extended, Mapping) else None
    value = private.get(SEND_UPDATES_PROPERTY) if isinstance(private, Mapping) else None
    return "all" if value == "all" else "none"


def expiration(value: Any) -> datetime:
    """A channel's `expiration` (milliseconds since the epoch, as a string) as a datetime."""
    try:
        millis = int(value)
    except (TypeError, ValueError):
        return datetime.now(UTC) + timedelta(days=7)
    return datetime.fromtimestamp(millis / 1000, tz=UTC)
