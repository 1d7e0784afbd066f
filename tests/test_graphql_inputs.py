"""A field of the domain schema a mutation validates with is in its GraphQL input, or a table here
says why not; and a field of a GraphQL input is a field of that schema, or a table says what it is.

The pairs are found, not listed: every mutation's resolver calls `mutate(...)`
(app/graphql/mutate.py) once, naming the domain schema (`schema=`, NoBody when absent) and the
fields that carry global ids (`ids=`). Its GraphQL side is the mutation's arguments, with an
`input` argument's fields in its place. Nested domain models (a slate's items, a panel's stages)
are compared with the nested GraphQL input, field by field, the same way. A field the domain
types as a UUID must be an `ID` in GraphQL and named in `ids` (else the global id would reach
the domain unparsed). The schema `mutate` validates with is also REST's request body for the same
operation (app/graphql/parity.py), so GraphQL and REST read one schema.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
import types
import typing
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import graphql
import pydantic
import pytest

from app.graphql.errors import camel
from app.graphql.mutate import NoBody
from app.graphql.parity import PARITY
from app.graphql.schema import build_schema
from app.main import create_app
from tests.conftest import make_settings

SCHEMA = build_schema(make_settings())

# Mutations that do not go through `mutate` (none today; a new one must say why here).
NOT_THROUGH_MUTATE: dict[str, str] = {}

# Domain fields GraphQL does not take, per schema (the model that declares the field, nested
# models included): "Schema.field" -> why. "MISSING: ..." marks a gap to close.
DOMAIN_ONLY: dict[str, str] = {}

# Domain fields GraphQL takes in another shape (GraphQL has no map type): "Schema.field" -> how.
RESHAPED: dict[str, str] = {
    "MemberCreate.working_hours": "a map weekday -> time ranges in REST; a list of "
    "WorkingDayInput {day, hours} in GraphQL, turned into the map by organization._hours",
    "MemberUpdate.working_hours": "as in MemberCreate: a list of WorkingDayInput in GraphQL",
}

# GraphQL input fields that are no field of the domain schema, whatever the mutation.
GRAPHQL_ONLY_ANYWHERE: dict[str, str] = {
    "expectedVersion": "REST's If-Match header; mutate() passes it to the service as the version",
    "clientMutationId": "Relay's echo of the caller's own id; no domain meaning",
}

# Other GraphQL-only fields, by schema coordinate (`Input.field`, `Mutation.name(arg:)`).
# A top-level global id named in `ids` needs no row: it is what REST takes from the path
# (the resource acted on, e.g. `id`, `roleId`), handed to the service call as an argument.
GRAPHQL_ONLY: dict[str, str] = {
    "SignOffIntakeRevisionInput.number": "the revision number; REST's path parameter {number}",
    "Mutation.deleteAvailabilityOverride(day:)": "the day; REST's path parameter {day}",
    "SetLinkTemplateInput.kind": "one kind per call; REST's LinkTemplatesUpdate is a map "
    "kind -> template, which _apply builds from kind and template and validates",
    "SetLinkTemplateInput.template": "the map's value for kind (see SetLinkTemplateInput.kind)",
    "RemoveLinkTemplateInput.kind": "REST removes a kind by setting it to null in "
    "LinkTemplatesUpdate; _apply builds {kind: null} and validates it",
}

# Mutations whose `mutate` schema is not REST's request body for the same operation, and why.
NOT_REST_BODY: dict[str, str] = {
    "setLinkTemplate": "validated with REST's LinkTemplatesUpdate inside the call (see "
    "GRAPHQL_ONLY); mutate() itself gets no body",
    "startAtsSync": "REST takes kind as a query parameter; GraphQL validates it with SyncStart",
}


@dataclass(frozen=True)
class Pair:
    """One mutation and what it validates with."""

    mutation: str
    schema: type[pydantic.BaseModel]
    ids: Mapping[str, str]
    # The entries of `ids` written in the call itself (not a map shared with other mutations).
    own_ids: frozenset[str]
    # GraphQL field name -> (schema coordinate, GraphQL type), the input's or the arguments'.
    fields: Mapping[str, tuple[str, graphql.GraphQLInputType]]


def _mutate_call(fn: Any) -> ast.Call | None:
    tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    calls = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "mutate"
    ]
    assert len(calls) <= 1, f"{fn.__qualname__} calls mutate() {len(calls)} times"
    return calls[0] if calls else None


def _value(node: ast.expr, fn: Any) -> Any:
    """A keyword argument of the mutate call, evaluated where the resolver is defined."""
    return eval(compile(ast.Expression(node), "<mutate>", "eval"), fn.__globals__)


def _pairs() -> tuple[list[Pair], list[str]]:
    mutation = SCHEMA.get_type_by_name("Mutation")
    graphql_mutation = SCHEMA._schema.type_map["Mutation"]
    assert mutation is not None
    assert isinstance(graphql_mutation, graphql.GraphQLObjectType)
    pairs, unpaired = [], []
    for field in mutation.fields:  # type: ignore[union-attr]
        name = SCHEMA.config.name_converter.get_graphql_name(field)
        assert field.base_resolver is not None, name
        fn = field.base_resolver.wrapped_func
        call = _mutate_call(fn)
        if call is None:
            unpaired.append(name)
            continue
        keywords = {k.arg: k.value for k in call.keywords}
        schema = _value(keywords["schema"], fn) if "schema" in keywords else NoBody
        ids = _value(keywords["ids"], fn) if "ids" in keywords else {}
        own_ids = frozenset(
            _value(k, fn)
            for k in getattr(keywords.get("ids"), "keys", [])
            if k is not None  # None: a **shared map
        )
        fields: dict[str, tuple[str, graphql.GraphQLInputType]] = {}
        for arg_name, arg in graphql_mutation.fields[name].args.items():
            kind = graphql.get_named_type(arg.type)
            if arg_name == "input" and isinstance(kind, graphql.GraphQLInputObjectType):
                fields |= {f: (f"{kind.name}.{f}", v.type) for f, v in kind.fields.items()}
            else:
                fields[arg_name] = (f"Mutation.{name}({arg_name}:)", arg.type)
        pairs.append(Pair(name, schema, ids, own_ids, fields))
    return pairs, unpaired


def _inner(annotation: Any) -> Any:
    """The type a field holds, without Optional, list, Annotated or a dict's key."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            rest = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(rest) != 1:
                return annotation
            annotation = rest[0]
        elif origin in (list, set, frozenset, tuple):
            annotation = typing.get_args(annotation)[0]
        else:
            return annotation


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel)


