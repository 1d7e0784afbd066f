"""Candidates arriving from, and changed by, another system of record (an ATS): import,
merge, anonymise and erase. The same rules as REST (one candidate per email, every change an
event), applied for an actor acting on the connection's behalf."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import utcnow
from app.core.actor import Actor
from app.domain.candidates import repository
from app.domain.candidates.models import Candidate
from app.domain.events import service as events


async def import_candidate(
    session: AsyncSession,
    actor: Actor,
    *,
    name: str,
    email: str,
    phone: str | None,
    source_detail: str,
) -> Candidate:
    """A candidate the ATS already holds. Consent was collected by the ATS, not by us, so it is
    recorded as a note and not as given here."""
    candidate = Candidate(
        organization_id=actor.organization_id,
        name=name[:200] or "Unnamed candidate",
        email=email.lower()[:320],
        phone=phone[:50] if phone else None,
        source="ats",
        source_detail=source_detail[:200],
        consent_note=f"Imported from {source_detail}; consent is held there.",
    )
    session.add(candidate)
    await session.flush()
    events.record(
        session,
        actor.organization_id,
        actor,
        "candidate.created",
        "candidate",
        candidate.id,
        {"candidate_id": str(candidate.id), "source": candidate.source},
    )
    return candidate


async def anonymize(session: AsyncSession, actor: Actor, candidate_id: uuid.UUID) -> bool:
    """Keep the candidate's place in the pipeline (counts, history) but nothing that identifies
    them: personal fields are blanked and their documents removed."""
    candidate = await repository.get_candidate(
        session, actor.organization_id, candidate_id, for_update=True
    )
    if candidate is None:
        return False
    candidate.name = "Anonymised candidate"
    candidate.email = f"anonymised-{candidate.id}@anonymised.invalid"
    candidate.phone = candidate.location = candidate.time_zone = None
    candidate.current_title = candidate.current_company = candidate.consent_note = None
    candidate.links, candidate.skills, candidate.skill_keys = {}, [], []
    candidate.version += 1
    candidate.updated_at = utcnow()
    await repository.delete_documents(session, actor.organization_id, candidate.id)
    events.record(
        session,
        actor.organization_id,
        actor,
        "candidate.updated",
        "candidate",
        candidate.id,
        {"candidate_id": str(candidate.id), "changed": ["anonymised"]},
    )
    return True


async def erase(session: AsyncSession, actor: Actor, candidate_id: uuid.UUID) -> bool:
    """Delete the candidate with their applications, documents and history (the database
    cascades); the event keeps only the id."""
    candidate = await repository.get_candidate(
        session, actor.organization_id, candidate_id, for_update=True
    )
    if candidate is None:
        return False
    await session.delete(candidate)
    events.record(
        session,
        actor.organization_id,
        actor,
        "candidate.deleted",
        "candidate",
        candidate_id,
        {"candidate_id": str(candidate_id)},
    )
    await session.flush()
    return True


async def merge(
    session: AsyncSession, actor: Actor, keep_id: uuid.UUID, merged_id: uuid.UUID
) -> bool:
    """Fold the merged candidate into the kept one: applications and documents move over; where
    both applied to the same role, the kept candidate's application stays and the other goes."""
    if keep_id == merged_id:
        return False
    kept = await repository.get_candidate(session, actor.organization_id, keep_id, for_update=True)
    merged = await repository.get_candidate(
        session, actor.organization_id, merged_id, for_update=True
    )
    if kept is None or merged is None:
        return False
    await repository.move_to_candidate(session, actor.organization_id, merged_id, keep_id)
    await session.delete(merged)
    kept.version += 1
    kept.updated_at = utcnow()
    events.record(
        session,
        actor.organization_id,
        actor,
        "candidate.merged",
        "candidate",
        keep_id,
        {"candidate_id": str(keep_id), "merged_candidate_id": str(merged_id)},
    )
    await session.flush()
    return True
