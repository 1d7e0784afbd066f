"""Candidates and their documents."""

from __future__ import annotations

import uuid
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Request, Response, UploadFile

from app.api.deps import (
    CandidatePaging,
    CurrentActor,
    IfMatch,
    ReadSession,
    Storage,
    WriteSession,
    etag,
    not_modified,
)
from app.api.pagination import PagePublic
from app.api.problems import COMMON_RESPONSES, PATCH_RESPONSES, WRITE_RESPONSES, problem_schema
from app.domain.candidates import documents, service
from app.domain.candidates.filetypes import ALLOWED_TYPES
from app.domain.candidates.schemas import (
    CandidateCreate,
    CandidateFilters,
    CandidatePublic,
    CandidateUpdate,
    DocumentKind,
    DocumentPublic,
    DocumentUpload,
)

router = APIRouter(prefix="/candidates", tags=["candidates"], responses=COMMON_RESPONSES)


@router.post(
    "", status_code=201, summary="Add a candidate (admins, recruiters)", responses=WRITE_RESPONSES
)
async def create_candidate(
    data: CandidateCreate, actor: CurrentActor, session: WriteSession, response: Response
) -> CandidatePublic:
    """Admins and recruiters. A candidate exists once per organization, by email: a second
    candidate with the same email is a 409 naming the existing one. Records candidate.created."""
    candidate = await service.create_candidate(session, actor, data)
    response.headers["ETag"] = etag(candidate.version)
    response.headers["Location"] = f"/api/v1/candidates/{candidate.id}"
    return candidate


@router.get("", summary="List and search candidates, newest first")
async def list_candidates(
    actor: CurrentActor,
    session: ReadSession,
    page: CandidatePaging,
    filters: Annotated[CandidateFilters, Depends()],
) -> PagePublic[CandidatePublic]:
    """The organization's candidates, newest first unless `sort` says otherwise. Filter by q
    (name or email), email, skill, source or role_id. Paged with limit and cursor."""
    return PagePublic.of(await service.list_candidates(session, actor, filters, page))


@router.get(
    "/{candidate_id}",
    response_model=CandidatePublic,
    summary="Read a candidate",
    responses={304: {"description": "Not modified"}},
)
async def read_candidate(
    candidate_id: uuid.UUID,
    actor: CurrentActor,
    session: ReadSession,
    request: Request,
    response: Response,
) -> CandidatePublic | Response:
    """One candidate with contact details and source. Another organization's id is a 404. The
    ETag is the candidate's version, for If-Match on PATCH."""
    candidate = await service.get_candidate(session, actor, candidate_id)
    tag = etag(candidate.version)
    if not_modified(request, tag):
        return Response(status_code=304, headers={"ETag": tag})
    response.headers["ETag"] = tag
    return candidate


@router.patch(
    "/{candidate_id}", summary="Change a candidate (admins, recruiters)", responses=PATCH_RESPONSES
)
async def update_candidate(
    candidate_id: uuid.UUID,
    data: CandidateUpdate,
    actor: CurrentActor,
    session: WriteSession,
    version: IfMatch,
    response: Response,
) -> CandidatePublic:
    """Admins and recruiters. Send the ETag as If-Match: a stale version is a 412. Changing the
    email to one another candidate has is a 409. Records candidate.updated."""
    candidate = await service.update_candidate(session, actor, candidate_id, data, version)
    response.headers["ETag"] = etag(candidate.version)
    return candidate


@router.post(
    "/{candidate_id}/documents",
    status_code=201,
    summary="Upload a document (multipart); its type is detected from the bytes",
    responses={
        **WRITE_RESPONSES,
        413: problem_schema("The file is larger than the document size limit"),
        415: problem_schema(
            "The file's type is not allowed, or its bytes contradict the claimed type"
        ),
    },
)
async def upload_document(
    candidate_id: uuid.UUID,
    actor: CurrentActor,
    session: WriteSession,
    storage: Storage,
    file: Annotated[UploadFile, File(description="The document")],
    kind: Annotated[DocumentKind, Form()],
    application_id: Annotated[uuid.UUID | None, Form()] = None,
) -> DocumentPublic:
    """Admins and recruiters, as multipart form data. The type is detected from the bytes, not
    the file name: an empty file is a 422, a type that is not allowed a 415 and a file over the
    size limit a 413. Records document.uploaded."""
    meta = DocumentUpload(
        kind=kind,
        filename=(file.filename or "document")[:255]
        .replace("/", "_")
        .replace("\\", "_")
        .replace("\x00", "")
        or "document",
        claimed_content_type=(file.content_type or None),
        application_id=application_id,
    )
    data = await file.read()
    return await documents.upload_document(session, actor, candidate_id, meta, data, storage)


@router.get("/{candidate_id}/documents", summary="The candidate's documents")
async def list_documents(
    candidate_id: uuid.UUID, actor: CurrentActor, session: ReadSession
) -> PagePublic[DocumentPublic]:
    """The candidate's uploaded documents (CVs, cover letters): name, detected type and size,
    not the bytes. Another organization's candidate is a 404."""
    return PagePublic.whole(await documents.list_documents(session, actor, candidate_id))


@router.get(
    "/{candidate_id}/documents/{document_id}/content",
    summary="Download a document (authorised like the candidate)",
    response_class=Response,
    responses={
        200: {
            "description": "The document's bytes, in the type detected at upload",
            "content": {
                t: {"schema": {"type": "string", "format": "binary"}} for t in ALLOWED_TYPES
            },
        }
    },
)
async def download_document(
    candidate_id: uuid.UUID,
    document_id: uuid.UUID,
    actor: CurrentActor,
    session: ReadSession,
    storage: Storage,
) -> Response:
    """The stored bytes with their detected content type. Whoever may read the candidate may
    download; another organization's candidate or document is a 404. Each download is recorded
    as document.downloaded in the audit trail."""
    document, data = await documents.read_document(
        session, actor, candidate_id, document_id, storage
    )
    return Response(
        content=data,
        media_type=document.content_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(document.filename)}",
            "X-Content-Type-Options": "nosniff",
            "ETag": f'"{document.sha256}"',
        },
    )
