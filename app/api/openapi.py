"""The OpenAPI document as SDK generators read it: operation ids, component names, tags, error
answers, rate-limit headers and an example for every schema and operation.

Operation ids come from the endpoint function's name (`list_roles` is `listRoles`, `read_role`
is `getRole`), so a router added later needs nothing but a well-named function; the tests
check that every id is camelCase and unique.
"""

from __future__ import annotations

import copy
import re
import uuid
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

from app.api import problems

# A verb the code uses whose REST-client spelling differs.
_VERBS = {"read": "get"}

TAGS: list[dict[str, str]] = [
    {"name": "roles", "description": "Job roles: what is hired for, by whom, and their status."},
    {"name": "intake", "description": "A role's intake: revisions, their diff and sign-off."},
    {"name": "candidates", "description": "People considered for roles, and their documents."},
    {
        "name": "applications",
        "description": "A candidate on a role: the pipeline stage and its history.",
    },
    {
        "name": "calibration",
        "description": "Slates of candidates sent to the hiring manager, decisions, insights.",
    },
    {
        "name": "availability",
        "description": "Interviewers' overrides and busy blocks, candidates' windows and links.",
    },
    {"name": "interviews", "description": "Scheduling, rescheduling and the panel's packet."},
    {
        "name": "feedback and offers",
        "description": "Scorecards, hiring decisions, rejection reasons, offers and outcome "
        "messages.",
    },
    {"name": "members", "description": "People of the organization, preferences and digests."},
    {"name": "organization", "description": "The caller's organization and its settings."},
    {"name": "api keys", "description": "Keys for integrations: issued once, rotated, revoked."},
    {
        "name": "candidate availability link",
        "description": "What a candidate opens from an emailed link; the token is the credential.",
    },
    {
        "name": "follow-ups",
        "description": "Questions sent to candidates (to settle a waitlist) and their answers.",
    },
    {
        "name": "candidate follow-up link",
        "description": "A candidate answers a follow-up from an emailed link; the token is the "
        "credential.",
    },
    {"name": "events", "description": "The organization's event feed, oldest first."},
    {"name": "integrations", "description": "ATS connections, their inbound events and syncs."},
    {"name": "calendars", "description": "Calendar connections and the member calendars read."},
    {
        "name": "webhook endpoints",
        "description": "Where events are delivered, their deliveries and attempts.",
    },
    {"name": "notifications", "description": "What the service told the caller."},
    {"name": "privacy", "description": "Erasure and export of a candidate's personal data."},
    {"name": "audit", "description": "Who did what: the organization's audit trail."},
    {"name": "follow-ups", "description": "Questions sent to a candidate, and their answers."},
    {
        "name": "candidate follow-up link",
        "description": "What a candidate opens to answer a follow-up; the token is the credential.",
    },
    {"name": "booking links", "description": "Links a candidate books an interview slot with."},
    {
        "name": "candidate booking link",
        "description": "What a candidate opens to book a slot; the token is the credential.",
    },
    {
        "name": "interviewer pools",
        "description": "Interchangeable interviewers an interview draws from, in turn.",
    },
    {"name": "health", "description": "Liveness, readiness and Prometheus metrics."},
]

RATE_LIMIT_HEADERS: dict[str, dict[str, Any]] = {
    "RateLimit-Limit": {
        "description": "Requests allowed in the current window",
        "schema": {"type": "integer", "example": 600},
    },
    "RateLimit-Remaining": {
        "description": "Requests left in the current window",
        "schema": {"type": "integer", "example": 599},
    },
    "RateLimit-Reset": {
        "description": "Seconds until the window resets",
        "schema": {"type": "integer", "example": 42},
    },
}
RETRY_AFTER = {
    "description": "Seconds to wait before retrying",
    "schema": {"type": "integer", "example": 30},
}
UNKNOWN_QUERY = problems.problem_schema(
    "A query parameter this operation does not take; `errors` names it"
)


def operation_id(route: APIRoute) -> str:
    """`list_roles` -> `listRoles`; `read_role` -> `getRole`."""
    head, *rest = route.name.split("_")
    head = _VERBS.get(head, head)
    return head + "".join(word[:1].upper() + word[1:] for word in rest)


