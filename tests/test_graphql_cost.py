"""GraphQL cost: the estimate and its formula, expensive operations and pages over the `first` cap
refused before any resolver runs, nested connections whose statement count does not grow with
the page, and no "Did you mean" once introspection is off."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from graphql import FragmentDefinitionNode, OperationDefinitionNode, parse

from app.auth import actor_cache
from app.errors import InvalidInput
from app.graphql.cost import DEFAULT_LIST_SIZE, bounded_sizes, estimate
from app.graphql.pagination import check_first, nested_page
from app.graphql.schema import build_schema
from tests.conftest import Person, Tenant, make_settings
from tests.helpers_domain import JSON, global_id
from tests.helpers_pipeline import (
    MINIMAL_PDF,
    candidate_in_role,
    decide,
    gql,
    gql_data,
    make_role,
    move,
    sent_slate,
)

SCHEMA = build_schema(make_settings())


def cost_of(query: str, variables: dict[str, Any] | None = None, max_first: int = 100) -> int:
    document = parse(query)
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    cost, bad = estimate(
        SCHEMA._schema, operation, fragments, variables, max_first, bounded_sizes(10)
    )
    assert not bad
    return cost


# --- the formula ----------------------------------------------------------------------------------


def test_objects_cost_one_and_lists_their_size_times_their_selection() -> None:
    # Scalars are free; an object field costs 1 plus its selection.
    assert cost_of("{ organization { name timeZone } }") == 1
    assert cost_of("{ viewer { member { name } organization { name } } }") == 3
    # A connection: 1, plus `first` edges of (1 + the node's 1 + what the node selects).
    assert cost_of("{ roles(first: 10) { edges { node { title } } } }") == 1 + 10 * 2
    assert cost_of("{ roles(first: 10) { edges { node { hiringManager { name } } } } }") == (
        1 + 10 * 3
    )
    # pageInfo is one object, whatever the page size.
    assert cost_of("{ roles(first: 10) { pageInfo { hasNextPage } } }") == 2
    # Without `first`, the argument's default (50 for top-level lists, 20 when nested).
    assert cost_of("{ roles { edges { node { title } } } }") == 1 + 50 * 2
    nested = '{ role(id: "x") { applications { edges { node { stage } } } } }'
    assert cost_of(nested) == 1 + 1 + 20 * 2
    # Connections multiply: 5 roles, each with 4 applications, each with its candidate.
    assert cost_of(
        "{ roles(first: 5) { edges { node { applications(first: 4) {"
        " edges { node { candidate { name } } } } } } } }"
    ) == 1 + 5 * (2 + 1 + 4 * 3)
    # A list bounded by design counts its bound (a slate's items: HIRELOOP_SLATE_MAX_SIZE, 10
    # here); another list of objects counts DEFAULT_LIST_SIZE.
    assert cost_of('{ slate(id: "x") { items { position } } }') == 1 + 10 * 1
    assert cost_of('{ role(id: "x") { insights { waitlist { question } } } }') == (
        2 + DEFAULT_LIST_SIZE
    )
    # A list sized by its parent's `limit`.
    assert (
        cost_of("{ organization { closeTheLoop(limit: 30) { candidates { candidateName } } } }")
        == 2 + 30
    )


def test_fragments_aliases_and_variables_are_counted() -> None:
    plain = cost_of("{ roles(first: 10) { edges { node { title } } } }")
    assert plain == 21
    # Aliases: each copy is counted.
    assert (
        cost_of(
            "{ a: roles(first: 10) { edges { node { title } } } b: roles(first: 10) { edges { node { title } } } }"
        )
        == 2 * plain
    )
    # Named and inline fragments count as if written out, however often they are spread.
    fragments = """
    query { roles(first: 10) { ...Page ...Page } }
    fragment Page on RoleConnection { edges { node { ...Person ... on Role { recruiter { name } } } } }
    fragment Person on Role { hiringManager { name } }
    """
    assert cost_of(fragments) == 1 + 2 * 10 * (1 + 1 + 1 + 1)
    # Variables are honoured, and an operation's own default applies when one is not sent.
    query = "query($n: Int = 3) { roles(first: $n) { edges { node { title } } } }"
    assert cost_of(query) == 1 + 3 * 2
    assert cost_of(query, {"n": 40}) == 1 + 40 * 2
    # A `first` that is not a number (refused later by graphql-core) is assumed the largest.
    assert cost_of(query, {"n": "lots"}, max_first=7) == 1 + 7 * 2


# --- refusals over HTTP -------------------------------------------------------------------------

EXPENSIVE = """
query($roles: Int!, $apps: Int!) { roles(first: $roles) { edges { node {
  applications(first: $apps) { edges { node { candidate { name } history { edges { node { reason } } } } } }
} } } }"""


async def statements(
    client: httpx.AsyncClient, who: Person, query: str, variables: JSON
) -> tuple[int, JSON]:
    actor_cache.clear()
    response = await gql(client, who, query, variables)
    assert response.status_code == 200, response.text
    return int(response.headers["x-statement-count"]), response.json()


async def test_an_expensive_operation_is_refused_before_any_resolver_runs(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    recruiter = await tenant.add("recruiter")
    await make_role(client, recruiter, None, intake=None)
    # The baseline: an operation with no resolver at all costs only authentication.
    baseline, body = await statements(client, tenant.admin, "{ __typename }", {})
    assert body == {"data": {"__typename": "Query"}}

    refused, body = await statements(client, tenant.admin, EXPENSIVE, {"roles": 100, "apps": 100})
    assert refused == baseline, (refused, baseline)
    assert body["data"] is None
    (error,) = body["errors"]
    cost = 1 + 100 * (2 + 1 + 100 * (2 + 1 + 1 + 20 * 2))
    assert error["extensions"] == {
        "code": "query_too_expensive",
        "status": 400,
        "cost": cost,
        "maxCost": 20_000,
    }
    assert "HIRELOOP_GRAPHQL_MAX_COST" in error["message"]
    assert "20000" in error["message"]
    assert str(cost) in error["message"]

    # The same document with small pages (variables honoured) runs.
    ran, body = await statements(client, tenant.admin, EXPENSIVE, {"roles": 10, "apps": 10})
    assert not body.get("errors"), body
    assert len(body["data"]["roles"]["edges"]) == 1
    assert ran > baseline


async def test_first_above_the_cap_is_refused_naming_first_and_the_cap(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    recruiter = await tenant.add("recruiter")
    role_id = await make_role(client, recruiter, None, intake=None)
    baseline, _ = await statements(client, tenant.admin, "{ __typename }", {})
    cases: list[tuple[str, JSON]] = [
        ("query($n: Int!) { roles(first: $n) { edges { node { title } } } }", {"n": 101}),
        ("{ members(first: 0) { edges { node { name } } } }", {}),
        # Nested: refused before the role itself is read.
        (
            "query($id: ID!) { role(id: $id) { title"
            " applications(first: 500) { edges { node { stage } } } } }",
            {"id": role_id},
        ),
    ]
    for query, variables in cases:
        count, body = await statements(client, tenant.admin, query, variables)
        assert count == baseline, (query, count, baseline)
        assert body["data"] is None, body
        (error,) = body["errors"]
        assert error["message"] == "first: must be between 1 and 100", error
        assert error["extensions"] == {
            "code": "invalid_input",
            "status": 422,
            "field": "first",
            "maxFirst": 100,
        }

    # At the cap, it runs.
    data = await gql_data(
        client, tenant.admin, "{ roles(first: 100) { edges { node { title } } } }"
    )
    assert len(data["roles"]["edges"]) == 1


def test_the_resolvers_check_first_too() -> None:
    """Even without the estimate, `first` is checked where a page is cut."""
    for bad in (0, 101):
        with pytest.raises(InvalidInput, match="first: must be between 1 and 100"):
            check_first(bad, 100)
    assert check_first(100, 100) == 100

    class Item:
        def __init__(self, n: int) -> None:
            self.id = uuid.uuid4()
            self.n = n

    items = [Item(n) for n in range(5)]
    edges, info = nested_page(items, 2, None, 100, lambda c, i: (c, i.n))
    assert [n for _, n in edges] == [0, 1]
    assert info.has_next_page
    edges, info = nested_page(items, 2, info.end_cursor, 100, lambda c, i: (c, i.n))
    assert [n for _, n in edges] == [2, 3]
    assert info.has_next_page
    # The item a cursor names has left the list: paging resumes at the position it had.
    cursor = info.end_cursor
    del items[3]
    edges, info = nested_page(items, 2, cursor, 100, lambda c, i: (c, i.n))
    assert [n for _, n in edges] == [4]
    assert not info.has_next_page


# --- suggestions ----------------------------------------------------------------------------------


async def test_no_field_suggestions_without_introspection() -> None:
    typo_field = "{ roles { edgez { node { title } } } }"
    typo_argument = "{ roles(frist: 5) { edges { node { title } } } }"
    typo_type = "query($s: Strin) { roles(status: $s) { edges { node { title } } } }"
    development = build_schema(make_settings())
    production = build_schema(make_settings(env="production"))
    for query in (typo_field, typo_argument, typo_type):
        helpful = await development.execute(query)
        assert helpful.errors
        assert "Did you mean" in helpful.errors[0].message, helpful.errors
        terse = await production.execute(query)
        assert terse.errors, query
        message = terse.errors[0].message
        assert "Did you mean" not in message, message
        assert message.startswith(("Cannot query field", "Unknown argument", "Unknown type")), (
            message
        )
    # Nor in variables graphql-core could not coerce (an input's unknown field).
    mutation = "mutation($input: CreateRoleInput!) { createRole(input: $input) { __typename } }"
    typo_input = {"input": {"titel": "Engineer"}}
    helpful = await development.execute(mutation, variable_values=typo_input)
    assert any("Did you mean 'title'?" in e.message for e in helpful.errors or []), helpful
    terse = await production.execute(mutation, variable_values=typo_input)
    messages = [e.message for e in terse.errors or []]
    assert any("unknown field 'titel'" in m for m in messages), messages
    assert not any("Did you mean" in m for m in messages), messages
    # Introspection is off there too.
    refused = await production.execute("{ __schema { types { name } } }")
    assert refused.errors
    assert "introspection" in refused.errors[0].message.lower()


# --- nested connections: statements per page ------------------------------------------------------

CANDIDATES_PAGE = """
query($first: Int!) { candidates(first: $first) { edges { node {
  name
  documents { edges { node { filename } } }
  applications(first: 5) { edges { node {
    stage role { title } decision { decision }
    history(first: 5) { edges { node { toStage } } }
    interviews(first: 5) { edges { node { kind scorecards { status } } } }
  } } }
} } } }"""

ROLES_PAGE = """
query($first: Int!) { roles(first: $first) { edges { node {
  title
  intakeRevisions { edges { node { number } } }
  applications(stage: screening) { edges { node { stage candidate { name } } } }
  slates { edges { node { status items { position } } } }
  offers { edges { node { status } } }
} } } }"""


async def test_nested_connections_cost_the_same_statements_whatever_the_page(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    recruiter = await tenant.add("recruiter")
    hm = await tenant.add("hiring_manager")
    for r in range(10):
        role_id = await make_role(client, recruiter, hm, title=f"Counted {r}")
        candidate_id, application_id = await candidate_in_role(
            client, recruiter, role_id, f"Counted Person {r}"
        )
        assert (await move(client, recruiter, application_id, "screening")).status_code == 200
        uploaded = await client.post(
            f"/api/v1/candidates/{candidate_id}/documents",
            headers=recruiter.headers,
            files={"file": ("cv.pdf", MINIMAL_PDF, "application/pdf")},
            data={"kind": "resume"},
        )
        assert uploaded.status_code == 201, uploaded.text

    for query, field in ((CANDIDATES_PAGE, "candidates"), (ROLES_PAGE, "roles")):
        one, small = await statements(client, recruiter, query, {"first": 1})
        ten, large = await statements(client, recruiter, query, {"first": 10})
        assert not small.get("errors"), small
        assert not large.get("errors"), large
        edges = large["data"][field]["edges"]
        assert len(edges) == 10
        for edge in edges:
            node = edge["node"]
            (application,) = [e["node"] for e in node["applications"]["edges"]]
            assert application["stage"] == "screening"
            if field == "candidates":
                assert [e["node"]["toStage"] for e in application["history"]["edges"]] == [
                    "sourced",
                    "screening",
                ]
                assert node["documents"]["edges"] == [{"node": {"filename": "cv.pdf"}}]
            else:
                assert node["intakeRevisions"]["edges"] == [{"node": {"number": 1}}]
        assert one == ten, (field, one, ten)


def test_connection_types_are_in_the_schema() -> None:
    sdl = SCHEMA.as_str()
    for connection in (
        "ApplicationConnection",
        "DocumentConnection",
        "TransitionConnection",
        "InterviewConnection",
        "SlateConnection",
        "OfferConnection",
        "IntakeRevisionConnection",
        "MemberCalendarConnection",
    ):
        assert f"type {connection} {{" in sdl, connection


ROLES_FIGURES = """
query($first: Int!) { roles(first: $first) { edges { node {
  title
  insights {
    decisions approvals rejections medianReviewHours
    approvalRateBySlate { slateId approvalRate } topRejectionReasons { value count }
    waitlist { applicationId } suggestions { kind }
  }
  dashboard {
    roleId offersOut acceptanceRate overdueScorecards
    timeInStage { stage applications } timeToFeedback { interviewerName }
  }
} } } }"""


async def test_insights_and_dashboard_over_a_page_cost_the_same_statements_whatever_its_size(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    recruiter = await tenant.add("recruiter")
    hm = await tenant.add("hiring_manager")
    role_ids: list[str] = []
    for r in range(10):
        role_id = await make_role(client, recruiter, hm, title=f"Figures {r}")
        role_ids.append(role_id)
        _, a = await candidate_in_role(
            client, recruiter, role_id, f"Figures Ann {r}", skills=["SQL"]
        )
        _, b = await candidate_in_role(
            client, recruiter, role_id, f"Figures Bob {r}", skills=["SQL"]
        )
        assert (await move(client, recruiter, b, "screening")).status_code == 200
        if r % 2 == 0:
            slate = await sent_slate(client, recruiter, role_id, [a, b])
            assert (await decide(client, hm, slate, a, "approve", note="yes")).status_code == 200
            assert (
                await decide(
                    client, hm, slate, b, "reject", missing_skills=["Kafka"], categories=["skills"]
                )
            ).status_code == 200

    one, small = await statements(client, recruiter, ROLES_FIGURES, {"first": 1})
    ten, large = await statements(client, recruiter, ROLES_FIGURES, {"first": 10})
    assert not small.get("errors"), small
    assert not large.get("errors"), large
    assert one == ten, (one, ten)

    # Each role's figures are its own, and the same as REST's.
    nodes = {e["node"]["dashboard"]["roleId"]: e["node"] for e in large["data"]["roles"]["edges"]}
    assert set(nodes) == {global_id("Role", role_id) for role_id in role_ids}
    for r, role_id in enumerate(role_ids):
        node = nodes[global_id("Role", role_id)]
        rest_insights = (
            await client.get(f"/api/v1/roles/{role_id}/insights", headers=recruiter.headers)
        ).json()
        assert (
            node["insights"]["decisions"] == rest_insights["decisions"] == (2 if r % 2 == 0 else 0)
        )
        assert node["insights"]["topRejectionReasons"] == rest_insights["top_rejection_reasons"]
        assert node["insights"]["medianReviewHours"] == rest_insights["median_review_hours"]
        assert len(node["insights"]["approvalRateBySlate"]) == (1 if r % 2 == 0 else 0)
        stages = {s["stage"]: s["applications"] for s in node["dashboard"]["timeInStage"]}
        if r % 2:  # undecided: both still active, one sourced, one screened
            assert stages == {"sourced": 1, "screening": 1}, stages

    # A hiring manager who manages none of them sees no role, hence no figures.
    other = await tenant.add("hiring_manager")
    _, body = await statements(client, other, ROLES_FIGURES, {"first": 10})
    assert body == {"data": {"roles": {"edges": []}}}, body
