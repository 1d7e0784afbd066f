"""The one shape of every mutation: global ids to domain ids, the domain's input schema, one
transaction around the one service call, then the payload (or a typed error).

A resolver only says which fields are ids of what, which schema validates the rest, which
service function to call and how to shape its answer; everything else is here, so the two
transports cannot drift in how they read input.
"""

from __future__ import annotations

import dataclasses
import enum
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import strawberry
from pydantic import BaseModel, ConfigDict
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.actor import Actor
from app.graphql.context import Context
from app.graphql.errors import MutationError, camel, run_mutation, validate
from app.graphql.ids import parse_id

M = TypeVar("M", bound=BaseModel)
R = TypeVar("R")
P = TypeVar("P")

Info = strawberry.Info[Context, None]


class NoBody(BaseModel):
    """The schema of a mutation whose input is only ids and arguments (no request body)."""

    model_config = ConfigDict(extra="forbid")


@dataclass(frozen=True)
class Parsed(Generic[M]):
    """What the service call gets: the body validated by the domain's schema, the input's other
    fields (ids turned into domain ids, like REST's path parameters) and the version it read."""

    body: M
    args: dict[str, Any] = field(default_factory=dict)
    version: int | None = None

    def id(self, name: str = "id") -> uuid.UUID:
        value = self.args[name]
        assert isinstance(value, uuid.UUID)
        return value


def plain(value: Any) -> Any:
    """An input as REST's JSON would carry it: nested inputs as dicts without the fields the
    caller left out, enums as their values."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, list):
        return [plain(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            k: plain(v)
            for k, v in vars(value).items()
            # Nested inputs (links, compensation, reasons) leave out what was not given; the
            # schema's defaults apply as they do in REST.
            if v is not strawberry.UNSET and v is not None
        }
    return value


def given(input: Any) -> dict[str, Any]:
    """The input's fields that the caller actually sent (UNSET ones are left out; an explicit
    null stays, which is how PATCH clears a field)."""
    return {k: plain(v) for k, v in vars(input).items() if v is not strawberry.UNSET}


def _parse_ids(data: Any, path: list[str], kind: str) -> Any:
    """Replace the id(s) at `path` (a list on the way is walked item by item)."""
    if isinstance(data, list):
        return [_parse_ids(item, path, kind) for item in data]
    if not isinstance(data, dict) or data.get(path[0]) is None:
        return data
    head, *rest = path
    value = data[head]
    if rest:
        data[head] = _parse_ids(value, rest, kind)
    elif isinstance(value, list):
        data[head] = [parse_id(v, kind, camel(head)) for v in value]
    else:
        data[head] = parse_id(value, kind, camel(head))
    return data


def to_domain_ids(data: dict[str, Any], ids: Mapping[str, str]) -> dict[str, Any]:
    """Turn the global ids named by `ids` (field, or dotted path into nested inputs, to the type
    the id must be of) into domain ids; a wrong id is an invalid_input naming the field."""
    for dotted, kind in ids.items():
        _parse_ids(data, dotted.split("."), kind)
    return data


def parse_input(data: dict[str, Any], schema: type[M], ids: Mapping[str, str]) -> Parsed[M]:
    data = to_domain_ids(dict(data), ids)
    version = data.pop("expected_version", None)
    fields = schema.model_fields
    body = {k: v for k, v in data.items() if k in fields}
    args = {k: v for k, v in data.items() if k not in fields}
    return Parsed(body=validate(schema, body), args=args, version=version)


async def mutate(
    info: Info,
    data: dict[str, Any],
    *,
    call: Callable[[AsyncSession, Actor, Parsed[M]], Awaitable[R]],
    shape: Callable[[R], P],
    schema: type[M] = NoBody,  # type: ignore[assignment]
    ids: Mapping[str, str] | None = None,
) -> P | MutationError:
    """Run one mutation: parse and validate, call the service in its own transaction (which
    commits when the call returns), shape the answer; a domain error becomes a MutationError."""
    ctx = info.context

    async def work() -> P:
        parsed = parse_input(data, schema, ids or {})
        async with ctx.db.transaction() as session:
            result = await call(session, ctx.actor, parsed)
        return shape(result)

    return await run_mutation(work)
