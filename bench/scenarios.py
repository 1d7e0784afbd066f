"""What the bench measures: one entry per endpoint, with its baseline and its targets.

To measure a new endpoint, add a `Scenario` to `SCENARIOS`: the service it runs on, the request
(`{id}` in the path is drawn at random from the first organization's seeded role ids; `{name}`
in the path or body is the seeded fixture of that name, see bench.seed_pipeline), the baseline
row it is compared with, its targets, and a `check` that fails the run when the answer is not
what a real client would get (a bench of 401s or empty pages measures nothing).
Scenarios run in list order; a baseline is best listed just before the rows compared with it,
so drift on a shared machine touches both alike.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import httpx

ServiceName = Literal["bare", "hireloop"]
Fixtures = Mapping[str, str]
Check = Callable[[httpx.Response, Fixtures], None]

# In every case p99 at most 5 times p50 (issue 2).
MAX_TAIL_RATIO = 5.0

GRAPHQL_ROLES_PAGE = "{ roles(first: 50) { edges { node { title intake { mustHaveSkills } hiringManager { name } } } } }"
# What bench.seed_pipeline provides, by name.
FIXTURES = (
    "slates_role",
    "slates_role_small",
    "insights_role",
    "suggest_200",
    "suggest_2000",
    "suggest_calendar",
    "summary_app",
    "summary_app_small",
    "waiting",
    "waiting_at_risk",
    "waiting_small",
    "waiting_small_at_risk",
)
GRAPHQL_SLATES = (
    '{ role(id: "%s") { slates { edges { node { items { application { candidate { name } } '
    "decision { decision } } } } } } }"
)


def graphql(query: str) -> str:
    return json.dumps({"query": query})


class CheckFailed(Exception):
    pass


def _json(response: httpx.Response) -> Any:
    if response.status_code != 200:
        raise CheckFailed(f"status {response.status_code}: {response.text[:300]}")
    return response.json()


def _one_role(response: httpx.Response, _: Fixtures) -> None:
    body = _json(response)
    if not isinstance(body, dict) or "id" not in body or "title" not in body:
        raise CheckFailed(f"not a role: {str(body)[:300]}")


def _role_with_etag(response: httpx.Response, fixtures: Fixtures) -> None:
    _one_role(response, fixtures)
    if not response.headers.get("etag"):
        raise CheckFailed("no ETag on the role")


def _page_of(size: int) -> Check:
    def check(response: httpx.Response, _: Fixtures) -> None:
        items = _json(response).get("items")
        if not isinstance(items, list) or len(items) != size:
            raise CheckFailed(
                f"expected {size} items, got {len(items) if isinstance(items, list) else items!r}"
            )

    return check


def _graphql_data(response: httpx.Response) -> Any:
    body = _json(response)
    if body.get("errors"):
        raise CheckFailed(f"GraphQL errors: {body['errors']}")
    return body["data"]


def _graphql_page(response: httpx.Response, _: Fixtures) -> None:
    edges = _graphql_data(response)["roles"]["edges"]
    if len(edges) != 50:
        raise CheckFailed(f"expected 50 edges, got {len(edges)}")
    for edge in edges:
        node = edge["node"]
        if not node["title"] or not node["intake"] or not node["intake"]["mustHaveSkills"]:
            raise CheckFailed(f"a role without its agreed intake: {node}")
        if not node["hiringManager"] or not node["hiringManager"]["name"]:
            raise CheckFailed(f"a role without its hiring manager: {node}")


def _slates(count: int, size: int) -> Check:
    """Every slate with its items, each with the candidate's name and the decision."""

    def check(response: httpx.Response, _: Fixtures) -> None:
        role = _graphql_data(response)["role"]
        if role is None:
            raise CheckFailed("no such role")
        slates = [edge["node"] for edge in role["slates"]["edges"]]
        shape = [len(s["items"]) for s in slates]
        if shape != [size] * count:
            raise CheckFailed(f"expected {count} slates of {size}, got {shape}")
        for item in (i for s in slates for i in s["items"]):
            if not (item["application"] and item["application"]["candidate"]["name"]):
                raise CheckFailed(f"an item without its candidate: {item}")
            if not (item["decision"] and item["decision"]["decision"]):
                raise CheckFailed(f"an item without its decision: {item}")

    return check


