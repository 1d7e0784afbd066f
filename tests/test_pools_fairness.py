"""Choosing fairly within a pool, and the limits a member sets: of two equally loaded members
the one whose last interview is longest ago comes first (in suggestions and replacements); a
member's `max_per_day` and `not_before` keep them out of suggestions and replacements; and a
replacement chosen while their time was being taken is checked again under the lock, so
someone who became busy meanwhile is never swapped in."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest

from app.db import Database
from app.domain.interviews import replacement
from tests.conftest import Person, Tenant
from tests.helpers_interviews import (
    API,
    JSON,
    Hiring,
    add_busy,
    another_candidate,
    at,
    events_of,
    interviewing_application,
    local_at,
    monday,
    move_interview_to_past,
    ok,
    problem,
    read_interview,
    scalar,
    schedule,
    slot,
    suggest,
)
from tests.test_pools import add_member, create_pool


async def book_one(
    client: httpx.AsyncClient, hiring: Hiring, start: Any, members: list[Person], **extra: Any
) -> JSON:
    body = {**slot("technical", start, 60, members), **extra}
    (interview,) = ok(await schedule(client, hiring.recruiter, hiring.app_id, [body]), 201)
    created: JSON = interview
    return created


def people(interview: JSON) -> set[str]:
    return {p["member_id"] for p in interview["interviewers"]}


async def pool_of(client: httpx.AsyncClient, hiring: Hiring, *members: Person, **rows: Any) -> JSON:
    """A pool for technical interviews with these members trained (`rows`: a member's name ->
    their preferences)."""
    pool = await create_pool(client, hiring.recruiter, name="Tech", kind="technical")
    for member in members:
        prefs = rows.get(member.member.name, {})
        ok(await add_member(client, hiring.recruiter, pool["id"], member, **prefs), 201)
    return pool


async def interviewed(
    client: httpx.AsyncClient,
    db: Database,
    hiring: Hiring,
    member: Person,
    hours_ago: float,
    day_offset: int,
) -> None:
    """`member` sat an interview `hours_ago` (booked ahead, then let happen)."""
    start = local_at(monday() + timedelta(days=day_offset), "09:00", "UTC")
    done = await book_one(client, hiring, start, [member])
    await move_interview_to_past(db, done["id"], started_hours_ago=hours_ago)


async def test_of_two_equally_loaded_the_least_recently_used_is_suggested_first(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    hiring = await interviewing_application(client, tenant)
    ana = await tenant.add("interviewer", "Ana", time_zone="UTC")
    ben = await tenant.add("interviewer", "Ben", time_zone="UTC")
    pool = await pool_of(client, hiring, ana, ben)
    # Both interviewed before, neither in the week suggested: Ana three hours ago, Ben a month
    # ago. By name Ana would come first; the fair order puts Ben, who waited longer, first.
    await interviewed(client, db, hiring, ana, 3, 1)
    await interviewed(client, db, hiring, ben, 24 * 30, 2)
    day = monday(2)
    found = ok(
        await suggest(
            client,
            hiring.recruiter,
            hiring.app_id,
            [{"name": "Technical", "duration_minutes": 60, "pool_id": pool["id"]}],
            day,
            day + timedelta(days=1),
            limit=5,
        )
    )
    assert found["suggestions"]
    for suggestion in found["suggestions"]:
        (placed,) = suggestion["stages"]
        assert [i["member_id"] for i in placed["interviewers"]] == [str(ben.id)]
        (why,) = [r for r in suggestion["reasons"] if "least recently used" in r]
        assert why.startswith("'Technical': Ben (last interviewed "), why
        assert why.endswith("chosen as the least loaded and least recently used of 2 free")
    # Once Ben has interviewed more recently than Ana, the order turns.
    await interviewed(client, db, hiring, ben, 1, 3)
    again = ok(
        await suggest(
            client,
            hiring.recruiter,
            hiring.app_id,
            [{"name": "Technical", "duration_minutes": 60, "pool_id": pool["id"]}],
            day,
            day + timedelta(days=1),
            limit=1,
        )
    )
    (first,) = again["suggestions"]
    assert [i["member_id"] for i in first["stages"][0]["interviewers"]] == [str(ana.id)]


async def test_of_two_equally_loaded_the_least_recently_used_replaces_a_decline(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    hiring = await interviewing_application(client, tenant)
    ana = await tenant.add("interviewer", "Ana", time_zone="UTC")
    ben = await tenant.add("interviewer", "Ben", time_zone="UTC")
    cy = await tenant.add("interviewer", "Cy", time_zone="UTC")
    await pool_of(client, hiring, ana, ben, cy)
    await interviewed(client, db, hiring, ben, 3, 1)
    await interviewed(client, db, hiring, cy, 24 * 30, 2)
    start = local_at(monday(2) + timedelta(days=1), "10:00", "UTC")
    interview = await book_one(client, hiring, start, [ana])
    answered = ok(
        await client.post(
            f"{API}/interviews/{interview['id']}/response",
            headers=ana.headers,
            json={"response": "declined"},
        )
    )
    # Ben and Cy: no interview that week or day; Cy's last one is older, so Cy (not Ben, who
    # comes first by name).
    assert people(answered) == {str(cy.id)}
    (event,) = await events_of(db, tenant.organization_id, "interview.reassigned")
    reason = event["data"]["reason"]
    assert reason.startswith("Cy: trained in 'Tech', free then, 0 interview(s) that week and 0")
    assert "last interviewed " in reason
    assert reason.endswith("the least loaded of 2 free")


async def test_max_per_day_and_not_before_limit_suggestions(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    hiring = await interviewing_application(client, tenant)
    ana = await tenant.add("interviewer", "Ana", time_zone="UTC")
    ben = await tenant.add("interviewer", "Ben", time_zone="UTC")
    pool = await pool_of(
        client, hiring, ana, ben, Ana={"max_per_day": 1}, Ben={"not_before": "13:00"}
    )
    day = monday() + timedelta(days=1)
    # Ana already interviews that day (at 16:00): her pool cap of one a day is reached.
    other = await another_candidate(client, tenant, hiring, "Bo Other")
    ok(
        await schedule(
            client,
            hiring.recruiter,
            other.app_id,
            [slot("technical", local_at(day, "16:00", "UTC"), 60, [ana])],
        ),
        201,
    )
    stage = {"name": "Technical", "duration_minutes": 60, "pool_id": pool["id"]}
    found = ok(
        await suggest(
            client, hiring.recruiter, hiring.app_id, [stage], day, day + timedelta(days=1), limit=20
        )
    )["suggestions"]
    assert found
    for suggestion in found:
        (placed,) = suggestion["stages"]
        # Only Ben, and never before his 13:00: the morning has nobody.
        assert [i["member_id"] for i in placed["interviewers"]] == [str(ben.id)]
        assert at(placed["start_at"]) >= local_at(day, "13:00", "UTC")
    assert local_at(day, "13:00", "UTC") in {at(s["start_at"]) for s in found}
    # The next day Ana is under her cap: the morning is hers.
    following = day + timedelta(days=1)
    morning = ok(
        await suggest(
            client,
            hiring.recruiter,
            hiring.app_id,
            [stage],
            following,
            following + timedelta(days=1),
            limit=20,
        )
    )["suggestions"]
    early = [s for s in morning if at(s["start_at"]) < local_at(following, "13:00", "UTC")]
    assert early
    assert {s["stages"][0]["interviewers"][0]["member_id"] for s in early} == {str(ana.id)}


async def test_max_per_day_and_not_before_limit_replacements(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    hiring = await interviewing_application(client, tenant)
    ana = await tenant.add("interviewer", "Ana", time_zone="UTC")
    ben = await tenant.add("interviewer", "Ben", time_zone="UTC")
    cy = await tenant.add("interviewer", "Cy", time_zone="UTC")
    pool = await pool_of(
        client, hiring, ana, ben, cy, Ben={"not_before": "11:00"}, Cy={"max_per_day": 1}
    )
    day = monday() + timedelta(days=1)
    interview = await book_one(client, hiring, local_at(day, "10:00", "UTC"), [ana])
    other = await another_candidate(client, tenant, hiring, "Bo Other")
    ok(
        await schedule(
            client,
            hiring.recruiter,
            other.app_id,
            [slot("technical", local_at(day, "15:00", "UTC"), 60, [cy])],
        ),
        201,
    )
    answered = ok(
        await client.post(
            f"{API}/interviews/{interview['id']}/response",
            headers=ana.headers,
            json={"response": "declined"},
        )
    )
    assert people(answered) == {str(ana.id)}, "nobody may replace her"
    assert answered["replacements"] == 0
    (needed,) = await events_of(db, tenant.organization_id, "interview.replacement_needed")
    assert needed["data"]["reason"] == (
        "nobody trained in the pool 'Tech' is free then: Ben takes no interviews before 11:00; "
        "Cy is at their cap of 1 interviews that day"
    )
    assert not await events_of(db, tenant.organization_id, "interview.reassigned")
    # Ben moves his start to 10:00: asked again, he is the one.
    ok(
        await client.patch(
            f"{API}/interviewer-pools/{pool['id']}/members/{ben.id}",
            headers=hiring.recruiter.headers,
            json={"not_before": "10:00"},
        )
    )
    done = ok(
        await client.post(
            f"{API}/interviews/{interview['id']}/replacements",
            headers=hiring.recruiter.headers,
            json={"member_id": str(ana.id)},
        ),
        201,
    )
    assert done["replacement_member_id"] == str(ben.id)


async def test_a_replacement_who_became_busy_while_chosen_is_not_swapped_in(
    client: httpx.AsyncClient, tenant: Tenant, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race: the replacement is chosen, then (before they are locked) their meeting lands.
    The check under the lock sees it: asked for explicitly, a 409 that says so and nothing
    changes; after a decline, the next free member is chosen instead."""
    hiring = await interviewing_application(client, tenant)
    ana = await tenant.add("interviewer", "Ana", time_zone="UTC")
    ben = await tenant.add("interviewer", "Ben", time_zone="UTC")
    cy = await tenant.add("interviewer", "Cy", time_zone="UTC")
    await pool_of(client, hiring, ana, ben, cy)
    day = monday() + timedelta(days=1)
    first = await book_one(client, hiring, local_at(day, "10:00", "UTC"), [ana])
    second = await book_one(
        client, hiring, local_at(day + timedelta(days=1), "10:00", "UTC"), [ana]
    )
    # Cy interviews that week already, so Ben (the least loaded) is chosen first.
    other = await another_candidate(client, tenant, hiring, "Bo Other")
    ok(
        await schedule(
            client,
            hiring.recruiter,
            other.app_id,
            [slot("technical", local_at(day + timedelta(days=2), "10:00", "UTC"), 60, [cy])],
        ),
        201,
    )

    real_choose = replacement.choose
    chosen: list[uuid.UUID | None] = []

    async def racing_choose(*args: Any, **kwargs: Any) -> replacement.Outcome:
        outcome = await real_choose(*args, **kwargs)
        chosen.append(outcome.replacement)
        if outcome.replacement == ben.id and len(chosen) == 1:
            # Ben's meeting is committed elsewhere right after he was chosen.
            interview = args[1]
            ok(await add_busy(client, ben, ben, interview.start_at, interview.end_at), 201)
        return outcome

    monkeypatch.setattr(replacement, "choose", racing_choose)

    refused = problem(
        await client.post(
            f"{API}/interviews/{first['id']}/replacements",
            headers=hiring.recruiter.headers,
            json={"member_id": str(ana.id)},
        ),
        409,
    )
    assert chosen == [ben.id]
    assert (
        refused["detail"] == "The replacement chosen is no longer free: Ben is busy then; ask again"
    )
    assert refused["reason"] == "Ben is busy then"
    unchanged = await read_interview(client, hiring.recruiter, first["id"])
    assert people(unchanged) == {str(ana.id)}
    assert unchanged["replacements"] == 0
    assert unchanged["version"] == first["version"]
    assert not await events_of(db, tenant.organization_id, "interview.reassigned")

    # A decline: Ben is chosen, becomes busy, and Cy (free, under her caps) takes the seat.
    chosen.clear()
    answered = ok(
        await client.post(
            f"{API}/interviews/{second['id']}/response",
            headers=ana.headers,
            json={"response": "declined"},
        )
    )
    assert chosen == [ben.id, cy.id]
    assert people(answered) == {str(cy.id)}
    assert answered["replacements"] == 1
    (event,) = await events_of(db, tenant.organization_id, "interview.reassigned")
    assert event["data"]["replacement_member_id"] == str(cy.id)
    assert event["data"]["interview_id"] == second["id"]
    assert not await events_of(db, tenant.organization_id, "interview.replacement_needed")
    # Ben's time is his meeting's alone: he was never put on either interview.
    on_both = await scalar(
        db,
        "SELECT count(*) FROM interview_participants WHERE member_id = :m",
        m=ben.id,
    )
    assert on_both == 0
