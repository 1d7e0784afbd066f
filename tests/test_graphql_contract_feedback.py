"""The GraphQL contract of feedback (issue 14): scorecards, hiring decisions and outcome
messages are Nodes that `node(id:)` refetches for those who may see them (null for another
organization, and for an interviewer who may not read the others' scorecards yet); every id the
feedback types output is a global id; their closed sets are enums."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.db import Database
from app.graphql import feedback as feedback_graphql
from app.graphql import nodes
from tests.conftest import Person, Tenant
from tests.helpers_domain import global_id
from tests.helpers_feedback import gql, gql_data, hiring, ok

NODE = """
query($id: ID!) {
  node(id: $id) {
    __typename id
    ... on Scorecard { databaseId cardStatus: status recommendation interviewerId interviewId applicationId }
    ... on HiringDecision { databaseId decision applicationId rejectionReasonId decidedById }
    ... on OutcomeMessage { databaseId kind messageStatus: status applicationId offerId }
  }
}"""

FIGURES = """
query($app: ID!, $role: ID!) {
  application(id: $app) {
    scorecardSummary { overdue { interviewId interviewerId interviewerName } }
  }
  role(id: $role) {
    dashboard { roleId timeToFeedback { interviewerId interviewerName } timeInStage { stage } }
  }
  organization {
    closeTheLoop { candidates { applicationId candidateId roleId candidateName } }
  }
}"""

TYPES = """
query {
  scorecard: __type(name: "Scorecard") { ...shape }
  decision: __type(name: "HiringDecision") { ...shape }
  message: __type(name: "OutcomeMessage") { ...shape }
  overdue: __type(name: "OverdueFeedback") { ...shape }
  feedbackTime: __type(name: "InterviewerFeedbackTime") { ...shape }
  dashboard: __type(name: "RoleDashboard") { ...shape }
  stageTime: __type(name: "StageTime") { ...shape }
  waiting: __type(name: "WaitingCandidate") { ...shape }
}
fragment shape on __Type {
  interfaces { name }
  fields { name type { name ofType { name ofType { name ofType { name } } } } }
}"""


@pytest.fixture(autouse=True)
def _node_types(monkeypatch: pytest.MonkeyPatch) -> None:
    """The resolvers app/graphql/nodes.py lists (added here while it does not list them yet)."""
    for name, resolve in {
        "Scorecard": feedback_graphql.resolve_scorecard_node,
        "HiringDecision": feedback_graphql.resolve_hiring_decision_node,
        "OutcomeMessage": feedback_graphql.resolve_outcome_message_node,
    }.items():
        if name not in nodes.NODES:
            monkeypatch.setitem(nodes.NODES, name, resolve)


async def _node(client: httpx.AsyncClient, who: Person, gid: str) -> dict[str, Any] | None:
    found: dict[str, Any] | None = (await gql_data(client, who, NODE, {"id": gid}))["node"]
    return found


async def test_scorecards_decisions_and_outcome_messages_refetch_by_node_for_who_may_see_them(
    client: httpx.AsyncClient, db: Database, tenant: Tenant, other_tenant: Tenant
) -> None:
    h = await hiring(client, db, tenant)
    ivan = await tenant.add("interviewer", "Ivan")
    olga = await tenant.add("interviewer", "Olga")
    application_id = await h.application("Ann Lee")
    interview_id = await h.held(application_id, [ivan, olga])
    card = await h.submit(interview_id, ivan, recommendation="no", reasons="Weak on SQL joins")
    reason_id = await h.reason()
    decision = ok(await h.decide(application_id, "reject", reason_id=reason_id), 201)
    (message,) = await h.messages(application_id)

    card_gid = global_id("Scorecard", card["id"])
    assert await _node(client, h.recruiter, card_gid) == {
        "__typename": "Scorecard",
        "id": card_gid,
        "databaseId": card["id"],
        "cardStatus": "submitted",
        "recommendation": "no",
        "interviewerId": global_id("Member", ivan.id),
        "interviewId": global_id("Interview", interview_id),
        "applicationId": global_id("Application", application_id),
    }
    assert (await _node(client, ivan, card_gid) or {}).get("databaseId") == card["id"]
    # Olga has not submitted hers: Ivan's is as hidden from her by id as in the interview.
    assert await _node(client, olga, card_gid) is None

    decision_gid = global_id("HiringDecision", decision["id"])
    assert await _node(client, h.recruiter, decision_gid) == {
        "__typename": "HiringDecision",
        "id": decision_gid,
        "databaseId": decision["id"],
        "decision": "reject",
        "applicationId": global_id("Application", application_id),
        "rejectionReasonId": global_id("RejectionReason", reason_id),
        "decidedById": global_id("Member", h.hm.id),
    }

    message_gid = global_id("OutcomeMessage", message["id"])
    assert await _node(client, h.recruiter, message_gid) == {
        "__typename": "OutcomeMessage",
        "id": message_gid,
        "databaseId": message["id"],
        "kind": "rejection",
        "messageStatus": "scheduled",
        "applicationId": global_id("Application", application_id),
        "offerId": None,
    }

    # Another organization's ids are null, as any record that is not yours.
    for gid in (card_gid, decision_gid, message_gid):
        assert await _node(client, other_tenant.admin, gid) is None
    # A hiring manager who does not manage the role sees neither the decision nor the message.
    stranger = await tenant.add("hiring_manager", "Sam")
    assert await _node(client, stranger, decision_gid) is None
    assert await _node(client, stranger, message_gid) is None


async def test_feedback_figures_carry_global_ids(
    client: httpx.AsyncClient, db: Database, tenant: Tenant
) -> None:
    h = await hiring(client, db, tenant)
    ivan = await tenant.add("interviewer", "Ivan")
    olga = await tenant.add("interviewer", "Olga")
    application_id = await h.application("Ann Lee")
    interview_id = await h.held(application_id, [ivan, olga])
    await h.submit(interview_id, olga)
    candidate_id = (await h.get_application(application_id))["candidate_id"]

    data = await gql_data(
        client,
        h.recruiter,
        FIGURES,
        {"app": global_id("Application", application_id), "role": global_id("Role", h.role_id)},
    )
    # Ivan's scorecard is 6 hours overdue (the interview ended 30 hours ago, due after 24).
    assert data["application"]["scorecardSummary"]["overdue"] == [
        {
            "interviewId": global_id("Interview", interview_id),
            "interviewerId": global_id("Member", ivan.id),
            "interviewerName": "Ivan",
        }
    ]
    dashboard = data["role"]["dashboard"]
    assert dashboard["roleId"] == global_id("Role", h.role_id)
    assert dashboard["timeToFeedback"] == [
        {"interviewerId": global_id("Member", olga.id), "interviewerName": "Olga"}
    ]
    assert dashboard["timeInStage"] == [{"stage": "interviewing"}]
    assert data["organization"]["closeTheLoop"]["candidates"] == [
        {
            "applicationId": global_id("Application", application_id),
            "candidateId": global_id("Candidate", candidate_id),
            "roleId": global_id("Role", h.role_id),
            "candidateName": "Ann Lee",
        }
    ]
    # Each id refetches what it names.
    body = await gql(
        client,
        h.recruiter,
        "query($id: ID!) { node(id: $id) { __typename } }",
        {"id": data["organization"]["closeTheLoop"]["candidates"][0]["candidateId"]},
    )
    assert body["data"]["node"] == {"__typename": "Candidate"}


def _field_types(shape: dict[str, Any]) -> dict[str, str]:
    """Each field's named type (through non-null and list wrappers)."""
    found = {}
    for field in shape["fields"]:
        kind = field["type"]
        while kind["name"] is None:
            kind = kind["ofType"]
        found[field["name"]] = kind["name"]
    return found


async def test_feedback_types_are_nodes_with_enums_and_no_uuid_but_their_database_id(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    data = await gql_data(client, tenant.admin, TYPES)
    for name in ("scorecard", "decision", "message"):
        assert data[name]["interfaces"] == [{"name": "Node"}], name
    for name, shape in data.items():
        uuids = [f for f, t in _field_types(shape).items() if t == "UUID"]
        assert uuids in ([], ["databaseId"]), (name, uuids)
    assert _field_types(data["scorecard"])["status"] == "ScorecardStatus"
    assert _field_types(data["message"])["kind"] == "OutcomeMessageKind"
    assert _field_types(data["message"])["status"] == "OutcomeMessageStatus"
    assert _field_types(data["stageTime"])["stage"] == "ApplicationStage"
