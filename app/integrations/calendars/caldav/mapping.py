"""iCalendar (RFC 5545) <-> the provider-neutral events, with `icalendar`; recurrence expanded
by `recurring_ical_events` (RRULE, RDATE, EXDATE and overridden RECURRENCE-ID instances),
never by hand.

Times: every RemoteEvent time is aware UTC. A floating time (no TZID, no Z) and an all-day
date are read in the calendar's time zone (`calendar-timezone`), or UTC when it has none; an
all-day event blocks from midnight of its first day to midnight after its last.
`recurrence_id` is set only for occurrences of a recurring event (RRULE/RDATE, or a resource
carrying RECURRENCE-ID overrides): the occurrence's ORIGINAL start as `YYYY-MM-DDTHH:MM:SSZ`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar
import recurring_ical_events

from app.integrations.calendars.base import (
    BusyInterval,
    EventWrite,
    RemoteEvent,
    ResponseStatus,
)

logger = logging.getLogger(__name__)

PRODID = "-//Hireloop//Interviews//EN"
# Occurrences are expanded over a window widened by this much on each side, then cut to the
# window in UTC: floating and all-day times shift by up to 14 hours once given a zone.
_EXPANSION_MARGIN = timedelta(days=1)

_PARTSTAT: dict[str, ResponseStatus] = {
    "ACCEPTED": "accepted",
    "DECLINED": "declined",
    "TENTATIVE": "tentative",
    "NEEDS-ACTION": "needs_action",
    # Delegated: someone else goes in their place; the owner's time is not taken.
    "DELEGATED": "declined",
}


def iso_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def zone_named(name: str | None) -> tzinfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        return None


def zone_of_vtimezone(text: str | None) -> tzinfo | None:
    """The IANA zone named by a `calendar-timezone` property (a VCALENDAR with one
    VTIMEZONE), or None when it names none we know."""
    if not text or "VTIMEZONE" not in text:
        return None
    try:
        calendar = icalendar.Calendar.from_ical(text)
    except Exception:  # a malformed property is no zone, not a failed read
        return None
    for component in calendar.walk("VTIMEZONE"):
        zone = zone_named(str(component.get("TZID") or ""))
        if zone is not None:
            return zone
    return None


def parse_calendar(data: str | bytes) -> icalendar.Calendar | None:
    try:
        return icalendar.Calendar.from_ical(data)
    except Exception as exc:  # icalendar raises ValueError and friends on bad input
        logger.warning("skipping an unreadable calendar resource: %s", type(exc).__name__)
        return None


def _to_utc(value: date | datetime, zone: tzinfo) -> datetime:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=zone)
        return value.astimezone(UTC)
    return datetime.combine(value, time(0), tzinfo=zone).astimezone(UTC)


def _email(address: Any) -> str:
    text = str(address).strip()
    if text.lower().startswith("mailto:"):
        text = text[7:]
    return text.strip().lower()


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _param(prop: Any, name: str) -> str | None:
    params = getattr(prop, "params", None)
    if params is None:
        return None
    value = params.get(name)
    return str(value).upper() if value else None


@dataclass(frozen=True)
class ResourceEvents:
    """What one CalDAV resource (one UID, its master and overrides) yields in a window."""

    uids: list[str]
    events: list[RemoteEvent]


def _recurring_uids(calendar: icalendar.Calendar) -> set[str]:
    found: set[str] = set()
    for component in calendar.walk("VEVENT"):
        if any(component.get(p) is not None for p in ("RRULE", "RDATE", "RECURRENCE-ID")):
            found.add(str(component.get("UID") or ""))
    return found


def _end_of(occurrence: Any, start_value: date | datetime) -> date | datetime:
    dtend = occurrence.get("DTEND")
    if dtend is not None:
        value: date | datetime = dtend.dt
        return value
    duration = occurrence.get("DURATION")
    if duration is not None and isinstance(duration.dt, timedelta):
        return start_value + duration.dt
    if isinstance(start_value, datetime):
        return start_value
    return start_value + timedelta(days=1)  # RFC 5545 3.6.1: an all-day event's one day


def expand(
    calendar: icalendar.Calendar,
    *,
    window_start: datetime,
    window_end: datetime,
    zone: tzinfo,
    own_addresses: Iterable[str],
    remote_id: str | None,
    etag: str | None,
) -> ResourceEvents:
    """Every occurrence of the resource's events that overlaps [window_start, window_end)."""
    own = {a.lower() for a in own_addresses}
    uids = sorted({str(c.get("UID")) for c in calendar.walk("VEVENT") if c.get("UID")})
    recurring = _recurring_uids(calendar)
    try:
        occurrences = recurring_ical_events.of(calendar).between(
            window_start - _EXPANSION_MARGIN, window_end + _EXPANSION_MARGIN
        )
    except Exception as exc:  # a rule the library cannot expand: skip, do not fail the read
        logger.warning(
            "skipping a calendar resource whose recurrence fails: %s", type(exc).__name__
        )
        return ResourceEvents(uids, [])
    events: list[RemoteEvent] = []
    for occurrence in occurrences:
        uid = str(occurrence.get("UID") or "")
        dtstart = occurrence.get("DTSTART")
        if not uid or dtstart is None:
            continue
        start_value: date | datetime = dtstart.dt
        start = _to_utc(start_value, zone)
        end = max(start, _to_utc(_end_of(occurrence, start_value), zone))
        overlaps = start < window_end and (end > window_start or start == end >= window_start)
        if not overlaps:
            continue
        recurrence_id = None
        if uid in recurring:
            original = occurrence.get("RECURRENCE-ID")
            recurrence_id = iso_utc(
                _to_utc(original.dt if original is not None else start_value, zone)
            )
        events.append(
            RemoteEvent(
                uid=uid,
                start=start,
                end=end,
                recurrence_id=recurrence_id,
                status=_status(occurrence),
                transparent=str(occurrence.get("TRANSP") or "").upper() == "TRANSPARENT",
                self_response=_self_response(occurrence, own),
                responses=_responses(occurrence),
                remote_id=remote_id,
                etag=etag,
            )
        )
    events.sort(key=lambda e: (e.start, e.uid))
    return ResourceEvents(uids, events)


