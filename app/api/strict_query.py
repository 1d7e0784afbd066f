"""An unknown query parameter is a 400 problem naming it, on every REST route.

A misspelt filter (`?stauts=open`) silently ignored answers the whole list, which looks right
and is not. A route's allowed names are what its declared parameters (and those of its
dependencies) say, worked out once at start-up. Every route of the app is covered, so routers
added later need no line of their own.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import _get_flat_fields_from_params
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute
from starlette.types import Receive, Scope, Send

from app.errors import DomainError, FieldError

Handle = Callable[[Scope, Receive, Send], Coroutine[Any, Any, None]]


class UnknownQueryParameter(DomainError):
    def __init__(self, unknown: list[str], allowed: frozenset[str]) -> None:
        takes = ", ".join(sorted(allowed)) or "no query parameters"
        super().__init__(
            detail=f"Unknown query parameter: {', '.join(unknown)}; this operation takes {takes}",
            code="unknown_query_parameter",
            status=400,
            title="Unknown query parameter",
            errors=tuple(
                FieldError(name, "is not a parameter of this operation") for name in unknown
            ),
        )


def query_names(dependant: Dependant) -> frozenset[str]:
    """The query parameter names a route takes, through its whole dependency tree."""
    fields = []
    pending = [dependant]
    while pending:
        current = pending.pop()
        fields.extend(current.query_params)
        pending.extend(current.dependencies)
    # Flattened: a pydantic model declared as the query (`Annotated[Filters, Query()]`) is
    # its fields.
    return frozenset(field.alias for field in _get_flat_fields_from_params(fields))


def _checked(handle: Handle, allowed: frozenset[str]) -> Handle:
    async def checked(scope: Scope, receive: Receive, send: Send) -> None:
        raw = scope.get("query_string")
        if raw:
            sent = {name for name, _ in parse_qsl(raw.decode("latin-1"), keep_blank_values=True)}
            unknown = sorted(sent - allowed)
            if unknown:
                raise UnknownQueryParameter(unknown, allowed)
        await handle(scope, receive, send)

    return checked


def install(app: FastAPI) -> None:
    """Wrap each REST route's `handle`; call once every router is included.

    Wrapped here rather than declared as an app-wide dependency: FastAPI solves a dependency on
    every request, which cost the hottest read about a seventh of its throughput in `make bench`;
    the wrapper costs one lookup when there is no query string.
    """
    # An included router's routes hold their paths without the prefix it was included with
    # (`/roles`, not `/api/v1/roles`): the prefix is carried down to tell API routes apart.
    pending: list[tuple[str, BaseRoute]] = [("", route) for route in app.router.routes]
    while pending:
        prefix, route = pending.pop()
        included = getattr(route, "original_router", None)
        if included is not None:
            context = getattr(route, "include_context", None)
            inner = prefix + str(getattr(context, "prefix", ""))
            pending.extend((inner, child) for child in included.routes)
        # The candidates' pages (/pages/..., /static/pages/...) are opened from emails whose
        # links may gain tracking parameters on the way: a person gets the page, not a 400.
        elif (
            isinstance(route, APIRoute)
            and (prefix + route.path).startswith("/api/")
            and "handle" not in vars(route)
        ):
            route.handle = _checked(route.handle, query_names(route.dependant))  # type: ignore[method-assign,assignment]
