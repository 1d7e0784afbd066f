"""Webhook endpoints (admins): register, change, disable, rotate the secret, inspect deliveries
and attempts, redeliver, send a test event."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from app.api.deps import CurrentActor, IfMatch, Paging, ReadSession, WriteSession, etag
from app.api.pagination import PagePublic
from app.api.problems import COMMON_RESPONSES, PATCH_RESPONSES, WRITE_RESPONSES
from app.domain.webhooks import service
from app.domain.webhooks.schemas import (
    WebhookAttemptPublic,
    WebhookDeliveryPublic,
    WebhookEndpointCreate,
    WebhookEndpointCreated,
    WebhookEndpointPublic,
    WebhookEndpointUpdate,
    WebhookSecretRotated,
)

router = APIRouter(
    prefix="/webhook-endpoints", tags=["webhook endpoints"], responses=COMMON_RESPONSES
)


@router.post(
    "",
    status_code=201,
    summary="Register an endpoint; its signing secret is in this answer only",
    responses=WRITE_RESPONSES,
)
async def create_webhook_endpoint(
    data: WebhookEndpointCreate, actor: CurrentActor, session: WriteSession, response: Response
) -> WebhookEndpointCreated:
    """Admins register a URL the worker pushes events to, with the event types it wants (left
    out or null: every type, including ones added later). The signing secret is in this answer
    only, so keep it to verify signatures. Records endpoint.created."""
    # The secret is shown once: no cache, proxy or idempotency record may keep it.
    response.headers["Cache-Control"] = "no-store"
    return await service.create_endpoint(session, actor, data)


@router.get("", summary="List webhook endpoints")
async def list_webhook_endpoints(
    actor: CurrentActor, session: ReadSession, page: Paging
) -> PagePublic[WebhookEndpointPublic]:
    """The organization's webhook endpoints with their status and event types; secrets are never
    listed. Admins only. Paged with limit and cursor."""
    return PagePublic.of(await service.list_endpoints(session, actor, page))


@router.get("/{endpoint_id}", summary="One webhook endpoint")
async def read_webhook_endpoint(
    endpoint_id: uuid.UUID, actor: CurrentActor, session: ReadSession, response: Response
) -> WebhookEndpointPublic:
    """One webhook endpoint with its URL, event types and status. Admins only; another
    organization's endpoint is a 404."""
    endpoint = await service.get_endpoint(session, actor, endpoint_id)
    response.headers["ETag"] = etag(endpoint.version)
    return endpoint


@router.patch(
    "/{endpoint_id}",
    summary="Change the URL, event types or description",
    responses=PATCH_RESPONSES,
)
async def update_webhook_endpoint(
    endpoint_id: uuid.UUID,
    data: WebhookEndpointUpdate,
    actor: CurrentActor,
    session: WriteSession,
    version: IfMatch,
    response: Response,
) -> WebhookEndpointPublic:
    """Admins change the URL, the event types or the description. Send the ETag as If-Match: a
    stale version is a 412. Records endpoint.updated."""
    endpoint = await service.update_endpoint(session, actor, endpoint_id, data, version)
    response.headers["ETag"] = etag(endpoint.version)
    return endpoint


@router.post(
    "/{endpoint_id}/disable",
    summary="Stop delivering to the endpoint (owed deliveries wait)",
    responses=WRITE_RESPONSES,
)
async def disable_webhook_endpoint(
    endpoint_id: uuid.UUID, actor: CurrentActor, session: WriteSession
) -> WebhookEndpointPublic:
    """Admins stop deliveries to the endpoint; deliveries owed meanwhile wait and resume when it
    is enabled again. The worker also disables an endpoint that keeps failing. Records
    endpoint.disabled."""
    return await service.disable_endpoint(session, actor, endpoint_id)


@router.post(
    "/{endpoint_id}/enable",
    summary="Deliver to the endpoint again, resuming owed deliveries",
    responses=WRITE_RESPONSES,
)
async def enable_webhook_endpoint(
    endpoint_id: uuid.UUID, actor: CurrentActor, session: WriteSession
) -> WebhookEndpointPublic:
    """Admins resume deliveries to a disabled endpoint, starting with the deliveries owed while
    it was disabled. Records endpoint.updated."""
    return await service.enable_endpoint(session, actor, endpoint_id)


