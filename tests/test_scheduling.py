"""Suggestions and scheduling through the API: who, when (in everyone's local time) and why;
what blocked it when nothing fits; a schedule that re-checks availability in its transaction,
answers 409 when someone became busy, and lets exactly one of two racing schedulers win."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from app.db import Database
from tests.conftest import Person, Tenant
from tests.helpers_interviews import (
    API,
    Hiring,
    add_busy,
    another_candidate,
    at,
    book,
    error_fields,
    events_of,
    interviewing_application,
    local_at,
    monday,
    now,
    ok,
    problem,
    schedule,
    slot,
    slots_of,
    stage,
    suggest,
)
from tests.helpers_pipeline import apply, make_candidate, move

NY = "America/New_York"
BERLIN = "Europe/Berlin"
KOLKATA = "Asia/Kolkata"
ALL_WEEK = {d: [{"start": "09:00", "end": "17:00"}] for d in ("mon", "tue", "wed", "thu", "fri")}


def _inside_local_day(moment_start: datetime, moment_end: datetime, zone: str) -> bool:
    start = moment_start.astimezone(ZoneInfo(zone))
    end = moment_end.astimezone(ZoneInfo(zone))
    return (
        start.weekday() < 5
        and start.date() == end.date()
        and (start.hour, start.minute) >= (9, 0)
        and (end.hour, end.minute) <= (17, 0)
    )


async def _ids_of_interviews(client: httpx.AsyncClient, who: Person, app_id: str) -> list[str]:
    page = ok(
        await client.get(
            f"{API}/interviews", headers=who.headers, params={"application_id": app_id}
        )
    )
    return [i["id"] for i in page["items"]]


# ---------------------------------------------------------------------------------------------
# Suggestions


async def test_suggestions_say_who_when_in_local_time_and_why(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    hiring = await interviewing_application(client, tenant, candidate_time_zone=KOLKATA)
    ivan = await tenant.add("interviewer", "Ivan", time_zone=NY)
    bea = await tenant.add("interviewer", "Bea", time_zone=BERLIN)
    tue = monday() + timedelta(days=1)
    found = ok(
        await suggest(
            client,
            hiring.recruiter,
            hiring.app_id,
            [stage("technical", 60, [ivan, bea], required=2)],
            tue,
            tue + timedelta(days=1),
        )
    )
    assert found["blocked_by"] == []
    assert found["suggestions"]
    assert [s["rank"] for s in found["suggestions"]] == list(
        range(1, len(found["suggestions"]) + 1)
    )
    scores = [s["score"] for s in found["suggestions"]]
    assert scores == sorted(scores, reverse=True)
    overlap_start = max(local_at(tue, "09:00", NY), local_at(tue, "09:00", BERLIN))
    overlap_end = min(local_at(tue, "17:00", NY), local_at(tue, "17:00", BERLIN))
    for s in found["suggestions"]:
        start, end = at(s["start_at"]), at(s["end_at"])
        assert overlap_start <= start
        assert end <= overlap_end
        assert end - start == timedelta(minutes=60)
        assert s["candidate_time_zone"] == KOLKATA
        assert at(s["candidate_local_start"]) == start
        assert s["candidate_local_start"].endswith("+05:30")
        (only,) = s["stages"]
        assert only["name"] == "technical"
        people = {i["member_id"]: i for i in only["interviewers"]}
        assert set(people) == {str(ivan.id), str(bea.id)}
        for member, zone in ((ivan, NY), (bea, BERLIN)):
            shown = people[str(member.id)]
            assert shown["time_zone"] == zone
            assert shown["name"] == member.member.name
            assert at(shown["local_start"]) == start
            expected = start.astimezone(ZoneInfo(zone)).isoformat()
            assert shown["local_start"][:19] == expected[:19]
            assert shown["local_start"].endswith(expected[-6:])
        assert any(r.startswith("interviews already that week: ") for r in s["reasons"])
        assert any(
            f"for the candidate ({KOLKATA})" in r or "outside the candidate" in r
            for r in s["reasons"]
        )


async def test_three_stage_panel_across_zones_honours_pools_required_counts_and_hours(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    hiring = await interviewing_application(client, tenant)
    hugo = hiring.hm  # Berlin
    tom = await tenant.add("interviewer", "Tom", time_zone=BERLIN)
    tara = await tenant.add("interviewer", "Tara", time_zone=KOLKATA)
    ted = await tenant.add("interviewer", "Ted", time_zone=NY)
    cleo = await tenant.add("interviewer", "Cleo", time_zone=BERLIN)
    zones = {str(hugo.id): BERLIN, str(tom.id): BERLIN, str(tara.id): KOLKATA}
    zones |= {str(ted.id): NY, str(cleo.id): BERLIN}
    mon = monday()
    stages = [
        stage("hiring manager", 30, [hugo]),
        stage("technical", 60, [tom, tara, ted], required=2),
        stage("culture", 45, [cleo, tara]),
    ]
    found = ok(
        await suggest(
            client,
            hiring.recruiter,
            hiring.app_id,
            stages,
            mon,
            mon + timedelta(days=3),
            max_gap_minutes=30,
            buffer_before_minutes=5,
            buffer_after_minutes=5,
        )
    )
    assert found["suggestions"], found["blocked_by"]
    assert found["considered"] >= len(found["suggestions"])
    for s in found["suggestions"]:
        assert [p["name"] for p in s["stages"]] == ["hiring manager", "technical", "culture"]
        hm_stage, tech, culture = s["stages"]
        assert [i["member_id"] for i in hm_stage["interviewers"]] == [str(hugo.id)]
        assert len({i["member_id"] for i in tech["interviewers"]}) == 2
        assert {i["member_id"] for i in tech["interviewers"]} <= {
            str(tom.id),
            str(tara.id),
            str(ted.id),
        }
        assert len(culture["interviewers"]) == 1
        assert culture["interviewers"][0]["member_id"] in {str(cleo.id), str(tara.id)}
        durations = [at(p["end_at"]) - at(p["start_at"]) for p in s["stages"]]
        assert durations == [timedelta(minutes=m) for m in (30, 60, 45)]
        for a, b in zip(s["stages"], s["stages"][1:], strict=False):
            gap = at(b["start_at"]) - at(a["end_at"])
            assert timedelta(0) <= gap <= timedelta(minutes=30)
        for p in s["stages"]:
            for i in p["interviewers"]:
                assert _inside_local_day(at(p["start_at"]), at(p["end_at"]), zones[i["member_id"]])
        assert at(s["start_at"]) == at(hm_stage["start_at"])
        assert at(s["end_at"]) == at(culture["end_at"])
    # Tara (Kolkata) sits in two pools: she is never put in two stages that overlap.
    for s in found["suggestions"]:
        seen: list[tuple[datetime, datetime, str]] = []
        for p in s["stages"]:
            for i in p["interviewers"]:
                for a, b, who in seen:
                    if who == i["member_id"]:
                        assert at(p["start_at"]) >= b or at(p["end_at"]) <= a
                seen.append((at(p["start_at"]), at(p["end_at"]), i["member_id"]))
    # The best suggestion can be booked as it is.
    created = ok(
        await schedule(client, hiring.recruiter, hiring.app_id, slots_of(found["suggestions"][0])),
        201,
    )
    assert [i["kind"] for i in created] == ["hiring manager", "technical", "culture"]


async def test_an_existing_interview_blocks_the_time_until_it_is_cancelled(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    first = await interviewing_application(client, tenant)
    second = await another_candidate(client, tenant, first, "Bob Ray")
    ivan = await tenant.add(
        "interviewer",
        "Ivan",
        time_zone=NY,
        working_hours={"tue": [{"start": "10:00", "end": "11:00"}]},
    )
    tue = monday() + timedelta(days=1)
    ten = local_at(tue, "10:00", NY)

    async def offered() -> dict[str, Any]:
        body: dict[str, Any] = ok(
            await suggest(
                client,
                first.recruiter,
                second.app_id,
                [stage("technical", 60, [ivan])],
                tue - timedelta(days=1),
                tue + timedelta(days=2),
            )
        )
        return body

    assert [at(s["start_at"]) for s in (await offered())["suggestions"]] == [ten]
    interview = await book(client, first.recruiter, first.app_id, ten, [ivan])
    taken = await offered()
    assert taken["suggestions"] == []
    assert any("Ivan is busy whenever they work in the range" in r for r in taken["blocked_by"])
    ok(
        await client.post(
            f"{API}/interviews/{interview['id']}/cancel",
            headers=first.recruiter.headers,
            json={"reason": "candidate withdrew"},
        )
    )
    assert [at(s["start_at"]) for s in (await offered())["suggestions"]] == [ten]


async def test_member_at_their_day_cap_is_not_proposed_that_local_day(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    first = await interviewing_application(client, tenant)
    second = await another_candidate(client, tenant, first, "Bob Ray")
    ivan = await tenant.add("interviewer", "Ivan", time_zone=NY, max_interviews_per_day=1)
    tue = monday() + timedelta(days=1)
    await book(client, first.recruiter, first.app_id, local_at(tue, "09:00", NY), [ivan])
    found = ok(
        await suggest(
            client,
            first.recruiter,
            second.app_id,
            [stage("technical", 60, [ivan])],
            tue - timedelta(hours=12),
            tue + timedelta(days=2),
            limit=50,
        )
    )
    days = {at(s["start_at"]).astimezone(ZoneInfo(NY)).date() for s in found["suggestions"]}
    assert tue.date() not in days
    assert (tue + timedelta(days=1)).date() in days
    only_that_day = ok(
        await suggest(
            client,
            first.recruiter,
            second.app_id,
            [stage("technical", 60, [ivan])],
            local_at(tue, "00:00", NY),
            local_at(tue, "23:00", NY),
        )
    )
    assert only_that_day["suggestions"] == []
    assert any("Ivan is at their interview cap" in r for r in only_that_day["blocked_by"])


async def test_member_at_their_week_cap_is_not_proposed_that_week(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    first = await interviewing_application(client, tenant)
    second = await another_candidate(client, tenant, first, "Bob Ray")
    ivan = await tenant.add("interviewer", "Ivan", max_interviews_per_week=2)
    mon = monday()
    for day in (0, 1):
        await book(
            client, first.recruiter, first.app_id, mon + timedelta(days=day, hours=10), [ivan]
        )
    found = ok(
        await suggest(
            client,
            first.recruiter,
            second.app_id,
            [stage("technical", 60, [ivan])],
            mon + timedelta(days=2),
            mon + timedelta(days=9),
            limit=50,
        )
    )
    assert found["suggestions"]
    assert all(at(s["start_at"]) >= mon + timedelta(days=7) for s in found["suggestions"])


async def test_nothing_inside_the_default_notice_period(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    hiring = await interviewing_application(client, tenant)
    always = {
        d: [{"start": "00:00", "end": "23:45"}]
        for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    }
    ivan = await tenant.add("interviewer", "Ivan", working_hours=always)
    start = now()
    soon = ok(
        await suggest(
            client,
            hiring.recruiter,
            hiring.app_id,
            [stage("technical", 60, [ivan])],
            start,
            start + timedelta(hours=20),
        )
    )
    assert soon["suggestions"] == []
    assert any("notice" in r for r in soon["blocked_by"])
    later = ok(
        await suggest(
            client,
            hiring.recruiter,
            hiring.app_id,
            [stage("technical", 60, [ivan])],
            start,
            start + timedelta(days=3),
            limit=50,
        )
    )
    assert later["suggestions"]
    assert min(at(s["start_at"]) for s in later["suggestions"]) >= start + timedelta(hours=24)
    # A shorter notice, asked for explicitly, opens the earlier hours.
    short = ok(
        await suggest(
            client,
            hiring.recruiter,
            hiring.app_id,
            [stage("technical", 60, [ivan])],
            start,
            start + timedelta(hours=20),
            min_notice_hours=2,
        )
    )
    assert short["suggestions"]
    assert min(at(s["start_at"]) for s in short["suggestions"]) >= start + timedelta(hours=2)


async def test_suggestion_input_is_checked(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    hiring = await interviewing_application(client, tenant)
    ivan = await tenant.add("interviewer", "Ivan")
    bea = await tenant.add("interviewer", "Bea")
    stranger = await other_tenant.add("interviewer", "Stranger")
    mon = monday()
    week = (mon, mon + timedelta(days=7))

    async def refused(stages: list[dict[str, Any]], *span: datetime, **extra: Any) -> set[str]:
        response = await suggest(
            client, hiring.recruiter, hiring.app_id, stages, *(span or week), **extra
        )
        return error_fields(problem(response, 422))

    # A panel asking more interviewers than its pool has (also when the pool repeats someone).
    fields = await refused([stage("technical", 60, [ivan, bea], required=3)])
    assert any(f.startswith("stages.0") for f in fields)
    fields = await refused(
        [stage("hm", 30, [ivan]), stage("technical", 60, [bea, bea], required=2)]
    )
    assert any(f.startswith("stages.1") for f in fields)
    assert await refused([stage("t", 60, [ivan])], mon + timedelta(days=1), mon)
    assert await refused([stage("t", 60, [ivan])], mon, mon + timedelta(days=91))
    naive = await client.post(
        f"{API}/scheduling/suggestions",
        headers=hiring.recruiter.headers,
        json={
            "application_id": hiring.app_id,
            "stages": [stage("t", 60, [ivan])],
            "date_from": "2026-12-07T00:00:00",
            "date_to": "2026-12-09T00:00:00",
        },
    )
    assert {"date_from", "date_to"} <= error_fields(problem(naive, 422))
    for unknown in (str(uuid.uuid4()), str(stranger.id)):
        bad_stage = {"name": "t", "duration_minutes": 60, "interviewer_ids": [unknown]}
        assert "stages.0.interviewer_ids" in await refused([bad_stage])
    assert await refused([stage("t", 5, [ivan])])  # too short to be an interview
    assert await refused([])
    assert await refused([stage("t", 60, [ivan])], colour="blue")


async def test_only_schedulers_ask_for_suggestions_in_their_own_organization(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    hiring = await interviewing_application(client, tenant)
    ivan = await tenant.add("interviewer", "Ivan")
    mon = monday()
    args = ([stage("t", 60, [ivan])], mon, mon + timedelta(days=2))
    problem(await suggest(client, ivan, hiring.app_id, *args), 403)
    ok(await suggest(client, hiring.hm, hiring.app_id, *args))
    outsider = await other_tenant.add("recruiter")
    problem(await suggest(client, outsider, hiring.app_id, *args), 404)


# ---------------------------------------------------------------------------------------------
# Scheduling


async def test_schedule_from_a_suggestion(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    hiring = await interviewing_application(client, tenant, candidate_time_zone=KOLKATA)
    ivan = await tenant.add("interviewer", "Ivan", time_zone=NY)
    mon = monday()
    found = ok(
        await suggest(
            client,
            hiring.recruiter,
            hiring.app_id,
            [stage("hiring manager", 30, [hiring.hm]), stage("technical", 60, [ivan])],
            mon,
            mon + timedelta(days=5),
        )
    )
    best = found["suggestions"][0]
    created = ok(
        await schedule(
            client,
            hiring.recruiter,
            hiring.app_id,
            slots_of(best),
            video_url="https://meet.example/xyz",
            location="Room 4",
        ),
        201,
    )
    assert [i["kind"] for i in created] == ["hiring manager", "technical"]
    for interview, planned in zip(created, best["stages"], strict=True):
        assert interview["application_id"] == hiring.app_id
        assert interview["role_id"] == hiring.role_id
        assert interview["status"] == "scheduled"
        assert interview["ical_sequence"] == 0
        assert interview["ical_uid"].startswith(interview["id"])
        assert interview["time_zone"] == KOLKATA  # the candidate's, by default
        assert interview["organizer_id"] == str(hiring.recruiter.id)
        assert interview["video_url"] == "https://meet.example/xyz"
        assert interview["location"] == "Room 4"
        assert at(interview["start_at"]) == at(planned["start_at"])
        assert at(interview["end_at"]) == at(planned["end_at"])
        assert [(p["member_id"], p["response"]) for p in interview["interviewers"]] == [
            (i["member_id"], "needs_action") for i in planned["interviewers"]
        ]
    listed = await _ids_of_interviews(client, hiring.recruiter, hiring.app_id)
    assert sorted(listed) == sorted(i["id"] for i in created)
    scheduled = await events_of(db, tenant.organization_id, "interview.scheduled")
    assert [e["data"]["interview_id"] for e in scheduled] == [i["id"] for i in created]
    assert scheduled[1]["data"]["interviewer_ids"] == [str(ivan.id)]
    assert scheduled[1]["data"]["application_id"] == hiring.app_id
    assert {e["actor_member_id"] for e in scheduled} == {hiring.recruiter.id}
    # Chosen time zone for the invitations, when given, wins over the candidate's.
    other = await another_candidate(client, tenant, hiring, "Bob Ray")
    chosen = await book(
        client,
        hiring.recruiter,
        other.app_id,
        mon + timedelta(days=3, hours=15),
        [ivan],
        time_zone="Europe/Lisbon",
    )
    assert chosen["time_zone"] == "Europe/Lisbon"


async def test_busy_time_added_after_the_suggestion_is_a_409(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    hiring = await interviewing_application(client, tenant)
    ivan = await tenant.add("interviewer", "Ivan", time_zone=NY)
    mon = monday()
    found = ok(
        await suggest(
            client,
            hiring.recruiter,
            hiring.app_id,
            [stage("technical", 60, [ivan])],
            mon,
            mon + timedelta(days=2),
        )
    )
    best = found["suggestions"][0]
    start, end = at(best["start_at"]), at(best["end_at"])
    # Ivan's calendar sync brings in a meeting overlapping the last quarter hour.
    ok(
        await add_busy(
            client,
            ivan,
            ivan,
            end - timedelta(minutes=15),
            end + timedelta(minutes=45),
            source="google",
            external_id="sync-1",
        ),
        201,
    )
    refused = problem(await schedule(client, hiring.recruiter, hiring.app_id, slots_of(best)), 409)
    assert "Ivan is busy then" in refused["detail"]
    assert refused["code"] == "conflict"
    assert await _ids_of_interviews(client, hiring.recruiter, hiring.app_id) == []
    # Once the meeting moves away, the same time can be booked.
    ok(
        await add_busy(
            client,
            ivan,
            ivan,
            end + timedelta(hours=3),
            end + timedelta(hours=4),
            source="google",
            external_id="sync-1",
        ),
        201,
    )
    created = ok(await schedule(client, hiring.recruiter, hiring.app_id, slots_of(best)), 201)
    assert at(created[0]["start_at"]) == start


async def test_someone_already_interviewing_then_is_a_409(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    first = await interviewing_application(client, tenant)
    second = await another_candidate(client, tenant, first, "Bob Ray")
    ivan = await tenant.add("interviewer", "Ivan")
    bea = await tenant.add("interviewer", "Bea")
    ten = monday() + timedelta(days=1, hours=10)
    await book(client, first.recruiter, first.app_id, ten, [ivan])
    clash = await schedule(
        client,
        first.recruiter,
        second.app_id,
        [slot("technical", ten + timedelta(minutes=30), 60, [bea, ivan])],
    )
    body = problem(clash, 409)
    assert "Ivan is already interviewing then" in body["detail"]
    assert "Bea" not in body["detail"]
    assert await _ids_of_interviews(client, first.recruiter, second.app_id) == []
    # Right after the first one ends is fine.
    ok(
        await schedule(
            client,
            first.recruiter,
            second.app_id,
            [slot("technical", ten + timedelta(hours=1), 60, [bea, ivan])],
        ),
        201,
    )


async def test_a_panel_with_one_clashing_stage_creates_nothing(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    hiring = await interviewing_application(client, tenant)
    ivan = await tenant.add("interviewer", "Ivan")
    bea = await tenant.add("interviewer", "Bea")
    ten = monday() + timedelta(days=1, hours=10)
    ok(await add_busy(client, ivan, ivan, ten + timedelta(hours=1), ten + timedelta(hours=2)), 201)
    refused = await schedule(
        client,
        hiring.recruiter,
        hiring.app_id,
        [slot("culture", ten, 60, [bea]), slot("technical", ten + timedelta(hours=1), 60, [ivan])],
    )
    body = problem(refused, 409)
    assert "Ivan" in body["detail"]
    assert await _ids_of_interviews(client, hiring.recruiter, hiring.app_id) == []


async def test_member_at_their_cap_is_a_409(client: httpx.AsyncClient, tenant: Tenant) -> None:
    first = await interviewing_application(client, tenant)
    second = await another_candidate(client, tenant, first, "Bob Ray")
    ivan = await tenant.add(
        "interviewer", "Ivan", time_zone=NY, max_interviews_per_day=1, max_interviews_per_week=2
    )
    mon = monday()
    tue = mon + timedelta(days=1)
    await book(client, first.recruiter, first.app_id, local_at(tue, "09:00", NY), [ivan])
    day_cap = problem(
        await schedule(
            client,
            first.recruiter,
            second.app_id,
            [slot("technical", local_at(tue, "15:00", NY), 60, [ivan])],
        ),
        409,
    )
    assert "Ivan is at their cap of 1 interviews that day" in day_cap["detail"]
    await book(
        client,
        first.recruiter,
        second.app_id,
        local_at(tue + timedelta(days=1), "09:00", NY),
        [ivan],
    )
    week_cap = problem(
        await schedule(
            client,
            first.recruiter,
            second.app_id,
            [slot("technical", local_at(tue + timedelta(days=2), "09:00", NY), 60, [ivan])],
        ),
        409,
    )
    assert "Ivan is at their cap of 2 interviews that week" in week_cap["detail"]
    # The next week is free again.
    await book(
        client,
        first.recruiter,
        second.app_id,
        local_at(tue + timedelta(days=7), "09:00", NY),
        [ivan],
    )


async def test_two_schedulers_racing_for_one_slot_exactly_one_wins(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    first = await interviewing_application(client, tenant)
    second = await another_candidate(client, tenant, first, "Bob Ray")
    other_recruiter = await tenant.add("recruiter", "Rolf")
    ivan = await tenant.add("interviewer", "Ivan")
    mon = monday()
    # The same application twice, then another candidate by another recruiter at a
    # half-overlapping time.
    for round_, (rival, rival_app, offset) in enumerate(
        (
            (first.recruiter, first.app_id, 0),
            (other_recruiter, second.app_id, 30),
            (other_recruiter, second.app_id, 30),
        )
    ):
        start = mon + timedelta(days=round_, hours=10)
        one, two = await asyncio.gather(
            schedule(client, first.recruiter, first.app_id, [slot("technical", start, 60, [ivan])]),
            schedule(
                client,
                rival,
                rival_app,
                [slot("technical", start + timedelta(minutes=offset), 60, [ivan])],
            ),
        )
        assert sorted([one.status_code, two.status_code]) == [201, 409], (one.text, two.text)
    ivan_interviews = ok(
        await client.get(
            f"{API}/interviews", headers=first.recruiter.headers, params={"member_id": str(ivan.id)}
        )
    )
    intervals = sorted((at(i["start_at"]), at(i["end_at"])) for i in ivan_interviews["items"])
    assert len(intervals) == 3
    for (_, end), (start, _) in itertools.pairwise(intervals):
        assert end <= start


async def test_racing_for_the_last_interview_under_a_cap_exactly_one_wins(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    first = await interviewing_application(client, tenant)
    second = await another_candidate(client, tenant, first, "Bob Ray")
    ivan = await tenant.add("interviewer", "Ivan", max_interviews_per_day=1)
    tue = monday() + timedelta(days=1)
    one, two = await asyncio.gather(
        schedule(
            client, first.recruiter, first.app_id, [slot("a", tue + timedelta(hours=9), 60, [ivan])]
        ),
        schedule(
            client,
            first.recruiter,
            second.app_id,
            [slot("b", tue + timedelta(hours=14), 60, [ivan])],
        ),
    )
    assert sorted([one.status_code, two.status_code]) == [201, 409], (one.text, two.text)
    loser = one if one.status_code == 409 else two
    assert "cap" in loser.json()["detail"]


async def test_only_applications_at_interviewing_or_decision_are_scheduled(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    hiring = await interviewing_application(client, tenant)
    ivan = await tenant.add("interviewer", "Ivan")
    start = monday() + timedelta(days=1, hours=10)
    candidate = await make_candidate(client, hiring.recruiter, "Early Bird")
    early = await apply(client, hiring.recruiter, candidate["id"], hiring.role_id)
    body = problem(
        await schedule(client, hiring.recruiter, early["id"], [slot("t", start, 60, [ivan])]), 409
    )
    assert "sourced" in body["detail"]
    # At decision, another round is fine.
    ok(await move(client, hiring.hm, hiring.app_id, "decision"))
    await book(client, hiring.recruiter, hiring.app_id, start, [ivan])
    # A rejected application is not interviewed.
    rejected = await another_candidate(client, tenant, hiring, "No Thanks")
    ok(await move(client, hiring.recruiter, rejected.app_id, action="reject"))
    body = problem(
        await schedule(
            client,
            hiring.recruiter,
            rejected.app_id,
            [slot("t", start + timedelta(days=1), 60, [ivan])],
        ),
        409,
    )
    assert "rejected" in body["detail"]


async def test_schedule_input_is_checked(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    hiring = await interviewing_application(client, tenant)
    ivan = await tenant.add("interviewer", "Ivan")
    bea = await tenant.add("interviewer", "Bea")
    stranger = await other_tenant.add("interviewer", "Stranger")
    start = monday() + timedelta(days=1, hours=10)

    async def fields_of(slots: list[dict[str, Any]], **extra: Any) -> set[str]:
        response = await schedule(client, hiring.recruiter, hiring.app_id, slots, **extra)
        return error_fields(problem(response, 422))

    past = now() - timedelta(hours=2)
    assert "interviews.0.start_at" in await fields_of([slot("t", past, 60, [ivan])])
    backwards = slot("t", start, 60, [ivan])
    backwards["end_at"], backwards["start_at"] = backwards["start_at"], backwards["end_at"]
    assert any(f.startswith("interviews.0") for f in await fields_of([backwards]))
    naive = slot("t", start, 60, [ivan])
    naive["start_at"] = "2026-12-08T10:00:00"
    assert "interviews.0.start_at" in await fields_of([naive])
    assert "interviews" in await fields_of(
        [slot("a", start, 60, [ivan]), slot("b", start + timedelta(minutes=30), 60, [bea])]
    )
    assert any(
        f.startswith("interviews.0") for f in await fields_of([slot("t", start, 60, [ivan, ivan])])
    )
    assert "interviews.0.interviewer_ids" in await fields_of([slot("t", start, 60, [stranger])])
    assert "time_zone" in await fields_of([slot("t", start, 60, [ivan])], time_zone="Moon/Base")
    assert "status" in await fields_of([slot("t", start, 60, [ivan])], status="completed")
    assert await _ids_of_interviews(client, hiring.recruiter, hiring.app_id) == []


async def test_interviewers_do_not_schedule(client: httpx.AsyncClient, tenant: Tenant) -> None:
    hiring = await interviewing_application(client, tenant)
    ivan = await tenant.add("interviewer", "Ivan")
    start = monday() + timedelta(days=1, hours=10)
    problem(await schedule(client, ivan, hiring.app_id, [slot("t", start, 60, [ivan])]), 403)
    # The hiring manager of the role may.
    created = await book(client, hiring.hm, hiring.app_id, start, [ivan])
    assert created["organizer_id"] == str(hiring.hm.id)


async def test_schedule_reschedule_and_cancel_record_events(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    hiring = await interviewing_application(client, tenant)
    ivan = await tenant.add("interviewer", "Ivan")
    start = monday() + timedelta(days=1, hours=10)
    interview = await book(client, hiring.recruiter, hiring.app_id, start, [ivan])
    moved_to = start + timedelta(days=1)
    ok(
        await client.post(
            f"{API}/interviews/{interview['id']}/reschedule",
            headers=hiring.recruiter.headers,
            json={
                "start_at": moved_to.isoformat(),
                "end_at": (moved_to + timedelta(hours=1)).isoformat(),
                "reason": "Ivan is travelling",
            },
        )
    )
    ok(
        await client.post(
            f"{API}/interviews/{interview['id']}/cancel",
            headers=hiring.recruiter.headers,
            json={"reason": "Role paused"},
        )
    )
    found = await events_of(
        db,
        tenant.organization_id,
        "interview.scheduled",
        "interview.rescheduled",
        "interview.cancelled",
    )
    assert [e["type"] for e in found] == [
        "interview.scheduled",
        "interview.rescheduled",
        "interview.cancelled",
    ]
    assert {str(e["resource_id"]) for e in found} == {interview["id"]}
    assert {e["data"]["application_id"] for e in found} == {hiring.app_id}
    scheduled, rescheduled, cancelled = (e["data"] for e in found)
    assert at(scheduled["start_at"]) == start
    assert at(rescheduled["previous_start_at"]) == start
    assert at(rescheduled["start_at"]) == moved_to
    assert rescheduled["reason"] == "Ivan is travelling"
    assert cancelled["reason"] == "Role paused"
    # A refused schedule records nothing.
    problem(
        await schedule(
            client,
            hiring.recruiter,
            hiring.app_id,
            [slot("t", now() - timedelta(hours=1), 60, [ivan])],
        ),
        422,
    )
    assert len(await events_of(db, tenant.organization_id, "interview.scheduled")) == 1


async def test_interviews_of_another_organization_are_not_found(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    hiring = await interviewing_application(client, tenant)
    ivan = await tenant.add("interviewer", "Ivan")
    interview = await book(
        client, hiring.recruiter, hiring.app_id, monday() + timedelta(hours=34), [ivan]
    )
    outsider = await other_tenant.add("recruiter")
    problem(await client.get(f"{API}/interviews/{interview['id']}", headers=outsider.headers), 404)
    problem(
        await client.post(
            f"{API}/interviews/{interview['id']}/cancel",
            headers=outsider.headers,
            json={"reason": "mine now"},
        ),
        404,
    )
    problem(
        await schedule(
            client, outsider, hiring.app_id, [slot("t", monday() + timedelta(hours=40), 60, [ivan])]
        ),
        404,
    )
    mine: Hiring = hiring
    still = ok(
        await client.get(f"{API}/interviews/{interview['id']}", headers=mine.recruiter.headers)
    )
    assert still["status"] == "scheduled"


async def test_the_candidate_s_time_zone_comes_from_their_windows_then_their_record(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    hiring = await interviewing_application(client, tenant)  # no time zone on record
    ivan = await tenant.add("interviewer", "Ivan")
    tue = monday() + timedelta(days=1)
    plain = await book(client, hiring.recruiter, hiring.app_id, tue + timedelta(hours=9), [ivan])
    assert plain["time_zone"] == "UTC"
    ok(
        await client.put(
            f"{API}/applications/{hiring.app_id}/candidate-windows",
            headers=hiring.recruiter.headers,
            json={
                "time_zone": KOLKATA,
                "windows": [
                    {
                        "start_at": (tue + timedelta(hours=11)).isoformat(),
                        "end_at": (tue + timedelta(hours=14)).isoformat(),
                    }
                ],
            },
        )
    )
    found = ok(
        await suggest(
            client,
            hiring.recruiter,
            hiring.app_id,
            [stage("technical", 60, [ivan])],
            tue,
            tue + timedelta(days=1),
        )
    )
    assert found["suggestions"]
    assert {s["candidate_time_zone"] for s in found["suggestions"]} == {KOLKATA}
    assert all(
        tue + timedelta(hours=11) <= at(s["start_at"])
        and at(s["end_at"]) <= tue + timedelta(hours=14)
        for s in found["suggestions"]
    )
    created = ok(
        await schedule(client, hiring.recruiter, hiring.app_id, slots_of(found["suggestions"][0])),
        201,
    )
    assert created[0]["time_zone"] == KOLKATA


async def test_a_suggested_panel_can_be_booked_under_the_interviewer_s_caps(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    # Ivan has room for one interview a week; a panel that needs him for two stages either is
    # not suggested (and the answer says why) or, if suggested, must be bookable.
    hiring = await interviewing_application(client, tenant)
    ivan = await tenant.add("interviewer", "Ivan", max_interviews_per_week=1)
    mon = monday()
    found = ok(
        await suggest(
            client,
            hiring.recruiter,
            hiring.app_id,
            [stage("one", 30, [ivan]), stage("two", 30, [ivan])],
            mon,
            mon + timedelta(days=3),
        )
    )
    if found["suggestions"]:
        booked = await schedule(
            client, hiring.recruiter, hiring.app_id, slots_of(found["suggestions"][0])
        )
        assert booked.status_code == 201, f"suggested, then refused: {booked.text}"
    else:
        assert found["blocked_by"]


async def test_a_booking_link_s_own_holds_can_be_left_out_of_the_busy_time(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    """Holds are busy time like any other (a booking link's held options block everyone
    else), except for the link that holds them: it passes its hold ids to be re-offered them."""
    from app.domain.interviews import scheduling
    from app.domain.interviews.schemas import SuggestionRequest

    hiring = await interviewing_application(client, tenant)
    ivan = await tenant.add("interviewer", "Ivan")
    tue = monday() + timedelta(days=1)
    hold_id = uuid.uuid4()
    async with db.transaction() as session:
        from sqlalchemy import text

        await session.execute(
            text(
                "INSERT INTO busy_blocks (id, organization_id, member_id, start_at, end_at, source,"
                " external_id, tentative, created_at) VALUES (:id, :org, :m, :s, :e, 'hold', :x,"
                " false, now())"
            ),
            {
                "id": uuid.uuid4(),
                "org": tenant.organization_id,
                "m": ivan.id,
                "s": tue,
                "e": tue + timedelta(days=1),
                "x": str(hold_id),
            },
        )
    request = SuggestionRequest.model_validate(
        {
            "application_id": hiring.app_id,
            "stages": [stage("technical", 60, [ivan])],
            "date_from": tue.isoformat(),
            "date_to": (tue + timedelta(days=1)).isoformat(),
        }
    )
    async with db.transaction() as session:
        held = await scheduling.suggest(session, hiring.recruiter.actor, request)
        own = await scheduling.suggest(
            session, hiring.recruiter.actor, request, ignore_hold_ids=[hold_id]
        )
        other = await scheduling.suggest(
            session, hiring.recruiter.actor, request, ignore_hold_ids=[uuid.uuid4()]
        )
    assert held.suggestions == []
    assert any("busy whenever they work" in r for r in held.blocked_by)
    assert other.suggestions == []
    assert own.suggestions
    assert all(tue <= s.start_at < tue + timedelta(days=1) for s in own.suggestions)
