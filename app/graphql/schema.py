"""The Strawberry schema with its safety limits and caches."""

from __future__ import annotations

from collections.abc import Callable

import strawberry
from graphql import GraphQLError
from graphql.validation import ASTValidationRule, NoSchemaIntrospectionCustomRule
from strawberry.extensions import (
    AddValidationRules,
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
    ValidationCache,
)
from strawberry.extensions.max_aliases import create_validator as aliases_validator
from strawberry.extensions.query_depth_limiter import create_validator as depth_validator
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from app.graphql.cost import CostLimit
from app.graphql.errors import DomainErrorCodes
from app.graphql.mutations import (
    CalendarMutation,
    FeedbackMutation,
    InterviewMutation,
    Mutation,
    PipelineMutation,
)
from app.graphql.queries import Query
from app.graphql.types.calendars import CalendarConnection
from app.graphql.types.calibration import Slate
from app.graphql.types.intake import IntakeRevision
from app.graphql.types.interviews import Interview
from app.graphql.types.member import Member, Organization
from app.graphql.types.pipeline import Application, Candidate
from app.graphql.types.role import Role
from app.settings import Settings


class HireloopSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Strawberry logs every error at ERROR; a client's bad query or a refused mutation is not
        ours to alarm on. Unexpected resolver failures are logged by DomainErrorCodes instead."""


def build_schema(settings: Settings) -> strawberry.Schema:
    # The rule classes are made once: the validation cache keys on them, so rules made anew per
    # request (as the limiter extensions do) would make every request a cache miss.
    rules: list[type[ASTValidationRule]] = [
        depth_validator(settings.graphql_max_depth, None),
        aliases_validator(settings.graphql_max_aliases),
    ]
    if not settings.graphql_introspection_enabled:
        rules.append(NoSchemaIntrospectionCustomRule)
    suggestions = settings.graphql_introspection_enabled
    extensions: list[Callable[[], SchemaExtension] | type[SchemaExtension]] = [
        # Without introspection ("production"), "Did you mean ...?" is cut from error messages
        # too: suggestions would otherwise disclose the schema a field name at a time.
        lambda: DomainErrorCodes(suggestions=suggestions),
        lambda: MaxTokensLimiter(max_token_count=settings.graphql_max_tokens),
        lambda: AddValidationRules(rules),
        # Parsing and validating the same document again is most of a small query's cost;
        # both caches live at module level, shared by every request.
        lambda: ParserCache(maxsize=256),
        lambda: ValidationCache(maxsize=256),
        # After validation, before any resolver: `first` within its cap and the estimated cost
        # within HIRELOOP_GRAPHQL_MAX_COST (app/graphql/cost.py).
        lambda: CostLimit(
            max_cost=settings.graphql_max_cost,
            max_first=settings.graphql_max_first,
            slate_max_size=settings.slate_max_size,
        ),
    ]
    return HireloopSchema(
        query=Query,
        mutation=merge_types(
            "Mutation",
            (Mutation, PipelineMutation, InterviewMutation, FeedbackMutation, CalendarMutation),
        ),
        types=[
            Role,
            Member,
            Organization,
            Candidate,
            Application,
            Slate,
            IntakeRevision,
            Interview,
            CalendarConnection,
        ],
        extensions=extensions,
    )