def _status(component: Any) -> Any:
    status = str(component.get("STATUS") or "").upper()
    if status == "CANCELLED":
        return "cancelled"
    if status == "TENTATIVE":
        return "tentative"
    return "confirmed"


def _partstat(attendee: Any) -> ResponseStatus:
    # RFC 5545 3.2.12: PARTSTAT defaults to NEEDS-ACTION.
    return _PARTSTAT.get(_param(attendee, "PARTSTAT") or "NEEDS-ACTION", "needs_action")


def _responses(component: Any) -> Mapping[str, ResponseStatus]:
    answers: dict[str, ResponseStatus] = {}
    for attendee in _as_list(component.get("ATTENDEE")):
        email = _email(attendee)
        if email:
            answers[email] = _partstat(attendee)
    return answers


def _self_response(component: Any, own: set[str]) -> ResponseStatus | None:
    if not own:
        return None
    organizer = component.get("ORGANIZER")
    if organizer is not None and _email(organizer) in own:
        return None  # the owner organizes it: their own answer is not asked
    for attendee in _as_list(component.get("ATTENDEE")):
        if _email(attendee) in own:
            return _partstat(attendee)
    return None


# --- free/busy -----------------------------------------------------------------------------


def parse_free_busy(data: str | bytes, start: datetime, end: datetime) -> list[BusyInterval]:
    """The busy periods of a free-busy-query answer (RFC 4791 7.10: a VCALENDAR with one
    VFREEBUSY whose FREEBUSY lines carry FBTYPE), cut to [start, end)."""
    calendar = icalendar.Calendar.from_ical(data)
    intervals: list[BusyInterval] = []
    for component in calendar.walk("VFREEBUSY"):
        for prop in _as_list(component.get("FREEBUSY")):
            fbtype = _param(prop, "FBTYPE") or "BUSY"
            if fbtype == "FREE":
                continue
            periods = prop.dt if isinstance(prop.dt, list) else [prop.dt]
            for period in periods:
                first, second = period
                begin = _to_utc(first, UTC)
                finish = (
                    _to_utc(first + second, UTC)
                    if isinstance(second, timedelta)
                    else _to_utc(second, UTC)
                )
                begin, finish = max(begin, start), min(finish, end)
                if begin < finish:
                    intervals.append(
                        BusyInterval(begin, finish, tentative=fbtype == "BUSY-TENTATIVE")
                    )
    return intervals


