"""Candidate erasure (GDPR Art. 17) and export (Art. 15); see docs/privacy.md."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from app.api.deps import CurrentActor, Storage, WriteSession
from app.api.problems import COMMON_RESPONSES, WRITE_RESPONSES
from app.domain.privacy import erasure, export
from app.domain.privacy.schemas import CandidateExport, ErasurePublic, ErasureRequest

router = APIRouter(prefix="/candidates", tags=["privacy"], responses=COMMON_RESPONSES)


@router.post(
    "/{candidate_id}/erase",
    summary="Erase a candidate: nothing identifying them is kept (admins; recruiters if the "
    "organization allows)",
    responses=WRITE_RESPONSES,
)
async def erase_candidate(
    candidate_id: uuid.UUID,
    data: ErasureRequest,
    actor: CurrentActor,
    session: WriteSession,
    storage: Storage,
) -> ErasurePublic:
    """Admins, and recruiters when the organization allows it, erase a candidate: their personal
    data and documents are removed and nothing identifying them is kept. It cannot be undone;
    erasing twice is a 409. Records candidate.erased."""
    return await erasure.erase_candidate(
        session, actor, candidate_id, data.reason, source="api", storage=storage
    )


@router.get(
    "/{candidate_id}/export",
    summary="Everything held about a candidate, as one JSON document (subject access request)",
)
async def export_candidate(
    candidate_id: uuid.UUID, actor: CurrentActor, session: WriteSession
) -> CandidateExport:
    """Admins and recruiters get everything held about a candidate as one JSON document, to
    answer a subject access request. Nothing changes; the export itself is recorded as
    candidate.exported. Another organization's candidate is a 404."""
    return await export.export_candidate(session, actor, candidate_id)
