"""`node(id:)`: any object by its global id."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated

import strawberry

from app.domain.calendars import connections as calendar_connections
from app.domain.calibration import slates
from app.domain.feedback import decisions, offers
from app.domain.integrations import connections as ats_connections
from app.domain.interviews import service as interviews
from app.domain.notifications import service as notifications
from app.domain.organizations import service as organizations
from app.domain.roles import intake
from app.domain.webhooks import service as webhooks
from app.errors import NotFound, PermissionDenied
from app.graphql.audit import resolve_audit_entry_node as _audit_entry
from app.graphql.availability import (
    resolve_availability_link_node as _availability_link,
)
from app.graphql.availability import (
    resolve_busy_block_node as _busy_block,
)
from app.graphql.availability import (
    resolve_candidate_window_node as _candidate_window,
)
from app.graphql.availability import (
    resolve_override_node as _availability_override,
)
from app.graphql.bookings import resolve_booking_link_node as _booking_link
from app.graphql.calendars import resolve_member_calendar_node as _member_calendar
from app.graphql.calibration import resolve_decision_node as _decision
from app.graphql.context import Context
from app.graphql.events import resolve_event_node as _event
from app.graphql.feedback import (
    RejectionReason,
    resolve_hiring_decision_node,
    resolve_outcome_message_node,
    resolve_scorecard_node,
)
from app.graphql.follow_ups import resolve_node as _follow_up
from app.graphql.ids import from_global_id
from app.graphql.integrations import AtsConnection
from app.graphql.integrations import resolve_inbound_event_node as _ats_inbound_event
from app.graphql.integrations import resolve_sync_node as _ats_sync
from app.graphql.interviewer_pools import resolve_interviewer_pool_node
from app.graphql.notifications import Notification
from app.graphql.organization import api_key_of
from app.graphql.pipeline import resolve_document_node as _document
from app.graphql.types.calendars import (
    CalendarConnection,
)
from app.graphql.types.calibration import Slate, SlateItem
from app.graphql.types.feedback import Offer
from app.graphql.types.intake import IntakeRevision
from app.graphql.types.interviews import Interview
from app.graphql.types.member import Member, Organization
from app.graphql.types.node import Node
from app.graphql.types.pipeline import Application, Candidate
from app.graphql.types.role import Role
from app.graphql.webhooks import WebhookDelivery, WebhookEndpoint
from app.graphql.webhooks import resolve_attempt_node as _webhook_attempt

Info = strawberry.Info[Context, None]


@strawberry.type
class NodeQuery:
    @strawberry.field(description="Any object by its global id; null when it is not yours to see")
    async def node(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID,
            strawberry.argument(
                description="Any object's global id, as its id field answers it (not a plain UUID)"
            ),
        ],
    ) -> Node | None:
        type_name, raw_id = from_global_id(id)
        resolve = NODES.get(type_name)
        if resolve is None:
            return None
        try:
            return await resolve(info.context, raw_id)
        except (NotFound, PermissionDenied):
            return None


async def _role(ctx: Context, raw_id: uuid.UUID) -> Node | None:
    role = await ctx.loaders.role.load(raw_id)
    return Role.from_public(role) if role else None


async def _member(ctx: Context, raw_id: uuid.UUID) -> Node | None:
    member = await ctx.loaders.member.load(raw_id)
    return Member.from_public(member) if member else None


async def _candidate(ctx: Context, raw_id: uuid.UUID) -> Node | None:
    candidate = await ctx.loaders.candidate.load(raw_id)
    return Candidate.from_public(candidate) if candidate else None


async def _application(ctx: Context, raw_id: uuid.UUID) -> Node | None:
    application = await ctx.loaders.application.load(raw_id)
    return Application.from_public(application) if application else None


async def _slate(ctx: Context, raw_id: uuid.UUID) -> Node | None:
    return Slate.from_public(await slates.get_slate(ctx.session, ctx.actor, raw_id))


async def _interview(ctx: Context, raw_id: uuid.UUID) -> Node | None:
    return Interview.from_public(await interviews.get_interview(ctx.session, ctx.actor, raw_id))


async def _intake_revision(ctx: Context, raw_id: uuid.UUID) -> Node | None:
    return IntakeRevision.from_public(
        await intake.get_revision_by_id(ctx.session, ctx.actor, raw_id)
    )


async def _calendar_connection(ctx: Context, raw_id: uuid.UUID) -> Node | None:
    return CalendarConnection.from_public(
        await calendar_connections.get_connection(ctx.session, ctx.actor, raw_id)
    )


async def _organization(ctx: Context, raw_id: uuid.UUID) -> Node | None:
    if raw_id != ctx.actor.organization_id:
        return None
    return Organization.from_public(await organizations.get_organization(ctx.session, ctx.actor))


async def _webhook_endpoint(ctx: Context, raw_id: uuid.UUID) -> Node | None:
    return WebhookEndpoint.from_public(await webhooks.get_endpoint(ctx.session, ctx.actor, raw_id))


async def _rejection_reason(ctx: Context, raw_id: uuid.UUID) -> Node | None:
    reasons = await decisions.list_reasons(ctx.session, ctx.actor, True)
    return next((RejectionReason.from_public(r) for r in reasons if r.id == raw_id), None)


async def _ats_connection(ctx: Context, raw_id: uuid.UUID) -> Node | None:
    return AtsConnection.from_public(
        await ats_connections.get_connection(ctx.session, ctx.actor, raw_id)
    )


async def _offer(ctx: Context, raw_id: uuid.UUID) -> Node | None:
    return Offer.from_public(await offers.get_offer(ctx.session, ctx.actor, raw_id))


async def _api_key(ctx: Context, raw_id: uuid.UUID) -> Node | None:
    return api_key_of(await organizations.get_api_key(ctx.session, ctx.actor, raw_id))


async def _notification(ctx: Context, raw_id: uuid.UUID) -> Node | None:
    return Notification.from_public(
        await notifications.get_notification(ctx.session, ctx.actor, raw_id)
    )


async def _slate_item(ctx: Context, raw_id: uuid.UUID) -> Node | None:
    return SlateItem.from_public(await slates.get_slate_item(ctx.session, ctx.actor, raw_id))


async def _webhook_delivery(ctx: Context, raw_id: uuid.UUID) -> Node | None:
    return WebhookDelivery.from_public(await webhooks.get_delivery(ctx.session, ctx.actor, raw_id))


# Each Node type by the name its global id carries: one service read, scoped by the caller.
NODES: dict[str, Callable[[Context, uuid.UUID], Awaitable[Node | None]]] = {
    "Role": _role,
    "Member": _member,
    "Candidate": _candidate,
    "Application": _application,
    "Slate": _slate,
    "Interview": _interview,
    "IntakeRevision": _intake_revision,
    "CalendarConnection": _calendar_connection,
    "Organization": _organization,
    "WebhookEndpoint": _webhook_endpoint,
    "RejectionReason": _rejection_reason,
    "FollowUp": _follow_up,
    "AtsConnection": _ats_connection,
    "Offer": _offer,
    "ApiKey": _api_key,
    "Notification": _notification,
    "SlateItem": _slate_item,
    "WebhookDelivery": _webhook_delivery,
    "AtsSync": _ats_sync,
    "AtsInboundEvent": _ats_inbound_event,
    "MemberCalendar": _member_calendar,
    "WebhookAttempt": _webhook_attempt,
    "Document": _document,
    "Scorecard": resolve_scorecard_node,
    "HiringDecision": resolve_hiring_decision_node,
    "OutcomeMessage": resolve_outcome_message_node,
    "Event": _event,
    "AuditEntry": _audit_entry,
    "InterviewerPool": resolve_interviewer_pool_node,
    "AvailabilityOverride": _availability_override,
    "BusyBlock": _busy_block,
    "CandidateWindow": _candidate_window,
    "AvailabilityLink": _availability_link,
    "BookingLink": _booking_link,
    "Decision": _decision,
}
