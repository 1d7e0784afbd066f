"""ATS connections over GraphQL: the same capabilities, permissions, secrecy and codes as REST."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import Person, Tenant
from tests.helpers_domain import API, JSON, global_id, gql, gql_data, ok
from tests.helpers_pipeline import make_role

ERROR = "... on MutationError { code status message fields { field message } }"
CONNECTION = (
    "id databaseId provider name status baseUrl stageMap rejectionMap credentialNames "
    "webhookSecretSet webhookUrl version health { pendingInbound failedInbound recentErrors "
    "{ reason } }"
)
CREATE = f"""
mutation($input: CreateAtsConnectionInput!) {{
  createAtsConnection(input: $input) {{
    __typename ... on AtsConnectionPayload {{ atsConnection {{ {CONNECTION} }} }} {ERROR}
  }}
}}"""
UPDATE = f"""
mutation($input: UpdateAtsConnectionInput!) {{
  updateAtsConnection(input: $input) {{
    __typename ... on AtsConnectionPayload {{ atsConnection {{ {CONNECTION} }} }} {ERROR}
  }}
}}"""
PAUSE = f"""
mutation($id: ID!) {{
  pauseAtsConnection(id: $id) {{
    __typename ... on AtsConnectionPayload {{ atsConnection {{ status }} }} {ERROR}
  }}
}}"""
RESUME = PAUSE.replace("pauseAtsConnection", "resumeAtsConnection")
SYNC = f"""
mutation($id: ID!, $kind: AtsSyncKind!) {{
  startAtsSync(connectionId: $id, kind: $kind) {{
    __typename ... on AtsSyncPayload {{ sync {{ id connectionId kind status }} }} {ERROR}
  }}
}}"""
DELETE = f"""
mutation($id: ID!) {{
  deleteAtsConnection(id: $id) {{
    __typename ... on AtsConnectionDeletedPayload {{ deletedId }} {ERROR}
  }}
}}"""
LINK = f"""
mutation($input: LinkRoleExternalRefInput!) {{
  linkRoleExternalRef(input: $input) {{
    __typename ... on ExternalRefPayload {{ externalRef {{ connectionId externalId }} }} {ERROR}
  }}
}}"""
READ = f"""
query($id: ID!) {{
  atsConnection(id: $id) {{ {CONNECTION} }}
  atsSync(connectionId: $id) {{ id kind status }}
  atsInboundEvents(connectionId: $id, status: pending) {{
    edges {{ node {{ id eventType status }} }} pageInfo {{ hasNextPage }}
  }}
}}"""
LIST = f"query {{ atsConnections(first: 10) {{ edges {{ node {{ {CONNECTION} }} }} }} }}"
SECRET = "harvest-client-secret-Zq81xP"


def _input(**extra: Any) -> JSON:
    return {
        "provider": "greenhouse",
        "name": "Our Greenhouse",
        "credentials": {"client_id": "gh-client-id", "client_secret": SECRET},
        "webhookSecret": "webhook-signing-secret-Wm27yK",
        "baseUrl": "http://127.0.0.1:9/v3",
        **extra,
    }


async def _mutate(
    client: httpx.AsyncClient, who: Person, document: str, field: str, **variables: Any
) -> JSON:
    result: JSON = (await gql_data(client, who, document, variables))[field]
    return result


async def test_an_admin_manages_connections_as_over_rest(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    admin = tenant.admin
    created = await _mutate(client, admin, CREATE, "createAtsConnection", input=_input())
    assert created["__typename"] == "AtsConnectionPayload", created
    connection = created["atsConnection"]
    assert connection["id"] == global_id("AtsConnection", connection["databaseId"])
    assert connection["provider"] == "greenhouse"
    assert sorted(connection["credentialNames"]) == ["client_id", "client_secret"]
    assert connection["webhookSecretSet"] is True
    # Secrets are never shown again, in either transport.
    assert SECRET not in str(created)
    rest = ok(
        await client.get(f"{API}/integrations/{connection['databaseId']}", headers=admin.headers)
    )
    assert rest["name"] == connection["name"]

    stale = await _mutate(
        client,
        admin,
        UPDATE,
        "updateAtsConnection",
        input={"id": connection["id"], "expectedVersion": 9, "name": "x"},
    )
    assert stale["code"] == "precondition_failed", stale
    updated = await _mutate(
        client,
        admin,
        UPDATE,
        "updateAtsConnection",
        input={
            "id": connection["id"],
            "expectedVersion": connection["version"],
            "name": "Harvest",
            "stageMap": {"Phone Screen": "screening"},
        },
    )
    assert updated["atsConnection"]["name"] == "Harvest", updated
    assert updated["atsConnection"]["stageMap"] == {"Phone Screen": "screening"}

    read = await gql_data(client, admin, READ, {"id": connection["id"]})
    assert read["atsConnection"]["name"] == "Harvest"
    assert read["atsSync"] is None  # no sync yet
    assert read["atsInboundEvents"]["edges"] == []
    listed = await gql_data(client, admin, LIST)
    assert [e["node"]["id"] for e in listed["atsConnections"]["edges"]] == [connection["id"]]

    paused = await _mutate(client, admin, PAUSE, "pauseAtsConnection", id=connection["id"])
    assert paused["atsConnection"]["status"] == "paused"
    refused = await _mutate(
        client, admin, SYNC, "startAtsSync", id=connection["id"], kind="incremental"
    )
    assert (refused["code"], refused["status"]) == ("conflict", 409), refused
    resumed = await _mutate(client, admin, RESUME, "resumeAtsConnection", id=connection["id"])
    assert resumed["atsConnection"]["status"] == "active"
    started = await _mutate(client, admin, SYNC, "startAtsSync", id=connection["id"], kind="full")
    assert started["__typename"] == "AtsSyncPayload", started
    assert started["sync"]["connectionId"] == connection["id"]
    assert started["sync"]["kind"] == "full"
    read = await gql_data(client, admin, READ, {"id": connection["id"]})
    assert read["atsSync"]["id"] == started["sync"]["id"]

    # A role's id in the ATS names the connection by its global id.
    role_id = await make_role(client, admin, None, intake=None)
    linked = await _mutate(
        client,
        admin,
        LINK,
        "linkRoleExternalRef",
        input={
            "roleId": global_id("Role", role_id),
            "connectionId": connection["id"],
            "externalId": "4011",
        },
    )
    assert linked["externalRef"] == {"connectionId": connection["id"], "externalId": "4011"}

    deleted = await _mutate(client, admin, DELETE, "deleteAtsConnection", id=connection["id"])
    assert deleted["deletedId"] == connection["id"]
    gone = await gql_data(client, admin, READ.split("atsSync")[0] + "}", {"id": connection["id"]})
    assert gone["atsConnection"] is None


async def test_validation_names_the_field_and_recruiters_only_read(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    admin = tenant.admin
    bad = await _mutate(
        client,
        admin,
        CREATE,
        "createAtsConnection",
        input=_input(credentials={"Bad Name": "x"}),
    )
    assert (bad["code"], bad["status"]) == ("invalid_input", 422), bad
    assert any(f["field"].startswith("credentials") for f in bad["fields"]), bad

    recruiter = await tenant.add("recruiter")
    refused = await _mutate(client, recruiter, CREATE, "createAtsConnection", input=_input())
    assert refused["code"] == "forbidden", refused
    created = await _mutate(client, admin, CREATE, "createAtsConnection", input=_input())
    connection_id = created["atsConnection"]["id"]
    read = await gql_data(client, recruiter, READ, {"id": connection_id})
    assert read["atsConnection"]["id"] == connection_id


async def test_another_organizations_connection_is_not_found(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    created = await _mutate(client, tenant.admin, CREATE, "createAtsConnection", input=_input())
    theirs = created["atsConnection"]["id"]
    stranger = other_tenant.admin
    one = f"query($id: ID!) {{ atsConnection(id: $id) {{ {CONNECTION} }} }}"
    assert (await gql_data(client, stranger, one, {"id": theirs}))["atsConnection"] is None
    for document, field in ((PAUSE, "pauseAtsConnection"), (DELETE, "deleteAtsConnection")):
        answer = await _mutate(client, stranger, document, field, id=theirs)
        assert (answer["code"], answer["status"]) == ("not_found", 404), answer
    events = await gql(
        client,
        stranger,
        "query($id: ID!) { atsInboundEvents(connectionId: $id) { edges { cursor } } }",
        {"id": theirs},
    )
    errors = events.json()["errors"]
    assert errors[0]["extensions"]["code"] == "not_found", errors
    # Still there for its owner.
    mine = await gql_data(client, tenant.admin, one, {"id": theirs})
    assert mine["atsConnection"]["status"] == "active"
