"""What the bench measures: one entry per endpoint, with its baseline and its targets.

To measure a new endpoint, add a `Scenario` to `SCENARIOS`: the service it runs on, the request
(`{id}` in the path is drawn at random from the first organization's seeded role ids), the
baseline row it is compared with, its targets, and a `check` that fails the run when the answer
is not what a real client would get (a bench of 401s or empty pages measures nothing).
Scenarios run in list order; a baseline is best listed just before the rows compared with it,
so drift on a shared machine touches both alike.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import httpx

ServiceName = Literal["bare", "hireloop"]

# In every case p99 at most 5 times p50 (issue 2).
MAX_TAIL_RATIO = 5.0

GRAPHQL_ROLES_PAGE = "{ roles(first: 50) { edges { node { title intake { mustHaveSkills } hiringManager { name } } } } }"


class CheckFailed(Exception):
    pass


def _json(response: httpx.Response) -> Any:
    if response.status_code != 200:
        raise CheckFailed(f"status {response.status_code}: {response.text[:300]}")
    return response.json()


def _one_role(response: httpx.Response) -> None:
    body = _json(response)
    if not isinstance(body, dict) or "id" not in body or "title" not in body:
        raise CheckFailed(f"not a role: {str(body)[:300]}")


def _role_with_etag(response: httpx.Response) -> None:
    _one_role(response)
    if not response.headers.get("etag"):
        raise CheckFailed("no ETag on the role")


def _page_of(size: int) -> Callable[[httpx.Response], None]:
    def check(response: httpx.Response) -> None:
        items = _json(response).get("items")
        if not isinstance(items, list) or len(items) != size:
            raise CheckFailed(
                f"expected {size} items, got {len(items) if isinstance(items, list) else items!r}"
            )

    return check


def _graphql_page(response: httpx.Response) -> None:
    body = _json(response)
    if body.get("errors"):
        raise CheckFailed(f"GraphQL errors: {body['errors']}")
    edges = body["data"]["roles"]["edges"]
    if len(edges) != 50:
        raise CheckFailed(f"expected 50 edges, got {len(edges)}")
    for edge in edges:
        node = edge["node"]
        if not node["title"] or not node["intake"] or not node["intake"]["mustHaveSkills"]:
            raise CheckFailed(f"a role without its agreed intake: {node}")
        if not node["hiringManager"] or not node["hiringManager"]["name"]:
            raise CheckFailed(f"a role without its hiring manager: {node}")


@dataclass(frozen=True)
class Scenario:
    key: str
    label: str
    service: ServiceName
    path: str
    method: str = "GET"
    body: str | None = None
    authenticated: bool = False
    baseline: str | None = None  # key of the scenario the ratio is taken against
    min_ratio: float | None = None
    max_statements: int | None = None
    max_tail_ratio: float = MAX_TAIL_RATIO
    check: Callable[[httpx.Response], None] | None = None

    @property
    def headers(self) -> dict[str, str]:
        return {"Content-Type": "application/json"} if self.body is not None else {}


SCENARIOS: list[Scenario] = [
    Scenario(
        key="bare_one",
        label="bare GET /roles/{id}",
        service="bare",
        path="/roles/{id}",
        check=_one_role,
    ),
    Scenario(
        key="role",
        label="GET /api/v1/roles/{id}",
        service="hireloop",
        path="/api/v1/roles/{id}",
        authenticated=True,
        baseline="bare_one",
        min_ratio=0.4,
        check=_role_with_etag,
    ),
    Scenario(
        key="bare_page",
        label="bare GET /roles?limit=50",
        service="bare",
        path="/roles?limit=50",
        check=_page_of(50),
    ),
    Scenario(
        key="roles_page",
        label="GET /api/v1/roles?limit=50",
        service="hireloop",
        path="/api/v1/roles?limit=50",
        authenticated=True,
        baseline="bare_page",
        min_ratio=0.4,
        check=_page_of(50),
    ),
    Scenario(
        key="graphql_roles",
        label="POST /graphql roles(first: 50)",
        service="hireloop",
        path="/graphql",
        method="POST",
        body=json.dumps({"query": GRAPHQL_ROLES_PAGE}),
        authenticated=True,
        baseline="bare_page",
        min_ratio=0.08,
        max_statements=4,
        check=_graphql_page,
    ),
]


def select(keys: list[str] | None) -> list[Scenario]:
    """The scenarios asked for, plus the baselines they are compared with, in list order."""
    if not keys:
        return list(SCENARIOS)
    known = {s.key: s for s in SCENARIOS}
    unknown = [k for k in keys if k not in known]
    if unknown:
        raise SystemExit(f"unknown scenario(s): {', '.join(unknown)}; known: {', '.join(known)}")
    wanted = set(keys) | {known[k].baseline for k in keys if known[k].baseline}
    return [s for s in SCENARIOS if s.key in wanted]
