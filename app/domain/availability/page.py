"""What the candidate's "Offer times" page shows: who they are to us, for which role, from which
organization, until when the link works. Read through the same checks as the JSON link."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import utcnow
from app.db import Driver, settings_of
from app.domain.availability import repository, service, tokens
from app.domain.organizations.branding import Contact, LinkClosed, PublicBrand


@dataclass(frozen=True, slots=True)
class AvailabilityPage:
    first_name: str
    role_title: str
    time_zone: str  # the zone the recruiter chose for the candidate
    expires_at: datetime
    brand: PublicBrand


async def open_page(
    session: AsyncSession | Driver, token: str, secret_key: str | None = None
) -> AvailabilityPage:
    """The page's facts, read in one statement; LinkClosed (404/410, naming whom to contact)
    when the link does not open, with the same rules as the JSON link (service._open_link).

    On a driver connection (the page view), which carries no settings, the caller passes the
    service's secret key."""
    if secret_key is None:
        if not isinstance(session, AsyncSession):
            raise TypeError("open_page on a driver connection needs the secret key")
        secret_key = settings_of(session).secret_key
    found = tokens.read(secret_key, token)
    if found is None:
        raise LinkClosed(service.INVALID, reason="invalid")
    link_id, expired = found
    facts = await repository.page_facts(session, link_id)
    if facts is None:
        raise LinkClosed(service.INVALID, reason="invalid")
    contact = None
    if facts["contact_name"] is not None and facts["contact_active"]:
        email = facts["contact_email"] if facts["show_recruiter_contact"] else None
        contact = Contact(name=facts["contact_name"], email=email)
    brand = PublicBrand(
        organization_name=facts["organization_name"],
        logo_url=facts["logo_url"],
        accent_color=facts["accent_color"],
        contact=contact,
    )
    if facts["used_at"] is not None:
        raise LinkClosed(service.USED, reason="used", brand=brand)
    if expired or facts["expires_at"] <= utcnow():
        raise LinkClosed(service.INVALID, reason="expired", brand=brand)
    return AvailabilityPage(
        first_name=service.first_name(facts["candidate_name"]),
        role_title=facts["role_title"],
        time_zone=facts["time_zone"],
        expires_at=facts["expires_at"],
        brand=brand,
    )
