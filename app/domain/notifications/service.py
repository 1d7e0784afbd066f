"""Reading notifications and previewing a member's next digest."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import utcnow
from app.core.actor import Actor, PermissionSet
from app.db import settings_of
from app.domain.notifications import digests, repository
from app.domain.notifications.models import Notification
from app.domain.notifications.schemas import (
    DigestPreviewPublic,
    NotificationFilters,
    NotificationPublic,
)
from app.domain.pagination import Page, PageRequest, to_page
from app.errors import NotFound, PermissionDenied


def _public(n: Notification) -> NotificationPublic:
    return NotificationPublic.model_validate(
        {
            **{k: getattr(n, k) for k in NotificationPublic.model_fields if k != "attachments"},
            "attachments": [str(a.get("filename", "")) for a in n.attachments],
        }
    )


async def list_notifications(
    session: AsyncSession, actor: Actor, filters: NotificationFilters, page: PageRequest
) -> Page[NotificationPublic]:
    """Admins and recruiters see every message; others only those addressed to them."""
    member_id = filters.member_id
    if not actor.can_manage_roles:
        if member_id is not None and member_id != actor.member_id:
            raise PermissionDenied("You can only list the notifications addressed to you")
        member_id = actor.member_id
    rows = await repository.list_notifications(
        session,
        actor.organization_id,
        page,
        member_id=member_id,
        status=filters.status,
        kind=filters.kind,
    )
    result = to_page(rows, page, lambda n: (n.created_at, n.id))
    return Page([_public(n) for n in result.items], result.next_cursor)


async def get_notification(
    session: AsyncSession, actor: Actor, notification_id: uuid.UUID
) -> NotificationPublic:
    """One notification, as the list shows it: another member's is as invisible as another
    tenant's to those who may list only their own."""
    found = await repository.get_notification(session, actor.organization_id, notification_id)
    if found is None or (not actor.can_manage_roles and found.member_id != actor.member_id):
        raise NotFound("notification", notification_id)
    return _public(found)


async def digest_preview(
    session: AsyncSession, actor: Actor, member_id: uuid.UUID
) -> DigestPreviewPublic:
    if member_id != actor.member_id:
        actor.require(PermissionSet.admin, PermissionSet.recruiter)
    found = await repository.member_preferences(session, actor.organization_id, member_id)
    if found is None:
        raise NotFound("member", member_id)
    member, local_time = found
    now = utcnow()
    digest = await digests.build(session, member, now)
    weekday = settings_of(session).digest_weekday
    period, due_at = digests.current_period(
        member.update_cadence, local_time, member.time_zone, weekday, now
    )
    decided = await repository.runs_for(session, [(member.id, period)])
    next_send_at = (
        due_at
        if not decided
        and not digests.before_start(member, due_at)
        and member.update_cadence != "realtime"
        else digests.following_send(
            member.update_cadence, local_time, member.time_zone, weekday, now
        )
    )
    wants = member.update_channel != "none" and bool(digest.roles)
    return DigestPreviewPublic(
        member_id=member.id,
        cadence=member.update_cadence,
        channel=member.update_channel,
        next_send_at=next_send_at if wants else None,
        period=period if wants and next_send_at == due_at else None,
        roles=digest.roles,
        empty=digest.empty,
        text=digest.text(),
    )