def _insights(decisions: int) -> Check:
    def check(response: httpx.Response, _: Fixtures) -> None:
        body = _json(response)
        if body.get("decisions") != decisions:
            raise CheckFailed(f"expected {decisions} decisions, got {body.get('decisions')}")
        if decisions >= 100 and not (
            body["most_missing_skills"] and body["red_flags"] and body["top_rejection_reasons"]
        ):
            raise CheckFailed(f"insights without missing skills, red flags or reasons: {body}")

    return check


def _suggestions(response: httpx.Response, _: Fixtures) -> None:
    body = _json(response)
    found = body.get("suggestions") or []
    if not found or body.get("blocked_by"):
        raise CheckFailed(f"no suggestions: {body.get('blocked_by')}")
    for suggestion in found:
        if len(suggestion["stages"]) != 3:
            raise CheckFailed(f"a suggestion without its 3 stages: {suggestion}")


def _summary(interviews: int) -> Check:
    def check(response: httpx.Response, _: Fixtures) -> None:
        body = _json(response)
        held = {c["interview_id"] for c in body.get("scorecards", [])}
        owed = {o["interview_id"] for o in body.get("overdue", [])}
        if len(held | owed) != interviews:
            raise CheckFailed(
                f"expected scorecards of {interviews} interviews, got {len(held | owed)}"
            )
        if not body.get("skills") or sum(body["recommendations"].values()) != len(
            body["scorecards"]
        ):
            raise CheckFailed(f"no rating spread, or it does not add up: {body}")

    return check


def _close_the_loop(waiting: str, at_risk: str) -> Check:
    def check(response: httpx.Response, fixtures: Fixtures) -> None:
        body = _json(response)
        expected = (int(fixtures[waiting]), int(fixtures[at_risk]))
        if (body.get("waiting"), body.get("at_risk")) != expected:
            raise CheckFailed(
                f"expected {expected[0]} waiting ({expected[1]} at risk), got "
                f"{body.get('waiting')} ({body.get('at_risk')})"
            )
        listed = body["candidates"]
        if len(listed) != min(100, expected[0]) or any(
            a["last_interview_at"] > b["last_interview_at"] for a, b in itertools.pairwise(listed)
        ):
            raise CheckFailed("the list is not the 100 longest-waiting candidates, oldest first")

    return check


