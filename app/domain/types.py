"""Field types shared by the input schemas: strings PostgreSQL can store, real time zones."""

from __future__ import annotations

import re
import zoneinfo
from datetime import time
from functools import lru_cache
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
)

# PostgreSQL text cannot hold NUL; refusing it here turns a would-be 500 into a 422.
NO_NUL = r"^[^\x00]*$"

ShortText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=NO_NUL)
]
Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100, pattern=NO_NUL)
]
LongText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000, pattern=NO_NUL)
]
SearchText = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=200, pattern=NO_NUL)
]
Url = Annotated[str, StringConstraints(max_length=500, pattern=r"^https?://[^\s\x00]+$")]
ClockTime = Annotated[str, StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _check_zone(value: str) -> str:
    if value not in _zones():
        raise ValueError(f"'{value}' is not an IANA time zone (for example Europe/Berlin)")
    return value


def _wall_clock(value: object) -> object:
    """A time of day on the member's own clock: "HH:MM", no offset (the member's zone applies)."""
    if isinstance(value, time):
        if value.tzinfo is not None:
            raise ValueError("a local time of day takes no offset; the member's time zone applies")
        return value.replace(second=0, microsecond=0)
    if isinstance(value, str) and re.fullmatch(r"([01][0-9]|2[0-3]):[0-5][0-9]", value):
        return time(int(value[:2]), int(value[3:]))
    raise ValueError('expected a local time of day as "HH:MM"')


LocalTime = Annotated[
    time,
    BeforeValidator(_wall_clock),
    PlainSerializer(lambda t: t.strftime("%H:%M"), return_type=str, when_used="json"),
    WithJsonSchema(
        {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$", "examples": ["09:00"]}
    ),
]

TimeZone = Annotated[
    str, StringConstraints(min_length=1, max_length=64), AfterValidator(_check_zone)
]


def refuse_null(value: object) -> object:
    """For PATCH fields that may be left out but not cleared: an explicit null is a 422."""
    if value is None:
        raise ValueError("may not be null")
    return value


class StrictModel(BaseModel):
    """Input schemas refuse unknown fields, so a typo is a 422 instead of silently ignored."""

    model_config = ConfigDict(extra="forbid")


class PublicModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)
