"""Candidates book a whole panel through a link: the options are held while the link is open
(busy for every suggestion and booking), a pick books every stage at once or offers the next
best options, the same link moves or cancels within the policy, and every bad link or option
gets a clear answer that changes nothing."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from app.db import Database
from app.domain.bookings import service as bookings
from tests.conftest import Person, Tenant
from tests.helpers_domain import gql_data
from tests.helpers_interviews import (
    API,
    Hiring,
    add_busy,
    another_candidate,
    error_fields,
    events_of,
    interviewing_application,
    ok,
    problem,
    scalar,
    schedule,
    slot,
    sql,
    stage,
    suggest,
)

JSON = dict[str, Any]


async def panel(tenant: Tenant) -> tuple[Person, Person, Person]:
    ivy = await tenant.add("interviewer", "Ivy", time_zone="UTC")
    ben = await tenant.add("interviewer", "Ben", time_zone="Europe/London")
    cal = await tenant.add("interviewer", "Cal", time_zone="UTC")
    return ivy, ben, cal


def stages(ivy: Person, ben: Person, cal: Person) -> list[JSON]:
    return [stage("technical", 60, [ivy, cal]), stage("team", 45, [ben])]


async def send_link(
    client: httpx.AsyncClient, hiring: Hiring, people: tuple[Person, Person, Person], **extra: Any
) -> JSON:
    body = {"application_id": hiring.app_id, "stages": stages(*people), **extra}
    created: JSON = ok(
        await client.post(f"{API}/booking-links", headers=hiring.recruiter.headers, json=body),
        201,
    )
    return created


def public(token: str, action: str = "") -> str:
    return f"{API}/public/bookings/{token}" + (f"/{action}" if action else "")


async def hold_blocks(db: Database) -> int:
    return int(await scalar(db, "SELECT count(*) FROM busy_blocks WHERE source = 'hold'"))


async def live_holds(db: Database, link_id: str) -> int:
    return int(
        await scalar(
            db,
            "SELECT count(*) FROM booking_holds WHERE link_id = :l AND released_at IS NULL",
            l=uuid.UUID(link_id),
        )
    )


def at(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def test_the_candidate_sees_held_options_in_their_zone_and_books_the_whole_panel(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    hiring = await interviewing_application(client, tenant, candidate_time_zone="America/New_York")
    people = await panel(tenant)
    link = await send_link(client, hiring, people)
    assert link["status"] == "open"
    assert link["time_zone"] == "America/New_York"
    assert 1 <= len(link["options"]) <= 5
    assert link["page_url"].endswith(f"/pages/bookings/{link['token']}")
    held = sum(len(s["interviewer_ids"]) for o in link["options"] for s in o["stages"])
    assert len(link["holds"]) == held == await hold_blocks(db)
    notice = datetime.now(UTC) + timedelta(hours=23)
    horizon = datetime.now(UTC) + timedelta(days=15)
    for option in link["options"]:
        assert notice < at(option["start_at"]) < horizon
        assert [s["name"] for s in option["stages"]] == ["technical", "team"]

    page = ok(await client.get(public(link["token"])))
    assert page["status"] == "open"
    assert page["candidate_first_name"] == "Ann"
    first = page["options"][0]
    assert at(first["local_start"]) == at(first["start_at"])
    assert at(first["local_start"]).utcoffset() in (timedelta(hours=-5), timedelta(hours=-4))
    assert [o["key"] for o in page["options"]] == [o["key"] for o in link["options"]]

    # Held time is busy for everyone else: a recruiter booking over it is refused.
    other = await another_candidate(client, tenant, hiring, "Bo Other")
    technical = first["stages"][0]
    held_people = [p for p in people if str(p.id) in technical["interviewer_ids"]]
    refused = await schedule(
        client,
        hiring.recruiter,
        other.app_id,
        [slot("technical", at(technical["start_at"]), 60, held_people)],
    )
    assert "busy" in problem(refused, 409)["detail"]
    # And the suggestions for anyone else steer around it: no offered time is suggested again.
    others = ok(
        await suggest(
            client,
            hiring.recruiter,
            other.app_id,
            stages(*people),
            datetime.now(UTC),
            datetime.now(UTC) + timedelta(days=14),
        )
    )["suggestions"]
    assert others
    offered = {at(o["start_at"]) for o in page["options"]}
    assert not offered & {at(s["start_at"]) for s in others}

    outcome = ok(
        await client.post(public(link["token"], "book"), json={"option_key": first["key"]})
    )
    assert outcome["done"] is True
    booking = outcome["booking"]
    assert booking["status"] == "booked"
    assert [b["kind"] for b in booking["booked"]] == ["technical", "team"]
    assert [at(b["start_at"]) for b in booking["booked"]] == [
        at(s["start_at"]) for s in first["stages"]
    ]
    assert await hold_blocks(db) == 0
    assert await live_holds(db, link["id"]) == 0
    seen = ok(
        await client.get(f"{API}/booking-links/{link['id']}", headers=hiring.recruiter.headers)
    )
    assert seen["status"] == "booked"
    assert len(seen["interview_ids"]) == 2
    assert {h["release_reason"] for h in seen["holds"]} == {"booked"}

    placed = await events_of(db, tenant.organization_id, "hold.placed")
    released = await events_of(db, tenant.organization_id, "hold.released")
    assert len(placed) == 1
    assert len(placed[0]["data"]["hold_ids"]) == held
    assert [e["data"]["reason"] for e in released] == ["booked"]
    assert len(await events_of(db, tenant.organization_id, "interview.scheduled")) == 2
    told = await scalar(
        db,
        "SELECT count(*) FROM notifications WHERE member_id = :m AND kind = 'booking_booked'",
        m=hiring.recruiter.id,
    )
    assert told == 1

    # The link is single-use for booking: a second pick is refused and changes nothing.
    again = await client.post(public(link["token"], "book"), json={"option_key": first["key"]})
    assert "already used" in problem(again, 409)["detail"]
    assert len(await events_of(db, tenant.organization_id, "interview.scheduled")) == 2


async def test_bad_links_and_options_get_a_clear_answer_and_change_nothing(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    hiring = await interviewing_application(client, tenant)
    people = await panel(tenant)
    link = await send_link(client, hiring, people)
    token, holds = link["token"], await hold_blocks(db)

    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    assert "not valid" in problem(await client.get(public(forged)), 404)["detail"]
    gone_option = await client.post(public(token, "book"), json={"option_key": "abc123"})
    assert error_fields(problem(gone_option, 422)) == {"option_key"}
    bad_key = await client.post(public(token, "book"), json={"option_key": "not hex!"})
    assert "option_key" in error_fields(problem(bad_key, 422))
    early = await client.post(public(token, "cancel"), json={})
    assert "Nothing is booked" in problem(early, 409)["detail"]
    assert await hold_blocks(db) == holds
    assert await live_holds(db, link["id"]) == holds

    # Expired (before the periodic job noticed): refused, nothing booked.
    await sql(
        db,
        "UPDATE booking_links SET expires_at = now() - interval '1 minute' WHERE id = :l",
        l=uuid.UUID(link["id"]),
    )
    key = link["options"][0]["key"]
    expired = await client.post(public(token, "book"), json={"option_key": key})
    assert "expired" in problem(expired, 410)["detail"]
    assert await scalar(db, "SELECT count(*) FROM interviews") == 0
    # The periodic job closes it and releases its holds.
    async with db.transaction() as session:
        assert await bookings.expire_due(session) == 1
    assert await hold_blocks(db) == 0
    released = await events_of(db, tenant.organization_id, "hold.released")
    assert [e["data"]["reason"] for e in released] == ["expired"]
    async with db.transaction() as session:
        assert await bookings.expire_due(session) == 0
    assert "expired" in problem(await client.get(public(token)), 410)["detail"]

    # Withdrawn by the recruiter: the holds go, the link answers 410.
    second = await send_link(client, hiring, people)
    assert await hold_blocks(db) > 0
    interviewer = await client.post(
        f"{API}/booking-links/{second['id']}/withdraw", headers=people[0].headers
    )
    problem(interviewer, 403)
    withdrawn = ok(
        await client.post(
            f"{API}/booking-links/{second['id']}/withdraw", headers=hiring.recruiter.headers
        )
    )
    assert withdrawn["status"] == "withdrawn"
    assert await hold_blocks(db) == 0
    refused = await client.post(
        public(second["token"], "book"), json={"option_key": second["options"][0]["key"]}
    )
    assert "withdrawn" in problem(refused, 410)["detail"]
    twice = await client.post(
        f"{API}/booking-links/{second['id']}/withdraw", headers=hiring.recruiter.headers
    )
    problem(twice, 409)


async def test_holds_lapse_on_their_own_while_the_link_stays_open(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    hiring = await interviewing_application(client, tenant)
    people = await panel(tenant)
    link = await send_link(client, hiring, people)
    await sql(
        db,
        "UPDATE booking_links SET holds_expire_at = now() - interval '1 minute' WHERE id = :l",
        l=uuid.UUID(link["id"]),
    )
    async with db.transaction() as session:
        assert await bookings.expire_due(session) == 1
    assert await hold_blocks(db) == 0
    page = ok(await client.get(public(link["token"])))
    assert page["status"] == "open"
    assert page["options"]
    outcome = ok(
        await client.post(
            public(link["token"], "book"), json={"option_key": page["options"][0]["key"]}
        )
    )
    assert outcome["done"] is True


async def test_an_option_taken_since_the_page_was_shown_offers_the_next_best(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    hiring = await interviewing_application(client, tenant)
    ivy, ben, cal = await panel(tenant)
    link = await send_link(client, hiring, (ivy, ben, cal))
    first = link["options"][0]
    # Ben's meeting lands on the team stage of the first option after the page was shown.
    team = first["stages"][1]
    ok(await add_busy(client, ben, ben, at(team["start_at"]), at(team["end_at"])), 201)

    outcome = ok(
        await client.post(public(link["token"], "book"), json={"option_key": first["key"]})
    )
    assert outcome["done"] is False
    assert "taken" in outcome["message"]
    offered = outcome["booking"]["options"]
    assert offered
    assert first["key"] not in [o["key"] for o in offered]
    assert await scalar(db, "SELECT count(*) FROM interviews") == 0
    # The new options are held instead of the old ones.
    assert await live_holds(db, link["id"]) == sum(
        len(s["interviewer_ids"]) for o in offered for s in o["stages"]
    )
    assert [
        e["data"]["reason"] for e in await events_of(db, tenant.organization_id, "hold.released")
    ] == ["reoffered"]
    assert len(await events_of(db, tenant.organization_id, "hold.placed")) == 2

    stale = await client.post(public(link["token"], "book"), json={"option_key": first["key"]})
    assert error_fields(problem(stale, 422)) == {"option_key"}
    done = ok(
        await client.post(public(link["token"], "book"), json={"option_key": offered[0]["key"]})
    )
    assert done["done"] is True


async def test_two_candidates_picking_the_same_time_at_once_one_wins(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    hiring = await interviewing_application(client, tenant)
    other = await another_candidate(client, tenant, hiring, "Bo Other")
    people = await panel(tenant)
    first = await send_link(client, hiring, people)
    # Its holds lapse, so the second link is offered the very same best time.
    await sql(
        db,
        "UPDATE booking_links SET holds_expire_at = now() - interval '1 minute' WHERE id = :l",
        l=uuid.UUID(first["id"]),
    )
    async with db.transaction() as session:
        await bookings.expire_due(session)
    second = await send_link(client, other, people)
    key = first["options"][0]["key"]
    assert second["options"][0]["key"] == key

    results = await asyncio.gather(
        client.post(public(first["token"], "book"), json={"option_key": key}),
        client.post(public(second["token"], "book"), json={"option_key": key}),
    )
    outcomes = [ok(r) for r in results]
    assert sorted(o["done"] for o in outcomes) == [False, True]
    loser = next(o for o in outcomes if not o["done"])
    assert loser["booking"]["options"]
    assert key not in [o["key"] for o in loser["booking"]["options"]]
    # Nobody is booked twice at once.
    overlaps = await scalar(
        db,
        """
        SELECT count(*) FROM interview_participants a
          JOIN interviews ia ON ia.id = a.interview_id
          JOIN interview_participants b ON b.member_id = a.member_id AND b.id <> a.id
          JOIN interviews ib ON ib.id = b.interview_id
         WHERE ia.start_at < ib.end_at AND ib.start_at < ia.end_at
        """,
    )
    assert overlaps == 0
    assert await scalar(db, "SELECT count(*) FROM interviews") == 2


async def test_the_candidate_moves_and_cancels_within_the_policy(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    hiring = await interviewing_application(client, tenant)
    people = await panel(tenant)
    link = await send_link(client, hiring, people)
    token = link["token"]
    ok(await client.post(public(token, "book"), json={"option_key": link["options"][0]["key"]}))
    page = ok(await client.get(public(token)))
    assert page["status"] == "booked"
    assert page["can_change"] is True
    assert page["changes_left"] == 2
    assert page["options"]
    booked_at = [b["start_at"] for b in page["booked"]]
    gone_option = await client.post(public(token, "reschedule"), json={"option_key": "abc"})
    assert error_fields(problem(gone_option, 422)) == {"option_key"}

    target = page["options"][-1]
    moved = ok(await client.post(public(token, "reschedule"), json={"option_key": target["key"]}))
    assert moved["done"] is True
    assert [at(b["start_at"]) for b in moved["booking"]["booked"]] == [
        at(s["start_at"]) for s in target["stages"]
    ]
    assert [b["start_at"] for b in moved["booking"]["booked"]] != booked_at
    assert moved["booking"]["changes_left"] == 1
    assert len(await events_of(db, tenant.organization_id, "interview.rescheduled")) == 2
    told = await scalar(
        db,
        "SELECT count(*) FROM notifications WHERE member_id = :m AND kind = 'booking_rescheduled'",
        m=hiring.recruiter.id,
    )
    assert told == 1

    again = ok(await client.get(public(token)))
    ok(
        await client.post(
            public(token, "reschedule"), json={"option_key": again["options"][0]["key"]}
        )
    )
    spent = ok(await client.get(public(token)))
    assert spent["changes_left"] == 0
    last = await client.post(
        public(token, "reschedule"), json={"option_key": again["options"][-1]["key"]}
    )
    assert "most allowed" in problem(last, 409)["detail"]

    # Too close to the first interview: no more changes, not even a cancellation.
    first_id = spent["booked"][0]["interview_id"]
    original = await scalar(
        db, "SELECT start_at FROM interviews WHERE id = :i", i=uuid.UUID(first_id)
    )
    await sql(
        db,
        "UPDATE interviews SET start_at = now() + interval '2 hours', "
        "end_at = now() + interval '3 hours' WHERE id = :i",
        i=uuid.UUID(first_id),
    )
    late = await client.post(public(token, "cancel"), json={"reason": "Found another job"})
    assert "hours before the first interview" in problem(late, 409)["detail"]
    await sql(
        db,
        "UPDATE interviews SET start_at = :s, end_at = CAST(:s AS timestamptz) + interval '1 hour' "
        "WHERE id = :i",
        s=original,
        i=uuid.UUID(first_id),
    )

    cancelled = ok(await client.post(public(token, "cancel"), json={"reason": "Found another job"}))
    assert cancelled["status"] == "cancelled"
    assert {b["status"] for b in cancelled["booked"]} == {"cancelled"}
    assert len(await events_of(db, tenant.organization_id, "interview.cancelled")) == 2
    told = await scalar(
        db,
        "SELECT count(*) FROM notifications WHERE member_id = :m AND kind = 'booking_cancelled'",
        m=hiring.recruiter.id,
    )
    assert told == 1
    after = await client.post(public(token, "book"), json={"option_key": "abc"})
    problem(after, 410)


async def test_links_are_private_to_their_organization(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    hiring = await interviewing_application(client, tenant)
    people = await panel(tenant)
    link = await send_link(client, hiring, people)
    stranger = await other_tenant.add("recruiter", "Stranger")
    problem(await client.get(f"{API}/booking-links/{link['id']}", headers=stranger.headers), 404)
    problem(
        await client.post(f"{API}/booking-links/{link['id']}/withdraw", headers=stranger.headers),
        404,
    )
    foreign = await client.post(
        f"{API}/booking-links",
        headers=stranger.headers,
        json={"application_id": hiring.app_id, "stages": stages(*people)},
    )
    problem(foreign, 404)


CREATE = """
mutation($input: CreateBookingLinkInput!) {
  createBookingLink(input: $input) {
    __typename
    ... on BookingLinkCreatedPayload {
      token pageUrl
      bookingLink { id databaseId status options { key rank localStart stages { name } } holds { optionKey } }
    }
    ... on MutationError { code status message fields { field message } }
  }
}
"""


async def test_graphql_sends_reads_and_withdraws_a_link(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    hiring = await interviewing_application(client, tenant)
    people = await panel(tenant)
    body = {
        "applicationId": hiring.app_id,
        "stages": [
            {
                "name": s["name"],
                "durationMinutes": s["duration_minutes"],
                "interviewerIds": s["interviewer_ids"],
            }
            for s in stages(*people)
        ],
        "timeZone": "Asia/Tokyo",
    }
    created = await gql_data(client, hiring.recruiter, CREATE, {"input": body})
    payload = created["createBookingLink"]
    assert payload["__typename"] == "BookingLinkCreatedPayload"
    link = payload["bookingLink"]
    assert link["status"] == "open"
    assert link["options"]
    assert at(link["options"][0]["localStart"]).utcoffset() == timedelta(hours=9)
    assert await hold_blocks(db) == len(link["holds"]) > 0
    page = ok(await client.get(public(payload["token"])))
    assert [o["key"] for o in page["options"]] == [o["key"] for o in link["options"]]

    read = await gql_data(
        client,
        hiring.recruiter,
        "query($id: ID!) { bookingLink(id: $id) { databaseId status } }",
        {"id": link["id"]},
    )
    assert read["bookingLink"] == {"databaseId": link["databaseId"], "status": "open"}

    bad = await gql_data(client, hiring.recruiter, CREATE, {"input": {**body, "stages": []}})
    assert bad["createBookingLink"]["code"] == "invalid_input"
    assert await hold_blocks(db) == len(link["holds"])

    withdraw = """
    mutation($id: ID!) { withdrawBookingLink(input: {id: $id}) {
      ... on BookingLinkPayload { bookingLink { status holds { releaseReason } } }
      ... on MutationError { code }
    } }
    """
    done = await gql_data(client, hiring.recruiter, withdraw, {"id": link["id"]})
    withdrawn = done["withdrawBookingLink"]["bookingLink"]
    assert withdrawn["status"] == "withdrawn"
    assert {h["releaseReason"] for h in withdrawn["holds"]} == {"withdrawn"}
    assert await hold_blocks(db) == 0
    again = await gql_data(client, hiring.recruiter, withdraw, {"id": link["id"]})
    assert again["withdrawBookingLink"] == {"code": "conflict"}


async def seed_booking_link(client: httpx.AsyncClient, org: Any, seed: Any) -> list[str]:
    """One open booking link (its id) for the tenant-isolation walk: on the first of the
    organization's applications that can be interviewed, with one of the seeded interviewers."""
    interviewer = next(m for ids in seed.interviewers.values() for m in ids)
    answers = []
    for application_id in [*seed.application_ids, *map(str, org.application_ids)]:
        response = await client.post(
            f"{API}/booking-links",
            headers=org.recruiter.headers,
            json={
                "application_id": application_id,
                "stages": [
                    {"name": "technical", "duration_minutes": 60, "interviewer_ids": [interviewer]}
                ],
            },
        )
        if response.status_code == 201:
            return [str(response.json()["id"])]
        assert response.status_code in (404, 409), response.text
        answers.append(response.json()["detail"])
    raise AssertionError(f"no seeded application can be offered a booking link: {answers}")


