"""Rules for candidates: one per email per organization, consent recorded, who may see whom."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import utcnow
from app.core.actor import Actor, PermissionSet
from app.domain.candidates import repository
from app.domain.candidates.models import Candidate
from app.domain.candidates.schemas import (
    CandidateCreate,
    CandidateFilters,
    CandidatePublic,
    CandidateUpdate,
)
from app.domain.events import service as events
from app.domain.pagination import Page, PageRequest, to_page
from app.domain.roles.access import managed_scope
from app.domain.versioning import apply_changes, check_version
from app.errors import Conflict, NotFound


async def visible_candidate(
    session: AsyncSession, actor: Actor, candidate_id: uuid.UUID, *, for_update: bool = False
) -> Candidate:
    candidate = await repository.get_candidate(
        session,
        actor.organization_id,
        candidate_id,
        manager_id=managed_scope(actor),
        for_update=for_update,
    )
    if candidate is None:
        raise NotFound("candidate", candidate_id)
    return candidate


def _duplicate(existing: Candidate) -> Conflict:
    return Conflict(
        f"A candidate with the email {existing.email} already exists: {existing.name} ({existing.id})",
        candidate_id=str(existing.id),
    )


async def create_candidate(
    session: AsyncSession, actor: Actor, data: CandidateCreate
) -> CandidatePublic:
    actor.require(PermissionSet.admin, PermissionSet.recruiter)
    email = str(data.email).lower()
    existing = await repository.find_by_email(session, actor.organization_id, email)
    if existing is not None:
        raise _duplicate(existing)
    values = data.model_dump(exclude={"email", "links"})
    candidate = Candidate(
        organization_id=actor.organization_id,
        email=email,
        links=data.links.model_dump(mode="json"),
        skill_keys=[s.casefold() for s in data.skills],
        consent_at=utcnow() if data.consent_given else None,
        **values,
    )
    try:
        async with session.begin_nested():
            session.add(candidate)
            await session.flush()
    except IntegrityError as exc:
        # Another request created the same email between our check and insert.
        existing = await repository.find_by_email(session, actor.organization_id, email)
        if existing is None:
            raise
        raise _duplicate(existing) from exc
    events.record(
        session,
        actor.organization_id,
        actor,
        "candidate.created",
        "candidate",
        candidate.id,
        {"candidate_id": str(candidate.id), "source": candidate.source},
    )
    return CandidatePublic.model_validate(candidate)


async def get_candidate(
    session: AsyncSession, actor: Actor, candidate_id: uuid.UUID
) -> CandidatePublic:
    return CandidatePublic.model_validate(await visible_candidate(session, actor, candidate_id))


async def get_candidates(
    session: AsyncSession, actor: Actor, ids: list[uuid.UUID]
) -> dict[uuid.UUID, CandidatePublic]:
    rows = await repository.get_candidates(
        session, actor.organization_id, ids, manager_id=managed_scope(actor)
    )
    return {c.id: CandidatePublic.model_validate(c) for c in rows}


async def list_candidates(
    session: AsyncSession, actor: Actor, filters: CandidateFilters, page: PageRequest
) -> Page[CandidatePublic]:
    rows = await repository.list_candidates(
        session,
        actor.organization_id,
        page,
        manager_id=managed_scope(actor),
        q=filters.q or None,
        email=filters.email or None,
        skill=filters.skill or None,
        source=filters.source,
        role_id=filters.role_id,
    )
    result = to_page(rows, page, lambda c: (c.created_at, c.id))
    return Page([CandidatePublic.model_validate(c) for c in result.items], result.next_cursor)


async def update_candidate(
    session: AsyncSession,
    actor: Actor,
    candidate_id: uuid.UUID,
    data: CandidateUpdate,
    expected_version: int | None = None,
) -> CandidatePublic:
    candidate = await visible_candidate(session, actor, candidate_id, for_update=True)
    actor.require(PermissionSet.admin, PermissionSet.recruiter)
    check_version(candidate.version, expected_version)
    values: dict[str, Any] = data.model_dump(exclude_unset=True)
    if "email" in values:
        values["email"] = str(values["email"]).lower()
        if values["email"] != candidate.email:
            existing = await repository.find_by_email(
                session, actor.organization_id, values["email"]
            )
            if existing is not None:
                raise _duplicate(existing)
    if "links" in values:
        values["links"] = data.links.model_dump(mode="json") if data.links else {}
    if "skills" in values:
        values["skill_keys"] = [s.casefold() for s in values["skills"]]
    if values.get("consent_given") and not candidate.consent_given:
        values["consent_at"] = utcnow()
    if values.get("consent_given") is False:
        values["consent_at"] = None
    changed = apply_changes(candidate, values)
    if changed:
        candidate.version += 1
        candidate.updated_at = utcnow()
        events.record(
            session,
            actor.organization_id,
            actor,
            "candidate.updated",
            "candidate",
            candidate.id,
            {
                "candidate_id": str(candidate.id),
                "changed": [c for c in changed if c != "skill_keys"],
            },
        )
    try:
        await session.flush()
    except IntegrityError as exc:
        raise Conflict("Another candidate already has this email") from exc
    return CandidatePublic.model_validate(candidate)
