"""The audit trail of sensitive actions, for admins (REST: app/api/v1/audit.py)."""

from __future__ import annotations

import uuid
from typing import Annotated, cast

import strawberry
from strawberry.scalars import JSON

from app.domain.audit import service
from app.domain.audit.schemas import AuditEntryPublic
from app.domain.pagination import encode_cursor
from app.errors import InvalidInput
from app.graphql import enums
from app.graphql.context import Context
from app.graphql.derive import derived, values
from app.graphql.ids import from_global_id, parse_id, to_global_id
from app.graphql.pagination import AFTER_HELP, FIRST_HELP, page_request
from app.graphql.types.connection import Connection, connection_of
from app.graphql.types.node import Node

Info = strawberry.Info[Context, None]

# The audit trail names its subjects as the tables do; GraphQL names them by their types.
SUBJECT_TYPES: dict[str, str] = {
    "api_key": "ApiKey",
    "calendar_connection": "CalendarConnection",
    "candidate": "Candidate",
    "document": "Document",
    "integration_connection": "AtsConnection",
    "member": "Member",
}


def _gid(type_name: str, raw: uuid.UUID | None) -> strawberry.ID | None:
    return strawberry.ID(to_global_id(type_name, raw)) if raw else None


@strawberry.type(
    description="One sensitive action in the audit trail: who did what to which record, and "
    "when (ids only, never personal data)"
)
@derived(AuditEntryPublic, skip={})
class AuditEntry(Node):
    id: strawberry.ID = strawberry.field(
        description="The audit entry's global id (node(id:) finds it)"
    )
    database_id: uuid.UUID = strawberry.field(description="The audit entry's database id")
    actor_member_id: strawberry.ID | None = strawberry.field(
        description="The global id of the member who acted; null when the service itself did"
    )
    actor_api_key_id: strawberry.ID | None = strawberry.field(
        description="The global id of the API key the member acted with, when they used one"
    )
    subject_id: strawberry.ID = strawberry.field(
        description="The global id of what was acted on (an erased candidate's no longer resolves)"
    )
    subject_database_id: uuid.UUID = strawberry.field(
        description="The database id of what was acted on"
    )
    detail: JSON = strawberry.field(description="Ids only; never personal data")

    @classmethod
    def from_public(cls, e: AuditEntryPublic) -> AuditEntry:
        kind = SUBJECT_TYPES.get(e.subject_type, e.subject_type)
        return cls(
            id=strawberry.ID(to_global_id("AuditEntry", e.id)),
            database_id=e.id,
            actor_member_id=_gid("Member", e.actor_member_id),
            actor_api_key_id=_gid("ApiKey", e.actor_api_key_id),
            subject_id=strawberry.ID(to_global_id(kind, e.subject_id)),
            subject_database_id=e.subject_id,
            detail=cast(JSON, e.detail),
            **values(cls, e),
        )


async def resolve_audit_entry_node(ctx: Context, raw_id: uuid.UUID) -> AuditEntry:
    """For `node(id:)` (app/graphql/nodes.py): admins, their organization's entries."""
    return AuditEntry.from_public(await service.get_entry(ctx.session, ctx.actor, raw_id))


@strawberry.type
class AuditQuery:
    @strawberry.field(description="Audit entries, newest first (admins)")
    async def audit_entries(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description=FIRST_HELP)] = 50,
        after: Annotated[str | None, strawberry.argument(description=AFTER_HELP)] = None,
        action: Annotated[
            str | None,
            strawberry.argument(
                graphql_type=enums.AuditAction | None, description="Only entries of this action"
            ),
        ] = None,
        subject_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Only about this record (its global id)"),
        ] = None,
    ) -> Connection[AuditEntry]:
        ctx = info.context
        subject = None
        if subject_id is not None:
            subject = parse_id(subject_id, _subject_type(subject_id), "subjectId")
        page = await service.list_entries(
            ctx.session,
            ctx.actor,
            page_request(first, after, ctx.max_first),
            action=getattr(action, "value", action),
            subject_id=subject,
        )
        return connection_of(
            page, after, AuditEntry.from_public, cursor=lambda e: encode_cursor(e.at, e.id)
        )


def _subject_type(value: str) -> str:
    """Any type the trail records may be the subject: the id's own type is the one expected."""
    try:
        kind, _ = from_global_id(value)
    except InvalidInput:
        return "subject"  # a plain UUID passes, anything else is refused naming subjectId
    return kind if kind in SUBJECT_TYPES.values() else "subject"
