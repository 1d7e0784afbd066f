"""GraphQL object types whose plain fields come from the domain's *Public schema.

`@derived(RolePublic, ...)` above `@strawberry.type` adds to the class every field of the public
schema it does not declare itself (except those `skip` names, each with the reason GraphQL
shows it differently or not at all), with the schema's description; a closed set (a `Literal`)
becomes its GraphQL enum. `values(cls, public)` gives those fields' values for the
constructor, so a field added to the public schema reaches GraphQL without an edit here, and
tests/test_graphql_fields.py fails for a field that is neither shown nor skipped with a reason.

Only plain values are derived (strings, numbers, booleans, dates, enums, lists of these); ids
and nested objects are declared by hand, as GraphQL shows them as global ids and objects.
"""

from __future__ import annotations

import datetime as dt
import inspect
import types
import uuid
from collections.abc import Callable, Mapping
from typing import Any, Literal, TypeVar, Union, get_args, get_origin

import strawberry
from pydantic import BaseModel

from app.graphql import enums

T = TypeVar("T")

SCALARS: tuple[type, ...] = (str, int, float, bool, dt.datetime, dt.date, dt.time)


class NotDerivable(TypeError):
    """A public field whose type GraphQL shows by hand (an id, an object): declare or skip it."""


def _graphql_type(annotation: Any) -> Any:
    """The GraphQL type of a plain public field, or NotDerivable."""
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        inner = [a for a in get_args(annotation) if a is not type(None)]
        if len(inner) != 1:
            raise NotDerivable(annotation)
        return _graphql_type(inner[0]) | None
    if origin is Literal:
        found = enums.BY_VALUES.get(frozenset(get_args(annotation)))
        if found is None:
            raise NotDerivable(annotation)
        return found
    if origin is list:
        (item,) = get_args(annotation)
        return list[_graphql_type(item)]  # type: ignore[misc]
    if hasattr(annotation, "__metadata__"):  # Annotated[str, constraints]
        return _graphql_type(get_args(annotation)[0])
    if isinstance(annotation, type) and issubclass(annotation, SCALARS):
        return annotation
    if annotation is uuid.UUID:
        raise NotDerivable(annotation)
    raise NotDerivable(annotation)


def derived(model: type[BaseModel], skip: Mapping[str, str]) -> Callable[[type[T]], type[T]]:
    """Add the public schema's plain fields the class does not declare (see the module doc)."""

    def apply(cls: type[T]) -> type[T]:
        annotations = inspect.get_annotations(cls)
        own = set(annotations)
        names: list[str] = []
        for name, info in model.model_fields.items():
            # Declared by hand: a field or a resolver of the same name.
            if name in own or name in cls.__dict__ or name in skip or name == "id":
                continue
            try:
                graphql_type = _graphql_type(info.annotation)
            except NotDerivable as exc:
                raise NotDerivable(
                    f"{model.__name__}.{name} ({info.annotation}) is not a plain value: declare "
                    f"it on {cls.__name__} or skip it with a reason"
                ) from exc
            annotations[name] = graphql_type
            setattr(cls, name, strawberry.field(description=info.description))
            names.append(name)
        cls.__annotations__ = annotations
        cls.__derived__ = tuple(names)  # type: ignore[attr-defined]
        cls.__skipped__ = dict(skip)  # type: ignore[attr-defined]
        cls.__derived_from__ = model  # type: ignore[attr-defined]
        return cls

    return apply


def values(cls: type[Any], public: BaseModel) -> dict[str, Any]:
    """The derived fields' values, read off the public object (Literal values serialize as
    their enum member of the same value)."""
    return {name: getattr(public, name) for name in cls.__derived__}