def compare(
    model: type[pydantic.BaseModel],
    fields: Mapping[str, tuple[str, graphql.GraphQLInputType]],
    ids: Mapping[str, str],
    prefix: str = "",
    *,
    domain_only: Mapping[str, str] | None = None,
    reshaped: Mapping[str, str] | None = None,
    graphql_only: Mapping[str, str] | None = None,
) -> list[str]:
    """What differs between a domain model's fields and a GraphQL input's (or a mutation's
    arguments), nested models included; `prefix` is the dotted path `ids` uses for them."""
    domain_only = DOMAIN_ONLY if domain_only is None else domain_only
    reshaped = RESHAPED if reshaped is None else reshaped
    graphql_only = GRAPHQL_ONLY if graphql_only is None else graphql_only
    problems: list[str] = []
    mapped: set[str] = set()
    for name, info in model.model_fields.items():
        key, shown = f"{model.__name__}.{name}", camel(name)
        if key in domain_only:
            if shown in fields:
                mapped.add(shown)
                problems.append(f"{key} is skipped but {fields[shown][0]} takes it")
            continue
        if shown not in fields:
            under = f" (in {prefix.rstrip('.')})" if prefix else ""
            problems.append(f"{key}{under} is in no GraphQL input field and not skipped")
            continue
        mapped.add(shown)
        coordinate, graphql_type = fields[shown]
        inner, named = _inner(info.annotation), graphql.get_named_type(graphql_type)
        path = prefix + name
        if key in reshaped:
            continue
        if inner is uuid.UUID:
            if named.name != "ID":
                problems.append(f"{coordinate} is {named.name}, not ID, for the UUID {key}")
            if path not in ids:
                problems.append(f"{coordinate} is a global id not in mutate's ids ({path})")
        elif _is_model(inner):
            if isinstance(named, graphql.GraphQLInputObjectType):
                nested = {f: (f"{named.name}.{f}", v.type) for f, v in named.fields.items()}
                problems += compare(
                    inner,
                    nested,
                    ids,
                    path + ".",
                    domain_only=domain_only,
                    reshaped=reshaped,
                    graphql_only=graphql_only,
                )
            elif named.name != "JSON":  # JSON: the REST shape, validated by the model
                problems.append(f"{coordinate} is {named.name}, not an input for {key}")
        elif isinstance(named, graphql.GraphQLInputObjectType):
            problems.append(f"{coordinate} is the input {named.name} for {key}: add to RESHAPED")
        elif named.name == "ID":
            problems.append(f"{coordinate} is an ID but {key} is no UUID")
    for shown, (coordinate, graphql_type) in fields.items():
        if shown in mapped or coordinate in graphql_only:
            continue
        if not prefix and shown in GRAPHQL_ONLY_ANYWHERE:
            continue
        python = next((k for k in ids if camel(k) == shown), None)
        if not prefix and python is not None:
            if graphql.get_named_type(graphql_type).name != "ID":
                problems.append(f"{coordinate} is named in ids but is not an ID")
            continue
        problems.append(
            f"{coordinate} is no field of {model.__name__} and not in GRAPHQL_ONLY "
            "(nor a top-level global id in mutate's ids)"
        )
    return problems


