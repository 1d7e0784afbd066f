"""Rejection reasons, the events feed, notifications and API keys over GraphQL: what REST
answers, with the same permissions."""

from __future__ import annotations

import httpx

from tests.conftest import Tenant
from tests.helpers_domain import (
    API,
    create_role,
    global_id,
    gql,
    gql_data,
    ok,
    settled_events,
)

REASONS = (
    "query($all: Boolean!) { rejectionReasons(includeInactive: $all) { id code label isActive } }"
)
CREATE_REASON = """
mutation($input: CreateRejectionReasonInput!) {
  createRejectionReason(input: $input) {
    __typename
    ... on RejectionReasonPayload { rejectionReason { id databaseId code label isActive } }
    ... on MutationError { code status fields { field } }
  }
}"""
UPDATE_REASON = CREATE_REASON.replace("createRejectionReason", "updateRejectionReason").replace(
    "CreateRejectionReasonInput", "UpdateRejectionReasonInput"
)
EVENTS = """
query($after: String) {
  events(first: 100, after: $after, types: [role_created]) {
    edges { cursor node { id databaseId type resourceType resourceId data } }
    pageInfo { endCursor hasNextPage }
  }
}"""
KEYS = "{ apiKeys(first: 50) { edges { node { id databaseId name memberId } } pageInfo { hasNextPage } } }"
NOTIFICATIONS = "{ notifications(first: 10) { edges { node { id kind status } } } }"


async def test_rejection_reasons_over_graphql(client: httpx.AsyncClient, tenant: Tenant) -> None:
    admin = tenant.admin
    made = (
        await gql_data(
            client, admin, CREATE_REASON, {"input": {"code": "too_junior", "label": "Too junior"}}
        )
    )["createRejectionReason"]
    assert made["__typename"] == "RejectionReasonPayload", made
    reason = made["rejectionReason"]
    assert reason["id"] == global_id("RejectionReason", reason["databaseId"])
    rest = ok(await client.get(f"{API}/rejection-reasons", headers=admin.headers))["items"]
    listed = (await gql_data(client, admin, REASONS, {"all": False}))["rejectionReasons"]
    assert sorted(r["code"] for r in listed) == sorted(r["code"] for r in rest)

    retired = (
        await gql_data(
            client, admin, UPDATE_REASON, {"input": {"id": reason["id"], "isActive": False}}
        )
    )["updateRejectionReason"]
    assert retired["rejectionReason"]["isActive"] is False
    active = (await gql_data(client, admin, REASONS, {"all": False}))["rejectionReasons"]
    assert reason["id"] not in {r["id"] for r in active}

    recruiter = await tenant.add("recruiter")
    refused = (
        await gql_data(
            client, recruiter, CREATE_REASON, {"input": {"code": "nope", "label": "Nope"}}
        )
    )["createRejectionReason"]
    assert (refused["code"], refused["status"]) == ("forbidden", 403)
    duplicate = (
        await gql_data(
            client, admin, CREATE_REASON, {"input": {"code": "too_junior", "label": "Again"}}
        )
    )["createRejectionReason"]
    assert duplicate["__typename"] == "MutationError", duplicate


async def test_events_feed_and_keys_as_rest(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    admin = tenant.admin
    role = await create_role(client, admin, title="Feed role")
    await create_role(client, other_tenant.admin, title="Not ours")
    # Once every event so far is visible to the feed (so an empty answer is not timing).
    settled = await settled_events(client, admin, "role.created")
    assert [e["resource_id"] for e in settled] == [role["id"]]
    feed = (await gql_data(client, admin, EVENTS, {"after": None}))["events"]
    nodes = [e["node"] for e in feed["edges"]]
    assert [e["resourceId"] for e in nodes] == [global_id("Role", role["id"])]
    assert nodes[0]["type"] == "role_created"
    rest = ok(
        await client.get(f"{API}/events", params={"type": "role.created"}, headers=admin.headers)
    )
    assert [e["id"] for e in rest["items"]] == [e["databaseId"] for e in nodes]
    # Caught up: the end cursor answers only newer events.
    end = feed["pageInfo"]["endCursor"]
    assert end == feed["edges"][-1]["cursor"]
    later = (await gql_data(client, admin, EVENTS, {"after": end}))["events"]
    assert later["edges"] == []
    assert later["pageInfo"] == {"endCursor": end, "hasNextPage": False}

    interviewer = await tenant.add("interviewer")
    body = (await gql(client, interviewer, EVENTS, {"after": None})).json()
    assert body["errors"][0]["extensions"]["code"] == "forbidden", body

    keys = (await gql_data(client, admin, KEYS))["apiKeys"]["edges"]
    rest_keys = ok(await client.get(f"{API}/api-keys", headers=admin.headers))["items"]
    assert sorted(k["node"]["databaseId"] for k in keys) == sorted(k["id"] for k in rest_keys)
    own = (await gql_data(client, interviewer, KEYS))["apiKeys"]["edges"]
    assert {k["node"]["memberId"] for k in own} == {global_id("Member", interviewer.id)}

    notes = (await gql_data(client, admin, NOTIFICATIONS))["notifications"]["edges"]
    rest_notes = ok(await client.get(f"{API}/notifications", headers=admin.headers))["items"]
    assert len(notes) == min(10, len(rest_notes))
