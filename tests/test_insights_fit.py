"""Insights and fit checks on fixed scenarios: exact numbers, exact words."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import text

from app.db import Database
from tests.conftest import Person, Tenant
from tests.helpers_pipeline import (
    candidate_in_role,
    decide,
    draft_slate,
    make_candidate,
    make_role,
    sent_slate,
)


@dataclass
class Scenario:
    recruiter: Person
    hm: Person
    role_id: str
    apps: dict[str, str]  # name -> application id
    candidates: dict[str, str]  # name -> candidate id
    slates: list[str]


PEOPLE: dict[str, tuple[list[str], int | None]] = {
    "Ann Approved": (["SQL", "Airflow"], 6),
    "Bob Short": (["SQL", "Python"], 2),
    "Cy Junior": (["SQL"], 1),
    "Di Waits": (["SQL", "Dagster"], 5),
    "Ed Senior": (["Airflow", "Spark", "Scala"], 9),
    "Flo Fine": (["SQL", "Airflow", "Kafka"], 5),
    "Gus Revised": (["SQL", "Airflow"], 4),
    "Hal Good": (["SQL", "Dagster", "Kafka"], 7),
    "Ivy Maybe": (["SQL", "Airflow"], 4),
    "Jo Pending": (["SQL"], 3),
}

# Hours from a slate's sending to the first decision on each candidate.
REVIEW_HOURS = {
    "Ann Approved": 1,
    "Bob Short": 2,
    "Cy Junior": 3,
    "Di Waits": 10,
    "Ed Senior": 4,
    "Flo Fine": 5,
    "Gus Revised": 6,
    "Hal Good": 20,
    "Ivy Maybe": 30,
}


async def _ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def build_scenario(client: httpx.AsyncClient, tenant: Tenant, db: Database) -> Scenario:
    recruiter = await tenant.add("recruiter")
    hm = await tenant.add("hiring_manager")
    role_id = await make_role(client, recruiter, hm)
    apps: dict[str, str] = {}
    candidates: dict[str, str] = {}
    for name, (skills, years) in PEOPLE.items():
        cid, aid = await candidate_in_role(
            client, recruiter, role_id, name, skills=skills, years=years
        )
        apps[name], candidates[name] = aid, cid
    a = apps

    s1 = await sent_slate(
        client,
        recruiter,
        role_id,
        [a["Ann Approved"], a["Bob Short"], a["Cy Junior"], a["Di Waits"]],
    )
    await _ok(await decide(client, hm, s1, a["Ann Approved"], "approve", note="Strong Airflow"))
    await _ok(
        await decide(
            client,
            hm,
            s1,
            a["Bob Short"],
            "reject",
            missing_skills=["kafka"],
            red_flags=["short tenure"],
            categories=["skills", "experience"],
        )
    )
    await _ok(
        await decide(
            client,
            hm,
            s1,
            a["Cy Junior"],
            "reject",
            missing_skills=["Kafka", "Airflow"],
            red_flags=["Short tenure"],
            categories=["skills", "experience"],
        )
    )
    await _ok(
        await decide(
            client,
            hm,
            s1,
            a["Di Waits"],
            "waitlist",
            note="Close",
            waitlist_question="Has Di run Dagster in production?",
        )
    )

    s2 = await sent_slate(
        client, recruiter, role_id, [a["Ed Senior"], a["Flo Fine"], a["Gus Revised"]]
    )
    await _ok(
        await decide(
            client,
            hm,
            s2,
            a["Ed Senior"],
            "reject",
            missing_skills=["Kafka"],
            red_flags=["no references"],
            categories=["experience"],
        )
    )
    await _ok(await decide(client, hm, s2, a["Flo Fine"], "approve", note="Kafka and Airflow"))
    # Rejected first, then revised to an approval: only the current decision counts.
    await _ok(
        await decide(
            client,
            hm,
            s2,
            a["Gus Revised"],
            "reject",
            missing_skills=["Go"],
            red_flags=["arrogant"],
            categories=["culture"],
        )
    )
    await _ok(
        await decide(
            client, hm, s2, a["Gus Revised"], "approve", note="Met him again: fine", revision=True
        )
    )

    s3 = await sent_slate(client, recruiter, role_id, [a["Hal Good"], a["Ivy Maybe"]])
    await _ok(await decide(client, hm, s3, a["Hal Good"], "approve", note="Yes"))
    await _ok(
        await decide(
            client,
            hm,
            s3,
            a["Ivy Maybe"],
            "waitlist",
            note="Location?",
            waitlist_question="Would Ivy relocate?",
        )
    )

    s4 = await sent_slate(client, recruiter, role_id, [a["Jo Pending"]])
    # A draft never counts.
    extra = await candidate_in_role(
        client, recruiter, role_id, "Kim Draft", skills=["SQL"], years=4
    )
    await draft_slate(client, recruiter, role_id, [extra[1]])

    # Fix the clock: slates sent 10, 7, 3 and 1 days ago; each first decision N hours later.
    async with db.transaction() as session:
        for slate, days in ((s1, 10), (s2, 7), (s3, 3), (s4, 1)):
            await session.execute(
                text(
                    "UPDATE slates SET sent_at = now() - make_interval(days => :d) WHERE id = :id"
                ),
                {"d": days, "id": uuid.UUID(slate["id"])},
            )
        for name, hours in REVIEW_HOURS.items():
            await session.execute(
                text(
                    "UPDATE slate_decisions d SET created_at = s.sent_at + make_interval(hours => :h) "
                    "  + make_interval(secs => d.revision) "
                    "FROM slates s WHERE s.id = d.slate_id AND d.application_id = :a"
                ),
                {"h": hours, "a": uuid.UUID(apps[name])},
            )
    return Scenario(
        recruiter, hm, role_id, apps, candidates, [s1["id"], s2["id"], s3["id"], s4["id"]]
    )


async def test_insights_on_a_fixed_scenario(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    sc = await build_scenario(client, tenant, db)
    response = await client.get(f"/api/v1/roles/{sc.role_id}/insights", headers=sc.hm.headers)
    data = await _ok(response)

    assert data["role_id"] == sc.role_id
    assert (data["decisions"], data["approvals"], data["rejections"], data["waitlisted"]) == (
        9,
        4,
        3,
        2,
    )
    assert data["slates_reviewed"] == 3
    assert [
        (s["slate_id"], s["decided"], s["approved"]) for s in data["approval_rate_by_slate"]
    ] == [(sc.slates[0], 4, 1), (sc.slates[1], 3, 2), (sc.slates[2], 2, 1), (sc.slates[3], 0, 0)]
    assert [s["approval_rate"] for s in data["approval_rate_by_slate"][:3]] == [0.25, 0.667, 0.5]

    assert [(c["value"], c["count"]) for c in data["most_missing_skills"]] == [
        ("Kafka", 3),
        ("Airflow", 1),
    ]
    assert [(c["value"].lower(), c["count"]) for c in data["red_flags"]] == [
        ("short tenure", 2),
        ("no references", 1),
    ]
    assert [(c["value"].lower(), c["count"]) for c in data["top_rejection_reasons"]] == [
        ("category: experience", 3),
        ("missing skill: kafka", 3),
        ("category: skills", 2),
        ("red flag: short tenure", 2),
        ("missing skill: airflow", 1),
        ("red flag: no references", 1),
    ]
    # The retired decision (Go, arrogant, culture) no longer counts.
    assert "go" not in {c["value"].lower() for c in data["most_missing_skills"]}
    assert data["median_review_hours"] == 5.0
    assert [(w["application_id"], w["slate_id"], w["question"]) for w in data["waitlist"]] == [
        (sc.apps["Di Waits"], sc.slates[0], "Has Di run Dagster in production?"),
        (sc.apps["Ivy Maybe"], sc.slates[2], "Would Ivy relocate?"),
    ]

    suggestions = {s["kind"]: s for s in data["suggestions"]}
    assert sorted(suggestions) == ["calibration_trend", "make_must", "renegotiate"]
    make_must = suggestions["make_must"]
    assert "Kafka" in make_must["message"]
    assert make_must["evidence"] == "3 of 3 rejections cite missing Kafka"
    renegotiate = suggestions["renegotiate"]
    assert "experience" in renegotiate["message"]
    assert "3 with streaming work" in renegotiate["message"]
    assert renegotiate["evidence"] == "3 of 3 rejections are about experience"
    assert "improving" in suggestions["calibration_trend"]["message"]

    # The recruiter reads the same; the numbers do not change by reading again.
    again = await _ok(
        await client.get(f"/api/v1/roles/{sc.role_id}/insights", headers=sc.recruiter.headers)
    )
    assert again == data


async def test_insights_before_any_decision(client: httpx.AsyncClient, tenant: Tenant) -> None:
    recruiter = await tenant.add("recruiter")
    hm = await tenant.add("hiring_manager")
    role_id = await make_role(client, recruiter, hm)
    empty = await _ok(await client.get(f"/api/v1/roles/{role_id}/insights", headers=hm.headers))
    assert empty["decisions"] == 0
    assert empty["median_review_hours"] is None
    assert empty["approval_rate_by_slate"] == []
    assert empty["suggestions"] == []
    _, aid = await candidate_in_role(client, recruiter, role_id, "Only One", skills=["SQL"])
    slate = await sent_slate(client, recruiter, role_id, [aid])
    waiting = await _ok(await client.get(f"/api/v1/roles/{role_id}/insights", headers=hm.headers))
    assert waiting["median_review_hours"] is None
    assert [(s["slate_id"], s["decided"]) for s in waiting["approval_rate_by_slate"]] == [
        (slate["id"], 0)
    ]
    assert waiting["slates_reviewed"] == 0
    await _ok(await decide(client, hm, slate, aid, "approve", note="yes"))
    decided = await _ok(await client.get(f"/api/v1/roles/{role_id}/insights", headers=hm.headers))
    assert decided["median_review_hours"] is not None
    assert 0 <= decided["median_review_hours"] < 0.1
    assert decided["approval_rate_by_slate"][0]["approval_rate"] == 1.0


async def test_suggestions_only_when_the_pattern_is_strong(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    recruiter = await tenant.add("recruiter")
    hm = await tenant.add("hiring_manager")
    role_id = await make_role(client, recruiter, hm)
    apps = [
        (await candidate_in_role(client, recruiter, role_id, f"Weak {n}", skills=["SQL"], years=2))[
            1
        ]
        for n in range(6)
    ]
    slate = await sent_slate(client, recruiter, role_id, apps)

    async def kinds() -> list[str]:
        body = await _ok(await client.get(f"/api/v1/roles/{role_id}/insights", headers=hm.headers))
        return sorted(s["kind"] for s in body["suggestions"])

    # Two rejections, both citing Kafka and experience: too few to call it a pattern.
    for aid in apps[:2]:
        await _ok(
            await decide(
                client,
                hm,
                slate,
                aid,
                "reject",
                missing_skills=["Kafka"],
                categories=["experience"],
            )
        )
    assert await kinds() == []
    # A third rejection for something else: 2 of 3 is a majority but still only 2.
    await _ok(
        await decide(
            client, hm, slate, apps[2], "reject", red_flags=["late"], categories=["communication"]
        )
    )
    assert await kinds() == []
    # Approvals do not weaken or strengthen a rejection pattern.
    await _ok(await decide(client, hm, slate, apps[3], "approve", note="good"))
    assert await kinds() == []
    # A third rejection citing them: 3 of 4.
    await _ok(
        await decide(
            client,
            hm,
            slate,
            apps[4],
            "reject",
            missing_skills=["Kafka", "SQL"],
            categories=["experience"],
        )
    )
    body = await _ok(await client.get(f"/api/v1/roles/{role_id}/insights", headers=hm.headers))
    assert sorted(s["kind"] for s in body["suggestions"]) == ["make_must", "renegotiate"]
    make_must = next(s for s in body["suggestions"] if s["kind"] == "make_must")
    assert make_must["evidence"] == "3 of 4 rejections cite missing Kafka"
    # SQL is already a must: 1 of 4 rejections is no pattern at all.
    assert all("SQL" not in s["message"] for s in body["suggestions"])


async def test_a_must_skill_most_rejections_cite_asks_to_screen_for_it(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    recruiter = await tenant.add("recruiter")
    hm = await tenant.add("hiring_manager")
    # No negotiable years here: experience rejections suggest nothing to renegotiate.
    intake = {
        "skills": [{"name": "SQL", "priority": "must"}, {"name": "Kafka", "priority": "nice"}],
        "experience": {"min_years": 4},
    }
    role_id = await make_role(client, recruiter, hm, intake=intake)
    apps = [
        (await candidate_in_role(client, recruiter, role_id, f"No SQL {n}", skills=["Go"]))[1]
        for n in range(3)
    ]
    slate = await sent_slate(client, recruiter, role_id, apps)
    for aid in apps:
        await _ok(
            await decide(
                client, hm, slate, aid, "reject", missing_skills=["SQL"], categories=["experience"]
            )
        )
    body = await _ok(await client.get(f"/api/v1/roles/{role_id}/insights", headers=hm.headers))
    assert [s["kind"] for s in body["suggestions"]] == ["tighten_screening"]
    assert "SQL" in body["suggestions"][0]["message"]


async def test_insights_are_visible_like_the_role(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    recruiter = await tenant.add("recruiter")
    hm = await tenant.add("hiring_manager")
    other_hm = await tenant.add("hiring_manager")
    interviewer = await tenant.add("interviewer")
    role_id = await make_role(client, recruiter, hm)
    url = f"/api/v1/roles/{role_id}/insights"
    assert (await client.get(url, headers=other_hm.headers)).status_code == 404
    assert (await client.get(url, headers=interviewer.headers)).status_code == 403
    assert (await client.get(url, headers=other_tenant.admin.headers)).status_code == 404
    assert (await client.get(url, headers=tenant.admin.headers)).status_code == 200


async def _fit(
    client: httpx.AsyncClient, who: Person, role_id: str, candidate_id: str
) -> dict[str, Any]:
    return await _ok(
        await client.get(f"/api/v1/roles/{role_id}/fit-check/{candidate_id}", headers=who.headers)
    )


async def test_fit_check_explains_musts_experience_flags_and_resemblance(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    sc = await build_scenario(client, tenant, db)
    newcomer = await make_candidate(
        client, sc.recruiter, "Nia New", skills=["sql", "Python", "Dagster"], years=3
    )
    fit = await _fit(client, sc.recruiter, sc.role_id, newcomer["id"])
    assert fit["role_id"] == sc.role_id
    assert fit["candidate_id"] == newcomer["id"]
    assert fit["intake_revision"] == 1
    assert fit["must_skills"] == [
        {"skill": "SQL", "status": "met", "explanation": "Lists SQL."},
        {
            "skill": "Airflow",
            "status": "met",
            "explanation": "Lists Airflow (through Dagster, an accepted alternative).",
        },
    ]
    assert fit["experience"] == (
        "3 years of experience is below the 4 the intake asks for. "
        "Years are negotiable: 3 with streaming work."
    )
    # Past rejections, most alike first: skills overlap (70%) and closeness in years (30%).
    assert [(r["candidate_name"], r["similarity"]) for r in fit["resembles"]] == [
        ("Bob Short", 0.737),
        ("Cy Junior", 0.473),
        ("Ed Senior", 0.12),
    ]
    bob = fit["resembles"][0]
    assert bob["application_id"] == sc.apps["Bob Short"]
    assert bob["shared_skills"] == ["python", "sql"]
    assert bob["rejected_for"] == ["missing Kafka", "short tenure", "skills", "experience"]
    assert "Bob Short" in bob["explanation"]
    assert "missing Kafka" in bob["explanation"]
    # Gus was rejected once but approved on revision: he is no past rejection.
    assert "Gus Revised" not in {r["candidate_name"] for r in fit["resembles"]}

    flags = {f["red_flag"].lower(): f for f in fit["red_flags"]}
    assert set(flags) == {"short tenure", "no references"}
    assert flags["short tenure"]["applies"] is True
    assert flags["short tenure"]["times_raised"] == 2
    assert "Bob Short" in flags["short tenure"]["explanation"]
    assert flags["no references"]["applies"] is False
    assert flags["no references"]["times_raised"] == 1

    assert fit["summary"].startswith(
        "Nia New meets 2 of 2 must-have skills. 3 years of experience is below the 4 the intake "
        "asks for. Years are negotiable: 3 with streaming work. "
    )
    assert (
        fit["summary"]
        .lower()
        .endswith(
            "learned red flags that may apply: short tenure. "
            "closely resembles 1 past rejection(s): bob short."
        )
    )

    # Deterministic: the same question gives the same answer.
    assert await _fit(client, sc.recruiter, sc.role_id, newcomer["id"]) == fit


async def test_fit_check_missing_and_unknown_skills(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    sc = await build_scenario(client, tenant, db)
    lacking = await make_candidate(client, sc.recruiter, "Max Missing", skills=["Python"], years=10)
    fit = await _fit(client, sc.recruiter, sc.role_id, lacking["id"])
    assert fit["must_skills"] == [
        {"skill": "SQL", "status": "missing", "explanation": "The profile does not list SQL."},
        {
            "skill": "Airflow",
            "status": "missing",
            "explanation": "The profile does not list Airflow or an alternative (Dagster).",
        },
    ]
    assert fit["experience"] == "10 years of experience meets the 4 the intake asks for."
    assert fit["summary"] == (
        "Max Missing meets 0 of 2 must-have skills (missing SQL, Airflow). "
        "10 years of experience meets the 4 the intake asks for."
    )
    # Nobody is alike enough (0.5) to lend a red flag.
    assert [(r["candidate_name"], r["similarity"]) for r in fit["resembles"]] == [
        ("Bob Short", 0.41),
        ("Ed Senior", 0.27),
        ("Cy Junior", 0.03),
    ]
    assert [f["applies"] for f in fit["red_flags"]] == [False, False]
    assert "resembles" not in fit["summary"].lower()

    blank = await make_candidate(client, sc.recruiter, "Uma Unknown")
    fit = await _fit(client, sc.recruiter, sc.role_id, blank["id"])
    assert [(m["skill"], m["status"]) for m in fit["must_skills"]] == [
        ("SQL", "unknown"),
        ("Airflow", "unknown"),
    ]
    assert fit["experience"] == (
        "The intake asks for 4+ years; the profile does not say how many the candidate has."
    )
    assert fit["summary"].startswith(
        "Uma Unknown meets 0 of 2 must-have skills (SQL, Airflow unknown)."
    )
    assert [r["similarity"] for r in fit["resembles"]] == [0.0, 0.0, 0.0]

    # A rejected candidate is not compared with themself.
    bob = await _fit(client, sc.recruiter, sc.role_id, sc.candidates["Bob Short"])
    assert "Bob Short" not in {r["candidate_name"] for r in bob["resembles"]}
    assert next(r["candidate_name"] for r in bob["resembles"]) == "Cy Junior"


async def test_fit_check_without_an_agreed_intake_says_so(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    recruiter = await tenant.add("recruiter")
    hm = await tenant.add("hiring_manager")
    role_id = await make_role(client, recruiter, hm, agreed=False)
    candidate = await make_candidate(client, recruiter, "Pat Early", skills=["SQL"], years=5)
    fit = await _fit(client, recruiter, role_id, candidate["id"])
    assert fit["intake_revision"] is None
    assert fit["must_skills"] == []
    assert (
        fit["summary"]
        == "The role has no agreed intake yet, so Pat Early cannot be checked against it."
    )


async def test_fit_check_is_authorised_like_role_and_candidate(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    recruiter = await tenant.add("recruiter")
    hm = await tenant.add("hiring_manager")
    other_hm = await tenant.add("hiring_manager")
    role_id = await make_role(client, recruiter, hm)
    other_role = await make_role(client, recruiter, other_hm, title="Other")
    in_role, _ = await candidate_in_role(client, recruiter, role_id, "In Role", skills=["SQL"])
    elsewhere, _ = await candidate_in_role(
        client, recruiter, other_role, "Elsewhere", skills=["SQL"]
    )

    assert (
        await client.get(f"/api/v1/roles/{role_id}/fit-check/{in_role}", headers=hm.headers)
    ).status_code == 200
    # Another role's hiring manager, or a candidate the manager cannot see: 404.
    assert (
        await client.get(f"/api/v1/roles/{role_id}/fit-check/{in_role}", headers=other_hm.headers)
    ).status_code == 404
    assert (
        await client.get(f"/api/v1/roles/{role_id}/fit-check/{elsewhere}", headers=hm.headers)
    ).status_code == 404
    assert (
        await client.get(
            f"/api/v1/roles/{role_id}/fit-check/{in_role}", headers=other_tenant.admin.headers
        )
    ).status_code == 404
    assert (
        await client.get(
            f"/api/v1/roles/{role_id}/fit-check/{uuid.uuid4()}", headers=recruiter.headers
        )
    ).status_code == 404
    # The recruiter checks any candidate of the organization against any role.
    assert (
        await client.get(
            f"/api/v1/roles/{role_id}/fit-check/{elsewhere}", headers=recruiter.headers
        )
    ).status_code == 200
