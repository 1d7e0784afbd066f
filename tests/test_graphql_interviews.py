"""Interviews over GraphQL: the same suggestions, rules and error codes as REST.

schedulingSuggestions, interview(id), Application.interviews and Application.packet, the
interviewers with their member and response, and the mutations scheduleInterviews,
rescheduleInterview, cancelInterview, respondToInterview and setInterviewStatus, whose
MutationError codes match REST's problems (409 conflict, 422 invalid_input naming the fields)."""

from __future__ import annotations

import asyncio
import base64
from datetime import datetime, timedelta
from typing import Any

import httpx

from app.db import Database
from tests.conftest import Person, Tenant
from tests.helpers_interviews import (
    API,
    JSON,
    at,
    book,
    interviewing_application,
    monday,
    move_interview_to_past,
    now,
    ok,
    stage,
    suggest,
    upload,
)
from tests.helpers_pipeline import MINIMAL_PDF, gql, gql_data


def gid(type_name: str, raw_id: str) -> str:
    return base64.b64encode(f"{type_name}:{raw_id}".encode()).decode()


SUGGEST = """
query($input: SuggestionInput!) {
  schedulingSuggestions(input: $input) {
    considered
    blockedBy
    suggestions {
      rank score startAt endAt candidateTimeZone candidateLocalStart reasons
      stages { name startAt endAt interviewers { memberId name timeZone localStart localEnd } }
    }
  }
}
"""

INTERVIEW_FIELDS = """
id databaseId kind status statusReason startAt endAt timeZone icalUid icalSequence version
interviewers { response respondedAt member { databaseId name title } }
"""

SCHEDULE = f"""
mutation($input: ScheduleInterviewsInput!) {{
  scheduleInterviews(input: $input) {{
    __typename
    ... on InterviewsPayload {{ interviews {{ {INTERVIEW_FIELDS} }} }}
    ... on MutationError {{ code status message fields {{ field message }} }}
  }}
}}
"""

ONE_RESULT = f"""
    __typename
    ... on InterviewPayload {{ interview {{ {INTERVIEW_FIELDS} }} }}
    ... on MutationError {{ code status message fields {{ field message }} }}
"""

RESCHEDULE = f"""
mutation($input: RescheduleInterviewInput!) {{
  rescheduleInterview(input: $input) {{ {ONE_RESULT} }}
}}
"""

CANCEL = f"""
mutation($id: ID!, $reason: String!) {{ cancelInterview(id: $id, reason: $reason) {{ {ONE_RESULT} }} }}
"""

RESPOND = f"""
mutation($id: ID!, $response: InterviewResponse!) {{
  respondToInterview(id: $id, response: $response) {{ {ONE_RESULT} }}
}}
"""

SET_STATUS = f"""
mutation($id: ID!, $status: SettableInterviewStatus!, $reason: String) {{
  setInterviewStatus(id: $id, status: $status, reason: $reason) {{ {ONE_RESULT} }}
}}
"""

INTERVIEW = f"query($id: ID!) {{ interview(id: $id) {{ {INTERVIEW_FIELDS} }} }}"


def _stage_input(name: str, minutes: int, people: list[Person], required: int = 1) -> JSON:
    return {
        "name": name,
        "durationMinutes": minutes,
        "interviewerIds": [gid("Member", str(p.id)) for p in people],
        "required": required,
    }


def _slot_input(kind: str, start: datetime, minutes: int, people: list[Person]) -> JSON:
    return {
        "kind": kind,
        "startAt": start.isoformat(),
        "endAt": (start + timedelta(minutes=minutes)).isoformat(),
        "interviewerIds": [str(p.id) for p in people],
    }


async def _mutate(
    client: httpx.AsyncClient, who: Person, query: str, variables: JSON, field: str
) -> JSON:
    data = await gql_data(client, who, query, variables)
    result: JSON = data[field]
    return result


def _error(result: JSON, code: str, status: int) -> JSON:
    assert result["__typename"] == "MutationError", result
    assert result["code"] == code, result
    assert result["status"] == status, result
    return result


def _fields(result: JSON) -> set[str]:
    return {f["field"] for f in result["fields"]}


# ---------------------------------------------------------------------------------------------


