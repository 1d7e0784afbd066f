"""The OpenAPI document as an SDK generator reads it, and the contract rules it promises:
readable unique operation ids, clean component names, described tags, operations and schemas,
examples valid against their schemas, documented errors and rate-limit headers, one page
envelope for every list, and unknown query parameters refused."""

from __future__ import annotations

import re
from typing import Any

import httpx
import jsonschema_rs
import pytest

from app.main import create_app
from tests.conftest import Tenant, make_settings
from tests.test_http_platform import assert_problem, error_fields

API = "/api/v1"
METHODS = {"get", "post", "put", "patch", "delete"}
CAMEL = re.compile(r"^[a-z][a-z0-9]*(?:[A-Z][a-z0-9]*)*$")
COMPONENT = re.compile(r"^[A-Z][A-Za-z0-9]*$")


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    # The document needs no database: an app that never starts serves it.
    return create_app(make_settings()).openapi()


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def json_schema_of(response: dict[str, Any]) -> dict[str, Any] | None:
    content = response.get("content", {})
    media = content.get("application/json")
    return None if media is None else media.get("schema")


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def test_operation_ids_are_readable_unique_camel_case(document: dict[str, Any]) -> None:
    ids = [str(op.get("operationId") or "") for _, _, op in operations(document)]
    assert all(ids), "every operation has an operationId"
    bad = [i for i in ids if not CAMEL.match(str(i))]
    assert not bad, f"not camelCase: {bad}"
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    assert not duplicates, f"operationIds used twice: {duplicates}"
    # Long generated ids (FastAPI's default is name + path + method) are what this replaced.
    assert max(len(str(i)) for i in ids) <= 40, sorted(ids, key=len)[-3:]
    by_route = {(m, p): op["operationId"] for m, p, op in operations(document)}
    assert by_route[("get", f"{API}/roles")] == "listRoles"
    assert by_route[("get", f"{API}/roles/{{role_id}}")] == "getRole"
    assert by_route[("post", f"{API}/roles")] == "createRole"
    assert by_route[("patch", f"{API}/roles/{{role_id}}")] == "updateRole"
    assert by_route[("post", f"{API}/api-keys/{{key_id}}/revoke")] == "revokeApiKey"
    assert by_route[("get", f"{API}/candidates")] == "listCandidates"
    assert by_route[("get", "/healthz")] == "getHealth"


def test_component_names_leak_no_python(document: dict[str, Any]) -> None:
    names = list(document["components"]["schemas"])
    bad = [n for n in names if not COMPONENT.match(n)]
    assert not bad, f"component names that are not plain PascalCase: {bad}"
    assert "RolePage" in names
    assert "ApiKeyPage" in names
    assert "UploadDocumentForm" in names


def test_tags_and_operations_are_described(document: dict[str, Any]) -> None:
    described = {t["name"]: t.get("description") for t in document.get("tags", [])}
    for method, path, op in operations(document):
        where = f"{method.upper()} {path}"
        assert op.get("tags"), f"{where} has no tag"
        for tag in op["tags"]:
            assert described.get(tag), f"{where}: tag {tag!r} has no description in TAGS"
        assert op.get("summary"), f"{where} has no summary"
        assert op.get("description"), f"{where} has no description"


# What an operation's description must add to its summary: at least one full sentence (a
# capital or a backtick, six words or more, a full stop). The description is the handler's
# docstring: what the operation is for, who may call it, what it records, its notable errors.
SENTENCE = re.compile(r"[A-Z`][^.!?]*[.!?]$")
# 2 to 5 lines of docstring; longer belongs in docs/api.md.
MAX_DESCRIPTION = 600


def beyond_summary(op: dict[str, Any]) -> str:
    """The description less a leading copy of the summary, whitespace collapsed."""
    description = " ".join(str(op.get("description", "")).split())
    summary = " ".join(str(op.get("summary", "")).split()).rstrip(".")
    if summary and description.lower().startswith(summary.lower()):
        description = description[len(summary) :].lstrip(". ")
    return description


def full_sentences(text: str) -> list[str]:
    return [
        s for s in re.split(r"(?<=[.!?])\s+", text) if SENTENCE.match(s) and len(s.split()) >= 6
    ]


