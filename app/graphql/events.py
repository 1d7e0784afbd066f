"""The events feed, for consumers that pull (REST: app/api/v1/events.py)."""

from __future__ import annotations

import uuid
from typing import Annotated, cast

import strawberry
from strawberry.scalars import JSON

from app.domain.events import service
from app.domain.events.schemas import EventPublic
from app.graphql import enums
from app.graphql.context import Context
from app.graphql.derive import derived, values
from app.graphql.ids import to_global_id
from app.graphql.pagination import AFTER_HELP, FIRST_HELP, page_request
from app.graphql.types.node import Node, PageInfo

Info = strawberry.Info[Context, None]

# An event names its resource as the tables do; GraphQL names it by its type, so `resourceId`
# is a global id `node(id:)` can resolve. A resource type missing here (none today) keeps the
# rule for the rest: its global id is built with the resource type in PascalCase.
RESOURCE_TYPES: dict[str, str] = {
    "api_key": "ApiKey",
    "application": "Application",
    "booking_link": "BookingLink",
    "calendar_connection": "CalendarConnection",
    "candidate": "Candidate",
    "integration_connection": "AtsConnection",
    "interview": "Interview",
    "interviewer_pool": "InterviewerPool",
    "member": "Member",
    "notification": "Notification",
    "offer": "Offer",
    "organization": "Organization",
    "rejection_reason": "RejectionReason",
    "role": "Role",
    "slate": "Slate",
    "webhook_endpoint": "WebhookEndpoint",
}


def resource_type_name(resource_type: str) -> str:
    """The GraphQL type whose global id an event's `resourceId` is."""
    found = RESOURCE_TYPES.get(resource_type)
    return found or resource_type.title().replace("_", "")


@strawberry.type(
    description="Something that happened in your organization, as the outbox recorded it with "
    "the change; webhooks carry the same events"
)
@derived(
    EventPublic,
    skip={"organization_id": "Always the caller's own (viewer.organization)"},
)
class Event(Node):
    id: strawberry.ID = strawberry.field(description="The event's global id (node(id:) finds it)")
    database_id: uuid.UUID = strawberry.field(
        description="The event's database id; also the webhook-id header of its deliveries"
    )
    actor_member_id: strawberry.ID | None = strawberry.field(
        description="The global id of the member who made the change; null when the service "
        "itself did (a job, a candidate's own page, an ATS sync without a member)"
    )
    resource_id: strawberry.ID = strawberry.field(
        description="The global id of the record the event is about, of the GraphQL type "
        "resourceType names (integration_connection: AtsConnection); an erased or deleted "
        "record's no longer resolves"
    )
    data: JSON = strawberry.field(
        description="The event's details: the keys its catalogue entry lists, as REST and "
        "webhooks carry them (ids in it are database ids)"
    )

    @classmethod
    def from_public(cls, e: EventPublic) -> Event:
        actor = e.actor_member_id
        return cls(
            id=strawberry.ID(to_global_id("Event", e.id)),
            database_id=e.id,
            actor_member_id=strawberry.ID(to_global_id("Member", actor)) if actor else None,
            resource_id=strawberry.ID(
                to_global_id(resource_type_name(e.resource_type), e.resource_id)
            ),
            data=cast(JSON, e.data),
            **values(cls, e),
        )


@strawberry.type(description="An event and its place in the feed")
class EventEdge:
    cursor: str = strawberry.field(description="Pass as `after` for the events after this one")
    node: Event = strawberry.field(description="The event")


@strawberry.type(
    description="A page of the events feed (Relay). Unlike other connections, pageInfo.endCursor "
    "is set on the last page too, so a consumer that has caught up polls with it and receives "
    "only newer events; hasNextPage says whether to fetch again at once"
)
class EventConnection:
    edges: list[EventEdge] = strawberry.field(description="The events, oldest first")
    page_info: PageInfo = strawberry.field(
        description="Where the page stands; endCursor is set on the last page too"
    )


async def resolve_event_node(ctx: Context, raw_id: uuid.UUID) -> Event:
    """For `node(id:)` (app/graphql/nodes.py): admins and recruiters, their organization's."""
    return Event.from_public(await service.get_event(ctx.session, ctx.actor, raw_id))


@strawberry.type
class EventQuery:
    @strawberry.field(
        description="Events in commit order, oldest first (admins, recruiters); poll with "
        "pageInfo.endCursor to receive only newer ones. Commit order is the feed's only order: "
        "any other could put an event that commits late before a cursor already handed out"
    )
    async def events(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description=FIRST_HELP)] = 50,
        after: Annotated[str | None, strawberry.argument(description=AFTER_HELP)] = None,
        types: Annotated[
            list[str] | None,
            strawberry.argument(
                graphql_type=list[enums.EventType] | None,
                description="Only events of these types",
            ),
        ] = None,
    ) -> EventConnection:
        ctx = info.context
        chosen = [getattr(t, "value", t) for t in types or []]
        feed = await service.list_feed(
            ctx.session, ctx.actor, chosen, page_request(first, after, ctx.max_first)
        )
        page = feed.page
        edges = [
            EventEdge(cursor=cursor, node=Event.from_public(e))
            for cursor, e in zip(feed.cursors, page.items, strict=True)
        ]
        return EventConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=page.has_more,
                end_cursor=page.next_cursor,
                has_previous_page=bool(after),
                start_cursor=edges[0].cursor if edges else None,
            ),
        )
