"""Rules for availability: who may set whose hours and busy time, and the candidate's windows.

A member manages their own availability; admins and recruiters may manage anyone's, since they
coordinate interviews. Candidates offer windows through a recruiter or a single-use signed link.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import utcnow
from app.core.actor import Actor, PermissionSet
from app.db import settings_of
from app.domain.applications import repository as applications_repo
from app.domain.applications.models import Application
from app.domain.applications.service import visible_application
from app.domain.availability import repository, tokens
from app.domain.availability.models import (
    AvailabilityLink,
    AvailabilityOverride,
    BusyBlock,
    CandidateWindow,
)
from app.domain.availability.schemas import (
    AvailabilityLinkCreate,
    AvailabilityLinkPublic,
    AvailabilityLinkView,
    BusyBlockCreate,
    BusyBlockPublic,
    OverridePublic,
    OverrideSet,
    WindowPublic,
    WindowsSet,
)
from app.domain.candidates import repository as candidates_repo
from app.domain.events import service as events
from app.domain.organizations import repository as members_repo
from app.domain.organizations.branding import LinkClosed, brand_of
from app.domain.repository import owned
from app.domain.roles import repository as roles_repo
from app.errors import Conflict, InvalidInput, NotFound, PermissionDenied


async def _managed_member(session: AsyncSession, actor: Actor, member_id: uuid.UUID) -> None:
    member = await members_repo.get_member(session, actor.organization_id, member_id)
    if member is None:
        raise NotFound("member", member_id)
    if member_id != actor.member_id and actor.permission_set not in (
        PermissionSet.admin,
        PermissionSet.recruiter,
    ):
        raise PermissionDenied("Only the member, an admin or a recruiter manages this availability")


def _check_range(start: datetime, end: datetime) -> None:
    for name, value in (("from", start), ("to", end)):
        if value.tzinfo is None:
            raise InvalidInput.for_field(
                name, "needs a time zone offset (e.g. 2026-12-01T09:00:00+01:00)"
            )
    if end <= start:
        raise InvalidInput.for_field("to", "must be after from")
    if end - start > timedelta(days=90):
        raise InvalidInput.for_field("to", "a range may span at most 90 days")


async def set_override(
    session: AsyncSession, actor: Actor, member_id: uuid.UUID, data: OverrideSet
) -> OverridePublic:
    await _managed_member(session, actor, member_id)
    row = await repository.upsert_override(
        session,
        actor.organization_id,
        member_id,
        data.day,
        [h.model_dump() for h in data.hours],
        data.note,
    )
    return OverridePublic.model_validate(row)


async def delete_override(
    session: AsyncSession, actor: Actor, member_id: uuid.UUID, day: date
) -> None:
    await _managed_member(session, actor, member_id)
    if not await repository.delete_override(session, actor.organization_id, member_id, day):
        raise NotFound(f"An override on {day}")


async def list_overrides(
    session: AsyncSession, actor: Actor, member_id: uuid.UUID, first: date, last: date
) -> list[OverridePublic]:
    await _managed_member(session, actor, member_id)
    if last < first or (last - first).days > 366:
        raise InvalidInput.for_field("to", "must be on or after from and at most a year later")
    rows = await repository.overrides_for(session, actor.organization_id, [member_id], first, last)
    return [OverridePublic.model_validate(r) for r in rows]


async def get_override(
    session: AsyncSession, actor: Actor, override_id: uuid.UUID
) -> OverridePublic:
    """One override by id, for whoever may manage that member's availability (404 otherwise)."""
    row = await owned(session, AvailabilityOverride, actor.organization_id, override_id)
    if row is None:
        raise NotFound("availability override", override_id)
    await _managed_member(session, actor, row.member_id)
    return OverridePublic.model_validate(row)


async def add_busy_block(
    session: AsyncSession, actor: Actor, member_id: uuid.UUID, data: BusyBlockCreate
) -> BusyBlockPublic:
    await _managed_member(session, actor, member_id)
    block = BusyBlock(
        organization_id=actor.organization_id,
        member_id=member_id,
        start_at=data.start_at,
        end_at=data.end_at,
        source=data.source,
        external_id=data.external_id,
        title=data.title,
    )
    return BusyBlockPublic.model_validate(await repository.add_busy(session, block))


