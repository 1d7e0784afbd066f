"""Link templates: where messages send a person to open a slate, a scorecard, a packet, an
interview or an application (docs/configuration.md, "Link templates")."""

from __future__ import annotations

from fastapi import APIRouter

from app.api.deps import CurrentActor, ReadSession, WriteSession
from app.api.pagination import PagePublic
from app.api.problems import COMMON_RESPONSES, WRITE_RESPONSES
from app.domain.organizations import link_templates as service
from app.domain.organizations.link_templates import LinkTemplatePublic, LinkTemplatesUpdate

router = APIRouter(
    prefix="/organization/link-templates",
    tags=["organization"],
    responses=COMMON_RESPONSES,
)


@router.get("", summary="Read your organization's link templates, one per kind")
async def list_link_templates(
    actor: CurrentActor, session: ReadSession
) -> PagePublic[LinkTemplatePublic]:
    """Where the service's messages (email, Slack) send a person to open a slate, a scorecard, a
    packet, an interview or an application, so the links land in your own app."""
    return PagePublic.whole(await service.list_templates(session, actor))


@router.patch(
    "",
    summary="Set (a URL) or remove (null) the link templates of the kinds named (admins)",
    description="Kinds left out keep their template. Answers every kind's template after the "
    "change, in the same page as the read.",
    responses=WRITE_RESPONSES,
)
async def update_link_templates(
    data: LinkTemplatesUpdate, actor: CurrentActor, session: WriteSession
) -> PagePublic[LinkTemplatePublic]:
    return PagePublic.whole(await service.update_templates(session, actor, data))