PAIRS, UNPAIRED = _pairs()


def test_every_mutation_goes_through_mutate() -> None:
    assert sorted(UNPAIRED) == sorted(NOT_THROUGH_MUTATE), (
        "Mutations that do not call mutate(): call it, or say why in NOT_THROUGH_MUTATE"
    )
    assert len(PAIRS) >= 70


def test_every_domain_field_is_in_graphql_and_every_graphql_field_in_the_domain() -> None:
    problems = []
    for pair in PAIRS:
        problems += [f"{pair.mutation}: {p}" for p in compare(pair.schema, pair.fields, pair.ids)]
    assert not problems, "\n".join(problems)


def test_every_id_mutate_parses_is_a_graphql_id() -> None:
    """What `ids` names is an ID the mutation takes. An entry written in the call must name a
    field the mutation has (a stale or misspelt entry hides a field that is not parsed); a map
    shared by several mutations (ROLE_IDS, STAGE_IDS) may name fields only some of them take."""
    problems = []
    for pair in PAIRS:
        for dotted in pair.ids:
            head, *rest = dotted.split(".")
            if camel(head) not in pair.fields:
                if dotted in pair.own_ids:
                    problems.append(f"{pair.mutation}: ids names {dotted}, which it does not take")
                continue
            kind: Any = pair.fields[camel(head)][1]
            for part in rest:
                named = graphql.get_named_type(kind)
                assert isinstance(named, graphql.GraphQLInputObjectType), (pair.mutation, dotted)
                if camel(part) not in named.fields:
                    if dotted in pair.own_ids:
                        problems.append(f"{pair.mutation}: ids names {dotted}, not taken")
                    break
                kind = named.fields[camel(part)].type
            else:
                if graphql.get_named_type(kind).name != "ID":
                    problems.append(f"{pair.mutation}: ids names {dotted}, which is not an ID")
    assert not problems, "\n".join(problems)


def test_mutate_validates_with_rest_request_body() -> None:
    spec = create_app(make_settings()).openapi()
    components = spec["components"]["schemas"]
    by_mutation = {pair.mutation: pair for pair in PAIRS}
    problems = []
    differs: set[str] = set()
    for operation, coordinate in PARITY.items():
        kind, _, name = coordinate.partition(".")
        if kind != "Mutation":
            continue
        method, path = operation.split(" ", 1)
        body = spec["paths"][path][method.lower()].get("requestBody")
        rest: set[str] = set()
        if body:
            ref = body["content"]["application/json"]["schema"]["$ref"]
            rest = set(components[ref.rsplit("/", 1)[1]].get("properties", {}))
        schema = by_mutation[name].schema
        ours = {info.alias or f for f, info in schema.model_fields.items()}
        if rest != ours:
            differs.add(name)
        if rest != ours and name not in NOT_REST_BODY:
            problems.append(
                f"{name} validates with {schema.__name__} {sorted(ours)}; {operation} takes "
                f"{sorted(rest)}"
            )
    assert not problems, "\n".join(problems)
    stale = NOT_REST_BODY.keys() - differs
    assert not stale, f"NOT_REST_BODY rows for mutations that now read REST's body: {stale}"


