"""Webhook endpoints, their deliveries and attempts (admins; REST: app/api/v1/webhook_endpoints.py)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.actor import Actor
from app.domain.pagination import encode_cursor
from app.domain.webhooks import service
from app.domain.webhooks.schemas import (
    WebhookAttemptPublic,
    WebhookDeliveryPublic,
    WebhookEndpointCreate,
    WebhookEndpointCreated,
    WebhookEndpointPublic,
    WebhookEndpointUpdate,
)
from app.errors import NotFound
from app.graphql.context import Context
from app.graphql.derive import derived, values
from app.graphql.errors import MutationError
from app.graphql.ids import parse_id, to_global_id
from app.graphql.mutate import NoBody, Parsed, given, mutate
from app.graphql.pagination import AFTER_HELP, FIRST_HELP, page_request
from app.graphql.types.connection import Connection, connection_of
from app.graphql.types.node import Node

Info = strawberry.Info[Context, None]
First = Annotated[int, strawberry.argument(description=FIRST_HELP)]
After = Annotated[str | None, strawberry.argument(description=AFTER_HELP)]


def _gid(type_name: str, raw: uuid.UUID) -> strawberry.ID:
    return strawberry.ID(to_global_id(type_name, raw))


@strawberry.type(description="An HTTPS endpoint that receives the organization's events, signed")
@derived(WebhookEndpointPublic, skip={})
class WebhookEndpoint(Node):
    database_id: uuid.UUID

    @classmethod
    def from_public(cls, e: WebhookEndpointPublic) -> WebhookEndpoint:
        return cls(id=_gid("WebhookEndpoint", e.id), database_id=e.id, **values(cls, e))


@strawberry.type(description="One event owed to an endpoint, and how sending it went")
@derived(WebhookDeliveryPublic, skip={})
class WebhookDelivery(Node):
    database_id: uuid.UUID
    endpoint_id: strawberry.ID
    event_id: uuid.UUID = strawberry.field(
        description="The event's id: also the webhook-id header of every attempt"
    )

    @classmethod
    def from_public(cls, d: WebhookDeliveryPublic) -> WebhookDelivery:
        return cls(
            id=_gid("WebhookDelivery", d.id),
            database_id=d.id,
            endpoint_id=_gid("WebhookEndpoint", d.endpoint_id),
            event_id=d.event_id,
            **values(cls, d),
        )


@strawberry.type(description="One HTTP request to an endpoint")
@derived(WebhookAttemptPublic, skip={})
class WebhookAttempt:
    id: strawberry.ID
    database_id: uuid.UUID
    delivery_id: strawberry.ID
    endpoint_id: strawberry.ID

    @classmethod
    def from_public(cls, a: WebhookAttemptPublic) -> WebhookAttempt:
        return cls(
            id=_gid("WebhookAttempt", a.id),
            database_id=a.id,
            delivery_id=_gid("WebhookDelivery", a.delivery_id),
            endpoint_id=_gid("WebhookEndpoint", a.endpoint_id),
            **values(cls, a),
        )


@strawberry.input(description="The same fields as REST's WebhookEndpointCreate")
class CreateWebhookEndpointInput:
    url: str
    event_types: list[str] | None = strawberry.field(
        default=strawberry.UNSET, description="Event types to receive; null or left out: all"
    )
    description: str | None = strawberry.UNSET


@strawberry.input(description="What to change; what is left out stays")
class UpdateWebhookEndpointInput:
    id: strawberry.ID
    expected_version: int | None = strawberry.field(
        default=None, description="Like If-Match in REST"
    )
    url: str | None = strawberry.UNSET
    event_types: list[str] | None = strawberry.UNSET
    description: str | None = strawberry.UNSET


@strawberry.type
class WebhookEndpointPayload:
    webhook_endpoint: WebhookEndpoint
    secret: str | None = strawberry.field(
        default=None,
        description="The signing secret (whsec_...): in the answer that made it only",
    )


@strawberry.type
class WebhookSecretPayload:
    secret: str = strawberry.field(description="The new signing secret, in this answer only")
    previous_secret_expires_at: dt.datetime = strawberry.field(
        description="Until when the previous secret still signs beside the new one"
    )


@strawberry.type
class WebhookDeliveryPayload:
    delivery: WebhookDelivery


@strawberry.type
class WebhookEndpointDeletedPayload:
    deleted_id: strawberry.ID


WebhookEndpointResult = Annotated[
    WebhookEndpointPayload | MutationError, strawberry.union("WebhookEndpointResult")
]
WebhookSecretResult = Annotated[
    WebhookSecretPayload | MutationError, strawberry.union("WebhookSecretResult")
]
WebhookDeliveryResult = Annotated[
    WebhookDeliveryPayload | MutationError, strawberry.union("WebhookDeliveryResult")
]
WebhookEndpointDeletedResult = Annotated[
    WebhookEndpointDeletedPayload | MutationError,
    strawberry.union("WebhookEndpointDeletedResult"),
]


@strawberry.type
class WebhookQuery:
    @strawberry.field(description="Webhook endpoints, newest first (admins)")
    async def webhook_endpoints(
        self, info: Info, first: First = 50, after: After = None
    ) -> Connection[WebhookEndpoint]:
        ctx = info.context
        page = await service.list_endpoints(
            ctx.session, ctx.actor, page_request(first, after, ctx.max_first)
        )
        return connection_of(page, after, WebhookEndpoint.from_public)

    @strawberry.field(description="One webhook endpoint (admins)")
    async def webhook_endpoint(self, info: Info, id: strawberry.ID) -> WebhookEndpoint | None:
        ctx = info.context
        try:
            found = await service.get_endpoint(
                ctx.session, ctx.actor, parse_id(id, "WebhookEndpoint", "id")
            )
        except NotFound:
            return None
        return WebhookEndpoint.from_public(found)

    @strawberry.field(description="Deliveries to an endpoint, newest first")
    async def webhook_deliveries(
        self,
        info: Info,
        endpoint_id: strawberry.ID,
        status: str | None = None,
        first: First = 50,
        after: After = None,
    ) -> Connection[WebhookDelivery]:
        ctx = info.context
        page = await service.list_deliveries(
            ctx.session,
            ctx.actor,
            parse_id(endpoint_id, "WebhookEndpoint", "endpointId"),
            status,
            page_request(first, after, ctx.max_first),
        )
        return connection_of(page, after, WebhookDelivery.from_public)

    @strawberry.field(description="Every attempt at an endpoint (or one delivery), newest first")
    async def webhook_attempts(
        self,
        info: Info,
        endpoint_id: strawberry.ID,
        delivery_id: strawberry.ID | None = None,
        first: First = 50,
        after: After = None,
    ) -> Connection[WebhookAttempt]:
        ctx = info.context
        page = await service.list_attempts(
            ctx.session,
            ctx.actor,
            parse_id(endpoint_id, "WebhookEndpoint", "endpointId"),
            parse_id(delivery_id, "WebhookDelivery", "deliveryId") if delivery_id else None,
            page_request(first, after, ctx.max_first),
        )
        return connection_of(
            page,
            after,
            WebhookAttempt.from_public,
            cursor=lambda a: encode_cursor(a.attempted_at, a.id),
        )


def _endpoint(e: WebhookEndpointPublic) -> WebhookEndpointPayload:
    secret = e.secret if isinstance(e, WebhookEndpointCreated) else None
    return WebhookEndpointPayload(webhook_endpoint=WebhookEndpoint.from_public(e), secret=secret)


def _delivery(d: WebhookDeliveryPublic) -> WebhookDeliveryPayload:
    return WebhookDeliveryPayload(delivery=WebhookDelivery.from_public(d))


async def _delete(s: AsyncSession, actor: Actor, p: Parsed[NoBody]) -> uuid.UUID:
    await service.delete_endpoint(s, actor, p.id())
    return p.id()


ENDPOINT = {"id": "WebhookEndpoint"}


@strawberry.type
class WebhookMutation:
    @strawberry.mutation(
        description="Register an endpoint; its signing secret is in this answer only"
    )
    async def create_webhook_endpoint(
        self, info: Info, input: CreateWebhookEndpointInput
    ) -> WebhookEndpointResult:
        return await mutate(
            info,
            given(input),
            schema=WebhookEndpointCreate,
            call=lambda s, actor, p: service.create_endpoint(s, actor, p.body),
            shape=_endpoint,
        )

    @strawberry.mutation(description="Change the URL, event types or description")
    async def update_webhook_endpoint(
        self, info: Info, input: UpdateWebhookEndpointInput
    ) -> WebhookEndpointResult:
        return await mutate(
            info,
            given(input),
            ids=ENDPOINT,
            schema=WebhookEndpointUpdate,
            call=lambda s, actor, p: service.update_endpoint(s, actor, p.id(), p.body, p.version),
            shape=_endpoint,
        )

    @strawberry.mutation(description="Stop sending to the endpoint; deliveries wait")
    async def disable_webhook_endpoint(
        self, info: Info, id: strawberry.ID
    ) -> WebhookEndpointResult:
        return await mutate(
            info,
            {"id": id},
            ids=ENDPOINT,
            call=lambda s, actor, p: service.disable_endpoint(s, actor, p.id()),
            shape=_endpoint,
        )

    @strawberry.mutation(description="Send again; deliveries owed meanwhile resume")
    async def enable_webhook_endpoint(self, info: Info, id: strawberry.ID) -> WebhookEndpointResult:
        return await mutate(
            info,
            {"id": id},
            ids=ENDPOINT,
            call=lambda s, actor, p: service.enable_endpoint(s, actor, p.id()),
            shape=_endpoint,
        )

    @strawberry.mutation(description="Remove the endpoint with its deliveries")
    async def delete_webhook_endpoint(
        self, info: Info, id: strawberry.ID
    ) -> WebhookEndpointDeletedResult:
        return await mutate(
            info,
            {"id": id},
            ids=ENDPOINT,
            call=_delete,
            shape=lambda deleted: WebhookEndpointDeletedPayload(
                deleted_id=_gid("WebhookEndpoint", deleted)
            ),
        )

    @strawberry.mutation(
        description="A new signing secret, in this answer only; the old one signs beside it for "
        "the grace period"
    )
    async def rotate_webhook_secret(self, info: Info, id: strawberry.ID) -> WebhookSecretResult:
        return await mutate(
            info,
            {"id": id},
            ids=ENDPOINT,
            call=lambda s, actor, p: service.rotate_secret(s, actor, p.id()),
            shape=lambda r: WebhookSecretPayload(
                secret=r.secret, previous_secret_expires_at=r.previous_secret_expires_at
            ),
        )

    @strawberry.mutation(description="Send a delivery again now, with the same webhook-id")
    async def redeliver_webhook(
        self, info: Info, endpoint_id: strawberry.ID, delivery_id: strawberry.ID
    ) -> WebhookDeliveryResult:
        return await mutate(
            info,
            {"endpoint_id": endpoint_id, "delivery_id": delivery_id},
            ids={"endpoint_id": "WebhookEndpoint", "delivery_id": "WebhookDelivery"},
            call=lambda s, actor, p: service.redeliver(
                s, actor, p.id("endpoint_id"), p.id("delivery_id")
            ),
            shape=_delivery,
        )

    @strawberry.mutation(description="Send a test event to the endpoint")
    async def send_webhook_test(self, info: Info, id: strawberry.ID) -> WebhookDeliveryResult:
        return await mutate(
            info,
            {"id": id},
            ids=ENDPOINT,
            call=lambda s, actor, p: service.send_test(s, actor, p.id()),
            shape=_delivery,
        )
