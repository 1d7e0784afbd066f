"""Mounting the schema on FastAPI at /graphql.

POST /graphql executes operations (with credentials); GET /graphql serves the IDE page, which
needs none. Operations over GET are off: they would let a mere link trigger a query, and
nothing needs them. The IDE (GraphiQL) is served with its assets from app/static/docs (no CDN)
and opens with an `Authorization` header to fill in.

A request the service refuses before the operation runs (no or bad credentials, a rate limit)
is answered in GraphQL's shape, `{"data": null, "errors": [{"message", "extensions": {"code",
"status"}}]}` with the codes REST uses, and the HTTP status and headers the REST answer has.
"""

from __future__ import annotations

import json
from pathlib import Path

import orjson
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response
from strawberry.fastapi import GraphQLRouter

from app.errors import DomainError
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


GRAPHQL_PATH = "/graphql"
STATIC_DIR = Path(__file__).resolve().parent.parent / "static" / "docs"
STATIC_PATH = "/static/docs"
# Scripts, styles and fonts from this origin only; GraphiQL sets element styles from script.
IDE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)
IDE_PAGE = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Hireloop GraphQL</title>
<link rel="stylesheet" href="{STATIC_PATH}/graphiql/graphiql.min.css">
<link rel="stylesheet" href="{STATIC_PATH}/docs.css">
</head>
<body>
<p class="key-help">Requests need an API key: replace <code>hl_your_api_key</code> in the
Headers tab with yours. Create one with <code>POST /api/v1/api-keys</code> (see /docs) or ask
an admin; <code>hireloop org issue-key</code> issues one from the command line.</p>
<div id="graphiql"></div>
<script src="{STATIC_PATH}/react/react.production.min.js"></script>
<script src="{STATIC_PATH}/react/react-dom.production.min.js"></script>
<script src="{STATIC_PATH}/graphiql/graphiql.min.js"></script>
<script src="{STATIC_PATH}/graphiql-init.js"></script>
</body>
</html>
"""


def _graphql_refusals(app: FastAPI) -> None:
    """Answer a DomainError raised on /graphql before the operation ran (the context's
    authentication) as a GraphQL error; elsewhere the REST problem handler answers."""
    rest = app.exception_handlers[DomainError]

    async def on_domain_error(request: Request, exc: Exception) -> Response:
        if request.scope["path"] != GRAPHQL_PATH or not isinstance(exc, DomainError):
            answer = rest(request, exc)
            return answer if isinstance(answer, Response) else await answer
        error = {"message": exc.detail, "extensions": {"code": exc.code, "status": exc.status}}
        return Response(
            orjson.dumps({"data": None, "errors": [error]}),
            status_code=exc.status,
            media_type="application/json",
            headers={"WWW-Authenticate": "Bearer"} if exc.status == 401 else None,
        )

    app.add_exception_handler(DomainError, on_domain_error)


def mount_graphql(app: FastAPI, settings: Settings) -> None:
    if settings.graphql_ide_enabled:

        async def graphql_ide() -> HTMLResponse:
            return HTMLResponse(IDE_PAGE, headers={"Content-Security-Policy": IDE_CSP})

        # Registered before the GraphQL router so that GET /graphql reaches it first.
        app.add_api_route(GRAPHQL_PATH, graphql_ide, methods=["GET"], include_in_schema=False)
        if not any(getattr(r, "path", None) == STATIC_PATH for r in app.router.routes):
            app.mount(STATIC_PATH, StaticFiles(directory=STATIC_DIR), name="docs-assets")
    if DomainError in app.exception_handlers:
        _graphql_refusals(app)
    schema = build_schema(settings)
    # Kept for comparisons (tests, bench) that swap the executor or the resolvers of the schema
    # actually serving; the objects made at start-up are beyond gc.get_objects() (gc.freeze()).
    app.state.graphql_schema = schema
    router = HireloopGraphQLRouter(
        schema,
        context_getter=get_context,
        graphql_ide=None,
        allow_queries_via_get=False,
        multipart_uploads_enabled=False,
    )
    app.include_router(router, prefix=GRAPHQL_PATH, include_in_schema=False)
