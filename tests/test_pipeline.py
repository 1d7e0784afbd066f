"""The pipeline: one application per candidate and role, legal moves only, every move kept,
races settled by the database, lists with time in stage, notes and events."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import text

from app.db import Database
from tests.conftest import Person, Tenant
from tests.helpers_pipeline import apply, events_of, make_candidate, make_role, move

FROM_SOURCED = [
    {"action": "move", "to_stage": "screening"},
    {"action": "move", "to_stage": "submitted"},
    {"action": "reject"},
    {"action": "withdraw"},
]


async def _history(
    client: httpx.AsyncClient, who: Person, application_id: str
) -> list[dict[str, Any]]:
    response = await client.get(
        f"/api/v1/applications/{application_id}/history", headers=who.headers
    )
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()["items"]
    return rows


async def _setup(client: httpx.AsyncClient, tenant: Tenant) -> tuple[Person, Person, str]:
    recruiter = await tenant.add("recruiter")
    hm = await tenant.add("hiring_manager")
    role_id = await make_role(client, recruiter, hm)
    return recruiter, hm, role_id


async def test_one_application_per_candidate_and_role(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    recruiter, hm, role_id = await _setup(client, tenant)
    other_role = await make_role(client, recruiter, hm, title="Second role")
    candidate = await make_candidate(client, recruiter, "Only Once")
    before = datetime.now(UTC)
    response = await client.post(
        "/api/v1/applications",
        headers=recruiter.headers,
        json={
            "candidate_id": candidate["id"],
            "role_id": role_id,
            "screening_notes": "Found on GitHub",
        },
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert response.headers["location"] == f"/api/v1/applications/{created['id']}"
    assert (created["stage"], created["outcome"]) == ("sourced", "active")
    assert created["screening_notes"] == "Found on GitHub"
    assert created["candidate_id"] == candidate["id"]
    assert created["role_id"] == role_id
    assert 0 <= created["time_in_stage_seconds"] < 60

    again = await client.post(
        "/api/v1/applications",
        headers=recruiter.headers,
        json={"candidate_id": candidate["id"], "role_id": role_id},
    )
    assert again.status_code == 409, again.text
    assert again.json()["application_id"] == created["id"]
    assert created["id"] in again.json()["detail"]

    # The same candidate in another role is a second, separate application.
    second = await apply(client, recruiter, candidate["id"], other_role, stage="screening")
    assert second["stage"] == "screening"

    listed = await client.get(
        f"/api/v1/candidates/{candidate['id']}/applications", headers=recruiter.headers
    )
    assert sorted(a["id"] for a in listed.json()["items"]) == sorted([created["id"], second["id"]])

    history = await _history(client, recruiter, created["id"])
    assert len(history) == 1
    entry = history[0]
    assert entry["action"] == "create"
    assert (entry["from_stage"], entry["to_stage"], entry["to_outcome"]) == (
        None,
        "sourced",
        "active",
    )
    assert entry["actor_member_id"] == str(recruiter.id)
    assert datetime.fromisoformat(entry["created_at"]) >= before - timedelta(seconds=5)

    events = await events_of(client, tenant.admin, "application.created", at_least=2)
    assert {e["data"]["application_id"] for e in events} == {created["id"], second["id"]}
    first_event = next(e for e in events if e["data"]["application_id"] == created["id"])
    assert first_event["data"]["candidate_id"] == candidate["id"]
    assert first_event["data"]["role_id"] == role_id


async def test_concurrent_duplicate_applications_give_one(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    recruiter, _, role_id = await _setup(client, tenant)
    for n in range(3):
        candidate = await make_candidate(client, recruiter, f"Twice At Once {n}")
        body = {"candidate_id": candidate["id"], "role_id": role_id}
        results = await asyncio.gather(
            client.post("/api/v1/applications", headers=recruiter.headers, json=body),
            client.post("/api/v1/applications", headers=recruiter.headers, json=body),
        )
        assert sorted(r.status_code for r in results) == [201, 409], [r.text for r in results]
        listed = await client.get(
            f"/api/v1/candidates/{candidate['id']}/applications", headers=recruiter.headers
        )
        assert len(listed.json()["items"]) == 1


async def test_bad_application_input(client: httpx.AsyncClient, tenant: Tenant) -> None:
    recruiter, hm, role_id = await _setup(client, tenant)
    candidate = await make_candidate(client, recruiter, "Bad Input")
    unknown_role = await client.post(
        "/api/v1/applications",
        headers=recruiter.headers,
        json={"candidate_id": candidate["id"], "role_id": str(uuid.uuid4())},
    )
    assert unknown_role.status_code == 422
    assert any(e["field"] == "role_id" for e in unknown_role.json()["errors"])
    unknown_candidate = await client.post(
        "/api/v1/applications",
        headers=recruiter.headers,
        json={"candidate_id": str(uuid.uuid4()), "role_id": role_id},
    )
    assert unknown_candidate.status_code == 404
    late_stage = await client.post(
        "/api/v1/applications",
        headers=recruiter.headers,
        json={"candidate_id": candidate["id"], "role_id": role_id, "stage": "offer"},
    )
    assert late_stage.status_code == 422
    by_hm = await client.post(
        "/api/v1/applications",
        headers=hm.headers,
        json={"candidate_id": candidate["id"], "role_id": role_id},
    )
    assert by_hm.status_code == 403
    closed = await make_role(client, recruiter, hm, title="Closed", status="draft")
    closing = await client.patch(
        f"/api/v1/roles/{closed}", headers=recruiter.headers, json={"status": "closed"}
    )
    assert closing.status_code == 200, closing.text
    into_closed = await client.post(
        "/api/v1/applications",
        headers=recruiter.headers,
        json={"candidate_id": candidate["id"], "role_id": closed},
    )
    assert into_closed.status_code == 409
    listed = await client.get(
        f"/api/v1/candidates/{candidate['id']}/applications", headers=recruiter.headers
    )
    assert listed.json()["items"] == []


async def test_the_whole_pipeline_to_hired_keeps_who_when_and_why(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    recruiter, hm, role_id = await _setup(client, tenant)
    candidate = await make_candidate(client, recruiter, "Goes All The Way")
    application = await apply(client, recruiter, candidate["id"], role_id)
    aid = application["id"]
    steps = [
        (recruiter, "screening", "Phone screen booked"),
        (recruiter, "submitted", "Screen went well"),
        (recruiter, "hm_review", "Over to the hiring manager"),
        (hm, "interviewing", "Let's meet her"),
        (hm, "decision", "Loop done"),
        (hm, "offer", "Strong yes from the panel"),
        (recruiter, "hired", "Signed the offer"),
    ]
    version = application["version"]
    for who, stage, reason in steps:
        response = await move(client, who, aid, stage, reason=reason)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["stage"] == stage
        assert body["version"] == version + 1
        assert 0 <= body["time_in_stage_seconds"] < 60
        version = body["version"]
    final = (await client.get(f"/api/v1/applications/{aid}", headers=recruiter.headers)).json()
    assert (final["stage"], final["outcome"]) == ("hired", "hired")

    history = await _history(client, recruiter, aid)
    assert [h["action"] for h in history] == ["create"] + ["move"] * len(steps)
    assert [(h["from_stage"], h["to_stage"]) for h in history[1:]] == list(
        zip(["sourced"] + [s for _, s, _ in steps[:-1]], [s for _, s, _ in steps], strict=True)
    )
    assert [h["reason"] for h in history[1:]] == [r for _, _, r in steps]
    assert [h["actor_member_id"] for h in history[1:]] == [str(w.id) for w, _, _ in steps]
    assert history[-1]["to_outcome"] == "hired"
    times = [datetime.fromisoformat(h["created_at"]) for h in history]
    assert times == sorted(times)

    # Nothing moves a hired application any more.
    stuck = await move(client, recruiter, aid, "offer")
    assert stuck.status_code == 409
    assert stuck.json()["allowed"] == []
    assert len(await _history(client, recruiter, aid)) == len(steps) + 1

    moved = await events_of(client, tenant.admin, "application.moved", at_least=6)
    assert [e["data"]["to_stage"] for e in moved] == [s for _, s, _ in steps[:-1]]
    assert moved[0]["data"]["from_stage"] == "sourced"
    assert moved[0]["data"]["reason"] == "Phone screen booked"
    assert moved[3]["actor_member_id"] == str(hm.id)
    hired = await events_of(client, tenant.admin, "application.hired")
    assert [(e["resource_id"], e["data"]["outcome"]) for e in hired] == [(aid, "hired")]


async def test_an_illegal_move_is_409_listing_the_allowed_ones_and_changes_nothing(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    recruiter, _, role_id = await _setup(client, tenant)
    candidate = await make_candidate(client, recruiter, "Too Fast")
    aid = (await apply(client, recruiter, candidate["id"], role_id))["id"]

    response = await move(client, recruiter, aid, "interviewing")
    assert response.status_code == 409, response.text
    problem = response.json()
    assert problem["code"] == "conflict"
    assert problem["allowed"] == FROM_SOURCED
    assert "interviewing" in problem["detail"]
    after = (await client.get(f"/api/v1/applications/{aid}", headers=recruiter.headers)).json()
    assert (after["stage"], after["outcome"], after["version"]) == ("sourced", "active", 1)
    assert len(await _history(client, recruiter, aid)) == 1

    # Back steps are part of the pipeline; skipping ahead is not.
    assert (await move(client, recruiter, aid, "screening")).status_code == 200
    assert (await move(client, recruiter, aid, "sourced")).status_code == 200
    offer = await move(client, recruiter, aid, "offer")
    assert offer.status_code == 409
    assert offer.json()["allowed"] == FROM_SOURCED

    # Input that is not a move at all is a 422.
    no_stage = await client.post(
        f"/api/v1/applications/{aid}/transitions",
        headers=recruiter.headers,
        json={"action": "move", "reason": "where to?"},
    )
    assert no_stage.status_code == 422
    no_reason = await client.post(
        f"/api/v1/applications/{aid}/transitions",
        headers=recruiter.headers,
        json={"action": "move", "to_stage": "screening"},
    )
    assert no_reason.status_code == 422
    assert any(e["field"] == "reason" for e in no_reason.json()["errors"])
    unknown_stage = await move(client, recruiter, aid, "limbo")
    assert unknown_stage.status_code == 422
    assert len(await _history(client, recruiter, aid)) == 3


async def test_reject_reopen_and_withdraw(client: httpx.AsyncClient, tenant: Tenant) -> None:
    recruiter, _, role_id = await _setup(client, tenant)
    candidate = await make_candidate(client, recruiter, "Comes And Goes")
    aid = (await apply(client, recruiter, candidate["id"], role_id))["id"]
    assert (await move(client, recruiter, aid, "screening")).status_code == 200

    rejected = await move(client, recruiter, aid, action="reject", reason="No SQL at all")
    assert rejected.status_code == 200, rejected.text
    assert (rejected.json()["stage"], rejected.json()["outcome"]) == ("screening", "rejected")

    frozen = await move(client, recruiter, aid, "submitted")
    assert frozen.status_code == 409
    assert frozen.json()["allowed"] == [{"action": "reopen"}]
    twice = await move(client, recruiter, aid, action="reject")
    assert twice.status_code == 409

    reopened = await move(client, recruiter, aid, action="reopen", reason="She learned SQL")
    assert reopened.status_code == 200
    assert (reopened.json()["stage"], reopened.json()["outcome"]) == ("screening", "active")
    reopen_again = await move(client, recruiter, aid, action="reopen")
    assert reopen_again.status_code == 409
    assert reopen_again.json()["allowed"] == [
        {"action": "move", "to_stage": "sourced"},
        {"action": "move", "to_stage": "submitted"},
        {"action": "reject"},
        {"action": "withdraw"},
    ]

    withdrawn = await move(client, recruiter, aid, action="withdraw", reason="Took another offer")
    assert withdrawn.status_code == 200
    assert withdrawn.json()["outcome"] == "withdrawn"

    history = await _history(client, recruiter, aid)
    assert [
        (h["action"], h["to_stage"], h["from_outcome"], h["to_outcome"], h["reason"])
        for h in history[2:]
    ] == [
        ("reject", "screening", "active", "rejected", "No SQL at all"),
        ("reopen", "screening", "rejected", "active", "She learned SQL"),
        ("withdraw", "screening", "active", "withdrawn", "Took another offer"),
    ]
    for kind in ("application.rejected", "application.reopened", "application.withdrawn"):
        found = await events_of(client, tenant.admin, kind)
        assert [e["resource_id"] for e in found] == [aid], kind


async def test_two_moves_at_once_one_wins_and_history_stays_consistent(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    recruiter, _hm, role_id = await _setup(client, tenant)
    other = await tenant.add("recruiter")
    for n in range(4):
        candidate = await make_candidate(client, recruiter, f"Raced {n}")
        aid = (await apply(client, recruiter, candidate["id"], role_id))["id"]
        results = await asyncio.gather(
            move(client, recruiter, aid, "screening", reason="mine"),
            move(client, other, aid, "screening", reason="theirs"),
        )
        statuses = sorted(r.status_code for r in results)
        assert statuses == [200, 409], [r.text for r in results]
        loser = next(r for r in results if r.status_code == 409).json()
        assert {"action": "move", "to_stage": "submitted"} in loser["allowed"]
        history = await _history(client, recruiter, aid)
        assert [h["action"] for h in history] == ["create", "move"]
        assert history[1]["from_stage"] == "sourced"
        assert history[1]["to_stage"] == "screening"
        current = (
            await client.get(f"/api/v1/applications/{aid}", headers=recruiter.headers)
        ).json()
        assert (current["stage"], current["version"]) == ("screening", 2)

    # Different moves at once from the same state: still one winner, judged in turn.
    candidate = await make_candidate(client, recruiter, "Pulled Both Ways")
    aid = (await apply(client, recruiter, candidate["id"], role_id))["id"]
    results = await asyncio.gather(
        move(client, recruiter, aid, action="reject", reason="no"),
        move(client, other, aid, action="withdraw", reason="gone"),
    )
    assert sorted(r.status_code for r in results) == [200, 409], [r.text for r in results]
    history = await _history(client, recruiter, aid)
    assert len(history) == 2
    final = (await client.get(f"/api/v1/applications/{aid}", headers=recruiter.headers)).json()
    assert final["outcome"] == history[1]["to_outcome"]


async def test_lists_per_role_and_candidate_filter_by_stage_and_outcome_with_time_in_stage(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    recruiter, hm, role_id = await _setup(client, tenant)
    other_role = await make_role(client, recruiter, hm, title="Other")
    names = ["Stays Sourced", "Gets Screened", "Gets Rejected", "Gets Submitted"]
    ids: dict[str, str] = {}
    candidates: dict[str, str] = {}
    for name in names:
        candidate = await make_candidate(client, recruiter, name)
        candidates[name] = candidate["id"]
        ids[name] = (await apply(client, recruiter, candidate["id"], role_id))["id"]
    assert (await move(client, recruiter, ids["Gets Screened"], "screening")).status_code == 200
    assert (await move(client, recruiter, ids["Gets Rejected"], action="reject")).status_code == 200
    assert (await move(client, recruiter, ids["Gets Submitted"], "submitted")).status_code == 200
    elsewhere = await apply(client, recruiter, candidates["Stays Sourced"], other_role)
    assert (await move(client, recruiter, elsewhere["id"], action="withdraw")).status_code == 200

    # The first application has waited an hour in its stage.
    async with db.transaction() as session:
        await session.execute(
            text(
                "UPDATE applications SET stage_entered_at = now() - interval '1 hour' WHERE id = :id"
            ),
            {"id": uuid.UUID(ids["Stays Sourced"])},
        )

    async def role_list(**params: str) -> list[str]:
        response = await client.get(
            f"/api/v1/roles/{role_id}/applications", headers=recruiter.headers, params=params
        )
        assert response.status_code == 200, response.text
        by_id = {v: k for k, v in ids.items()}
        return [by_id[a["id"]] for a in response.json()["items"]]

    assert sorted(await role_list()) == sorted(names)
    # A rejection ends the application where it stands (here: sourced).
    assert sorted(await role_list(stage="sourced")) == ["Gets Rejected", "Stays Sourced"]
    assert await role_list(stage="sourced", outcome="active") == ["Stays Sourced"]
    assert sorted(await role_list(outcome="active")) == [
        "Gets Screened",
        "Gets Submitted",
        "Stays Sourced",
    ]
    assert await role_list(outcome="rejected") == ["Gets Rejected"]
    assert await role_list(stage="sourced", outcome="rejected") == ["Gets Rejected"]
    assert await role_list(stage="submitted") == ["Gets Submitted"]
    assert await role_list(stage="offer") == []
    bad = await client.get(
        f"/api/v1/roles/{role_id}/applications",
        headers=recruiter.headers,
        params={"stage": "limbo"},
    )
    assert bad.status_code == 422

    listed = (
        await client.get(f"/api/v1/roles/{role_id}/applications", headers=recruiter.headers)
    ).json()
    waited = {a["id"]: a["time_in_stage_seconds"] for a in listed["items"]}
    assert 3600 <= waited[ids["Stays Sourced"]] < 3600 + 120
    assert 0 <= waited[ids["Gets Screened"]] < 120

    # Per candidate: both of their applications, filterable the same way.
    url = f"/api/v1/candidates/{candidates['Stays Sourced']}/applications"
    both = (await client.get(url, headers=recruiter.headers)).json()["items"]
    assert sorted(a["role_id"] for a in both) == sorted([role_id, other_role])
    withdrawn = (
        await client.get(url, headers=recruiter.headers, params={"outcome": "withdrawn"})
    ).json()
    assert [a["id"] for a in withdrawn["items"]] == [elsewhere["id"]]
    active = (await client.get(url, headers=recruiter.headers, params={"outcome": "active"})).json()
    assert [a["id"] for a in active["items"]] == [ids["Stays Sourced"]]
    assert 3600 <= active["items"][0]["time_in_stage_seconds"] < 3600 + 120

    # A move resets the clock; a reject keeps the stage and its clock.
    assert (await move(client, recruiter, ids["Stays Sourced"], "screening")).status_code == 200
    moved = (
        await client.get(f"/api/v1/applications/{ids['Stays Sourced']}", headers=recruiter.headers)
    ).json()
    assert moved["time_in_stage_seconds"] < 120


async def test_screening_notes_and_assessment(client: httpx.AsyncClient, tenant: Tenant) -> None:
    recruiter, hm, role_id = await _setup(client, tenant)
    candidate = await make_candidate(client, recruiter, "Assessed")
    aid = (await apply(client, recruiter, candidate["id"], role_id))["id"]
    url = f"/api/v1/applications/{aid}"

    response = await client.patch(
        url,
        headers={**recruiter.headers, "If-Match": '"1"'},
        json={
            "screening_notes": "Built a Kafka pipeline at Acme",
            "recruiter_assessment": "Strong fit; weak on Airflow",
            "recruiter_rating": 4,
        },
    )
    assert response.status_code == 200, response.text
    assert response.headers["etag"] == '"2"'
    body = response.json()
    assert body["screening_notes"] == "Built a Kafka pipeline at Acme"
    assert body["recruiter_assessment"] == "Strong fit; weak on Airflow"
    assert body["recruiter_rating"] == 4

    stale = await client.patch(
        url, headers={**recruiter.headers, "If-Match": '"1"'}, json={"recruiter_rating": 1}
    )
    assert stale.status_code == 412
    out_of_range = await client.patch(url, headers=recruiter.headers, json={"recruiter_rating": 6})
    assert out_of_range.status_code == 422
    by_hm = await client.patch(url, headers=hm.headers, json={"recruiter_rating": 1})
    assert by_hm.status_code == 403
    current = (await client.get(url, headers=hm.headers)).json()
    assert (current["recruiter_rating"], current["version"]) == (4, 2)
    assert current["stage"] == "sourced"  # notes do not move the application

    events = await events_of(client, tenant.admin, "application.updated")
    assert [e["resource_id"] for e in events] == [aid]
    assert set(events[0]["data"]["changed"]) == {
        "screening_notes",
        "recruiter_assessment",
        "recruiter_rating",
    }


async def test_hiring_managers_see_and_move_only_their_roles_applications(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    recruiter, hm, role_id = await _setup(client, tenant)
    other_hm = await tenant.add("hiring_manager")
    interviewer = await tenant.add("interviewer")
    other_role = await make_role(client, recruiter, other_hm, title="Not Yours")
    candidate = await make_candidate(client, recruiter, "Visible To HM")
    mine = (await apply(client, recruiter, candidate["id"], role_id))["id"]
    theirs = (await apply(client, recruiter, candidate["id"], other_role))["id"]

    assert (await client.get(f"/api/v1/applications/{mine}", headers=hm.headers)).status_code == 200
    assert (
        await client.get(f"/api/v1/applications/{theirs}", headers=hm.headers)
    ).status_code == 404
    assert (
        await client.get(f"/api/v1/applications/{theirs}/history", headers=hm.headers)
    ).status_code == 404
    blocked = await move(client, hm, theirs, "screening")
    assert blocked.status_code == 404
    listed = await client.get(
        f"/api/v1/candidates/{candidate['id']}/applications", headers=hm.headers
    )
    assert [a["id"] for a in listed.json()["items"]] == [mine]
    assert (
        await client.get(f"/api/v1/roles/{other_role}/applications", headers=hm.headers)
    ).status_code == 404

    assert (await move(client, hm, mine, "screening", reason="HM moved it")).status_code == 200
    assert (
        await client.get(f"/api/v1/applications/{mine}", headers=interviewer.headers)
    ).status_code == 403
    assert (await move(client, interviewer, mine, "submitted")).status_code == 403
    for outsider in (other_tenant.admin, await other_tenant.add("recruiter")):
        assert (
            await client.get(f"/api/v1/applications/{mine}", headers=outsider.headers)
        ).status_code == 404
        assert (await move(client, outsider, mine, "submitted")).status_code == 404
        role_list = await client.get(
            f"/api/v1/roles/{role_id}/applications", headers=outsider.headers
        )
        assert role_list.status_code == 404
    theirs_now = (
        await client.get(f"/api/v1/applications/{theirs}", headers=recruiter.headers)
    ).json()
    assert theirs_now["stage"] == "sourced"
    history = await _history(client, recruiter, mine)
    assert [h["actor_member_id"] for h in history] == [str(recruiter.id), str(hm.id)]
