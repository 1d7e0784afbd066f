"""Exporting everything held about a candidate (GDPR Art. 15): one JSON document with the
profile, each application with its history, slate decisions, interviews, scorecards (every
submitted revision), hiring decisions, offers and outcome messages, the documents with their
download links (the existing document routes), the messages sent to the candidate, and their
ids in connected ATSs. Recorded in the audit trail."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import utcnow
from app.core.actor import Actor, PermissionSet
from app.domain.audit import service as audit
from app.domain.privacy import repository
from app.domain.privacy.schemas import CandidateExport, ExportDocument
from app.errors import NotFound


async def export_candidate(
    session: AsyncSession, actor: Actor, candidate_id: uuid.UUID
) -> CandidateExport:
    actor.require(PermissionSet.admin, PermissionSet.recruiter)
    rows = await repository.export_rows(session, actor.organization_id, candidate_id)
    if rows is None:
        raise NotFound("candidate", candidate_id)
    documents = [
        ExportDocument.model_validate(
            {
                **d,
                "download_url": f"/api/v1/candidates/{candidate_id}/documents/{d['id']}/content",
            }
        )
        for d in rows["documents"]
    ]
    audit.record(
        session,
        actor.organization_id,
        actor,
        "candidate.exported",
        "candidate",
        candidate_id,
        {"document_ids": [str(d.id) for d in documents]},
    )
    await session.flush()
    return CandidateExport(
        exported_at=utcnow(),
        organization_id=actor.organization_id,
        candidate=rows["candidate"],
        erased=rows["erased"],
        applications=rows["applications"],
        documents=documents,
        messages=rows["messages"],
        external_refs=rows["external_refs"],
    )
