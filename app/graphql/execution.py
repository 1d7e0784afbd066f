"""A cheaper walk over the answer for fields that need nothing of graphql-core's per-field work.

graphql-core runs every field the same way: a path segment, a `GraphQLResolveInfo` (fifteen
values), the resolver, then `complete_value`, which finds the field's kind by testing the type
anew for every value. On a page of 50 roles, or a role's 10 slates of 10, that generic walk is
most of the time the request spends in Python. `FastExecutor` plans each selection set once per
request (the plan is shared by every object the selection set is applied to) and, for the fields
it knows to be simple, does the same work directly:

- the resolver is Strawberry's plain attribute read (a field without a resolver or extensions)
  or one of app/graphql/fast.py's plain calls, and the field takes no arguments;
- the field's type is a scalar or enum, an object type, or a list of these, nullable or not.

Such a field is resolved without building an info object (unless its plain call reads
`info.context`), and its value is completed as `complete_value` would: the same coercion of leaf
values, the same `is_type_of` check and sub-selection for objects, the same errors with the same
messages, paths and null propagation (`handle_field_error`). Anything else takes graphql-core's
own path: a resolver with arguments, permissions or other extensions, an awaitable value, an
interface or union, a field carrying a directive, `__typename`, or a schema extension that wraps
resolvers (`resolve` hooks) for the whole request.

tests/test_graphql_exec.py runs the same operations, errors and nulls included, through both
executors and compares the answers.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from graphql import (
    GraphQLError,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.pyutils import Path, Undefined, gather_with_cancel, inspect
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.field import StrawberryField

from app.graphql import fast

BACKREF = "strawberry-definition"

# Values a leaf list's items are completed from directly (nothing else can be an error or an
# awaitable among them).
PLAIN_VALUES = frozenset({str, int, float, bool})

# Kinds of completion a planned field takes.
LEAF = 0
OBJECT = 1
LIST = 2


class Completion:
    """How to complete values of one output type (planned once per field and request)."""

    __slots__ = ("item", "kind", "leaf", "non_null", "nullable_type", "object_type", "type")

    def __init__(self, output_type: GraphQLOutputType) -> None:
        self.type = output_type
        self.non_null = isinstance(output_type, GraphQLNonNull)
        inner: Any = output_type.of_type if isinstance(output_type, GraphQLNonNull) else output_type
        self.nullable_type = inner
        self.item: Completion | None = None
        self.leaf: GraphQLLeafType | None = None
        self.object_type: GraphQLObjectType | None = None
        if isinstance(inner, GraphQLList):
            self.kind = LIST
            self.item = Completion(inner.of_type)
        elif isinstance(inner, GraphQLLeafType):
            self.kind = LEAF
            self.leaf = inner
        else:
            self.kind = OBJECT
            self.object_type = inner

    @classmethod
    def of(cls, output_type: GraphQLOutputType) -> Completion | None:
        """The plan, or None when the type holds an interface or a union (graphql-core's
        path: resolving the runtime type needs the info)."""
        completion = cls(output_type)
        node: Completion | None = completion
        while node is not None:
            if node.kind == OBJECT and not _plain_type(node.object_type):
                return None
            node = node.item
        return completion


def _plain_type(object_type: GraphQLObjectType | None) -> bool:
    """An object type whose `is_type_of`, if any, is Strawberry's own: it reads the value only,
    never the info."""
    if not isinstance(object_type, GraphQLObjectType):
        return False
    is_type_of = object_type.is_type_of
    return is_type_of is None or (
        getattr(is_type_of, "__module__", "") == "strawberry.schema.schema_converter"
        and is_type_of.__qualname__.endswith("_get_is_type_of.<locals>.is_type_of")
    )


class Field:
    """One planned field of a selection set."""

    __slots__ = (
        "attribute",
        "completion",
        "definition",
        "details",
        "name",
        "needs_info",
        "resolve",
        "response_name",
    )

    def __init__(
        self,
        response_name: str,
        details: FieldDetailsList,
        definition: Any,
        completion: Completion,
        attribute: str | None,
        resolve: Callable[[Any, Any], Any],
        needs_info: bool,
    ) -> None:
        self.response_name = response_name
        self.details = details
        self.definition = definition
        self.name = details[0].node.name.value
        self.completion = completion
        self.attribute = attribute
        self.resolve = resolve
        self.needs_info = needs_info


# A planned selection set: per response name, a Field, or the field's details for graphql-core's
# own path (None: the schema has no such field, which graphql-core skips).
Plan = list[tuple[str, FieldDetailsList, Field | None, bool]]


class _ContextInfo:
    """What a plain call that reads the info gets: its `context` at once (all app/graphql/fast.py
    lets such a resolver read itself), graphql-core's own info built only if something it passes
    the info on to reads more. On a page of 50 roles, building the full info for `intake` and
    `hiringManager` cost more than the resolvers."""

    __slots__ = ("_executor", "_field", "_full", "_parent_type", "_path", "context")

    def __init__(
        self,
        executor: FastExecutor,
        parent_type: GraphQLObjectType,
        field: Field,
        path: Path,
    ) -> None:
        self.context = executor.context_value
        self._executor = executor
        self._parent_type = parent_type
        self._field = field
        self._path = path
        self._full: GraphQLResolveInfo[Any] | None = None

    def __getattr__(self, name: str) -> Any:
        full = self._full
        if full is None:
            full = self._full = self._executor._info(self._parent_type, self._field, self._path)
        return getattr(full, name)


class FastExecutor(StrawberryGraphQLCoreExecutionContext):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        manager = self.middleware_manager
        # A schema extension with a `resolve` hook wraps every resolver: nothing is taken aside.
        self._enabled = manager is None or not getattr(manager, "_middleware_resolvers", None)
        # By the grouped field set's identity (graphql-core memoizes those per request); the set
        # is kept with its plan so that the identity cannot be reused while the request runs.
        self._plans: dict[int, tuple[GroupedFieldSet, GraphQLObjectType, Plan | None]] = {}

    def _plan(
        self, parent_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet
    ) -> Plan | None:
        found = self._plans.get(id(grouped_field_set))
        if found is not None and found[1] is parent_type:
            return found[2]
        plan: Plan = []
        any_fast = False
        for response_name, details in grouped_field_set.items():
            planned = self._field(parent_type, response_name, details)
            any_fast = any_fast or planned is not None
            plan.append((response_name, details, planned, planned is None))
        result = plan if any_fast else None
        self._plans[id(grouped_field_set)] = (grouped_field_set, parent_type, result)
        return result

    def _field(
        self, parent_type: GraphQLObjectType, response_name: str, details: FieldDetailsList
    ) -> Field | None:
        node = details[0].node
        definition = self.schema.get_field(parent_type, node.name.value)
        if definition is None or definition.args or node.arguments:
            return None
        if any(d.node.directives for d in details):
            return None  # @stream (and @skip/@include, already applied, but kept simple)
        resolve = definition.resolve
        if resolve is None:
            return None
        attribute: str | None = None
        needs_info = False
        if getattr(resolve, "_is_default", False):
            # Strawberry's resolver for a field without resolver or extensions: the attribute.
            strawberry_field = (definition.extensions or {}).get(BACKREF)
            if (
                not isinstance(strawberry_field, StrawberryField)
                or strawberry_field.default_resolver is not getattr
            ):
                return None
            attribute = strawberry_field.python_name
        else:
            plain = fast.plain_kind(resolve)
            if plain is None:
                return None
            needs_info = plain
        completion = Completion.of(definition.type)
        if completion is None:
            return None
        return Field(response_name, details, definition, completion, attribute, resolve, needs_info)

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> Any:
        if not self._enabled or position_context is not None:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        plan = self._plan(parent_type, grouped_field_set)
        if plan is None:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        # As graphql-core's execute_fields, with the planned fields run by _execute_planned.
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        awaitable_fields: list[str] = []
        parent_name = parent_type.name
        try:
            for response_name, details, planned, generic in plan:
                if generic:
                    result = self.execute_field(
                        parent_type,
                        source_value,
                        details,
                        Path(path, response_name, parent_name),
                        None,
                    )
                    if result is Undefined:
                        continue
                else:
                    result = self._execute_planned(
                        parent_type,
                        source_value,
                        planned,  # type: ignore[arg-type]
                        path,
                    )
                results[response_name] = result
                if is_awaitable(result):
                    awaitable_fields.append(response_name)
        except Exception:
            if awaitable_fields:
                self.settle_in_background([results[field] for field in awaitable_fields])
            raise

        if not awaitable_fields:
            return results

        async def get_results() -> dict[str, Any]:
            if len(awaitable_fields) == 1:
                field = awaitable_fields[0]
                results[field] = await results[field]
            else:
                awaited = await gather_with_cancel(*(results[field] for field in awaitable_fields))
                results.update(zip(awaitable_fields, awaited, strict=True))
            return results

        return get_results()

    def _info(
        self, parent_type: GraphQLObjectType, field: Field, path: Path
    ) -> GraphQLResolveInfo[Any]:
        return self.build_resolve_info(
            field.definition, [d.node for d in field.details], parent_type, path
        )

    def _execute_planned(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field: Field,
        parent_path: Path | None,
    ) -> Any:
        """As graphql-core's execute_field for a planned field."""
        completion = field.completion
        path = Path(parent_path, field.response_name, parent_type.name)
        try:
            if field.attribute is not None:
                result = getattr(source, field.attribute)
            elif field.needs_info:
                result = field.resolve(source, _ContextInfo(self, parent_type, field, path))
            else:
                result = field.resolve(source, None)

            if self.is_awaitable(result):
                return self.complete_awaitable_value(
                    completion.type,
                    field.details,
                    self._info(parent_type, field, path),
                    path,
                    result,
                    None,
                )

            completed = self._complete(parent_type, field, completion, path, result)
            if self.is_awaitable(completed):

                async def await_completed() -> Any:
                    try:
                        return await completed
                    except Exception as raw_error:
                        self.handle_field_error(raw_error, completion.type, field.details, path)
                        return None

                return await_completed()
        except Exception as raw_error:
            self.handle_field_error(raw_error, completion.type, field.details, path)
            return None
        return completed

    def _complete(
        self,
        parent_type: GraphQLObjectType,
        field: Field,
        completion: Completion,
        path: Path,
        result: Any,
    ) -> Any:
        """As graphql-core's complete_value for the planned kinds (same checks, same order)."""
        if isinstance(result, Exception):
            raise result
        if result is None or result is Undefined:
            completed = None
        elif completion.kind == LEAF:
            leaf = completion.leaf
            assert leaf is not None
            completed = leaf.coerce_output_value(result)
            if completed is Undefined or completed is None:
                completed = self.complete_leaf_value(leaf, result)  # raises graphql-core's error
        elif completion.kind == OBJECT:
            completed = self._complete_object(field, completion, path, result)
        else:
            completed = self._complete_list(parent_type, field, completion, path, result)
        if completion.non_null and completed is None:
            msg = f"Cannot return null for non-nullable field {parent_type}.{field.name}."
            raise TypeError(msg)
        return completed

    def _complete_object(
        self, field: Field, completion: Completion, path: Path, result: Any
    ) -> Any:
        object_type = completion.object_type
        assert object_type is not None
        # Strawberry's is_type_of reads the value only (_plain_type), so no info is built for it.
        is_type_of: Any = object_type.is_type_of
        if is_type_of is not None and not is_type_of(result, None):
            msg = f"Expected value of type '{object_type}' but got: {inspect(result)}."
            raise GraphQLError(msg, [d.node for d in field.details])
        grouped_field_set, new_defer_usages, _ = self.collect_subfields(object_type, field.details)
        if not new_defer_usages:
            # What execute_collected_subfields does without @defer, one call fewer per object.
            return self.execute_fields(object_type, result, path, grouped_field_set, None)
        return self.execute_collected_subfields(
            object_type, result, path, grouped_field_set, new_defer_usages, None
        )

    def _complete_list(
        self,
        parent_type: GraphQLObjectType,
        field: Field,
        completion: Completion,
        path: Path,
        result: Any,
    ) -> Any:
        item = completion.item
        assert item is not None
        if not isinstance(result, list | tuple):
            # Async iterables, generators and the like: graphql-core's own path.
            return self.complete_value(
                completion.nullable_type,
                field.details,
                self._info(parent_type, field, path),
                path,
                result,
                None,
            )
        is_awaitable = self.is_awaitable
        if item.kind != LEAF and any(is_awaitable(value) for value in result):
            return self.complete_value(
                completion.nullable_type,
                field.details,
                self._info(parent_type, field, path),
                path,
                result,
                None,
            )
        completed_results: list[Any] = []
        append = completed_results.append
        awaitable_indices: list[int] = []
        try:
            if item.kind == LEAF:
                leaf = item.leaf
                assert leaf is not None
                for index, value in enumerate(result):
                    if type(value) in PLAIN_VALUES:
                        coerced = leaf.coerce_output_value(value)
                        if coerced is not Undefined and coerced is not None:
                            append(coerced)
                            continue
                    # Nulls, errors, awaitables and other values: graphql-core's own path.
                    if self._complete_item_generically(
                        parent_type, field, item, path, index, value, completed_results
                    ):
                        awaitable_indices.append(index)
            else:
                for index, value in enumerate(result):
                    item_path = path.add_key(index, None)
                    try:
                        done = self._complete(parent_type, field, item, item_path, value)
                    except Exception as raw_error:
                        self.handle_field_error(raw_error, item.type, field.details, item_path)
                        append(None)
                        continue
                    if is_awaitable(done):
                        append(self._await_item(done, item, field, item_path))
                        awaitable_indices.append(index)
                    else:
                        append(done)
        except Exception:
            if awaitable_indices:
                self.settle_in_background([completed_results[i] for i in awaitable_indices])
            raise

        if not awaitable_indices:
            return completed_results

        async def get_completed_results() -> list[Any]:
            if len(awaitable_indices) == 1:
                index = awaitable_indices[0]
                completed_results[index] = await completed_results[index]
            else:
                awaited = await gather_with_cancel(
                    *(completed_results[index] for index in awaitable_indices)
                )
                for index, sub_result in zip(awaitable_indices, awaited, strict=True):
                    completed_results[index] = sub_result
            return completed_results

        return get_completed_results()

    async def _await_item(
        self, done: Awaitable[Any], item: Completion, field: Field, item_path: Path
    ) -> Any:
        try:
            return await done
        except Exception as raw_error:
            self.handle_field_error(raw_error, item.type, field.details, item_path)
            return None

    def _complete_item_generically(
        self,
        parent_type: GraphQLObjectType,
        field: Field,
        item: Completion,
        path: Path,
        index: int,
        value: Any,
        completed_results: list[Any],
    ) -> bool:
        item_path = path.add_key(index, None)
        info = self._info(parent_type, field, path)
        if self.is_awaitable(value):
            completed_results.append(
                self.complete_awaitable_list_item_value(
                    value, item.type, field.details, info, item_path, None
                )
            )
            return True
        return self.complete_list_item_value(
            value, completed_results, item.type, field.details, info, item_path, None
        )
