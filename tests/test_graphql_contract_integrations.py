"""The GraphQL contract of ATS connections, calendars and webhook endpoints (issue 14): an ATS
sync, a stored vendor event, a member's calendar and a webhook attempt are Nodes that
`node(id:)` refetches for those who may see them (null for another organization); the ids
these types output are global ids; their closed sets are enums."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from app.db import Database
from app.domain.calendars.models import CalendarConnection, MemberCalendar
from app.domain.integrations.models import InboundEvent
from app.domain.webhooks.models import WebhookAttempt
from tests.conftest import Person, Tenant
from tests.helpers_domain import API, JSON, global_id, gql_data, ok

ERROR = "... on MutationError { code status message }"
NODE = """
query($id: ID!) {
  node(id: $id) {
    __typename id
    ... on AtsSync { databaseId connectionId kind syncStatus: status resource pagesDone }
    ... on AtsInboundEvent {
      databaseId connectionId vendorEventId eventType eventStatus: status attempts
    }
    ... on MemberCalendar { databaseId connectionId memberId name health { status push } }
    ... on WebhookAttempt { databaseId deliveryId endpointId attempt succeeded statusCode }
  }
}"""
CREATE_ATS = f"""
mutation($input: CreateAtsConnectionInput!) {{
  createAtsConnection(input: $input) {{
    __typename ... on AtsConnectionPayload {{ atsConnection {{ id databaseId status }} }} {ERROR}
  }}
}}"""
SYNC = f"""
mutation($id: ID!) {{
  startAtsSync(connectionId: $id, kind: full) {{
    __typename ... on AtsSyncPayload {{ sync {{ id databaseId kind status resource }} }} {ERROR}
  }}
}}"""
INBOX = """
query($id: ID!) {
  atsInboundEvents(connectionId: $id, status: pending) { edges { node { id databaseId } } }
}"""
CREATE_ENDPOINT = f"""
mutation($input: CreateWebhookEndpointInput!) {{
  createWebhookEndpoint(input: $input) {{
    __typename ... on WebhookEndpointPayload {{ webhookEndpoint {{ id databaseId status }} }}
    {ERROR}
  }}
}}"""
SEND_TEST = f"""
mutation($id: ID!) {{
  sendWebhookTest(id: $id) {{
    __typename ... on WebhookDeliveryPayload {{ delivery {{ id databaseId eventId status }} }}
    {ERROR}
  }}
}}"""
DELIVERIES = """
query($id: ID!) {
  pending: webhookDeliveries(endpointId: $id, status: pending) { edges { node { id } } }
  failed: webhookDeliveries(endpointId: $id, status: failed) { edges { node { id } } }
  webhookAttempts(endpointId: $id) { edges { node { id databaseId deliveryId } } }
}"""
HEALTH = """
query($id: ID!) {
  calendarConnection(id: $id) { health { unmatchedMembers { memberId email reason } } }
}"""
TYPES = """
query {
  sync: __type(name: "AtsSync") { ...shape }
  inbound: __type(name: "AtsInboundEvent") { ...shape }
  ats: __type(name: "AtsConnection") { ...shape }
  calendar: __type(name: "MemberCalendar") { ...shape }
  health: __type(name: "CalendarHealth") { ...shape }
  unmatched: __type(name: "UnmatchedCalendarMember") { ...shape }
  endpoint: __type(name: "WebhookEndpoint") { ...shape }
  delivery: __type(name: "WebhookDelivery") { ...shape }
  attempt: __type(name: "WebhookAttempt") { ...shape }
}
fragment shape on __Type {
  description
  interfaces { name }
  fields { name description type { name kind ofType { name kind } } }
}"""


async def _node(client: httpx.AsyncClient, who: Person, gid: str) -> dict[str, Any] | None:
    found: dict[str, Any] | None = (await gql_data(client, who, NODE, {"id": gid}))["node"]
    return found


async def test_an_ats_sync_and_a_vendor_event_refetch_by_node_in_their_organization(
    client: httpx.AsyncClient, db: Database, tenant: Tenant, other_tenant: Tenant
) -> None:
    admin = tenant.admin
    created = (
        await gql_data(
            client,
            admin,
            CREATE_ATS,
            {
                "input": {
                    "provider": "lever",
                    "name": "Our Lever",
                    "credentials": {"api_key": "lever-key-Yt62"},
                    "baseUrl": "http://127.0.0.1:9/v1",
                }
            },
        )
    )["createAtsConnection"]
    assert created["__typename"] == "AtsConnectionPayload", created
    connection = created["atsConnection"]
    assert connection["status"] == "active"
    started = (await gql_data(client, admin, SYNC, {"id": connection["id"]}))["startAtsSync"]
    assert started["__typename"] == "AtsSyncPayload", started
    run = started["sync"]
    assert run["id"] == global_id("AtsSync", run["databaseId"])
    assert (run["kind"], run["status"], run["resource"]) == ("full", "pending", "jobs")

    event_id = uuid.uuid4()
    async with db.transaction() as session:
        session.add(
            InboundEvent(
                id=event_id,
                organization_id=tenant.organization_id,
                connection_id=uuid.UUID(connection["databaseId"]),
                vendor_event_id="delivery-1",
                event_type="candidateStageChange",
                payload={},
            )
        )
    event_gid = global_id("AtsInboundEvent", event_id)
    listed = (await gql_data(client, admin, INBOX, {"id": connection["id"]}))["atsInboundEvents"]
    assert [e["node"]["id"] for e in listed["edges"]] == [event_gid]

    assert await _node(client, admin, run["id"]) == {
        "__typename": "AtsSync",
        "id": run["id"],
        "databaseId": run["databaseId"],
        "connectionId": connection["id"],
        "kind": "full",
        "syncStatus": "pending",
        "resource": "jobs",
        "pagesDone": 0,
    }
    assert await _node(client, admin, event_gid) == {
        "__typename": "AtsInboundEvent",
        "id": event_gid,
        "databaseId": str(event_id),
        "connectionId": connection["id"],
        "vendorEventId": "delivery-1",
        "eventType": "candidateStageChange",
        "eventStatus": "pending",
        "attempts": 0,
    }
    # Recruiters read the inbox too; another organization, or an interviewer, sees nothing.
    recruiter = await tenant.add("recruiter", "Rita")
    assert (await _node(client, recruiter, event_gid) or {}).get("id") == event_gid
    interviewer = await tenant.add("interviewer", "Ivo")
    for who in (other_tenant.admin, interviewer):
        assert await _node(client, who, run["id"]) is None
        assert await _node(client, who, event_gid) is None


async def test_a_member_calendar_refetches_by_node_and_unmatched_members_carry_global_ids(
    client: httpx.AsyncClient, db: Database, tenant: Tenant, other_tenant: Tenant
) -> None:
    ivy = await tenant.add("interviewer", "Ivy")
    own_id, org_id, calendar_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    async with db.transaction() as session:
        session.add(
            CalendarConnection(
                id=own_id,
                organization_id=tenant.organization_id,
                provider="caldav",
                scope="member",
                member_id=ivy.id,
                name="Ivy's CalDAV",
            )
        )
        session.add(
            CalendarConnection(
                id=org_id,
                organization_id=tenant.organization_id,
                provider="google",
                scope="organization",
                name="Workspace",
                unmatched=[
                    {"member_id": str(ivy.id), "email": ivy.member.email, "reason": "no mailbox"}
                ],
            )
        )
        await session.flush()
        session.add(
            MemberCalendar(
                id=calendar_id,
                organization_id=tenant.organization_id,
                connection_id=own_id,
                member_id=ivy.id,
                remote_id="/ivy/work/",
                name="work",
            )
        )

    calendar_gid = global_id("MemberCalendar", calendar_id)
    expected = {
        "__typename": "MemberCalendar",
        "id": calendar_gid,
        "databaseId": str(calendar_id),
        "connectionId": global_id("CalendarConnection", own_id),
        "memberId": global_id("Member", ivy.id),
        "name": "work",
        # Not busy time, so never read: enums, spelled as REST spells them.
        "health": {"status": "never_synced", "push": "none"},
    }
    # Anyone of the organization reads a member's calendars (as Member.calendars and REST).
    assert await _node(client, ivy, calendar_gid) == expected
    assert await _node(client, tenant.admin, calendar_gid) == expected
    assert await _node(client, other_tenant.admin, calendar_gid) is None
    rest = ok(await client.get(f"{API}/members/{ivy.id}/calendars", headers=ivy.headers))
    assert [c["id"] for c in rest["items"]] == [str(calendar_id)]

    health = (
        await gql_data(
            client, tenant.admin, HEALTH, {"id": global_id("CalendarConnection", org_id)}
        )
    )["calendarConnection"]["health"]
    assert health["unmatchedMembers"] == [
        {"memberId": global_id("Member", ivy.id), "email": ivy.member.email, "reason": "no mailbox"}
    ]


async def test_a_webhook_attempt_refetches_by_node_and_a_delivery_names_its_event(
    client: httpx.AsyncClient, db: Database, tenant: Tenant, other_tenant: Tenant
) -> None:
    admin = tenant.admin
    created = (
        await gql_data(
            client, admin, CREATE_ENDPOINT, {"input": {"url": "https://hooks.example.com/in"}}
        )
    )["createWebhookEndpoint"]
    assert created["__typename"] == "WebhookEndpointPayload", created
    endpoint = created["webhookEndpoint"]
    assert endpoint["status"] == "enabled"
    sent = (await gql_data(client, admin, SEND_TEST, {"id": endpoint["id"]}))["sendWebhookTest"]
    delivery = sent["delivery"]
    assert delivery["status"] == "pending"
    rest = ok(
        await client.get(
            f"{API}/webhook-endpoints/{endpoint['databaseId']}/deliveries", headers=admin.headers
        )
    )
    (rest_delivery,) = rest["items"]
    # The event's global id; its database id is REST's event_id (the webhook-id header).
    assert delivery["eventId"] == global_id("Event", rest_delivery["event_id"])

    attempt_id = uuid.uuid4()
    async with db.transaction() as session:
        session.add(
            WebhookAttempt(
                id=attempt_id,
                organization_id=tenant.organization_id,
                delivery_id=uuid.UUID(delivery["databaseId"]),
                endpoint_id=uuid.UUID(endpoint["databaseId"]),
                attempt=1,
                succeeded=False,
                status_code=503,
                latency_ms=12,
                error="answered 503",
            )
        )
    attempt_gid = global_id("WebhookAttempt", attempt_id)
    listed = await gql_data(client, admin, DELIVERIES, {"id": endpoint["id"]})
    # The status argument is an enum now.
    assert [e["node"]["id"] for e in listed["pending"]["edges"]] == [delivery["id"]]
    assert listed["failed"]["edges"] == []
    assert listed["webhookAttempts"]["edges"] == [
        {"node": {"id": attempt_gid, "databaseId": str(attempt_id), "deliveryId": delivery["id"]}}
    ]
    assert await _node(client, admin, attempt_gid) == {
        "__typename": "WebhookAttempt",
        "id": attempt_gid,
        "databaseId": str(attempt_id),
        "deliveryId": delivery["id"],
        "endpointId": endpoint["id"],
        "attempt": 1,
        "succeeded": False,
        "statusCode": 503,
    }
    # Admins of its organization only, as every webhook read.
    recruiter = await tenant.add("recruiter", "Rita")
    for who in (other_tenant.admin, recruiter):
        assert await _node(client, who, attempt_gid) is None


async def test_the_types_are_nodes_with_global_ids_enums_and_descriptions(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    types: JSON = await gql_data(client, tenant.admin, TYPES)
    for name, shape in types.items():
        assert shape["description"], name
        fields = {f["name"]: f for f in shape["fields"]}
        if "id" in fields:
            assert {"name": "Node"} in shape["interfaces"], name
        for field_name, f in fields.items():
            # `id` is the Node interface's own field.
            assert f["description"] or field_name == "id", f"{name}.{field_name} undescribed"
            named = f["type"]["name"] or (f["type"]["ofType"] or {}).get("name")
            if field_name != "databaseId":
                assert named != "UUID", f"{name}.{field_name} outputs a database id"

    def enum_of(type_key: str, field_name: str) -> str:
        (f,) = [f for f in types[type_key]["fields"] if f["name"] == field_name]
        t = f["type"] if f["type"]["kind"] != "NON_NULL" else f["type"]["ofType"]
        assert t["kind"] == "ENUM", (type_key, field_name, t)
        return str(t["name"])

    assert enum_of("sync", "kind") == "AtsSyncKind"
    assert enum_of("sync", "status") == "AtsSyncStatus"
    assert enum_of("sync", "resource") == "AtsSyncResource"
    assert enum_of("inbound", "status") == "AtsInboundStatus"
    assert enum_of("ats", "status") == "AtsConnectionStatus"
    assert enum_of("health", "status") == "CalendarSyncStatus"
    assert enum_of("health", "push") == "CalendarPush"
    assert enum_of("endpoint", "status") == "WebhookEndpointStatus"
    assert enum_of("delivery", "status") == "WebhookDeliveryStatus"
