"""What goes in and out for webhook endpoints, their deliveries and attempts."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints, field_validator

from app.domain.types import NO_NUL, TEXT, PublicModel, StrictModel, Trimmed, refuse_null

EndpointUrl = Annotated[
    str, StringConstraints(min_length=1, max_length=2000, pattern=TEXT), Trimmed
]
EventTypeName = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Description = Annotated[str, StringConstraints(max_length=500, pattern=NO_NUL), Trimmed]


class WebhookEndpointCreate(StrictModel):
    url: EndpointUrl
    # Left out or null: every event type, including ones added later.
    event_types: list[EventTypeName] | None = Field(default=None, max_length=200)
    description: Description | None = None


class WebhookEndpointUpdate(StrictModel):
    url: EndpointUrl | None = None
    event_types: list[EventTypeName] | None = Field(default=None, max_length=200)
    description: Description | None = None

    _not_null = field_validator("url", mode="before")(refuse_null)


class WebhookEndpointPublic(PublicModel):
    id: uuid.UUID
    url: str
    description: str | None
    event_types: list[str] | None
    status: str
    disabled_reason: str | None
    disabled_at: datetime | None
    failing_since: datetime | None
    previous_secret_expires_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime


class WebhookEndpointCreated(WebhookEndpointPublic):
    secret: str = Field(description="The signing secret (whsec_...). Shown in this answer only.")


class WebhookSecretRotated(PublicModel):
    secret: str = Field(description="The new signing secret. Shown in this answer only.")
    previous_secret_expires_at: datetime = Field(
        description="Until then deliveries carry signatures of both the old and the new secret."
    )


class WebhookDeliveryPublic(PublicModel):
    id: uuid.UUID
    endpoint_id: uuid.UUID
    event_id: uuid.UUID = Field(description="Also the webhook-id header of every attempt.")
    event_type: str
    status: str = Field(description="pending, succeeded or failed (every retry used up)")
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    succeeded_at: datetime | None
    created_at: datetime


class WebhookAttemptPublic(PublicModel):
    id: uuid.UUID
    delivery_id: uuid.UUID
    endpoint_id: uuid.UUID
    attempt: int
    attempted_at: datetime
    succeeded: bool
    status_code: int | None
    latency_ms: int
    response_body: str | None = Field(description="The first 2 KiB of the answer.")
    error: str | None
