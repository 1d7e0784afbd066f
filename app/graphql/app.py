"""Mounting the schema on FastAPI at /graphql.

POST /graphql executes operations (with credentials); GET /graphql serves the IDE page, which
needs none. Operations over GET are off: they would let a mere link trigger a query, and
nothing needs them. In the IDE, paste `{"Authorization": "Bearer hl_..."}` into the headers panel.
"""

from __future__ import annotations

import orjson
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from strawberry.fastapi import GraphQLRouter
from strawberry.http.ides import get_graphql_ide_html

from app.graphql.context import get_context
from app.graphql.schema import build_schema
from app.settings import Settings


class HireloopGraphQLRouter(GraphQLRouter[object, None]):
    def encode_json(self, data: object) -> bytes:
        # orjson: a 50-row page answer is encoded several times faster than with json.dumps.
        return orjson.dumps(data)


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
