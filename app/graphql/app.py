"""Mounting the schema on FastAPI at /graphql."""

from __future__ import annotations

from strawberry.fastapi import GraphQLRouter

from app.graphql.context import get_context
from app.graphql.schema import build_schema
from app.settings import Settings


def graphql_router(settings: Settings) -> GraphQLRouter[object, None]:
    return GraphQLRouter(
        build_schema(settings),
        context_getter=get_context,
        graphql_ide="graphiql" if settings.graphql_ide_enabled else None,
        multipart_uploads_enabled=False,
    )
