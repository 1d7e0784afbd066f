"""Graph's JSON <-> our provider-neutral types. Pure functions, no I/O.

Shapes (Microsoft Graph v1.0 reference: event, calendar, scheduleInformation, dateTimeTimeZone):
- `dateTimeTimeZone` is `{"dateTime": "2026-12-08T09:00:00.0000000", "timeZone": "UTC"}`: a
  local time (seven fractional digits) and the zone it is in. Every read sends
  `Prefer: outlook.timezone="UTC"`, so the zone is UTC; an IANA name is converted with zoneinfo
  and a few common Windows names through a small table; any other zone is an error rather than
  a silently wrong busy time.
- All-day events (`isAllDay`) float: their dates are read at midnight in the event's own
  `originalStartTimeZone` / `originalEndTimeZone`.
- An event's owner answer is `responseStatus.response` (none, organizer, tentativelyAccepted,
  accepted, declined, notResponded); each attendee's is `attendees[].status.response`.
- `showAs` (free, tentative, busy, oof, workingElsewhere, unknown): free -> transparent,
  tentative -> status tentative. `isCancelled` -> cancelled.
- Recurring series arrive from calendarView as occurrences and exceptions (`type`), each with
  `originalStart` (Edm.DateTimeOffset): our `recurrence_id`, written `YYYY-MM-DDTHH:MM:SSZ`.
- `iCalUId` is the event's iCalendar UID; Graph assigns it and it can't be set on create (see
  below for how our own events are recognised, and `ical_uid` for how it is read).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app.integrations.calendars.base import (
    BusyInterval,
    CalendarError,
    EventWrite,
    RemoteCalendar,
    RemoteEvent,
    RemovedEvent,
    ResponseStatus,
)

# Graph assigns iCalUId itself, so our UID travels on the events we write twice:
# - as the `transactionId`, `hireloop:<uid>`: Graph answers a create that repeats a
#   transactionId with the event it already made (idempotent create), and returns
#   transactionId with the event whenever an app set it, delta reads included, which is how a
#   read knows an event is ours (RemoteEvent.uid = our UID). A UID too long for that falls
#   back to `hireloop:<uuid5 of the UID>`, still idempotent but not recognisable on reads.
# - as a single-value extended property (a named MAPI string property in our own property
#   set), readable with `$expand=singleValueExtendedProperties` on a GET.
UID_PROPERTY_SET = "{9f5c6b2e-3d1a-4c8e-9b7f-2a6d4e8c1f03}"
UID_PROPERTY_ID = f"String {UID_PROPERTY_SET} Name HireloopUid"
TRANSACTION_PREFIX = "hireloop:"
TRANSACTION_UID_MAX = 200
TRANSACTION_NAMESPACE = uuid.UUID("4a0f3c52-6f3e-4d8a-a1c9-0b7e2d5f9a61")
# Exchange's iCalUId is the hex of a GlobalObjectId (MS-OXOCAL 2.2.1.27): a class id, 4 bytes
# of instance date (zero but for one occurrence of a series), creation time, reserved bytes,
# a size, then the data. A UID that came from outside Exchange (an .ics invitation, such as
# Hireloop's own) is carried in the data behind the marker "vCal-Uid" 01 00 00 00.
_GOID_CLASS = "040000008200E00074C5B7101A82E008"
_VCAL_MARKER = "7643616C2D55696401000000"

_WINDOWS_ZONES = {
    "UTC": "UTC",
    "Coordinated Universal Time": "UTC",
    "GMT Standard Time": "Europe/London",
    "W. Europe Standard Time": "Europe/Berlin",
    "Romance Standard Time": "Europe/Paris",
    "Central Europe Standard Time": "Europe/Budapest",
    "Eastern Standard Time": "America/New_York",
    "Central Standard Time": "America/Chicago",
    "Mountain Standard Time": "America/Denver",
    "Pacific Standard Time": "America/Los_Angeles",
    "India Standard Time": "Asia/Kolkata",
    "Tokyo Standard Time": "Asia/Tokyo",
    "AUS Eastern Standard Time": "Australia/Sydney",
}

_RESPONSES: dict[str, ResponseStatus] = {
    "accepted": "accepted",
    "organizer": "accepted",
    "tentativelyaccepted": "tentative",
    "declined": "declined",
    "notresponded": "needs_action",
}

# getSchedule scheduleItem statuses that block time; "free" does not. "unknown" is treated as
# busy (never free): we can't tell what it is.
_BUSY_STATUSES = {"busy", "oof", "workingelsewhere", "unknown"}


def utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def iso_z(moment: datetime) -> str:
    """ISO 8601 in UTC with a Z, seconds precision (query parameters, recurrence ids)."""
    return utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


def graph_time(moment: datetime) -> dict[str, str]:
    """A `dateTimeTimeZone` in UTC."""
    return {"dateTime": utc(moment).strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": "UTC"}


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(_WINDOWS_ZONES.get(name, name))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise CalendarError(
            f"Graph answered a time in an unknown zone {name!r}", transient=False
        ) from exc


def parse_graph_time(value: Any) -> datetime:
    """A `dateTimeTimeZone` object as an aware UTC datetime."""
    if not isinstance(value, Mapping):
        raise CalendarError("Graph answered an event without a start or end", transient=False)
    text = value.get("dateTime")
    if not isinstance(text, str) or not text:
        raise CalendarError("Graph answered a time without dateTime", transient=False)
    head, dot, fraction = text.replace("Z", "").partition(".")
    cleaned = head + (("." + fraction[:6]) if dot and fraction else "")
    try:
        parsed = datetime.fromisoformat(cleaned)
    except ValueError as exc:
        raise CalendarError(f"Graph answered an unreadable time {text!r}", transient=False) from exc
    if parsed.tzinfo is not None:
        return parsed.astimezone(UTC)
    zone_name = value.get("timeZone")
    zone = _zone(zone_name) if isinstance(zone_name, str) and zone_name else ZoneInfo("UTC")
    return parsed.replace(tzinfo=zone).astimezone(UTC)


def parse_offset_time(value: Any) -> datetime | None:
    """An Edm.DateTimeOffset string (`2026-12-08T09:00:00Z`, maybe with 7 fractional digits)."""
    if not isinstance(value, str) or not value:
        return None
    text = value.replace("Z", "+00:00")
    head, dot, rest = text.partition(".")
    if dot:
        digits = "".join(ch for ch in rest if ch.isdigit())
        tail = rest[len(digits) :]
        text = f"{head}.{digits[:6]}{tail}"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return utc(parsed)


def transaction_id(uid: str) -> str:
    if len(uid) <= TRANSACTION_UID_MAX and uid.isascii() and uid.isprintable():
        return TRANSACTION_PREFIX + uid
    return TRANSACTION_PREFIX + str(uuid.uuid5(TRANSACTION_NAMESPACE, uid))


def uid_from_transaction(value: Any) -> str | None:
    if isinstance(value, str) and value.startswith(TRANSACTION_PREFIX):
        rest = value[len(TRANSACTION_PREFIX) :]
        try:
            uuid.UUID(rest)
        except ValueError:
            return rest or None
        return None  # the uuid5 fallback names no UID
    return None


def ical_uid(value: str) -> str:
    """The iCalendar UID behind Graph's iCalUId: the original UID when Exchange wrapped a
    foreign one, else the series' GlobalObjectId with the instance date cleared (so every
    occurrence of a series names one UID, as in iCalendar)."""
    text = value.strip().upper()
    if not text.startswith(_GOID_CLASS) or len(text) < 80:
        return value
    if text[80 : 80 + len(_VCAL_MARKER)] == _VCAL_MARKER:
        try:
            data = bytes.fromhex(text[80 + len(_VCAL_MARKER) :])
            uid = data.split(b"\0", 1)[0].decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            uid = ""
        if uid:
            return uid
    return text[:32] + "00000000" + text[40:]


def response_status(value: Any) -> ResponseStatus | None:
    if not isinstance(value, Mapping):
        return None
    answer = value.get("response")
    if not isinstance(answer, str):
        return None
    return _RESPONSES.get(answer.lower())


def our_uid(event: Mapping[str, Any]) -> str | None:
    """Our UID from the extended property, when the event was expanded with it."""
    props = event.get("singleValueExtendedProperties")
    if isinstance(props, list):
        for prop in props:
            if (
                isinstance(prop, Mapping)
                and str(prop.get("id", "")).lower() == UID_PROPERTY_ID.lower()
                and isinstance(prop.get("value"), str)
            ):
                return str(prop["value"])
    return None


def remote_calendar(item: Mapping[str, Any]) -> RemoteCalendar:
    return RemoteCalendar(
        id=str(item["id"]),
        name=str(item.get("name") or ""),
        primary=item.get("isDefaultCalendar") is True,
        can_write=item.get("canEdit") is not False,
        time_zone=None,  # Graph's calendar resource carries no time zone
    )


def removed_event(item: Mapping[str, Any]) -> RemovedEvent:
    """A delta `@removed` row names only Graph's id of the event (or occurrence)."""
    return RemovedEvent(uid=None, remote_id=str(item.get("id")))


