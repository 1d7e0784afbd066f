"""Input and output of erasure and export."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from app.domain.candidates.schemas import DocumentKind
from app.domain.integrations.schemas import Provider
from app.domain.types import PublicModel, StrictModel

ErasureReason = Literal[
    "subject_request",
    "consent_withdrawn",
    "no_longer_needed",
    "unlawful_processing",
    "legal_obligation",
    "retention",
    "ats_request",
]
ErasureSource = Literal["api", "graphql", "ats", "retention"]


class ErasureRequest(StrictModel):
    """A request to erase a candidate: nothing identifying them is kept."""

    reason: ErasureReason = Field(
        description="Why the candidate is erased (a code, so the record holds no free text)"
    )


class ErasureForwarding(PublicModel):
    """An ATS connection that holds the erased candidate, and whether the erasure reaches it."""

    connection_id: uuid.UUID = Field(description="The ATS connection that holds them")
    provider: Provider = Field(description="That connection's ATS")
    forwarded: bool = Field(
        description="True: the worker asks the vendor to erase them too. False: the vendor "
        "has no erasure API; the connection's health lists it as to do by hand"
    )


class ErasurePublic(PublicModel):
    """What an erasure did: the candidate is gone, these counts say what went with them."""

    candidate_id: uuid.UUID = Field(description="The erased candidate's id (it is kept)")
    reason: ErasureReason = Field(description="Why the candidate was erased")
    source: ErasureSource = Field(
        description="Where the request came from: REST, GraphQL, an ATS or the hourly retention run"
    )
    erased_at: datetime = Field(description="When the candidate was erased (UTC)")
    counts: dict[str, int] = Field(description="What was removed or redacted, per kind")
    ats: list[ErasureForwarding] = Field(
        description="The ATS connections that hold the candidate, and whether each is asked "
        "to erase them too"
    )


class ExportDocument(PublicModel):
    """One of the candidate's documents in an export (its bytes are downloaded apart)."""

    id: uuid.UUID = Field(description="The document's id")
    application_id: uuid.UUID | None = Field(
        description="The application it was uploaded for; null when for the candidate as a whole"
    )
    kind: DocumentKind = Field(description="What the document is")
    filename: str = Field(description="The file's name as uploaded")
    content_type: str = Field(description="The media type detected from the bytes")
    size_bytes: int = Field(description="The file's size in bytes")
    sha256: str = Field(description="The SHA-256 of the bytes, in hex")
    created_at: datetime = Field(description="When it was uploaded (UTC)")
    download_url: str = Field(description="Where to download the bytes")


class CandidateExport(PublicModel):
    """Everything held about one candidate (GDPR Art. 15), as one JSON document."""

    format: Literal["hireloop.candidate-export/1"] = Field(
        default="hireloop.candidate-export/1", description="The export's format and its version"
    )
    exported_at: datetime = Field(description="When the export was made (UTC)")
    organization_id: uuid.UUID = Field(description="The organization that holds the candidate")
    candidate: dict[str, Any] = Field(description="The candidate's record, every field")
    erased: bool = Field(description="True when the candidate was erased (little is left)")
    applications: list[dict[str, Any]] = Field(
        description="Each with its history (transitions), slate items and decisions, "
        "interviews, scorecards, hiring decisions, offers and outcome messages"
    )
    documents: list[ExportDocument] = Field(
        description="The candidate's documents, each with where to download its bytes"
    )
    messages: list[dict[str, Any]] = Field(description="Emails sent (or owed) to the candidate")
    external_refs: list[dict[str, Any]] = Field(
        description="The candidate's ids in connected ATS accounts"
    )
