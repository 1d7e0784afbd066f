"""Every REST router of /api/v1, in the order requests are matched.

Each router is included in the app directly (not under one /api/v1 router): FastAPI matches
included routers one by one, so a flat list, with the busiest reads first, keeps route
matching off the hot path's profile.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

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
