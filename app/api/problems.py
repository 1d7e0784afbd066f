"""RFC 9457 problem details for every 4xx and 5xx the REST API answers."""

from __future__ import annotations

import logging
from collections.abc import Mapping, MutableMapping
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import DBAPIError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.routing import Match

from app.errors import DomainError

log = logging.getLogger("hireloop.errors")

PROBLEM_JSON = "application/problem+json"


class ProblemFieldError(BaseModel):
    """One field of the request and what is wrong with it."""

    field: str = Field(description="The field, dotted for a nested one (`compensation.min`)")
    message: str


class Problem(BaseModel):
    """An RFC 9457 problem: what went wrong, for people (`title`, `detail`) and for code
    (`status`, `code`, `errors`)."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "type": "https://hireloop.dev/problems/invalid-input",
                "title": "Invalid input",
                "status": 422,
                "detail": "Invalid input: title",
                "instance": "/api/v1/roles",
                "code": "invalid_input",
                "request_id": "7f0c2a9e4b1d4e3f",
                "errors": [{"field": "title", "message": "is required"}],
            }
        }
    )

    type: str = Field(description="A URI naming the kind of problem")
    title: str
    status: int
    detail: str
    instance: str | None = None
    code: str
    request_id: str | None = None
    errors: list[ProblemFieldError] | None = None


def problem_schema(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


COMMON_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: problem_schema("Missing, unknown, revoked or expired credentials"),
    403: problem_schema("Your permission set does not allow this"),
    404: problem_schema("Not found, or not in your organization"),
    413: problem_schema("The body is larger than allowed"),
    422: problem_schema("Invalid input; `errors` names the fields"),
    429: problem_schema("Over a rate limit; `Retry-After` says in how many seconds to retry"),
}
WRITE_RESPONSES: dict[int | str, dict[str, Any]] = {
    **COMMON_RESPONSES,
    409: problem_schema("Conflicts with the current state, or an Idempotency-Key in flight"),
}
PATCH_RESPONSES: dict[int | str, dict[str, Any]] = {
    **WRITE_RESPONSES,
    412: problem_schema("If-Match names a version that is no longer current"),
}


def problem_response(
    request_scope: MutableMapping[str, Any],
    *,
    status: int,
    title: str,
    detail: str,
    code: str,
    errors: list[dict[str, str]] | None = None,
    extra: dict[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {
        "type": f"https://hireloop.dev/problems/{code.replace('_', '-')}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request_scope.get("path"),
        "code": code,
        "request_id": request_scope.get("state", {}).get("request_id"),
    }
    if errors:
        body["errors"] = errors
    if extra:
        body.update({k: v for k, v in extra.items() if k not in body})
    return Response(
        orjson.dumps(body), status_code=status, media_type=PROBLEM_JSON, headers=headers
    )


def _field_name(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:] or parts
    return ".".join(parts)


def _validation_message(error: dict[str, Any]) -> str:
    if error.get("type") == "json_invalid":
        return "the body is not valid JSON"
    if error.get("type") == "extra_forbidden":
        return "is not a known field"
    if error.get("type") == "missing":
        return "is required"
    message = str(error.get("msg", "is invalid"))
    return message.removeprefix("Value error, ")


async def _on_domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    errors = [{"field": e.field, "message": e.message} for e in exc.errors] or None
    return problem_response(
        request.scope,
        status=exc.status,
        title=exc.title,
        detail=exc.detail,
        code=exc.code,
        errors=errors,
        extra=exc.extra,
        headers={"WWW-Authenticate": "Bearer"} if exc.status == 401 else None,
    )


async def _on_validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {
            "field": "body"
            if e.get("type") == "json_invalid"
            else _field_name(tuple(e.get("loc", ()))),
            "message": _validation_message(e),
        }
        for e in exc.errors()
    ]
    named = ", ".join(sorted({e["field"] for e in errors}))
    return problem_response(
        request.scope,
        status=422,
        title="Invalid input",
        detail=f"Invalid input: {named}",
        code="invalid_input",
        errors=errors,
    )


# The methods a resource may allow; `Allow` lists those some route of the app takes at a path.
_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


def _allowed_methods(request: Request) -> str | None:
    """Every method some route of the app takes at this path (RFC 9110 `Allow`), or None.

    Starlette answers 405 from the first route whose path matched, and its `Allow` names only
    that route's methods; a path served by several routes (GET and POST on a list; GET, PATCH
    and DELETE on an item) allows the methods of them all. So each method is tried against the
    app's routes as routing would (included routers match their own routes)."""
    allowed = []
    for method in _METHODS:
        probe: dict[str, Any] = {
            "type": "http",
            "method": method,
            "path": request.scope["path"],
            "root_path": request.scope.get("root_path", ""),
        }
        if any(route.matches(probe)[0] is Match.FULL for route in request.app.router.routes):
            allowed.append(method)
    return ", ".join(allowed) or None


async def _on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 405:
        allowed = _allowed_methods(request)
        return problem_response(
            request.scope,
            status=405,
            title="Method not allowed",
            detail=f"{request.method} is not allowed here; allowed: {allowed or 'none'}",
            code="method_not_allowed",
            headers={**(exc.headers or {}), **({"Allow": allowed} if allowed else {})},
        )
    if exc.status_code == 400 and request.method in ("POST", "PUT", "PATCH"):
        # FastAPI's answer to a body it cannot decode (not UTF-8, broken multipart): name the body.
        return problem_response(
            request.scope,
            status=422,
            title="Invalid input",
            detail="Invalid input: body",
            code="invalid_input",
            errors=[{"field": "body", "message": "the body could not be decoded"}],
        )
    titles = {
        404: "Not found",
        413: "Payload too large",
        415: "Unsupported media type",
    }
    return problem_response(
        request.scope,
        status=exc.status_code,
        title=titles.get(exc.status_code, "Error"),
        detail=str(exc.detail),
        code={404: "not_found"}.get(exc.status_code, "http_error"),
        headers=exc.headers,
    )


async def _on_integrity_error(request: Request, exc: Exception) -> Response:
    log.info("integrity error turned into 409: %s", exc)
    return problem_response(
        request.scope,
        status=409,
        title="Conflict",
        detail="The change conflicts with a concurrent change or an existing record; read and retry",
        code="conflict",
    )


async def _on_database_error(request: Request, exc: Exception) -> Response:
    log.exception("database error", exc_info=exc)
    return problem_response(
        request.scope,
        status=503,
        title="Service unavailable",
        detail="The database could not complete the request; retry shortly",
        code="unavailable",
        headers={"Retry-After": "1"},
    )


async def _on_unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error", exc_info=exc)
    return problem_response(
        request.scope,
        status=500,
        title="Internal server error",
        detail="Something went wrong on our side; the request id helps us find it",
        code="internal",
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _on_domain_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(IntegrityError, _on_integrity_error)
    app.add_exception_handler(DBAPIError, _on_database_error)
    app.add_exception_handler(Exception, _on_unexpected)
