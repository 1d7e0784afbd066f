"""What goes in and out for webhook endpoints, their deliveries and attempts."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, field_validator

from app.domain.types import NO_NUL, TEXT, PublicModel, StrictModel, Trimmed, refuse_null

EndpointUrl = Annotated[
    str, StringConstraints(min_length=1, max_length=2000, pattern=TEXT), Trimmed
]
EventTypeName = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Description = Annotated[str, StringConstraints(max_length=500, pattern=NO_NUL), Trimmed]
EndpointStatus = Literal["enabled", "disabled"]
DeliveryStatus = Literal["pending", "succeeded", "failed"]

# Event types stay strings, not an enum: the catalogue (app/domain/events/catalogue.py) grows
# with every release, an endpoint left unfiltered receives the types added later, and a
# consumer must take a type it does not know yet rather than fail on it.
EVENT_TYPES_HELP = (
    "Event types to receive, as the event catalogue names them (application.moved); null: "
    "every type, including ones added later"
)


class WebhookEndpointCreate(StrictModel):
    """A new webhook endpoint: where to send the organization's events, and which ones."""

    url: EndpointUrl = Field(description="The HTTPS address events are posted to")
    # Left out or null: every event type, including ones added later.
    event_types: list[EventTypeName] | None = Field(
        default=None, max_length=200, description=EVENT_TYPES_HELP
    )
    description: Description | None = Field(
        default=None, description="A note for people: what the endpoint is for"
    )


class WebhookEndpointUpdate(StrictModel):
    """Changes to a webhook endpoint; a field left out stays as it is."""

    url: EndpointUrl | None = Field(
        default=None, description="The HTTPS address events are posted to"
    )
    event_types: list[EventTypeName] | None = Field(
        default=None, max_length=200, description=EVENT_TYPES_HELP
    )
    description: Description | None = Field(
        default=None, description="A note for people: what the endpoint is for"
    )

    _not_null = field_validator("url", mode="before")(refuse_null)


class WebhookEndpointPublic(PublicModel):
    """An HTTPS endpoint that receives the organization's events, signed."""

    id: uuid.UUID = Field(description="The endpoint's id")
    url: str = Field(description="The HTTPS address events are posted to")
    description: str | None = Field(description="A note for people; null when none")
    event_types: list[str] | None = Field(description=EVENT_TYPES_HELP)
    status: EndpointStatus = Field(
        description="enabled, or disabled (by an admin, or after failing for too long): "
        "deliveries then wait"
    )
    disabled_reason: str | None = Field(description="Why it was disabled; null when enabled")
    disabled_at: datetime | None = Field(
        description="When it was disabled (UTC); null when enabled"
    )
    failing_since: datetime | None = Field(
        description="Since when every attempt has failed (UTC); null when the last succeeded"
    )
    previous_secret_expires_at: datetime | None = Field(
        description="After a rotation, until when the previous secret still signs beside the "
        "new one (UTC); null otherwise"
    )
    version: int = Field(
        description="Goes up by one with every change (for If-Match / expectedVersion)"
    )
    created_at: datetime = Field(description="When the endpoint was registered (UTC)")
    updated_at: datetime = Field(description="When it last changed (UTC)")


class WebhookEndpointCreated(WebhookEndpointPublic):
    """A webhook endpoint just registered, with its signing secret (shown this once)."""

    secret: str = Field(description="The signing secret (whsec_...). Shown in this answer only.")


class WebhookSecretRotated(PublicModel):
    """A webhook endpoint's new signing secret (shown this once)."""

    secret: str = Field(description="The new signing secret. Shown in this answer only.")
    previous_secret_expires_at: datetime = Field(
        description="Until then deliveries carry signatures of both the old and the new secret."
    )


class WebhookDeliveryPublic(PublicModel):
    """One event owed to a webhook endpoint, and how sending it went."""

    id: uuid.UUID = Field(description="The delivery's id")
    endpoint_id: uuid.UUID = Field(description="The webhook endpoint it is owed to")
    event_id: uuid.UUID = Field(
        description="The event's id. Also the webhook-id header of every attempt."
    )
    event_type: str = Field(description="The event's type, as the event catalogue names it")
    status: DeliveryStatus = Field(description="pending, succeeded or failed (every retry used up)")
    attempts: int = Field(description="How many times it was sent")
    next_attempt_at: datetime | None = Field(
        description="When it is sent next (UTC); null unless pending"
    )
    last_status_code: int | None = Field(
        description="The HTTP status of the last answer; null before one, or when none came"
    )
    last_error: str | None = Field(
        description="Why the last attempt failed; null when it succeeded or before the first"
    )
    succeeded_at: datetime | None = Field(
        description="When an attempt succeeded (UTC); null until then"
    )
    created_at: datetime = Field(description="When the event was owed to the endpoint (UTC)")


class WebhookAttemptPublic(PublicModel):
    """One HTTP request to a webhook endpoint, and its answer."""

    id: uuid.UUID = Field(description="The attempt's id")
    delivery_id: uuid.UUID = Field(description="The delivery it sent")
    endpoint_id: uuid.UUID = Field(description="The webhook endpoint it was sent to")
    attempt: int = Field(description="Which attempt of the delivery it was, from 1")
    attempted_at: datetime = Field(description="When the request was sent (UTC)")
    succeeded: bool = Field(description="The endpoint answered with a 2xx status")
    status_code: int | None = Field(description="The HTTP status; null when no answer came")
    latency_ms: int = Field(description="How long the answer took, in milliseconds")
    response_body: str | None = Field(description="The first 2 KiB of the answer.")
    error: str | None = Field(
        description="Why it failed (answered 500, a timeout); null when it succeeded"
    )
