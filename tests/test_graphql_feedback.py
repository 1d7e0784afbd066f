"""Feedback, decisions, offers and closing the loop over GraphQL: the same services, the same
rules and the same error codes as REST."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from app.db import Database
from tests.conftest import Person, Tenant
from tests.helpers_domain import global_id
from tests.helpers_feedback import (
    API,
    Hiring,
    gql,
    gql_data,
    hiring,
    now,
    ok,
    snapshot,
)

ERROR = "... on MutationError { code status message fields { field message } }"

WRITE = f"""
mutation($input: WriteScorecardInput!) {{
  writeScorecard(input: $input) {{
    __typename
    ... on ScorecardPayload {{
      scorecard {{ id interviewerId status recommendation ratings reasons revision dueAt }}
    }}
    {ERROR}
  }}
}}
"""

DECIDE = f"""
mutation($input: DecideApplicationInput!) {{
  decideApplication(input: $input) {{
    __typename
    ... on DecisionPayload {{ decision {{ id applicationId decision note rejectionReasonId decidedById }} }}
    {ERROR}
  }}
}}
"""

CREATE_OFFER = f"""
mutation($input: CreateOfferInput!) {{
  createOffer(input: $input) {{
    __typename
    ... on OfferPayload {{ offer {{ id databaseId status applicationId compensation {{ currency baseSalary }} }} }}
    {ERROR}
  }}
}}
"""

MOVE_OFFER = f"""
mutation($input: MoveOfferInput!) {{
  moveOffer(input: $input) {{
    __typename
    ... on OfferPayload {{ offer {{ id status }} }}
    {ERROR}
  }}
}}
"""

INTERVIEW_CARDS = """
query($id: ID!) {
  interview(id: $id) { databaseId scorecards { id interviewerId status recommendation ratings } }
}
"""

APPLICATION = """
query($id: ID!) {
  application(id: $id) {
    databaseId
    decision { id decision note rejectionReasonId decidedById }
    scorecardSummary {
      applicationId
      recommendations
      pending
      scorecards { id interviewerId status }
      skills { skill ratings }
      overdue { interviewerName hoursOverdue }
    }
  }
}
"""

ROLE = """
query($id: ID!) {
  role(id: $id) {
    offers { edges { node { id status applicationId compensation { currency baseSalary } } } }
    dashboard {
      roleId offersOut offersAccepted offersDeclined acceptanceRate overdueScorecards
      timeToFeedback { interviewerName submitted medianHours }
      timeInStage { stage applications }
    }
  }
}
"""

CLOSE_THE_LOOP = """
query($roleId: ID) {
  organization {
    closeTheLoop(roleId: $roleId) {
      waiting atRisk deadlineDays
      candidates { applicationId candidateName roleId daysWaiting atRisk deadline lastInterviewAt }
    }
  }
}
"""


async def _mutate(
    client: httpx.AsyncClient, who: Person, query: str, field: str, variables: dict[str, Any]
) -> dict[str, Any]:
    data = await gql_data(client, who, query, {"input": variables})
    result: dict[str, Any] = data[field]
    return result


def _error(result: dict[str, Any]) -> tuple[str, int]:
    assert result["__typename"] == "MutationError", result
    return result["code"], result["status"]


async def _cards(client: httpx.AsyncClient, who: Person, interview_id: str) -> list[dict[str, Any]]:
    data = await gql_data(client, who, INTERVIEW_CARDS, {"id": interview_id})
    cards: list[dict[str, Any]] = data["interview"]["scorecards"]
    return cards


async def test_write_scorecard_and_interview_scorecards_with_independent_judgement(
    client: httpx.AsyncClient, db: Database, tenant: Tenant
) -> None:
    h = await hiring(client, db, tenant)
    ivan = await tenant.add("interviewer", "Ivan")
    olga = await tenant.add("interviewer", "Olga")
    application_id = await h.application("Ann Lee")
    interview_id = await h.held(application_id, [ivan, olga])

    written = await _mutate(
        client,
        ivan,
        WRITE,
        "writeScorecard",
        {
            "interviewId": global_id("Interview", interview_id),
            "recommendation": "strong_yes",
            "ratings": {"sql": "strong_yes", "kafka": None},
            "reasons": "Clear reasoning about partitions",
            "submit": True,
        },
    )
    assert written["__typename"] == "ScorecardPayload", written
    card = written["scorecard"]
    assert card["status"] == "submitted"
    assert card["revision"] == 1
    assert card["ratings"] == {"SQL": "strong_yes", "Kafka": None}
    assert card["interviewerId"] == global_id("Member", ivan.id)

    # Olga has not submitted: she sees nothing of Ivan's; the hiring manager does.
    assert await _cards(client, olga, interview_id) == []
    assert [c["id"] for c in await _cards(client, h.hm, interview_id)] == [card["id"]]
    draft = await _mutate(
        client,
        olga,
        WRITE,
        "writeScorecard",
        {"interviewId": interview_id, "recommendation": "no", "reasons": "Thinking"},
    )
    assert draft["scorecard"]["status"] == "draft"
    assert [c["status"] for c in await _cards(client, olga, interview_id)] == ["draft"]
    # The hiring manager does not see drafts.
    assert [c["id"] for c in await _cards(client, h.hm, interview_id)] == [card["id"]]
    await _mutate(
        client,
        olga,
        WRITE,
        "writeScorecard",
        {
            "interviewId": interview_id,
            "recommendation": "no",
            "reasons": "Weak SQL",
            "submit": True,
        },
    )
    seen = await _cards(client, olga, interview_id)
    assert {c["interviewerId"] for c in seen} == {
        global_id("Member", ivan.id),
        global_id("Member", olga.id),
    }
    assert {c["status"] for c in seen} == {"submitted"}


async def test_write_scorecard_errors_match_rest_and_write_nothing(
    client: httpx.AsyncClient, db: Database, tenant: Tenant
) -> None:
    h = await hiring(client, db, tenant)
    ivan = await tenant.add("interviewer", "Ivan")
    application_id = await h.application("Ann Lee")
    interview_id = await h.held(application_id, [ivan])
    cancelled = await h.held(application_id, [ivan], status="cancelled")
    before = await snapshot(db, tenant.organization_id)

    cases: list[tuple[Person, str, dict[str, Any], tuple[str, int]]] = [
        (h.recruiter, interview_id, {"recommendation": "yes", "reasons": "ok"}, ("forbidden", 403)),
        (
            ivan,
            interview_id,
            {"recommendation": "yes", "reasons": "ok", "ratings": {"Cobol": "yes"}},
            ("invalid_input", 422),
        ),
        (ivan, interview_id, {"recommendation": "yes"}, ("invalid_input", 422)),
        (ivan, cancelled, {"recommendation": "yes", "reasons": "ok"}, ("conflict", 409)),
    ]
    for who, target, body, expected in cases:
        rest = await client.put(
            f"{API}/interviews/{target}/scorecard",
            headers=who.headers,
            json={**body, "submit": True},
        )
        result = await _mutate(
            client, who, WRITE, "writeScorecard", {"interviewId": target, **body, "submit": True}
        )
        assert _error(result) == expected == (rest.json()["code"], rest.status_code), (
            body,
            result,
            rest.text,
        )
    unknown = await _mutate(
        client,
        ivan,
        WRITE,
        "writeScorecard",
        {
            "interviewId": interview_id,
            "recommendation": "yes",
            "reasons": "ok",
            "ratings": {"Cobol": "yes"},
        },
    )
    assert any("Cobol" in f["field"] for f in unknown["fields"]), unknown
    assert "Cobol" in unknown["message"]
    assert await snapshot(db, tenant.organization_id) == before


async def test_application_decision_and_scorecard_summary(
    client: httpx.AsyncClient, db: Database, tenant: Tenant, other_tenant: Tenant
) -> None:
    h = await hiring(client, db, tenant)
    ivan = await tenant.add("interviewer", "Ivan")
    olga = await tenant.add("interviewer", "Olga")
    application_id = await h.application("Ann Lee")
    not_yet = await h.application("Bob Ray")
    interview_id = await h.held(application_id, [ivan, olga], hours_ago=30)
    await h.submit(interview_id, ivan, recommendation="yes", ratings={"SQL": "yes", "Go": None})
    reason_id = await h.reason()
    foreign = ok(
        await client.post(
            f"{API}/rejection-reasons",
            headers=other_tenant.admin.headers,
            json={"code": "skills_gap", "label": "Skills gap"},
        ),
        201,
    )["id"]

    data = await gql_data(
        client, h.hm, APPLICATION, {"id": global_id("Application", application_id)}
    )
    application = data["application"]
    assert application["decision"] is None
    summary = application["scorecardSummary"]
    assert summary["applicationId"] == global_id("Application", application_id)
    assert summary["recommendations"]["yes"] == 1
    assert [c["interviewerId"] for c in summary["scorecards"]] == [global_id("Member", ivan.id)]
    assert summary["skills"] == [{"skill": "SQL", "ratings": {"yes": 1}}]
    assert [o["interviewerName"] for o in summary["overdue"]] == ["Olga"]

    before = await snapshot(db, tenant.organization_id)
    refusals: list[tuple[Person, dict[str, Any], tuple[str, int]]] = [
        (
            h.recruiter,
            {"applicationId": application_id, "decision": "offer", "note": "Go"},
            ("forbidden", 403),
        ),
        (
            h.hm,
            {"applicationId": application_id, "decision": "reject", "note": "No"},
            ("invalid_input", 422),
        ),
        (
            h.hm,
            {
                "applicationId": application_id,
                "decision": "reject",
                "note": "No",
                "rejectionReasonId": foreign,
            },
            ("invalid_input", 422),
        ),
        (h.hm, {"applicationId": not_yet, "decision": "offer", "note": "Go"}, ("conflict", 409)),
    ]
    for who, variables, expected in refusals:
        result = await _mutate(client, who, DECIDE, "decideApplication", variables)
        assert _error(result) == expected, (variables, result)
        rest = await client.post(
            f"{API}/applications/{variables['applicationId']}/decision",
            headers=who.headers,
            json={
                "decision": variables["decision"],
                "note": variables["note"],
                **(
                    {"rejection_reason_id": variables["rejectionReasonId"]}
                    if "rejectionReasonId" in variables
                    else {}
                ),
            },
        )
        assert (rest.json()["code"], rest.status_code) == expected
    assert await snapshot(db, tenant.organization_id) == before

    decided = await _mutate(
        client,
        h.hm,
        DECIDE,
        "decideApplication",
        {
            "applicationId": global_id("Application", application_id),
            "decision": "reject",
            "note": "Needs more SQL",
            "rejectionReasonId": reason_id,
        },
    )
    assert decided["__typename"] == "DecisionPayload", decided
    assert decided["decision"]["rejectionReasonId"] == global_id("RejectionReason", reason_id)
    data = await gql_data(client, h.recruiter, APPLICATION, {"id": application_id})
    assert data["application"]["decision"] == {
        "id": decided["decision"]["id"],
        "decision": "reject",
        "note": "Needs more SQL",
        "rejectionReasonId": global_id("RejectionReason", reason_id),
        "decidedById": global_id("Member", h.hm.id),
    }
    assert (await h.get_application(application_id))["outcome"] == "rejected"
    assert [m["kind"] for m in await h.messages(application_id)] == ["rejection"]


async def test_offers_through_graphql_and_the_role_figures(
    client: httpx.AsyncClient, db: Database, tenant: Tenant
) -> None:
    h = await hiring(client, db, tenant)
    ivan = await tenant.add("interviewer", "Ivan")
    interviewing = await h.interviewed("Bob Ray", [ivan])
    application_id = await h.at_offer("Ann Lee", [ivan])
    compensation = {"currency": "EUR", "baseSalary": 90000}
    expires = (now() + timedelta(days=7)).isoformat()

    wrong_stage = await _mutate(
        client,
        h.recruiter,
        CREATE_OFFER,
        "createOffer",
        {"applicationId": interviewing, "compensation": compensation, "expiresAt": expires},
    )
    assert _error(wrong_stage) == ("conflict", 409)
    by_manager = await _mutate(
        client,
        h.hm,
        CREATE_OFFER,
        "createOffer",
        {"applicationId": application_id, "compensation": compensation},
    )
    assert _error(by_manager) == ("forbidden", 403)
    assert (await snapshot(db, tenant.organization_id))["offers"] == 0

    created = await _mutate(
        client,
        h.recruiter,
        CREATE_OFFER,
        "createOffer",
        {
            "applicationId": global_id("Application", application_id),
            "compensation": compensation,
            "expiresAt": expires,
        },
    )
    assert created["__typename"] == "OfferPayload", created
    offer = created["offer"]
    assert offer["status"] == "draft"
    assert offer["compensation"] == {
        "currency": "EUR",
        "baseSalary": 90000,
    }
    again = await _mutate(
        client,
        h.recruiter,
        CREATE_OFFER,
        "createOffer",
        {"applicationId": application_id, "compensation": compensation},
    )
    assert _error(again) == ("conflict", 409)

    async def move(to: str, who: Person) -> dict[str, Any]:
        return await _mutate(client, who, MOVE_OFFER, "moveOffer", {"id": offer["id"], "to": to})

    illegal = await move("accepted", h.recruiter)
    assert _error(illegal) == ("conflict", 409)
    assert "approved, rescinded" in illegal["message"]
    assert offer["id"] == global_id("Offer", offer["databaseId"])
    rest = await h.move_offer(offer["databaseId"], "accepted")
    assert (rest.status_code, rest.json()["allowed"]) == (409, ["approved", "rescinded"])
    assert _error(await move("approved", h.recruiter)) == ("forbidden", 403)
    # Not an offer status at all: the schema refuses it before anything runs.
    refused = await gql(client, h.hm, MOVE_OFFER, {"input": {"id": offer["id"], "to": "hired"}})
    assert refused["errors"][0]["extensions"]["code"] == "invalid_query", refused
    assert "OfferStatus" in refused["errors"][0]["message"], refused
    assert (await move("approved", h.hm))["offer"]["status"] == "approved"
    assert (await move("sent", h.recruiter))["offer"]["status"] == "sent"

    data = await gql_data(client, h.hm, ROLE, {"id": global_id("Role", h.role_id)})
    offers = [e["node"] for e in data["role"]["offers"]["edges"]]
    assert [(o["id"], o["status"], o["applicationId"]) for o in offers] == [
        (offer["id"], "sent", global_id("Application", application_id))
    ]
    figures = data["role"]["dashboard"]
    assert figures["roleId"] == global_id("Role", h.role_id)
    assert (figures["offersOut"], figures["offersAccepted"], figures["acceptanceRate"]) == (
        1,
        0,
        None,
    )
    # Ivan owes feedback for both interviews, ended 30 hours ago.
    assert figures["overdueScorecards"] == 2

    assert (await move("accepted", h.recruiter))["offer"]["status"] == "accepted"
    figures = (await gql_data(client, h.recruiter, ROLE, {"id": h.role_id}))["role"]["dashboard"]
    assert (figures["offersOut"], figures["offersAccepted"], figures["acceptanceRate"]) == (
        0,
        1,
        1.0,
    )
    assert {s["stage"]: s["applications"] for s in figures["timeInStage"]} == {"interviewing": 1}
    assert (await h.get_application(application_id))["outcome"] == "hired"
    assert (await h.get_role())["status"] == "filled"


async def test_organization_close_the_loop(
    client: httpx.AsyncClient, db: Database, tenant: Tenant
) -> None:
    h = await hiring(client, db, tenant)
    other: Hiring = await hiring(client, db, tenant, title="Designer", recruiter=h.recruiter)
    ivan = await tenant.add("interviewer", "Ivan")
    old = await h.interviewed("Ann Old", [ivan], hours_ago=25 * 24)
    designer = await other.interviewed("Hal Designer", [ivan], hours_ago=2 * 24)

    view = (await gql_data(client, h.recruiter, CLOSE_THE_LOOP))["organization"]["closeTheLoop"]
    assert (view["waiting"], view["atRisk"], view["deadlineDays"]) == (2, 1, 30)
    assert [c["applicationId"] for c in view["candidates"]] == [
        global_id("Application", old),
        global_id("Application", designer),
    ]
    assert [c["atRisk"] for c in view["candidates"]] == [True, False]
    assert view["candidates"][0]["candidateName"] == "Ann Old"
    rest = ok(await h.close_the_loop())
    assert [c["days_waiting"] for c in rest["candidates"]] == [
        c["daysWaiting"] for c in view["candidates"]
    ]

    only = (
        await gql_data(
            client, h.recruiter, CLOSE_THE_LOOP, {"roleId": global_id("Role", other.role_id)}
        )
    )["organization"]["closeTheLoop"]
    assert [c["applicationId"] for c in only["candidates"]] == [global_id("Application", designer)]
    mine = (await gql_data(client, h.hm, CLOSE_THE_LOOP))["organization"]["closeTheLoop"]
    assert [c["applicationId"] for c in mine["candidates"]] == [global_id("Application", old)]
    body = await gql(client, h.hm, CLOSE_THE_LOOP, {"roleId": other.role_id})
    assert body["errors"][0]["extensions"]["code"] == "not_found", body
