from __future__ import annotations

from fastapi import APIRouter

from app.api.v1 import (
    api_keys,
    applications,
    availability,
    calibration,
    candidates,
    events,
    intake,
    integrations,
    interviews,
    members,
    organization,
    public,
    roles,
)

API_PREFIX = "/api/v1"

api_router = APIRouter(prefix=API_PREFIX)
for module in (
    organization,
    members,
    api_keys,
    roles,
    intake,
    candidates,
    applications,
    availability,
    calibration,
    availability,
    interviews,
    public,
    events,
    integrations,
):
    api_router.include_router(module.router)
