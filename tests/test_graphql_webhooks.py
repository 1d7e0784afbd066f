"""Webhook endpoints over GraphQL: the same capabilities, permissions and codes as REST."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import Person, Tenant
from tests.helpers_domain import API, JSON, global_id, gql, gql_data, ok

ERROR = "... on MutationError { code status message fields { field message } }"
ENDPOINT = "id databaseId url description eventTypes status version"

CREATE = f"""
mutation($input: CreateWebhookEndpointInput!) {{
  createWebhookEndpoint(input: $input) {{
    __typename ... on WebhookEndpointPayload {{ secret webhookEndpoint {{ {ENDPOINT} }} }} {ERROR}
  }}
}}"""
UPDATE = f"""
mutation($input: UpdateWebhookEndpointInput!) {{
  updateWebhookEndpoint(input: $input) {{
    __typename ... on WebhookEndpointPayload {{ secret webhookEndpoint {{ {ENDPOINT} }} }} {ERROR}
  }}
}}"""
DISABLE = f"""
mutation($id: ID!) {{
  disableWebhookEndpoint(id: $id) {{
    __typename ... on WebhookEndpointPayload {{ webhookEndpoint {{ status }} }} {ERROR}
  }}
}}"""
ENABLE = DISABLE.replace("disableWebhookEndpoint", "enableWebhookEndpoint")
ROTATE = f"""
mutation($id: ID!) {{
  rotateWebhookSecret(id: $id) {{
    __typename ... on WebhookSecretPayload {{ secret previousSecretExpiresAt }} {ERROR}
  }}
}}"""
TEST = f"""
mutation($id: ID!) {{
  sendWebhookTest(id: $id) {{
    __typename ... on WebhookDeliveryPayload {{ delivery {{ id endpointId eventType status }} }}
    {ERROR}
  }}
}}"""
DELETE = f"""
mutation($id: ID!) {{
  deleteWebhookEndpoint(id: $id) {{
    __typename ... on WebhookEndpointDeletedPayload {{ deletedId }} {ERROR}
  }}
}}"""
LIST = f"""
query($first: Int!, $after: String) {{
  webhookEndpoints(first: $first, after: $after) {{
    edges {{ cursor node {{ {ENDPOINT} }} }}
    pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }}
  }}
}}"""
ONE = f"query($id: ID!) {{ webhookEndpoint(id: $id) {{ {ENDPOINT} }} }}"
DELIVERIES = """
query($id: ID!) {
  webhookDeliveries(endpointId: $id) { edges { node { id eventType status } } }
  webhookAttempts(endpointId: $id) { edges { node { id } } }
}"""


async def _mutate(
    client: httpx.AsyncClient, who: Person, document: str, field: str, **variables: Any
) -> JSON:
    result: JSON = (await gql_data(client, who, document, variables))[field]
    return result


async def test_an_admin_manages_endpoints_as_over_rest(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    admin = tenant.admin
    created = await _mutate(
        client,
        admin,
        CREATE,
        "createWebhookEndpoint",
        input={"url": "https://hooks.example.com/in", "eventTypes": ["role.created"]},
    )
    assert created["__typename"] == "WebhookEndpointPayload", created
    assert created["secret"].startswith("whsec_")
    endpoint = created["webhookEndpoint"]
    assert endpoint["id"] == global_id("WebhookEndpoint", endpoint["databaseId"])
    assert (endpoint["status"], endpoint["eventTypes"]) == ("enabled", ["role.created"])
    rest = ok(
        await client.get(f"{API}/webhook-endpoints/{endpoint['databaseId']}", headers=admin.headers)
    )
    assert rest["url"] == endpoint["url"]

    # The same validation as REST, naming the field.
    bad = await _mutate(client, admin, CREATE, "createWebhookEndpoint", input={"url": "ftp://x"})
    assert (bad["code"], bad["status"]) == ("invalid_input", 422)
    assert "url" in {f["field"] for f in bad["fields"]}

    stale = await _mutate(
        client,
        admin,
        UPDATE,
        "updateWebhookEndpoint",
        input={"id": endpoint["id"], "expectedVersion": 9, "description": "x"},
    )
    assert stale["code"] == "precondition_failed", stale
    updated = await _mutate(
        client,
        admin,
        UPDATE,
        "updateWebhookEndpoint",
        input={"id": endpoint["id"], "expectedVersion": 1, "description": "ATS bridge"},
    )
    assert updated["webhookEndpoint"]["description"] == "ATS bridge"
    assert updated["secret"] is None

    disabled = await _mutate(client, admin, DISABLE, "disableWebhookEndpoint", id=endpoint["id"])
    assert disabled["webhookEndpoint"]["status"] == "disabled"
    enabled = await _mutate(client, admin, ENABLE, "enableWebhookEndpoint", id=endpoint["id"])
    assert enabled["webhookEndpoint"]["status"] == "enabled"
    rotated = await _mutate(client, admin, ROTATE, "rotateWebhookSecret", id=endpoint["id"])
    assert rotated["secret"].startswith("whsec_")
    assert rotated["secret"] != created["secret"]

    sent = await _mutate(client, admin, TEST, "sendWebhookTest", id=endpoint["id"])
    assert sent["delivery"]["endpointId"] == endpoint["id"]
    listed = await gql_data(client, admin, DELIVERIES, {"id": endpoint["id"]})
    assert [d["node"]["id"] for d in listed["webhookDeliveries"]["edges"]] == [
        sent["delivery"]["id"]
    ]
    # A delivery is a Node: refetched by its id alone, by admins of its organization only.
    refetch = "query($id: ID!) { node(id: $id) { id ... on WebhookDelivery { eventType } } }"
    node = (await gql_data(client, admin, refetch, {"id": sent["delivery"]["id"]}))["node"]
    assert node == {"id": sent["delivery"]["id"], "eventType": sent["delivery"]["eventType"]}
    hidden = await gql_data(client, other_tenant.admin, refetch, {"id": sent["delivery"]["id"]})
    assert hidden["node"] is None

    page = (await gql_data(client, admin, LIST, {"first": 1}))["webhookEndpoints"]
    assert [e["node"]["id"] for e in page["edges"]] == [endpoint["id"]]
    assert page["pageInfo"]["startCursor"] == page["edges"][0]["cursor"]
    assert page["pageInfo"]["hasPreviousPage"] is False

    # Another organization's admin and a recruiter of this one see and change nothing.
    outsider = other_tenant.admin
    assert (await gql_data(client, outsider, ONE, {"id": endpoint["id"]}))[
        "webhookEndpoint"
    ] is None
    foreign = await _mutate(client, outsider, DISABLE, "disableWebhookEndpoint", id=endpoint["id"])
    assert foreign["code"] == "not_found", foreign
    recruiter = await tenant.add("recruiter")
    refused = await _mutate(client, recruiter, DISABLE, "disableWebhookEndpoint", id=endpoint["id"])
    assert refused["code"] == "forbidden", refused
    body = (await gql(client, recruiter, LIST, {"first": 5})).json()
    assert body["errors"][0]["extensions"]["code"] == "forbidden", body

    deleted = await _mutate(client, admin, DELETE, "deleteWebhookEndpoint", id=endpoint["id"])
    assert deleted["deletedId"] == endpoint["id"]
    assert (await gql_data(client, admin, ONE, {"id": endpoint["id"]}))["webhookEndpoint"] is None
