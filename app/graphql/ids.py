"""Relay global ids: base64 of "Type:uuid", so `node(id:)` knows where to look."""

from __future__ import annotations

import base64
import binascii
import uuid
from functools import lru_cache

from app.errors import InvalidInput


# Every object a query returns encodes its id as it is made, selected or not (a page of 50
# roles with their intakes and hiring managers is ~110 ids): the same objects come back request
# after request, so the encodings are kept, bounded.
@lru_cache(maxsize=65_536)
def to_global_id(type_name: str, raw_id: uuid.UUID) -> str:
    return base64.b64encode(f"{type_name}:{raw_id}".encode()).decode()


def from_global_id(global_id: str) -> tuple[str, uuid.UUID]:
    try:
        type_name, _, raw = (
            base64.b64decode(global_id.encode(), validate=True).decode().partition(":")
        )
        return type_name, uuid.UUID(raw)
    except (ValueError, binascii.Error, UnicodeError) as exc:
        raise InvalidInput.for_field("id", "is not a Hireloop id") from exc


def parse_id(value: str, expected_type: str, field: str) -> uuid.UUID:
    """Accept a global id of the expected type, or a plain UUID as REST uses."""
    try:
        return uuid.UUID(value)
    except ValueError:
        pass
    try:
        type_name, raw_id = from_global_id(value)
    except InvalidInput as exc:
        raise InvalidInput.for_field(field, f"is not a {expected_type} id") from exc
    if type_name != expected_type:
        raise InvalidInput.for_field(field, f"is a {type_name} id, not a {expected_type} id")
    return raw_id


def id_help(type_name: str) -> str:
    """The description of an id argument read with `parse_id`: a global id, or a plain UUID."""
    return f"The {type_name}'s global id (a plain UUID is accepted too)"
