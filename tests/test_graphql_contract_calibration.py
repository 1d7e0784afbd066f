"""Issue 14's contract for slates, decisions, insights, fit checks, roles and intakes: a decision
is a Node, references carry global ids, closed sets are enums, and the types are described."""

from __future__ import annotations

import base64

import graphql
import httpx

from app.graphql.schema import build_schema
from tests.conftest import Tenant, make_settings
from tests.helpers_pipeline import (
    candidate_in_role,
    decide,
    gql_data,
    make_role,
    sent_slate,
)

SCHEMA = build_schema(make_settings())._schema


def gid(type_name: str, raw_id: object) -> str:
    return base64.b64encode(f"{type_name}:{raw_id}".encode()).decode()


DECISION_NODE = """
query($id: ID!) { node(id: $id) {
  __typename id
  ... on Decision {
    databaseId decision categories decidedById settledByFollowUpId revision isCurrent
  }
} }
"""


async def test_a_decision_is_a_node_of_its_organization_only(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    recruiter = await tenant.add("recruiter")
    hm = await tenant.add("hiring_manager")
    role_id = await make_role(client, recruiter, hm)
    _, aid = await candidate_in_role(client, recruiter, role_id, "Node Decided", skills=["SQL"])
    slate = await sent_slate(client, recruiter, role_id, [aid])
    decided = await decide(
        client, hm, slate, aid, "reject", missing_skills=["Kafka"], categories=["skills"]
    )
    assert decided.status_code == 200, decided.text
    decision = decided.json()["items"][0]["decision"]

    # The slate's item shows the decision with its global id, as node(id:) finds it.
    items = await gql_data(
        client,
        recruiter,
        "query($id: ID!) { slate(id: $id) { items { decision { id databaseId } } } }",
        {"id": gid("Slate", slate["id"])},
    )
    shown = items["slate"]["items"][0]["decision"]
    assert shown == {"id": gid("Decision", decision["id"]), "databaseId": decision["id"]}

    node = (await gql_data(client, recruiter, DECISION_NODE, {"id": shown["id"]}))["node"]
    assert node == {
        "__typename": "Decision",
        "id": gid("Decision", decision["id"]),
        "databaseId": decision["id"],
        "decision": "reject",
        "categories": ["skills"],
        "decidedById": gid("Member", hm.id),
        "settledByFollowUpId": None,
        "revision": 1,
        "isCurrent": True,
    }
    assert (await gql_data(client, hm, DECISION_NODE, {"id": shown["id"]}))["node"] is not None
    other_hm = await tenant.add("hiring_manager")
    for stranger in (await other_tenant.add("recruiter"), other_tenant.admin, other_hm):
        assert (await gql_data(client, stranger, DECISION_NODE, {"id": shown["id"]}))[
            "node"
        ] is None


async def test_insights_and_fit_checks_refer_by_global_id(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    recruiter = await tenant.add("recruiter")
    hm = await tenant.add("hiring_manager")
    role_id = await make_role(client, recruiter, hm)
    cid, aid = await candidate_in_role(client, recruiter, role_id, "Waits Long", skills=["SQL"])
    slate = await sent_slate(client, recruiter, role_id, [aid])
    waited = await decide(
        client, hm, slate, aid, "waitlist", note="Maybe", waitlist_question="Relocate?"
    )
    assert waited.status_code == 200, waited.text

    query = """
    query($role: ID!, $cand: ID!) {
      role(id: $role) { insights {
        roleId
        approvalRateBySlate { slateId }
        waitlist { applicationId slateId question }
      } }
      fitCheck(roleId: $role, candidateId: $cand) {
        roleId candidateId mustSkills { skill status }
      }
    }
    """
    data = await gql_data(
        client, hm, query, {"role": gid("Role", role_id), "cand": gid("Candidate", cid)}
    )
    insights = data["role"]["insights"]
    assert insights["roleId"] == gid("Role", role_id)
    assert insights["approvalRateBySlate"] == [{"slateId": gid("Slate", slate["id"])}]
    assert insights["waitlist"] == [
        {
            "applicationId": gid("Application", aid),
            "slateId": gid("Slate", slate["id"]),
            "question": "Relocate?",
        }
    ]
    fit = data["fitCheck"]
    assert (fit["roleId"], fit["candidateId"]) == (gid("Role", role_id), gid("Candidate", cid))
    assert {m["status"] for m in fit["mustSkills"]} <= {"met", "missing", "unknown"}


def _named(type_name: str, field: str) -> str:
    kind = SCHEMA.type_map[type_name]
    assert isinstance(kind, graphql.GraphQLObjectType | graphql.GraphQLInputObjectType)
    name: str = graphql.get_named_type(kind.fields[field].type).name
    return name


def test_closed_sets_of_calibration_and_intakes_are_enums() -> None:
    for type_name, field, enum in [
        ("SkillFit", "status", "SkillFitStatus"),
        ("Suggestion", "kind", "SuggestionKind"),
        ("Skill", "category", "SkillCategory"),
        ("Skill", "priority", "SkillPriority"),
        ("Negotiable", "variable", "NegotiableVariable"),
        ("IntakeChange", "change", "IntakeChangeKind"),
        ("FollowUpSummary", "state", "FollowUpState"),
        ("Decision", "decision", "SlateDecision"),
        ("Decision", "categories", "ReasonCategory"),
        ("Role", "status", "RoleStatus"),
        ("Role", "workplace", "Workplace"),
        ("Slate", "status", "SlateStatus"),
    ]:
        assert _named(type_name, field) == enum, (type_name, field)


CALIBRATION_TYPES = (
    "Role",
    "Slate",
    "SlateItem",
    "Decision",
    "FollowUpSummary",
    "RoleInsights",
    "SlateApproval",
    "WaitlistedItem",
    "FitCheck",
    "Resemblance",
    "IntakeRevision",
    "IntakeDiff",
)


def test_no_raw_uuid_but_the_database_id() -> None:
    raw = []
    for name in CALIBRATION_TYPES:
        kind = SCHEMA.type_map[name]
        assert isinstance(kind, graphql.GraphQLObjectType)
        raw += [
            f"{name}.{field}"
            for field, value in kind.fields.items()
            if graphql.get_named_type(value.type).name == "UUID" and field != "databaseId"
        ]
    assert not raw, raw


def test_types_and_their_fields_are_described() -> None:
    undescribed = []
    for name in (
        *CALIBRATION_TYPES,
        "Count",
        "FollowUpInsights",
        "Suggestion",
        "SkillFit",
        "RedFlagFit",
        "Skill",
        "ScreeningQuestion",
        "Negotiable",
        "IntakeChange",
        "CreateRoleInput",
        "UpdateRoleInput",
        "CreateSlateInput",
        "UpdateSlateInput",
        "SendSlateInput",
        "DecideSlateItemInput",
        "DecisionReasonsInput",
    ):
        kind = SCHEMA.type_map[name]
        assert isinstance(kind, graphql.GraphQLObjectType | graphql.GraphQLInputObjectType)
        if not kind.description:
            undescribed.append(name)
        undescribed += [
            f"{name}.{field}"
            for field, value in kind.fields.items()
            if not value.description and field not in ("id", "databaseId")
        ]
    assert not undescribed, undescribed
