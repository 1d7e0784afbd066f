"""A suggestion reads the application, the interviewers and all their time in one statement
(two more when stages name pools). What the separate reads used to decide, that statement still
decides: which applications the asker may see (a hiring manager: the roles they manage or stand
in for), who is an active member, whose calendar could not be read, and which problem is
answered first when there are several."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import httpx

from app.db import Database
from tests.conftest import Tenant
from tests.helpers_interviews import (
    API,
    JSON,
    add_busy,
    error_fields,
    interviewing_application,
    monday,
    ok,
    problem,
    sql,
    stage,
    suggest,
)


def starts(answer: JSON) -> list[str]:
    return [s["start_at"] for s in answer["suggestions"]]


async def test_a_hiring_manager_gets_suggestions_for_the_roles_they_manage_or_stand_in_for(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    hiring = await interviewing_application(client, tenant)
    ivan = await tenant.add("interviewer", "Ivan")
    other_hm = await tenant.add("hiring_manager", "Olga Other")
    mon = monday()
    args = ([stage("t", 60, [ivan])], mon, mon + timedelta(days=2))

    problem(await suggest(client, other_hm, hiring.app_id, *args), 404)

    ok(
        await client.patch(
            f"{API}/members/{hiring.hm.id}/preferences",
            headers=hiring.hm.headers,
            json={"delegate_id": str(other_hm.id)},
        )
    )
    stood_in = ok(await suggest(client, other_hm, hiring.app_id, *args))
    own = ok(await suggest(client, hiring.hm, hiring.app_id, *args))
    assert starts(stood_in) == starts(own) != []
    assert starts(ok(await suggest(client, hiring.recruiter, hiring.app_id, *args))) == starts(own)


async def test_an_application_out_of_sight_is_a_404_before_any_other_problem(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    hiring = await interviewing_application(client, tenant)
    ivan = await tenant.add("interviewer", "Ivan")
    other_hm = await tenant.add("hiring_manager", "Olga Other")
    stranger = await other_tenant.add("interviewer", "Sam")
    mon = monday()
    unknown = {"name": "t", "duration_minutes": 60, "interviewer_ids": [str(uuid.uuid4())]}
    foreign_pool = {"name": "p", "duration_minutes": 60, "pool_id": str(uuid.uuid4())}
    window = (mon, mon + timedelta(days=2))

    for stages in ([unknown], [stage("t", 60, [stranger])], [foreign_pool, unknown]):
        problem(await suggest(client, other_hm, hiring.app_id, stages, *window), 404)
        problem(await suggest(client, hiring.recruiter, str(uuid.uuid4()), stages, *window), 404)

    # Seen: the pools are answered first, then the interviewers.
    refused = problem(
        await suggest(client, hiring.recruiter, hiring.app_id, [foreign_pool, unknown], *window),
        422,
    )
    assert error_fields(refused) == {"stages.0.pool_id"}
    refused = problem(
        await suggest(
            client, hiring.recruiter, hiring.app_id, [stage("t", 60, [ivan]), unknown], *window
        ),
        422,
    )
    assert error_fields(refused) == {"stages.1.interviewer_ids"}
    refused = problem(
        await suggest(
            client, hiring.recruiter, hiring.app_id, [stage("t", 60, [stranger])], *window
        ),
        422,
    )
    assert error_fields(refused) == {"stages.0.interviewer_ids"}


async def test_a_deactivated_interviewer_is_refused_and_the_others_busy_time_still_counts(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    hiring = await interviewing_application(client, tenant)
    ivan = await tenant.add("interviewer", "Ivan")
    gone = await tenant.add("interviewer", "Gus Gone")
    mon = monday()
    day = mon.replace(hour=0)
    # Ivan's working hours are 09:00-17:00 in his zone (UTC): busy all but the last hour.
    ok(
        await add_busy(
            client, tenant.admin, ivan, day + timedelta(hours=9), day + timedelta(hours=16)
        ),
        201,
    )
    await sql(db, "UPDATE members SET is_active = false WHERE id = :id", id=gone.id)

    refused = problem(
        await suggest(
            client,
            hiring.recruiter,
            hiring.app_id,
            [stage("t", 60, [ivan, gone])],
            day,
            day + timedelta(days=1),
        ),
        422,
    )
    assert error_fields(refused) == {"stages.0.interviewer_ids"}
    answer = ok(
        await suggest(
            client,
            hiring.recruiter,
            hiring.app_id,
            [stage("t", 60, [ivan])],
            day,
            day + timedelta(days=1),
        )
    )
    assert [datetime.fromisoformat(s) for s in starts(answer)] == [day + timedelta(hours=16)]


async def test_a_suggestion_costs_the_same_statements_however_much_busy_time_there_is(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    hiring = await interviewing_application(client, tenant)
    people = [await tenant.add("interviewer", f"Ivy {n}") for n in range(3)]
    mon = monday()

    async def counted(stages: list[JSON]) -> int:
        # The second of two, so the credential comes from the cache both times.
        await suggest(client, hiring.recruiter, hiring.app_id, stages, mon, mon + timedelta(days=5))
        response = await suggest(
            client, hiring.recruiter, hiring.app_id, stages, mon, mon + timedelta(days=5)
        )
        ok(response)
        return int(response.headers["x-statement-count"])

    bare = await counted([stage("t", 60, people[:1])])
    for person in people:
        for k in range(20):
            start = mon + timedelta(days=k % 5, hours=9 + (k % 4) * 2)
            ok(
                await add_busy(client, tenant.admin, person, start, start + timedelta(minutes=45)),
                201,
            )
    full = await counted([stage("a", 60, people[:2]), stage("b", 45, people[2:])])
    assert full == bare <= 2, (bare, full)
