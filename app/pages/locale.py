"""Dates, times and zones for the candidates' pages: Babel, the browser's language, their zone."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time, get_timezone_location
from babel.numbers import format_decimal

DEFAULT_LOCALE = "en"
DASH = " \u2013 "
# The zones offered in the picker besides the link's own: one or two per populated offset, so
# the page stays light (the full list of 600 would triple its weight). Any valid IANA zone
# still works when it comes in the address (?tz=).
COMMON_ZONES = (
    "Pacific/Honolulu", "America/Anchorage", "America/Los_Angeles", "America/Denver",
    "America/Phoenix", "America/Chicago", "America/Mexico_City", "America/New_York",
    "America/Toronto", "America/Bogota", "America/Halifax", "America/Sao_Paulo",
    "America/Argentina/Buenos_Aires", "Atlantic/Azores", "UTC", "Europe/London", "Europe/Lisbon",
    "Africa/Lagos", "Europe/Paris", "Europe/Berlin", "Europe/Madrid", "Europe/Rome",
    "Europe/Amsterdam", "Europe/Stockholm", "Europe/Warsaw", "Africa/Johannesburg",
    "Africa/Cairo", "Europe/Athens", "Europe/Helsinki", "Europe/Kyiv", "Asia/Jerusalem",
    "Europe/Istanbul", "Africa/Nairobi", "Asia/Riyadh", "Asia/Dubai", "Asia/Tehran",
    "Asia/Karachi", "Asia/Kolkata", "Asia/Kathmandu", "Asia/Dhaka", "Asia/Bangkok",
    "Asia/Jakarta", "Asia/Singapore", "Asia/Shanghai", "Asia/Hong_Kong", "Asia/Manila",
    "Australia/Perth", "Asia/Tokyo", "Asia/Seoul", "Australia/Adelaide", "Australia/Brisbane",
    "Australia/Sydney", "Pacific/Auckland",
)  # fmt: skip


@lru_cache(maxsize=256)
def negotiate(accept_language: str | None) -> Locale:
    """The first language of Accept-Language that Babel knows (quality order), else English."""
    if not accept_language:
        return Locale.parse(DEFAULT_LOCALE)
    ranked: list[tuple[float, str]] = []
    for position, part in enumerate(accept_language.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and tag != "*" and quality > 0:
            ranked.append((-quality + position * 1e-6, tag.strip()))
    for _, tag in sorted(ranked):
        try:
            return Locale.parse(tag.replace("-", "_"))
        except (ValueError, UnknownLocaleError):
            continue
    return Locale.parse(DEFAULT_LOCALE)


@lru_cache(maxsize=1)
def _valid_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def valid_zone(name: str | None) -> str | None:
    """The zone's name if it is a real IANA zone, else None."""
    if not name or len(name) > 64 or name not in _valid_zones():
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return name


def zone_choices(locale: Locale, *selected: str) -> list[tuple[str, str]]:
    """(value, label) for the zone picker: the selected zones first, then the common ones."""
    names = list(dict.fromkeys([*(z for z in selected if z), *COMMON_ZONES]))
    return [(name, zone_label(name, locale)) for name in names]


@lru_cache(maxsize=2048)
def zone_name(name: str, locale: Locale) -> str:
    """The zone as people name it ("France Time"); UTC as itself (Babel has no place for it)."""
    if name in ("UTC", "Etc/UTC", "Etc/GMT"):
        return "UTC"
    try:
        return str(get_timezone_location(ZoneInfo(name), locale=locale))
    except (LookupError, ValueError):
        return name


@lru_cache(maxsize=2048)
def zone_label(name: str, locale: Locale) -> str:
    """The zone for the picker: its name and its IANA identifier."""
    named = zone_name(name, locale)
    return named if named == name else f"{named} ({name})"


@lru_cache(maxsize=4096)
def when(moment: datetime, zone: str, locale: Locale) -> str:
    """A moment as the candidate reads it: weekday, date and time (no seconds) in their zone,
    naming the zone."""
    local = moment.astimezone(ZoneInfo(zone))
    return (
        f"{format_date(local.date(), 'full', locale=locale)}, {clock(moment, zone, locale)} "
        f"({zone_name(zone, locale)})"
    )


def day(value: date, locale: Locale) -> str:
    return format_date(value, "full", locale=locale)


def clock(moment: datetime, zone: str, locale: Locale) -> str:
    return format_time(moment, "short", tzinfo=ZoneInfo(zone), locale=locale).replace("\u202f", " ")


def window(start: datetime, end: datetime, zone: str, locale: Locale) -> str:
    """A window as one phrase: "Tuesday, 8 December 2026, 09:00 to 11:00" (an en dash)."""
    tz = ZoneInfo(zone)
    start_local, end_local = start.astimezone(tz), end.astimezone(tz)
    first = format_date(start_local.date(), "full", locale=locale)
    if start_local.date() == end_local.date():
        return f"{first}, {clock(start, zone, locale)}{DASH}{clock(end, zone, locale)}"
    return f"{first}, {clock(start, zone, locale)}{DASH}{when(end, zone, locale)}"


def file_size(size: int, locale: Locale) -> str:
    """A byte count as people read it: "20 MB"."""
    for unit, factor in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= factor:
            return f"{format_decimal(round(size / factor, 1), locale=locale)} {unit}"
    return f"{size} B"
