"""The caller's organization."""

from __future__ import annotations

from fastapi import APIRouter

from app.api.deps import CurrentActor, ReadSession, WriteSession
from app.api.problems import COMMON_RESPONSES, WRITE_RESPONSES
from app.domain.organizations import service
from app.domain.organizations.schemas import OrganizationPublic, OrganizationUpdate

router = APIRouter(prefix="/organization", tags=["organization"], responses=COMMON_RESPONSES)


@router.get("", summary="Read your organization")
async def read_organization(actor: CurrentActor, session: ReadSession) -> OrganizationPublic:
    """The settings every member works under: time zone, feedback deadline, close-the-loop days,
    branding and retention."""
    return await service.get_organization(session, actor)


@router.patch("", summary="Change your organization's settings (admins)", responses=WRITE_RESPONSES)
async def update_organization(
    data: OrganizationUpdate, actor: CurrentActor, session: WriteSession
) -> OrganizationPublic:
    """Only the fields sent change; null clears the ones that may be cleared (Slack webhook, logo,
    accent colour)."""
    return await service.update_organization(session, actor, data)
