from __future__ import annotations

import strawberry


@strawberry.interface(description="An object with a global id (Relay)")
class Node:
    id: strawberry.ID


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None
