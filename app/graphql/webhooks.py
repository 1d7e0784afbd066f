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
    EVENT_TYPES_HELP,
    WebhookAttemptPublic,
    WebhookDeliveryPublic,
    WebhookEndpointCreate,
    WebhookEndpointCreated,
    WebhookEndpointPublic,
    WebhookEndpointUpdate,
)
from app.errors import NotFound
from app.graphql import enums
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
EndpointArg = Annotated[
    strawberry.ID,
    strawberry.argument(description="The WebhookEndpoint (its global id, or its database id)"),
]


def _gid(type_name: str, raw: uuid.UUID) -> strawberry.ID:
    return strawberry.ID(to_global_id(type_name, raw))


@strawberry.type(description="An HTTPS endpoint that receives the organization's events, signed")
@derived(WebhookEndpointPublic, skip={})
class WebhookEndpoint(Node):
    database_id: uuid.UUID = strawberry.field(description="The endpoint's id as REST shows it")

    @classmethod
    def from_public(cls, e: WebhookEndpointPublic) -> WebhookEndpoint:
        return cls(id=_gid("WebhookEndpoint", e.id), database_id=e.id, **values(cls, e))


@strawberry.type(description="One event owed to an endpoint, and how sending it went")
@derived(WebhookDeliveryPublic, skip={})
class WebhookDelivery(Node):
    database_id: uuid.UUID = strawberry.field(description="The delivery's id as REST shows it")
    endpoint_id: strawberry.ID = strawberry.field(
        description="The WebhookEndpoint it is owed to (its global id)"
    )
    event_id: strawberry.ID = strawberry.field(
        description="The Event it delivers (its global id); that event's databaseId is the "
        "webhook-id header of every attempt"
    )

    @classmethod
    def from_public(cls, d: WebhookDeliveryPublic) -> WebhookDelivery:
        return cls(
            id=_gid("WebhookDelivery", d.id),
            database_id=d.id,
            endpoint_id=_gid("WebhookEndpoint", d.endpoint_id),
            event_id=_gid("Event", d.event_id),
            **values(cls, d),
        )


@strawberry.type(description="One HTTP request to an endpoint")
@derived(WebhookAttemptPublic, skip={})
class WebhookAttempt(Node):
    database_id: uuid.UUID = strawberry.field(description="The attempt's id as REST shows it")
    delivery_id: strawberry.ID = strawberry.field(
        description="The WebhookDelivery it sent (its global id)"
    )
    endpoint_id: strawberry.ID = strawberry.field(
        description="The WebhookEndpoint it was sent to (its global id)"
    )

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
    url: str = strawberry.field(description="The HTTPS address events are posted to")
    event_types: list[str] | None = strawberry.field(
        default=strawberry.UNSET, description=EVENT_TYPES_HELP + "; left out: every type"
    )
    description: str | None = strawberry.field(
        default=strawberry.UNSET, description="A note for people: what the endpoint is for"
    )


@strawberry.input(description="What to change; what is left out stays")
class UpdateWebhookEndpointInput:
    id: strawberry.ID = strawberry.field(description="The WebhookEndpoint to change")
    expected_version: int | None = strawberry.field(
        default=None, description="Like If-Match in REST"
    )
    url: str | None = strawberry.field(
        default=strawberry.UNSET, description="The HTTPS address events are posted to"
    )
    event_types: list[str] | None = strawberry.field(
        default=strawberry.UNSET, description=EVENT_TYPES_HELP
    )
    description: str | None = strawberry.field(
        default=strawberry.UNSET, description="A note for people: what the endpoint is for"
    )


@strawberry.type(description="The webhook endpoint as it now is")
class WebhookEndpointPayload:
    webhook_endpoint: WebhookEndpoint = strawberry.field(description="The endpoint")
    secret: str | None = strawberry.field(
        default=None,
        description="The signing secret (whsec_...): in the answer that made it only",
    )


@strawberry.type(description="A webhook endpoint's new signing secret")
class WebhookSecretPayload:
    secret: str = strawberry.field(description="The new signing secret, in this answer only")
    previous_secret_expires_at: dt.datetime = strawberry.field(
        description="Until when the previous secret still signs beside the new one"
    )


@strawberry.type(description="The delivery as it now is")
class WebhookDeliveryPayload:
    delivery: WebhookDelivery = strawberry.field(description="The delivery")