def test_beyond_summary_sees_through_a_repeated_summary() -> None:
    op = {"summary": "Read a role", "description": "Read a role."}
    assert full_sentences(beyond_summary(op)) == []
    op["description"] = "Read a role. Another organization's id is a 404 problem."
    assert full_sentences(beyond_summary(op)) == ["Another organization's id is a 404 problem."]
    assert full_sentences("admins only") == []


def test_every_operation_says_more_than_its_summary(document: dict[str, Any]) -> None:
    """Every operation of every tag: a summary alone tells an SDK user nothing they did not
    guess from the method name."""
    bare, long = [], []
    for method, path, op in operations(document):
        where = f"{method.upper()} {path}"
        if not full_sentences(beyond_summary(op)):
            bare.append(where)
        if len(" ".join(str(op.get("description", "")).split())) > MAX_DESCRIPTION:
            long.append(where)
    assert not bare, f"give these handlers a docstring of full sentences: {bare}"
    assert not long, f"descriptions over {MAX_DESCRIPTION} characters: {long}"


def test_every_schema_is_described_and_has_an_example(document: dict[str, Any]) -> None:
    missing = [
        name
        for name, schema in document["components"]["schemas"].items()
        if not schema.get("description") or "example" not in schema
    ]
    assert not missing, f"schemas without a description or an example: {missing}"


def test_every_operation_has_an_example(document: dict[str, Any]) -> None:
    missing = []
    for method, path, op in operations(document):
        bodies = [op.get("requestBody", {}), *op["responses"].values()]
        for body in bodies:
            for media_type, media in body.get("content", {}).items():
                if "schema" in media and "example" not in media:
                    missing.append(f"{method.upper()} {path} {media_type}")
    assert not missing, missing


def test_examples_are_valid_against_their_schemas(document: dict[str, Any]) -> None:
    """Every example, on a schema or an operation, validates; a wrong one fails with its place."""
    schemas = document["components"]["schemas"]
    cases: list[tuple[str, str, Any]] = [
        (f"schema {name}", f"#/components/schemas/{name}", schema["example"])
        for name, schema in schemas.items()
    ]
    media_schemas: dict[str, Any] = {}
    for method, path, op in operations(document):
        for body in [op.get("requestBody", {}), *op["responses"].values()]:
            for media_type, media in body.get("content", {}).items():
                if "schema" in media and "example" in media:
                    key = f"m{len(media_schemas)}"
                    media_schemas[key] = media["schema"]
                    where = f"{method.upper()} {path} {media_type}"
                    cases.append((where, f"#/$defs/{key}", media["example"]))
    # One compilation of every schema, each then looked up by its JSON pointer.
    validators = jsonschema_rs.validator_map_for(
        {"components": {"schemas": schemas}, "$defs": media_schemas}
    )

    def errors(pointer: str, example: Any) -> list[str]:
        validator = validators.get(pointer)
        assert validator is not None, pointer
        return [e.message for e in validator.iter_errors(example)]

    failures = [f"{where}: {found[:3]}" for where, ptr, ex in cases if (found := errors(ptr, ex))]
    assert not failures, failures
    # The check itself rejects a wrong example.
    assert errors("#/components/schemas/RolePage", {"items": 3})


def test_errors_and_rate_limit_headers_are_documented(document: dict[str, Any]) -> None:
    problem = {"$ref": "#/components/schemas/Problem"}
    for method, path, op in operations(document):
        if not path.startswith(API):
            continue
        where = f"{method.upper()} {path}"
        responses = op["responses"]
        for code in ("400", "422", "429"):
            assert code in responses, f"{where} does not document {code}"
        for code, response in responses.items():
            if code.startswith("4"):
                media = response.get("content", {}).get("application/problem+json")
                assert media, f"{where} {code} is not a problem"
                assert media["schema"] == problem, f"{where} {code} is not a Problem"
            if code.startswith("2") or code == "429":
                headers = response.get("headers", {})
                for header in ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"):
                    assert header in headers, f"{where} {code} lacks {header}"
        assert "Retry-After" in responses["429"]["headers"], where


