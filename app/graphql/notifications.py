"""Every message sent to a person (email or Slack) and its status (REST: app/api/v1/notifications.py)."""

from __future__ import annotations

import uuid
from typing import Annotated, cast

import strawberry
from strawberry.scalars import JSON

from app.domain.notifications import service
from app.domain.notifications.schemas import (
    DigestPreviewPublic,
    NotificationFilters,
    NotificationPublic,
)
from app.graphql import enums
from app.graphql.context import Context
from app.graphql.derive import derived, values
from app.graphql.errors import validate
from app.graphql.ids import parse_id, to_global_id
from app.graphql.pagination import AFTER_HELP, FIRST_HELP, page_request
from app.graphql.types.connection import Connection, connection_of
from app.graphql.types.node import Node

Info = strawberry.Info[Context, None]


def _gid(type_name: str, raw: uuid.UUID | None) -> strawberry.ID | None:
    return strawberry.ID(to_global_id(type_name, raw)) if raw else None


@strawberry.type(description="A message to a person by email or Slack, and how sending it went")
@derived(NotificationPublic, skip={})
class Notification(Node):
    id: strawberry.ID = strawberry.field(
        description="The notification's global id (node(id:) finds it)"
    )
    database_id: uuid.UUID = strawberry.field(description="The notification's database id")
    member_id: strawberry.ID | None = strawberry.field(
        description="The global id of the member it is for; null when it is for a candidate"
    )
    candidate_id: strawberry.ID | None = strawberry.field(
        description="The global id of the candidate it is for; null when it is for a member"
    )
    outcome_message_id: strawberry.ID | None = strawberry.field(
        description="The global id of the outcome message it delivers (see outcomeMessages)"
    )

    @classmethod
    def from_public(cls, n: NotificationPublic) -> Notification:
        return cls(
            id=strawberry.ID(to_global_id("Notification", n.id)),
            database_id=n.id,
            member_id=_gid("Member", n.member_id),
            candidate_id=_gid("Candidate", n.candidate_id),
            outcome_message_id=_gid("OutcomeMessage", n.outcome_message_id),
            **values(cls, n),
        )


@strawberry.type(description="What a member's next digest would say, and when it is due")
@derived(DigestPreviewPublic, skip={})
class DigestPreview:
    member_id: strawberry.ID = strawberry.field(
        description="The global id of the member whose digest it is"
    )
    roles: JSON = strawberry.field(
        description="Per role: slates awaiting review, interviews, overdue feedback, questions, "
        "proposals, answers and the pipeline; the same shape as REST's DigestPreview.roles"
    )

    @classmethod
    def from_public(cls, d: DigestPreviewPublic) -> DigestPreview:
        return cls(
            member_id=strawberry.ID(to_global_id("Member", d.member_id)),
            roles=cast(JSON, [r.model_dump(mode="json") for r in d.roles]),
            **values(cls, d),
        )


@strawberry.type
class NotificationQuery:
    @strawberry.field(
        description="The member's next digest: when, on which channel, and what it would say "
        "(yours; admins and recruiters: anyone's)"
    )
    async def digest_preview(
        self,
        info: Info,
        member_id: Annotated[
            strawberry.ID, strawberry.argument(description="The member (their global id)")
        ],
    ) -> DigestPreview:
        ctx = info.context
        return DigestPreview.from_public(
            await service.digest_preview(
                ctx.session, ctx.actor, parse_id(member_id, "Member", "memberId")
            )
        )

    @strawberry.field(
        description="Notifications, newest first (admins and recruiters: all; others: those "
        "addressed to them)"
    )
    async def notifications(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description=FIRST_HELP)] = 50,
        after: Annotated[str | None, strawberry.argument(description=AFTER_HELP)] = None,
        status: Annotated[
            str | None,
            strawberry.argument(
                graphql_type=enums.NotificationStatus | None, description="Only this status"
            ),
        ] = None,
        kind: Annotated[
            str | None,
            strawberry.argument(
                graphql_type=enums.NotificationKind | None, description="Only this kind"
            ),
        ] = None,
        member_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Only those for this member (their global id)"),
        ] = None,
    ) -> Connection[Notification]:
        ctx = info.context
        filters = validate(
            NotificationFilters,
            {
                "status": getattr(status, "value", status),
                "kind": getattr(kind, "value", kind),
                "member_id": parse_id(member_id, "Member", "memberId") if member_id else None,
            },
        )
        page = await service.list_notifications(
            ctx.session, ctx.actor, filters, page_request(first, after, ctx.max_first)
        )
        return connection_of(page, after, Notification.from_public)
