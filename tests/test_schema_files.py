"""The checked-in contracts (openapi.json, schema.graphql) must match the code."""

from __future__ import annotations

import json
from pathlib import Path

from app.schema_export import graphql_sdl, openapi_document

ROOT = Path(__file__).resolve().parent.parent


def test_openapi_json_is_current() -> None:
    checked_in = json.loads((ROOT / "openapi.json").read_text())
    assert checked_in == json.loads(json.dumps(openapi_document())), (
        "openapi.json is stale: run `hireloop export-schema` (or `make schema`) and commit it"
    )


def test_schema_graphql_is_current() -> None:
    checked_in = (ROOT / "schema.graphql").read_text().strip()
    assert checked_in == graphql_sdl().strip(), (
        "schema.graphql is stale: run `hireloop export-schema` (or `make schema`) and commit it"
    )


def test_every_error_response_is_problem_json() -> None:
    for path, operations in openapi_document()["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")) and status != "503":
                    assert "application/problem+json" in response.get("content", {}), (
                        method,
                        path,
                        status,
                    )