async def list_busy_blocks(
    session: AsyncSession, actor: Actor, member_id: uuid.UUID, start: datetime, end: datetime
) -> list[BusyBlockPublic]:
    await _managed_member(session, actor, member_id)
    _check_range(start, end)
    rows = await repository.busy_for(session, actor.organization_id, [member_id], start, end)
    return [BusyBlockPublic.model_validate(r) for r in rows]


async def get_busy_block(
    session: AsyncSession, actor: Actor, block_id: uuid.UUID
) -> BusyBlockPublic:
    """One busy block by id, for whoever may manage that member's availability (404 otherwise)."""
    row = await owned(session, BusyBlock, actor.organization_id, block_id)
    if row is None:
        raise NotFound("busy block", block_id)
    await _managed_member(session, actor, row.member_id)
    return BusyBlockPublic.model_validate(row)


async def delete_busy_block(
    session: AsyncSession, actor: Actor, member_id: uuid.UUID, block_id: uuid.UUID
) -> None:
    await _managed_member(session, actor, member_id)
    if not await repository.delete_busy(session, actor.organization_id, member_id, block_id):
        raise NotFound("busy block", block_id)


def _windows(
    organization_id: uuid.UUID, application_id: uuid.UUID, data: WindowsSet, by: str
) -> list[CandidateWindow]:
    return [
        CandidateWindow(
            organization_id=organization_id,
            application_id=application_id,
            start_at=w.start_at,
            end_at=w.end_at,
            time_zone=data.time_zone,
            entered_by=by,
        )
        for w in data.windows
    ]


async def set_candidate_windows(
    session: AsyncSession, actor: Actor, application_id: uuid.UUID, data: WindowsSet
) -> list[WindowPublic]:
    actor.require(PermissionSet.admin, PermissionSet.recruiter)
    application = await visible_application(session, actor, application_id, for_update=True)
    rows = _windows(actor.organization_id, application.id, data, "recruiter")
    await repository.replace_windows(session, actor.organization_id, application.id, rows)
    events.record(
        session,
        actor.organization_id,
        actor,
        "availability.offered",
        "application",
        application.id,
        {"application_id": str(application.id), "windows": len(rows), "entered_by": "recruiter"},
    )
    return [WindowPublic.model_validate(r) for r in rows]


async def candidate_windows(
    session: AsyncSession, actor: Actor, application_id: uuid.UUID
) -> list[WindowPublic]:
    application = await visible_application(session, actor, application_id)
    rows = await repository.windows_for(session, actor.organization_id, application.id)
    return [WindowPublic.model_validate(r) for r in rows]


async def get_window(session: AsyncSession, actor: Actor, window_id: uuid.UUID) -> WindowPublic:
    """One offered window by id, for whoever may see its application (404 otherwise). A new
    set of windows replaces the rows, so an earlier window's id is then not found."""
    row = await owned(session, CandidateWindow, actor.organization_id, window_id)
    if row is None:
        raise NotFound("candidate window", window_id)
    try:
        await visible_application(session, actor, row.application_id)
    except NotFound:
        raise NotFound("candidate window", window_id) from None
    return WindowPublic.model_validate(row)


async def create_link(
    session: AsyncSession, actor: Actor, application_id: uuid.UUID, data: AvailabilityLinkCreate
) -> AvailabilityLinkPublic:
    actor.require(PermissionSet.admin, PermissionSet.recruiter)
    application = await visible_application(session, actor, application_id)
    if application.outcome != "active":
        raise Conflict(f"The application is {application.outcome}")
    settings = settings_of(session)
    hours = data.expires_in_hours or settings.availability_link_hours
    link = AvailabilityLink(
        organization_id=actor.organization_id,
        application_id=application.id,
        time_zone=data.time_zone,
        created_by_id=actor.member_id,
        expires_at=utcnow() + timedelta(hours=hours),
    )
    session.add(link)
    await session.flush()
    return _link_public(session, link)


