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

from app.graphql import fast
from app.graphql.audit import AuditQuery
from app.graphql.availability import AvailabilityMutation, AvailabilityQuery
from app.graphql.bookings import BookingMutation, BookingQuery
from app.graphql.calendars import CalendarMutation, CalendarQuery
from app.graphql.calibration import CalibrationMutation, CalibrationQuery
from app.graphql.cost import CostLimit
from app.graphql.errors import DomainErrorCodes
from app.graphql.events import EventQuery
from app.graphql.execution import FastExecutor
from app.graphql.feedback import FeedbackEditsMutation, FeedbackMutation, FeedbackQuery
from app.graphql.follow_ups import FollowUpMutation, FollowUpQuery
from app.graphql.integrations import IntegrationsMutation, IntegrationsQuery
from app.graphql.interviewer_pools import InterviewerPoolMutation, InterviewerPoolQuery
from app.graphql.interviews import InterviewMutation, InterviewQuery
from app.graphql.link_templates import LinkTemplateMutation, LinkTemplateQuery
from app.graphql.nodes import NodeQuery
from app.graphql.notifications import NotificationQuery
from app.graphql.organization import OrganizationMutation, OrganizationQuery
from app.graphql.pipeline import PipelineMutation, PipelineQuery
from app.graphql.privacy import PrivacyMutation
from app.graphql.roles import RoleMutation, RoleQuery
from app.graphql.types.calendars import CalendarConnection
from app.graphql.types.calibration import Slate
from app.graphql.types.intake import IntakeRevision
from app.graphql.types.interviews import Interview
from app.graphql.types.member import Member, Organization
from app.graphql.types.pipeline import Application, Candidate
from app.graphql.types.role import Role
from app.graphql.webhooks import WebhookMutation, WebhookQuery
from app.settings import Settings

# Each area's queries and mutations (app/graphql/<area>.py, beside app/api/v1/<area>.py).
QUERIES: tuple[type, ...] = (
    NodeQuery,
    OrganizationQuery,
    RoleQuery,
    PipelineQuery,
    CalibrationQuery,
    InterviewQuery,
    InterviewerPoolQuery,
    CalendarQuery,
    FollowUpQuery,
    WebhookQuery,
    FeedbackQuery,
    NotificationQuery,
    EventQuery,
    LinkTemplateQuery,
    BookingQuery,
    IntegrationsQuery,
    AvailabilityQuery,
    AuditQuery,
)
MUTATIONS: tuple[type, ...] = (
    RoleMutation,
    OrganizationMutation,
    IntegrationsMutation,
    PipelineMutation,
    PrivacyMutation,
    CalibrationMutation,
    InterviewMutation,
    InterviewerPoolMutation,
    FeedbackMutation,
    CalendarMutation,
    FollowUpMutation,
    WebhookMutation,
    FeedbackEditsMutation,
    LinkTemplateMutation,
    BookingMutation,
    AvailabilityMutation,
)


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
    schema = HireloopSchema(
        query=merge_types("Query", QUERIES),
        mutation=merge_types("Mutation", MUTATIONS),
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
        # Simple fields completed without graphql-core's per-field work (app/graphql/execution.py).
        execution_context_class=FastExecutor,
    )
    # Simple resolvers are called by graphql-core directly (app/graphql/fast.py).
    fast.install(schema)
    return schema
