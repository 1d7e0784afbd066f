"""Keyset pagination on (created_at, id), or (tx_seq, id) for events: stable under inserts,
one index range scan a page.

A list that can be sorted another way (`sort=-updated_at`) pages on (that column, id); its
cursor names the sort it was issued for, so a cursor of one sort is refused by another."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Generic, TypeVar

from pydantic import StringConstraints
from sqlalchemy import Select, and_, bindparam, or_, tuple_

from app.errors import InvalidInput

T = TypeVar("T")
S = TypeVar("S", bound=Select[Any])

DEFAULT_LIMIT = 50
MAX_LIMIT = 200

# A cursor is an opaque token: clients pass back the `next_cursor` they were given and never
# build or read one (what it encodes may change). These describe it in the OpenAPI document.
CURSOR_PATTERN = r"^[A-Za-z0-9_-]+$"
CURSOR_MAX_LENGTH = 500
CURSOR_HELP = (
    "An opaque token (URL-safe characters): pass the `next_cursor` of the previous page "
    "unchanged. Do not build, parse or store one for long; one that this list did not issue "
    "is a 422 naming `cursor`."
)
NEXT_CURSOR_HELP = (
    "An opaque token for the next page: send it back as `cursor`; null when there is none."
)
# What a list hands out as `next_cursor`.
Cursor = Annotated[str, StringConstraints(pattern=CURSOR_PATTERN, max_length=CURSOR_MAX_LENGTH)]


@dataclass(frozen=True)
class Sort:
    """A column of the list's allow-list and its direction: `-updated_at` is newest first."""

    field: str
    descending: bool

    @classmethod
    def parse(cls, text: str) -> Sort:
        return cls(field=text.removeprefix("-"), descending=text.startswith("-"))

    @property
    def text(self) -> str:
        return f"-{self.field}" if self.descending else self.field


@dataclass(frozen=True)
class PageRequest:
    limit: int = DEFAULT_LIMIT
    cursor: str | None = None
    # None: the list's own order (newest first, or the feed's order for events).
    sort: Sort | None = None


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


SortKey = datetime | int


def encode_cursor(first: SortKey, row_id: uuid.UUID, sort: Sort | None = None) -> str:
    head: str | int = first.isoformat() if isinstance(first, datetime) else first
    parts: list[str | int] = [head, str(row_id)]
    if sort is not None:
        parts.append(sort.text)
    raw = json.dumps(parts).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, sort: Sort | None = None) -> tuple[SortKey, uuid.UUID]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        decoded = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(decoded, list) or len(decoded) not in (2, 3):
            raise ValueError("not a cursor")
        issued_for = decoded[2] if len(decoded) == 3 else None
        if issued_for != (sort.text if sort else None):
            raise InvalidInput.for_field("cursor", "was issued for another sort of this list")
        head, row_id = decoded[:2]
        if not isinstance(row_id, str):
            raise ValueError("not a cursor")
        first: SortKey
        if isinstance(head, str):
            first = datetime.fromisoformat(head)
            if first.tzinfo is None:
                raise ValueError("naive timestamp")
            # Out-of-range instants (year 1 at +14:00) cannot be sent to PostgreSQL.
            first = first.astimezone(UTC)
        elif isinstance(head, int) and not isinstance(head, bool) and -(2**63) <= head < 2**63:
            first = head
        else:
            raise ValueError("bad cursor head")
        return first, uuid.UUID(row_id)
    except (ValueError, TypeError, UnicodeError, OverflowError) as exc:
        raise InvalidInput.for_field("cursor", "is not a cursor this service issued") from exc


def sort_column(page: PageRequest, default: Any, sortable: Mapping[str, Any]) -> Any:
    """The column `page.sort` names from the list's allow-list (`default` when unsorted)."""
    if page.sort is None:
        return default
    if page.sort.field not in sortable:
        raise InvalidInput.for_field("sort", f"must be one of {', '.join(sorted(sortable))}")
    return sortable[page.sort.field]


def keyset(
    stmt: S,
    created_col: Any,
    id_col: Any,
    page: PageRequest,
    *,
    descending: bool = True,
    sortable: Mapping[str, Any] | None = None,
) -> S:
    """Order by (created_at, id), or by (the column `page.sort` names from `sortable`, id), and
    start after the cursor; fetch one extra row to see if more follow."""
    if page.sort is not None:
        created_col = sort_column(page, created_col, sortable or {})
        descending = page.sort.descending
    if page.cursor:
        created, row_id = decode_cursor(page.cursor, page.sort)
        # A cursor of another list (a timestamp where a sequence number belongs, or the reverse)
        # is refused here rather than reaching PostgreSQL as a type error.
        expected = getattr(getattr(created_col, "type", None), "python_type", None)
        if expected is not None and not isinstance(created, expected):
            raise InvalidInput.for_field("cursor", "belongs to another list")
        if descending:
            stmt = stmt.where(
                or_(created_col < created, and_(created_col == created, id_col < row_id))
            )
        else:
            stmt = stmt.where(
                or_(created_col > created, and_(created_col == created, id_col > row_id))
            )
    order = (created_col.desc(), id_col.desc()) if descending else (created_col.asc(), id_col.asc())
    return stmt.order_by(*order).limit(page.limit + 1)


def keyset_bound(
    stmt: S, created_col: Any, id_col: Any, *, after: bool, descending: bool = True
) -> S:
    """Like `keyset`, with the cursor and limit as bind parameters, so the statement can be built
    once and reused (building and cache-keying a statement costs more than running it)."""
    if after:
        position = tuple_(created_col, id_col)
        bound = tuple_(bindparam("after_key"), bindparam("after_id"))
        stmt = stmt.where(position < bound if descending else position > bound)
    order = (created_col.desc(), id_col.desc()) if descending else (created_col.asc(), id_col.asc())
    return stmt.order_by(*order).limit(bindparam("page_limit"))


def keyset_params(page: PageRequest, created_col: Any) -> dict[str, Any]:
    params: dict[str, Any] = {"page_limit": page.limit + 1}
    if page.cursor:
        created, row_id = decode_cursor(page.cursor, page.sort)
        expected = getattr(getattr(created_col, "type", None), "python_type", None)
        if expected is not None and not isinstance(created, expected):
            raise InvalidInput.for_field("cursor", "belongs to another list")
        params["after_key"], params["after_id"] = created, row_id
    return params


def to_page(rows: Sequence[T], page: PageRequest, key: Any) -> Page[T]:
    """Cut the extra row and make the cursor from the last row kept. `key(row)` gives
    (created_at, id); a sorted page takes the sort's column from the row instead."""
    items = list(rows[: page.limit])
    next_cursor = None
    if len(rows) > page.limit and items:
        created, row_id = key(items[-1])
        if page.sort is not None:
            last: Any = items[-1]
            field = page.sort.field
            created = last[field] if isinstance(last, Mapping) else getattr(last, field)
        next_cursor = encode_cursor(created, row_id, page.sort)
    return Page(items=items, next_cursor=next_cursor)
