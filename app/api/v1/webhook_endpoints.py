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
    # The secret is shown once: no cache, proxy or idempotency record may keep it.
    response.headers["Cache-Control"] = "no-store"
    return await service.create_endpoint(session, actor, data)


@router.get("", summary="List webhook endpoints")
async def list_webhook_endpoints(
    actor: CurrentActor, session: ReadSession, page: Paging
) -> PagePublic[WebhookEndpointPublic]:
    return PagePublic.of(await service.list_endpoints(session, actor, page))


@router.get("/{endpoint_id}", summary="One webhook endpoint")
async def read_webhook_endpoint(
    endpoint_id: uuid.UUID, actor: CurrentActor, session: ReadSession, response: Response
) -> WebhookEndpointPublic:
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
    return await service.disable_endpoint(session, actor, endpoint_id)


@router.post(
    "/{endpoint_id}/enable",
    summary="Deliver to the endpoint again, resuming owed deliveries",
    responses=WRITE_RESPONSES,
)
async def enable_webhook_endpoint(
    endpoint_id: uuid.UUID, actor: CurrentActor, session: WriteSession
) -> WebhookEndpointPublic:
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
    return PagePublic.of(await service.list_deliveries(session, actor, endpoint_id, status, page))


@router.get("/{endpoint_id}/attempts", summary="Every attempt at the endpoint, newest first")
async def list_webhook_attempts(
    endpoint_id: uuid.UUID,
    actor: CurrentActor,
    session: ReadSession,
    page: Paging,
    delivery_id: Annotated[uuid.UUID | None, Query(description="Only this delivery's")] = None,
) -> PagePublic[WebhookAttemptPublic]:
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
    return await service.send_test(session, actor, endpoint_id)
