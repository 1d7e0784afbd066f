"""Offers and their legal moves. Accepting hires the candidate and fills the role's opening;
the role row lock makes two acceptances for the last opening take turns, so one wins."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import utcnow
from app.core.actor import Actor, PermissionSet
from app.domain.applications import repository as applications_repo
from app.domain.applications.service import apply_transition, visible_application
from app.domain.events import service as events
from app.domain.feedback import outcomes, repository
from app.domain.feedback.models import Offer
from app.domain.feedback.schemas import OfferCreate, OfferPublic, OfferTransition, OfferUpdate
from app.domain.pagination import Page, PageRequest, to_page
from app.domain.roles import repository as roles_repo
from app.domain.roles.access import managed_scope
from app.errors import Conflict, InvalidInput, NotFound, PermissionDenied

MOVES: dict[str, frozenset[str]] = {
    "draft": frozenset({"approved", "rescinded"}),
    "approved": frozenset({"sent", "rescinded"}),
    "sent": frozenset({"accepted", "declined", "rescinded"}),
    "accepted": frozenset(),
    "declined": frozenset(),
    "rescinded": frozenset(),
}


def _public(offer: Offer) -> OfferPublic:
    return OfferPublic.model_validate(offer)


async def _visible_offer(
    session: AsyncSession, actor: Actor, offer_id: uuid.UUID, *, for_update: bool = False
) -> Offer:
    offer = await repository.get_offer(
        session, actor.organization_id, offer_id, for_update=for_update
    )
    if (
        offer is None
        or await roles_repo.get_role(
            session, actor.organization_id, offer.role_id, managed_by=managed_scope(actor)
        )
        is None
    ):
        raise NotFound("offer", offer_id)
    return offer


async def create_offer(session: AsyncSession, actor: Actor, data: OfferCreate) -> OfferPublic:
    actor.require(PermissionSet.admin, PermissionSet.recruiter)
    application = await visible_application(session, actor, data.application_id, for_update=True)
    if application.outcome != "active" or application.stage != "offer":
        raise Conflict(
            f"The application is at {application.stage} ({application.outcome}); the hiring manager decides to offer first"
        )
    if await repository.open_offer_for(session, actor.organization_id, application.id) is not None:
        raise Conflict("The application already has an open offer")
    if data.expires_at is not None and data.expires_at <= utcnow():
        raise InvalidInput.for_field("expires_at", "must be in the future")
    offer = Offer(
        organization_id=actor.organization_id,
        application_id=application.id,
        role_id=application.role_id,
        compensation=data.compensation.model_dump(mode="json"),
        start_date=data.start_date,
        expires_at=data.expires_at,
        note=data.note,
        created_by_id=actor.member_id,
    )
    session.add(offer)
    await session.flush()
    events.record(
        session,
        actor.organization_id,
        actor,
        "offer.created",
        "offer",
        offer.id,
        {
            "offer_id": str(offer.id),
            "application_id": str(application.id),
            "role_id": str(application.role_id),
        },
    )
    return _public(offer)


async def get_offer(session: AsyncSession, actor: Actor, offer_id: uuid.UUID) -> OfferPublic:
    return _public(await _visible_offer(session, actor, offer_id))


async def update_offer(
    session: AsyncSession, actor: Actor, offer_id: uuid.UUID, data: OfferUpdate
) -> OfferPublic:
    actor.require(PermissionSet.admin, PermissionSet.recruiter)
    offer = await _visible_offer(session, actor, offer_id, for_update=True)
    if offer.status != "draft":
        raise Conflict(f"The offer is {offer.status}; only a draft can change")
    values = data.model_dump(exclude_unset=True)
    if "compensation" in values:
        if data.compensation is None:
            raise InvalidInput.for_field("compensation", "may not be null")
        offer.compensation = data.compensation.model_dump(mode="json")
    if "start_date" in values:
        offer.start_date = data.start_date
    if "expires_at" in values:
        if data.expires_at is not None and data.expires_at <= utcnow():
            raise InvalidInput.for_field("expires_at", "must be in the future")
        offer.expires_at = data.expires_at
    if "note" in values:
        offer.note = data.note
    offer.version += 1
    offer.updated_at = utcnow()
    await session.flush()
    return _public(offer)


async def move_offer(
    session: AsyncSession, actor: Actor, offer_id: uuid.UUID, data: OfferTransition
) -> OfferPublic:
    offer = await _visible_offer(session, actor, offer_id, for_update=True)
    allowed = MOVES[offer.status]
    if data.to not in allowed:
        raise Conflict(
            f"An offer that is {offer.status} cannot become {data.to}; allowed: {', '.join(sorted(allowed)) or 'none'}",
            allowed=sorted(allowed),
        )
    role = await roles_repo.get_role(
        session, actor.organization_id, offer.role_id, for_update=data.to == "accepted"
    )
    assert role is not None
    if data.to == "approved":
        if not (actor.is_admin or actor.member_id == role.hiring_manager_id):
            raise PermissionDenied("An admin or the role's hiring manager approves offers")
    else:
        actor.require(PermissionSet.admin, PermissionSet.recruiter, PermissionSet.hiring_manager)
    now = utcnow()
    application = await applications_repo.get_application(
        session, actor.organization_id, offer.application_id, for_update=True
    )
    assert application is not None
    if data.to == "approved":
        offer.approved_by_id, offer.approved_at = actor.member_id, now
    elif data.to == "sent":
        if offer.expires_at is not None and offer.expires_at <= now:
            raise Conflict("The offer's expiry has passed; change it before sending")
        offer.sent_at = now
        await outcomes.schedule(
            session,
            actor,
            actor.organization_id,
            application.id,
            "offer",
            offer_id=offer.id,
            immediately=True,
        )
    elif data.to == "accepted":
        if offer.expires_at is not None and offer.expires_at <= now:
            raise Conflict("The offer expired before it was accepted")
        if role.filled_count >= role.headcount:
            raise Conflict(
                f"The role's headcount is filled ({role.filled_count} of {role.headcount} hired)"
            )
        role.filled_count += 1
        role.version += 1
        role.updated_at = now
        changed = ["filled_count"]
        if role.filled_count >= role.headcount and role.status != "filled":
            role.status = "filled"
            changed.append("status")
        events.record(
            session,
            actor.organization_id,
            actor,
            "role.updated",
            "role",
            role.id,
            {"role_id": str(role.id), "changed": changed},
        )
        offer.responded_at = now
        apply_transition(
            session, actor, application, "move", "hired", data.reason or "Offer accepted"
        )
    elif data.to == "declined":
        offer.responded_at = now
        apply_transition(
            session, actor, application, "withdraw", None, data.reason or "Offer declined"
        )
    elif data.to == "rescinded":
        # The offer message must not go out once the offer is withdrawn.
        await repository.cancel_scheduled_messages(session, actor.organization_id, application.id)
        if application.outcome == "active" and application.stage == "offer":
            apply_transition(
                session, actor, application, "move", "decision", data.reason or "Offer rescinded"
            )
    offer.status = data.to
    offer.status_reason = data.reason
    offer.version += 1
    offer.updated_at = now
    events.record(
        session,
        actor.organization_id,
        actor,
        f"offer.{data.to}",
        "offer",
        offer.id,
        {"offer_id": str(offer.id), "application_id": str(offer.application_id), "status": data.to},
    )
    await session.flush()
    return _public(offer)


async def list_offers(
    session: AsyncSession, actor: Actor, role_id: uuid.UUID, page: PageRequest
) -> Page[OfferPublic]:
    if (
        await roles_repo.get_role(
            session, actor.organization_id, role_id, managed_by=managed_scope(actor)
        )
        is None
    ):
        raise NotFound("role", role_id)
    rows = await repository.list_offers(session, actor.organization_id, [role_id], page)
    result = to_page(rows, page, lambda o: (o.created_at, o.id))
    return Page([_public(o) for o in result.items], result.next_cursor)


async def offers_for_roles(
    session: AsyncSession, actor: Actor, role_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[OfferPublic]]:
    rows = await repository.list_offers(session, actor.organization_id, role_ids)
    result: dict[uuid.UUID, list[OfferPublic]] = {r: [] for r in role_ids}
    for row in rows:
        result.setdefault(row.role_id, []).append(_public(row))
    return result
