"""Routers for the candidates' pages: any error inside a page route becomes an HTML page.

A page router is made with `page_router(prefix)`. Its routes answer HTML; a `DomainError` a
service raises (a closed link, a refusal) and a path that fails validation (a malformed token)
render the friendly error page with the error's status, never a problem+json body.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute, _effective_route_context_var

from app.errors import DomainError
from app.pages.errors import error_page


def _request_only(dependant: Dependant) -> bool:
    """The endpoint is `async def page(request: Request) -> Response`, with no dependency (its
    route's, its router's or an inclusion's) and no parameter for FastAPI to read or check."""
    return (
        dependant.request_param_name is not None
        and inspect.iscoroutinefunction(dependant.call)
        and len(inspect.signature(dependant.call).parameters) == 1
        and not (
            dependant.path_params
            or dependant.query_params
            or dependant.header_params
            or dependant.cookie_params
            or dependant.body_params
            or dependant.dependencies
        )
    )


class PageRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        # As FastAPI's own: the route as this inclusion sees it (with the inclusion's
        # dependencies), when it is being built for one.
        context = _effective_route_context_var.get()
        dependant = (
            context.dependant
            if context is not None and context.original_route is self
            else self.dependant
        )
        # Nothing for FastAPI to solve, read or check in an endpoint of the request alone, so
        # it is called directly: FastAPI's request handler (dependencies, body, endpoint
        # context) was a tenth of the busiest page's CPU (bench/pages.py). Its answer is the
        # Response it returns.
        handler: Callable[[Request], Coroutine[Any, Any, Response]] = (
            dependant.call  # type: ignore[assignment]
            if _request_only(dependant)
            else super().get_route_handler()
        )

        async def page_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except DomainError as exc:
                return error_page(request, exc, exc.status)
            except RequestValidationError:
                # Only the path is validated by FastAPI on pages (forms are read by hand): a
                # token of the wrong shape is a link that does not exist.
                return error_page(request, None, 404)

        return page_handler


def page_router(prefix: str) -> APIRouter:
    """A router for pages under /pages<prefix>, kept out of the OpenAPI document."""
    return APIRouter(prefix="/pages" + prefix, route_class=PageRoute, include_in_schema=False)