def test_every_list_is_a_page(document: dict[str, Any]) -> None:
    """A GET answering a JSON array is a list without the envelope; every list has it."""
    bare = []
    for method, path, op in operations(document):
        for code, response in op["responses"].items():
            schema = json_schema_of(response)
            if method == "get" and code.startswith("2") and schema is not None:
                resolved = resolve(document, schema)
                if resolved.get("type") == "array":
                    bare.append(path)
    assert not bare, f"lists that are bare arrays: {bare}"


def test_cursor_parameters_are_opaque(document: dict[str, Any]) -> None:
    cursors = [
        parameter
        for _, _, op in operations(document)
        for parameter in op.get("parameters", [])
        if parameter["name"] == "cursor"
    ]
    assert cursors
    for parameter in cursors:
        assert "opaque" in parameter["description"]
        assert parameter["schema"]["anyOf"][0]["pattern"]


async def test_unknown_query_parameter_is_a_400_naming_it(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    headers = tenant.admin.headers
    ok = await client.get(f"{API}/roles", params={"limit": 5, "status": "open"}, headers=headers)
    assert ok.status_code == 200, ok.text
    typo = await client.get(f"{API}/roles", params={"stauts": "open"}, headers=headers)
    body = assert_problem(typo, 400, "unknown_query_parameter")
    assert error_fields(body) == {"stauts"}
    assert "stauts" in body["detail"]
    assert "status" in body["detail"]  # what the operation does take
    # An item read takes no query parameters; a blank value is still a parameter.
    created = await client.post(f"{API}/roles", json={"title": "Welder"}, headers=headers)
    assert created.status_code == 201, created.text
    item = await client.get(f"{API}/roles/{created.json()['id']}?expand=", headers=headers)
    assert error_fields(assert_problem(item, 400, "unknown_query_parameter")) == {"expand"}
    # Parameters of a dependency count as the route's own (paging is a dependency).
    keys = await client.get(f"{API}/api-keys", params={"limit": 1}, headers=headers)
    assert keys.status_code == 200, keys.text


async def test_sort_from_the_allow_list_pages_in_that_order(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    headers = tenant.admin.headers
    ids = []
    for title in ("First", "Second", "Third"):
        created = await client.post(f"{API}/roles", json={"title": title}, headers=headers)
        assert created.status_code == 201, created.text
        ids.append(created.json()["id"])
    # Touch the first, so it is the most recently updated.
    touched = await client.patch(
        f"{API}/roles/{ids[0]}", json={"title": "First, renamed"}, headers=headers
    )
    assert touched.status_code == 200, touched.text

    async def walk(sort: str) -> list[str]:
        seen: list[str] = []
        cursor = None
        while True:
            params: dict[str, str | int] = {
                "sort": sort,
                "limit": 2,
                **({"cursor": cursor} if cursor else {}),
            }
            page = await client.get(f"{API}/roles", params=params, headers=headers)
            assert page.status_code == 200, page.text
            seen += [r["id"] for r in page.json()["items"]]
            cursor = page.json()["next_cursor"]
            if not cursor:
                return seen

    assert await walk("created_at") == ids
    assert await walk("-created_at") == ids[::-1]
    assert await walk("-updated_at") == [ids[0], ids[2], ids[1]]
    # A cursor belongs to the sort it was issued for; a sort outside the list is refused.
    first = await client.get(
        f"{API}/roles", params={"sort": "updated_at", "limit": 1}, headers=headers
    )
    cursor = first.json()["next_cursor"]
    crossed = await client.get(
        f"{API}/roles", params={"sort": "created_at", "cursor": cursor}, headers=headers
    )
    assert error_fields(assert_problem(crossed, 422, "invalid_input")) == {"cursor"}
    unsorted = await client.get(f"{API}/roles", params={"sort": "title"}, headers=headers)
    assert error_fields(assert_problem(unsorted, 422, "invalid_input")) == {"sort"}
    for path in ("candidates", "interviews"):
        listed = await client.get(f"{API}/{path}", params={"sort": "-created_at"}, headers=headers)
        assert listed.status_code == 200, listed.text
    interviews = await client.get(f"{API}/interviews", params={"sort": "start_at"}, headers=headers)
    assert interviews.status_code == 200, interviews.text