POLICY = f"{API}/booking-policy"


async def test_the_booking_policy_is_the_organization_s_with_the_deployment_s_defaults(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, db: Database
) -> None:
    hiring = await interviewing_application(client, tenant)
    people = await panel(tenant)
    default = ok(await client.get(POLICY, headers=hiring.recruiter.headers))
    assert default["options"] == default["defaults"]["options"] == 5
    assert default["max_changes"] == 2
    assert default["organization_set"] == []

    problem(await client.patch(POLICY, headers=hiring.recruiter.headers, json={"options": 2}), 403)
    bad = await client.patch(
        POLICY, headers=tenant.admin.headers, json={"options": 2, "horizon_days": 2000}
    )
    assert error_fields(problem(bad, 422)) == {"horizon_days"}
    assert ok(await client.get(POLICY, headers=tenant.admin.headers)) == default

    chosen = {"options": 2, "max_changes": 0, "hold_hours": 3, "notice_hours": 72}
    mine = ok(await client.patch(POLICY, headers=tenant.admin.headers, json=chosen))
    assert {k: mine[k] for k in chosen} == chosen
    assert sorted(mine["organization_set"]) == sorted(chosen)
    assert mine["horizon_days"] == mine["defaults"]["horizon_days"]
    (changed,) = await events_of(db, tenant.organization_id, "organization.updated")
    assert "booking_options" in changed["data"]["changed"]
    # Another organization keeps the deployment's values.
    theirs = await other_tenant.add("recruiter", "Theirs")
    assert ok(await client.get(POLICY, headers=theirs.headers)) == default

    sent = datetime.now(UTC)
    link = await send_link(client, hiring, people)
    assert len(link["options"]) == 2
    assert at(link["holds_expire_at"]) <= sent + timedelta(hours=3, minutes=1)
    assert all(at(o["start_at"]) >= sent + timedelta(hours=72) for o in link["options"])
    token = link["token"]
    ok(await client.post(public(token, "book"), json={"option_key": link["options"][0]["key"]}))
    page = ok(await client.get(public(token)))
    assert page["changes_left"] == 0
    assert page["options"] == []
    refused = await client.post(public(token, "reschedule"), json={"option_key": "abc"})
    assert "most allowed" in problem(refused, 409)["detail"]

    # GraphQL reads and sets the same policy; null returns a field to the default.
    update = """
    mutation($input: UpdateBookingPolicyInput!) { updateBookingPolicy(input: $input) {
      __typename
      ... on BookingPolicyPayload { bookingPolicy { options maxChanges organizationSet } }
      ... on MutationError { code fields { field } }
    } }
    """
    done = await gql_data(
        client, tenant.admin, update, {"input": {"options": None, "maxChanges": 1}}
    )
    assert done["updateBookingPolicy"]["bookingPolicy"]["options"] == 5
    assert done["updateBookingPolicy"]["bookingPolicy"]["maxChanges"] == 1
    assert "options" not in done["updateBookingPolicy"]["bookingPolicy"]["organizationSet"]
    wrong = await gql_data(client, tenant.admin, update, {"input": {"options": 11}})
    assert wrong["updateBookingPolicy"]["code"] == "invalid_input"
    denied = await gql_data(client, hiring.recruiter, update, {"input": {"options": 3}})
    assert denied["updateBookingPolicy"]["__typename"] == "MutationError"
    read = await gql_data(
        client,
        hiring.recruiter,
        "{ bookingPolicy { options maxChanges noticeHours defaults { options } } }",
        {},
    )
    assert read["bookingPolicy"] == {
        "options": 5,
        "maxChanges": 1,
        "noticeHours": 72,
        "defaults": {"options": 5},
    }
    page = ok(await client.get(public(token)))
    assert page["changes_left"] == 1


