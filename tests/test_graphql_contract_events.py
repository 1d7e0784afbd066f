"""Issue 14's contract for events, the audit trail, notifications and link templates: Event and
AuditEntry are Nodes (`node(id:)` round trip, another organization's id is null), the feed is a
connection whose references are global ids, REST's feed takes `sort` from its one-value
allow-list, and the closed sets are enums."""

from __future__ import annotations

import httpx

from app.main import create_app
from tests.conftest import Person, Tenant, make_settings
from tests.helpers_domain import (
    API,
    JSON,
    create_role,
    global_id,
    gql,
    gql_data,
    ok,
    settled_events,
)

EVENTS = """
query($after: String, $types: [EventType!]) {
  events(first: 100, after: $after, types: $types) {
    edges { cursor node { id databaseId type resourceType resourceId actorMemberId } }
    pageInfo { endCursor hasNextPage hasPreviousPage startCursor }
  }
}"""
NODE = """
query($id: ID!) {
  node(id: $id) {
    __typename id
    ... on Event { databaseId type resourceId }
    ... on AuditEntry { databaseId action subjectType }
    ... on Role { databaseId }
  }
}"""
AUDIT = "{ auditEntries(first: 5, action: api_key_created) { edges { node { id databaseId } } } }"


async def _node(client: httpx.AsyncClient, who: Person, gid: str) -> JSON | None:
    data = await gql_data(client, who, NODE, {"id": gid})
    node: JSON | None = data["node"]
    return node


async def test_an_event_is_a_node_with_global_references(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    admin = tenant.admin
    role = await create_role(client, admin, title="Contract role")
    settled = await settled_events(client, admin, "role.created")
    assert [e["resource_id"] for e in settled] == [role["id"]]

    feed = (await gql_data(client, admin, EVENTS, {"types": ["role_created"]}))["events"]
    (edge,) = feed["edges"]
    event = edge["node"]
    assert event["id"] == global_id("Event", event["databaseId"])
    assert event["databaseId"] == settled[0]["id"]
    assert (event["type"], event["resourceType"]) == ("role_created", "role")
    assert event["resourceId"] == global_id("Role", role["id"])
    assert event["actorMemberId"] == global_id("Member", admin.id)
    page_info = feed["pageInfo"]
    assert page_info["startCursor"] == page_info["endCursor"] == edge["cursor"]
    assert page_info["hasNextPage"] is False
    assert page_info["hasPreviousPage"] is False

    # node(id:) finds the event, and its resourceId finds the role.
    found = await _node(client, admin, event["id"])
    assert found == {
        "__typename": "Event",
        "id": event["id"],
        "databaseId": event["databaseId"],
        "type": "role_created",
        "resourceId": event["resourceId"],
    }
    resource = await _node(client, admin, event["resourceId"])
    assert resource
    assert resource["databaseId"] == role["id"]

    # Another organization, and a member who may not read the feed, get null.
    assert await _node(client, other_tenant.admin, event["id"]) is None
    assert await _node(client, await tenant.add("interviewer"), event["id"]) is None
    assert await _node(client, await tenant.add("recruiter"), event["id"]) is not None

    # A type outside the catalogue is refused before anything runs.
    body = (await gql(client, admin, EVENTS, {"types": ["role_exploded"]})).json()
    assert body["errors"][0]["extensions"]["code"] == "invalid_query", body


async def test_an_audit_entry_is_a_node(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    admin = tenant.admin
    ok(await client.post(f"{API}/api-keys", headers=admin.headers, json={"name": "ci"}), 201)
    (edge, *_) = (await gql_data(client, admin, AUDIT))["auditEntries"]["edges"]
    entry = edge["node"]
    assert entry["id"] == global_id("AuditEntry", entry["databaseId"])
    found = await _node(client, admin, entry["id"])
    assert found == {
        "__typename": "AuditEntry",
        "id": entry["id"],
        "databaseId": entry["databaseId"],
        "action": "api_key_created",
        "subjectType": "api_key",
    }
    assert await _node(client, other_tenant.admin, entry["id"]) is None
    assert await _node(client, await tenant.add("recruiter"), entry["id"]) is None


async def test_rest_feed_sort_allow_list_and_page_name(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    headers = tenant.admin.headers
    await create_role(client, tenant.admin, title="Sorted role")
    settled = await settled_events(client, tenant.admin, "role.created")
    plain = ok(await client.get(f"{API}/events", params={"type": "role.created"}, headers=headers))
    sorted_ = ok(
        await client.get(
            f"{API}/events",
            params={"type": "role.created", "sort": "commit_order"},
            headers=headers,
        )
    )
    assert [e["id"] for e in sorted_["items"]] == [e["id"] for e in plain["items"]]
    assert [e["id"] for e in plain["items"]] == [e["id"] for e in settled]
    refused = await client.get(f"{API}/events", params={"sort": "-occurred_at"}, headers=headers)
    assert refused.status_code == 422, refused.text

    document = create_app(make_settings()).openapi()
    schemas = document["components"]["schemas"]
    assert "EventPage" in schemas
    assert "EventPagePublic" not in schemas
    assert schemas["EventPage"]["description"].startswith("A page of the event feed")
    event = schemas["EventPublic"]["properties"]
    assert "role.created" in event["type"]["enum"]
    assert "integration_connection" in event["resource_type"]["enum"]
    parameters = document["paths"]["/api/v1/events"]["get"]["parameters"]
    (sort,) = [p for p in parameters if p["name"] == "sort"]
    assert "commit_order" in str(sort["schema"])


async def test_closed_sets_are_enums(client: httpx.AsyncClient, tenant: Tenant) -> None:
    query = """{
      notifications(first: 5, kind: digest) { edges { node { kind channel } } }
      linkTemplates { kind }
    }"""
    data = await gql_data(client, tenant.admin, query)
    assert data["notifications"]["edges"] == []
    assert {t["kind"] for t in data["linkTemplates"]} == {
        "slate",
        "scorecard",
        "packet",
        "interview",
        "application",
    }
    introspect = """{
      notification: __type(name: "Notification") { fields { name type { name ofType { name } } } }
      digest: __type(name: "DigestPreview") { fields { name type { name ofType { name } } } }
    }"""
    types = await gql_data(client, tenant.admin, introspect)

    def type_of(kind: str, field: str) -> str:
        (found,) = [f for f in types[kind]["fields"] if f["name"] == field]
        return str(found["type"]["name"] or found["type"]["ofType"]["name"])

    assert type_of("notification", "kind") == "NotificationKind"
    assert type_of("notification", "channel") == "NotificationChannel"
    assert type_of("digest", "cadence") == "UpdateCadence"
    assert type_of("digest", "channel") == "UpdateChannel"
