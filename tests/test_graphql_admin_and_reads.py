"""GraphQL for what it lagged REST on: the organization's settings, the audit trail, the list of
interviews, scorecard revisions, the digest preview and the intake diff. Each with its happy
path, another organization's ids as not found, and a typed error on bad input."""

from __future__ import annotations

from typing import Any

import httpx

from app.db import Database
from tests.conftest import Tenant
from tests.helpers_domain import API, JSON, global_id, gql, gql_data, ok
from tests.helpers_feedback import hiring
from tests.helpers_pipeline import INTAKE, make_role

ERROR = "... on MutationError { code status message fields { field message } }"
UPDATE_ORG = f"""
mutation($input: UpdateOrganizationInput!) {{
  updateOrganization(input: $input) {{
    __typename ... on OrganizationPayload {{
      organization {{ id name feedbackDueHours cultureNotes interviewCalendar }}
    }} {ERROR}
  }}
}}"""
AUDIT = """
query($action: AuditAction, $subject: ID) {
  auditEntries(first: 10, action: $action, subjectId: $subject) {
    edges { node { id action subjectType subjectId subjectDatabaseId actorMemberId detail } }
    pageInfo { hasNextPage }
  }
}"""


def _errors(response: httpx.Response) -> list[JSON]:
    errors: list[JSON] = response.json()["errors"]
    return errors


async def test_an_admin_changes_the_organization(client: httpx.AsyncClient, tenant: Tenant) -> None:
    admin = tenant.admin
    data = await gql_data(
        client,
        admin,
        UPDATE_ORG,
        {"input": {"cultureNotes": "We write things down", "interviewCalendar": "organizer"}},
    )
    changed = data["updateOrganization"]
    assert changed["__typename"] == "OrganizationPayload", changed
    assert changed["organization"]["id"] == global_id("Organization", tenant.organization_id)
    assert changed["organization"]["cultureNotes"] == "We write things down"
    assert changed["organization"]["interviewCalendar"] == "organizer"
    rest = ok(await client.get(f"{API}/organization", headers=admin.headers))
    assert rest["culture_notes"] == "We write things down"

    bad = (
        await gql_data(client, admin, UPDATE_ORG, {"input": {"feedbackDueHours": 0, "name": None}})
    )["updateOrganization"]
    assert (bad["code"], bad["status"]) == ("invalid_input", 422), bad
    assert {"feedbackDueHours", "name"} <= {f["field"] for f in bad["fields"]}, bad

    recruiter = await tenant.add("recruiter")
    refused = (await gql_data(client, recruiter, UPDATE_ORG, {"input": {"name": "Mine"}}))[
        "updateOrganization"
    ]
    assert refused["code"] == "forbidden", refused