async def test_scheduling_suggestions_match_rest(client: httpx.AsyncClient, tenant: Tenant) -> None:
    hiring = await interviewing_application(client, tenant, candidate_time_zone="Asia/Kolkata")
    ivan = await tenant.add("interviewer", "Ivan", time_zone="America/New_York")
    bea = await tenant.add("interviewer", "Bea", time_zone="Europe/Berlin")
    mon = monday()
    rest = ok(
        await suggest(
            client,
            hiring.recruiter,
            hiring.app_id,
            [stage("hm", 30, [hiring.hm]), stage("technical", 60, [ivan, bea], required=2)],
            mon,
            mon + timedelta(days=3),
            max_gap_minutes=30,
        )
    )
    data = await gql_data(
        client,
        hiring.recruiter,
        SUGGEST,
        {
            "input": {
                "applicationId": gid("Application", hiring.app_id),
                "stages": [
                    _stage_input("hm", 30, [hiring.hm]),
                    _stage_input("technical", 60, [ivan, bea], required=2),
                ],
                "dateFrom": mon.isoformat(),
                "dateTo": (mon + timedelta(days=3)).isoformat(),
                "maxGapMinutes": 30,
            }
        },
    )
    found = data["schedulingSuggestions"]
    assert found["suggestions"]
    assert found["blockedBy"] == rest["blocked_by"] == []
    assert found["considered"] == rest["considered"]
    assert [
        (at(s["startAt"]), s["rank"], s["score"], s["reasons"]) for s in found["suggestions"]
    ] == [(at(s["start_at"]), s["rank"], s["score"], s["reasons"]) for s in rest["suggestions"]]
    first = found["suggestions"][0]
    assert first["candidateTimeZone"] == "Asia/Kolkata"
    assert at(first["candidateLocalStart"]) == at(first["startAt"])
    tech = first["stages"][1]
    assert tech["name"] == "technical"
    shown = {i["name"]: i for i in tech["interviewers"]}
    assert set(shown) == {"Ivan", "Bea"}
    assert shown["Ivan"]["memberId"] == gid("Member", str(ivan.id))
    assert shown["Ivan"]["timeZone"] == "America/New_York"
    assert at(shown["Ivan"]["localStart"]) == at(tech["startAt"])