@strawberry.type(description="Which webhook endpoint was deleted")
class WebhookEndpointDeletedPayload:
    deleted_id: strawberry.ID = strawberry.field(description="The deleted endpoint's id")


WebhookEndpointResult = Annotated[
    WebhookEndpointPayload | MutationError,
    strawberry.union(
        "WebhookEndpointResult",
        description="The payload, or a MutationError saying why nothing changed",
    ),
]
WebhookSecretResult = Annotated[
    WebhookSecretPayload | MutationError,
    strawberry.union(
        "WebhookSecretResult",
        description="The payload, or a MutationError saying why nothing changed",
    ),
]
WebhookDeliveryResult = Annotated[
    WebhookDeliveryPayload | MutationError,
    strawberry.union(
        "WebhookDeliveryResult",
        description="The payload, or a MutationError saying why nothing changed",
    ),
]
WebhookEndpointDeletedResult = Annotated[
    WebhookEndpointDeletedPayload | MutationError,
    strawberry.union(
        "WebhookEndpointDeletedResult",
        description="The payload, or a MutationError saying why nothing changed",
    ),
]


async def resolve_attempt_node(ctx: Context, raw_id: uuid.UUID) -> WebhookAttempt:
    """For `node(id:)` (app/graphql/nodes.py): an attempt of the caller's organization (admins)."""
    return WebhookAttempt.from_public(await service.get_attempt(ctx.session, ctx.actor, raw_id))


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

    @strawberry.field(description="One webhook endpoint (admins); null when not found")
    async def webhook_endpoint(self, info: Info, id: EndpointArg) -> WebhookEndpoint | None:
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
        endpoint_id: EndpointArg,
        status: Annotated[
            str | None,
            strawberry.argument(
                graphql_type=enums.WebhookDeliveryStatus | None, description="Only this status"
            ),
        ] = None,
        first: First = 50,
        after: After = None,
    ) -> Connection[WebhookDelivery]:
        ctx = info.context
        page = await service.list_deliveries(
            ctx.session,
            ctx.actor,
            parse_id(endpoint_id, "WebhookEndpoint", "endpointId"),
            getattr(status, "value", status),
            page_request(first, after, ctx.max_first),
        )
        return connection_of(page, after, WebhookDelivery.from_public)

    @strawberry.field(description="Every attempt at an endpoint (or one delivery), newest first")
    async def webhook_attempts(
        self,
        info: Info,
        endpoint_id: EndpointArg,
        delivery_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Only this delivery's attempts"),
        ] = None,
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
        self,
        info: Info,
        input: Annotated[
            CreateWebhookEndpointInput,
            strawberry.argument(description="The URL, the event types to send, and a description"),
        ],
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
        self,
        info: Info,
        input: Annotated[
            UpdateWebhookEndpointInput,
            strawberry.argument(
                description="The endpoint (its id and expected version) and the fields to change"
            ),
        ],
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
    async def disable_webhook_endpoint(self, info: Info, id: EndpointArg) -> WebhookEndpointResult:
        return await mutate(
            info,
            {"id": id},
            ids=ENDPOINT,
            call=lambda s, actor, p: service.disable_endpoint(s, actor, p.id()),
            shape=_endpoint,
        )

    @strawberry.mutation(description="Send again; deliveries owed meanwhile resume")
    async def enable_webhook_endpoint(self, info: Info, id: EndpointArg) -> WebhookEndpointResult:
        return await mutate(
            info,
            {"id": id},
            ids=ENDPOINT,
            call=lambda s, actor, p: service.enable_endpoint(s, actor, p.id()),
            shape=_endpoint,
        )

    @strawberry.mutation(description="Remove the endpoint with its deliveries")
    async def delete_webhook_endpoint(
        self, info: Info, id: EndpointArg
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
    async def rotate_webhook_secret(self, info: Info, id: EndpointArg) -> WebhookSecretResult:
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
        self,
        info: Info,
        endpoint_id: EndpointArg,
        delivery_id: Annotated[
            strawberry.ID, strawberry.argument(description="The WebhookDelivery to send again")
        ],
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
    async def send_webhook_test(self, info: Info, id: EndpointArg) -> WebhookDeliveryResult:
        return await mutate(
            info,
            {"id": id},
            ids=ENDPOINT,
            call=lambda s, actor, p: service.send_test(s, actor, p.id()),
            shape=_delivery,
        )