def install(app: FastAPI) -> None:
    """Replace `app.openapi` with one that finishes FastAPI's document once and keeps it."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if not app.openapi_schema:
            app.openapi_schema = finish(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def finish(schema: dict[str, Any]) -> dict[str, Any]:
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    problem = problems.Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(problem.pop("$defs", {}))
    schemas["Problem"] = problem
    components.setdefault("securitySchemes", {})["bearer"] = {
        "type": "http",
        "scheme": "bearer",
        "description": "An API key (hl_...) or an OIDC token",
    }
    schema["security"] = [{"bearer": []}]
    _rename_components(schema)
    for path, item in schema.get("paths", {}).items():
        for operation in item.values():
            _finish_operation(path, operation)
    for name, component in schemas.items():
        if "description" not in component and (made := _describe(name)) is not None:
            component["description"] = made
        if "example" not in component and "examples" not in component:
            example = example_of(component, schemas)
            if example is not _NONE:
                component["example"] = example
    for item in schema.get("paths", {}).values():
        for operation in item.values():
            _operation_examples(operation, schemas)
    return schema


def _rename_components(schema: dict[str, Any]) -> None:
    """Names that leak Python: a multipart body's `Body_<operationId>` becomes
    `<OperationId>Form`; `PagePublic[RolePublic]` becomes `RolePage`; a name FastAPI qualified with its module (two areas use the same
    class name) becomes `<Area><Name>`."""
    schemas: dict[str, Any] = schema["components"]["schemas"]
    renames: dict[str, str] = {}
    for name in list(schemas):
        new = name
        if name.startswith("Body_"):
            op = name.removeprefix("Body_")
            new = op[:1].upper() + op[1:] + "Form"
        elif match := re.fullmatch(r"PagePublic_(\w+?)(?:Public)?_", name):
            new = match[1] + "Page"
        elif match := re.fullmatch(r"app__domain__(\w+?)__\w+?__(\w+)", name):
            new = match[1].title().replace("_", "") + match[2]
        if new != name:
            renames[name] = new
    if not renames:
        return
    for old, new in renames.items():
        schemas[new] = schemas.pop(old)
        schemas[new]["title"] = new
    refs = {f"#/components/schemas/{o}": f"#/components/schemas/{n}" for o, n in renames.items()}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref in refs:
                node["$ref"] = refs[ref]
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)


def _describe(name: str) -> str | None:
    """The description of a schema made by the framework rather than declared with a docstring
    (a page of a generic list, a multipart body); None for every other schema, whose docstring
    is its description (tests/test_openapi_contract.py fails on a schema without one)."""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).lower()
    if name.endswith("Page"):
        return f"One page of a list ({words.removesuffix(' page')}): `items` and `next_cursor`."
    if name.endswith("Form"):
        operation = name.removesuffix("Form")
        return f"The multipart form `{operation[:1].lower()}{operation[1:]}` takes: a file and its fields."
    return None


def _finish_operation(path: str, operation: dict[str, Any]) -> None:
    summary = operation.get("summary", "")
    if not operation.get("description"):
        operation["description"] = summary + "." if summary else operation["operationId"]
    for parameter in operation.get("parameters", []):
        # FastAPI copies a Query's description into its schema too: said once, on the parameter.
        inner = parameter.get("schema", {})
        if "description" in inner and inner["description"] == parameter.get("description"):
            del inner["description"]
    responses = operation.setdefault("responses", {})
    if path.startswith("/api/"):
        responses.setdefault("400", copy.deepcopy(UNKNOWN_QUERY))
        for code, answer in problems.COMMON_RESPONSES.items():
            if code in (422, 429):
                responses.setdefault(str(code), copy.deepcopy(answer))
        for code, response in responses.items():
            if code.startswith("2") or code == "429":
                response.setdefault("headers", {}).update(copy.deepcopy(RATE_LIMIT_HEADERS))
            if code == "429":
                response["headers"]["Retry-After"] = copy.deepcopy(RETRY_AFTER)


def _operation_examples(operation: dict[str, Any], schemas: dict[str, Any]) -> None:
    """An example on the request body and on each answer, from their schemas."""
    bodies = [operation.get("requestBody", {}), *operation.get("responses", {}).values()]
    for body in bodies:
        for media in body.get("content", {}).values():
            target = media.get("schema")
            if target is None or "example" in media:
                continue
            example = example_of(target, schemas)
            if example is not _NONE:
                media["example"] = example


_NONE = object()
_EXAMPLE_UUID = str(uuid.UUID("3f2b8c1e-7d4a-4e9b-9a61-0c5d2e8f4b17"))
_FORMATS: dict[str, Any] = {
    "uuid": _EXAMPLE_UUID,
    "date-time": "2026-03-02T09:30:00Z",
    "date": "2026-03-02",
    "time": "09:30:00",
    "email": "ada@example.com",
    "uri": "https://example.com/hooks/hireloop",
    "binary": "",
    "duration": "P1D",
    "ipvanyaddress": "192.0.2.10",
}
# Examples for a property by its name, used when they fit its schema.
_BY_NAME: dict[str, Any] = {
    "email": "ada@example.com",
    "name": "Ada Lovelace",
    "title": "Senior Backend Engineer",
    "team": "Platform",
    "location": "Berlin",
    "currency": "EUR",
    "timezone": "Europe/Berlin",
    "note": "Strong systems design; wants to meet the team first",
    "reason": "Chose another offer",
    "url": "https://example.com/hooks/hireloop",
    "detail": "Invalid input: title",
    "message": "is required",
    "field": "title",
    "code": "invalid_input",
    "phone": "+49 30 1234567",
}
_STRINGS = ("Example", "EUR", "en", "example", "hl_", "a", "09:30", "Europe/Berlin", "x" * 40)


def example_of(node: dict[str, Any], schemas: dict[str, Any], depth: int = 0) -> Any:
    """A value valid against `node`: its own example, else one built from its parts.

    `_NONE` when nothing fits (a pattern none of the sample strings match); the test of the
    examples names the schema, and it gets an example of its own.
    """
    if depth > 8:
        return _NONE
    if "example" in node:
        return node["example"]
    if node.get("examples"):
        return node["examples"][0]
    if "$ref" in node:
        target = schemas.get(node["$ref"].rsplit("/", 1)[-1], {})
        return example_of(target, schemas, depth + 1)
    if "const" in node:
        return node["const"]
    if node.get("enum"):
        return node["enum"][0]
    if "default" in node and node["default"] is not None:
        return node["default"]
    for key in ("anyOf", "oneOf", "allOf"):
        if key in node:
            options = [o for o in node[key] if o.get("type") != "null"] or node[key]
            for option in options:
                value = example_of(option, schemas, depth + 1)
                if value is not _NONE:
                    return value
            return _NONE
    kind = node.get("type")
    if kind == "object" or "properties" in node:
        result: dict[str, Any] = {}
        for name, prop in node.get("properties", {}).items():
            value = _named_example(name, prop, schemas)
            if value is _NONE:
                value = example_of(prop, schemas, depth + 1)
            if value is _NONE:
                if name in node.get("required", ()):
                    return _NONE
                continue
            result[name] = value
        return result
    if kind == "array":
        item = example_of(node.get("items", {}), schemas, depth + 1)
        if item is _NONE:
            return [] if not node.get("minItems") else _NONE
        return [item] * max(1, node.get("minItems", 1))
    if kind == "string":
        return _string_example(node)
    if kind == "integer":
        return max(int(node.get("minimum", 1)), int(node.get("exclusiveMinimum", 0)) + 1)
    if kind == "number":
        return float(node.get("minimum", 1.5))
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    return _NONE


def _named_example(name: str, node: dict[str, Any], schemas: dict[str, Any]) -> Any:
    """`_BY_NAME[name]` when the property is a plain string (or null) that it fits."""
    if name not in _BY_NAME or "example" in node or node.get("examples"):
        return _NONE
    options = node.get("anyOf", [node])
    plain = [o for o in options if o.get("type") == "string" and not {"format", "enum"} & set(o)]
    for option in plain:
        if _string_example(option, (_BY_NAME[name],)) == _BY_NAME[name]:
            return _BY_NAME[name]
    return _NONE


def _string_example(node: dict[str, Any], candidates: tuple[str, ...] = _STRINGS) -> Any:
    fmt = node.get("format")
    if fmt in _FORMATS:
        return _FORMATS[fmt]
    pattern = node.get("pattern")
    low, high = node.get("minLength", 0), node.get("maxLength", 10_000)
    for text in candidates:
        if low <= len(text) <= high and (pattern is None or re.search(pattern, text)):
            return text
    if pattern is None and low <= high and candidates is _STRINGS:
        return "x" * max(low, 1)
    return _NONE
