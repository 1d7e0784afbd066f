"""Typed error results for mutations, and error codes on query errors, matching REST's codes."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar, cast

import strawberry
from graphql import GraphQLError
from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import IntegrityError
from strawberry.extensions import SchemaExtension
from strawberry.scalars import JSON

from app.errors import DomainError, FieldError, InvalidInput

log = logging.getLogger("hireloop.graphql")

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)


@strawberry.type(description="One input field that was refused, and why")
class FieldErrorType:
    field: str = strawberry.field(
        description="The field's path in the input as REST names it (`stages.0.pool_id`)"
    )
    message: str = strawberry.field(description="What is wrong with it, in a sentence")


@strawberry.type(
    description="Why a mutation did not happen; `code` and `status` match the REST problem"
)
class MutationError:
    code: str = strawberry.field(
        description="A stable, machine-readable code (`invalid_input`, `not_found`, `conflict`, "
        "`precondition_failed`, ...), the same as the REST problem's"
    )
    status: int = strawberry.field(description="The HTTP status REST answers with for this error")
    message: str = strawberry.field(description="What went wrong, in a sentence for people")
    fields: list[FieldErrorType] = strawberry.field(
        description="The input fields that were refused; empty when the error is not about one"
    )
    details: JSON | None = strawberry.field(
        default=None,
        description="What REST adds to the problem, e.g. `allowed` moves for a conflict",
    )

    @classmethod
    def from_domain(cls, exc: DomainError) -> MutationError:
        return cls(
            code=exc.code,
            status=exc.status,
            message=exc.detail,
            fields=[FieldErrorType(field=camel(e.field), message=e.message) for e in exc.errors],
            details=cast(JSON, dict(exc.extra)) if exc.extra else None,
        )


def validate(model: type[M], data: dict[str, Any]) -> M:
    """Run the same input schema as REST, turning pydantic's errors into named field errors."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = [
            FieldError(
                ".".join(camel(str(p)) for p in e["loc"]) or "input",
                str(e["msg"]).removeprefix("Value error, "),
            )
            for e in exc.errors()
        ]
        raise InvalidInput(
            "Invalid input: " + ", ".join(sorted({e.field for e in errors})), errors
        ) from exc


async def run_mutation(work: Callable[[], Awaitable[T]]) -> T | MutationError:
    """Strawberry catches resolver exceptions, so each mutation maps domain errors itself."""
    try:
        return await work()
    except DomainError as exc:
        return MutationError.from_domain(exc)
    except IntegrityError:
        log.info("integrity error in a mutation turned into a conflict", exc_info=True)
        return MutationError(
            code="conflict",
            status=409,
            message="The change conflicts with a concurrent change or an existing record; read and retry",
            fields=[],
        )


# graphql-core's "Did you mean 'x', 'y', or 'z'?" in unknown field, argument, type, enum value
# and input field messages.
SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")


class DomainErrorCodes(SchemaExtension):
    """Give query errors the REST code and status, and hide internals of unexpected ones.

    With `suggestions` off, the "Did you mean ...?" graphql-core adds to messages is cut.
    """

    def __init__(self, *, suggestions: bool = True) -> None:
        self.suggestions = suggestions

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is None or not result.errors:
            return
        processed: list[GraphQLError] = []
        for error in result.errors:
            original = error.original_error
            if isinstance(original, DomainError):
                error.extensions = {"code": original.code, "status": original.status}
                error.message = original.detail
            elif original is None or isinstance(original, GraphQLError):
                # Parse and validation errors, the depth, token and alias limits among them, and
                # variables graphql-core could not coerce (an unknown field in a nested input):
                # the client's request, said in GraphQL's own words.
                # The outer message names where the value was ("Variable '$input' got invalid
                # value 'x' at 'input.workplace'; ..."); keep it when it says more.
                if isinstance(original, GraphQLError) and original.message not in error.message:
                    error.message = original.message
                if not self.suggestions:
                    error.message = SUGGESTION.sub("", error.message)
                error.extensions = {
                    "code": "invalid_query",
                    "status": 400,
                    **(error.extensions or {}),
                }
            else:
                log.error("unhandled error in GraphQL resolver", exc_info=original)
                error = GraphQLError(
                    "Internal error",
                    nodes=error.nodes,
                    path=error.path,
                    extensions={"code": "internal", "status": 500},
                )
            processed.append(error)
        result.errors = processed
