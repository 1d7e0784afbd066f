"""Feedback and closing the loop end to end: scorecards, decisions, offers, outcomes, the view."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import text

from app.db import Database
from app.domain.feedback import closing, scorecards
from tests.conftest import Person, Tenant
from tests.test_interviews_flow import _interviewing_application, _next_monday


async def _held_interview(
    client: httpx.AsyncClient,
    db: Database,
    tenant: Tenant,
    recruiter: Person,
    app_id: str,
    people: list[Person],
    hours_ago: float,
) -> str:
    monday = _next_monday()
    response = await client.post(
        "/api/v1/interviews",
        headers=recruiter.headers,
        json={
            "application_id": app_id,
            "interviews": [
                {
                    "kind": "technical",
                    "start_at": (monday + timedelta(hours=15)).isoformat(),
                    "end_at": (monday + timedelta(hours=16)).isoformat(),
                    "interviewer_ids": [str(p.id) for p in people],
                }
            ],
        },
    )
    assert response.status_code == 201, response.text
    interview_id: str = response.json()[0]["id"]
    end = datetime.now(UTC) - timedelta(hours=hours_ago)
    async with db.transaction() as session:
        await session.execute(
            text(
                "UPDATE interviews SET start_at = :s, end_at = :e, status = 'completed' WHERE id = :i"
            ),
            {"s": end - timedelta(hours=1), "e": end, "i": interview_id},
        )
    return interview_id


async def test_scorecards_decision_offer_and_closing(
    client: httpx.AsyncClient, db: Database, tenant: Tenant
) -> None:
    recruiter, hm, app_id = await _interviewing_application(client, tenant)
    ivan = await tenant.add("interviewer", "Ivan")
    olga = await tenant.add("interviewer", "Olga")
    interview_id = await _held_interview(
        client, db, tenant, recruiter, app_id, [ivan, olga], hours_ago=30
    )
    url = f"/api/v1/interviews/{interview_id}/scorecard"

    bare = await client.put(
        url, headers=ivan.headers, json={"recommendation": "yes", "submit": True}
    )
    assert bare.status_code == 422
    assert "more than a yes or no" in bare.text
    stranger = await client.put(
        url,
        headers=recruiter.headers,
        json={"recommendation": "yes", "reasons": "ok", "submit": True},
    )
    assert stranger.status_code == 403
    unknown = await client.put(url, headers=ivan.headers, json={"ratings": {"Cobol": "yes"}})
    assert unknown.status_code == 422
    assert "ratings.Cobol" in unknown.text
    draft = await client.put(url, headers=ivan.headers, json={"ratings": {"sql": "strong_yes"}})
    assert draft.status_code == 200
    assert draft.json()["status"] == "draft"
    assert draft.json()["ratings"] == {"SQL": "strong_yes"}
    submitted = await client.put(
        url,
        headers=ivan.headers,
        json={
            "recommendation": "strong_yes",
            "ratings": {"SQL": "strong_yes", "Airflow": "mixed"},
            "reasons": "Designed a clean pipeline; unsure about Airflow",
            "submit": True,
        },
    )
    assert submitted.status_code == 200, submitted.text
    # Olga has not submitted: she sees only her own (none), not Ivan's.
    before = await client.get(f"/api/v1/interviews/{interview_id}/scorecards", headers=olga.headers)
    assert before.json()["items"] == []
    summary_blocked = await client.get(
        f"/api/v1/applications/{app_id}/scorecard-summary", headers=olga.headers
    )
    assert summary_blocked.status_code == 403
    as_hm = await client.get(f"/api/v1/applications/{app_id}/scorecard-summary", headers=hm.headers)
    body = as_hm.json()
    assert body["recommendations"]["strong_yes"] == 1
    assert [o["interviewer_name"] for o in body["overdue"]] == ["Olga"]
    amended = await client.put(
        url,
        headers=ivan.headers,
        json={"recommendation": "yes", "reasons": "On reflection, yes", "submit": True},
    )
    assert amended.json()["revision"] == 2
    history = await client.get(
        f"/api/v1/interviews/{interview_id}/scorecards/{ivan.id}/revisions", headers=hm.headers
    )
    assert [h["recommendation"] for h in history.json()["items"]] == ["strong_yes", "yes"]

    async with db.transaction() as session:
        assert (
            await scorecards.feedback_reminders(session) == 1
        )  # Olga overdue (no due-soon: already past)
    async with db.transaction() as session:
        assert await scorecards.feedback_reminders(session) == 0

    reason = await client.post(
        "/api/v1/rejection-reasons",
        headers=tenant.admin.headers,
        json={"code": "skills_gap", "label": "Skills gap"},
    )
    assert reason.status_code == 201
    no_reason = await client.post(
        f"/api/v1/applications/{app_id}/decision",
        headers=hm.headers,
        json={"decision": "reject", "note": "no"},
    )
    assert no_reason.status_code == 422
    offer_decision = await client.post(
        f"/api/v1/applications/{app_id}/decision",
        headers=hm.headers,
        json={"decision": "offer", "note": "Strong across the panel"},
    )
    assert offer_decision.status_code == 201, offer_decision.text
    created = await client.post(
        "/api/v1/offers",
        headers=recruiter.headers,
        json={
            "application_id": app_id,
            "compensation": {"currency": "EUR", "base_salary": 90000},
            "expires_at": (datetime.now(UTC) + timedelta(days=7)).isoformat(),
        },
    )
    assert created.status_code == 201, created.text
    offer_id = created.json()["id"]

    async def move(to: str, who: Person = recruiter) -> httpx.Response:
        return await client.post(
            f"/api/v1/offers/{offer_id}/transitions", headers=who.headers, json={"to": to}
        )

    illegal = await move("accepted")
    assert illegal.status_code == 409
    assert illegal.json()["allowed"] == ["approved", "rescinded"]
    assert (await move("approved", hm)).status_code == 200
    assert (await move("sent")).status_code == 200
    messages = await client.get(
        f"/api/v1/applications/{app_id}/outcome-messages", headers=recruiter.headers
    )
    assert [m["kind"] for m in messages.json()["items"]] == ["offer"]
    accepted = await move("accepted")
    assert accepted.status_code == 200
    application = await client.get(f"/api/v1/applications/{app_id}", headers=recruiter.headers)
    assert application.json()["outcome"] == "hired"
    role = await client.get(
        f"/api/v1/roles/{application.json()['role_id']}", headers=recruiter.headers
    )
    assert role.json()["filled_count"] == 1
    assert role.json()["status"] == "filled"

    dashboard = await client.get(
        f"/api/v1/roles/{role.json()['id']}/dashboard", headers=recruiter.headers
    )
    figures: dict[str, Any] = dashboard.json()
    assert figures["offers_accepted"] == 1
    assert figures["acceptance_rate"] == 1.0
    assert figures["overdue_scorecards"] == 1
    assert figures["time_to_feedback"][0]["interviewer_name"] == "Ivan"


async def test_close_the_loop_flags_waiting_candidates(
    client: httpx.AsyncClient, db: Database, tenant: Tenant
) -> None:
    recruiter, _hm, app_id = await _interviewing_application(client, tenant)
    ivan = await tenant.add("interviewer", "Ivan")
    await _held_interview(client, db, tenant, recruiter, app_id, [ivan], hours_ago=24 * 25)
    view = await client.get("/api/v1/close-the-loop", headers=recruiter.headers)
    assert view.status_code == 200, view.text
    data = view.json()
    assert data["waiting"] == 1
    assert data["at_risk"] == 1
    assert data["deadline_days"] == 30
    assert data["candidates"][0]["days_waiting"] >= 25
    async with db.transaction() as session:
        assert await closing.flag_at_risk(session) == 1
    async with db.transaction() as session:
        assert await closing.flag_at_risk(session) == 0
    rejected = await client.post(
        f"/api/v1/applications/{app_id}/transitions",
        headers=recruiter.headers,
        json={"action": "reject", "reason": "Role paused"},
    )
    assert rejected.status_code == 200
    messages = (
        await client.get(
            f"/api/v1/applications/{app_id}/outcome-messages", headers=recruiter.headers
        )
    ).json()["items"]
    assert [m["kind"] for m in messages] == ["rejection"]
    later = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    delayed = await client.patch(
        f"/api/v1/outcome-messages/{messages[0]['id']}",
        headers=recruiter.headers,
        json={"send_at": later, "personal_note": "Thank you for your time, Ann"},
    )
    assert delayed.status_code == 200
    assert delayed.json()["personal_note"].startswith("Thank you")
