"""GraphQL types of candidate erasure (docs/privacy.md)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, cast

import strawberry
from strawberry.scalars import JSON

from app.domain.privacy.schemas import ErasureForwarding as ErasureForwardingPublic
from app.domain.privacy.schemas import ErasurePublic
from app.graphql import enums
from app.graphql.errors import MutationError
from app.graphql.ids import to_global_id
from app.graphql.types.pipeline import described


@strawberry.input(description="Erase a candidate: nothing identifying them is kept")
class EraseCandidateInput:
    candidate_id: strawberry.ID = strawberry.field(description="The Candidate's global id")
    reason: str = strawberry.field(
        graphql_type=enums.ErasureReason,
        description="Why the candidate is erased (a code, so the record holds no free text)",
    )


@strawberry.type(
    description="An ATS connection that holds the erased candidate, and whether the erasure "
    "reaches it"
)
@described(ErasureForwardingPublic)
class ErasureForwarding:
    connection_id: strawberry.ID = strawberry.field(
        description="The ATS connection (an AtsConnection's global id)"
    )
    provider: str = strawberry.field(graphql_type=enums.AtsProvider)
    forwarded: bool


@strawberry.type(description="What an erasure did: the candidate is gone, the counts say what went")
@described(ErasurePublic)
class CandidateErasedPayload:
    candidate_id: strawberry.ID = strawberry.field(
        description="The erased Candidate's global id (it resolves to nothing now)"
    )
    reason: str = strawberry.field(graphql_type=enums.ErasureReason)
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
                    connection_id=strawberry.ID(to_global_id("AtsConnection", a.connection_id)),
                    provider=a.provider,
                    forwarded=a.forwarded,
                )
                for a in erased.ats
            ],
        )


EraseCandidateResult = Annotated[
    CandidateErasedPayload | MutationError,
    strawberry.union("EraseCandidateResult", description="What the erasure did, or why not"),
]