def _link_public(session: AsyncSession, link: AvailabilityLink) -> AvailabilityLinkPublic:
    settings = settings_of(session)
    # The token is signed from the link's id and expiry, so the same link gives the same token.
    token = tokens.sign(settings.secret_key, link.id, link.expires_at)
    return AvailabilityLinkPublic(
        id=link.id,
        application_id=link.application_id,
        token=token,
        # The page a person opens; the JSON API stays at /api/v1/public/availability/<token>.
        url=f"{settings.public_url.rstrip('/')}{PAGE_PATH}/{token}",
        expires_at=link.expires_at,
    )


async def get_link(
    session: AsyncSession, actor: Actor, link_id: uuid.UUID
) -> AvailabilityLinkPublic:
    """One availability link by id, for the admins and recruiters who may send one for its
    application (404 for another organization's link or an application out of sight)."""
    actor.require(PermissionSet.admin, PermissionSet.recruiter)
    link = await repository.get_link(session, link_id)
    if link is None or link.organization_id != actor.organization_id:
        raise NotFound("availability link", link_id)
    try:
        await visible_application(session, actor, link.application_id)
    except NotFound:
        raise NotFound("availability link", link_id) from None
    return _link_public(session, link)


PAGE_PATH = "/pages/availability"
INVALID = "This availability link is not valid or has expired; ask your recruiter for a new one"
USED = "These times were already sent; ask your recruiter if they need to change"


async def _closed(
    session: AsyncSession, reason: str, detail: str, link: AvailabilityLink | None = None
) -> LinkClosed:
    brand = None
    if link is not None:
        brand = await brand_of(session, link.organization_id, link.created_by_id)
    return LinkClosed(detail, reason=reason, brand=brand)


async def _open_link(session: AsyncSession, token: str, *, for_update: bool) -> AvailabilityLink:
    found = tokens.read(settings_of(session).secret_key, token)
    if found is None:
        raise await _closed(session, "invalid", INVALID)
    link_id, expired = found
    link = await repository.get_link(session, link_id, for_update=for_update and not expired)
    if link is None:
        raise await _closed(session, "invalid", INVALID)
    if link.used_at is not None:
        raise await _closed(session, "used", USED, link)
    if expired or link.expires_at <= utcnow():
        # Answered like a token whose signed expiry has passed: the link no longer exists.
        raise await _closed(session, "expired", INVALID, link)
    return link


async def open_link(session: AsyncSession, token: str) -> AvailabilityLink:
    """The open link a token names, for reading; LinkClosed when it is not."""
    return await _open_link(session, token, for_update=False)


def first_name(full_name: str) -> str:
    parts = full_name.split()
    return parts[0] if parts else full_name


async def view_link(session: AsyncSession, token: str) -> AvailabilityLinkView:
    link = await _open_link(session, token, for_update=False)
    application = await application_of(session, link)
    candidate = await candidates_repo.get_candidate(
        session, link.organization_id, application.candidate_id
    )
    role = await roles_repo.get_role(session, link.organization_id, application.role_id)
    org = await members_repo.get_organization(session, link.organization_id)
    assert candidate is not None
    assert role is not None
    assert org is not None
    return AvailabilityLinkView(
        role_title=role.title,
        candidate_first_name=first_name(candidate.name),
        organization_name=org.name,
        time_zone=link.time_zone,
        expires_at=link.expires_at,
        instructions=(
            "Send the times you could interview, as windows with a start and an end. "
            "Offer a few windows over several days; we will pick one that suits everyone."
        ),
    )


async def submit_link(session: AsyncSession, token: str, data: WindowsSet) -> list[WindowPublic]:
    link = await _open_link(session, token, for_update=True)
    application = await application_of(session, link)
    rows = _windows(link.organization_id, application.id, data, "candidate")
    await repository.replace_windows(session, link.organization_id, application.id, rows)
    link.used_at = utcnow()
    events.record(
        session,
        link.organization_id,
        None,
        "availability.offered",
        "application",
        application.id,
        {"application_id": str(application.id), "windows": len(rows), "entered_by": "candidate"},
    )
    try:
        await session.flush()
    except IntegrityError as exc:
        raise Conflict("The windows could not be saved") from exc
    return [WindowPublic.model_validate(r) for r in rows]


async def application_of(session: AsyncSession, link: AvailabilityLink) -> Application:
    application = await applications_repo.get_application(
        session, link.organization_id, link.application_id
    )
    if application is None:
        raise NotFound("application")
    return application
