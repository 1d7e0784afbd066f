"""The interview as an iCalendar invitation (RFC 5545, iTIP METHOD per RFC 5546).

The UID never changes and SEQUENCE rises with every change, so calendar clients update the
event in place; a cancelled interview is sent as METHOD:CANCEL with STATUS:CANCELLED.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vCalAddress, vText

from app.clock import utcnow
from app.domain.interviews.schemas import InterviewPublic

PARTSTAT = {
    "needs_action": "NEEDS-ACTION",
    "accepted": "ACCEPTED",
    "declined": "DECLINED",
    "tentative": "TENTATIVE",
}


def _address(email: str, name: str, **params: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    address.params["CN"] = vText(name)
    for key, value in params.items():
        address.params[key] = vText(value)
    return address


def invitation(
    interview: InterviewPublic,
    *,
    title: str,
    description: str,
    organizer: tuple[str, str],
    interviewers: dict[str, tuple[str, str]],
    candidate: tuple[str, str],
    stamp: datetime | None = None,
) -> bytes:
    """`interviewers` maps member id (str) to (email, name); `candidate` and `organizer` are (email, name)."""
    cancelled = interview.status == "cancelled"
    calendar = Calendar()
    calendar.add("prodid", "-//Hireloop//Interviews//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "CANCEL" if cancelled else "REQUEST")
    event = Event()
    zone = ZoneInfo(interview.time_zone)
    event.add("uid", interview.ical_uid)
    event.add("sequence", interview.ical_sequence)
    event.add("dtstamp", stamp or utcnow())
    event.add("dtstart", interview.start_at.astimezone(zone))
    event.add("dtend", interview.end_at.astimezone(zone))
    event.add("summary", title)
    event.add("description", description)
    if interview.location:
        event.add("location", interview.location)
    if interview.video_url:
        event.add("url", interview.video_url)
    event.add(
        "status",
        "CANCELLED"
        if cancelled
        else "TENTATIVE"
        if interview.status == "proposed"
        else "CONFIRMED",
    )
    event.add("organizer", _address(*organizer))
    for participant in interview.interviewers:
        email, name = interviewers[str(participant.member_id)]
        event.add(
            "attendee",
            _address(
                email,
                name,
                ROLE="REQ-PARTICIPANT",
                PARTSTAT=PARTSTAT[participant.response],
                RSVP="TRUE",
            ),
        )
    event.add(
        "attendee",
        _address(*candidate, ROLE="REQ-PARTICIPANT", PARTSTAT="NEEDS-ACTION", RSVP="TRUE"),
    )
    calendar.add_component(event)
    calendar.add_missing_timezones()
    data: bytes = calendar.to_ical()
    return data