async def test_the_audit_trail_over_graphql(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    admin = tenant.admin
    created = ok(
        await client.post(f"{API}/api-keys", headers=admin.headers, json={"name": "ci"}), 201
    )
    data = await gql_data(client, admin, AUDIT, {"action": "api_key_created"})
    nodes = [e["node"] for e in data["auditEntries"]["edges"]]
    assert nodes, data
    entry = nodes[0]
    assert entry["action"] == "api_key_created"
    assert entry["subjectType"] == "api_key"
    assert entry["subjectId"] == global_id("ApiKey", created["id"])
    assert entry["actorMemberId"] == global_id("Member", admin.id)
    by_subject = await gql_data(client, admin, AUDIT, {"subject": entry["subjectId"]})
    assert [e["node"]["id"] for e in by_subject["auditEntries"]["edges"]] == [entry["id"]]

    # Another organization sees none of it; a non-admin is refused with a code.
    theirs = await gql_data(client, other_tenant.admin, AUDIT, {"subject": entry["subjectId"]})
    assert theirs["auditEntries"]["edges"] == []
    member = await tenant.add("interviewer")
    refused = _errors(await gql(client, member, AUDIT, {}))
    assert refused[0]["extensions"]["code"] == "forbidden", refused
    bad = _errors(await gql(client, admin, AUDIT, {"subject": "not-an-id"}))
    assert bad[0]["extensions"]["code"] == "invalid_input", bad


async def test_interviews_revisions_digest_and_intake_diff(
    client: httpx.AsyncClient, db: Database, tenant: Tenant, other_tenant: Tenant
) -> None:
    h = await hiring(client, db, tenant)
    ivan = await tenant.add("interviewer", "Ivan")
    application_id = await h.application("Ann Lee")
    interview_id = await h.held(application_id, [ivan])
    await h.submit(interview_id, ivan, recommendation="yes")
    await h.submit(interview_id, ivan, recommendation="strong_yes")

    interviews = """
    query($application: ID, $status: InterviewStatus) {
      interviews(applicationId: $application, status: $status, first: 10) {
        edges { node { id databaseId status } } pageInfo { hasNextPage endCursor }
      }
    }"""
    app_gid = global_id("Application", application_id)
    listed = await gql_data(client, h.recruiter, interviews, {"application": app_gid})
    assert [e["node"]["databaseId"] for e in listed["interviews"]["edges"]] == [interview_id]
    none = await gql_data(
        client, h.recruiter, interviews, {"application": app_gid, "status": "cancelled"}
    )
    assert none["interviews"]["edges"] == []
    # Ivan sees the interviews he is on; another organization sees none of ours.
    mine = await gql_data(client, ivan, interviews, {})
    assert [e["node"]["databaseId"] for e in mine["interviews"]["edges"]] == [interview_id]
    theirs = await gql(client, other_tenant.admin, interviews, {"application": app_gid})
    assert theirs.json()["data"]["interviews"]["edges"] == [], theirs.json()
    wrong = _errors(await gql(client, h.recruiter, interviews, {"application": "bm9wZQ=="}))
    assert wrong[0]["extensions"]["code"] == "invalid_input", wrong

    revisions = """
    query($interview: ID!, $interviewer: ID!) {
      scorecardRevisions(interviewId: $interview, interviewerId: $interviewer) {
        revision recommendation submittedById
      }
    }"""
    variables = {
        "interview": global_id("Interview", interview_id),
        "interviewer": global_id("Member", ivan.id),
    }
    history = await gql_data(client, h.recruiter, revisions, variables)
    assert [(r["revision"], r["recommendation"]) for r in history["scorecardRevisions"]] == [
        (1, "yes"),
        (2, "strong_yes"),
    ]
    assert history["scorecardRevisions"][0]["submittedById"] == global_id("Member", ivan.id)
    hidden = _errors(await gql(client, other_tenant.admin, revisions, variables))
    assert hidden[0]["extensions"]["code"] == "not_found", hidden

    preview = """
    query($id: ID!) { digestPreview(memberId: $id) { memberId cadence channel empty text roles } }
    """
    hm = global_id("Member", h.hm.id)
    digest = (await gql_data(client, h.hm, preview, {"id": hm}))["digestPreview"]
    assert digest["memberId"] == hm
    rest = ok(await client.get(f"{API}/members/{h.hm.id}/digest/preview", headers=h.hm.headers))
    assert (digest["cadence"], digest["text"]) == (rest["cadence"], rest["text"])
    assert digest["roles"] == rest["roles"]
    stranger = _errors(await gql(client, other_tenant.admin, preview, {"id": hm}))
    assert stranger[0]["extensions"]["code"] == "not_found", stranger

    role_id = await make_role(client, h.recruiter, h.hm, title="Analyst")
    changed = {**INTAKE, "summary": "Batch data engineer"}
    ok(
        await client.post(
            f"{API}/roles/{role_id}/intake/revisions",
            headers=h.recruiter.headers,
            json={"content": changed, "change_note": "Batch, not streaming"},
        ),
        201,
    )
    diff_query = """
    query($role: ID!, $from: Int!, $to: Int!) {
      intakeDiff(roleId: $role, from: $from, to: $to) {
        roleId fromRevision toRevision changes { field change before after }
      }
    }"""
    role = global_id("Role", role_id)
    diff: Any = (
        await gql_data(client, h.recruiter, diff_query, {"role": role, "from": 1, "to": 2})
    )["intakeDiff"]
    assert (diff["roleId"], diff["fromRevision"], diff["toRevision"]) == (role, 1, 2)
    assert {
        "field": "summary",
        "change": "changed",
        "before": "Streaming data engineer",
        "after": "Batch data engineer",
    } in diff["changes"]
    bad = _errors(await gql(client, h.recruiter, diff_query, {"role": role, "from": 0, "to": 2}))
    assert bad[0]["extensions"]["code"] == "invalid_input", bad
    gone = _errors(
        await gql(client, other_tenant.admin, diff_query, {"role": role, "from": 1, "to": 2})
    )
    assert gone[0]["extensions"]["code"] == "not_found", gone
