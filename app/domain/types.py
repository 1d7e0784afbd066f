"""Field types shared by the input schemas: strings PostgreSQL can store, real time zones, and
values taken only in the JSON type they are documented as.

Pydantic's lax mode would take `"true"` or `1` for a boolean, `"3"` for a number and a number
(or a numeric string) for a timestamp, seconds since 1970. FastAPI validates a parsed JSON body
in Python mode, where `strict=True` would also refuse the strings UUIDs and timestamps arrive as;
so input schemas use per-type strictness instead: pydantic's `StrictBool` (only true and false)
and from here `Integer` and `Number` (numbers, not strings or booleans; an integer may be written
`3.0`, as JSON Schema allows), `Timestamp` and `Day` (ISO 8601 strings only) and, in the query
string, where every value is text, `QueryFlag` (`true` or `false`).
tests/test_strict_input.py checks every input schema uses them.
"""

from __future__ import annotations

import re
import typing
import zoneinfo
from datetime import date, datetime, time
from functools import cache, lru_cache
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)

# PostgreSQL text cannot hold NUL; refusing it here turns a would-be 500 into a 422.
NO_NUL = r"^[^\x00]*$"

# Text is trimmed of Unicode white space (what `str.strip` in Rust and JSON Schema's `\s` mostly
# agree on, spelled out so both sides use the same set), after its length is checked, and must
# hold something besides white space: the document's `maxLength` and `pattern` say exactly what
# is accepted, so a string of spaces is refused by the schema too, not only by the code.
WHITE_SPACE = "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
_WHITE_SPACE_CLASS = r"\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
# No NUL, and at least one character that is neither NUL nor white space.
TEXT = rf"^[^\x00]*[^\x00{_WHITE_SPACE_CLASS}][^\x00]*$"


def trim(value: str) -> str:
    return value.strip(WHITE_SPACE)


Trimmed = AfterValidator(trim)
# No white space spelled as `\s`: JSON Schema's (ECMAScript) and the validator's (Rust) differ.
Url = Annotated[
    str, StringConstraints(max_length=500, pattern=rf"^https?://[^\x00{_WHITE_SPACE_CLASS}]+$")
]

ShortText = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=TEXT), Trimmed]
Name = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=TEXT), Trimmed]
LongText = Annotated[str, StringConstraints(min_length=1, max_length=2000, pattern=TEXT), Trimmed]
SearchText = Annotated[str, StringConstraints(max_length=200, pattern=NO_NUL), Trimmed]

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


# The start of an RFC 3339 date and time (the OpenAPI `date-time` format), and a date.
_ISO_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def iso_timestamp(value: object) -> object:
    """A date and time as an ISO 8601 string (or a datetime, from Python callers); never a
    number or numeric string (which lax parsing takes as Unix seconds) nor a bare date."""
    if isinstance(value, datetime) or (
        isinstance(value, str) and _ISO_TIMESTAMP.match(value) is not None
    ):
        return value
    raise ValueError("expected an ISO 8601 date and time, such as 2026-12-01T09:00:00+01:00")


def iso_date(value: object) -> object:
    """A calendar date as an ISO 8601 string (`2026-12-01`), or a date from Python callers."""
    if isinstance(value, datetime):
        raise ValueError("expected an ISO 8601 date without a time, such as 2026-12-01")
    if isinstance(value, date) or (isinstance(value, str) and _ISO_DATE.fullmatch(value)):
        return value
    raise ValueError("expected an ISO 8601 date, such as 2026-12-01")


class JsonNumber:
    """Marks an `int` or `float` field that takes only a JSON number, never a string or a
    boolean (an integer may be written `3.0`, as JSON Schema allows). `StrictModel` enforces it
    before validation, so the field keeps its plain JSON schema, bounds included (a
    `BeforeValidator` would hide `minimum` and `maximum` from the document)."""

    __slots__ = ()


JSON_NUMBER = JsonNumber()


def query_flag(value: object) -> object:
    """A boolean in the query string: `true` or `false`, nothing else (not 1, yes or on)."""
    if isinstance(value, bool):
        return value
    if value == "true":
        return True
    if value == "false":
        return False
    raise ValueError("expected true or false")


Integer = Annotated[int, JSON_NUMBER]
Number = Annotated[float, JSON_NUMBER]
Timestamp = Annotated[datetime, BeforeValidator(iso_timestamp)]
Day = Annotated[date, BeforeValidator(iso_date)]
QueryFlag = Annotated[bool, BeforeValidator(query_flag), WithJsonSchema({"type": "boolean"})]


def refuse_null(value: object) -> object:
    """For PATCH fields that may be left out but not cleared: an explicit null is a 422."""
    if value is None:
        raise ValueError("may not be null")
    return value


def _key_lengths(annotation: object) -> dict[str, int]:
    """`minLength`/`maxLength` of the keys of a dict somewhere in a field's annotation."""
    origin = typing.get_origin(annotation)
    if origin is dict:
        key = typing.get_args(annotation)[0]
        found: dict[str, int] = {}
        for meta in typing.get_args(key)[1:] if typing.get_origin(key) is Annotated else ():
            for attribute, name in (("min_length", "minLength"), ("max_length", "maxLength")):
                if isinstance(getattr(meta, attribute, None), int):
                    found[name] = getattr(meta, attribute)
        return found
    for inner in typing.get_args(annotation):
        if found := _key_lengths(inner):
            return found
    return {}


def _dict_keys_as_validated(schema: dict[str, Any], model: type[BaseModel]) -> None:
    """Pydantic documents a dict with constrained keys as `patternProperties` alone, which lets
    any other key through and drops the keys' lengths; the code refuses both. Say so in the
    schema: no other keys, and `propertyNames` with the lengths."""
    for name, prop in schema.get("properties", {}).items():
        field = model.model_fields.get(name)
        lengths = _key_lengths(field.annotation) if field is not None else {}
        for node in [prop, *prop.get("anyOf", [])]:
            if isinstance(node, dict) and "patternProperties" in node:
                node.setdefault("additionalProperties", False)
                if lengths:
                    node["propertyNames"] = lengths


def _marked(annotation: object) -> bool:
    if typing.get_origin(annotation) is Annotated:
        inner, *metadata = typing.get_args(annotation)
        return any(isinstance(m, JsonNumber) for m in metadata) or _marked(inner)
    return any(_marked(arg) for arg in typing.get_args(annotation))


# What a number field's text or boolean is replaced with, so that the field's own validation
# refuses it (a 422 naming the field) instead of reading a number into it.
_NOT_A_NUMBER = object()


class StrictModel(BaseModel):
    """Input schemas refuse unknown fields, so a typo is a 422 instead of silently ignored; and
    a number field (`Integer`, `Number`) refuses text and booleans, which lax mode would read."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_dict_keys_as_validated)

    @model_validator(mode="before")
    @classmethod
    def _numbers_are_numbers(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        refused = {
            name: _NOT_A_NUMBER
            for name in _number_fields(cls)
            if isinstance(data.get(name), bool | str)
        }
        return {**data, **refused} if refused else data


@cache
def _number_fields(model: type[BaseModel]) -> frozenset[str]:
    return frozenset(
        field.alias or name
        for name, field in model.model_fields.items()
        if _marked(field.annotation) or any(isinstance(m, JsonNumber) for m in field.metadata)
    )


class PublicModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)
