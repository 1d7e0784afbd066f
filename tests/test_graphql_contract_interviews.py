"""Issue 14's contract for interviews and interviewer pools: an InterviewerPool is a Node that
`node(id:)` refetches for its own organization only; a packet's documents and interviews carry
the global id of the Document and the Interview they show (node(id:) answers the whole object);
ids in outputs are global ids; `interviewerPools` is a connection; pool statuses are enums."""

from __future__ import annotations

from datetime import timedelta

import httpx

from app.graphql.nodes import NODES
from tests.conftest import Tenant
from tests.helpers_domain import global_id
from tests.helpers_interviews import book, interviewing_application, monday, upload
from tests.helpers_pipeline import MINIMAL_PDF, gql_data
from tests.test_pools import add_member, create_pool

NODE = """query($id: ID!) { node(id: $id) {
  __typename id
  ... on InterviewerPool { databaseId name members { memberId status nextSeat } }
  ... on Interview { databaseId kind applicationId }
  ... on Document { databaseId filename }
} }"""

PACKET = """query($id: ID!) { application(id: $id) { packet {
  applicationId
  documents { id databaseId kind filename }
  interviews { id databaseId kind status interviewerIds }
} } }"""


async def test_an_interviewer_pool_is_a_node_of_its_organization_only(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    recruiter = await tenant.add("recruiter", "Rae")
    tia = await tenant.add("interviewer", "Tia")
    stranger = await other_tenant.add("recruiter", "Sam")
    pool = await create_pool(client, recruiter, name="Tech", kind="technical")
    await add_member(client, recruiter, pool["id"], tia, status="in_training")
    pool_id = global_id("InterviewerPool", pool["id"])

    listed = await gql_data(
        client,
        recruiter,
        "{ interviewerPools(first: 1) { edges { cursor node { id } } pageInfo { hasNextPage } } }",
    )
    (edge,) = listed["interviewerPools"]["edges"]
    assert edge["node"]["id"] == pool_id
    assert listed["interviewerPools"]["pageInfo"] == {"hasNextPage": False}

    found = (await gql_data(client, recruiter, NODE, {"id": pool_id}))["node"]
    assert found == {
        "__typename": "InterviewerPool",
        "id": pool_id,
        "databaseId": pool["id"],
        "name": "Tech",
        "members": [
            {"memberId": global_id("Member", tia.id), "status": "in_training", "nextSeat": "shadow"}
        ],
    }
    assert (await gql_data(client, stranger, NODE, {"id": pool_id}))["node"] is None
    one = "query($id: ID!) { interviewerPool(id: $id) { id } }"
    assert (await gql_data(client, stranger, one, {"id": pool_id}))["interviewerPool"] is None


async def test_packet_entries_carry_the_global_ids_of_what_they_show(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    hiring = await interviewing_application(client, tenant)
    ivan = await tenant.add("interviewer", "Ivan")
    stranger = await other_tenant.add("recruiter", "Sam")
    resume = await upload(
        client, hiring.recruiter, hiring.candidate_id, "ann.pdf", MINIMAL_PDF, "application/pdf"
    )
    booked = await book(
        client, hiring.recruiter, hiring.app_id, monday() + timedelta(hours=10), [ivan]
    )
    app_gid = global_id("Application", hiring.app_id)

    packet = (await gql_data(client, hiring.recruiter, PACKET, {"id": app_gid}))["application"][
        "packet"
    ]
    assert packet["applicationId"] == app_gid
    (document,) = packet["documents"]
    assert document["id"] == global_id("Document", resume["id"])
    assert document["databaseId"] == resume["id"]
    assert document["kind"] == "resume"
    (interview,) = packet["interviews"]
    interview_gid = global_id("Interview", booked["id"])
    assert (interview["id"], interview["databaseId"]) == (interview_gid, booked["id"])
    assert interview["interviewerIds"] == [global_id("Member", ivan.id)]

    # The packet interview's id is the Interview's: node(id:) refetches the whole interview.
    found = (await gql_data(client, hiring.recruiter, NODE, {"id": interview_gid}))["node"]
    assert found == {
        "__typename": "Interview",
        "id": interview_gid,
        "databaseId": booked["id"],
        "kind": "technical",
        "applicationId": app_gid,
    }
    assert (await gql_data(client, stranger, NODE, {"id": interview_gid}))["node"] is None
    if "Document" in NODES:  # the Document node comes with the candidates' contract work
        seen = (await gql_data(client, hiring.recruiter, NODE, {"id": document["id"]}))["node"]
        assert (seen["__typename"], seen["id"], seen["filename"]) == (
            "Document",
            document["id"],
            "ann.pdf",
        )
        assert (await gql_data(client, stranger, NODE, {"id": document["id"]}))["node"] is None
