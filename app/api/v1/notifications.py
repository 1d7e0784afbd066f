"""Every message sent to a person (email or Slack) and its status."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from app.api.deps import CurrentActor, Paging, ReadSession
from app.api.pagination import PagePublic
from app.api.problems import COMMON_RESPONSES
from app.domain.notifications import service
from app.domain.notifications.schemas import NotificationFilters, NotificationPublic

router = APIRouter(prefix="/notifications", tags=["notifications"], responses=COMMON_RESPONSES)


@router.get(
    "",
    summary="List notifications (admins and recruiters: all; others: those addressed to them)",
)
async def list_notifications(
    actor: CurrentActor,
    session: ReadSession,
    page: Paging,
    filters: Annotated[NotificationFilters, Depends()],
) -> PagePublic[NotificationPublic]:
    """Emails and Slack messages the service sent members (reminders, digests), with their
    status, newest first. Admins and recruiters see all and may filter by member_id; others see
    only their own and get a 403 for another member's. Filter by status or kind; paged with
    limit and cursor."""
    return PagePublic.of(await service.list_notifications(session, actor, filters, page))
