"""The Strawberry schema with its safety limits and caches."""

from __future__ import annotations

from collections.abc import Callable

import strawberry
from graphql import GraphQLError
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.types import ExecutionContext

from app.graphql.errors import DomainErrorCodes
from app.graphql.mutations import Mutation
from app.graphql.queries import Query
from app.graphql.types.member import Member, Organization
from app.graphql.types.role import Role
from app.settings import Settings


class HireloopSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Strawberry logs every error at ERROR; a client's bad query or a refused mutation is not
        ours to alarm on. Unexpected resolver failures are logged by DomainErrorCodes instead."""


def build_schema(settings: Settings) -> strawberry.Schema:
    extensions: list[Callable[[], SchemaExtension] | type[SchemaExtension]] = [
        DomainErrorCodes,
        lambda: MaxTokensLimiter(max_token_count=settings.graphql_max_tokens),
        lambda: QueryDepthLimiter(max_depth=settings.graphql_max_depth),
        lambda: MaxAliasesLimiter(max_alias_count=settings.graphql_max_aliases),
        # Parsing and validating the same document again is most of a small query's cost;
        # both caches live at module level, shared by every request.
        lambda: ParserCache(maxsize=256),
        lambda: ValidationCache(maxsize=256),
    ]
    if not settings.graphql_introspection_enabled:
        extensions.append(lambda: AddValidationRules([NoSchemaIntrospectionCustomRule]))
    return HireloopSchema(
        query=Query,
        mutation=Mutation,
        types=[Role, Member, Organization],
        extensions=extensions,
    )
