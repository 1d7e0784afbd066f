"""Interviewer pools through both transports: members trained or in training with their
preferences, trainees seated as shadows then reverse shadows, sign-off only after the rounds,
suggestions drawn from a pool (fairly, with a trainee seat when asked), and tenancy."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from app.db import Database
from tests.conftest import Person, Tenant
from tests.helpers_interviews import (
    API,
    JSON,
    at,
    error_fields,
    events_of,
    interviewing_application,
    local_at,
    monday,
    move_interview_to_past,
    ok,
    problem,
    schedule,
    slot,
    suggest,
)


async def create_pool(client: httpx.AsyncClient, who: Person, **body: Any) -> JSON:
    pool: JSON = ok(
        await client.post(f"{API}/interviewer-pools", headers=who.headers, json=body), 201
    )
    return pool


async def add_member(
    client: httpx.AsyncClient, who: Person, pool_id: str, member: Person, **extra: Any
) -> httpx.Response:
    return await client.post(
        f"{API}/interviewer-pools/{pool_id}/members",
        headers=who.headers,
        json={"member_id": str(member.id), **extra},
    )


def member_row(pool: JSON, member: Person) -> JSON:
    row: JSON = next(m for m in pool["members"] if m["member_id"] == str(member.id))
    return row


async def gql(client: httpx.AsyncClient, who: Person, query: str, **variables: Any) -> JSON:
    response = await client.post(
        "/graphql", headers=who.headers, json={"query": query, "variables": variables}
    )
    body: JSON = ok(response)
    assert "errors" not in body, body
    data: JSON = body["data"]
    return data


async def complete(client: httpx.AsyncClient, db: Database, who: Person, interview_id: str) -> None:
    await move_interview_to_past(db, interview_id)
    ok(
        await client.post(
            f"{API}/interviews/{interview_id}/status",
            headers=who.headers,
            json={"status": "completed"},
        )
    )


# ---------------------------------------------------------------------------------------------


async def test_pools_are_created_listed_updated_and_checked(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    recruiter = await tenant.add("recruiter", "Rae")
    ana = await tenant.add("interviewer", "Ana")
    pool = await create_pool(client, recruiter, name="Backend technical", kind="technical")
    assert (pool["shadow_rounds"], pool["reverse_shadow_rounds"]) == (2, 1)
    assert pool["members"] == []
    duplicate = problem(
        await client.post(
            f"{API}/interviewer-pools",
            headers=recruiter.headers,
            json={"name": "backend TECHNICAL"},
        ),
        422,
    )
    assert error_fields(duplicate) == {"name"}
    bad = problem(
        await client.post(
            f"{API}/interviewer-pools",
            headers=recruiter.headers,
            json={"name": "X", "shadow_rounds": -1},
        ),
        422,
    )
    assert "shadow_rounds" in str(bad)
    added = ok(await add_member(client, recruiter, pool["id"], ana, not_before="10:30"), 201)
    row = member_row(added, ana)
    assert row["status"] == "trained"
    assert row["not_before"] == "10:30"
    assert row["trained_at"] is not None
    again = problem(await add_member(client, recruiter, pool["id"], ana), 409)
    assert "already" in again["detail"]
    bad_time = problem(
        await add_member(client, recruiter, pool["id"], ana, not_before="25:00"), 422
    )
    assert error_fields(bad_time) == {"not_before"}
    unknown = problem(
        await client.post(
            f"{API}/interviewer-pools/{pool['id']}/members",
            headers=recruiter.headers,
            json={"member_id": str(uuid.uuid4())},
        ),
        422,
    )
    assert error_fields(unknown) == {"member_id"}
    changed = ok(
        await client.patch(
            f"{API}/interviewer-pools/{pool['id']}/members/{ana.id}",
            headers=recruiter.headers,
            json={"max_per_day": 2, "not_before": None},
        )
    )
    assert member_row(changed, ana)["max_per_day"] == 2
    assert member_row(changed, ana)["not_before"] is None
    renamed = ok(
        await client.patch(
            f"{API}/interviewer-pools/{pool['id']}",
            headers=recruiter.headers,
            json={"shadow_rounds": 3},
        )
    )
    assert renamed["shadow_rounds"] == 3
    assert renamed["version"] > pool["version"]
    listed = ok(await client.get(f"{API}/interviewer-pools", headers=recruiter.headers))
    assert [p["id"] for p in listed["items"]] == [pool["id"]]
    # Interviewers neither manage nor read pools.
    problem(await client.get(f"{API}/interviewer-pools", headers=ana.headers), 403)
    problem(await add_member(client, ana, pool["id"], ana), 403)
    removed = ok(
        await client.delete(
            f"{API}/interviewer-pools/{pool['id']}/members/{ana.id}", headers=recruiter.headers
        )
    )
    assert removed["members"] == []
    kinds = [
        e["type"]
        for e in await events_of(
            db,
            tenant.organization_id,
            "interviewer_pool.created",
            "interviewer_pool.updated",
            "interviewer_pool.member_added",
            "interviewer_pool.member_updated",
            "interviewer_pool.member_removed",
        )
    ]
    assert kinds == [
        "interviewer_pool.created",
        "interviewer_pool.member_added",
        "interviewer_pool.member_updated",
        "interviewer_pool.updated",
        "interviewer_pool.member_removed",
    ]


async def test_a_trainee_shadows_then_reverse_shadows_then_is_signed_off(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    hiring = await interviewing_application(client, tenant)
    ana = await tenant.add("interviewer", "Ana")
    tia = await tenant.add("interviewer", "Tia")
    pool = await create_pool(
        client,
        hiring.recruiter,
        name="Tech",
        kind="technical",
        shadow_rounds=1,
        reverse_shadow_rounds=1,
    )
    ok(await add_member(client, hiring.recruiter, pool["id"], ana), 201)
    ok(await add_member(client, hiring.recruiter, pool["id"], tia, status="in_training"), 201)
    early = problem(
        await client.post(
            f"{API}/interviewer-pools/{pool['id']}/members/{tia.id}/sign-off",
            headers=hiring.hm.headers,
        ),
        409,
    )
    assert "1 shadow round(s) and 1 reverse-shadow round(s) to go" in early["detail"]
    day = monday()
    seats = []
    for k in range(2):
        body = {**slot("technical", local_at(day + timedelta(days=k), "10:00", "UTC"), 60, [ana])}
        body |= {"pool_id": pool["id"], "trainee_ids": [str(tia.id)]}
        (interview,) = ok(await schedule(client, hiring.recruiter, hiring.app_id, [body]), 201)
        seat = {p["member_id"]: p["seat"] for p in interview["interviewers"]}
        seats.append(seat[str(tia.id)])
        assert seat[str(ana.id)] == "interviewer"
        assert interview["pool_id"] == pool["id"]
        await complete(client, db, hiring.recruiter, interview["id"])
        if k == 0:
            mid = ok(
                await client.get(
                    f"{API}/interviewer-pools/{pool['id']}", headers=hiring.recruiter.headers
                )
            )
            row = member_row(mid, tia)
            assert (row["shadows_done"], row["next_seat"]) == (1, "reverse_shadow")
    assert seats == ["shadow", "reverse_shadow"]
    # A trainee who is not in the pool's training cannot be seated.
    not_trainee = {
        **slot("technical", local_at(day + timedelta(days=3), "10:00", "UTC"), 60, [tia])
    }
    not_trainee |= {"pool_id": pool["id"], "trainee_ids": [str(ana.id)]}
    refused = problem(await schedule(client, hiring.recruiter, hiring.app_id, [not_trainee]), 422)
    assert error_fields(refused) == {"interviews.0.trainee_ids"}
    signed = ok(
        await client.post(
            f"{API}/interviewer-pools/{pool['id']}/members/{tia.id}/sign-off",
            headers=hiring.hm.headers,
        )
    )
    row = member_row(signed, tia)
    assert row["status"] == "trained"
    assert row["signed_off_by"] == str(hiring.hm.id)
    assert (row["shadows_done"], row["reverse_shadows_done"]) == (1, 1)
    (event,) = await events_of(db, tenant.organization_id, "interviewer.trained")
    assert event["data"]["member_id"] == str(tia.id)
    assert event["data"]["signed_off_by"] == str(hiring.hm.id)
    problem(
        await client.post(
            f"{API}/interviewer-pools/{pool['id']}/members/{tia.id}/sign-off",
            headers=hiring.hm.headers,
        ),
        409,
    )


async def test_suggestions_from_a_pool_are_fair_respect_preferences_and_seat_a_trainee(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    hiring = await interviewing_application(client, tenant)
    ana = await tenant.add("interviewer", "Ana")
    ben = await tenant.add("interviewer", "Ben")
    tia = await tenant.add("interviewer", "Tia")
    pool = await create_pool(client, hiring.recruiter, name="Tech", kind="technical")
    ok(await add_member(client, hiring.recruiter, pool["id"], ana), 201)
    ok(await add_member(client, hiring.recruiter, pool["id"], ben, not_before="13:00"), 201)
    ok(await add_member(client, hiring.recruiter, pool["id"], tia, status="in_training"), 201)
    day = monday()
    # Ana already interviews that week: Ben (never interviewed) is preferred where both are free.
    other = await interviewing_application(
        client,
        tenant,
        recruiter=hiring.recruiter,
        hm=hiring.hm,
        role_id=hiring.role_id,
        candidate_name="Bo Other",
    )
    ok(
        await schedule(
            client,
            hiring.recruiter,
            other.app_id,
            [slot("technical", local_at(day + timedelta(days=4), "09:00", "UTC"), 60, [ana])],
        ),
        201,
    )
    stage = {
        "name": "Technical",
        "duration_minutes": 60,
        "pool_id": pool["id"],
        "trainee_seat": True,
    }
    found = ok(
        await suggest(
            client, hiring.recruiter, hiring.app_id, [stage], day, day + timedelta(days=1), limit=20
        )
    )
    assert found["suggestions"]
    picked = set()
    for s in found["suggestions"]:
        (placed,) = s["stages"]
        assert placed["pool_id"] == pool["id"]
        (who,) = placed["interviewers"]
        start = at(placed["start_at"]).astimezone(ZoneInfo("UTC"))
        assert [t["member_id"] for t in placed["trainees"]] == [str(tia.id)]
        assert any("Tia shadows 'Technical'" in r for r in s["reasons"])
        if start.hour < 13:
            # Ben takes no interviews before 13:00: only Ana is free.
            assert who["member_id"] == str(ana.id)
        else:
            # Both free: Ben, who has no interview that week, before Ana, who has one.
            assert who["member_id"] == str(ben.id)
            assert any(
                "'Technical': Ben (no interview yet) chosen as the least loaded and least "
                "recently used of 2 free" in r
                for r in s["reasons"]
            ), s["reasons"]
        picked.add(who["member_id"])
    assert picked == {str(ana.id), str(ben.id)}
    # Nobody trained: a clear 422 on the stage's pool, nothing suggested.
    empty = await create_pool(client, hiring.recruiter, name="Empty")
    ok(await add_member(client, hiring.recruiter, empty["id"], tia, status="in_training"), 201)
    refused = problem(
        await suggest(
            client,
            hiring.recruiter,
            hiring.app_id,
            [{"name": "X", "duration_minutes": 60, "pool_id": empty["id"]}],
            day,
            day + timedelta(days=1),
        ),
        422,
    )
    assert error_fields(refused) == {"stages.0.pool_id"}
    assert "nobody in the pool 'Empty' is trained" in str(refused)


async def test_pools_over_graphql(client: httpx.AsyncClient, tenant: Tenant) -> None:
    recruiter = await tenant.add("recruiter", "Rae")
    tia = await tenant.add("interviewer", "Tia")
    created = await gql(
        client,
        recruiter,
        """mutation($name: String!) { createInterviewerPool(input: {name: $name, kind: "technical",
             shadowRounds: 1}) {
             ... on InterviewerPoolPayload { interviewerPool { id databaseId name shadowRounds } }
             ... on MutationError { code fields { field message } } } }""",
        name="Tech",
    )
    pool = created["createInterviewerPool"]["interviewerPool"]
    assert pool["shadowRounds"] == 1
    added = await gql(
        client,
        recruiter,
        """mutation($pool: ID!, $member: ID!) { addInterviewerPoolMember(input: {poolId: $pool,
             memberId: $member, status: in_training}) {
             ... on InterviewerPoolPayload { interviewerPool { members { name status nextSeat } } }
             ... on MutationError { code } } }""",
        pool=pool["id"],
        member=str(tia.id),
    )
    assert added["addInterviewerPoolMember"]["interviewerPool"]["members"] == [
        {"name": "Tia", "status": "in_training", "nextSeat": "shadow"}
    ]
    early = await gql(
        client,
        recruiter,
        """mutation($pool: ID!, $member: ID!) { signOffInterviewer(poolId: $pool, memberId: $member) {
             ... on InterviewerPoolPayload { interviewerPool { id } }
             ... on MutationError { code status message } } }""",
        pool=pool["id"],
        member=str(tia.id),
    )
    assert early["signOffInterviewer"]["code"] == "conflict"
    assert "shadow round" in early["signOffInterviewer"]["message"]
    listed = await gql(
        client, recruiter, "{ interviewerPools { edges { node { name members { name } } } } }"
    )
    assert [e["node"] for e in listed["interviewerPools"]["edges"]] == [
        {"name": "Tech", "members": [{"name": "Tia"}]}
    ]
    one = await gql(
        client, recruiter, "query($id: ID!) { interviewerPool(id: $id) { name } }", id=pool["id"]
    )
    assert one["interviewerPool"] == {"name": "Tech"}


async def test_another_organization_s_pools_are_not_found(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    recruiter = await tenant.add("recruiter", "Rae")
    stranger = await other_tenant.add("recruiter", "Sam")
    outsider = await other_tenant.add("interviewer", "Oz")
    pool = await create_pool(client, recruiter, name="Tech")
    problem(
        await client.get(f"{API}/interviewer-pools/{pool['id']}", headers=stranger.headers), 404
    )
    problem(await add_member(client, stranger, pool["id"], outsider), 404)
    assert ok(await client.get(f"{API}/interviewer-pools", headers=stranger.headers))["items"] == []
    # Their member cannot join our pool either.
    refused = problem(await add_member(client, recruiter, pool["id"], outsider), 422)
    assert error_fields(refused) == {"member_id"}


async def seed_pool(
    client: httpx.AsyncClient, who: Person, trained: Person, trainee: Person
) -> list[str]:
    """One pool with a trained member and a trainee (for tests/test_tenant_isolation.py)."""
    pool = await create_pool(client, who, name=f"Pool {uuid.uuid4().hex[:6]}", kind="pooled")
    ok(await add_member(client, who, pool["id"], trained), 201)
    ok(await add_member(client, who, pool["id"], trainee, status="in_training"), 201)
    return [pool["id"]]
