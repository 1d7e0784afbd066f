"""Scorecards: who may write them, what they hold, drafts and amendments, independent judgement,
the feedback clock with its reminders, and the summary per application."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx

from app.db import Database
from app.domain.feedback import scorecards
from tests.conftest import Tenant, make_settings
from tests.helpers_feedback import (
    API,
    at,
    close_to,
    error_fields,
    events_of,
    hiring,
    interview_end,
    now,
    ok,
    problem,
    rows,
    set_interview,
    snapshot,
)

REASONS = "Designed a clean pipeline and explained the trade-offs"


async def test_only_the_interviews_interviewers_write_its_scorecard(
    client: httpx.AsyncClient, db: Database, tenant: Tenant, other_tenant: Tenant
) -> None:
    h = await hiring(client, db, tenant)
    ivan = await tenant.add("interviewer", "Ivan")
    olga = await tenant.add("interviewer", "Olga")
    other_hm = await tenant.add("hiring_manager", "Other HM")
    application_id = await h.application("Ann Lee")
    interview_id = await h.held(application_id, [ivan])
    stranger = await other_tenant.add("recruiter")
    before = await snapshot(db, tenant.organization_id)

    # Members who can see the interview but were not on it are refused.
    for who in (h.recruiter, h.hm, tenant.admin):
        problem(await h.write(interview_id, who, reasons=REASONS), 403)
        problem(await h.write(interview_id, who, submit=False), 403)
    # Members who cannot even see it are told it does not exist (or refused).
    for who in (olga, other_hm):
        assert (await h.write(interview_id, who)).status_code in (403, 404)
    problem(await h.write(interview_id, stranger), 404)
    assert await snapshot(db, tenant.organization_id) == before

    card = await h.submit(interview_id, ivan, reasons=REASONS)
    assert card["interviewer_id"] == str(ivan.id)
    assert card["interview_id"] == interview_id
    assert card["application_id"] == application_id
    assert card["status"] == "submitted"


async def test_a_cancelled_interview_takes_no_scorecard_and_a_future_one_no_submission(
    client: httpx.AsyncClient, db: Database, tenant: Tenant
) -> None:
    h = await hiring(client, db, tenant)
    ivan = await tenant.add("interviewer", "Ivan")
    application_id = await h.application("Ann Lee")
    cancelled = await h.schedule(application_id, [ivan])
    ok(
        await client.post(
            f"{API}/interviews/{cancelled}/cancel",
            headers=h.recruiter.headers,
            json={"reason": "The candidate asked to move it"},
        )
    )
    before = await snapshot(db, tenant.organization_id)
    assert "cancelled" in problem(await h.write(cancelled, ivan), 409)["detail"]
    problem(await h.write(cancelled, ivan, submit=False), 409)
    assert await snapshot(db, tenant.organization_id) == before

    upcoming = await h.schedule(application_id, [ivan])
    before = await snapshot(db, tenant.organization_id)
    problem(await h.write(upcoming, ivan), 409)
    assert await snapshot(db, tenant.organization_id) == before
    # Notes taken before the interview are a draft, which is fine.
    draft = await h.submit(upcoming, ivan, submit=False, reasons="Prepared questions")
    assert draft["status"] == "draft"


async def test_ratings_are_per_skill_of_the_agreed_intake(
    client: httpx.AsyncClient, db: Database, tenant: Tenant
) -> None:
    h = await hiring(client, db, tenant)
    ivan = await tenant.add("interviewer", "Ivan")
    application_id = await h.application("Ann Lee")
    interview_id = await h.held(application_id, [ivan])
    before = await snapshot(db, tenant.organization_id)

    unknown = problem(
        await h.write(interview_id, ivan, ratings={"SQL": "yes", "Cobol": "strong_yes"}), 422
    )
    assert "Cobol" in unknown["detail"]
    assert "SQL" not in unknown["detail"]
    assert error_fields(unknown) == {"ratings.Cobol"}
    problem(await h.write(interview_id, ivan, submit=False, ratings={"Rust": "no"}), 422)
    bad_value = problem(await h.write(interview_id, ivan, ratings={"SQL": "great"}), 422)
    assert any("SQL" in f for f in error_fields(bad_value)), bad_value
    assert await snapshot(db, tenant.organization_id) == before

    # Case-insensitive names, stored as the intake spells them; null means not assessed.
    card = await h.submit(
        interview_id,
        ivan,
        reasons=REASONS,
        ratings={"sql": "strong_yes", "AIRFLOW": "mixed", "kafka": None},
    )
    assert card["ratings"] == {"SQL": "strong_yes", "Airflow": "mixed", "Kafka": None}
    stored = await rows(
        db, "SELECT ratings FROM scorecard_revisions WHERE scorecard_id = :i", i=card["id"]
    )
    assert stored == [{"ratings": {"SQL": "strong_yes", "Airflow": "mixed", "Kafka": None}}]

    # A proposed (not yet agreed) revision does not change which skills count...
    proposal = ok(
        await client.post(
            f"{API}/roles/{h.role_id}/intake/revisions",
            headers=h.recruiter.headers,
            json={
                "content": {
                    "summary": "Streaming data engineer, now with Rust",
                    "skills": [
                        {"name": "SQL", "priority": "must"},
                        {"name": "Rust", "priority": "must"},
                    ],
                    "experience": {"min_years": 4},
                },
                "change_note": "We rewrote the ingest in Rust",
            },
        ),
        201,
    )
    problem(await h.write(interview_id, ivan, reasons=REASONS, ratings={"Rust": "yes"}), 422)
    # ...agreeing it does: Rust now counts and Airflow no longer does.
    for person in (h.recruiter, h.hm):
        ok(
            await client.post(
                f"{API}/roles/{h.role_id}/intake/revisions/{proposal['number']}/sign-off",
                headers=person.headers,
            )
        )
    amended = await h.submit(interview_id, ivan, reasons=REASONS, ratings={"rust": "yes"})
    assert amended["ratings"] == {"Rust": "yes"}
    refused = problem(
        await h.write(interview_id, ivan, reasons=REASONS, ratings={"Airflow": "yes"}), 422
    )
    assert error_fields(refused) == {"ratings.Airflow"}


async def test_a_recommendation_needs_written_reasons(
    client: httpx.AsyncClient, db: Database, tenant: Tenant
) -> None:
    h = await hiring(client, db, tenant)
    ivan = await tenant.add("interviewer", "Ivan")
    application_id = await h.application("Ann Lee")
    interview_id = await h.held(application_id, [ivan])
    before = await snapshot(db, tenant.organization_id)

    bare = problem(await h.write(interview_id, ivan, reasons=None), 422)
    assert "more than a yes or no" in bare["detail"] + str(bare.get("errors"))
    problem(await h.write(interview_id, ivan, reasons="   "), 422)
    problem(await h.write(interview_id, ivan, reasons=""), 422)
    problem(await h.write(interview_id, ivan, recommendation=None, reasons=REASONS), 422)
    problem(await h.write(interview_id, ivan, recommendation="maybe", reasons=REASONS), 422)
    assert await snapshot(db, tenant.organization_id) == before
    assert await events_of(db, tenant.organization_id, "feedback.submitted") == []

    for recommendation in ("strong_yes", "yes", "no", "definitely_not", "no_decision"):
        card = await h.submit(
            interview_id, ivan, recommendation=recommendation, reasons=f"Because {recommendation}"
        )
        assert card["recommendation"] == recommendation
        assert card["reasons"] == f"Because {recommendation}"


async def test_drafts_do_not_count_until_submitted(
    client: httpx.AsyncClient, db: Database, tenant: Tenant
) -> None:
    h = await hiring(client, db, tenant)
    ivan = await tenant.add("interviewer", "Ivan")
    application_id = await h.application("Ann Lee")
    interview_id = await h.held(application_id, [ivan], hours_ago=30)

    first = await h.submit(
        interview_id, ivan, submit=False, recommendation="yes", ratings={"SQL": "yes"}
    )
    second = await h.submit(
        interview_id, ivan, submit=False, recommendation="no", reasons="Half-written thoughts"
    )
    assert second["id"] == first["id"]
    assert second["status"] == "draft"
    assert second["version"] > first["version"]
    assert second["submitted_at"] is None
    assert second["first_submitted_at"] is None
    assert second["revision"] == 0
    assert second["recommendation"] == "no"

    # The draft is Ivan's alone: the hiring manager sees no scorecard, the summary counts none
    # and still has Ivan overdue.
    assert [c["status"] for c in ok(await h.scorecards(interview_id, ivan))["items"]] == ["draft"]
    assert ok(await h.scorecards(interview_id, h.hm))["items"] == []
    summary = ok(await h.summary(application_id, h.hm))
    assert summary["scorecards"] == []
    assert sum(summary["recommendations"].values()) == 0
    assert summary["skills"] == []
    assert [o["interviewer_id"] for o in summary["overdue"]] == [str(ivan.id)]
    assert await events_of(db, tenant.organization_id, "feedback.submitted") == []
    history = ok(
        await client.get(
            f"{API}/interviews/{interview_id}/scorecards/{ivan.id}/revisions", headers=ivan.headers
        )
    )["items"]
    assert history == []

    card = await h.submit(
        interview_id, ivan, recommendation="yes", reasons=REASONS, ratings={"SQL": "yes"}
    )
    assert card["id"] == first["id"]
    assert card["status"] == "submitted"
    assert card["revision"] == 1
    assert close_to(card["submitted_at"], now())
    assert card["first_submitted_at"] == card["submitted_at"]
    summary = ok(await h.summary(application_id, h.hm))
    assert [c["id"] for c in summary["scorecards"]] == [card["id"]]
    assert summary["recommendations"]["yes"] == 1
    assert summary["overdue"] == []
    submitted = await events_of(db, tenant.organization_id, "feedback.submitted")
    assert len(submitted) == 1
    assert submitted[0]["data"]["interviewer_id"] == str(ivan.id)
    assert submitted[0]["data"]["application_id"] == application_id
    assert submitted[0]["data"]["recommendation"] == "yes"


async def test_amendments_keep_every_version(
    client: httpx.AsyncClient, db: Database, tenant: Tenant
) -> None:
    h = await hiring(client, db, tenant)
    ivan = await tenant.add("interviewer", "Ivan")
    application_id = await h.application("Ann Lee")
    interview_id = await h.held(application_id, [ivan])

    first = await h.submit(
        interview_id,
        ivan,
        recommendation="strong_yes",
        reasons="Excellent",
        ratings={"SQL": "strong_yes"},
    )
    second = await h.submit(
        interview_id,
        ivan,
        recommendation="yes",
        reasons="On reflection, good",
        ratings={"SQL": "yes"},
    )
    third = await h.submit(
        interview_id, ivan, recommendation="no", reasons="Checked the references"
    )
    assert [first["revision"], second["revision"], third["revision"]] == [1, 2, 3]
    assert third["first_submitted_at"] == first["first_submitted_at"]
    assert at(third["submitted_at"]) >= at(first["submitted_at"])
    assert third["ratings"] == {}

    # A submitted scorecard does not go back to being a draft.
    before = await snapshot(db, tenant.organization_id)
    problem(await h.write(interview_id, ivan, submit=False, reasons="Oops"), 409)
    assert await snapshot(db, tenant.organization_id) == before

    for who in (ivan, h.hm, h.recruiter):
        history = ok(
            await client.get(
                f"{API}/interviews/{interview_id}/scorecards/{ivan.id}/revisions",
                headers=who.headers,
            )
        )["items"]
        assert [(v["revision"], v["recommendation"], v["reasons"]) for v in history] == [
            (1, "strong_yes", "Excellent"),
            (2, "yes", "On reflection, good"),
            (3, "no", "Checked the references"),
        ]
        assert [v["ratings"] for v in history] == [{"SQL": "strong_yes"}, {"SQL": "yes"}, {}]
        assert {v["submitted_by_id"] for v in history} == {str(ivan.id)}

    found = await events_of(db, tenant.organization_id, "feedback.submitted", "feedback.amended")
    assert [(e["type"], e["data"]["revision"]) for e in found] == [
        ("feedback.submitted", 1),
        ("feedback.amended", 2),
        ("feedback.amended", 3),
    ]
    summary = ok(await h.summary(application_id))
    assert summary["recommendations"]["no"] == 1
    assert summary["recommendations"]["strong_yes"] == 0
    assert len(summary["scorecards"]) == 1


async def test_independent_judgement(
    client: httpx.AsyncClient, db: Database, tenant: Tenant
) -> None:
    h = await hiring(client, db, tenant)
    ivan = await tenant.add("interviewer", "Ivan")
    olga = await tenant.add("interviewer", "Olga")
    pat = await tenant.add("interviewer", "Pat")
    outsider = await tenant.add("interviewer", "Outsider")
    application_id = await h.application("Ann Lee")
    technical = await h.held(application_id, [ivan, olga], hours_ago=30)
    team = await h.held(application_id, [pat], hours_ago=26, kind="team")

    ivan_card = await h.submit(technical, ivan, recommendation="strong_yes", reasons=REASONS)
    olga_draft = await h.submit(technical, olga, submit=False, reasons="Still thinking")
    revisions_url = f"{API}/interviews/{technical}/scorecards/{ivan.id}/revisions"

    # Olga has not submitted: she sees her own draft only, not Ivan's, nor the summary.
    assert [c["id"] for c in ok(await h.scorecards(technical, olga))["items"]] == [olga_draft["id"]]
    assert "Submit your own" in problem(await h.summary(application_id, olga), 403)["detail"]
    problem(await client.get(revisions_url, headers=olga.headers), 403)
    # Pat, on another interview of the same application, is held to the same rule.
    problem(await h.summary(application_id, pat), 403)
    assert ok(await h.scorecards(team, pat))["items"] == []
    assert (await h.scorecards(technical, pat)).status_code in (403, 404)
    # Someone on no interview of the application learns nothing about it.
    problem(await h.summary(application_id, outsider), 404)

    # The hiring manager and the recruiter always can.
    for who in (h.hm, h.recruiter, tenant.admin):
        assert [c["id"] for c in ok(await h.scorecards(technical, who))["items"]] == [
            ivan_card["id"]
        ]
        summary = ok(await h.summary(application_id, who))
        assert [c["id"] for c in summary["scorecards"]] == [ivan_card["id"]]
        ok(await client.get(revisions_url, headers=who.headers))

    # Once Olga submits, she reads the others'.
    olga_card = await h.submit(technical, olga, recommendation="no", reasons="Weak on SQL")
    assert {c["id"] for c in ok(await h.scorecards(technical, olga))["items"]} == {
        ivan_card["id"],
        olga_card["id"],
    }
    assert len(ok(await h.summary(application_id, olga))["scorecards"]) == 2
    assert [
        v["recommendation"]
        for v in ok(await client.get(revisions_url, headers=olga.headers))["items"]
    ] == ["strong_yes"]
    # Ivan, who submitted first, sees Olga's now too.
    assert len(ok(await h.scorecards(technical, ivan))["items"]) == 2
    # Pat still cannot until Pat submits on the team interview.
    problem(await h.summary(application_id, pat), 403)
    await h.submit(team, pat, recommendation="yes", reasons="Good collaborator")
    assert len(ok(await h.summary(application_id, pat))["scorecards"]) == 3


async def test_due_time_is_the_interview_end_plus_the_organizations_hours(
    client: httpx.AsyncClient, db: Database, tenant: Tenant
) -> None:
    h = await hiring(client, db, tenant)
    ivan = await tenant.add("interviewer", "Ivan")
    olga = await tenant.add("interviewer", "Olga")
    application_id = await h.application("Ann Lee")
    interview_id = await h.held(application_id, [ivan, olga], hours_ago=30)
    end = await interview_end(db, interview_id)

    draft = await h.submit(interview_id, ivan, submit=False)
    assert at(draft["due_at"]) == end + timedelta(hours=24)
    summary = ok(await h.summary(application_id, h.hm))
    assert {o["interviewer_name"] for o in summary["overdue"]} == {"Ivan", "Olga"}
    assert {at(o["due_at"]) for o in summary["overdue"]} == {end + timedelta(hours=24)}
    assert {round(o["hours_overdue"]) for o in summary["overdue"]} == {6}
    assert summary["pending"] == 0

    problem(
        await client.patch(
            f"{API}/organization", headers=h.recruiter.headers, json={"feedback_due_hours": 48}
        ),
        403,
    )
    changed = ok(
        await client.patch(
            f"{API}/organization", headers=tenant.admin.headers, json={"feedback_due_hours": 48}
        )
    )
    assert changed["feedback_due_hours"] == 48
    cards = ok(await h.scorecards(interview_id, ivan))["items"]
    assert [at(c["due_at"]) for c in cards] == [end + timedelta(hours=48)]
    card = await h.submit(interview_id, ivan, reasons=REASONS)
    assert at(card["due_at"]) == end + timedelta(hours=48)
    summary = ok(await h.summary(application_id, h.hm))
    assert summary["overdue"] == []
    assert summary["pending"] == 1
    assert at(summary["scorecards"][0]["due_at"]) == end + timedelta(hours=48)


async def test_reminders_are_recorded_once_each(
    client: httpx.AsyncClient, db: Database, tenant: Tenant
) -> None:
    h = await hiring(client, db, tenant)
    ivan, olga, pat, quinn, rae = [
        await tenant.add("interviewer", n) for n in ("Ivan", "Olga", "Pat", "Quinn", "Rae")
    ]
    application_id = await h.application("Ann Lee")
    due_soon = await h.held(application_id, [ivan], hours_ago=21)  # due in 3 hours
    later = await h.held(application_id, [olga], hours_ago=18)  # due in 6 hours
    overdue = await h.held(application_id, [pat, quinn], hours_ago=30)  # 6 hours overdue
    await h.submit(overdue, quinn, reasons=REASONS)
    cancelled = await h.held(application_id, [rae], hours_ago=30, status="cancelled")
    upcoming = await h.schedule(application_id, [rae])

    def pairs(found: list[dict[str, object]]) -> list[tuple[object, object]]:
        return sorted((e["data"]["interview_id"], e["data"]["interviewer_id"]) for e in found)  # type: ignore[index]

    for _ in range(3):
        async with db.transaction() as session:
            await scorecards.feedback_reminders(session)
    soon = await events_of(db, tenant.organization_id, "feedback.due_soon")
    late = await events_of(db, tenant.organization_id, "feedback.overdue")
    assert pairs(soon) == [(due_soon, str(ivan.id))]
    assert pairs(late) == [(overdue, str(pat.id))]
    assert {str(e["resource_id"]) for e in soon + late} == {due_soon, overdue}
    assert not {later, cancelled, upcoming} & {e["data"]["interview_id"] for e in soon + late}

    # Time passes: Ivan's feedback is now overdue (recorded once), his due-soon is not repeated.
    await set_interview(db, due_soon, ended_hours_ago=25)
    for _ in range(2):
        async with db.transaction() as session:
            await scorecards.feedback_reminders(session)
    soon = await events_of(db, tenant.organization_id, "feedback.due_soon")
    late = await events_of(db, tenant.organization_id, "feedback.overdue")
    assert pairs(soon) == [(due_soon, str(ivan.id))]
    assert pairs(late) == sorted([(overdue, str(pat.id)), (due_soon, str(ivan.id))])

    # Submitting late does not record anything more.
    await h.submit(due_soon, ivan, reasons=REASONS)
    async with db.transaction() as session:
        await scorecards.feedback_reminders(session)
    assert (
        len(await events_of(db, tenant.organization_id, "feedback.due_soon", "feedback.overdue"))
        == 3
    )


async def test_reminders_follow_each_organizations_due_hours(
    client: httpx.AsyncClient, db: Database, tenant: Tenant, other_tenant: Tenant
) -> None:
    ours = await hiring(client, db, tenant)
    theirs = await hiring(client, db, other_tenant)
    ok(
        await client.patch(
            f"{API}/organization",
            headers=other_tenant.admin.headers,
            json={"feedback_due_hours": 48},
        )
    )
    ivan = await tenant.add("interviewer", "Ivan")
    vera = await other_tenant.add("interviewer", "Vera")
    late = await ours.held(await ours.application("Ann Lee"), [ivan], hours_ago=30)
    await theirs.held(await theirs.application("Ann Lee"), [vera], hours_ago=30)
    soon = await theirs.held(await theirs.application("Bob Ray"), [vera], hours_ago=46)

    async with db.transaction() as session:
        await scorecards.feedback_reminders(session)
    assert [
        e["data"]["interview_id"]
        for e in await events_of(db, tenant.organization_id, "feedback.overdue")
    ] == [late]
    assert await events_of(db, other_tenant.organization_id, "feedback.overdue") == []
    assert [
        e["data"]["interview_id"]
        for e in await events_of(db, other_tenant.organization_id, "feedback.due_soon")
    ] == [soon]


async def test_the_due_soon_window_is_a_setting(
    client: httpx.AsyncClient, db: Database, tenant: Tenant, database_url: str
) -> None:
    h = await hiring(client, db, tenant)
    ivan = await tenant.add("interviewer", "Ivan")
    application_id = await h.application("Ann Lee")
    interview_id = await h.held(application_id, [ivan], hours_ago=18)  # due in 6 hours

    async with db.transaction() as session:  # the default window: 4 hours
        await scorecards.feedback_reminders(session)
    assert await events_of(db, tenant.organization_id, "feedback.due_soon") == []

    wide = Database.connect(database_url, make_settings(feedback_due_soon_hours=8))
    try:
        async with wide.transaction() as session:
            await scorecards.feedback_reminders(session)
    finally:
        await wide.dispose()
    found = await events_of(db, tenant.organization_id, "feedback.due_soon")
    assert [e["data"]["interview_id"] for e in found] == [interview_id]
    assert await events_of(db, tenant.organization_id, "feedback.overdue") == []


async def test_summary_spread_skills_and_who_is_overdue(
    client: httpx.AsyncClient, db: Database, tenant: Tenant, other_tenant: Tenant
) -> None:
    h = await hiring(client, db, tenant)
    ivan, olga, pat, quinn, rae, sam, tom = [
        await tenant.add("interviewer", n)
        for n in ("Ivan", "Olga", "Pat", "Quinn", "Rae", "Sam", "Tom")
    ]
    application_id = await h.application("Ann Lee")
    other_application = await h.application("Bob Ray")
    technical = await h.held(application_id, [ivan, olga], hours_ago=50)
    team = await h.held(application_id, [pat, quinn, rae], hours_ago=30, kind="team")
    recent = await h.held(application_id, [sam], hours_ago=2, kind="values")
    await h.held(application_id, [tom], hours_ago=40, status="cancelled")
    await h.schedule(application_id, [tom])
    elsewhere = await h.held(other_application, [ivan], hours_ago=30)

    await h.submit(
        technical,
        ivan,
        recommendation="strong_yes",
        reasons=REASONS,
        ratings={"SQL": "strong_yes", "Airflow": "mixed", "Kafka": None},
    )
    await h.submit(
        technical,
        olga,
        recommendation="yes",
        reasons="Good",
        ratings={"sql": "yes", "airflow": "mixed"},
    )
    await h.submit(team, pat, recommendation="no", reasons="Poor Go", ratings={"Go": "no"})
    await h.submit(
        team, rae, submit=False, recommendation="definitely_not", ratings={"Go": "strong_no"}
    )
    # Another application's scorecard does not leak into this summary.
    await h.submit(
        elsewhere, ivan, recommendation="definitely_not", reasons="No", ratings={"SQL": "no"}
    )

    summary = ok(await h.summary(application_id))
    assert summary["application_id"] == application_id
    assert len(summary["scorecards"]) == 3
    assert {c["interviewer_id"] for c in summary["scorecards"]} == {
        str(ivan.id),
        str(olga.id),
        str(pat.id),
    }
    assert {c["status"] for c in summary["scorecards"]} == {"submitted"}
    assert summary["recommendations"] == {
        "strong_yes": 1,
        "yes": 1,
        "no": 1,
        "definitely_not": 0,
        "no_decision": 0,
    }
    assert summary["skills"] == [
        {"skill": "Airflow", "ratings": {"mixed": 2}},
        {"skill": "Go", "ratings": {"no": 1}},
        {"skill": "SQL", "ratings": {"strong_yes": 1, "yes": 1}},
    ]
    overdue = {o["interviewer_name"]: o for o in summary["overdue"]}
    assert set(overdue) == {"Quinn", "Rae"}
    assert {o["interview_id"] for o in overdue.values()} == {team}
    assert abs(overdue["Quinn"]["hours_overdue"] - 6.0) <= 0.2
    assert summary["pending"] == 1  # Sam: the interview ended 2 hours ago
    assert recent not in {o["interview_id"] for o in summary["overdue"]}

    # Another organization learns nothing.
    stranger = await other_tenant.add("recruiter")
    problem(await h.summary(application_id, stranger), 404)
    problem(await h.scorecards(technical, stranger), 404)
    # A hiring manager of another role does not see it either.
    other_hm = await tenant.add("hiring_manager", "Other HM")
    problem(await h.summary(application_id, other_hm), 404)


async def test_scorecard_writes_are_atomic_under_the_unique_key(
    client: httpx.AsyncClient, db: Database, tenant: Tenant
) -> None:
    """Two saves of Ivan's scorecard at once end in one scorecard, never two or an error 500."""
    h = await hiring(client, db, tenant)
    ivan = await tenant.add("interviewer", "Ivan")
    application_id = await h.application("Ann Lee")
    interview_id = await h.held(application_id, [ivan])
    one, two = await asyncio.gather(
        h.write(interview_id, ivan, reasons="First"),
        h.write(interview_id, ivan, reasons="Second"),
    )
    assert sorted([one.status_code, two.status_code]) in ([200, 200], [200, 409]), (
        one.text,
        two.text,
    )
    count = await rows(
        db, "SELECT count(*) AS n FROM scorecards WHERE interview_id = :i", i=interview_id
    )
    assert count == [{"n": 1}]