@router.delete(
    "/{endpoint_id}",
    status_code=204,
    summary="Delete the endpoint with its deliveries and attempts",
    responses=WRITE_RESPONSES,
)
async def delete_webhook_endpoint(
    endpoint_id: uuid.UUID, actor: CurrentActor, session: WriteSession
) -> Response:
    """Admins delete the endpoint together with its deliveries and attempts; nothing more is
    sent to it. Another organization's endpoint is a 404. Records endpoint.deleted."""
    await service.delete_endpoint(session, actor, endpoint_id)
    return Response(status_code=204)


@router.post(
    "/{endpoint_id}/rotate-secret",
    summary="Issue a new signing secret; the old one keeps signing for the grace period",
    responses=WRITE_RESPONSES,
)
async def rotate_webhook_secret(
    endpoint_id: uuid.UUID, actor: CurrentActor, session: WriteSession, response: Response
) -> WebhookSecretRotated:
    """Admins get a new signing secret, in this answer only; the old secret keeps signing
    alongside it for the grace period, so the receiver can switch without dropping events.
    Records endpoint.updated."""
    response.headers["Cache-Control"] = "no-store"
    return await service.rotate_secret(session, actor, endpoint_id)


@router.get("/{endpoint_id}/deliveries", summary="Deliveries to the endpoint, newest first")
async def list_webhook_deliveries(
    endpoint_id: uuid.UUID,
    actor: CurrentActor,
    session: ReadSession,
    page: Paging,
    status: Annotated[
        Literal["pending", "succeeded", "failed"] | None, Query(description="Only this status")
    ] = None,
) -> PagePublic[WebhookDeliveryPublic]:
    """Deliveries to the endpoint, newest first, each one event with its status (pending,
    succeeded or failed) and attempt count; status filters them. Admins; another organization's
    endpoint is a 404. Paged with limit and cursor."""
    return PagePublic.of(await service.list_deliveries(session, actor, endpoint_id, status, page))


@router.get("/{endpoint_id}/attempts", summary="Every attempt at the endpoint, newest first")
async def list_webhook_attempts(
    endpoint_id: uuid.UUID,
    actor: CurrentActor,
    session: ReadSession,
    page: Paging,
    delivery_id: Annotated[uuid.UUID | None, Query(description="Only this delivery's")] = None,
) -> PagePublic[WebhookAttemptPublic]:
    """Every attempt at the endpoint, newest first: status code, duration and error, for
    debugging a receiver; delivery_id narrows it to one delivery. Admins; another organization's
    endpoint is a 404. Paged with limit and cursor."""
    return PagePublic.of(
        await service.list_attempts(session, actor, endpoint_id, delivery_id, page)
    )


@router.post(
    "/{endpoint_id}/deliveries/{delivery_id}/redeliver",
    status_code=202,
    summary="Send the delivery again now, with the same webhook-id",
    responses=WRITE_RESPONSES,
)
async def redeliver_webhook_delivery(
    endpoint_id: uuid.UUID, delivery_id: uuid.UUID, actor: CurrentActor, session: WriteSession
) -> WebhookDeliveryPublic:
    """Admins send one delivery again now, with the same webhook-id so the receiver can
    deduplicate. A delivery being attempted right now is a 409; another endpoint's delivery is a
    404."""
    return await service.redeliver(session, actor, endpoint_id, delivery_id)


@router.post(
    "/{endpoint_id}/test",
    status_code=202,
    summary="Send a webhook.test event to this endpoint only",
    responses=WRITE_RESPONSES,
)
async def send_webhook_test(
    endpoint_id: uuid.UUID, actor: CurrentActor, session: WriteSession
) -> WebhookDeliveryPublic:
    """Admins send a webhook.test event to this endpoint only, to check the URL and signature
    verification; it goes through the ordinary delivery path and shows up in the deliveries. A
    disabled endpoint is a 409."""
    return await service.send_test(session, actor, endpoint_id)
