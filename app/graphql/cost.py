"""The cost estimate: an operation's worst-case size, refused before any resolver runs.

The estimate walks the operation that will run (fragments, inline fragments and aliases
included, with the request's variables) and counts the objects the answer can hold:

- a field that returns an object costs 1 plus what it selects;
- a field that returns a list of objects costs its size times (1 plus what each selects);
- scalar and enum fields cost nothing.

A list's size is, for a connection's `edges`, the connection's `first` (its default when not
given); for a list sized by its parent's `limit` (`closeTheLoop(limit:)`), that limit; for a
list bounded by design, its bound (`SIZES`: a slate's items, an interview's panel, ...); and
`DEFAULT_LIST_SIZE` for any other list. `@skip` and `@include` are ignored, and a union's
fragments are all counted: an estimate errs on the high side.

Before the estimate, every `first` is checked against `HIRELOOP_GRAPHQL_MAX_FIRST`, so a page too
large is refused with the same `invalid_input` error the resolvers give, and nothing runs.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from graphql import (
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_list_type,
)
from graphql.utilities import get_operation_ast
from strawberry.extensions import SchemaExtension

from app.graphql.pagination import first_error
from app.graphql.types.interviews import MAX_PANEL

# The assumed size of a list that has neither a page size nor a known bound.
DEFAULT_LIST_SIZE = 10

# Sized by the `first` or `limit` of the field above it.
PARENT = 0


def bounded_sizes(slate_max_size: int) -> dict[tuple[str, str], int]:
    """Lists whose size is known: bounded by design, or sized by their parent field."""
    return {
        ("Slate", "items"): slate_max_size,
        ("Interview", "interviewers"): MAX_PANEL,
        ("Interview", "scorecards"): MAX_PANEL,
        ("CloseTheLoop", "candidates"): PARENT,
        ("SchedulingSuggestions", "suggestions"): 50,  # SuggestionRequest.limit's maximum
        ("SchedulingSuggestion", "stages"): 6,  # SuggestionRequest.stages' maximum
        ("SuggestedStage", "interviewers"): 10,
        ("InterviewsPayload", "interviews"): 6,  # ScheduleRequest.interviews' maximum
        ("Member", "workingHours"): 7,
    }


class _Estimate:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
        max_first: int,
        sizes: Mapping[tuple[str, str], int],
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.max_first = max_first
        self.sizes = sizes
        self.bad_first: list[FieldNode] = []
        self.memo: dict[tuple[str, int], int] = {}

    def selections(
        self, parent: GraphQLNamedType | None, selection_set: SelectionSetNode, size: int
    ) -> int:
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self.field(parent, selection, size)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                target = self.schema.get_type(condition.name.value) if condition else parent
                total += self.selections(target, selection.selection_set, size)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.fragment(selection.name.value, size)
        return total

    def fragment(self, name: str, size: int) -> int:
        # Memoized, so fragments spread many times within each other cost linear time to count.
        key = (name, size)
        if key not in self.memo:
            self.memo[key] = 0  # a cycle (refused by validation anyway) counts nothing
            definition = self.fragments.get(name)
            if definition is not None:
                target = self.schema.get_type(definition.type_condition.name.value)
                self.memo[key] = self.selections(target, definition.selection_set, size)
        return self.memo[key]

    def field(self, parent: GraphQLNamedType | None, node: FieldNode, size: int) -> int:
        if node.selection_set is None or not isinstance(
            parent, GraphQLObjectType | GraphQLInterfaceType
        ):
            return 0  # scalars, enums, __typename and the introspection fields
        definition = parent.fields.get(node.name.value)
        if definition is None:
            return 0
        page = self.argument(node, definition.args, "first")
        if page is not None and not 1 <= page <= self.max_first:
            self.bad_first.append(node)
        limit = self.argument(node, definition.args, "limit")
        child_size = page if page is not None else (limit if limit is not None else 1)
        inner = self.selections(get_named_type(definition.type), node.selection_set, child_size)
        if not is_list_type(get_nullable_type(definition.type)):
            return 1 + inner
        if node.name.value == "edges" and parent.name.endswith("Connection"):
            count = size
        else:
            count = self.sizes.get((parent.name, node.name.value), DEFAULT_LIST_SIZE)
            if count == PARENT:
                count = size
        return count * (1 + inner)

    def argument(self, node: FieldNode, definitions: Mapping[str, Any], name: str) -> int | None:
        """The argument's integer value as it will run (a variable's value or the default)."""
        if name not in definitions:
            return None
        value: Any = definitions[name].default_value
        for argument in node.arguments or ():
            if argument.name.value != name:
                continue
            if isinstance(argument.value, IntValueNode):
                value = int(argument.value.value)
            elif isinstance(argument.value, VariableNode):
                value = self.variables.get(argument.value.name.value, value)
        if isinstance(value, bool) or not isinstance(value, int):
            # Missing or not an integer (graphql-core refuses it when coercing): assume the most.
            return self.max_first
        return value


def estimate(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any] | None,
    max_first: int,
    sizes: Mapping[tuple[str, str], int],
) -> tuple[int, list[FieldNode]]:
    """The operation's estimated cost, and the fields whose `first` is out of range."""
    root = schema.get_root_type(operation.operation)
    values: dict[str, Any] = {
        d.variable.name.value: int(d.default_value.value)
        for d in operation.variable_definitions or ()
        if isinstance(d.default_value, IntValueNode)
    }
    values.update(variables or {})
    walk = _Estimate(schema, fragments, values, max_first, sizes)
    cost = walk.selections(root, operation.selection_set, 1)
    return cost, walk.bad_first


class CostLimit(SchemaExtension):
    """Refuse, before any resolver runs, an operation with a `first` over the cap or an
    estimated cost over `HIRELOOP_GRAPHQL_MAX_COST`."""

    def __init__(self, max_cost: int, max_first: int, slate_max_size: int) -> None:
        self.max_cost = max_cost
        self.max_first = max_first
        self.sizes = bounded_sizes(slate_max_size)

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        operation = (
            get_operation_ast(document, context.operation_name) if document is not None else None
        )
        if document is not None and operation is not None and context.result is None:
            fragments = {
                d.name.value: d
                for d in document.definitions
                if isinstance(d, FragmentDefinitionNode)
            }
            cost, bad_first = estimate(
                context.schema._schema,
                operation,
                fragments,
                context.variables,
                self.max_first,
                self.sizes,
            )
            error = self._error(cost, bad_first)
            if error is not None:
                # A result set before execution makes Strawberry skip it: no resolver runs.
                context.result = ExecutionResult(data=None, errors=[error])
        yield

    def _error(self, cost: int, bad_first: list[FieldNode]) -> GraphQLError | None:
        if bad_first:
            invalid = first_error(self.max_first)
            return GraphQLError(
                invalid.detail,
                nodes=bad_first,
                extensions={
                    "code": invalid.code,
                    "status": invalid.status,
                    "field": "first",
                    "maxFirst": self.max_first,
                },
            )
        if cost > self.max_cost:
            return GraphQLError(
                f"Estimated cost {cost} is above the limit of {self.max_cost} "
                "(HIRELOOP_GRAPHQL_MAX_COST): ask for smaller pages (first) or fewer nested lists",
                extensions={
                    "code": "query_too_expensive",
                    "status": 400,
                    "cost": cost,
                    "maxCost": self.max_cost,
                },
            )
        return None