def _all_day_bound(value: Any, zone_name: Any) -> datetime:
    """An all-day event's bound: its date at midnight in the event's own zone
    (`originalStartTimeZone`), since all-day events float and Graph answers them as midnight in
    whatever zone was asked for. An unknown zone leaves the date at midnight UTC."""
    moment = parse_graph_time(value)
    text = value.get("dateTime", "") if isinstance(value, Mapping) else ""
    try:
        day = datetime.fromisoformat(str(text)[:10])
    except ValueError:
        return moment
    try:
        zone = _zone(zone_name) if isinstance(zone_name, str) and zone_name else ZoneInfo("UTC")
    except CalendarError:
        zone = ZoneInfo("UTC")
    return day.replace(tzinfo=zone).astimezone(UTC)


def remote_event(item: Mapping[str, Any]) -> RemoteEvent:
    if item.get("isAllDay") is True:
        start = _all_day_bound(item.get("start"), item.get("originalStartTimeZone"))
        end = _all_day_bound(item.get("end"), item.get("originalEndTimeZone"))
    else:
        start = parse_graph_time(item.get("start"))
        end = parse_graph_time(item.get("end"))
    recurrence_id: str | None = None
    if item.get("type") in ("occurrence", "exception"):
        original = parse_offset_time(item.get("originalStart"))
        recurrence_id = iso_z(original or start)
    show_as = str(item.get("showAs") or "busy").lower()
    status: Any = "confirmed"
    if item.get("isCancelled") is True:
        status = "cancelled"
    elif show_as == "tentative":
        status = "tentative"
    responses: dict[str, ResponseStatus] = {}
    attendees = item.get("attendees")
    if isinstance(attendees, list):
        for attendee in attendees:
            if not isinstance(attendee, Mapping):
                continue
            address = (attendee.get("emailAddress") or {}).get("address")
            answer = response_status(attendee.get("status"))
            if isinstance(address, str) and address and answer is not None:
                responses[address.strip().lower()] = answer
    etag = item.get("@odata.etag")
    graph_uid = item.get("iCalUId")
    uid = (
        our_uid(item)
        or uid_from_transaction(item.get("transactionId"))
        or (ical_uid(graph_uid) if isinstance(graph_uid, str) and graph_uid else None)
        or item.get("id")
    )
    return RemoteEvent(
        uid=str(uid),
        start=start,
        end=end,
        recurrence_id=recurrence_id,
        status=status,
        transparent=show_as == "free",
        # The organizer has no answer of their own: Graph's "organizer" is not an acceptance
        # (an interview we write is organized by the mailbox it is written to).
        self_response=None
        if _is_organizer(item.get("responseStatus"))
        else response_status(item.get("responseStatus")),
        responses=responses,
        remote_id=str(item["id"]) if item.get("id") is not None else None,
        etag=str(etag) if etag else None,
    )


