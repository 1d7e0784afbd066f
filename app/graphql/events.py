"""The events feed, for consumers that pull (REST: app/api/v1/events.py)."""

from __future__ import annotations

import uuid
from typing import Annotated, cast

import strawberry
from strawberry.scalars import JSON

from app.domain.events import service
from app.domain.events.schemas import EventPublic
from app.graphql.context import Context
from app.graphql.derive import derived, values
from app.graphql.pagination import AFTER_HELP, FIRST_HELP, page_request

Info = strawberry.Info[Context, None]


@strawberry.type(description="Something that happened, as the outbox recorded it")
@derived(
    EventPublic,
    skip={"organization_id": "Always the caller's own (viewer.organization)"},
)
class Event:
    id: uuid.UUID = strawberry.field(description="Also the webhook-id header of its deliveries")
    actor_member_id: uuid.UUID | None
    resource_id: uuid.UUID = strawberry.field(
        description="The resource's database id (its type is resourceType)"
    )
    data: JSON

    @classmethod
    def from_public(cls, e: EventPublic) -> Event:
        return cls(
            id=e.id,
            actor_member_id=e.actor_member_id,
            resource_id=e.resource_id,
            data=cast(JSON, e.data),
            **values(cls, e),
        )


@strawberry.type(
    description="A page of the feed. Not a connection: endCursor is set even on the last page, "
    "so a consumer that has caught up polls with it and receives only newer events"
)
class EventFeed:
    events: list[Event]
    end_cursor: str | None = strawberry.field(description="Pass as `after` for later events")
    has_more: bool = strawberry.field(description="Whether to fetch again at once")


@strawberry.type
class EventQuery:
    @strawberry.field(
        description="Events in commit order, oldest first (admins, recruiters); poll with "
        "endCursor to receive only newer ones"
    )
    async def events(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description=FIRST_HELP)] = 50,
        after: Annotated[str | None, strawberry.argument(description=AFTER_HELP)] = None,
        types: list[str] | None = None,
    ) -> EventFeed:
        ctx = info.context
        page = await service.list_events(
            ctx.session, ctx.actor, types or [], page_request(first, after, ctx.max_first)
        )
        return EventFeed(
            events=[Event.from_public(e) for e in page.items],
            end_cursor=page.next_cursor,
            has_more=page.has_more,
        )
