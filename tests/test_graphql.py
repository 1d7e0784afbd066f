"""GraphQL at /graphql: the same capabilities, permissions and error codes as REST, its safety
limits, and a roles page whose SQL statement count does not grow with the page."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI

from app.domain.roles import intake as intake_service
from app.domain.roles import service as roles_service
from app.domain.roles.schemas import IntakeContent, RoleCreate
from app.main import create_app
from tests.conftest import Person, Tenant, make_settings
from tests.helpers_domain import (
    API,
    JSON,
    create_role,
    get_role,
    global_id,
    gql,
    gql_data,
    graphql_refusal,
    intake_content,
    list_all,
    of_resource,
    ok,
    problem,
    proposed,
    revisions,
    role_team,
    settled_events,
    skill,
)

ERROR_FIELDS = "... on MutationError { code status message fields { field message } }"

ROLE_FIELDS = """
    id databaseId title team workplace headcount status version
    hiringManager { id name } recruiter { id name }
"""

CREATE_ROLE = f"""
mutation($input: CreateRoleInput!) {{
  createRole(input: $input) {{
    __typename
    ... on RolePayload {{ role {{ {ROLE_FIELDS} }} }}
    {ERROR_FIELDS}
  }}
}}"""

UPDATE_ROLE = f"""
mutation($input: UpdateRoleInput!) {{
  updateRole(input: $input) {{
    __typename
    ... on RolePayload {{ role {{ {ROLE_FIELDS} }} }}
    {ERROR_FIELDS}
  }}
}}"""

REVISION_FIELDS = (
    "number status changeNote mustHaveSkills skills { name priority } recruiterSignedOffAt agreedAt"
)

PROPOSE = f"""
mutation($input: ProposeIntakeRevisionInput!) {{
  proposeIntakeRevision(input: $input) {{
    __typename
    ... on IntakeRevisionPayload {{ revision {{ {REVISION_FIELDS} }} }}
    {ERROR_FIELDS}
  }}
}}"""

SIGN_OFF = f"""
mutation($input: SignOffIntakeRevisionInput!) {{
  signOffIntakeRevision(input: $input) {{
    __typename
    ... on IntakeRevisionPayload {{ revision {{ {REVISION_FIELDS} }} }}
    {ERROR_FIELDS}
  }}
}}"""

MEMBER_FIELDS = """
    id databaseId email name permissionSet timeZone isActive
    workingHours { day hours { start end } }
    preferences { cadence channel localTime delegateId }
