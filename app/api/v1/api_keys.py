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
    """Any member may issue a key for themselves; only admins may issue one for another active
    member (member_id), else 422. The secret (hl_...) appears in this answer only and is never
    stored in clear, so keep it now; expires_in_days sets an expiry, none means it lasts until
    revoked."""
    # The key is in this answer only: no cache, proxy or idempotency record may keep it.
    response.headers["Cache-Control"] = "no-store"
    return await service.create_api_key(session, actor, data)


@router.get("", summary="List API keys (yours; admins see all)")
async def list_api_keys(
    actor: CurrentActor, session: ReadSession, page: Paging
) -> PagePublic[ApiKeyPublic]:
    """Members see their own keys; admins see every key of the organization. Secrets are never
    listed, only names, prefixes, expiry and revocation. Paged with limit and cursor."""
    return PagePublic.of(await service.list_api_keys(session, actor, page))


@router.post(
    "/{key_id}/revoke",
    summary="Revoke an API key; it stops working at once",
    responses=WRITE_RESPONSES,
)
async def revoke_api_key(
    key_id: uuid.UUID, actor: CurrentActor, session: WriteSession
) -> ApiKeyPublic:
    """The owner of the key or an admin; anyone else's key, or another organization's, is a 404.
    Revoking twice is harmless. Records api_key.revoked in the audit trail and the event feed."""
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
    """Issues a new key for the same member and name (and the same lifetime); the old key keeps
    working for grace_hours, then expires, so clients can switch without an outage. The owner or
    an admin; a revoked or expired key is a 409. Records api_key.rotated."""
    response.headers["Cache-Control"] = "no-store"
    return await service.rotate_api_key(session, actor, key_id, data)
