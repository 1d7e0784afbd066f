"""A method a path does not take is a 405 problem with an `Allow` header (RFC 9110, issue 12).

Starlette answers from the first route whose path matches, so its `Allow` named only that
route's methods (`DELETE /api/v1/roles` said `Allow: POST`, though GET works too). The header
must list every method the path takes: exactly those the OpenAPI document declares for it.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
from fastapi import FastAPI

METHODS = ("DELETE", "GET", "PATCH", "POST", "PUT")


def _declared(openapi: dict[str, Any]) -> dict[str, set[str]]:
    return {
        path: {m.upper() for m in item if m.upper() in METHODS}
        for path, item in openapi["paths"].items()
    }


def _url(path: str) -> str:
    """The path with each parameter filled in (routing takes any segment for one)."""
    return re.sub(r"\{[^}]+\}", "x1", path)


async def test_every_path_answers_an_undeclared_method_with_405_and_allow(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    declared = _declared(app.openapi())
    assert len(declared) > 50
    wrong = []
    for path, methods in declared.items():
        for method in sorted(set(METHODS) - methods):
            answer = await client.request(method, _url(path))
            allowed = {m.strip() for m in answer.headers.get("allow", "").split(",") if m.strip()}
            if (
                answer.status_code != 405
                or allowed != methods
                or answer.headers["content-type"] != "application/problem+json"
            ):
                wrong.append(f"{method} {path}: {answer.status_code} Allow={sorted(allowed)}")
    assert not wrong, f"{len(wrong)} answers are not 405 with the declared methods: {wrong[:20]}"


async def test_a_405_is_a_problem_naming_the_allowed_methods(client: httpx.AsyncClient) -> None:
    answer = await client.delete("/api/v1/roles")
    assert answer.status_code == 405
    assert answer.headers["allow"] == "GET, POST"
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["code"] == "method_not_allowed"
    assert problem["status"] == 405
    assert problem["instance"] == "/api/v1/roles"
    assert "GET, POST" in problem["detail"]

    item = await client.put("/api/v1/roles/5f0c6a3e-0000-4000-8000-000000000000")
    assert item.status_code == 405
    assert item.headers["allow"] == "GET, PATCH"

    graphql = await client.delete("/graphql")
    assert graphql.status_code == 405
    assert graphql.headers["allow"] == "GET, POST"


async def test_an_unknown_path_is_404_without_allow(client: httpx.AsyncClient) -> None:
    answer = await client.delete("/api/v1/nothing-here")
    assert answer.status_code == 404
    assert "allow" not in answer.headers
