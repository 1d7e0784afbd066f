"""A field of a domain *Public schema is in its GraphQL type, or its type says why not.

The object types with an id are derived from their public schema (app/graphql/derive.py); the
others are made by strawberry's pydantic integration from all of the schema's fields."""

from __future__ import annotations

from typing import Any

import graphql
from strawberry.types.base import StrawberryObjectDefinition

from app.graphql.errors import camel
from app.graphql.schema import build_schema
from tests.conftest import make_settings

SCHEMA = build_schema(make_settings())


def _fields(name: str) -> set[str]:
    kind = SCHEMA._schema.type_map[name]
    assert isinstance(kind, graphql.GraphQLObjectType)
    return set(kind.fields)


def _object_types() -> list[tuple[str, Any]]:
    found = []
    for name, kind in SCHEMA._schema.type_map.items():
        if name.startswith("__") or not isinstance(kind, graphql.GraphQLObjectType):
            continue
        definition = SCHEMA.get_type_by_name(name)
        if isinstance(definition, StrawberryObjectDefinition):
            found.append((name, definition.origin))
    return found


def test_every_public_field_is_in_graphql_or_skipped_with_a_reason() -> None:
    derived = [(n, cls) for n, cls in _object_types() if hasattr(cls, "__derived__")]
    assert {n for n, _ in derived} >= {
        "Role",
        "Member",
        "Organization",
        "Candidate",
        "Application",
        "Slate",
        "SlateItem",
        "IntakeRevision",
        "Interview",
    }
    problems = []
    for name, cls in derived:
        model = cls.__derived_from__
        shown = _fields(name)
        for field in model.model_fields:
            if field in cls.__skipped__:
                if camel(field) in shown:
                    problems.append(f"{name}.{camel(field)} is shown but skipped")
                continue
            if camel(field) not in shown:
                problems.append(f"{model.__name__}.{field} is not in {name} and not skipped")
        if "id" in model.model_fields and name != "Event":
            # Event's id is the webhook-id of its deliveries, not a resource's id.
            assert {"id", "databaseId"} <= shown, name
        problems += [
            f"{name} skips {f} without a reason"
            for f, r in cls.__skipped__.items()
            if not r.strip()
        ]
    assert not problems, "\n".join(problems)


def test_pydantic_made_types_show_every_field() -> None:
    problems = []
    for name, cls in _object_types():
        model = getattr(cls, "_pydantic_type", None)
        if model is None:
            continue
        shown = _fields(name)
        problems += [
            f"{model.__name__}.{f} is not in {name}"
            for f in model.model_fields
            if camel(f) not in shown
        ]
    assert not problems, "\n".join(problems)


def test_descriptions_come_from_the_public_schema() -> None:
    organization = SCHEMA._schema.type_map["Organization"]
    assert isinstance(organization, graphql.GraphQLObjectType)
    description = organization.fields["recruitersMayErase"].description
    assert description
    assert "erase" in description.lower()


def test_closed_sets_are_enums() -> None:
    types = SCHEMA._schema.type_map
    for type_name, field, enum in [
        ("Role", "status", "RoleStatus"),
        ("Application", "stage", "ApplicationStage"),
        ("Application", "outcome", "ApplicationOutcome"),
        ("Interview", "status", "InterviewStatus"),
        ("Offer", "status", "OfferStatus"),
        ("HiringDecision", "decision", "HiringDecisionKind"),
        ("Scorecard", "recommendation", "Recommendation"),
        ("Member", "permissionSet", "PermissionSet"),
    ]:
        kind = types[type_name]
        assert isinstance(kind, graphql.GraphQLObjectType)
        assert graphql.get_named_type(kind.fields[field].type).name == enum, (type_name, field)


def test_no_argument_or_input_field_takes_a_raw_uuid() -> None:
    raw = []
    for name, kind in SCHEMA._schema.type_map.items():
        if isinstance(kind, graphql.GraphQLObjectType) and name in {"Query", "Mutation"}:
            for field_name, field in kind.fields.items():
                raw += [
                    f"{name}.{field_name}({a})"
                    for a, arg in field.args.items()
                    if graphql.get_named_type(arg.type).name == "UUID"
                ]
        if isinstance(kind, graphql.GraphQLInputObjectType):
            raw += [
                f"{name}.{f}"
                for f, field in kind.fields.items()
                if graphql.get_named_type(field.type).name == "UUID"
            ]
    assert not raw, raw
