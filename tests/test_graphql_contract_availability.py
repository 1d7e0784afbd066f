"""Availability and booking links in the GraphQL contract: every type with an id is a `Node`
that `node(id:)` refetches for whoever may see it (null for anyone else), references are global
ids, and closed sets are enums."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any, get_args

import httpx
import pytest

from app.domain.availability.models import BusyBlock
from app.domain.bookings import policy
from app.domain.bookings.schemas import BookingPolicyField
from app.graphql import availability as availability_graphql
from app.graphql import bookings as bookings_graphql
from app.graphql import nodes
from tests.conftest import Person, Tenant
from tests.helpers_domain import API, JSON, global_id, gql_data, ok
from tests.helpers_interviews import interviewing_application, iso, monday, stage

NODE = """
query($id: ID!) {
  node(id: $id) {
    __typename id
    ... on AvailabilityOverride { databaseId memberId day note }
    ... on BusyBlock { databaseId memberId source title }
    ... on CandidateWindow { databaseId enteredBy startAt }
    ... on AvailabilityLink { databaseId applicationId token url }
    ... on BookingLink {
      databaseId applicationId status interviewIds
      options { stages { interviewerIds traineeIds } }
      holds { memberId releaseReason }
    }
  }
}"""


@pytest.fixture(autouse=True)
def _node_types(monkeypatch: pytest.MonkeyPatch) -> None:
    """The resolvers app/graphql/nodes.py lists (added here while it does not list them yet)."""
    for name, resolve in {
        "AvailabilityOverride": availability_graphql.resolve_override_node,
        "BusyBlock": availability_graphql.resolve_busy_block_node,
        "CandidateWindow": availability_graphql.resolve_candidate_window_node,
        "AvailabilityLink": availability_graphql.resolve_availability_link_node,
        "BookingLink": bookings_graphql.resolve_booking_link_node,
    }.items():
        if name not in nodes.NODES:
            monkeypatch.setitem(nodes.NODES, name, resolve)


async def _node(client: httpx.AsyncClient, who: Person, gid: str) -> JSON | None:
    found: JSON | None = (await gql_data(client, who, NODE, {"id": gid}))["node"]
    return found


async def _mutate(
    client: httpx.AsyncClient, who: Person, document: str, field: str, **variables: Any
) -> JSON:
    result: JSON = (await gql_data(client, who, document, variables))[field]
    return result


SET_OVERRIDE = """
mutation($input: SetAvailabilityOverrideInput!) {
  setAvailabilityOverride(input: $input) {
    __typename ... on AvailabilityOverridePayload { override { id databaseId } }
  }
}"""
ADD_BUSY = """
mutation($input: AddBusyBlockInput!) {
  addBusyBlock(input: $input) {
    __typename ... on BusyBlockPayload { busyBlock { id databaseId } }
  }
}"""
SET_WINDOWS = """
mutation($input: SetCandidateWindowsInput!) {
  setCandidateWindows(input: $input) {
    __typename ... on CandidateWindowsPayload { windows { id databaseId } }
  }
}"""
LINK = """
mutation($input: CreateAvailabilityLinkInput!) {
  createAvailabilityLink(input: $input) {
    __typename ... on AvailabilityLinkPayload { link { id databaseId token url } }
  }
}"""
BUSY = """
query($memberId: ID!, $from: DateTime!, $to: DateTime!) {
  busyBlocks(memberId: $memberId, from: $from, to: $to) { source externalId }
}"""


async def test_overrides_and_busy_blocks_refetch_for_who_manages_them(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    ivy = await tenant.add("interviewer", "Ivy")
    otto = await tenant.add("interviewer", "Otto")
    recruiter = await tenant.add("recruiter", "Rita")
    me = global_id("Member", ivy.id)
    start = monday()
    made = await _mutate(
        client,
        ivy,
        SET_OVERRIDE,
        "setAvailabilityOverride",
        input={"memberId": me, "day": str(start.date()), "note": "dentist"},
    )
    override = made["override"]
    assert override["id"] == global_id("AvailabilityOverride", override["databaseId"])
    assert await _node(client, ivy, override["id"]) == {
        "__typename": "AvailabilityOverride",
        "id": override["id"],
        "databaseId": override["databaseId"],
        "memberId": me,
        "day": str(start.date()),
        "note": "dentist",
    }
    found = await _node(client, recruiter, override["id"])
    assert found is not None
    assert found["databaseId"] == override["databaseId"]
    # Another interviewer may not manage Ivy's time; another organization never sees it.
    assert await _node(client, otto, override["id"]) is None
    assert await _node(client, other_tenant.admin, override["id"]) is None

    added = await _mutate(
        client,
        ivy,
        ADD_BUSY,
        "addBusyBlock",
        input={
            "memberId": me,
            "startAt": iso(start),
            "endAt": iso(start + timedelta(hours=1)),
            "source": "google",
            "title": "Focus",
        },
    )
    block = added["busyBlock"]
    assert await _node(client, ivy, block["id"]) == {
        "__typename": "BusyBlock",
        "id": block["id"],
        "databaseId": block["databaseId"],
        "memberId": me,
        "source": "google",
        "title": "Focus",
    }
    assert await _node(client, otto, block["id"]) is None
    assert await _node(client, other_tenant.admin, block["id"]) is None
    # An id of another type is not a busy block.
    assert await _node(client, ivy, global_id("BusyBlock", override["databaseId"])) is None


async def test_busy_blocks_show_every_source_the_service_writes(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    """Busy time mirrored from a calendar and held for a booking reads back as its enum value."""
    ivy = await tenant.add("interviewer", "Ivy")
    start = monday()
    async with tenant.db.transaction() as session:
        for offset, source in enumerate(("calendar", "hold")):
            session.add(
                BusyBlock(
                    organization_id=tenant.organization_id,
                    member_id=ivy.id,
                    start_at=start + timedelta(hours=offset),
                    end_at=start + timedelta(hours=offset, minutes=30),
                    source=source,
                    external_id=str(uuid.uuid4()) if source == "hold" else None,
                )
            )
    read = await gql_data(
        client,
        ivy,
        BUSY,
        {
            "memberId": global_id("Member", ivy.id),
            "from": iso(start - timedelta(days=1)),
            "to": iso(start + timedelta(days=1)),
        },
    )
    assert [b["source"] for b in read["busyBlocks"]] == ["calendar", "hold"]


async def test_windows_and_availability_links_refetch_for_who_sees_the_application(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    hiring = await interviewing_application(client, tenant)
    application = global_id("Application", hiring.app_id)
    interviewer = await tenant.add("interviewer", "Ivy")
    start = monday()
    set_ = await _mutate(
        client,
        hiring.recruiter,
        SET_WINDOWS,
        "setCandidateWindows",
        input={
            "applicationId": application,
            "timeZone": "Europe/Berlin",
            "windows": [{"startAt": iso(start), "endAt": iso(start + timedelta(hours=3))}],
        },
    )
    (window,) = set_["windows"]
    found = await _node(client, hiring.recruiter, window["id"])
    assert found is not None
    assert (found["__typename"], found["databaseId"], found["enteredBy"]) == (
        "CandidateWindow",
        window["databaseId"],
        "recruiter",
    )
    assert await _node(client, other_tenant.admin, window["id"]) is None

    made = await _mutate(
        client,
        hiring.recruiter,
        LINK,
        "createAvailabilityLink",
        input={"applicationId": application, "timeZone": "Europe/Berlin"},
    )
    link = made["link"]
    assert link["id"] == global_id("AvailabilityLink", link["databaseId"])
    assert await _node(client, hiring.recruiter, link["id"]) == {
        "__typename": "AvailabilityLink",
        "id": link["id"],
        "databaseId": link["databaseId"],
        "applicationId": application,
        # The token is signed from the link's id and expiry: the same link, the same token.
        "token": link["token"],
        "url": link["url"],
    }
    # Only admins and recruiters send (and so read) links; never another organization.
    assert await _node(client, interviewer, link["id"]) is None
    assert await _node(client, other_tenant.admin, link["id"]) is None

    # A new set of windows replaces the rows: the earlier window's id is then not found.
    await _mutate(
        client,
        hiring.recruiter,
        SET_WINDOWS,
        "setCandidateWindows",
        input={
            "applicationId": application,
            "timeZone": "Europe/Berlin",
            "windows": [{"startAt": iso(start), "endAt": iso(start + timedelta(hours=2))}],
        },
    )
    assert await _node(client, hiring.recruiter, window["id"]) is None


async def test_booking_links_refetch_with_global_ids_and_enums(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    hiring = await interviewing_application(client, tenant)
    ivy = await tenant.add("interviewer", "Ivy", time_zone="UTC")
    ben = await tenant.add("interviewer", "Ben", time_zone="UTC")
    link = ok(
        await client.post(
            f"{API}/booking-links",
            headers=hiring.recruiter.headers,
            json={
                "application_id": hiring.app_id,
                "stages": [stage("technical", 60, [ivy]), stage("team", 45, [ben])],
            },
        ),
        201,
    )
    gid = global_id("BookingLink", link["id"])
    found = await _node(client, hiring.recruiter, gid)
    assert found is not None
    assert (found["__typename"], found["id"], found["databaseId"]) == (
        "BookingLink",
        gid,
        link["id"],
    )
    assert found["applicationId"] == global_id("Application", hiring.app_id)
    assert found["status"] == "open"
    assert found["interviewIds"] == []
    people = {global_id("Member", ivy.id), global_id("Member", ben.id)}
    assert found["options"], found
    for option in found["options"]:
        for s in option["stages"]:
            assert set(s["interviewerIds"]) <= people
            assert s["traineeIds"] == []
    assert found["holds"], found
    assert {h["memberId"] for h in found["holds"]} <= people
    assert {h["releaseReason"] for h in found["holds"]} == {None}
    assert await _node(client, other_tenant.admin, gid) is None

    withdrawn = ok(
        await client.post(
            f"{API}/booking-links/{link['id']}/withdraw", headers=hiring.recruiter.headers
        )
    )
    assert withdrawn["status"] == "withdrawn"
    after = await _node(client, hiring.recruiter, gid)
    assert after is not None
    assert after["status"] == "withdrawn"
    assert {h["releaseReason"] for h in after["holds"]} == {"withdrawn"}


async def test_booking_policy_names_what_the_organization_set(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    document = """
    mutation { updateBookingPolicy(input: {maxChanges: 1}) {
      ... on BookingPolicyPayload { bookingPolicy { organizationSet maxChanges } }
    } }"""
    done = await gql_data(client, tenant.admin, document)
    assert done["updateBookingPolicy"]["bookingPolicy"] == {
        "organizationSet": ["max_changes"],
        "maxChanges": 1,
    }


def test_the_policy_field_enum_names_every_policy_field() -> None:
    assert set(get_args(BookingPolicyField)) == set(policy.FIELDS)