"""

CREATE_MEMBER = f"""
mutation($input: CreateMemberInput!) {{
  createMember(input: $input) {{
    __typename
    ... on MemberPayload {{ member {{ {MEMBER_FIELDS} }} }}
    {ERROR_FIELDS}
  }}
}}"""

UPDATE_PREFERENCES = f"""
mutation($input: UpdatePreferencesInput!) {{
  updatePreferences(input: $input) {{
    __typename
    ... on MemberPayload {{ member {{ {MEMBER_FIELDS} }} }}
    {ERROR_FIELDS}
  }}
}}"""

CREATE_API_KEY = f"""
mutation($input: CreateApiKeyInput!) {{
  createApiKey(input: $input) {{
    __typename
    ... on ApiKeyPayload {{ key apiKey {{ id memberId name prefix revokedAt }} }}
    {ERROR_FIELDS}
  }}
}}"""

REVOKE_API_KEY = f"""
mutation($id: ID!) {{
  revokeApiKey(id: $id) {{
    __typename
    ... on ApiKeyPayload {{ key apiKey {{ id memberId revokedAt }} }}
    {ERROR_FIELDS}
  }}
}}"""

ROLES_PAGE = """
query($first: Int!) {
  roles(first: $first) {
    edges { node { title intake { mustHaveSkills skills { name priority } } hiringManager { name } } }
    pageInfo { hasNextPage endCursor }
  }
}"""


async def mutate(
    client: httpx.AsyncClient, who: Person, document: str, field: str, **variables: Any
) -> JSON:
    data = await gql_data(client, who, document, variables)
    result: JSON = data[field]
    return result


def assert_error(result: JSON, code: str, status: int, *fields: str) -> None:
    assert result["__typename"] == "MutationError", result
    assert result["code"] == code, result
    assert result["status"] == status, result
    assert result["message"]
    if fields:
        named = {f["field"] for f in result["fields"]}
        for field in fields:
            assert any(n == field or n.startswith(field + ".") for n in named), (field, result)


async def enum_refused(
    client: httpx.AsyncClient, who: Person, document: str, field: str, **variables: Any
) -> None:
    """A value outside a GraphQL enum is a query error (invalid_query) naming the field and the
    enum, before any resolver runs."""
    body = (await gql(client, who, document, variables)).json()
    error = query_error(body)
    assert error["extensions"]["code"] == "invalid_query", body
    assert field in error["message"], body
    assert "enum" in error["message"], body
    assert body["data"] is None, body


def query_error(body: JSON) -> JSON:
    assert body.get("errors"), body
    error: JSON = body["errors"][0]
    return error


# --- queries ------------------------------------------------------------------------------------


async def test_viewer_and_organization(client: httpx.AsyncClient, tenant: Tenant) -> None:
    recruiter = await tenant.add("recruiter", name="Rita Recruiter")
    data = await gql_data(
        client,
        recruiter,
        "{ viewer { member { id databaseId name email permissionSet } organization { id name } }"
        " organization { databaseId name feedbackDueHours closeTheLoopDays } }",
    )
    member = data["viewer"]["member"]
    assert member["databaseId"] == str(recruiter.id)
    assert member["id"] == global_id("Member", recruiter.id)
    assert member["name"] == "Rita Recruiter"
    assert member["permissionSet"] == "recruiter"
    assert data["viewer"]["organization"]["name"] == "Acme"
    assert data["organization"]["databaseId"] == str(tenant.organization_id)
    assert data["organization"]["feedbackDueHours"] == 24
    assert data["organization"]["closeTheLoopDays"] == 30


async def test_requests_without_a_valid_key_are_401(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    """Refused before the operation runs, answered as a GraphQL error with REST's code and
    status (issue 14), not as a REST problem; the challenge header is still sent."""
    query = {"query": "{ viewer { member { name } } }"}
    for headers in ({}, {"Authorization": "Bearer hl_nope"}):
        response = await client.post("/graphql", headers=headers, json=query)
        graphql_refusal(response, 401, "unauthenticated")
        assert response.headers["WWW-Authenticate"] == "Bearer"


async def test_role_by_global_id_and_uuid(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    team = await role_team(client, tenant, title="Staff Engineer")
    theirs = await create_role(client, other_tenant.admin, title="Their Role")
    query = "query($id: ID!) { role(id: $id) { id databaseId title status recruiter { databaseId name } hiringManager { databaseId } } }"
    by_global = (
        await gql_data(client, team.recruiter, query, {"id": global_id("Role", team.role_id)})
    )["role"]
    by_uuid = (await gql_data(client, team.recruiter, query, {"id": team.role_id}))["role"]
    assert by_global == by_uuid
    assert by_global["id"] == global_id("Role", team.role_id)
    assert by_global["title"] == "Staff Engineer"
    assert by_global["recruiter"] == {
        "databaseId": str(team.recruiter.id),
        "name": team.recruiter.member.name,
    }
    assert by_global["hiringManager"]["databaseId"] == str(team.hiring_manager.id)

    for other_id in (theirs["id"], global_id("Role", theirs["id"]), str(uuid.uuid4())):
        assert (await gql_data(client, team.recruiter, query, {"id": other_id}))["role"] is None

    body = (
        await gql(client, team.recruiter, query, {"id": global_id("Member", team.recruiter.id)})
    ).json()
    assert body["data"]["role"] is None
    assert query_error(body)["extensions"] == {"code": "invalid_input", "status": 422}


async def test_node_resolves_roles_and_members_of_your_org_only(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    team = await role_team(client, tenant)
    outsider = await other_tenant.add("recruiter")
    their_role = await create_role(client, other_tenant.admin)
    query = """query($id: ID!) { node(id: $id) { __typename id
        ... on Role { title } ... on Member { name } ... on Organization { name } } }"""

    role_node = (
        await gql_data(client, team.recruiter, query, {"id": global_id("Role", team.role_id)})
    )["node"]
    assert role_node == {
        "__typename": "Role",
        "id": global_id("Role", team.role_id),
        "title": team.role["title"],
    }
    member_node = (
        await gql_data(
            client, team.recruiter, query, {"id": global_id("Member", team.hiring_manager.id)}
        )
    )["node"]
    assert member_node["__typename"] == "Member"
    assert member_node["name"] == team.hiring_manager.member.name
    org_node = (
        await gql_data(
            client, team.recruiter, query, {"id": global_id("Organization", tenant.organization_id)}
        )
    )["node"]
    assert org_node["name"] == "Acme"

    for foreign in (
        global_id("Role", their_role["id"]),
        global_id("Member", outsider.id),
        global_id("Organization", other_tenant.organization_id),
        global_id("Role", uuid.uuid4()),
    ):
        assert (await gql_data(client, team.recruiter, query, {"id": foreign}))["node"] is None

    # A hiring manager's node view is as narrow as their REST view.
    other_hm = await tenant.add("hiring_manager")
    assert (await gql_data(client, other_hm, query, {"id": global_id("Role", team.role_id)}))[
        "node"
    ] is None


async def test_roles_connection_pages_and_filters(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    team = await role_team(client, tenant, title="Backend Engineer")
    await create_role(client, team.recruiter, title="100% Remote Designer", status="open")
    await create_role(
        client,
        team.recruiter,
        title="Data_Engineer",
        status="open",
        hiring_manager_id=team.hiring_manager.id,
    )
    await create_role(client, team.recruiter, title="DataXEngineer")
    query = """query($first: Int!, $after: String, $status: RoleStatus, $q: String, $hm: ID) {
      roles(first: $first, after: $after, status: $status, q: $q, hiringManagerId: $hm) {
        edges { cursor node { title status } }
        pageInfo { hasNextPage endCursor }
      } }"""

    first = (await gql_data(client, tenant.admin, query, {"first": 3}))["roles"]
    assert [e["node"]["title"] for e in first["edges"]] == [
        "DataXEngineer",
        "Data_Engineer",
        "100% Remote Designer",
    ]
    assert first["pageInfo"]["hasNextPage"] is True
    assert first["pageInfo"]["endCursor"] == first["edges"][-1]["cursor"]
    rest = (
        await gql_data(
            client, tenant.admin, query, {"first": 3, "after": first["pageInfo"]["endCursor"]}
        )
    )["roles"]
    assert [e["node"]["title"] for e in rest["edges"]] == ["Backend Engineer"]
    assert rest["pageInfo"] == {"hasNextPage": False, "endCursor": None}

    async def titles(**variables: Any) -> list[str]:
        data = await gql_data(client, tenant.admin, query, {"first": 50, **variables})
        return [e["node"]["title"] for e in data["roles"]["edges"]]

    assert await titles(status="open") == ["Data_Engineer", "100% Remote Designer"]
    assert await titles(q="_") == ["Data_Engineer"]
    assert await titles(q="%") == ["100% Remote Designer"]
    assert await titles(q="engineer") == ["DataXEngineer", "Data_Engineer", "Backend Engineer"]
    assert await titles(hm=global_id("Member", team.hiring_manager.id)) == [
        "Data_Engineer",
        "Backend Engineer",
    ]
    assert await titles(hm=str(team.hiring_manager.id), status="draft") == ["Backend Engineer"]

    body = (await gql(client, tenant.admin, query, {"first": 50, "status": "paused"})).json()
    # Not a role status: the schema refuses it before anything runs.
    assert query_error(body)["extensions"] == {"code": "invalid_query", "status": 400}
    assert "RoleStatus" in query_error(body)["message"]
    body = (await gql(client, tenant.admin, query, {"first": 0})).json()
    assert query_error(body)["extensions"]["code"] == "invalid_input"
    body = (await gql(client, tenant.admin, query, {"first": 5, "after": "not-a-cursor"})).json()
    assert query_error(body)["extensions"]["code"] == "invalid_input"


async def test_roles_respect_permission_sets(client: httpx.AsyncClient, tenant: Tenant) -> None:
    team = await role_team(client, tenant, title="Managed")
    await create_role(client, tenant.admin, title="Someone else's")
    query = "{ roles { edges { node { title } } } }"
    hm_view = await gql_data(client, team.hiring_manager, query)
    assert [e["node"]["title"] for e in hm_view["roles"]["edges"]] == ["Managed"]

    interviewer = await tenant.add("interviewer")
    body = (await gql(client, interviewer, query)).json()
    assert query_error(body)["extensions"] == {"code": "forbidden", "status": 403}
    assert body["data"] is None


async def test_role_intake_and_revisions(client: httpx.AsyncClient, tenant: Tenant) -> None:
    team = await role_team(client, tenant)
    query = """query($id: ID!) { role(id: $id) {
        intake { number status mustHaveSkills skills { name priority } minYears content }
        intakeRevisions { edges { node { number status changeNote } } pageInfo { hasNextPage } }
      } }"""
    empty = (await gql_data(client, team.recruiter, query, {"id": team.role_id}))["role"]
    assert empty == {
        "intake": None,
        "intakeRevisions": {"edges": [], "pageInfo": {"hasNextPage": False}},
    }

    await team.agree(client, intake_content(), note="Kick-off")
    await proposed(
        client,
        team.hiring_manager,
        team.role_id,
        intake_content(skills=[skill("Kafka")]),
        note="Kafka only",
    )
    role = (
        await gql_data(client, team.hiring_manager, query, {"id": global_id("Role", team.role_id)})
    )["role"]
    assert role["intake"]["number"] == 1
    assert role["intake"]["status"] == "agreed"
    assert role["intake"]["mustHaveSkills"] == ["Python", "Go"]
    assert role["intake"]["skills"] == [
        {"name": "Python", "priority": "must"},
        {"name": "Kafka", "priority": "nice"},
        {"name": "Go", "priority": "must"},
        {"name": "Mentoring", "priority": "nice"},
    ]
    assert role["intake"]["minYears"] == 3
    assert role["intake"]["content"]["compensation"]["currency"] == "EUR"
    assert [e["node"] for e in role["intakeRevisions"]["edges"]] == [
        {"number": 1, "status": "agreed", "changeNote": "Kick-off"},
        {"number": 2, "status": "draft", "changeNote": "Kafka only"},
    ]

    # A nested connection pages: one revision at a time, resuming after the cursor.
    paged = """query($id: ID!, $after: String) { role(id: $id) {
        intakeRevisions(first: 1, after: $after) {
          edges { cursor node { number } } pageInfo { hasNextPage endCursor } } } }"""
    page = (await gql_data(client, team.recruiter, paged, {"id": team.role_id}))["role"]
    first_page = page["intakeRevisions"]
    assert [e["node"]["number"] for e in first_page["edges"]] == [1]
    assert first_page["pageInfo"]["hasNextPage"] is True
    assert first_page["pageInfo"]["endCursor"] == first_page["edges"][-1]["cursor"]
    after = {"id": team.role_id, "after": first_page["pageInfo"]["endCursor"]}
    second_page = (await gql_data(client, team.recruiter, paged, after))["role"]["intakeRevisions"]
    assert [e["node"]["number"] for e in second_page["edges"]] == [2]
    assert second_page["pageInfo"] == {
        "hasNextPage": False,
        "endCursor": second_page["edges"][-1]["cursor"],
    }
    body = (
        await gql(client, team.recruiter, paged, {"id": team.role_id, "after": "not-a-cursor"})
    ).json()
    assert query_error(body)["extensions"] == {"code": "invalid_input", "status": 422}


# --- mutations ----------------------------------------------------------------------------------


async def test_create_role_mutation(client: httpx.AsyncClient, tenant: Tenant) -> None:
    recruiter = await tenant.add("recruiter")
    hm = await tenant.add("hiring_manager", name="Hank Manager")
    result = await mutate(
        client,
        recruiter,
        CREATE_ROLE,
        "createRole",
        input={
            "title": "ML Engineer",
            "workplace": "remote",
            "headcount": 2,
            "recruiterId": str(recruiter.id),
            "hiringManagerId": global_id("Member", hm.id),
            "intake": intake_content(),
        },
    )
    assert result["__typename"] == "RolePayload"
    role = result["role"]
    assert role["title"] == "ML Engineer"
    assert role["status"] == "draft"
    assert role["headcount"] == 2
    assert role["hiringManager"]["name"] == "Hank Manager"
    rest = await get_role(client, recruiter, role["databaseId"])
    assert rest["hiring_manager_id"] == str(hm.id)
    assert [r["number"] for r in await revisions(client, recruiter, role["databaseId"])] == [1]


async def test_create_role_errors_match_rest(client: httpx.AsyncClient, tenant: Tenant) -> None:
    recruiter = await tenant.add("recruiter")
    hm = await tenant.add("hiring_manager")
    interviewer = await tenant.add("interviewer")

    assert_error(
        await mutate(client, hm, CREATE_ROLE, "createRole", input={"title": "Nope"}),
        "forbidden",
        403,
    )
    assert_error(
        await mutate(
            client,
            recruiter,
            CREATE_ROLE,
            "createRole",
            input={"title": "X", "hiringManagerId": str(interviewer.id)},
        ),
        "invalid_input",
        422,
        "hiringManagerId",
    )
    assert_error(
        await mutate(
            client,
            recruiter,
            CREATE_ROLE,
            "createRole",
            input={"title": "X", "recruiterId": global_id("Member", hm.id)},
        ),
        "invalid_input",
        422,
        "recruiterId",
    )
    assert_error(
        await mutate(
            client,
            recruiter,
            CREATE_ROLE,
            "createRole",
            input={"title": "X", "recruiterId": global_id("Role", uuid.uuid4())},
        ),
        "invalid_input",
        422,
        "recruiterId",
    )
    assert_error(
        await mutate(
            client,
            recruiter,
            CREATE_ROLE,
            "createRole",
            input={"title": "X", "headcount": 0},
        ),
        "invalid_input",
        422,
        "headcount",
    )
    # A value outside an enum is refused by the schema before anything runs, naming the field.
    await enum_refused(
        client, recruiter, CREATE_ROLE, "workplace", input={"title": "X", "workplace": "moon"}
    )
    assert_error(
        await mutate(
            client,
            recruiter,
            CREATE_ROLE,
            "createRole",
            input={"title": "X", "intake": intake_content(skills=[skill("Go"), skill("go")])},
        ),
        "invalid_input",
        422,
        "intake.skills",
    )
    # None of these wrote anything.
    assert await list_all(client, tenant.admin, f"{API}/roles") == []
    assert await settled_events(client, tenant.admin, "role.created", "intake.revised") == []


async def test_update_role_mutation_and_its_errors(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    team = await role_team(client, tenant, title="Before")
    gid = global_id("Role", team.role_id)
    updated = await mutate(
        client,
        team.recruiter,
        UPDATE_ROLE,
        "updateRole",
        input={"id": gid, "expectedVersion": 1, "title": "After", "status": "open"},
    )
    assert updated["__typename"] == "RolePayload"
    assert updated["role"]["title"] == "After"
    assert updated["role"]["status"] == "open"
    assert updated["role"]["version"] == 2

    stale = await mutate(
        client,
        team.recruiter,
        UPDATE_ROLE,
        "updateRole",
        input={"id": gid, "expectedVersion": 1, "title": "Lost update"},
    )
    assert_error(stale, "precondition_failed", 412)
    illegal = await mutate(
        client,
        team.recruiter,
        UPDATE_ROLE,
        "updateRole",
        input={"id": team.role_id, "status": "draft"},
    )
    assert_error(illegal, "conflict", 409)
    assert "closed" in illegal["message"]
    assert "on_hold" in illegal["message"]
    assert_error(
        await mutate(
            client, team.hiring_manager, UPDATE_ROLE, "updateRole", input={"id": gid, "title": "HM"}
        ),
        "forbidden",
        403,
    )
    assert_error(
        await mutate(
            client,
            other_tenant.admin,
            UPDATE_ROLE,
            "updateRole",
            input={"id": gid, "title": "Theirs"},
        ),
        "not_found",
        404,
    )
    assert_error(
        await mutate(
            client,
            team.recruiter,
            UPDATE_ROLE,
            "updateRole",
            input={"id": gid, "hiringManagerId": str(team.recruiter.id)},
        ),
        "invalid_input",
        422,
        "hiringManagerId",
    )

    role = await get_role(client, tenant.admin, team.role_id)
    assert (role["title"], role["status"], role["version"]) == ("After", "open", 2)
    updates = await settled_events(client, tenant.admin, "role.updated")
    assert len(updates) == 1


async def test_intake_mutations(client: httpx.AsyncClient, tenant: Tenant) -> None:
    team = await role_team(client, tenant)
    other_hm = await tenant.add("hiring_manager")
    other_recruiter = await tenant.add("recruiter")
    gid = global_id("Role", team.role_id)

    revision = await mutate(
        client,
        team.hiring_manager,
        PROPOSE,
        "proposeIntakeRevision",
        input={"roleId": gid, "content": intake_content(), "changeNote": "First"},
    )
    assert revision["__typename"] == "IntakeRevisionPayload"
    assert revision["revision"]["number"] == 1
    assert revision["revision"]["status"] == "draft"
    assert revision["revision"]["mustHaveSkills"] == ["Python", "Go"]

    assert_error(
        await mutate(
            client,
            team.recruiter,
            PROPOSE,
            "proposeIntakeRevision",
            input={"roleId": gid, "content": intake_content(), "changeNote": ""},
        ),
        "invalid_input",
        422,
        "changeNote",
    )
    assert_error(
        await mutate(
            client,
            team.recruiter,
            PROPOSE,
            "proposeIntakeRevision",
            input={
                "roleId": gid,
                "content": intake_content(skills=[skill("Kafka"), skill("Kafka", "nice")]),
                "changeNote": "dup",
            },
        ),
        "invalid_input",
        422,
        "content.skills",
    )
    assert_error(
        await mutate(
            client,
            team.recruiter,
            PROPOSE,
            "proposeIntakeRevision",
            input={
                "roleId": gid,
                "content": intake_content(compensation={"currency": "EUR", "min": 9, "max": 1}),
                "changeNote": "pay",
            },
        ),
        "invalid_input",
        422,
        "content.compensation",
    )
    assert_error(
        await mutate(
            client,
            other_hm,
            PROPOSE,
            "proposeIntakeRevision",
            input={"roleId": gid, "content": intake_content(), "changeNote": "x"},
        ),
        "not_found",
        404,
    )
    assert [r["number"] for r in await revisions(client, team.recruiter, team.role_id)] == [1]

    sign = {"roleId": gid, "number": 1}
    assert_error(
        await mutate(client, other_recruiter, SIGN_OFF, "signOffIntakeRevision", input=sign),
        "forbidden",
        403,
    )
    assert_error(
        await mutate(client, other_hm, SIGN_OFF, "signOffIntakeRevision", input=sign),
        "not_found",
        404,
    )
    half = await mutate(client, team.recruiter, SIGN_OFF, "signOffIntakeRevision", input=sign)
    assert half["revision"]["status"] == "draft"
    assert half["revision"]["recruiterSignedOffAt"] is not None
    assert_error(
        await mutate(client, team.recruiter, SIGN_OFF, "signOffIntakeRevision", input=sign),
        "conflict",
        409,
    )
    agreed = await mutate(
        client, team.hiring_manager, SIGN_OFF, "signOffIntakeRevision", input=sign
    )
    assert agreed["revision"]["status"] == "agreed"
    assert agreed["revision"]["agreedAt"] is not None
    assert (
        ok(await client.get(f"{API}/roles/{team.role_id}/intake", headers=team.recruiter.headers))[
            "number"
        ]
        == 1
    )


async def test_member_mutations(client: httpx.AsyncClient, tenant: Tenant) -> None:
    recruiter = await tenant.add("recruiter")
    created = await mutate(
        client,
        tenant.admin,
        CREATE_MEMBER,
        "createMember",
        input={
            "email": "Gia@Example.com",
            "name": "Gia Graph",
            "permissionSet": "hiring_manager",
            "timeZone": "Asia/Tokyo",
            "workingHours": [{"day": "mon", "hours": [{"start": "10:00", "end": "18:00"}]}],
        },
    )
    assert created["__typename"] == "MemberPayload"
    member = created["member"]
    assert member["email"] == "gia@example.com"
    assert member["timeZone"] == "Asia/Tokyo"
    assert member["workingHours"] == [{"day": "mon", "hours": [{"start": "10:00", "end": "18:00"}]}]
    assert member["preferences"]["cadence"] == "daily"
    rest = ok(
        await client.get(f"{API}/members/{member['databaseId']}", headers=tenant.admin.headers)
    )
    assert rest["name"] == "Gia Graph"

    duplicate = await mutate(
        client,
        tenant.admin,
        CREATE_MEMBER,
        "createMember",
        input={"email": "gia@example.com", "name": "Other", "permissionSet": "interviewer"},
    )
    assert_error(duplicate, "conflict", 409)
    assert "gia@example.com" in duplicate["message"]
    assert_error(
        await mutate(
            client,
            recruiter,
            CREATE_MEMBER,
            "createMember",
            input={"email": "r@example.com", "name": "R", "permissionSet": "interviewer"},
        ),
        "forbidden",
        403,
    )
    assert_error(
        await mutate(
            client,
            tenant.admin,
            CREATE_MEMBER,
            "createMember",
            input={
                "email": "t@example.com",
                "name": "T",
                "permissionSet": "interviewer",
                "timeZone": "Nowhere/Land",
            },
        ),
        "invalid_input",
        422,
        "timeZone",
    )
    assert_error(
        await mutate(
            client,
            tenant.admin,
            CREATE_MEMBER,
            "createMember",
            input={
                "email": "w@example.com",
                "name": "W",
                "permissionSet": "interviewer",
                "workingHours": [
                    {
                        "day": "tue",
                        "hours": [
                            {"start": "09:00", "end": "12:00"},
                            {"start": "11:00", "end": "13:00"},
                        ],
                    }
                ],
            },
        ),
        "invalid_input",
        422,
        "workingHours",
    )
    await enum_refused(
        client,
        tenant.admin,
        CREATE_MEMBER,
        "permissionSet",
        input={"email": "p@example.com", "name": "P", "permissionSet": "owner"},
    )
    everyone = await list_all(client, tenant.admin, f"{API}/members")
    assert sorted(m["email"] for m in everyone) == sorted(
        [tenant.admin.member.email, recruiter.member.email, "gia@example.com"]
    )


async def test_update_preferences_mutation(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    hm = await tenant.add("hiring_manager")
    teammate = await tenant.add("hiring_manager")
    outsider = await other_tenant.add("hiring_manager")
    me = global_id("Member", hm.id)

    changed = await mutate(
        client,
        hm,
        UPDATE_PREFERENCES,
        "updatePreferences",
        input={
            "memberId": me,
            "updateCadence": "weekly",
            "updateLocalTime": "08:15",
            "delegateId": global_id("Member", teammate.id),
        },
    )
    prefs = changed["member"]["preferences"]
    assert prefs == {
        "cadence": "weekly",
        "channel": "email",
        "localTime": "08:15",
        "delegateId": global_id("Member", teammate.id),
    }
    rest = ok(await client.get(f"{API}/members/{hm.id}/preferences", headers=hm.headers))
    assert rest["delegate_id"] == str(teammate.id)

    assert_error(
        await mutate(
            client,
            hm,
            UPDATE_PREFERENCES,
            "updatePreferences",
            input={"memberId": me, "delegateId": me},
        ),
        "invalid_input",
        422,
        "delegateId",
    )
    assert_error(
        await mutate(
            client,
            hm,
            UPDATE_PREFERENCES,
            "updatePreferences",
            input={"memberId": me, "delegateId": str(outsider.id)},
        ),
        "invalid_input",
        422,
        "delegateId",
    )
    assert_error(
        await mutate(
            client,
            hm,
            UPDATE_PREFERENCES,
            "updatePreferences",
            input={"memberId": me, "updateChannel": "slack"},
        ),
        "invalid_input",
        422,
        "slackWebhookUrl",
    )
    assert_error(
        await mutate(
            client,
            teammate,
            UPDATE_PREFERENCES,
            "updatePreferences",
            input={"memberId": me, "updateCadence": "realtime"},
        ),
        "forbidden",
        403,
    )
    assert_error(
        await mutate(
            client,
            hm,
            UPDATE_PREFERENCES,
            "updatePreferences",
            input={"memberId": str(outsider.id), "updateCadence": "realtime"},
        ),
        "not_found",
        404,
    )
    rest = ok(await client.get(f"{API}/members/{hm.id}/preferences", headers=hm.headers))
    assert (rest["update_cadence"], rest["update_channel"], rest["delegate_id"]) == (
        "weekly",
        "email",
        str(teammate.id),
    )


async def test_null_for_a_required_member_field_is_invalid_input(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    member = await tenant.add("recruiter")
    me = global_id("Member", member.id)
    update_member = f"""mutation($id: ID!) {{
      updateMember(input: {{id: $id, name: null}}) {{ __typename {ERROR_FIELDS} }} }}"""
    assert_error(
        (await gql_data(client, member, update_member, {"id": me}))["updateMember"],
        "invalid_input",
        422,
        "name",
    )
    update_prefs = f"""mutation($id: ID!) {{
      updatePreferences(input: {{memberId: $id, updateCadence: null}}) {{ __typename {ERROR_FIELDS} }} }}"""
    assert_error(
        (await gql_data(client, member, update_prefs, {"id": me}))["updatePreferences"],
        "invalid_input",
        422,
        "updateCadence",
    )
    read = ok(await client.get(f"{API}/members/{member.id}", headers=member.headers))
    assert (read["name"], read["update_cadence"], read["version"]) == (
        member.member.name,
        "daily",
        1,
    )


async def test_api_key_mutations(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    alice = await tenant.add("recruiter")
    bob = await tenant.add("recruiter")
    created = await mutate(client, alice, CREATE_API_KEY, "createApiKey", input={"name": "graphql"})
    assert created["__typename"] == "ApiKeyPayload"
    key = created["key"]
    assert key.startswith("hl_")
    assert created["apiKey"]["memberId"] == global_id("Member", alice.id)
    headers = {"Authorization": f"Bearer {key}"}
    ok(await client.get(f"{API}/roles", headers=headers))

    for_bob = await mutate(
        client,
        tenant.admin,
        CREATE_API_KEY,
        "createApiKey",
        input={"name": "for bob", "memberId": global_id("Member", bob.id)},
    )
    assert for_bob["apiKey"]["memberId"] == global_id("Member", bob.id)
    assert_error(
        await mutate(
            client,
            alice,
            CREATE_API_KEY,
            "createApiKey",
            input={"name": "x", "memberId": str(bob.id)},
        ),
        "forbidden",
        403,
    )
    assert_error(
        await mutate(client, alice, CREATE_API_KEY, "createApiKey", input={"name": ""}),
        "invalid_input",
        422,
        "name",
    )

    assert_error(
        await mutate(client, alice, REVOKE_API_KEY, "revokeApiKey", id=for_bob["apiKey"]["id"]),
        "not_found",
        404,
    )
    ok(await client.get(f"{API}/roles", headers={"Authorization": f"Bearer {for_bob['key']}"}))

    outsider_key = await mutate(
        client, other_tenant.admin, CREATE_API_KEY, "createApiKey", input={"name": "theirs"}
    )
    assert_error(
        await mutate(
            client, tenant.admin, REVOKE_API_KEY, "revokeApiKey", id=outsider_key["apiKey"]["id"]
        ),
        "not_found",
        404,
    )
    assert_error(
        await mutate(
            client,
            tenant.admin,
            CREATE_API_KEY,
            "createApiKey",
            input={"name": "x", "memberId": str(other_tenant.admin.id)},
        ),
        "invalid_input",
        422,
        "memberId",
    )
    ok(await client.get(f"{API}/roles", headers={"Authorization": f"Bearer {outsider_key['key']}"}))

    revoked = await mutate(
        client, alice, REVOKE_API_KEY, "revokeApiKey", id=created["apiKey"]["id"]
    )
    assert revoked["apiKey"]["revokedAt"] is not None
    assert revoked["key"] is None
    problem(await client.get(f"{API}/roles", headers=headers), 401)

    keys = await list_all(client, tenant.admin, f"{API}/api-keys")
    assert len([k for k in keys if k["member_id"] == str(alice.id)]) == 2
    assert len([k for k in keys if k["member_id"] == str(bob.id)]) == 2


async def test_failed_mutations_leave_nothing_written(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    team = await role_team(client, tenant, title="Stable")
    await proposed(client, team.recruiter, team.role_id, note="Only one")
    baseline = await settled_events(client, tenant.admin)
    assert len(of_resource(baseline, team.role_id)) == 2
    members_before = await list_all(client, tenant.admin, f"{API}/members")

    # Several failures in one request: each mutation runs on its own and fails on its own.
    document = f"""
    mutation($gid: ID!, $content: JSON!) {{
      stale: updateRole(input: {{id: $gid, expectedVersion: 7, title: "Overwritten"}}) {{ __typename {ERROR_FIELDS} }}
      bad: createRole(input: {{title: "Ghost", hiringManagerId: "{team.recruiter.id}"}}) {{ __typename {ERROR_FIELDS} }}
      dup: createMember(input: {{email: "{team.recruiter.member.email}", name: "Twin", permissionSet: recruiter}}) {{
        __typename {ERROR_FIELDS} }}
      closed: proposeIntakeRevision(input: {{roleId: $gid, content: $content, changeNote: "   "}}) {{ __typename {ERROR_FIELDS} }}
      third: signOffIntakeRevision(input: {{roleId: $gid, number: 1}}) {{ __typename {ERROR_FIELDS} }}
    }}"""
    data = await gql_data(
        client,
        tenant.admin,
        document,
        {"gid": global_id("Role", team.role_id), "content": intake_content()},
    )
    assert_error(data["stale"], "precondition_failed", 412)
    assert_error(data["bad"], "invalid_input", 422, "hiringManagerId")
    assert_error(data["dup"], "conflict", 409)
    assert_error(data["closed"], "invalid_input", 422, "changeNote")
    assert_error(data["third"], "forbidden", 403)

    role = await get_role(client, tenant.admin, team.role_id)
    assert (role["title"], role["version"]) == ("Stable", 1)
    assert await list_all(client, tenant.admin, f"{API}/roles") == [role]
    assert await list_all(client, tenant.admin, f"{API}/members") == members_before
    (revision,) = await revisions(client, tenant.admin, team.role_id)
    assert revision["recruiter_signed_off_at"] is None
    assert revision["hiring_manager_signed_off_at"] is None
    after = await settled_events(client, tenant.admin)
    # Only the first sentinel's key events are new; the failed mutations recorded nothing.
    new = [e for e in after if e["id"] not in {b["id"] for b in baseline}]
    assert [e["type"] for e in new] == ["api_key.created"], new


# --- limits -------------------------------------------------------------------------------------


async def test_alias_limit(client: httpx.AsyncClient, tenant: Tenant) -> None:
    fifteen = "{ " + " ".join(f"a{i}: organization {{ name }}" for i in range(15)) + " }"
    data = await gql_data(client, tenant.admin, fifteen)
    assert len(data) == 15

    sixteen = "{ " + " ".join(f"a{i}: organization {{ name }}" for i in range(16)) + " }"
    body = (await gql(client, tenant.admin, sixteen)).json()
    assert body.get("data") is None
    assert "alias" in query_error(body)["message"].lower()

    # A refused operation runs nothing, mutations included.
    many = (
        "mutation { "
        + " ".join(
            f'm{i}: createRole(input: {{title: "Alias {i}"}}) {{ __typename }}' for i in range(16)
        )
        + " }"
    )
    body = (await gql(client, tenant.admin, many)).json()
    assert body.get("data") is None
    assert body["errors"]
    assert await list_all(client, tenant.admin, f"{API}/roles") == []


async def test_token_limit(client: httpx.AsyncClient, tenant: Tenant) -> None:
    too_many = "{ organization { " + " ".join("name" for _ in range(2100)) + " } }"
    body = (await gql(client, tenant.admin, too_many)).json()
    assert body.get("data") is None
    assert "token" in query_error(body)["message"].lower()
    fine = "{ organization { " + " ".join("name" for _ in range(100)) + " } }"
    assert (await gql_data(client, tenant.admin, fine))["organization"]["name"] == "Acme"


async def test_depth_limit(client: httpx.AsyncClient, tenant: Tenant) -> None:
    nested = "{ roles { " + "edges { node { " * 6 + "title" + " } }" * 6 + " } }"
    body = (await gql(client, tenant.admin, nested)).json()
    assert body.get("data") is None
    assert any("depth" in e["message"] for e in body["errors"]), body


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def strict_app(database_url: str) -> AsyncIterator[FastAPI]:
    """The same app with tighter GraphQL limits, to see legitimate queries refused at the limit."""
    settings = make_settings(graphql_max_depth=4, graphql_max_tokens=60, graphql_max_aliases=2)
    application = create_app(settings, database_url=database_url)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def strict_client(strict_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=strict_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hireloop.test") as c:
        yield c


async def test_limits_refuse_legitimate_queries_beyond_them(
    strict_client: httpx.AsyncClient, tenant: Tenant
) -> None:
    team = await role_team(strict_client, tenant)
    await team.agree(strict_client)
    shallow = "{ roles { edges { node { title } } } }"
    assert (await gql_data(strict_client, tenant.admin, shallow))["roles"]["edges"]

    deep = "{ roles { edges { node { hiringManager { workingHours { day } } } } } }"
    body = (await gql(strict_client, tenant.admin, deep)).json()
    assert body.get("data") is None
    assert "depth" in query_error(body)["message"]

    aliases = "{ a: organization { name } b: organization { name } c: organization { name } }"
    body = (await gql(strict_client, tenant.admin, aliases)).json()
    assert body.get("data") is None
    assert "alias" in query_error(body)["message"].lower()

    long_query = "{ organization { " + " ".join("name" for _ in range(70)) + " } }"
    body = (await gql(strict_client, tenant.admin, long_query)).json()
    assert body.get("data") is None
    assert "token" in query_error(body)["message"].lower()


# --- SQL statements per page --------------------------------------------------------------------


async def seed_agreed_roles(tenant: Tenant, count: int) -> None:
    recruiter = await tenant.add("recruiter")
    managers = [await tenant.add("hiring_manager") for _ in range(3)]
    content = IntakeContent.model_validate(intake_content())
    async with tenant.db.transaction() as session:
        for i in range(count):
            hm = managers[i % len(managers)]
            role = await roles_service.create_role(
                session,
                recruiter.actor,
                RoleCreate(
                    title=f"Seeded Role {i:02}",
                    recruiter_id=recruiter.id,
                    hiring_manager_id=hm.id,
                    intake=content,
                ),
            )
            await intake_service.sign_off(session, recruiter.actor, role.id, 1)
            await intake_service.sign_off(session, hm.actor, role.id, 1)


async def counted(
    client: httpx.AsyncClient, who: Person, query: str, variables: dict[str, Any]
) -> tuple[int, JSON]:
    # Warm the credential cache first so both measurements count the same work.
    await gql_data(client, who, "{ organization { name } }")
    response = await gql(client, who, query, variables)
    assert response.status_code == 200, response.text
    body: JSON = response.json()
    assert not body.get("errors"), body
    return int(response.headers["x-statement-count"]), body["data"]


async def test_roles_page_costs_the_same_statements_whatever_its_size(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    await seed_agreed_roles(tenant, 60)

    small_count, small = await counted(client, tenant.admin, ROLES_PAGE, {"first": 5})
    large_count, large = await counted(client, tenant.admin, ROLES_PAGE, {"first": 50})

    assert len(small["roles"]["edges"]) == 5
    assert len(large["roles"]["edges"]) == 50
    assert large["roles"]["pageInfo"]["hasNextPage"] is True
    for edge in large["roles"]["edges"]:
        node = edge["node"]
        assert node["intake"]["mustHaveSkills"] == ["Python", "Go"]
        assert node["intake"]["skills"][1] == {"name": "Kafka", "priority": "nice"}
        assert node["hiringManager"]["name"].startswith("hiring_manager-")
    assert small_count == large_count, (small_count, large_count)
    assert large_count <= 4, large_count

    # The other edges are batched too: adding recruiter and revisions costs a fixed amount.
    wider = """query($first: Int!) { roles(first: $first) { edges { node {
        title intake { mustHaveSkills } hiringManager { name } recruiter { name }
        intakeRevisions { edges { node { number } } }
      } } } }"""
    wide_small, _ = await counted(client, tenant.admin, wider, {"first": 5})
    wide_large, wide = await counted(client, tenant.admin, wider, {"first": 50})
    assert wide_small == wide_large, (wide_small, wide_large)
    assert all(
        e["node"]["intakeRevisions"]["edges"] == [{"node": {"number": 1}}]
        for e in wide["roles"]["edges"]
    )
