"""Domain errors. The transports map them to HTTP problems and GraphQL error results.

Nothing here imports a web framework: services raise these, and the REST layer
(app/api/problems.py) and the GraphQL layer (app/graphql/errors.py) each translate them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


@dataclass
class DomainError(Exception):
    detail: str
    code: str = "error"
    status: int = 400
    title: str = "Bad request"
    errors: Sequence[FieldError] = field(default_factory=tuple)
    extra: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.detail


class NotFound(DomainError):
    """`resource` is the glossary's name for what was asked for ("role", "ATS connection"),
    or a whole phrase that starts with a capital ("An agreed intake for role …")."""

    def __init__(self, resource: str, resource_id: object | None = None) -> None:
        if resource[:1].isupper():
            what = resource
        elif resource_id is None:
            what = f"The {resource}"
        else:
            what = resource[:1].upper() + resource[1:]
        if resource_id is not None:
            what = f"{what} {resource_id}"
        super().__init__(
            detail=f"{what} was not found", code="not_found", status=404, title="Not found"
        )


def not_found(detail: str) -> DomainError:
    """A 404 whose whole sentence is given (NotFound names a resource instead)."""
    return DomainError(detail=detail, code="not_found", status=404, title="Not found")


class Unauthenticated(DomainError):
    def __init__(self, detail: str = "Valid credentials are required") -> None:
        super().__init__(detail=detail, code="unauthenticated", status=401, title="Unauthenticated")


class PermissionDenied(DomainError):
    def __init__(self, detail: str = "Your permission set does not allow this") -> None:
        super().__init__(detail=detail, code="forbidden", status=403, title="Forbidden")


class Conflict(DomainError):
    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail=detail, code="conflict", status=409, title="Conflict", extra=extra)


class InvalidInput(DomainError):
    def __init__(self, detail: str, errors: Sequence[FieldError] = ()) -> None:
        super().__init__(
            detail=detail,
            code="invalid_input",
            status=422,
            title="Invalid input",
            errors=tuple(errors),
        )

    @classmethod
    def for_field(cls, name: str, message: str) -> InvalidInput:
        return cls(f"{name}: {message}", [FieldError(name, message)])


class PreconditionFailed(DomainError):
    def __init__(self, detail: str = "The resource has changed since you read it") -> None:
        super().__init__(
            detail=detail, code="precondition_failed", status=412, title="Precondition failed"
        )


class IntegrationError(DomainError):
    """A call to another system failed; `transient` says whether retrying may help."""

    def __init__(self, detail: str, *, transient: bool) -> None:
        super().__init__(
            detail=detail, code="integration_error", status=502, title="Integration error"
        )
        self.transient = transient