def _is_organizer(status: object) -> bool:
    return isinstance(status, dict) and str(status.get("response", "")).lower() == "organizer"


def event_body(
    event: EventWrite, *, calendar_create: bool, include_attendees: bool
) -> dict[str, Any]:
    """The event as Graph's JSON for POST (`calendar_create`) or PATCH.

    Attendees are written only when Graph is the one to invite (`include_attendees`): Graph
    mails an invitation to every attendee of an event written to the organizer's calendar, and
    when Hireloop sends its own .ics mail a second invitation would follow."""
    body: dict[str, Any] = {
        "subject": event.summary,
        "body": {"contentType": "text", "content": event.description},
        "start": graph_time(event.start),
        "end": graph_time(event.end),
        "showAs": "tentative" if event.status == "tentative" else "busy",
        "location": {"displayName": event.location or ""},
        "isOnlineMeeting": event.video,
    }
    if event.video:
        body["onlineMeetingProvider"] = "teamsForBusiness"
    if include_attendees:
        body["attendees"] = [
            {
                "emailAddress": {"address": a.email, **({"name": a.name} if a.name else {})},
                "type": "optional" if a.optional else "required",
            }
            for a in event.attendees
        ]
        body["responseRequested"] = True
    if calendar_create:
        body["transactionId"] = transaction_id(event.uid)
        body["singleValueExtendedProperties"] = [{"id": UID_PROPERTY_ID, "value": event.uid}]
    return body


def join_url(item: Mapping[str, Any]) -> str | None:
    meeting = item.get("onlineMeeting")
    if isinstance(meeting, Mapping) and isinstance(meeting.get("joinUrl"), str):
        return str(meeting["joinUrl"])
    url = item.get("onlineMeetingUrl")
    return str(url) if isinstance(url, str) and url else None


def busy_intervals(schedule: Mapping[str, Any]) -> list[BusyInterval]:
    """A scheduleInformation's items that block time (status compared case-insensitively)."""
    result: list[BusyInterval] = []
    items = schedule.get("scheduleItems")
    if not isinstance(items, list):
        return result
    for item in items:
        if not isinstance(item, Mapping):
            continue
        status = str(item.get("status") or "busy").lower()
        if status == "free":
            continue
        tentative = status == "tentative"
        if not tentative and status not in _BUSY_STATUSES:
            status = "busy"
        result.append(
            BusyInterval(
                start=parse_graph_time(item.get("start")),
                end=parse_graph_time(item.get("end")),
                tentative=tentative,
            )
        )
    return result


def split_range(start: datetime, end: datetime, span: timedelta) -> list[tuple[datetime, datetime]]:
    """[start, end) cut into consecutive pieces no longer than `span`."""
    pieces: list[tuple[datetime, datetime]] = []
    cursor = start
    while cursor < end:
        stop = min(end, cursor + span)
        pieces.append((cursor, stop))
        cursor = stop
    return pieces
