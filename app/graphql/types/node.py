from __future__ import annotations

import strawberry


@strawberry.interface(description="An object with a global id (Relay)")
class Node:
    id: strawberry.ID = strawberry.field(
        description="The global id: opaque, and the same for this object wherever it appears; "
        "`node(id:)` fetches the object again"
    )


@strawberry.type(description="Where a page of a connection stands (Relay)")
class PageInfo:
    has_next_page: bool = strawberry.field(description="Whether items come after this page")
    end_cursor: str | None = strawberry.field(description="Pass as `after` for the next page")
    has_previous_page: bool = strawberry.field(
        default=False,
        description="Whether items come before this page: true when it was asked for `after` "
        "a cursor (that item, or its place, is before it)",
    )
    start_cursor: str | None = strawberry.field(
        default=None, description="The cursor of this page's first edge"
    )
