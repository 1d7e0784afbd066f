"""Relay connections backed by the same keyset pages as REST."""

from __future__ import annotations

from app.domain.pagination import MAX_LIMIT, PageRequest, encode_cursor
from app.errors import InvalidInput


def page_request(first: int, after: str | None) -> PageRequest:
    if not 1 <= first <= MAX_LIMIT:
        raise InvalidInput.for_field("first", f"must be between 1 and {MAX_LIMIT}")
    return PageRequest(limit=first, cursor=after or None)


def cursor_of(item: object) -> str:
    return encode_cursor(item.created_at, item.id)  # type: ignore[attr-defined]
