"""The list envelope of every REST collection."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, Field

from app.domain.pagination import NEXT_CURSOR_HELP, Cursor, Page

T = TypeVar("T")


class PagePublic(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: Cursor | None = Field(description=NEXT_CURSOR_HELP)

    @classmethod
    def of(cls, page: Page[T]) -> PagePublic[T]:
        return cls(items=page.items, next_cursor=page.next_cursor)
