"""GraphQL types of candidate erasure (docs/privacy.md)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, cast

import strawberry
from strawberry.scalars import JSON

from app.domain.privacy.schemas import ErasurePublic
from app.graphql import enums
from app.graphql.errors import MutationError


@strawberry.input(description="Erase a candidate: nothing identifying them is kept")
class EraseCandidateInput:
    candidate_id: strawberry.ID
    reason: str = strawberry.field(
        graphql_type=enums.ErasureReason,
        description="subject_request, consent_withdrawn, no_longer_needed, "
        "unlawful_processing, legal_obligation, retention or ats_request",
    )


@strawberry.type
class ErasureForwarding:
    connection_id: uuid.UUID
    provider: str
    forwarded: bool = strawberry.field(
        description="False: the vendor has no erasure API; the connection's health lists it as "
        "to do by hand"
    )


@strawberry.type
class CandidateErasedPayload:
    candidate_id: strawberry.ID
    reason: str
    erased_at: dt.datetime
    counts: JSON
    ats: list[ErasureForwarding]

    @classmethod
    def from_public(cls, erased: ErasurePublic, global_id: str) -> CandidateErasedPayload:
        return cls(
            candidate_id=strawberry.ID(global_id),
            reason=erased.reason,
            erased_at=erased.erased_at,
            counts=cast(JSON, erased.counts),
            ats=[
                ErasureForwarding(
                    connection_id=a.connection_id, provider=a.provider, forwarded=a.forwarded
                )
                for a in erased.ats
            ],
        )


EraseCandidateResult = Annotated[
    CandidateErasedPayload | MutationError, strawberry.union("EraseCandidateResult")
]
