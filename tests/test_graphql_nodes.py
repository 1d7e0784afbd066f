"""`node(id:)` refetches every type with an id that became a Node: API keys, slate items,
notifications, offers and ATS connections; for another organization (or a member who may not
see it) the answer is null, as for any record that is not yours."""

from __future__ import annotations

import httpx

from app.domain.notifications.repository import Draft, add_notifications
from tests.conftest import Tenant
from tests.helpers_domain import API, global_id, gql_data, ok
from tests.helpers_pipeline import candidate_in_role, make_role, move, sent_slate

NODE = """
query($id: ID!) {
  node(id: $id) {
    __typename id
    ... on ApiKey { databaseId name memberId }
    ... on SlateItem { databaseId position }
    ... on Notification { databaseId kind recipient: memberId }
    ... on AtsConnection { databaseId name }
  }
}"""


async def _node(client: httpx.AsyncClient, who: object, gid: str) -> dict[str, object] | None:
    found: dict[str, object] | None = (await gql_data(client, who, NODE, {"id": gid}))["node"]  # type: ignore[arg-type]
    return found


async def test_new_node_types_refetch_for_their_owner_only(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    admin, stranger = tenant.admin, other_tenant.admin
    recruiter = await tenant.add("recruiter", "Rita")
    hm = await tenant.add("hiring_manager", "Hugo")
    interviewer = await tenant.add("interviewer", "Ivy")

    key = ok(await client.post(f"{API}/api-keys", headers=admin.headers, json={"name": "ci"}), 201)
    key_gid = global_id("ApiKey", key["id"])
    found = await _node(client, admin, key_gid)
    assert found == {
        "__typename": "ApiKey",
        "id": key_gid,
        "databaseId": key["id"],
        "name": "ci",
        "memberId": global_id("Member", admin.id),
    }
    # Another member's key is as invisible as another organization's.
    assert await _node(client, interviewer, key_gid) is None
    assert await _node(client, stranger, key_gid) is None

    role_id = await make_role(client, recruiter, hm)
    _, application_id = await candidate_in_role(client, recruiter, role_id, "Ann Lee")
    ok(await move(client, recruiter, application_id, "submitted"))
    slate = await sent_slate(client, recruiter, role_id, [application_id])
    item = slate["items"][0]
    item_gid = global_id("SlateItem", item["id"])
    assert (await _node(client, hm, item_gid)) == {
        "__typename": "SlateItem",
        "id": item_gid,
        "databaseId": item["id"],
        "position": item["position"],
    }
    assert await _node(client, stranger, item_gid) is None

    # A message to Hugo, as the notification jobs store them.
    async with tenant.db.transaction() as session:
        (stored,) = await add_notifications(
            session,
            [
                Draft(
                    organization_id=tenant.organization_id,
                    kind="slate_review",
                    channel="email",
                    recipient="hugo@example.com",
                    dedupe_key="test:node",
                    subject="A slate for you",
                    body_text="Please review",
                    member_id=hm.id,
                )
            ],
        )
    listed = await gql_data(
        client, recruiter, "{ notifications(first: 50) { edges { node { id kind } } } }"
    )
    first = next(
        e["node"]
        for e in listed["notifications"]["edges"]
        if e["node"]["id"] == global_id("Notification", stored)
    )
    assert (await _node(client, hm, first["id"]) or {}).get("kind") == "slate_review"
    assert (await _node(client, recruiter, first["id"]) or {}).get("kind") == first["kind"]
    assert await _node(client, stranger, first["id"]) is None
    assert await _node(client, interviewer, first["id"]) is None

    created = ok(
        await client.post(
            f"{API}/integrations",
            headers=admin.headers,
            json={"provider": "lever", "name": "Lever", "base_url": "http://127.0.0.1:9/v1"},
        ),
        201,
    )
    ats_gid = global_id("AtsConnection", created["id"])
    assert (await _node(client, admin, ats_gid) or {}).get("name") == "Lever"
    assert await _node(client, stranger, ats_gid) is None
