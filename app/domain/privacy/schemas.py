"""Input and output of erasure and export."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import Field

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
    reason: ErasureReason = Field(
        description="Why the candidate is erased (a code, so the record holds no free text)"
    )


class ErasureForwarding(PublicModel):
    connection_id: uuid.UUID
    provider: str
    forwarded: bool = Field(
        description="True: the worker asks the vendor to erase them too. False: the vendor "
        "has no erasure API; the connection's health lists it as to do by hand"
    )


class ErasurePublic(PublicModel):
    candidate_id: uuid.UUID
    reason: ErasureReason
    source: ErasureSource
    erased_at: datetime
    counts: dict[str, int] = Field(description="What was removed or redacted, per kind")
    ats: list[ErasureForwarding]


class ExportDocument(PublicModel):
    id: uuid.UUID
    application_id: uuid.UUID | None
    kind: str
    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    created_at: datetime
    download_url: str


class CandidateExport(PublicModel):
    """Everything held about one candidate (GDPR Art. 15), as one JSON document."""

    format: Literal["hireloop.candidate-export/1"] = "hireloop.candidate-export/1"
    exported_at: datetime
    organization_id: uuid.UUID
    candidate: dict[str, Any]
    erased: bool
    applications: list[dict[str, Any]] = Field(
        description="Each with its history (transitions), slate items and decisions, "
        "interviews, scorecards, hiring decisions, offers and outcome messages"
    )
    documents: list[ExportDocument]
    messages: list[dict[str, Any]] = Field(description="Emails sent (or owed) to the candidate")
    external_refs: list[dict[str, Any]]
