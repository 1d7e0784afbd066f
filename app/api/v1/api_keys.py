"""API keys: issued to a member, shown once, revocable."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from app.api.deps import CurrentActor, Paging, ReadSession, WriteSession
from app.api.pagination import PagePublic
from app.api.problems import COMMON_RESPONSES, WRITE_RESPONSES
from app.domain.organizations import service
from app.domain.organizations.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyPublic,
    ApiKeyRotate,
)

router = APIRouter(prefix="/api-keys", tags=["api keys"], responses=COMMON_RESPONSES)


@router.post(
    "",
    status_code=201,
    summary="Issue an API key; the key is in this answer only",
    responses=WRITE_RESPONSES,
)
async def create_api_key(
    data: ApiKeyCreate, actor: CurrentActor, session: WriteSession, response: Response
) -> ApiKeyCreated:
    # The key is in this answer only: no cache, proxy or idempotency record may keep it.
    response.headers["Cache-Control"] = "no-store"
    return await service.create_api_key(session, actor, data)


@router.get("", summary="List API keys (yours; admins see all)")
async def list_api_keys(
    actor: CurrentActor, session: ReadSession, page: Paging
) -> PagePublic[ApiKeyPublic]:
    return PagePublic.of(await service.list_api_keys(session, actor, page))


@router.post(
    "/{key_id}/revoke",
    summary="Revoke an API key; it stops working at once",
    responses=WRITE_RESPONSES,
)
async def revoke_api_key(
    key_id: uuid.UUID, actor: CurrentActor, session: WriteSession
) -> ApiKeyPublic:
    return await service.revoke_api_key(session, actor, key_id)


@router.post(
    "/{key_id}/rotate",
    status_code=201,
    summary="Replace an API key: the new key is in this answer only; the old one keeps "
    "working for grace_hours",
    responses=WRITE_RESPONSES,
)
async def rotate_api_key(
    key_id: uuid.UUID,
    data: ApiKeyRotate,
    actor: CurrentActor,
    session: WriteSession,
    response: Response,
) -> ApiKeyCreated:
    response.headers["Cache-Control"] = "no-store"
    return await service.rotate_api_key(session, actor, key_id, data)
