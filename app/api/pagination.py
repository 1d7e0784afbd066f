"""The list envelope of every REST collection."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Generic, TypeVar

from pydantic import BaseModel, Field

from app.domain.pagination import NEXT_CURSOR_HELP, Cursor, Page

T = TypeVar("T")


class PagePublic(BaseModel, Generic[T]):
    """In the OpenAPI document `PagePublic[RolePublic]` is `RolePage` (app/api/openapi.py)."""

    items: list[T]
    next_cursor: Cursor | None = Field(description=NEXT_CURSOR_HELP)

    @classmethod
    def of(cls, page: Page[T]) -> PagePublic[T]:
        return cls(items=page.items, next_cursor=page.next_cursor)

    @classmethod
    def whole(cls, items: Sequence[T]) -> PagePublic[T]:
        """A list the domain bounds (a role's external ids, an interview's scorecards): the
        whole of it in one page, so `next_cursor` is null and it takes no `limit`."""
        return cls(items=list(items), next_cursor=None)