@dataclass(frozen=True)
class Probe:
    """The same request on far less data, made twice before the load: the statement count of
    the second must equal the scenario's (a number of SQL statements that does not grow with
    the data)."""

    label: str
    path: str
    body: str | None = None
    organization: int = 0  # whose admin key: 0 the first seeded organization, 1 the second
    check: Check | None = None


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
    # A stricter figure an open issue asks for: reported beside the enforced target, judged, but
    # not failing the run until the issue is done (then it becomes the enforced target).
    goal_ratio: float | None = None
    goal_sequential_ms: float | None = None
    goal_issue: int | None = None
    max_statements: int | None = None
    max_tail_ratio: float = MAX_TAIL_RATIO
    check: Check | None = None
    # wrk connections when not the run's default (32). A single worker is saturated by a few;
    # rows costing tens of milliseconds a request get fewer, so a round holds many requests per
    # connection rather than one slow wave of 32, and the latency figures stay meaningful.
    connections: int | None = None
    small: Probe | None = None  # statements must not grow with the data
    # Single-client latency: this many sequential requests after a warm-up, median reported.
    sequential: int = 0
    max_sequential_ms: float | None = None
    # The scenario with a tenth of the data: the single-client median may grow at most this
    # many times (10: no faster than linearly).
    grows_from: str | None = None
    max_growth: float | None = None

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
        goal_ratio=0.5,
        goal_issue=14,
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
        body=graphql(GRAPHQL_ROLES_PAGE),
        authenticated=True,
        baseline="bare_page",
        min_ratio=0.08,
        goal_ratio=0.15,
        goal_issue=14,
        max_statements=4,
        check=_graphql_page,
    ),
    # Issue 3: calibration.
    Scenario(
        key="graphql_slates",
        label="POST /graphql role.slates 10x10",
        service="hireloop",
        path="/graphql",
        method="POST",
        body=graphql(GRAPHQL_SLATES % "{slates_role}"),
        connections=8,
        authenticated=True,
        baseline="bare_page",
        goal_ratio=0.06,
        goal_issue=14,
        check=_slates(10, 10),
        small=Probe(
            "2x2",
            "/graphql",
            body=graphql(GRAPHQL_SLATES % "{slates_role_small}"),
            check=_slates(2, 2),
        ),
    ),
    Scenario(
        key="insights",
        label="GET /roles/{id}/insights 1000",
        service="hireloop",
        path="/api/v1/roles/{insights_role}/insights",
        connections=8,
        authenticated=True,
        baseline="bare_page",
        check=_insights(1000),
        small=Probe("4", "/api/v1/roles/{slates_role_small}/insights", check=_insights(4)),
    ),
    # Issue 5: feedback and closing the loop.
    Scenario(
        key="scorecard_summary",
        label="GET /applications/{id}/scorecard-summary 8",
        service="hireloop",
        path="/api/v1/applications/{summary_app}/scorecard-summary",
        authenticated=True,
        baseline="bare_page",
        check=_summary(8),
        small=Probe(
            "1",
            "/api/v1/applications/{summary_app_small}/scorecard-summary",
            check=_summary(1),
        ),
    ),
    Scenario(
        key="close_the_loop",
        label="GET /close-the-loop 5000",
        service="hireloop",
        path="/api/v1/close-the-loop",
        connections=8,
        authenticated=True,
        baseline="bare_page",
        check=_close_the_loop("waiting", "waiting_at_risk"),
        small=Probe(
            "3",
            "/api/v1/close-the-loop",
            organization=1,
            check=_close_the_loop("waiting_small", "waiting_small_at_risk"),
        ),
    ),
    # Issues 4 and 15: slot suggestions for a 3-stage panel over two weeks, 6 interviewers.
    Scenario(
        key="suggest_200",
        label="POST /scheduling/suggestions 200 blk",
        service="hireloop",
        path="/api/v1/scheduling/suggestions",
        method="POST",
        body="{suggest_200}",
        connections=2,
        authenticated=True,
        check=_suggestions,
        sequential=50,
        max_sequential_ms=50.0,  # issue 4
        goal_sequential_ms=15.0,
        goal_issue=15,
    ),
    Scenario(
        key="suggest_2000",
        label="POST /scheduling/suggestions 2000 blk",
        service="hireloop",
        path="/api/v1/scheduling/suggestions",
        method="POST",
        body="{suggest_2000}",
        connections=2,
        authenticated=True,
        check=_suggestions,
        sequential=20,
        grows_from="suggest_200",
        max_growth=10.0,
        # Issue 15: at most 60 ms with ten times the blocks.
        max_sequential_ms=60.0,
    ),
    # Calendars: the 200-block busy time mirrored from Google (source 'calendar', with their
    # member_calendars and connection) must cost what the same busy time typed in does.
    Scenario(
        key="suggest_calendar",
        label="POST /scheduling/suggestions mirrored",
        service="hireloop",
        path="/api/v1/scheduling/suggestions",
        method="POST",
        body="{suggest_calendar}",
        connections=2,
        authenticated=True,
        check=_suggestions,
        sequential=50,
        # Shown against the typed row (growth); judged by bench.calendars, which times both
        # interleaved from one client (target: within 10 %).
        grows_from="suggest_200",
    ),
]


def uses_fixtures(scenario: Scenario) -> bool:
    """Whether the scenario reads issue 3-5 data (its path or body names a fixture)."""
    texts = [scenario.path, scenario.body or ""]
    return scenario.small is not None or any(
        "{" + name + "}" in t for t in texts for name in FIXTURES
    )


def render(text: str, fixtures: Fixtures) -> str:
    """`{name}` replaced by the seeded fixture of that name (`{id}` is left for wrk)."""
    for name, value in fixtures.items():
        text = text.replace("{" + name + "}", value)
    return text


def select(keys: list[str] | None) -> list[Scenario]:
    """The scenarios asked for, plus the baselines they are compared with, in list order."""
    if not keys:
        return list(SCENARIOS)
    known = {s.key: s for s in SCENARIOS}
    unknown = [k for k in keys if k not in known]
    if unknown:
        raise SystemExit(f"unknown scenario(s): {', '.join(unknown)}; known: {', '.join(known)}")
    wanted = set(keys)
    wanted |= {b for k in keys for b in (known[k].baseline, known[k].grows_from) if b}
    return [s for s in SCENARIOS if s.key in wanted]
