"""Documents of a candidate: stored once with type detected from the bytes, read like the candidate."""

from __future__ import annotations

import hashlib
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.actor import Actor, PermissionSet
from app.db import settings_of
from app.domain.applications import repository as applications_repo
from app.domain.audit import service as audit
from app.domain.candidates import repository
from app.domain.candidates.filetypes import ALLOWED_TYPES, claim_matches, detect
from app.domain.candidates.models import Document
from app.domain.candidates.schemas import DocumentPublic, DocumentUpload
from app.domain.candidates.service import visible_candidate
from app.domain.events import service as events
from app.errors import DomainError, InvalidInput, NotFound
from app.ids import new_id
from app.integrations.storage import DocumentStorage


def human_size(size: int) -> str:
    for unit, scale in (("MiB", 1024 * 1024), ("KiB", 1024)):
        if size >= scale:
            value = size / scale
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{size} bytes"


class PayloadTooLarge(DomainError):
    def __init__(self, size: int, limit: int) -> None:
        super().__init__(
            detail=f"The file is {human_size(size)}, larger than the {human_size(limit)} ({limit} bytes) allowed",
            code="payload_too_large",
            status=413,
            title="Payload too large",
        )


class UnsupportedMediaType(DomainError):
    def __init__(self, detail: str) -> None:
        super().__init__(
            detail=detail, code="unsupported_media_type", status=415, title="Unsupported media type"
        )


def public(document: Document) -> DocumentPublic:
    return DocumentPublic.model_validate(
        {
            **{k: getattr(document, k) for k in DocumentPublic.model_fields if k != "download_url"},
            "download_url": f"/api/v1/candidates/{document.candidate_id}/documents/{document.id}/content",
        }
    )


async def upload_document(
    session: AsyncSession,
    actor: Actor,
    candidate_id: uuid.UUID,
    meta: DocumentUpload,
    data: bytes,
    storage: DocumentStorage,
) -> DocumentPublic:
    actor.require(PermissionSet.admin, PermissionSet.recruiter)
    candidate = await visible_candidate(session, actor, candidate_id)
    max_bytes = settings_of(session).document_max_bytes
    if len(data) > max_bytes:
        raise PayloadTooLarge(len(data), max_bytes)
    if not data:
        raise InvalidInput.for_field("file", "is empty")
    detected = detect(data)
    if detected is None or detected not in ALLOWED_TYPES:
        allowed = ", ".join(sorted(set(ALLOWED_TYPES.values())))
        raise UnsupportedMediaType(
            f"The file's bytes are {detected or 'of an unknown type'}; allowed: {allowed}"
        )
    if not claim_matches(meta.claimed_content_type, detected):
        raise UnsupportedMediaType(
            f"The file was sent as {meta.claimed_content_type} but its bytes are {detected}"
        )
    if meta.application_id is not None:
        application = await applications_repo.get_application(
            session, actor.organization_id, meta.application_id
        )
        if application is None or application.candidate_id != candidate.id:
            raise InvalidInput.for_field(
                "application_id", "no application of this candidate has this id"
            )
    document_id = new_id()
    key = f"{actor.organization_id}/{candidate.id}/{document_id}"
    document = Document(
        id=document_id,
        organization_id=actor.organization_id,
        candidate_id=candidate.id,
        application_id=meta.application_id,
        kind=meta.kind,
        filename=meta.filename,
        content_type=detected,
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        storage_key=key,
        uploaded_by_id=actor.member_id,
    )
    session.add(document)
    await session.flush()
    # Bytes first, row committed after: a crash leaves at worst an orphan file, never a row
    # that points at nothing.
    await storage.put(key, data)
    events.record(
        session,
        actor.organization_id,
        actor,
        "document.uploaded",
        "candidate",
        candidate.id,
        {"candidate_id": str(candidate.id), "document_id": str(document.id), "kind": document.kind},
    )
    return public(document)


async def list_documents(
    session: AsyncSession, actor: Actor, candidate_id: uuid.UUID
) -> list[DocumentPublic]:
    await visible_candidate(session, actor, candidate_id)
    rows = await repository.list_documents(session, actor.organization_id, [candidate_id])
    return [public(d) for d in rows]


async def documents_for_candidates(
    session: AsyncSession, actor: Actor, candidate_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[DocumentPublic]]:
    """For GraphQL edges of candidates the caller may already see."""
    rows = await repository.list_documents(session, actor.organization_id, candidate_ids)
    result: dict[uuid.UUID, list[DocumentPublic]] = {c: [] for c in candidate_ids}
    for row in rows:
        result.setdefault(row.candidate_id, []).append(public(row))
    return result


async def get_document(
    session: AsyncSession, actor: Actor, document_id: uuid.UUID
) -> DocumentPublic:
    """One document's details (not its bytes), for whoever may see its candidate; 404 else."""
    document = await repository.find_document(session, actor.organization_id, document_id)
    if document is None:
        raise NotFound("document", document_id)
    try:
        await visible_candidate(session, actor, document.candidate_id)
    except NotFound as exc:
        raise NotFound("document", document_id) from exc
    return public(document)


async def read_document(
    session: AsyncSession,
    actor: Actor,
    candidate_id: uuid.UUID,
    document_id: uuid.UUID,
    storage: DocumentStorage,
) -> tuple[DocumentPublic, bytes]:
    await visible_candidate(session, actor, candidate_id)
    document = await repository.get_document(
        session, actor.organization_id, candidate_id, document_id
    )
    if document is None:
        raise NotFound("document", document_id)
    try:
        data = await storage.get(document.storage_key)
    except FileNotFoundError as exc:
        raise NotFound(f"The stored bytes of document {document_id}") from exc
    # Downloads are in the audit trail. On the route's autocommit session the flush commits it.
    audit.record(
        session,
        actor.organization_id,
        actor,
        "document.downloaded",
        "document",
        document.id,
        {"candidate_id": str(candidate_id)},
    )
    await session.flush()
    return public(document), data
