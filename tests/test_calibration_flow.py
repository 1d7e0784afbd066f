"""The calibration loop end to end: candidates, applications, a slate, decisions, insights, fit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.conftest import Person, Tenant

INTAKE = {
    "summary": "Streaming data engineer",
    "skills": [
        {"name": "SQL", "priority": "must"},
        {"name": "Kafka", "priority": "nice"},
        {"name": "Airflow", "priority": "must", "alternatives": ["Dagster"]},
    ],
    "experience": {"min_years": 4},
    "negotiables": [{"variable": "years_experience", "flexibility": "3 with streaming work"}],
}


async def _role(client: httpx.AsyncClient, recruiter: Person, hm: Person) -> str:
    created = await client.post(
        "/api/v1/roles",
        headers=recruiter.headers,
        json={
            "title": "Data Engineer",
            "status": "open",
            "recruiter_id": str(recruiter.id),
            "hiring_manager_id": str(hm.id),
            "intake": INTAKE,
        },
    )
    assert created.status_code == 201, created.text
    role_id: str = created.json()["id"]
    for person in (recruiter, hm):
        signed = await client.post(
            f"/api/v1/roles/{role_id}/intake/revisions/1/sign-off", headers=person.headers
        )
        assert signed.status_code == 200, signed.text
    return role_id


async def _candidate(
    client: httpx.AsyncClient, recruiter: Person, name: str, skills: list[str], years: int
) -> str:
    response = await client.post(
        "/api/v1/candidates",
        headers=recruiter.headers,
        json={
            "name": name,
            "email": f"{name.lower().replace(' ', '.')}@example.com",
            "skills": skills,
            "years_experience": years,
            "source": "sourced",
            "consent_given": True,
        },
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _apply(
    client: httpx.AsyncClient, recruiter: Person, candidate_id: str, role_id: str
) -> str:
    response = await client.post(
        "/api/v1/applications",
        headers=recruiter.headers,
        json={"candidate_id": candidate_id, "role_id": role_id},
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _slate(
    client: httpx.AsyncClient, recruiter: Person, role_id: str, app_ids: list[str]
) -> dict[str, Any]:
    created = await client.post(
        "/api/v1/slates",
        headers=recruiter.headers,
        json={
            "role_id": role_id,
            "items": [{"application_id": a, "question": "What have I missed?"} for a in app_ids],
        },
    )
    assert created.status_code == 201, created.text
    due = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    sent = await client.post(
        f"/api/v1/slates/{created.json()['id']}/send",
        headers=recruiter.headers,
        json={"due_at": due},
    )
    assert sent.status_code == 200, sent.text
    body: dict[str, Any] = sent.json()
    return body


async def test_slates_decisions_insights_and_fit(client: httpx.AsyncClient, tenant: Tenant) -> None:
    recruiter = await tenant.add("recruiter")
    hm = await tenant.add("hiring_manager")
    role_id = await _role(client, recruiter, hm)
    people = [
        ("Ann Lee", ["SQL", "Airflow"], 5),
        ("Bob Ray", ["SQL"], 2),
        ("Cy Dee", ["SQL", "Python"], 3),
        ("Di Ng", ["SQL", "Dagster"], 6),
    ]
    apps = [
        await _apply(client, recruiter, await _candidate(client, recruiter, n, s, y), role_id)
        for n, s, y in people
    ]
    slate = await _slate(client, recruiter, role_id, apps)
    assert slate["status"] == "sent"
    app_state = await client.get(f"/api/v1/applications/{apps[0]}", headers=hm.headers)
    assert app_state.json()["stage"] == "hm_review"

    items = {i["application_id"]: i["id"] for i in slate["items"]}
    url = f"/api/v1/slates/{slate['id']}/items"
    no_reason = await client.post(
        f"{url}/{items[apps[1]]}/decision",
        headers=hm.headers,
        json={"decision": "reject", "reasons": {}},
    )
    assert no_reason.status_code == 422
    unknown_skill = await client.post(
        f"{url}/{items[apps[1]]}/decision",
        headers=hm.headers,
        json={"decision": "reject", "reasons": {"missing_skills": ["Cobol"]}},
    )
    assert unknown_skill.status_code == 422
    assert "Cobol" in unknown_skill.text
    by_recruiter = await client.post(
        f"{url}/{items[apps[0]]}/decision",
        headers=recruiter.headers,
        json={"decision": "approve", "reasons": {"note": "strong"}},
    )
    assert by_recruiter.status_code == 403

    approve = await client.post(
        f"{url}/{items[apps[0]]}/decision",
        headers=hm.headers,
        json={
            "decision": "approve",
            "reasons": {"note": "Strong Airflow work"},
            "answer": "Nothing missed",
        },
    )
    assert approve.status_code == 200, approve.text
    for app_id in (apps[1], apps[2]):
        rejected = await client.post(
            f"{url}/{items[app_id]}/decision",
            headers=hm.headers,
            json={
                "decision": "reject",
                "reasons": {
                    "missing_skills": ["airflow", "Kafka"],
                    "red_flags": ["short tenure"],
                    "categories": ["skills", "experience"],
                },
            },
        )
        assert rejected.status_code == 200, rejected.text
    again = await client.post(
        f"{url}/{items[apps[1]]}/decision",
        headers=hm.headers,
        json={"decision": "approve", "reasons": {"note": "changed my mind"}},
    )
    assert again.status_code == 409
    waitlist = await client.post(
        f"{url}/{items[apps[3]]}/decision",
        headers=hm.headers,
        json={
            "decision": "waitlist",
            "reasons": {"note": "Maybe"},
            "waitlist_question": "Has she run Dagster in production?",
        },
    )
    assert waitlist.status_code == 200
    assert waitlist.json()["status"] == "reviewed"

    moved = await client.get(f"/api/v1/applications/{apps[0]}", headers=hm.headers)
    assert moved.json()["stage"] == "interviewing"
    ended = await client.get(f"/api/v1/applications/{apps[1]}", headers=hm.headers)
    assert ended.json()["outcome"] == "rejected"

    insights = await client.get(f"/api/v1/roles/{role_id}/insights", headers=hm.headers)
    assert insights.status_code == 200, insights.text
    data = insights.json()
    assert data["approvals"] == 1
    assert data["rejections"] == 2
    assert data["waitlisted"] == 1
    assert data["approval_rate_by_slate"][0]["approval_rate"] == 0.25
    assert {c["value"] for c in data["most_missing_skills"]} == {"Airflow", "Kafka"}
    assert data["waitlist"][0]["question"] == "Has she run Dagster in production?"

    newcomer = await _candidate(client, recruiter, "Ed Fox", ["SQL", "Python"], 3)
    fit = await client.get(
        f"/api/v1/roles/{role_id}/fit-check/{newcomer}", headers=recruiter.headers
    )
    assert fit.status_code == 200, fit.text
    result = fit.json()
    assert [(m["skill"], m["status"]) for m in result["must_skills"]] == [
        ("SQL", "met"),
        ("Airflow", "missing"),
    ]
    assert result["resembles"][0]["candidate_name"] == "Cy Dee"
    assert any(f["red_flag"] == "short tenure" and f["applies"] for f in result["red_flags"])
    assert "meets 1 of 2 must-have skills" in result["summary"]

    history = await client.get(f"/api/v1/applications/{apps[0]}/history", headers=recruiter.headers)
    assert [h["to_stage"] for h in history.json()["items"]] == [
        "sourced",
        "submitted",
        "hm_review",
        "interviewing",
    ]
