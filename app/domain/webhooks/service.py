"""Webhook endpoints as an admin manages them: register, change, disable, rotate the secret,
look at deliveries and attempts, redeliver, send a test event."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app import crypto
from app.clock import utcnow
from app.core.actor import Actor, PermissionSet
from app.db import settings_of
from app.domain.events import service as events
from app.domain.events.catalogue import CATALOGUE
from app.domain.pagination import Page, PageRequest, to_page
from app.domain.repository import owned
from app.domain.versioning import apply_changes, check_version
from app.domain.webhooks import repository
from app.domain.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from app.domain.webhooks.schemas import (
    WebhookAttemptPublic,
    WebhookDeliveryPublic,
    WebhookEndpointCreate,
    WebhookEndpointCreated,
    WebhookEndpointPublic,
    WebhookEndpointUpdate,
    WebhookSecretRotated,
)
from app.domain.webhooks.signing import generate_secret
from app.errors import Conflict, FieldError, InvalidInput, NotFound
from app.integrations.outbound import check_url_shape

DELIVERY_STATUSES = ("pending", "succeeded", "failed")


def _check_url(session: AsyncSession, url: str) -> None:
    reason = check_url_shape(url, settings_of(session))
    if reason is not None:
        raise InvalidInput.for_field("url", reason)


def _check_event_types(types: list[str] | None) -> list[str] | None:
    if types is None:
        return None
    unknown = [t for t in types if t not in CATALOGUE]
    if unknown:
        raise InvalidInput(
            f"Unknown event type(s): {', '.join(unknown)}",
            [FieldError("event_types", f"unknown event type {t}") for t in unknown],
        )
    if not types:
        raise InvalidInput.for_field(
            "event_types", "must name at least one type; leave it out to receive every type"
        )
    return sorted(set(types))


async def _endpoint(
    session: AsyncSession, actor: Actor, endpoint_id: uuid.UUID, *, for_update: bool = False
) -> WebhookEndpoint:
    actor.require(PermissionSet.admin)
    endpoint = await repository.get_endpoint(
        session, actor.organization_id, endpoint_id, for_update=for_update
    )
    if endpoint is None:
        raise NotFound("webhook endpoint", endpoint_id)
    return endpoint


def _record(
    session: AsyncSession,
    actor: Actor | None,
    endpoint: WebhookEndpoint,
    type: str,
    data: dict[str, Any],
) -> None:
    events.record(
        session,
        endpoint.organization_id,
        actor,
        type,
        "webhook_endpoint",
        endpoint.id,
        {"endpoint_id": str(endpoint.id), **data},
    )


async def create_endpoint(
    session: AsyncSession, actor: Actor, data: WebhookEndpointCreate
) -> WebhookEndpointCreated:
    actor.require(PermissionSet.admin)
    _check_url(session, data.url)
    event_types = _check_event_types(data.event_types)
    secret = generate_secret()
    endpoint = WebhookEndpoint(
        organization_id=actor.organization_id,
        url=data.url,
        description=data.description,
        event_types=event_types,
        secret_encrypted=crypto.encrypt(settings_of(session).secret_key, secret),
        created_by_id=actor.member_id,
    )
    session.add(endpoint)
    await session.flush()
    _record(
        session,
        actor,
        endpoint,
        "endpoint.created",
        {"url": endpoint.url, "event_types": event_types},
    )
    return WebhookEndpointCreated(
        **WebhookEndpointPublic.model_validate(endpoint).model_dump(), secret=secret
    )


async def list_endpoints(
    session: AsyncSession, actor: Actor, page: PageRequest
) -> Page[WebhookEndpointPublic]:
    actor.require(PermissionSet.admin)
    rows = await repository.list_endpoints(session, actor.organization_id, page)
    result = to_page(rows, page, lambda e: (e.created_at, e.id))
    return Page([WebhookEndpointPublic.model_validate(e) for e in result.items], result.next_cursor)


async def get_endpoint(
    session: AsyncSession, actor: Actor, endpoint_id: uuid.UUID
) -> WebhookEndpointPublic:
    return WebhookEndpointPublic.model_validate(await _endpoint(session, actor, endpoint_id))


async def update_endpoint(
    session: AsyncSession,
    actor: Actor,
    endpoint_id: uuid.UUID,
    data: WebhookEndpointUpdate,
    expected_version: int | None = None,
) -> WebhookEndpointPublic:
    endpoint = await _endpoint(session, actor, endpoint_id, for_update=True)
    check_version(endpoint.version, expected_version)
    values = data.model_dump(exclude_unset=True)
    if "url" in values:
        _check_url(session, values["url"])
    if "event_types" in values:
        values["event_types"] = _check_event_types(values["event_types"])
    changed = apply_changes(endpoint, values)
    if changed:
        endpoint.version += 1
        endpoint.updated_at = utcnow()
        _record(session, actor, endpoint, "endpoint.updated", {"changed": changed})
        await session.flush()
    return WebhookEndpointPublic.model_validate(endpoint)


async def disable_endpoint(
    session: AsyncSession, actor: Actor, endpoint_id: uuid.UUID
) -> WebhookEndpointPublic:
    endpoint = await _endpoint(session, actor, endpoint_id, for_update=True)
    if endpoint.status != "disabled":
        endpoint.status, endpoint.disabled_at = "disabled", utcnow()
        endpoint.disabled_reason = "disabled by an admin"
        endpoint.version += 1
        endpoint.updated_at = utcnow()
        _record(session, actor, endpoint, "endpoint.disabled", {"reason": endpoint.disabled_reason})
        await session.flush()
    return WebhookEndpointPublic.model_validate(endpoint)


async def enable_endpoint(
    session: AsyncSession, actor: Actor, endpoint_id: uuid.UUID
) -> WebhookEndpointPublic:
    """Deliveries owed while it was disabled resume; events recorded meanwhile were not
    addressed to it and are not sent."""
    endpoint = await _endpoint(session, actor, endpoint_id, for_update=True)
    if endpoint.status != "enabled":
        endpoint.status = "enabled"
        endpoint.disabled_at = endpoint.disabled_reason = endpoint.failing_since = None
        endpoint.version += 1
        endpoint.updated_at = utcnow()
        _record(session, actor, endpoint, "endpoint.updated", {"changed": ["status"]})
        await session.flush()
    return WebhookEndpointPublic.model_validate(endpoint)


async def delete_endpoint(session: AsyncSession, actor: Actor, endpoint_id: uuid.UUID) -> None:
    """The deliveries are locked before the endpoint, in the worker's order (see
    repository.lock_deliveries): the other order deadlocks with a worker recording an answer
    for this endpoint, and one of the two fails."""
    actor.require(PermissionSet.admin)
    await repository.lock_endpoint_deliveries(session, actor.organization_id, endpoint_id)
    endpoint = await _endpoint(session, actor, endpoint_id, for_update=True)
    _record(session, actor, endpoint, "endpoint.deleted", {"url": endpoint.url})
    await session.delete(endpoint)
    await session.flush()


async def rotate_secret(
    session: AsyncSession, actor: Actor, endpoint_id: uuid.UUID
) -> WebhookSecretRotated:
    """The old secret keeps signing beside the new one for the grace period, so a consumer can
    switch to the new secret without dropping a delivery."""
    endpoint = await _endpoint(session, actor, endpoint_id, for_update=True)
    settings = settings_of(session)
    secret = generate_secret()
    endpoint.previous_secret_encrypted = endpoint.secret_encrypted
    endpoint.previous_secret_expires_at = utcnow() + timedelta(
        hours=settings.webhook_secret_grace_hours
    )
    endpoint.secret_encrypted = crypto.encrypt(settings.secret_key, secret)
    endpoint.version += 1
    endpoint.updated_at = utcnow()
    _record(session, actor, endpoint, "endpoint.updated", {"changed": ["secret"]})
    await session.flush()
    return WebhookSecretRotated(
        secret=secret, previous_secret_expires_at=endpoint.previous_secret_expires_at
    )


async def list_deliveries(
    session: AsyncSession,
    actor: Actor,
    endpoint_id: uuid.UUID,
    status: str | None,
    page: PageRequest,
) -> Page[WebhookDeliveryPublic]:
    await _endpoint(session, actor, endpoint_id)
    if status is not None and status not in DELIVERY_STATUSES:
        raise InvalidInput.for_field("status", f"must be one of {', '.join(DELIVERY_STATUSES)}")
    rows = await repository.list_deliveries(
        session, actor.organization_id, endpoint_id, status, page
    )
    result = to_page(rows, page, lambda d: (d.created_at, d.id))
    return Page([_delivery_public(d) for d in result.items], result.next_cursor)


async def get_delivery(
    session: AsyncSession, actor: Actor, delivery_id: uuid.UUID
) -> WebhookDeliveryPublic:
    """One delivery by its id alone (GraphQL's node(id:)); admins only, as every endpoint read."""
    actor.require(PermissionSet.admin)
    delivery = await repository.get_delivery_by_id(session, actor.organization_id, delivery_id)
    if delivery is None:
        raise NotFound("webhook delivery", delivery_id)
    return _delivery_public(delivery)


def _delivery_public(delivery: WebhookDelivery) -> WebhookDeliveryPublic:
    public = WebhookDeliveryPublic.model_validate(delivery)
    if delivery.status != "pending":
        public.next_attempt_at = None
    return public


async def get_attempt(
    session: AsyncSession, actor: Actor, attempt_id: uuid.UUID
) -> WebhookAttemptPublic:
    """One attempt by its id alone (GraphQL's node(id:)); admins only, as every endpoint read."""
    actor.require(PermissionSet.admin)
    attempt = await owned(session, WebhookAttempt, actor.organization_id, attempt_id)
    if attempt is None:
        raise NotFound("webhook attempt", attempt_id)
    return WebhookAttemptPublic.model_validate(attempt)


async def list_attempts(
    session: AsyncSession,
    actor: Actor,
    endpoint_id: uuid.UUID,
    delivery_id: uuid.UUID | None,
    page: PageRequest,
) -> Page[WebhookAttemptPublic]:
    await _endpoint(session, actor, endpoint_id)
    rows = await repository.list_attempts(
        session, actor.organization_id, endpoint_id, delivery_id, page
    )
    result = to_page(rows, page, lambda a: (a.attempted_at, a.id))
    return Page([WebhookAttemptPublic.model_validate(a) for a in result.items], result.next_cursor)


async def redeliver(
    session: AsyncSession, actor: Actor, endpoint_id: uuid.UUID, delivery_id: uuid.UUID
) -> WebhookDeliveryPublic:
    """Send the same event again now, with the same webhook-id, so a consumer that already
    processed it can tell. A delivery in flight is not doubled."""
    await _endpoint(session, actor, endpoint_id)
    delivery = await repository.get_delivery(
        session, actor.organization_id, endpoint_id, delivery_id, for_update=True
    )
    if delivery is None:
        raise NotFound("webhook delivery", delivery_id)
    if (
        delivery.status == "pending"
        and delivery.claimed_until
        and delivery.claimed_until > utcnow()
    ):
        raise Conflict("The delivery is being attempted right now; look at its attempts shortly")
    delivery.status, delivery.next_attempt_at = "pending", utcnow()
    delivery.claimed_until = delivery.claimed_by = None
    await session.flush()
    return _delivery_public(delivery)


async def send_test(
    session: AsyncSession, actor: Actor, endpoint_id: uuid.UUID
) -> WebhookDeliveryPublic:
    """A `webhook.test` event addressed to this endpoint only: it is recorded already
    dispatched, with its one delivery beside it."""
    endpoint = await _endpoint(session, actor, endpoint_id)
    if endpoint.status != "enabled":
        raise Conflict("The endpoint is disabled; enable it before sending a test event")
    event = events.record(
        session,
        actor.organization_id,
        actor,
        "webhook.test",
        "webhook_endpoint",
        endpoint.id,
        {"endpoint_id": str(endpoint.id), "message": "A test event from Hireloop."},
    )
    event.dispatched_at = utcnow()
    await session.flush()
    delivery = WebhookDelivery(
        organization_id=actor.organization_id,
        endpoint_id=endpoint.id,
        event_id=event.id,
        event_type=event.type,
    )
    session.add(delivery)
    await session.flush()
    return _delivery_public(delivery)
