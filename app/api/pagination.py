"""The list envelope of every REST collection."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel

from app.domain.pagination import Page

T = TypeVar("T")


class PagePublic(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None

    @classmethod
    def of(cls, page: Page[T]) -> PagePublic[T]:
        return cls(items=page.items, next_cursor=page.next_cursor)
