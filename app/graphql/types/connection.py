"""A Relay connection of any node type: `Connection[WebhookEndpoint]` is named
`WebhookEndpointConnection` in the schema, its edges `WebhookEndpointEdge`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

import strawberry

from app.domain.pagination import Page
from app.graphql.pagination import cursor_of
from app.graphql.types.node import PageInfo

T = TypeVar("T")


@strawberry.type(description="One object of a connection, with its place in the list (Relay)")
class Edge(Generic[T]):
    cursor: str = strawberry.field(
        description="Opaque: pass it as `after` to continue the list after this object"
    )
    node: T = strawberry.field(description="The object")


@strawberry.type(description="One page of a list, in its order (Relay)")
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="The page's objects, in order")
    page_info: PageInfo = strawberry.field(description="Where the page stands in the list")


def connection_of(
    page: Page[Any],
    after: str | None,
    shape: Callable[[Any], T],
    cursor: Callable[[Any], str] = cursor_of,
) -> Connection[T]:
    """A keyset page of the domain (the same as REST's) as a connection; `cursor` encodes an
    item's place in the list's order (created_at and id unless the list sorts otherwise)."""
    edges = [Edge(cursor=cursor(item), node=shape(item)) for item in page.items]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=page.next_cursor is not None,
            end_cursor=page.next_cursor,
            has_previous_page=bool(after),
            start_cursor=edges[0].cursor if edges else None,
        ),
    )