async def test_trainees_are_booked_and_stay_through_a_reschedule(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    """A stage staffed from a pool with a trainee seat: the trainee is held and booked with
    the panel; a move keeps them in their seat when they are free at the new time, and seats the
    trainee the suggestion placed there when they are not."""
    from tests.test_pools import add_member, create_pool

    hiring = await interviewing_application(client, tenant)
    ivy = await tenant.add("interviewer", "Ivy", time_zone="UTC")
    tia = await tenant.add("interviewer", "Tia", time_zone="UTC")
    tom = await tenant.add("interviewer", "Tom", time_zone="UTC")
    pool = await create_pool(client, hiring.recruiter, name="Tech", kind="technical")
    ok(await add_member(client, hiring.recruiter, pool["id"], ivy), 201)
    for trainee in (tia, tom):
        ok(
            await add_member(client, hiring.recruiter, pool["id"], trainee, status="in_training"),
            201,
        )
    body = {
        "application_id": hiring.app_id,
        "stages": [
            {
                "name": "technical",
                "duration_minutes": 60,
                "pool_id": pool["id"],
                "trainee_seat": True,
            }
        ],
    }
    link = ok(
        await client.post(f"{API}/booking-links", headers=hiring.recruiter.headers, json=body), 201
    )
    first = link["options"][0]
    (offered,) = first["stages"]
    assert len(offered["trainee_ids"]) == 1
    trainee = offered["trainee_ids"][0]
    held = {h["member_id"] for h in link["holds"] if h["option_key"] == first["key"]}
    assert held == {str(ivy.id), trainee}, "the trainee's time is held too"

    token = link["token"]
    booked = ok(await client.post(public(token, "book"), json={"option_key": first["key"]}))
    interview_id = booked["booking"]["booked"][0]["interview_id"]

    async def seats() -> dict[str, str]:
        found = ok(
            await client.get(f"{API}/interviews/{interview_id}", headers=hiring.recruiter.headers)
        )
        assert found["pool_id"] == pool["id"]
        return {p["member_id"]: p["seat"] for p in found["interviewers"]}

    assert await seats() == {str(ivy.id): "interviewer", trainee: "shadow"}

    # Moved: the trainee is free then and keeps the seat.
    page = ok(await client.get(public(token)))
    target = page["options"][-1]
    moved = ok(await client.post(public(token, "reschedule"), json={"option_key": target["key"]}))
    assert moved["done"] is True
    assert await seats() == {str(ivy.id): "interviewer", trainee: "shadow"}

    # Moved again while the trainee is busy for the whole horizon: the other trainee, whom the
    # suggestion placed, takes a shadow seat; the panel is never refused for want of a trainee.
    other = str(tom.id) if trainee == str(tia.id) else str(tia.id)
    busy_one = tia if trainee == str(tia.id) else tom
    now_ = datetime.now(UTC)
    ok(await add_busy(client, hiring.recruiter, busy_one, now_, now_ + timedelta(days=60)), 201)
    page = ok(await client.get(public(token)))
    target = page["options"][0]
    assert target["stages"][0]["trainee_ids"] == [other]
    moved = ok(await client.post(public(token, "reschedule"), json={"option_key": target["key"]}))
    assert moved["done"] is True
    assert await seats() == {str(ivy.id): "interviewer", other: "shadow"}
