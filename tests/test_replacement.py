"""A declined interviewer is replaced from the interview's pool (in Hireloop or on request),
fairly and within caps, never moving the candidate's time; inside the cutoff, after too many
replacements, or with nobody trained and free, the recruiter is told and nothing changes."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from app.db import Database
from app.settings import Settings
from tests.conftest import Person, Tenant
from tests.fakes.radicale import Radicale
from tests.helpers_calendars import work
from tests.helpers_interviews import (
    API,
    JSON,
    error_fields,
    events_of,
    interviewing_application,
    local_at,
    monday,
    now,
    ok,
    problem,
    read_interview,
    scalar,
    schedule,
    slot,
    sql,
)
from tests.test_calendars_caldav_flow import connect
from tests.test_pools import add_member, create_pool, gql


async def decline(client: httpx.AsyncClient, who: Person, interview_id: str) -> JSON:
    answer: JSON = ok(
        await client.post(
            f"{API}/interviews/{interview_id}/response",
            headers=who.headers,
            json={"response": "declined"},
        )
    )
    return answer


def people(interview: JSON) -> set[str]:
    return {p["member_id"] for p in interview["interviewers"]}


async def book_one(
    client: httpx.AsyncClient,
    who: Person,
    app_id: str,
    start: Any,
    members: list[Person],
    **extra: Any,
) -> JSON:
    body = {**slot("technical", start, 60, members), **extra}
    (interview,) = ok(await schedule(client, who, app_id, [body]), 201)
    created: JSON = interview
    return created


async def test_a_decline_is_replaced_by_the_least_loaded_free_trained_member(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    hiring = await interviewing_application(client, tenant)
    ana = await tenant.add("interviewer", "Ana")
    ben = await tenant.add("interviewer", "Ben")
    cy = await tenant.add("interviewer", "Cy")
    dee = await tenant.add("interviewer", "Dee")
    tia = await tenant.add("interviewer", "Tia")
    pool = await create_pool(client, hiring.recruiter, name="Tech", kind="technical")
    for member in (ana, ben, cy, dee):
        ok(await add_member(client, hiring.recruiter, pool["id"], member), 201)
    ok(await add_member(client, hiring.recruiter, pool["id"], tia, status="in_training"), 201)
    day = monday()
    start = local_at(day + timedelta(days=1), "10:00", "UTC")
    interview = await book_one(client, hiring.recruiter, hiring.app_id, start, [ana])
    # Ben already interviews that week; Dee is busy at that time; Cy is free with no load.
    other = await interviewing_application(
        client,
        tenant,
        recruiter=hiring.recruiter,
        hm=hiring.hm,
        role_id=hiring.role_id,
        candidate_name="Bo Other",
    )
    await book_one(client, hiring.recruiter, other.app_id, start + timedelta(days=1), [ben])
    ok(
        await client.post(
            f"{API}/members/{dee.id}/busy-blocks",
            headers=hiring.recruiter.headers,
            json={
                "start_at": start.isoformat(),
                "end_at": (start + timedelta(hours=1)).isoformat(),
            },
        ),
        201,
    )
    answered = await decline(client, ana, interview["id"])
    assert people(answered) == {str(cy.id)}
    assert answered["start_at"] == interview["start_at"], "the candidate's time never moves"
    assert answered["end_at"] == interview["end_at"]
    assert answered["replacements"] == 1
    assert answered["ical_sequence"] == interview["ical_sequence"] + 1
    (event,) = await events_of(db, tenant.organization_id, "interview.reassigned")
    data = event["data"]
    assert data["replaced_member_id"] == str(ana.id)
    assert data["replacement_member_id"] == str(cy.id)
    assert data["pool_id"] == pool["id"]
    assert data["replacements"] == 1
    assert "Cy: trained in 'Tech', free then, 0 interview(s) that week" in data["reason"]
    assert "least loaded of 2 free" in data["reason"]  # Ben and Cy; Dee is busy, Tia in training
    # Next time Dee is busy too, and Ben and Cy have one interview each that week: Ben would come
    # first by name, but his pool cap of one a week is reached, so Cy it is.
    second_start = start + timedelta(days=2)
    ok(
        await client.post(
            f"{API}/members/{dee.id}/busy-blocks",
            headers=hiring.recruiter.headers,
            json={
                "start_at": second_start.isoformat(),
                "end_at": (second_start + timedelta(hours=1)).isoformat(),
            },
        ),
        201,
    )
    ok(
        await client.patch(
            f"{API}/interviewer-pools/{pool['id']}/members/{ben.id}",
            headers=hiring.recruiter.headers,
            json={"max_per_week": 1},
        )
    )
    second = await book_one(client, hiring.recruiter, other.app_id, second_start, [ana])
    again = await decline(client, ana, second["id"])
    assert people(again) == {str(cy.id)}
    assert not await events_of(db, tenant.organization_id, "interview.replacement_needed")


async def test_inside_the_cutoff_the_recruiter_is_told_and_nothing_moves(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    hiring = await interviewing_application(client, tenant)
    ana = await tenant.add("interviewer", "Ana")
    ben = await tenant.add(
        "interviewer",
        "Ben",
        working_hours={
            d: [{"start": "00:00", "end": "23:45"}]
            for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
        },
    )
    pool = await create_pool(client, hiring.recruiter, name="Tech", kind="technical")
    for member in (ana, ben):
        ok(await add_member(client, hiring.recruiter, pool["id"], member), 201)
    soon = (now() + timedelta(hours=30)).replace(minute=0, second=0, microsecond=0)
    interview = await book_one(client, hiring.recruiter, hiring.app_id, soon, [ana])
    # Asked explicitly: a 409 that says why, and the interview is untouched.
    refused = problem(
        await client.post(
            f"{API}/interviews/{interview['id']}/replacements",
            headers=hiring.recruiter.headers,
            json={"member_id": str(ana.id)},
        ),
        409,
    )
    assert "inside the 48-hour cutoff" in refused["detail"]
    unchanged = await read_interview(client, hiring.recruiter, interview["id"])
    assert people(unchanged) == {str(ana.id)}
    assert unchanged["version"] == interview["version"]
    assert not await events_of(db, tenant.organization_id, "interview.reassigned")
    # Declined: the decline stands, no one is swapped in, the recruiter gets a message at once.
    answered = await decline(client, ana, interview["id"])
    assert people(answered) == {str(ana.id)}
    assert answered["start_at"] == interview["start_at"]
    (needed,) = await events_of(db, tenant.organization_id, "interview.replacement_needed")
    assert needed["data"]["member_id"] == str(ana.id)
    assert "cutoff" in needed["data"]["reason"]
    told = await scalar(
        db,
        "SELECT count(*) FROM notifications WHERE kind = 'interview_replacement_needed' "
        "AND member_id = :m",
        m=hiring.recruiter.id,
    )
    assert told == 1


async def test_too_many_replacements_nobody_trained_and_wrong_input_are_refused(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    hiring = await interviewing_application(client, tenant)
    ana = await tenant.add("interviewer", "Ana")
    ben = await tenant.add("interviewer", "Ben")
    tia = await tenant.add("interviewer", "Tia")
    pool = await create_pool(client, hiring.recruiter, name="Tech", kind="technical")
    ok(await add_member(client, hiring.recruiter, pool["id"], ana), 201)
    ok(await add_member(client, hiring.recruiter, pool["id"], tia, status="in_training"), 201)
    start = local_at(monday() + timedelta(days=1), "10:00", "UTC")
    interview = await book_one(client, hiring.recruiter, hiring.app_id, start, [ana])
    url = f"{API}/interviews/{interview['id']}/replacements"
    nobody = problem(
        await client.post(url, headers=hiring.recruiter.headers, json={"member_id": str(ana.id)}),
        409,
    )
    assert "nobody else in the pool 'Tech' is trained" in nobody["detail"]
    ok(await add_member(client, hiring.recruiter, pool["id"], ben), 201)
    await sql(
        db, "UPDATE interviews SET replacements = 3 WHERE id = :id", id=uuid.UUID(interview["id"])
    )
    often = problem(
        await client.post(url, headers=hiring.recruiter.headers, json={"member_id": str(ana.id)}),
        409,
    )
    assert "already had an interviewer replaced 3 time(s)" in often["detail"]
    await sql(
        db, "UPDATE interviews SET replacements = 0 WHERE id = :id", id=uuid.UUID(interview["id"])
    )
    not_on_it = problem(
        await client.post(url, headers=hiring.recruiter.headers, json={"member_id": str(ben.id)}),
        422,
    )
    assert error_fields(not_on_it) == {"member_id"}
    problem(await client.post(url, headers=ana.headers, json={"member_id": str(ana.id)}), 403)
    done = ok(
        await client.post(url, headers=hiring.recruiter.headers, json={"member_id": str(ana.id)}),
        201,
    )
    assert done["replacement_member_id"] == str(ben.id)
    assert done["replacements"] == 1
    assert people(await read_interview(client, hiring.recruiter, interview["id"])) == {str(ben.id)}


async def test_replacement_over_graphql_and_across_tenants(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    hiring = await interviewing_application(client, tenant)
    ana = await tenant.add("interviewer", "Ana")
    ben = await tenant.add("interviewer", "Ben")
    pool = await create_pool(client, hiring.recruiter, name="Tech", kind="technical")
    for member in (ana, ben):
        ok(await add_member(client, hiring.recruiter, pool["id"], member), 201)
    start = local_at(monday() + timedelta(days=1), "10:00", "UTC")
    interview = await book_one(client, hiring.recruiter, hiring.app_id, start, [ana])
    stranger = await other_tenant.add("recruiter", "Sam")
    problem(
        await client.post(
            f"{API}/interviews/{interview['id']}/replacements",
            headers=stranger.headers,
            json={"member_id": str(ana.id)},
        ),
        404,
    )
    query = """mutation($i: ID!, $m: ID!) { replaceInterviewer(interviewId: $i, memberId: $m) {
        ... on InterviewerReplacementPayload { replacement { replaced replacementMemberId reason } }
        ... on MutationError { code status message } } }"""
    foreign = await gql(client, stranger, query, i=interview["id"], m=str(ana.id))
    assert foreign["replaceInterviewer"]["code"] == "not_found"
    done = await gql(client, hiring.recruiter, query, i=interview["id"], m=str(ana.id))
    result = done["replaceInterviewer"]["replacement"]
    assert result["replaced"] is True
    assert "Ben" in result["reason"]
    assert people(await read_interview(client, hiring.recruiter, interview["id"])) == {str(ben.id)}


async def test_a_decline_made_in_the_interviewer_s_calendar_is_replaced_too(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    """What the calendar sync hands over when it reads the interviewer's PARTSTAT=DECLINED
    (or Google's responseStatus, Graph's response) on an interview Hireloop wrote there: the
    same replacement as a decline in Hireloop, recorded as via calendar. (The adapters' reading
    of each provider's answer is covered by the calendar tests.)"""
    from app.domain.calendars import sync
    from app.integrations.calendars.base import Grant, RemoteEvent

    hiring = await interviewing_application(client, tenant)
    ana = await tenant.add("interviewer", "Ana")
    ben = await tenant.add("interviewer", "Ben")
    pool = await create_pool(client, hiring.recruiter, name="Tech", kind="technical")
    for member in (ana, ben):
        ok(await add_member(client, hiring.recruiter, pool["id"], member), 201)
    start = local_at(monday() + timedelta(days=1), "10:00", "UTC")
    interview = await book_one(client, hiring.recruiter, hiring.app_id, start, [ana])
    claimed = sync.Claimed(
        calendar_id=uuid.uuid4(),
        organization_id=tenant.organization_id,
        member_id=ana.id,
        connection_id=uuid.uuid4(),
        provider="caldav",
        remote_id="work",
        sync_token=None,
        page_token=None,
        full_read_started_at=None,
        grant=Grant(provider="caldav", values={}),
    )
    event = RemoteEvent(
        uid=interview["ical_uid"],
        start=start,
        end=start + timedelta(hours=1),
        self_response="declined",
    )
    async with db.transaction() as session:
        await sync._responses_to_interviews(session, claimed, [event])
    after = await read_interview(client, hiring.recruiter, interview["id"])
    assert people(after) == {str(ben.id)}
    assert after["start_at"] == interview["start_at"]
    (declined,) = await events_of(db, tenant.organization_id, "interview.declined")
    assert declined["data"]["via"] == "calendar"
    (reassigned,) = await events_of(db, tenant.organization_id, "interview.reassigned")
    assert reassigned["data"]["replacement_member_id"] == str(ben.id)


@pytest.fixture(scope="module")
def radicale() -> Iterator[Radicale]:
    with Radicale() as server:
        yield server


async def test_a_replacement_moves_the_interview_between_connected_calendars(
    client: httpx.AsyncClient,
    tenant: Tenant,
    db: Database,
    radicale: Radicale,
    http: httpx.AsyncClient,
    settings: Settings,
) -> None:
    """On a real CalDAV server: the replaced interviewer's event goes, the newcomer's comes,
    and a third panelist's event is rewritten with the new attendee list at the next SEQUENCE."""
    hiring = await interviewing_application(client, tenant)
    calendars: dict[str, tuple[Person, str, str]] = {}
    for name in ("Ana", "Ben", "Cy"):
        member = await tenant.add("interviewer", name, time_zone="UTC")
        user = f"{name.lower()}-{uuid.uuid4().hex[:6]}"
        calendars[name] = (member, user, radicale.make_calendar(user, "work"))
        await connect(client, member, radicale, user)
    ana, ben, cy = (calendars[n][0] for n in ("Ana", "Ben", "Cy"))
    pool = await create_pool(client, hiring.recruiter, name="Tech", kind="technical")
    for member in (ana, ben):
        ok(await add_member(client, hiring.recruiter, pool["id"], member), 201)
    await work(db, http, settings)
    start = local_at(monday() + timedelta(days=1), "10:00", "UTC")
    interview = await book_one(client, hiring.recruiter, hiring.app_id, start, [ana, cy])
    await work(db, http, settings)

    def event_url(name: str) -> str:
        return f"{calendars[name][2]}{interview['ical_uid']}.ics"

    async def fetch(name: str) -> httpx.Response:
        return await http.get(event_url(name), headers=radicale.auth_header(calendars[name][1]))

    assert (await fetch("Ana")).status_code == 200
    assert (await fetch("Cy")).status_code == 200
    assert (await fetch("Ben")).status_code == 404

    answered = await decline(client, ana, interview["id"])
    assert people(answered) == {str(ben.id), str(cy.id)}
    await work(db, http, settings)
    assert (await fetch("Ana")).status_code == 404, "the replaced interviewer's event is gone"
    newcomer = await fetch("Ben")
    assert newcomer.status_code == 200, "the replacement's calendar holds the interview"
    assert f"UID:{interview['ical_uid']}" in newcomer.text
    panelist = (await fetch("Cy")).text.replace("\r\n ", "")
    assert f"SEQUENCE:{answered['ical_sequence']}" in panelist
    assert ben.member.email in panelist
    assert ana.member.email not in panelist
    assert (
        await scalar(
            db,
            "SELECT count(*) FROM calendar_event_writes WHERE interview_id = :i AND (pending OR failed)",
            i=uuid.UUID(interview["id"]),
        )
        == 0
    )
