"""Interviewer pools and trainees over GraphQL, as REST has them: a stage of
schedulingSuggestions or createBookingLink names a pool (poolId, a global id) and asks for a
trainee seat (traineeSeat), scheduleInterviews books a slot from a pool with its trainees
(poolId, traineeIds), and an Interview shows its poolId and each interviewer's seat. The domain
validates (the same rules and field names as REST); GraphQL only maps."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import text

from app.db import Database
from tests.conftest import Person, Tenant
from tests.helpers_domain import global_id, gql, gql_data
from tests.helpers_interviews import (
    API,
    JSON,
    Hiring,
    interviewing_application,
    monday,
    ok,
)
from tests.test_pools import add_member, create_pool

SUGGEST = """
query($input: SuggestionInput!) {
  schedulingSuggestions(input: $input) {
    blockedBy
    suggestions {
      startAt reasons
      stages { name startAt endAt poolId interviewers { memberId name } trainees { memberId name } }
    }
  }
}
"""

INTERVIEW_FIELDS = "id databaseId kind poolId interviewers { seat response member { name } }"

SCHEDULE = f"""
mutation($input: ScheduleInterviewsInput!) {{
  scheduleInterviews(input: $input) {{
    __typename
    ... on InterviewsPayload {{ interviews {{ {INTERVIEW_FIELDS} }} }}
    ... on MutationError {{ code status message fields {{ field message }} }}
  }}
}}
"""

INTERVIEW = f"query($id: ID!) {{ interview(id: $id) {{ {INTERVIEW_FIELDS} }} }}"

CREATE_LINK = """
mutation($input: CreateBookingLinkInput!) {
  createBookingLink(input: $input) {
    __typename
    ... on BookingLinkCreatedPayload {
      token
      bookingLink {
        options { key stages { name interviewerIds interviewerNames traineeIds traineeNames } }
        holds { optionKey memberId }
      }
    }
    ... on MutationError { code status message fields { field message } }
  }
}
"""


async def hold_count(db: Database) -> int:
    async with db.engine.connect() as conn:
        found = await conn.execute(text("SELECT count(*) FROM booking_holds"))
        return int(found.scalar_one())


def member_id(person: Person) -> str:
    return global_id("Member", person.id)


async def tech_pool(
    client: httpx.AsyncClient, hiring: Hiring, tenant: Tenant
) -> tuple[JSON, Person, Person]:
    """A pool for technical interviews: Ana trained, Tia in training (both in UTC)."""
    ana = await tenant.add("interviewer", "Ana", time_zone="UTC")
    tia = await tenant.add("interviewer", "Tia", time_zone="UTC")
    pool = await create_pool(client, hiring.recruiter, name="Tech", kind="technical")
    ok(await add_member(client, hiring.recruiter, pool["id"], ana), 201)
    ok(await add_member(client, hiring.recruiter, pool["id"], tia, status="in_training"), 201)
    return pool, ana, tia


def pool_stage(pool: JSON, **extra: Any) -> JSON:
    return {
        "name": "Technical",
        "durationMinutes": 60,
        "poolId": global_id("InterviewerPool", pool["id"]),
        **extra,
    }


async def test_a_pool_stage_with_a_trainee_seat_is_suggested_booked_and_read_back(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    hiring = await interviewing_application(client, tenant)
    pool, ana, tia = await tech_pool(client, hiring, tenant)
    pool_gid = global_id("InterviewerPool", pool["id"])
    day = monday()
    found = await gql_data(
        client,
        hiring.recruiter,
        SUGGEST,
        {
            "input": {
                "applicationId": hiring.app_id,
                # No interviewerIds: the pool's trained members are the people to choose from.
                "stages": [pool_stage(pool, traineeSeat=True)],
                "dateFrom": day.isoformat(),
                "dateTo": (day + timedelta(days=1)).isoformat(),
                "limit": 3,
            }
        },
    )
    suggestions = found["schedulingSuggestions"]["suggestions"]
    assert suggestions, found
    first = suggestions[0]
    (placed,) = first["stages"]
    assert placed["poolId"] == pool_gid
    assert [i["memberId"] for i in placed["interviewers"]] == [member_id(ana)]
    assert [t["memberId"] for t in placed["trainees"]] == [member_id(tia)]
    assert any("Tia shadows 'Technical'" in r for r in first["reasons"]), first["reasons"]

    # Booked as suggested: the slot names the pool and the trainee, by global ids.
    booked = await gql_data(
        client,
        hiring.recruiter,
        SCHEDULE,
        {
            "input": {
                "applicationId": hiring.app_id,
                "interviews": [
                    {
                        "kind": "technical",
                        "startAt": placed["startAt"],
                        "endAt": placed["endAt"],
                        "interviewerIds": [member_id(ana)],
                        "poolId": pool_gid,
                        "traineeIds": [member_id(tia)],
                    }
                ],
            }
        },
    )
    result = booked["scheduleInterviews"]
    assert result["__typename"] == "InterviewsPayload", result
    (interview,) = result["interviews"]
    assert interview["poolId"] == pool_gid
    seats = {i["member"]["name"]: i["seat"] for i in interview["interviewers"]}
    assert seats == {"Ana": "interviewer", "Tia": "shadow"}

    read = (await gql_data(client, hiring.recruiter, INTERVIEW, {"id": interview["id"]}))[
        "interview"
    ]
    assert read["poolId"] == pool_gid
    assert {i["member"]["name"]: i["seat"] for i in read["interviewers"]} == seats
    # The poolId is the one interviewerPool(id:) takes; REST shows the same pool and seats.
    named = await gql_data(
        client,
        hiring.recruiter,
        "query($id: ID!) { interviewerPool(id: $id) { name } }",
        {"id": read["poolId"]},
    )
    assert named["interviewerPool"] == {"name": "Tech"}
    rest = ok(
        await client.get(
            f"{API}/interviews/{interview['databaseId']}", headers=hiring.recruiter.headers
        )
    )
    assert rest["pool_id"] == pool["id"]
    assert {p["member_id"]: p["seat"] for p in rest["interviewers"]} == {
        str(ana.id): "interviewer",
        str(tia.id): "shadow",
    }
    # Booked without a pool, an interview shows no poolId and only interviewer seats.
    plain = await gql_data(
        client,
        hiring.recruiter,
        SCHEDULE,
        {
            "input": {
                "applicationId": hiring.app_id,
                "interviews": [
                    {
                        "kind": "team",
                        "startAt": (day + timedelta(days=2, hours=10)).isoformat(),
                        "endAt": (day + timedelta(days=2, hours=11)).isoformat(),
                        "interviewerIds": [member_id(ana)],
                    }
                ],
            }
        },
    )
    (other,) = plain["scheduleInterviews"]["interviews"]
    assert other["poolId"] is None
    assert [i["seat"] for i in other["interviewers"]] == ["interviewer"]


async def test_a_booking_link_is_created_from_a_pool_with_a_trainee_seat(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    hiring = await interviewing_application(client, tenant)
    pool, ana, tia = await tech_pool(client, hiring, tenant)
    created = await gql_data(
        client,
        hiring.recruiter,
        CREATE_LINK,
        {
            "input": {
                "applicationId": hiring.app_id,
                "stages": [pool_stage(pool, traineeSeat=True)],
                "timeZone": "UTC",
            }
        },
    )
    payload = created["createBookingLink"]
    assert payload["__typename"] == "BookingLinkCreatedPayload", payload
    link = payload["bookingLink"]
    assert link["options"]
    for option in link["options"]:
        (offered,) = option["stages"]
        assert offered["interviewerIds"] == [global_id("Member", ana.id)]
        assert offered["traineeIds"] == [global_id("Member", tia.id)]
        assert offered["traineeNames"] == ["Tia"]
    first = link["options"][0]
    held = {h["memberId"] for h in link["holds"] if h["optionKey"] == first["key"]}
    assert held == {global_id("Member", ana.id), global_id("Member", tia.id)}, (
        "the trainee's time is held too"
    )

    booked = ok(
        await client.post(
            f"{API}/public/bookings/{payload['token']}/book", json={"option_key": first["key"]}
        )
    )
    assert booked["done"] is True
    interview_id = booked["booking"]["booked"][0]["interview_id"]
    read = (
        await gql_data(
            client, hiring.recruiter, INTERVIEW, {"id": global_id("Interview", interview_id)}
        )
    )["interview"]
    assert read["poolId"] == global_id("InterviewerPool", pool["id"])
    assert {i["member"]["name"]: i["seat"] for i in read["interviewers"]} == {
        "Ana": "interviewer",
        "Tia": "shadow",
    }


async def test_pool_and_trainee_input_is_validated_by_the_domain_as_in_rest(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    hiring = await interviewing_application(client, tenant)
    _, ana, tia = await tech_pool(client, hiring, tenant)
    day = monday()

    async def suggest_error(stage: JSON) -> str:
        """A query's error names the fields (the messages are the mutations')."""
        variables = {
            "input": {
                "applicationId": hiring.app_id,
                "stages": [stage],
                "dateFrom": day.isoformat(),
                "dateTo": (day + timedelta(days=1)).isoformat(),
            }
        }
        body = (await gql(client, hiring.recruiter, SUGGEST, variables)).json()
        (error,) = body["errors"]
        assert error["extensions"] == {"code": "invalid_input", "status": 422}, body
        message: str = error["message"]
        return message

    async def link_error(stage: JSON) -> list[JSON]:
        variables = {"input": {"applicationId": hiring.app_id, "stages": [stage]}}
        answer = (await gql_data(client, hiring.recruiter, CREATE_LINK, variables))[
            "createBookingLink"
        ]
        assert answer["code"] == "invalid_input", answer
        fields: list[JSON] = answer["fields"]
        return fields

    nobody = {"name": "Technical", "durationMinutes": 60}
    assert await suggest_error(nobody) == "Invalid input: stages.0"
    (field,) = await link_error(nobody)
    assert field["field"] == "stages.0"
    assert "give interviewer_ids or a pool_id" in field["message"]
    no_pool = {**nobody, "interviewerIds": [member_id(ana)], "traineeSeat": True}
    assert await suggest_error(no_pool) == "Invalid input: stages.0"
    (field,) = await link_error(no_pool)
    assert "a trainee seat needs a pool_id" in field["message"]
    # A global id of another type is refused before the domain is asked, naming the field.
    wrong_kind = {**nobody, "poolId": member_id(ana)}
    assert "poolId" in await suggest_error(wrong_kind)
    assert await hold_count(db) == 0, "nothing was offered or held"

    # A slot's trainees need its pool: REST's 422 field, spelled as GraphQL spells it.
    refused = await gql_data(
        client,
        hiring.recruiter,
        SCHEDULE,
        {
            "input": {
                "applicationId": hiring.app_id,
                "interviews": [
                    {
                        "kind": "technical",
                        "startAt": (day + timedelta(hours=10)).isoformat(),
                        "endAt": (day + timedelta(hours=11)).isoformat(),
                        "interviewerIds": [member_id(ana)],
                        "traineeIds": [member_id(tia)],
                    }
                ],
            }
        },
    )
    error = refused["scheduleInterviews"]
    assert error["code"] == "invalid_input", error
    assert [f["field"] for f in error["fields"]] == ["interviews.0.traineeIds"]
