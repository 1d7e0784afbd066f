"""Relay connections: top-level lists backed by the same keyset pages as REST, and nested lists
(a role's applications, an application's interviews, ...) cut from what their DataLoader loaded
for the whole page of parents.

Every connection takes `first` (1 to `HIRELOOP_GRAPHQL_MAX_FIRST`) and `after`. A `first` above
the cap is an `invalid_input` error naming `first` and the cap; the cost estimate
(`app/graphql/cost.py`) refuses it before anything runs, and the resolvers check it again.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

from app.domain.pagination import Page, PageRequest, encode_cursor
from app.errors import InvalidInput
from app.graphql.types.node import PageInfo

# Default page size of a connection nested under another object (top-level lists default to 50).
NESTED_FIRST = 20

T = TypeVar("T", bound="_HasId")
E = TypeVar("E")


class _HasId(Protocol):
    @property
    def id(self) -> uuid.UUID: ...


def first_error(max_first: int) -> InvalidInput:
    return InvalidInput.for_field("first", f"must be between 1 and {max_first}")


def check_first(first: int, max_first: int) -> int:
    if not 1 <= first <= max_first:
        raise first_error(max_first)
    return first


def page_request(first: int, after: str | None, max_first: int) -> PageRequest:
    return PageRequest(limit=check_first(first, max_first), cursor=after or None)


def cursor_of(item: object) -> str:
    return encode_cursor(item.created_at, item.id)  # type: ignore[attr-defined]


def _position_cursor(index: int, item_id: uuid.UUID) -> str:
    raw = json.dumps([index, str(item_id)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_position(cursor: str) -> tuple[int, uuid.UUID]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        decoded = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(decoded, list) or len(decoded) != 2:
            raise ValueError("not a cursor")
        index, item_id = decoded
        if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < 2**31:
            raise ValueError("bad index")
        if not isinstance(item_id, str):
            raise ValueError("bad id")
        return index, uuid.UUID(item_id)
    except (ValueError, TypeError, UnicodeError) as exc:
        raise InvalidInput.for_field("after", "is not a cursor this service issued") from exc


def nested_page(
    items: Sequence[T],
    first: int,
    after: str | None,
    max_first: int,
    edge: Callable[[str, T], E],
) -> tuple[list[E], PageInfo]:
    """One page of a list already loaded in full (in its order) for the whole page of parents.

    The cursor names an item by its position and id: paging resumes after that item, or, when it
    has left the list (a filter no longer matches it), at the position it had.
    """
    check_first(first, max_first)
    start = 0
    if after:
        index, item_id = _decode_position(after)
        start = next((i + 1 for i, item in enumerate(items) if item.id == item_id), index)
    chosen = items[start : start + first]
    edges = [edge(_position_cursor(start + i, item.id), item) for i, item in enumerate(chosen)]
    has_next = start + first < len(items)
    end_cursor = _position_cursor(start + len(chosen) - 1, chosen[-1].id) if chosen else None
    start_cursor = _position_cursor(start, chosen[0].id) if chosen else None
    return edges, PageInfo(
        has_next_page=has_next,
        end_cursor=end_cursor,
        has_previous_page=start > 0,
        start_cursor=start_cursor,
    )


def page_info_of(page: Page[Any], after: str | None) -> PageInfo:
    """A keyset page's PageInfo. Its next cursor is REST's; asked `after` a cursor, items come
    before it (the cursor's item, or where it was)."""
    return PageInfo(
        has_next_page=page.next_cursor is not None,
        end_cursor=page.next_cursor,
        has_previous_page=bool(after),
        start_cursor=cursor_of(page.items[0]) if page.items else None,
    )


def max_first_of(info: Any) -> int:
    """The `first` cap of the request's settings (the context carries them)."""
    return int(info.context.max_first)


FIRST_HELP = "How many to return: 1 to HIRELOOP_GRAPHQL_MAX_FIRST (100 unless configured)"
AFTER_HELP = "The endCursor of the previous page"
