"""Plain calls for the simple resolvers: a field computed from its object (and, at most, the
request's context) is called directly by graphql-core, without Strawberry's per-field machinery.

Strawberry reads the arguments, builds its own `Info` and runs the field extensions for every
field with a resolver, even one like `mustHaveSkills` that only reads an attribute: on a page of
50 roles that is most of the time spent outside the database. A resolver qualifies when it is
synchronous, takes no GraphQL arguments, has no field extensions (permissions are extensions),
no directives, and reads nothing from `info` but `info.context` (graphql-core's own info object
carries the same context). Everything else keeps Strawberry's path.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from typing import Any

import strawberry
from graphql import GraphQLObjectType
from strawberry.types.field import StrawberryField

BACKREF = "strawberry-definition"
STRAWBERRY_RESOLVE = "hireloop-strawberry-resolve"
# Set on each plain call: whether it passes graphql-core's info on (it reads only its context).
PLAIN = "hireloop-plain-call"
# `info.` followed by anything but `context`: the resolver needs Strawberry's Info.
_OTHER_INFO = re.compile(r"\binfo\.(?!context\b)")
_NEEDS_STRAWBERRY_INFO = ("selected_fields", "prefetch.")


def _plain_call(field: StrawberryField) -> Callable[[Any, Any], Any] | None:
    resolver = field.base_resolver
    if resolver is None or resolver.is_async or resolver.arguments:
        return None
    if field.extensions or field.directives or resolver.self_parameter is None:
        return None
    if resolver.root_parameter is not None or resolver.parent_parameter is not None:
        return None
    func: Callable[..., Any] = resolver._unbound_wrapped_func
    info = resolver.info_parameter
    if info is None:
        return _tagged(lambda source, _info: func(source), needs_info=False)
    try:
        body = inspect.getsource(func)
    except (OSError, TypeError):
        return None
    if (
        info.name != "info"
        or _OTHER_INFO.search(body)
        or any(marker in body for marker in _NEEDS_STRAWBERRY_INFO)
    ):
        return None
    return _tagged(lambda source, raw_info: func(source, info=raw_info), needs_info=True)


def _tagged(call: Callable[[Any, Any], Any], *, needs_info: bool) -> Callable[[Any, Any], Any]:
    call.__dict__[PLAIN] = needs_info
    return call


def plain_kind(resolve: object) -> bool | None:
    """For a resolver `install` put in place: whether it reads the info (only its context);
    None for any other resolver (app/graphql/execution.py takes only these aside)."""
    kind = getattr(resolve, "__dict__", {}).get(PLAIN)
    return kind if isinstance(kind, bool) else None


def install(schema: strawberry.Schema) -> list[str]:
    """Give graphql-core the plain call of every qualifying resolver; returns their coordinates
    (tests/test_graphql_fast.py checks the hot ones are among them)."""
    installed: list[str] = []
    for kind in schema._schema.type_map.values():
        if not isinstance(kind, GraphQLObjectType) or kind.name.startswith("__"):
            continue
        if kind.name in ("Query", "Mutation", "Subscription"):
            continue
        for name, graphql_field in kind.fields.items():
            field = (graphql_field.extensions or {}).get(BACKREF)
            if not isinstance(field, StrawberryField):
                continue
            call = _plain_call(field)
            if call is not None:
                # Kept so a comparison (bench, tests) can put Strawberry's path back.
                graphql_field.extensions = {
                    **(graphql_field.extensions or {}),
                    STRAWBERRY_RESOLVE: graphql_field.extensions.get(
                        STRAWBERRY_RESOLVE, graphql_field.resolve
                    ),
                }
                graphql_field.resolve = call
                installed.append(f"{kind.name}.{name}")
    return installed


def uninstall(schema: strawberry.Schema) -> None:
    """Strawberry's own path again (to measure what the plain calls save)."""
    for kind in schema._schema.type_map.values():
        if isinstance(kind, GraphQLObjectType):
            for graphql_field in kind.fields.values():
                original = (graphql_field.extensions or {}).get(STRAWBERRY_RESOLVE)
                if original is not None:
                    graphql_field.resolve = original
