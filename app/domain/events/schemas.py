"""What the event feed hands out (REST: GET /api/v1/events; GraphQL: `events`)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from app.domain.events.catalogue import CATALOGUE
from app.domain.pagination import Cursor
from app.domain.types import PublicModel

if TYPE_CHECKING:
    EventTypeName = str
else:
    # Every type of the catalogue (docs/events.md): a closed set, an enum in OpenAPI and GraphQL.
    EventTypeName = Literal[tuple(CATALOGUE)]

# What an event is about, named as the tables name it. GraphQL names each by its type
# (app/graphql/events.py: RESOURCE_TYPES).
EventResourceType = Literal[
    "api_key",
    "application",
    "booking_link",
    "calendar_connection",
    "candidate",
    "integration_connection",
    "interview",
    "interviewer_pool",
    "member",
    "notification",
    "offer",
    "organization",
    "rejection_reason",
    "role",
    "slate",
    "webhook_endpoint",
]

# The feed has one order: commit order, oldest first (see `list_events`).
EventSort = Literal["commit_order"]


class EventPublic(PublicModel):
    """Something that happened in the organization, as the outbox recorded it in the same
    transaction as the change; webhooks carry the same events."""

    id: uuid.UUID = Field(
        description="The event's id; also the webhook-id header of every delivery of it"
    )
    type: EventTypeName = Field(
        description="What happened: a type of the event catalogue (docs/events.md)"
    )
    occurred_at: datetime = Field(
        description="When the change was made, in UTC (the feed's order is commit order, which "
        "can differ by a few milliseconds)"
    )
    organization_id: uuid.UUID = Field(description="The organization it happened in (yours)")
    actor_member_id: uuid.UUID | None = Field(
        description="The member who made the change; null when the service itself did (a job, "
        "a candidate's own page, an ATS sync without a member)"
    )
    resource_type: EventResourceType = Field(description="What kind of record the event is about")
    resource_id: uuid.UUID = Field(description="The id of the record the event is about")
    data: dict[str, Any] = Field(
        description="The event's details: the keys its catalogue entry lists, ids and states "
        "only, never personal data"
    )


class EventPage(PublicModel):
    """A page of the event feed. `next_cursor` is set even on the last page, so a consumer that
    has caught up polls with it and receives only newer events; `has_more` says whether to fetch
    again at once."""

    items: list[EventPublic] = Field(description="The events, in commit order, oldest first")
    next_cursor: Cursor | None = Field(
        description="An opaque token: send it back as `cursor` for the events after this page "
        "(set on the last page too; null only when the feed is empty and no cursor was sent)"
    )
    has_more: bool = Field(
        description="Whether more events follow now: fetch again at once rather than wait"
    )
