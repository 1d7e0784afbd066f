"""Erasure of a candidate (REST: app/api/v1/privacy.py)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from app.domain.privacy import erasure
from app.domain.privacy.schemas import ErasureRequest
from app.graphql.context import Context
from app.graphql.ids import to_global_id
from app.graphql.mutate import given, mutate
from app.graphql.types.privacy import (
    CandidateErasedPayload,
    EraseCandidateInput,
    EraseCandidateResult,
)

Info = strawberry.Info[Context, None]


@strawberry.type
class PrivacyMutation:
    @strawberry.mutation(
        description="Erase a candidate (GDPR Art. 17): nothing identifying them is kept "
        "(admins; recruiters if the organization allows)"
    )
    async def erase_candidate(
        self,
        info: Info,
        input: Annotated[
            EraseCandidateInput, strawberry.argument(description="The candidate to erase and why")
        ],
    ) -> EraseCandidateResult:
        return await mutate(
            info,
            given(input),
            ids={"candidate_id": "Candidate"},
            schema=ErasureRequest,
            call=lambda s, actor, p: erasure.erase_candidate(
                s, actor, p.id("candidate_id"), p.body.reason, source="graphql"
            ),
            shape=lambda erased: CandidateErasedPayload.from_public(
                erased, to_global_id("Candidate", erased.candidate_id)
            ),
        )
