"""Routers for the candidates' pages: any error inside a page route becomes an HTML page.

A page router is made with `page_router(prefix)`. Its routes answer HTML; a `DomainError` a
service raises (a closed link, a refusal) and a path that fails validation (a malformed token)
render the friendly error page with the error's status, never a problem+json body.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

from app.errors import DomainError
from app.pages.errors import error_page


class PageRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

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
