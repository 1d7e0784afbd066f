"""REST and GraphQL offer the same capabilities: every REST operation in the app's OpenAPI has a
row in app/graphql/parity.py naming its GraphQL field, or saying why GraphQL has none."""

from __future__ import annotations

import graphql

from app.graphql.parity import NO_GRAPHQL, NOT_YET, PARITY
from app.graphql.schema import build_schema
from app.main import create_app
from tests.conftest import make_settings

METHODS = {"get", "post", "put", "patch", "delete"}


def _operations() -> set[str]:
    spec = create_app(make_settings()).openapi()
    return {
        f"{method.upper()} {path}"
        for path, item in spec["paths"].items()
        for method in item
        if method in METHODS
    }


def test_every_rest_operation_has_a_graphql_field_or_a_reason() -> None:
    rows = PARITY.keys() | NO_GRAPHQL.keys() | NOT_YET.keys()
    missing = sorted(_operations() - rows)
    assert not missing, (
        "REST operations with no row in app/graphql/parity.py (add the GraphQL field that does "
        "the same to PARITY, or the reason GraphQL has none to NO_GRAPHQL):\n  "
        + "\n  ".join(missing)
    )


def test_no_row_for_an_operation_that_is_gone() -> None:
    rows = PARITY.keys() | NO_GRAPHQL.keys() | NOT_YET.keys()
    assert not sorted(rows - _operations())


def test_an_operation_has_one_row() -> None:
    assert not PARITY.keys() & NO_GRAPHQL.keys()
    assert not PARITY.keys() & NOT_YET.keys()
    assert not NO_GRAPHQL.keys() & NOT_YET.keys()


def test_every_graphql_coordinate_exists() -> None:
    schema = build_schema(make_settings())._schema
    absent = []
    for operation, coordinate in PARITY.items():
        type_name, _, field = coordinate.partition(".")
        kind = schema.type_map.get(type_name)
        if not isinstance(kind, graphql.GraphQLObjectType) or field not in kind.fields:
            absent.append(f"{operation} -> {coordinate}")
    assert not absent, "Rows naming a GraphQL field that does not exist:\n  " + "\n  ".join(absent)


def test_no_reason_is_blank() -> None:
    assert all(reason.strip() for reason in NO_GRAPHQL.values())


def test_graphql_lags_rest_nowhere() -> None:
    """NOT_YET names a gap while it is being closed; the project ships with none (issue 14:
    GraphQL offers what REST offers)."""
    assert NOT_YET == {}, "REST operations GraphQL does not offer yet:\n  " + "\n  ".join(NOT_YET)