def test_every_table_row_is_still_needed_and_has_a_reason() -> None:
    tables = {
        "NOT_THROUGH_MUTATE": NOT_THROUGH_MUTATE,
        "DOMAIN_ONLY": DOMAIN_ONLY,
        "RESHAPED": RESHAPED,
        "GRAPHQL_ONLY_ANYWHERE": GRAPHQL_ONLY_ANYWHERE,
        "GRAPHQL_ONLY": GRAPHQL_ONLY,
        "NOT_REST_BODY": NOT_REST_BODY,
    }
    blank = [f"{t}[{k!r}]" for t, rows in tables.items() for k, r in rows.items() if not r.strip()]
    assert not blank, blank
    # A row for a field or coordinate that no mutation has any more is stale.
    coordinates = {c for pair in PAIRS for c, _ in pair.fields.values()}
    models: dict[str, type[pydantic.BaseModel]] = {}

    def walk(model: type[pydantic.BaseModel]) -> None:
        models[model.__name__] = model
        for info in model.model_fields.values():
            inner = _inner(info.annotation)
            if _is_model(inner) and inner.__name__ not in models:
                walk(inner)

    for pair in PAIRS:
        walk(pair.schema)
    stale = [c for c in GRAPHQL_ONLY if c not in coordinates]
    for key in DOMAIN_ONLY.keys() | RESHAPED.keys():
        model_name, _, field = key.partition(".")
        if field not in getattr(models.get(model_name), "model_fields", {}):
            stale.append(key)
    assert not stale, stale


# The comparison itself, on small made-up models and inputs.


class _Item(pydantic.BaseModel):
    application_id: uuid.UUID
    note: str | None = None


class _Create(pydantic.BaseModel):
    role_id: uuid.UUID
    title: str
    items: list[_Item] = []


def _input(**fields: graphql.GraphQLInputType) -> dict[str, tuple[str, graphql.GraphQLInputType]]:
    return {name: (f"Input.{name}", kind) for name, kind in fields.items()}


ITEM_INPUT = graphql.GraphQLInputObjectType(
    "ItemInput",
    {
        "applicationId": graphql.GraphQLInputField(graphql.GraphQLID),
        "note": graphql.GraphQLInputField(graphql.GraphQLString),
    },
)
GOOD = _input(
    id=graphql.GraphQLID,
    roleId=graphql.GraphQLID,
    title=graphql.GraphQLString,
    items=graphql.GraphQLList(ITEM_INPUT),
)
IDS = {"id": "Thing", "role_id": "Role", "items.application_id": "Application"}


def _check(fields: Any = None, ids: Any = None, **tables: Mapping[str, str]) -> list[str]:
    empty: dict[str, str] = {}
    return compare(
        _Create,
        GOOD if fields is None else fields,
        IDS if ids is None else ids,
        domain_only=tables.get("domain_only", empty),
        reshaped=tables.get("reshaped", empty),
        graphql_only=tables.get("graphql_only", empty),
    )


def test_compare_finds_nothing_when_they_agree() -> None:
    assert _check() == []


@pytest.mark.parametrize(
    ("fields", "ids", "expected"),
    [
        # A domain field GraphQL does not take.
        ({k: v for k, v in GOOD.items() if k != "title"}, None, "_Create.title is in no"),
        # A GraphQL field the domain does not know.
        (GOOD | _input(extra=graphql.GraphQLString), None, "Input.extra is no field of _Create"),
        # A UUID taken as a String, or a global id mutate does not parse.
        (GOOD | _input(roleId=graphql.GraphQLString), None, "Input.roleId is String, not ID"),
        (None, {"id": "Thing", "items.application_id": "Application"}, "not in mutate's ids"),
        # A nested field missing.
        (
            GOOD
            | _input(
                items=graphql.GraphQLList(
                    graphql.GraphQLInputObjectType(
                        "ItemInput2",
                        {"applicationId": graphql.GraphQLInputField(graphql.GraphQLID)},
                    )
                )
            ),
            None,
            "_Item.note (in items) is in no",
        ),
    ],
)
def test_compare_finds_a_difference(fields: Any, ids: Any, expected: str) -> None:
    problems = _check(fields, ids)
    assert any(expected in p for p in problems), problems


def test_compare_honours_the_tables() -> None:
    without_title = {k: v for k, v in GOOD.items() if k != "title"}
    assert _check(without_title, domain_only={"_Create.title": "why"}) == []
    assert _check(domain_only={"_Create.title": "why"}) == [
        "_Create.title is skipped but Input.title takes it"
    ]
    extra = GOOD | _input(extra=graphql.GraphQLString)
    assert _check(extra, graphql_only={"Input.extra": "why"}) == []
