"""The rules of the GraphQL contract (issue 14), checked on the whole built schema, so a type
added later is held to them without anyone remembering to:

- every object type with an `id` is a `Node`, and `node(id:)` can fetch it again;
- ids are global: no field answers a raw `UUID` except `databaseId` (or `<thing>DatabaseId`, a
  database id that says so in its name);
- every type, field, input field, argument and root operation is described (taken from the
  domain's pydantic descriptions where the field is derived).

The per-area files (tests/test_graphql_contract_<area>.py) check that `node(id:)` really
fetches each type, and null for another tenant's id; tests/test_tenant_isolation.py does too.
"""

from __future__ import annotations

import graphql

from app.graphql.nodes import NODES
from app.graphql.schema import build_schema
from tests.conftest import make_settings

SCHEMA = build_schema(make_settings())._schema
# Types graphql-core and strawberry add themselves, whose text is theirs.
BUILT_IN = {"Query", "Mutation", "String", "Boolean", "Int", "Float", "ID"}
# Node types that are a partial view of another Node: their id is that object's, and node(id:)
# answers the whole object (a packet is read in one piece, never an entry alone).
VIEWS = {"PacketDocument": "Document", "PacketInterview": "Interview"}


def _object_types() -> list[graphql.GraphQLObjectType]:
    return [
        kind
        for name, kind in SCHEMA.type_map.items()
        if not name.startswith("__") and isinstance(kind, graphql.GraphQLObjectType)
    ]


def test_every_type_with_an_id_is_a_node_that_node_can_fetch() -> None:
    not_nodes = sorted(
        kind.name
        for kind in _object_types()
        if "id" in kind.fields and "Node" not in {i.name for i in kind.interfaces}
    )
    assert not not_nodes, f"types with an id that do not implement Node: {not_nodes}"
    node_types = {
        kind.name for kind in _object_types() if "Node" in {i.name for i in kind.interfaces}
    }
    assert all(VIEWS[view] in NODES for view in VIEWS)
    unfetchable = sorted(node_types - NODES.keys() - VIEWS.keys())
    assert not unfetchable, (
        f"Node types node(id:) cannot fetch (app/graphql/nodes.py): {unfetchable}"
    )
    assert not NODES.keys() - node_types, "NODES names a type that is not a Node"


def test_no_field_answers_a_raw_uuid_but_database_id() -> None:
    raw = sorted(
        f"{kind.name}.{name}"
        for kind in _object_types()
        for name, field in kind.fields.items()
        if graphql.get_named_type(field.type).name == "UUID"
        and not name.endswith(("databaseId", "DatabaseId"))
    )
    assert not raw, f"fields that answer a raw UUID instead of a global id: {raw}"


def test_every_type_field_and_operation_is_described() -> None:
    types = sorted(
        name
        for name, kind in SCHEMA.type_map.items()
        if not name.startswith("__")
        and name not in BUILT_IN
        and isinstance(
            kind,
            graphql.GraphQLObjectType
            | graphql.GraphQLInputObjectType
            | graphql.GraphQLEnumType
            | graphql.GraphQLUnionType
            | graphql.GraphQLInterfaceType,
        )
        and not (kind.description or "").strip()
    )
    assert not types, f"types without a description: {types}"
    fields = sorted(
        f"{kind.name}.{name}"
        for kind in _object_types()
        for name, field in kind.fields.items()
        if not (field.description or "").strip()
    )
    assert not fields, f"{len(fields)} fields without a description: {fields}"
    input_fields = sorted(
        f"{kind.name}.{name}"
        for kind in SCHEMA.type_map.values()
        if isinstance(kind, graphql.GraphQLInputObjectType) and not kind.name.startswith("__")
        for name, field in kind.fields.items()
        if not (field.description or "").strip()
    )
    assert not input_fields, (
        f"{len(input_fields)} input fields without a description: {input_fields}"
    )
    # An argument is what a client types: `roles(status:)`, `createRole(input:)`; the
    # interfaces' fields (`Node`) are held to it too.
    arguments = sorted(
        f"{kind.name}.{name}({arg})"
        for kind in SCHEMA.type_map.values()
        if isinstance(kind, graphql.GraphQLObjectType | graphql.GraphQLInterfaceType)
        and not kind.name.startswith("__")
        for name, field in kind.fields.items()
        for arg, argument in field.args.items()
        if not (argument.description or "").strip()
    )
    assert not arguments, f"{len(arguments)} arguments without a description: {arguments}"