def busy_from_events(
    events: Iterable[RemoteEvent], start: datetime, end: datetime
) -> list[BusyInterval]:
    return [
        BusyInterval(max(e.start, start), min(e.end, end), tentative=e.tentative)
        for e in events
        if e.blocks and e.start < end and e.end > start and e.start < e.end
    ]


def merge(intervals: Iterable[BusyInterval]) -> list[BusyInterval]:
    """Sorted, with overlapping intervals of the same kind joined."""
    merged: list[BusyInterval] = []
    for interval in sorted(intervals, key=lambda i: (i.tentative, i.start, i.end)):
        last = merged[-1] if merged else None
        if last is not None and last.tentative == interval.tentative and interval.start <= last.end:
            merged[-1] = BusyInterval(last.start, max(last.end, interval.end), last.tentative)
        else:
            merged.append(interval)
    merged.sort(key=lambda i: (i.start, i.end))
    return merged


# --- writing -------------------------------------------------------------------------------


def _address(email: str, name: str | None, params: dict[str, str]) -> icalendar.vCalAddress:
    address = icalendar.vCalAddress(f"mailto:{email}")
    if name:
        address.params["CN"] = name
    for key, value in params.items():
        address.params[key] = value
    return address


def event_to_ics(event: EventWrite, *, now: datetime | None = None) -> bytes:
    """Our interview as a VCALENDAR with one VEVENT. With `provider_sends_invitations` False
    every ORGANIZER/ATTENDEE carries SCHEDULE-AGENT=CLIENT (RFC 6638 7.1), so a scheduling
    server leaves the invitations to us."""
    utc_names = ("UTC", "Z", "GMT", "ETC/UTC", "ETC/GMT")
    zone = UTC if event.time_zone.upper() in utc_names else zone_named(event.time_zone) or UTC
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    vevent = icalendar.Event()
    vevent.add("uid", event.uid)
    vevent.add("dtstamp", (now or datetime.now(UTC)).astimezone(UTC))
    vevent.add("sequence", event.sequence)
    vevent.add("summary", event.summary)
    if event.description:
        vevent.add("description", event.description)
    vevent.add("dtstart", _in_zone(event.start, zone))
    vevent.add("dtend", _in_zone(event.end, zone))
    vevent.add("status", "TENTATIVE" if event.status == "tentative" else "CONFIRMED")
    vevent.add("transp", "OPAQUE")
    if event.location:
        vevent.add("location", event.location)
    scheduling = {} if event.provider_sends_invitations else {"SCHEDULE-AGENT": "CLIENT"}
    if event.organizer_email:
        vevent.add("organizer", _address(event.organizer_email, None, scheduling))
    for attendee in event.attendees:
        params = {
            "CUTYPE": "INDIVIDUAL",
            "ROLE": "OPT-PARTICIPANT" if attendee.optional else "REQ-PARTICIPANT",
            "PARTSTAT": "NEEDS-ACTION",
            "RSVP": "TRUE",
            **scheduling,
        }
        vevent.add("attendee", _address(attendee.email, attendee.name, params))
    calendar.add_component(vevent)
    if zone is not UTC:
        calendar.add_missing_timezones()
    data: bytes = calendar.to_ical()
    return data


def _in_zone(moment: datetime, zone: tzinfo) -> datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone)
