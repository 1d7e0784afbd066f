"""The booking policy of an organization: notice, horizon, how many options, how long links and
holds last, and how late and how often a candidate may change a booking.

Each value is the organization's own when it set one (columns `booking_*` on organizations,
null otherwise) and the deployment's setting of the same name when not, so a deployment's
defaults still move every organization that never chose."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import utcnow
from app.core.actor import Actor, PermissionSet
from app.db import settings_of
from app.domain.bookings.schemas import BookingPolicyPublic, BookingPolicyUpdate
from app.domain.events import service as events
from app.domain.organizations import repository as organizations_repo
from app.domain.organizations.models import Organization
from app.domain.versioning import apply_changes
from app.errors import NotFound
from app.settings import Settings

# Public field -> the organizations column and the deployment setting it falls back to.
FIELDS: dict[str, tuple[str, str]] = {
    "notice_hours": ("booking_notice_hours", "scheduling_min_notice_hours"),
    "horizon_days": ("booking_horizon_days", "booking_horizon_days"),
    "options": ("booking_options", "booking_options"),
    "link_hours": ("booking_link_hours", "booking_link_hours"),
    "hold_hours": ("booking_hold_hours", "booking_hold_hours"),
    "change_notice_hours": ("booking_change_notice_hours", "booking_change_notice_hours"),
    "max_changes": ("booking_max_changes", "booking_max_changes"),
}


@dataclass(frozen=True)
class Policy:
    notice_hours: int
    horizon_days: int
    options: int
    link_hours: int
    hold_hours: int
    change_notice_hours: int
    max_changes: int


def _defaults(settings: Settings) -> dict[str, int]:
    return {name: int(getattr(settings, setting)) for name, (_, setting) in FIELDS.items()}


def _resolve(organization: Organization | None, settings: Settings) -> Policy:
    values = _defaults(settings)
    if organization is not None:
        for name, (column, _) in FIELDS.items():
            own = getattr(organization, column)
            if own is not None:
                values[name] = own
    return Policy(**values)


async def policy_of(session: AsyncSession, organization_id: uuid.UUID) -> Policy:
    organization = await organizations_repo.get_organization(session, organization_id)
    return _resolve(organization, settings_of(session))


def _public(organization: Organization, settings: Settings) -> BookingPolicyPublic:
    policy = _resolve(organization, settings)
    return BookingPolicyPublic(
        **vars(policy),
        organization_set=[
            name
            for name, (column, _) in FIELDS.items()
            if getattr(organization, column) is not None
        ],
        defaults=_defaults(settings),
    )


async def get_policy(session: AsyncSession, actor: Actor) -> BookingPolicyPublic:
    actor.require(PermissionSet.admin, PermissionSet.recruiter, PermissionSet.hiring_manager)
    organization = await organizations_repo.get_organization(session, actor.organization_id)
    if organization is None:
        raise NotFound("organization")
    return _public(organization, settings_of(session))


async def update_policy(
    session: AsyncSession, actor: Actor, data: BookingPolicyUpdate
) -> BookingPolicyPublic:
    """Admins only, like the organization's other settings; links already sent keep the
    expiry they were given, everything else (offers, changes) follows the new policy at once."""
    actor.require(PermissionSet.admin)
    organization = await organizations_repo.get_organization(
        session, actor.organization_id, for_update=True
    )
    if organization is None:
        raise NotFound("organization")
    values = {FIELDS[k][0]: v for k, v in data.model_dump(exclude_unset=True).items()}
    changed = apply_changes(organization, values)
    if changed:
        organization.updated_at = utcnow()
        events.record(
            session,
            organization.id,
            actor,
            "organization.updated",
            "organization",
            organization.id,
            {"changed": changed},
        )
    await session.flush()
    return _public(organization, settings_of(session))
