"""Availability over GraphQL: members' overrides and busy blocks, candidates' windows and links,
with the same permissions, validation and codes as REST."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from tests.conftest import Person, Tenant
from tests.helpers_domain import API, JSON, global_id, gql, gql_data, ok
from tests.helpers_interviews import interviewing_application, iso, monday

ERROR = "... on MutationError { code status message fields { field message } }"
SET_OVERRIDE = f"""
mutation($input: SetAvailabilityOverrideInput!) {{
  setAvailabilityOverride(input: $input) {{
    __typename ... on AvailabilityOverridePayload {{
      override {{ id memberId day note hours {{ start end }} }}
    }} {ERROR}
  }}
}}"""
DELETE_OVERRIDE = f"""
mutation($memberId: ID!, $day: Date!) {{
  deleteAvailabilityOverride(memberId: $memberId, day: $day) {{
    __typename ... on AvailabilityOverrideDeletedPayload {{ memberId day }} {ERROR}
  }}
}}"""
ADD_BUSY = f"""
mutation($input: AddBusyBlockInput!) {{
  addBusyBlock(input: $input) {{
    __typename ... on BusyBlockPayload {{ busyBlock {{ id memberId startAt endAt source title }} }}
    {ERROR}
  }}
}}"""
DELETE_BUSY = f"""
mutation($memberId: ID!, $id: ID!) {{
  deleteBusyBlock(memberId: $memberId, id: $id) {{
    __typename ... on BusyBlockDeletedPayload {{ deletedId }} {ERROR}
  }}
}}"""
SET_WINDOWS = f"""
mutation($input: SetCandidateWindowsInput!) {{
  setCandidateWindows(input: $input) {{
    __typename ... on CandidateWindowsPayload {{ windows {{ id startAt endAt timeZone enteredBy }} }}
    {ERROR}
  }}
}}"""
LINK = f"""
mutation($input: CreateAvailabilityLinkInput!) {{
  createAvailabilityLink(input: $input) {{
    __typename ... on AvailabilityLinkPayload {{ link {{ id applicationId url token expiresAt }} }}
    {ERROR}
  }}
}}"""
READ = """
query($memberId: ID!, $fromDay: Date!, $toDay: Date!, $from: DateTime!, $to: DateTime!) {
  availabilityOverrides(memberId: $memberId, from: $fromDay, to: $toDay) { day note }
  busyBlocks(memberId: $memberId, from: $from, to: $to) { id title }
}"""
WINDOWS = "query($id: ID!) { candidateWindows(applicationId: $id) { id startAt } }"


async def _mutate(
    client: httpx.AsyncClient, who: Person, document: str, field: str, **variables: Any
) -> JSON:
    result: JSON = (await gql_data(client, who, document, variables))[field]
    return result


async def test_a_member_manages_their_availability_as_over_rest(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    ivy = await tenant.add("interviewer", "Ivy")
    me = global_id("Member", ivy.id)
    start = monday()
    day = start.date()
    off = await _mutate(
        client,
        ivy,
        SET_OVERRIDE,
        "setAvailabilityOverride",
        input={"memberId": me, "day": str(day), "note": "dentist"},
    )
    assert off["__typename"] == "AvailabilityOverridePayload", off
    assert (off["override"]["memberId"], off["override"]["hours"]) == (me, [])
    hours = await _mutate(
        client,
        ivy,
        SET_OVERRIDE,
        "setAvailabilityOverride",
        input={"memberId": me, "day": str(day), "hours": [{"start": "07:00", "end": "11:00"}]},
    )
    assert hours["override"]["hours"] == [{"start": "07:00", "end": "11:00"}]

    busy = await _mutate(
        client,
        ivy,
        ADD_BUSY,
        "addBusyBlock",
        input={
            "memberId": me,
            "startAt": iso(start),
            "endAt": iso(start + timedelta(hours=1)),
            "title": "Focus",
        },
    )
    assert busy["busyBlock"]["source"] == "manual", busy
    rest = ok(
        await client.get(
            f"{API}/members/{ivy.id}/busy-blocks",
            headers=ivy.headers,
            params={"from": iso(start - timedelta(days=1)), "to": iso(start + timedelta(days=1))},
        )
    )
    assert [b["title"] for b in rest["items"]] == ["Focus"]

    variables = {
        "memberId": me,
        "fromDay": str(day),
        "toDay": str(day + timedelta(days=6)),
        "from": iso(start - timedelta(days=1)),
        "to": iso(start + timedelta(days=1)),
    }
    read = await gql_data(client, ivy, READ, variables)
    assert [o["day"] for o in read["availabilityOverrides"]] == [str(day)]
    assert [b["id"] for b in read["busyBlocks"]] == [busy["busyBlock"]["id"]]

    # The same validation as REST, naming the field.
    bad = await _mutate(
        client,
        ivy,
        ADD_BUSY,
        "addBusyBlock",
        input={"memberId": me, "startAt": iso(start), "endAt": iso(start - timedelta(hours=1))},
    )
    assert (bad["code"], bad["status"]) == ("invalid_input", 422), bad
    wrong_kind = await _mutate(client, ivy, DELETE_BUSY, "deleteBusyBlock", memberId=me, id=me)
    assert wrong_kind["code"] == "invalid_input"
    assert wrong_kind["fields"][0]["field"] == "id"

    deleted = await _mutate(
        client, ivy, DELETE_BUSY, "deleteBusyBlock", memberId=me, id=busy["busyBlock"]["id"]
    )
    assert deleted["deletedId"] == busy["busyBlock"]["id"]
    back = await _mutate(
        client, ivy, DELETE_OVERRIDE, "deleteAvailabilityOverride", memberId=me, day=str(day)
    )
    assert back == {
        "__typename": "AvailabilityOverrideDeletedPayload",
        "memberId": me,
        "day": str(day),
    }
    again = await _mutate(
        client, ivy, DELETE_OVERRIDE, "deleteAvailabilityOverride", memberId=me, day=str(day)
    )
    assert again["code"] == "not_found"

    # Another interviewer may not manage Ivy's time.
    other = await tenant.add("interviewer", "Otto")
    refused = await _mutate(
        client,
        other,
        SET_OVERRIDE,
        "setAvailabilityOverride",
        input={"memberId": me, "day": str(day)},
    )
    assert refused["code"] == "forbidden", refused


async def test_a_recruiter_sets_windows_and_sends_a_link(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    hiring = await interviewing_application(client, tenant)
    application = global_id("Application", hiring.app_id)
    start = monday()
    windows = await _mutate(
        client,
        hiring.recruiter,
        SET_WINDOWS,
        "setCandidateWindows",
        input={
            "applicationId": application,
            "timeZone": "Europe/Berlin",
            "windows": [
                {"startAt": iso(start), "endAt": iso(start + timedelta(hours=3))},
                {
                    "startAt": iso(start + timedelta(days=1)),
                    "endAt": iso(start + timedelta(days=1, hours=2)),
                },
            ],
        },
    )
    assert windows["__typename"] == "CandidateWindowsPayload", windows
    assert [w["enteredBy"] for w in windows["windows"]] == ["recruiter", "recruiter"]
    read = await gql_data(client, hiring.recruiter, WINDOWS, {"id": application})
    assert len(read["candidateWindows"]) == 2

    overlapping = await _mutate(
        client,
        hiring.recruiter,
        SET_WINDOWS,
        "setCandidateWindows",
        input={
            "applicationId": application,
            "timeZone": "Europe/Berlin",
            "windows": [
                {"startAt": iso(start), "endAt": iso(start + timedelta(hours=3))},
                {
                    "startAt": iso(start + timedelta(hours=1)),
                    "endAt": iso(start + timedelta(hours=4)),
                },
            ],
        },
    )
    assert (overlapping["code"], overlapping["status"]) == ("invalid_input", 422), overlapping

    link = await _mutate(
        client,
        hiring.recruiter,
        LINK,
        "createAvailabilityLink",
        input={"applicationId": application, "timeZone": "Europe/Berlin", "expiresInHours": 48},
    )
    assert link["__typename"] == "AvailabilityLinkPayload", link
    assert link["link"]["applicationId"] == application
    page = await client.get(f"{API}/public/availability/{link['link']['token']}")
    assert page.status_code == 200, page.text


async def test_another_organizations_ids_are_not_found(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    hiring = await interviewing_application(client, tenant)
    theirs = global_id("Application", hiring.app_id)
    member = global_id("Member", hiring.hm.id)
    stranger = other_tenant.admin
    link = await _mutate(
        client,
        stranger,
        LINK,
        "createAvailabilityLink",
        input={"applicationId": theirs, "timeZone": "Europe/Berlin"},
    )
    assert (link["code"], link["status"]) == ("not_found", 404), link
    override = await _mutate(
        client,
        stranger,
        SET_OVERRIDE,
        "setAvailabilityOverride",
        input={"memberId": member, "day": str(monday().date())},
    )
    assert override["code"] == "not_found", override
    answer = await gql(client, stranger, WINDOWS, {"id": theirs})
    assert answer.json()["errors"][0]["extensions"]["code"] == "not_found"