async def test_scheduling_suggestions_errors_carry_rest_codes(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    hiring = await interviewing_application(client, tenant)
    ivan = await tenant.add("interviewer", "Ivan")
    mon = monday()

    async def errors(who: Person, **overrides: Any) -> list[JSON]:
        variables = {
            "input": {
                "applicationId": hiring.app_id,
                "stages": [_stage_input("technical", 60, [ivan])],
                "dateFrom": mon.isoformat(),
                "dateTo": (mon + timedelta(days=2)).isoformat(),
                **overrides,
            }
        }
        body = (await gql(client, who, SUGGEST, variables)).json()
        assert body.get("data") is None or body["data"].get("schedulingSuggestions") is None
        found: list[JSON] = body["errors"]
        return found

    too_many = await errors(
        hiring.recruiter, stages=[_stage_input("technical", 60, [ivan], required=2)]
    )
    assert too_many[0]["extensions"] == {"code": "invalid_input", "status": 422}
    assert "stages" in too_many[0]["message"]
    backwards = await errors(hiring.recruiter, dateTo=(mon - timedelta(days=1)).isoformat())
    assert backwards[0]["extensions"]["status"] == 422
    forbidden = await errors(ivan)
    assert forbidden[0]["extensions"] == {"code": "forbidden", "status": 403}
    # When nothing fits, the answer (not an error) says why.
    data = await gql_data(
        client,
        hiring.recruiter,
        SUGGEST,
        {
            "input": {
                "applicationId": hiring.app_id,
                "stages": [_stage_input("technical", 60, [ivan])],
                "dateFrom": now().isoformat(),
                "dateTo": (now() + timedelta(hours=12)).isoformat(),
            }
        },
    )
    assert data["schedulingSuggestions"]["suggestions"] == []
    assert any("notice" in r for r in data["schedulingSuggestions"]["blockedBy"])


async def test_interview_lifecycle_over_graphql(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    hiring = await interviewing_application(client, tenant)
    ivan = await tenant.add("interviewer", "Ivan Petrov", title="Staff Engineer")
    bea = await tenant.add("interviewer", "Bea Schmidt")
    start = monday() + timedelta(days=1, hours=10)
    created = await _mutate(
        client,
        hiring.recruiter,
        SCHEDULE,
        {
            "input": {
                "applicationId": gid("Application", hiring.app_id),
                "interviews": [_slot_input("technical", start, 60, [ivan, bea])],
                "timeZone": "Europe/Berlin",
            }
        },
        "scheduleInterviews",
    )
    assert created["__typename"] == "InterviewsPayload", created
    (interview,) = created["interviews"]
    assert interview["status"] == "scheduled"
    assert interview["icalSequence"] == 0
    assert interview["timeZone"] == "Europe/Berlin"
    assert at(interview["startAt"]) == start
    assert [(p["member"]["name"], p["response"]) for p in interview["interviewers"]] == [
        ("Ivan Petrov", "needs_action"),
        ("Bea Schmidt", "needs_action"),
    ]
    assert interview["interviewers"][0]["member"]["title"] == "Staff Engineer"
    iid = interview["id"]
    assert iid == gid("Interview", interview["databaseId"])

    # Responses: only the interviewer themselves.
    answered = await _mutate(
        client, ivan, RESPOND, {"id": iid, "response": "accepted"}, "respondToInterview"
    )
    assert answered["__typename"] == "InterviewPayload", answered
    assert {p["member"]["name"]: p["response"] for p in answered["interview"]["interviewers"]} == {
        "Ivan Petrov": "accepted",
        "Bea Schmidt": "needs_action",
    }
    _error(
        await _mutate(
            client,
            hiring.recruiter,
            RESPOND,
            {"id": iid, "response": "accepted"},
            "respondToInterview",
        ),
        "forbidden",
        403,
    )
    # Not an answer an interviewer can give: the schema refuses it, naming the argument.
    bad = (await gql(client, bea, RESPOND, {"id": iid, "response": "perhaps"})).json()
    assert bad["errors"][0]["extensions"]["code"] == "invalid_query", bad
    assert "response" in bad["errors"][0]["message"], bad

    # Query: the interview, with its interviewers, for someone on it; null for someone not.
    outsider = await tenant.add("interviewer", "Olga")
    seen = (await gql_data(client, bea, INTERVIEW, {"id": iid}))["interview"]
    assert seen["databaseId"] == interview["databaseId"]
    assert {p["member"]["name"] for p in seen["interviewers"]} == {"Ivan Petrov", "Bea Schmidt"}
    assert (await gql_data(client, outsider, INTERVIEW, {"id": iid}))["interview"] is None

    # Reschedule: sequence rises, answers reset; a past time names the field.
    later = start + timedelta(days=1)
    moved = await _mutate(
        client,
        hiring.recruiter,
        RESCHEDULE,
        {
            "input": {
                "id": iid,
                "startAt": later.isoformat(),
                "endAt": (later + timedelta(hours=1)).isoformat(),
                "reason": "Bea asked",
            }
        },
        "rescheduleInterview",
    )
    assert moved["__typename"] == "InterviewPayload", moved
    assert moved["interview"]["icalSequence"] == 1
    assert at(moved["interview"]["startAt"]) == later
    assert {p["response"] for p in moved["interview"]["interviewers"]} == {"needs_action"}
    past = _error(
        await _mutate(
            client,
            hiring.recruiter,
            RESCHEDULE,
            {
                "input": {
                    "id": iid,
                    "startAt": (now() - timedelta(hours=2)).isoformat(),
                    "endAt": (now() - timedelta(hours=1)).isoformat(),
                    "reason": "oops",
                }
            },
            "rescheduleInterview",
        ),
        "invalid_input",
        422,
    )
    assert "startAt" in _fields(past)

    # Status: not before it happened; then completed.
    early = _error(
        await _mutate(
            client,
            hiring.recruiter,
            SET_STATUS,
            {"id": iid, "status": "completed"},
            "setInterviewStatus",
        ),
        "conflict",
        409,
    )
    assert "not started" in early["message"]
    await move_interview_to_past(db, interview["databaseId"])
    done = await _mutate(
        client,
        hiring.recruiter,
        SET_STATUS,
        {"id": iid, "status": "completed", "reason": "went well"},
        "setInterviewStatus",
    )
    assert done["__typename"] == "InterviewPayload", done
    assert done["interview"]["status"] == "completed"
    assert done["interview"]["statusReason"] == "went well"
    _error(
        await _mutate(
            client, hiring.recruiter, CANCEL, {"id": iid, "reason": "too late"}, "cancelInterview"
        ),
        "conflict",
        409,
    )


async def test_schedule_errors_match_rest(client: httpx.AsyncClient, tenant: Tenant) -> None:
    hiring = await interviewing_application(client, tenant)
    other = await interviewing_application(
        client,
        tenant,
        recruiter=hiring.recruiter,
        hm=hiring.hm,
        role_id=hiring.role_id,
        candidate_name="Bob Ray",
    )
    ivan = await tenant.add("interviewer", "Ivan")
    start = monday() + timedelta(days=1, hours=10)

    async def schedule_gql(app_id: str, slots: list[JSON], **extra: Any) -> JSON:
        return await _mutate(
            client,
            hiring.recruiter,
            SCHEDULE,
            {"input": {"applicationId": app_id, "interviews": slots, **extra}},
            "scheduleInterviews",
        )

    first = await schedule_gql(hiring.app_id, [_slot_input("t", start, 60, [ivan])])
    assert first["__typename"] == "InterviewsPayload", first
    clash = _error(
        await schedule_gql(
            other.app_id, [_slot_input("t", start + timedelta(minutes=30), 60, [ivan])]
        ),
        "conflict",
        409,
    )
    assert "Ivan is already interviewing then" in clash["message"]
    rest = await client.post(
        f"{API}/interviews",
        headers=hiring.recruiter.headers,
        json={
            "application_id": other.app_id,
            "interviews": [
                {
                    "kind": "t",
                    "start_at": (start + timedelta(minutes=30)).isoformat(),
                    "end_at": (start + timedelta(minutes=90)).isoformat(),
                    "interviewer_ids": [str(ivan.id)],
                }
            ],
        },
    )
    assert rest.status_code == clash["status"]
    assert rest.json()["code"] == clash["code"]

    past = _error(
        await schedule_gql(
            other.app_id, [_slot_input("t", now() - timedelta(hours=3), 60, [ivan])]
        ),
        "invalid_input",
        422,
    )
    assert "interviews.0.startAt" in _fields(past)
    zone = _error(
        await schedule_gql(
            other.app_id,
            [_slot_input("t", start + timedelta(days=2), 60, [ivan])],
            timeZone="Atlantis/Capital",
        ),
        "invalid_input",
        422,
    )
    assert "timeZone" in _fields(zone)
    wrong_id = _error(
        await schedule_gql(
            other.app_id,
            [
                {
                    **_slot_input("t", start + timedelta(days=2), 60, [ivan]),
                    "interviewerIds": [gid("Role", hiring.role_id)],
                }
            ],
        ),
        "invalid_input",
        422,
    )
    assert "interviewerIds" in _fields(wrong_id)
    cancelled = await _mutate(
        client,
        hiring.recruiter,
        CANCEL,
        {"id": first["interviews"][0]["id"], "reason": "changed plans"},
        "cancelInterview",
    )
    assert cancelled["interview"]["status"] == "cancelled"
    assert cancelled["interview"]["icalSequence"] == 1
    # Now the time is free.
    again = await schedule_gql(other.app_id, [_slot_input("t", start, 60, [ivan])])
    assert again["__typename"] == "InterviewsPayload", again


async def test_racing_graphql_schedulers_one_wins(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    hiring = await interviewing_application(client, tenant)
    other = await interviewing_application(
        client,
        tenant,
        recruiter=hiring.recruiter,
        hm=hiring.hm,
        role_id=hiring.role_id,
        candidate_name="Bob Ray",
    )
    ivan = await tenant.add("interviewer", "Ivan")
    start = monday() + timedelta(days=2, hours=10)
    results = await asyncio.gather(
        *(
            _mutate(
                client,
                hiring.recruiter,
                SCHEDULE,
                {
                    "input": {
                        "applicationId": app_id,
                        "interviews": [_slot_input("t", start, 60, [ivan])],
                    }
                },
                "scheduleInterviews",
            )
            for app_id in (hiring.app_id, other.app_id)
        )
    )
    assert sorted(r["__typename"] for r in results) == ["InterviewsPayload", "MutationError"]
    loser = next(r for r in results if r["__typename"] == "MutationError")
    assert (loser["code"], loser["status"]) == ("conflict", 409)


APPLICATION = """
query($id: ID!) {
  application(id: $id) {
    interviews { edges { node {
      databaseId kind status interviewers { response member { name } }
    } } }
    packet {
      applicationId roleTitle candidateName screeningNotes github
      documents { id databaseId kind filename contentType sizeBytes downloadUrl }
      intake { revision summary mustHaveSkills niceToHaveSkills screeningQuestions }
      interviews { id databaseId kind status interviewerIds }
    }
  }
}
"""


async def test_application_interviews_and_packet_over_graphql(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    hiring = await interviewing_application(
        client,
        tenant,
        screening_notes="Screened: strong on Kafka.",
        links={"github": "https://github.com/ann-lee"},
    )
    ivan = await tenant.add("interviewer", "Ivan")
    bea = await tenant.add("interviewer", "Bea")
    resume = await upload(
        client, hiring.recruiter, hiring.candidate_id, "ann.pdf", MINIMAL_PDF, "application/pdf"
    )
    tue = monday() + timedelta(days=1)
    one = await book(client, hiring.recruiter, hiring.app_id, tue + timedelta(hours=10), [ivan])
    two = await book(
        client, hiring.recruiter, hiring.app_id, tue + timedelta(hours=12), [bea], kind="team"
    )

    data = await gql_data(client, hiring.recruiter, APPLICATION, {"id": hiring.app_id})
    application = data["application"]
    interviews = [e["node"] for e in application["interviews"]["edges"]]
    assert [(i["databaseId"], i["kind"]) for i in interviews] == [
        (one["id"], "technical"),
        (two["id"], "team"),
    ]
    assert interviews[0]["interviewers"] == [
        {"response": "needs_action", "member": {"name": "Ivan"}}
    ]
    packet = application["packet"]
    assert packet["applicationId"] == gid("Application", hiring.app_id)
    assert packet["candidateName"] == "Ann Lee"
    assert packet["roleTitle"] == "Data Engineer"
    assert packet["screeningNotes"] == "Screened: strong on Kafka."
    assert packet["github"] == "https://github.com/ann-lee"
    assert [(d["id"], d["databaseId"], d["kind"], d["filename"]) for d in packet["documents"]] == [
        (gid("Document", resume["id"]), resume["id"], "resume", "ann.pdf")
    ]
    assert packet["intake"]["mustHaveSkills"] == ["SQL", "Airflow"]
    assert {i["databaseId"] for i in packet["interviews"]} == {one["id"], two["id"]}
    assert {i["id"] for i in packet["interviews"]} == {
        gid("Interview", one["id"]),
        gid("Interview", two["id"]),
    }
    download = await client.get(packet["documents"][0]["downloadUrl"], headers=ivan.headers)
    assert download.status_code == 200
    assert download.content == MINIMAL_PDF
    # The hiring manager of the role sees the same interviews.
    by_hm = await gql_data(client, hiring.hm, APPLICATION, {"id": hiring.app_id})
    assert {e["node"]["databaseId"] for e in by_hm["application"]["interviews"]["edges"]} == {
        one["id"],
        two["id"],
    }


async def test_interviewer_gets_nothing_of_the_candidate_beyond_their_interviews(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    hiring = await interviewing_application(client, tenant, screening_notes="Private notes")
    ivan = await tenant.add("interviewer", "Ivan")
    mine = await book(
        client, hiring.recruiter, hiring.app_id, monday() + timedelta(hours=34), [ivan]
    )
    others = await book(
        client, hiring.recruiter, hiring.app_id, monday() + timedelta(hours=36), [hiring.hm]
    )
    body = (
        await gql(
            client,
            ivan,
            "query($id: ID!) { application(id: $id) { screeningNotes candidate { email } } }",
            {"id": hiring.app_id},
        )
    ).json()
    assert (body.get("data") or {}).get("application") is None
    assert body["errors"][0]["extensions"]["code"] == "forbidden"
    assert "Private notes" not in str(body)
    assert hiring.candidate_email not in str(body)
    node = "query($id: ID!) { node(id: $id) { ... on Interview { databaseId kind } } }"
    seen = await gql_data(client, ivan, node, {"id": gid("Interview", mine["id"])})
    assert seen["node"] == {"databaseId": mine["id"], "kind": "technical"}
    hidden = await gql_data(client, ivan, node, {"id": gid("Interview", others["id"])})
    assert hidden["node"] is None
    assert (await gql_data(client, ivan, INTERVIEW, {"id": others["id"]}))["interview"] is None
