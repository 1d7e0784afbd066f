"""The public contracts as files: the OpenAPI document and the GraphQL SDL."""

from __future__ import annotations

from typing import Any

from app.settings import Settings


def _settings() -> Settings:
    # Export from defaults so the files do not depend on whoever runs the command.
    return Settings(
        env="development", database_url=None, graphql_introspection=True, graphql_ide=False
    )


def openapi_document() -> dict[str, Any]:
    from app.main import create_app

    return create_app(_settings()).openapi()


def graphql_sdl() -> str:
    from app.graphql.schema import build_schema

    return build_schema(_settings()).as_str()
