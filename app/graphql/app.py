"""Mounting the schema on FastAPI at /graphql.

POST /graphql executes operations (with credentials); GET /graphql serves the IDE page, which
needs none. Operations over GET are off: they would let a mere link trigger a query, and
nothing needs them. In the IDE, paste `{"Authorization": "Bearer hl_..."}` into the headers panel.
"""

from __future__ import annotations

import json

import orjson
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from strawberry.fastapi import GraphQLRouter
from strawberry.http.ides import get_graphql_ide_html

from app.graphql.context import get_context
from app.graphql.schema import build_schema
from app.settings import Settings

# Deeper than any real request: variables nested deeper would make graphql-core's input
# coercion recurse past Python's stack (a 500), so such a body is refused before it runs.
MAX_JSON_DEPTH = 64


def _too_deep(value: object, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether a decoded JSON value nests deeper than `limit` (iteratively: no recursion)."""
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: list[object] = list(item.values())
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class HireloopGraphQLRouter(GraphQLRouter[object, None]):
    def encode_json(self, data: object) -> bytes:
        # orjson: a 50-row page answer is encoded several times faster than with json.dumps.
        return orjson.dumps(data)

    def decode_json(self, data: str | bytes) -> object:
        """orjson (which itself refuses nesting past 1,024 levels), then a depth limit; either
        refusal is Strawberry's 400 "Unable to parse request body as JSON"."""
        value = orjson.loads(data)
        if _too_deep(value):
            raise json.JSONDecodeError(f"nested deeper than {MAX_JSON_DEPTH} levels", "", 0)
        return value


def mount_graphql(app: FastAPI, settings: Settings) -> None:
    if settings.graphql_ide_enabled:
        page = get_graphql_ide_html("graphiql")

        async def graphql_ide() -> HTMLResponse:
            return HTMLResponse(page)

        # Registered before the GraphQL router so that GET /graphql reaches it first.
        app.add_api_route("/graphql", graphql_ide, methods=["GET"], include_in_schema=False)
    router = HireloopGraphQLRouter(
        build_schema(settings),
        context_getter=get_context,
        graphql_ide=None,
        allow_queries_via_get=False,
        multipart_uploads_enabled=False,
    )
    app.include_router(router, prefix="/graphql", include_in_schema=False)
