"""What a person without an account may learn about an organization on Hireloop's pages.

Only the name and, where the organization set them, a logo URL and an accent colour; and the
recruiter to contact when a link no longer works, where the organization allows it. Nothing
else about the company's configuration leaves through a public page.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.organizations import repository
from app.errors import DomainError


@dataclass(frozen=True, slots=True)
class Contact:
    """Who a candidate should ask for a new link."""

    name: str
    email: str | None  # None where the organization keeps its recruiters' addresses private


@dataclass(frozen=True, slots=True)
class PublicBrand:
    organization_name: str
    logo_url: str | None = None
    accent_color: str | None = None  # "#1a2b3c"
    contact: Contact | None = None


class LinkClosed(DomainError):
    """A candidate's link that no longer opens, and why: `invalid` (tampered, unknown: 404),
    `expired` (404, as a token whose signed expiry passed: the link no longer exists) or `used`
    (410: it did its job).

    It carries what the page needs to say what to do next (the organization's brand and the
    recruiter to contact) when the link was authentic enough to know them.
    """

    STATUS = {"invalid": 404, "expired": 404, "used": 410}

    def __init__(
        self,
        detail: str,
        *,
        reason: str,
        brand: PublicBrand | None = None,
        status: int | None = None,
    ) -> None:
        status = status or self.STATUS.get(reason, 410)
        super().__init__(
            detail=detail,
            code="gone" if status == 410 else "not_found",
            status=status,
            title="Gone" if status == 410 else "Not found",
        )
        self.reason = reason
        self.brand = brand


async def brand_of(
    session: AsyncSession, organization_id: uuid.UUID, contact_id: uuid.UUID | None = None
) -> PublicBrand:
    """The organization's public face; `contact_id` names the member who sent the link."""
    org = await repository.get_organization(session, organization_id)
    if org is None:
        return PublicBrand(organization_name="")
    contact = None
    if contact_id is not None:
        member = await repository.get_member(session, organization_id, contact_id)
        if member is not None and member.is_active:
            contact = Contact(
                name=member.name, email=member.email if org.show_recruiter_contact else None
            )
    return PublicBrand(
        organization_name=org.name,
        logo_url=org.logo_url,
        accent_color=org.accent_color,
        contact=contact,
    )
