"""Connected systems (ATS): a role's ids in them (REST: app/api/v1/integrations.py)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from app.domain.integrations import service as integrations
from app.domain.integrations.schemas import ExternalRefLink
from app.graphql.context import Context
from app.graphql.errors import MutationError
from app.graphql.mutate import given, mutate
from app.graphql.types.role import ExternalRef

Info = strawberry.Info[Context, None]


@strawberry.input
class LinkRoleExternalRefInput:
    role_id: strawberry.ID
    connection_id: strawberry.ID
    external_id: str


@strawberry.type
class ExternalRefPayload:
    external_ref: ExternalRef


ExternalRefResult = Annotated[
    ExternalRefPayload | MutationError, strawberry.union("ExternalRefResult")
]


@strawberry.type
class IntegrationsMutation:
    @strawberry.mutation
    async def link_role_external_ref(
        self, info: Info, input: LinkRoleExternalRefInput
    ) -> ExternalRefResult:
        return await mutate(
            info,
            given(input),
            ids={"role_id": "Role", "connection_id": "AtsConnection"},
            schema=ExternalRefLink,
            call=lambda s, actor, p: integrations.link_role(s, actor, p.id("role_id"), p.body),
            shape=lambda ref: ExternalRefPayload(
                external_ref=ExternalRef(
                    connection_id=ref.connection_id, external_id=ref.external_id
                )
            ),
        )
