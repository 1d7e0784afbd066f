"""Every REST router of /api/v1, in the order requests are matched.

Each router is included in the app directly (not under one /api/v1 router): FastAPI matches
included routers one by one, so a flat list, with the busiest reads first, keeps route
matching off the hot path's profile.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from fastapi import APIRouter, FastAPI
from fastapi.routing import _IncludedRouter
from starlette._utils import get_route_path
from starlette.routing import BaseRoute, Match, Mount, Route
from starlette.types import Scope

from app.api.v1 import (
    api_keys,
    applications,
    audit,
    availability,
    bookings,
    calendar_push,
    calendars,
    calibration,
    candidates,
    events,
    feedback,
    follow_ups,
    intake,
    integrations,
    interviewer_pools,
    interviews,
    link_templates,
    members,
    notifications,
    organization,
    privacy,
    public,
    roles,
    vendor_webhooks,
    webhook_endpoints,
)
from app.pages import include_pages

API_PREFIX = "/api/v1"

ROUTERS: tuple[APIRouter, ...] = (
    vendor_webhooks.router,
    calendar_push.router,
    roles.router,
    intake.router,
    candidates.router,
    applications.router,
    calibration.router,
    availability.router,
    interviews.router,
    interviewer_pools.router,
    feedback.router,
    members.router,
    organization.router,
    link_templates.router,
    api_keys.router,
    public.router,
    bookings.router,
    bookings.public_router,
    follow_ups.router,
    follow_ups.public_router,
    events.router,
    integrations.router,
    calendars.router,
    webhook_endpoints.router,
    notifications.router,
    privacy.router,
    audit.router,
)


def include_api(app: FastAPI) -> None:
    # Hireloop's own HTML pages for candidates (/pages/...) and their assets (/static/pages/)
    # first: half a dozen routes, which would otherwise wait behind every API route's match.
    include_pages(app)
    for router in ROUTERS:
        app.include_router(router, prefix=API_PREFIX)
    for route in app.router.routes:
        _gate(route)


Matcher = Callable[[Scope], tuple[Match, Scope]]


def _gate(route: BaseRoute) -> None:
    """Let an included router refuse a path outside its routes' common literal prefix at once.

    FastAPI matches an included router by trying each of its routes' regular expressions, and
    the app tries its routers one by one: a request to the tenth router paid for every route
    of the nine before it. Every path a router's routes can match starts with the literal
    part they share (`/api/v1/roles`, `/pages/availability/`), so a path that does not is no
    match of any of them, and the answer (routing, 404, 405, redirects) is unchanged.
    """
    if not isinstance(route, _IncludedRouter):
        return
    context = route.include_context
    literals = []
    for child in route.original_router.routes:
        if not isinstance(child, Route | Mount):
            return  # a nested router or another kind of route: left as FastAPI matches it
        literals.append(context.path_for(child).partition("{")[0])
    # Character by character on purpose: `/api/v1/roles` is the prefix of `/api/v1/roles/{id}`.
    prefix = os.path.commonprefix(literals)  # noqa: RUF071
    if len(prefix) < 2:
        return
    matches: Matcher = route.matches

    def gated(scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] == "lifespan" or not get_route_path(scope).startswith(prefix):
            return Match.NONE, {}
        return matches(scope)

    route.matches = gated  # type: ignore[method-assign]
