"""Closing the loop: who is still waiting to hear, the deadline and its warning, the at-risk job,
the outcome messages (delay, personalise, sent), and the recruiter's dashboard per role."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.db import Database
from app.domain.feedback import closing, outcomes
from app.errors import Conflict
from app.main import create_app
from tests.conftest import Person, Tenant, create_tenant, make_settings
from tests.helpers_feedback import (
    API,
    Hiring,
    at,
    close_to,
    error_fields,
    events_of,
    hiring,
    interview_end,
    now,
    ok,
    problem,
    set_interview,
    snapshot,
    sql,
)

DAY = 24.0


async def _waiting(h: Hiring, who: Person | None = None, **params: Any) -> dict[str, Any]:
    found: dict[str, Any] = ok(await h.close_the_loop(who, **params))
    return found


def _ids(view: dict[str, Any]) -> list[str]:
    return [c["application_id"] for c in view["candidates"]]


async def _flag(db: Database) -> None:
    async with db.transaction() as session:
        await closing.flag_at_risk(session)


async def _mark_sent(db: Database, h: Hiring, message_id: str) -> dict[str, Any]:
    async with db.transaction() as session:
        sent = await outcomes.mark_sent(session, h.org, uuid.UUID(message_id))
    return sent.model_dump(mode="json")


async def test_the_view_lists_interviewed_candidates_still_waiting(
    client: httpx.AsyncClient, db: Database, tenant: Tenant
) -> None:
    h = await hiring(client, db, tenant, title="Data Engineer")
    other = await hiring(client, db, tenant, title="Designer", recruiter=h.recruiter)
    ivan = await tenant.add("interviewer", "Ivan")

    old = await h.application("Ann Old")
    old_interview = await h.held(old, [ivan], hours_ago=25 * DAY)
    recent = await h.application("Bob Recent")
    await h.held(recent, [ivan], hours_ago=10 * DAY)
    twice = await h.application("Cy Twice")
    await h.held(twice, [ivan], hours_ago=20 * DAY)
    twice_last = await h.held(twice, [ivan], hours_ago=3 * DAY)
    upcoming = await h.application("Di Upcoming")
    await h.schedule(upcoming, [ivan])
    never = await h.application("Ed Never")
    ok(
        await client.post(
            f"{API}/applications/{never}/transitions",
            headers=h.recruiter.headers,
            json={"action": "reject", "reason": "Not a fit on paper"},
        )
    )
    withdrawn = await h.application("Flo Withdrawn")
    await h.held(withdrawn, [ivan], hours_ago=15 * DAY)
    ok(
        await client.post(
            f"{API}/applications/{withdrawn}/transitions",
            headers=h.recruiter.headers,
            json={"action": "withdraw", "reason": "Took another job"},
        )
    )
    called_off = await h.application("Gus Cancelled")
    await h.held(called_off, [ivan], hours_ago=12 * DAY, status="cancelled")
    designer = await other.application("Hal Designer")
    await other.held(designer, [ivan], hours_ago=1 * DAY)

    view = await _waiting(h)
    assert view["deadline_days"] == 30
    assert view["waiting"] == 4
    assert view["at_risk"] == 1
    assert _ids(view) == [old, recent, twice, designer]  # oldest first
    by_id = {c["application_id"]: c for c in view["candidates"]}
    first = by_id[old]
    assert first["candidate_name"] == "Ann Old"
    assert first["role_id"] == h.role_id
    assert first["role_title"] == "Data Engineer"
    assert at(first["last_interview_at"]) == await interview_end(db, old_interview)
    assert abs(first["days_waiting"] - 25) <= 0.1
    assert at(first["deadline"]) == at(first["last_interview_at"]) + timedelta(days=30)
    assert first["at_risk"] is True
    assert at(by_id[twice]["last_interview_at"]) == await interview_end(db, twice_last)
    assert abs(by_id[twice]["days_waiting"] - 3) <= 0.1
    assert [by_id[a]["at_risk"] for a in (recent, twice, designer)] == [False, False, False]

    # One role; a limit shortens the list, not the counts.
    assert _ids(await _waiting(h, role_id=h.role_id)) == [old, recent, twice]
    assert _ids(await _waiting(h, role_id=other.role_id)) == [designer]
    limited = await _waiting(h, limit=1)
    assert (_ids(limited), limited["waiting"], limited["at_risk"]) == ([old], 4, 1)
    for limit in (0, 1001):
        assert "limit" in str(problem(await h.close_the_loop(limit=limit), 422)["errors"])

    # Hiring managers see their own roles only.
    assert _ids(await _waiting(h, h.hm)) == [old, recent, twice]
    assert _ids(await _waiting(h, other.hm)) == [designer]
    assert (await _waiting(h, other.hm))["waiting"] == 1
    problem(await h.close_the_loop(other.hm, role_id=h.role_id), 404)
    problem(await h.close_the_loop(ivan), 403)
    # Only an interviewed candidate is owed a message when rejected.
    assert await h.messages(never) == []
    assert [m["kind"] for m in await h.messages(withdrawn)] == []


async def test_the_deadline_is_the_organizations_setting(
    client: httpx.AsyncClient, db: Database, tenant: Tenant, other_tenant: Tenant
) -> None:
    h = await hiring(client, db, tenant)
    ivan = await tenant.add("interviewer", "Ivan")
    recent = await h.interviewed("Bob Recent", [ivan], hours_ago=10 * DAY)
    view = await _waiting(h)
    assert (view["waiting"], view["at_risk"]) == (1, 0)

    problem(
        await client.patch(
            f"{API}/organization", headers=h.recruiter.headers, json={"close_the_loop_days": 12}
        ),
        403,
    )
    ok(
        await client.patch(
            f"{API}/organization", headers=tenant.admin.headers, json={"close_the_loop_days": 12}
        )
    )
    view = await _waiting(h)
    assert view["deadline_days"] == 12
    assert (view["waiting"], view["at_risk"]) == (1, 1)
    [candidate] = view["candidates"]
    assert candidate["application_id"] == recent
    assert at(candidate["deadline"]) == at(candidate["last_interview_at"]) + timedelta(days=12)
    assert candidate["at_risk"] is True
    await _flag(db)
    assert [
        e["data"]["application_id"]
        for e in await events_of(db, tenant.organization_id, "candidate.awaiting_outcome")
    ] == [recent]

    # Another organization keeps its own deadline and sees none of these candidates.
    theirs = ok(await client.get(f"{API}/close-the-loop", headers=other_tenant.admin.headers))
    assert (theirs["deadline_days"], theirs["waiting"], theirs["candidates"]) == (30, 0, [])


@pytest.fixture
async def cautious_app(database_url: str) -> AsyncIterator[FastAPI]:
    application = create_app(
        make_settings(close_the_loop_warning_days=10), database_url=database_url
    )
    async with application.router.lifespan_context(application):
        yield application


async def test_the_warning_window_is_a_setting(
    cautious_app: FastAPI, db: Database, database_url: str
) -> None:
    tenant = await create_tenant(db)
    transport = httpx.ASGITransport(app=cautious_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hireloop.test") as client:
        h = await hiring(client, db, tenant)
        ivan = await tenant.add("interviewer", "Ivan")
        near = await h.interviewed("Ann Near", [ivan], hours_ago=21 * DAY)  # 9 days left
        far = await h.interviewed("Bob Far", [ivan], hours_ago=15 * DAY)  # 15 days left
        view = await _waiting(h)
    flags = {c["application_id"]: c["at_risk"] for c in view["candidates"]}
    assert flags == {near: True, far: False}
    assert view["at_risk"] == 1

    await _flag(db)  # the default window (7 days) flags neither
    assert await events_of(db, tenant.organization_id, "candidate.awaiting_outcome") == []
    cautious = cautious_app.state.db
    await _flag(cautious)
    found = await events_of(db, tenant.organization_id, "candidate.awaiting_outcome")
    assert [e["data"]["application_id"] for e in found] == [near]


async def test_at_risk_candidates_are_flagged_once_each(
    client: httpx.AsyncClient, db: Database, tenant: Tenant
) -> None:
    h = await hiring(client, db, tenant)
    ivan = await tenant.add("interviewer", "Ivan")
    old = await h.interviewed("Ann Old", [ivan], hours_ago=25 * DAY)
    recent = await h.application("Bob Recent")
    recent_interview = await h.held(recent, [ivan], hours_ago=10 * DAY)
    told = await h.interviewed("Cy Told", [ivan], hours_ago=28 * DAY)
    ok(
        await client.post(
            f"{API}/applications/{told}/transitions",
            headers=h.recruiter.headers,
            json={"action": "reject", "reason": "Role paused"},
        )
    )
    [message] = await h.messages(told)
    await _mark_sent(db, h, message["id"])
    withdrawn = await h.interviewed("Di Gone", [ivan], hours_ago=28 * DAY)
    ok(
        await client.post(
            f"{API}/applications/{withdrawn}/transitions",
            headers=h.recruiter.headers,
            json={"action": "withdraw", "reason": "Moved abroad"},
        )
    )

    async def flagged() -> list[str]:
        found = await events_of(db, tenant.organization_id, "candidate.awaiting_outcome")
        assert {str(e["resource_id"]) for e in found} == {
            e["data"]["application_id"] for e in found
        }
        return sorted(e["data"]["application_id"] for e in found)

    for _ in range(3):
        await _flag(db)
    assert await flagged() == [old]

    await set_interview(db, recent_interview, ended_hours_ago=24 * DAY)
    for _ in range(2):
        await _flag(db)
    assert await flagged() == sorted([old, recent])


async def test_outcome_messages_are_delayed_personalised_and_marked_sent(
    client: httpx.AsyncClient, db: Database, tenant: Tenant, other_tenant: Tenant
) -> None:
    h = await hiring(client, db, tenant)
    ivan = await tenant.add("interviewer", "Ivan")
    reason_id = await h.reason()
    rejected = await h.interviewed("Ann Lee", [ivan], hours_ago=5 * DAY)
    offered = await h.at_offer("Bob Ray", [ivan])
    ok(await h.decide(rejected, "reject", reason_id=reason_id, note="Needs more SQL"), 201)
    [message] = await h.messages(rejected)
    url = f"{API}/outcome-messages/{message['id']}"
    # A rejected candidate whose message has not gone out is still waiting.
    assert set(_ids(await _waiting(h))) == {rejected, offered}

    before = await snapshot(db, tenant.organization_id)
    for who in (h.hm, ivan):
        problem(await client.patch(url, headers=who.headers, json={"personal_note": "Hi"}), 403)
    problem(
        await client.patch(url, headers=other_tenant.admin.headers, json={"personal_note": "Hi"}),
        404,
    )
    past = problem(
        await client.patch(
            url,
            headers=h.recruiter.headers,
            json={"send_at": (now() - timedelta(hours=1)).isoformat()},
        ),
        422,
    )
    assert error_fields(past) == {"send_at"}
    problem(await client.patch(url, headers=h.recruiter.headers, json={"send_at": None}), 422)
    assert await snapshot(db, tenant.organization_id) == before

    later = now() + timedelta(days=3)
    changed = ok(
        await client.patch(
            url,
            headers=h.recruiter.headers,
            json={"send_at": later.isoformat(), "personal_note": "Thank you for your time, Ann"},
        )
    )
    assert close_to(changed["send_at"], later, seconds=1)
    assert changed["personal_note"] == "Thank you for your time, Ann"
    assert changed["status"] == "scheduled"
    [updated] = await events_of(db, tenant.organization_id, "outcome.updated")
    assert updated["data"]["changed"] == ["personal_note", "send_at"]
    assert [m["personal_note"] for m in await h.messages(rejected)] == [
        "Thank you for your time, Ann"
    ]

    sent = await _mark_sent(db, h, message["id"])
    assert sent["status"] == "sent"
    assert close_to(sent["sent_at"], now())
    assert _ids(await _waiting(h)) == [offered]
    [recorded] = await events_of(db, tenant.organization_id, "outcome.sent")
    assert recorded["data"] == {
        "message_id": message["id"],
        "application_id": rejected,
        "kind": "rejection",
    }
    before = await snapshot(db, tenant.organization_id)
    problem(await client.patch(url, headers=h.recruiter.headers, json={"personal_note": "x"}), 409)
    with pytest.raises(Conflict):
        await _mark_sent(db, h, message["id"])
    assert await snapshot(db, tenant.organization_id) == before

    # The offer reaches the candidate the same way: once its message is sent, they are told.
    await h.sent_offer(offered)
    [offer_message] = await h.messages(offered)
    assert _ids(await _waiting(h)) == [offered]
    await _mark_sent(db, h, offer_message["id"])
    view = await _waiting(h)
    assert (view["waiting"], view["candidates"]) == (0, [])


async def test_a_replaced_message_cannot_change(
    client: httpx.AsyncClient, db: Database, tenant: Tenant
) -> None:
    h = await hiring(client, db, tenant)
    ivan = await tenant.add("interviewer", "Ivan")
    application_id = await h.interviewed("Ann Lee", [ivan])
    transitions = f"{API}/applications/{application_id}/transitions"
    for action in ("reject", "reopen", "reject"):
        ok(
            await client.post(
                transitions,
                headers=h.recruiter.headers,
                json={"action": action, "reason": f"{action} it"},
            )
        )
    first, second = await h.messages(application_id)
    assert (first["status"], second["status"]) == ("cancelled", "scheduled")
    problem(
        await client.patch(
            f"{API}/outcome-messages/{first['id']}",
            headers=h.recruiter.headers,
            json={"personal_note": "Sorry"},
        ),
        409,
    )
    ok(
        await client.patch(
            f"{API}/outcome-messages/{second['id']}",
            headers=h.recruiter.headers,
            json={"personal_note": "Sorry"},
        )
    )


async def test_reopening_a_rejected_candidate_cancels_the_unsent_rejection(
    client: httpx.AsyncClient, db: Database, tenant: Tenant
) -> None:
    """A candidate back in the running must not receive the rejection that was waiting."""
    h = await hiring(client, db, tenant)
    ivan = await tenant.add("interviewer", "Ivan")
    application_id = await h.interviewed("Ann Lee", [ivan])
    transitions = f"{API}/applications/{application_id}/transitions"
    for action in ("reject", "reopen"):
        ok(
            await client.post(
                transitions,
                headers=h.recruiter.headers,
                json={"action": action, "reason": f"{action} it"},
            )
        )
    statuses = [(m["kind"], m["status"]) for m in await h.messages(application_id)]
    assert ("rejection", "scheduled") not in statuses, statuses


async def test_a_reopened_candidate_is_waiting_again_after_being_told(
    client: httpx.AsyncClient, db: Database, tenant: Tenant
) -> None:
    """Told "no", then back in the running: they are owed an outcome once more."""
    h = await hiring(client, db, tenant)
    ivan = await tenant.add("interviewer", "Ivan")
    application_id = await h.interviewed("Ann Lee", [ivan], hours_ago=5 * DAY)
    transitions = f"{API}/applications/{application_id}/transitions"
    ok(
        await client.post(
            transitions,
            headers=h.recruiter.headers,
            json={"action": "reject", "reason": "Role paused"},
        )
    )
    [message] = await h.messages(application_id)
    await _mark_sent(db, h, message["id"])
    assert _ids(await _waiting(h)) == []
    ok(
        await client.post(
            transitions,
            headers=h.recruiter.headers,
            json={"action": "reopen", "reason": "Role unpaused"},
        )
    )
    assert (await h.get_application(application_id))["outcome"] == "active"
    assert _ids(await _waiting(h)) == [application_id]


async def test_the_dashboard_figures_of_a_role(
    client: httpx.AsyncClient, db: Database, tenant: Tenant
) -> None:
    h = await hiring(client, db, tenant, headcount=3)
    other = await hiring(client, db, tenant, title="Designer", recruiter=h.recruiter)
    ivan, olga, pat, rae = [
        await tenant.add("interviewer", n) for n in ("Ivan", "Olga", "Pat", "Rae")
    ]

    # Applications at interviewing and decision.
    first = await h.application("Ann Lee")
    second = await h.application("Bob Ray")
    deciding = await h.application("Cy Dee")
    ivan_cards = [
        await h.submit(await h.held(first, [ivan], hours_ago=60), ivan),
        await h.submit(await h.held(second, [ivan], hours_ago=60), ivan),
    ]
    panel = await h.held(first, [rae], hours_ago=30, kind="team")
    await h.submit(panel, rae, submit=False, reasons="Draft only")  # a draft is still overdue
    await h.held(deciding, [pat], hours_ago=30)  # Pat never writes: overdue
    await h.held(deciding, [pat], hours_ago=30, status="cancelled")  # not owed
    ok(
        await client.post(
            f"{API}/applications/{deciding}/transitions",
            headers=h.recruiter.headers,
            json={"action": "move", "to_stage": "decision", "reason": "Panel done"},
        )
    )

    # Four offers: out, accepted, declined, and a draft that is not out yet.
    out, accepted, declined, drafted = [
        await h.at_offer(n, [olga]) for n in ("Di Out", "Ed Yes", "Flo No", "Gus Draft")
    ]
    olga_cards = [
        await h.submit(i["id"], olga)
        for i in await _interviews_of(h, out, accepted, declined, drafted)
    ]
    await h.sent_offer(out)
    ok(await h.move_offer(await h.sent_offer(accepted), "accepted"))
    ok(await h.move_offer(await h.sent_offer(declined), "declined"))
    await h.draft_offer(drafted)

    # Another role's figures stay out of this one.
    elsewhere = await other.at_offer("Hal Designer", [ivan])
    ivan_elsewhere = (await _interviews_of(other, elsewhere))[0]["id"]
    slow = await other.submit(ivan_elsewhere, ivan)
    ok(await other.move_offer(await other.sent_offer(elsewhere), "accepted"))

    # Exact times: hours from each interview's end to the first submission...
    hours = {
        ivan_cards[0]["id"]: 2,
        ivan_cards[1]["id"]: 6,
        olga_cards[0]["id"]: 1,
        olga_cards[1]["id"]: 3,
        olga_cards[2]["id"]: 10,
        olga_cards[3]["id"]: 20,
        slow["id"]: 100,
    }
    for card_id, delay in hours.items():
        await sql(
            db,
            "UPDATE scorecards s SET first_submitted_at = i.end_at + make_interval(hours => :h) "
            "FROM interviews i WHERE i.id = s.interview_id AND s.id = :c",
            h=delay,
            c=card_id,
        )
    # ...and days in the current stage.
    days = {first: 4, second: 2, deciding: 1, out: 5, drafted: 3, accepted: 50, declined: 50}
    for application_id, in_stage in days.items():
        await sql(
            db,
            "UPDATE applications SET stage_entered_at = :t WHERE id = :a",
            t=now() - timedelta(days=in_stage),
            a=application_id,
        )

    figures = ok(
        await client.get(f"{API}/roles/{h.role_id}/dashboard", headers=h.recruiter.headers)
    )
    assert figures["role_id"] == h.role_id
    stages = {s["stage"]: (s["applications"], s["average_days"]) for s in figures["time_in_stage"]}
    assert set(stages) == {"interviewing", "decision", "offer"}
    assert stages["interviewing"][0] == 2
    assert abs(stages["interviewing"][1] - 3.0) <= 0.01
    assert stages["decision"][0] == 1
    assert abs(stages["decision"][1] - 1.0) <= 0.01
    assert stages["offer"][0] == 2
    assert abs(stages["offer"][1] - 4.0) <= 0.01
    feedback = {f["interviewer_name"]: f for f in figures["time_to_feedback"]}
    assert set(feedback) == {"Ivan", "Olga"}
    assert (feedback["Ivan"]["submitted"], feedback["Ivan"]["median_hours"]) == (2, 4.0)
    assert (feedback["Olga"]["submitted"], feedback["Olga"]["median_hours"]) == (4, 6.5)
    assert feedback["Ivan"]["interviewer_id"] == str(ivan.id)
    assert figures["overdue_scorecards"] == 2
    assert figures["offers_out"] == 1
    assert (figures["offers_accepted"], figures["offers_declined"]) == (1, 1)
    assert figures["acceptance_rate"] == 0.5

    # The hiring manager of the role sees the same; others do not see it at all.
    assert (
        ok(await client.get(f"{API}/roles/{h.role_id}/dashboard", headers=h.hm.headers)) == figures
    )
    problem(await client.get(f"{API}/roles/{h.role_id}/dashboard", headers=other.hm.headers), 404)
    problem(await client.get(f"{API}/roles/{h.role_id}/dashboard", headers=ivan.headers), 403)

    # A role with nothing yet has empty figures, not errors.
    empty = await hiring(client, db, tenant, title="Empty", recruiter=h.recruiter)
    nothing = ok(
        await client.get(f"{API}/roles/{empty.role_id}/dashboard", headers=h.recruiter.headers)
    )
    assert nothing["time_in_stage"] == []
    assert nothing["time_to_feedback"] == []
    assert (nothing["overdue_scorecards"], nothing["offers_out"], nothing["acceptance_rate"]) == (
        0,
        0,
        None,
    )


async def _interviews_of(h: Hiring, *application_ids: str) -> list[dict[str, Any]]:
    """The one interview of each application, in the order given."""
    found: list[dict[str, Any]] = []
    for application_id in application_ids:
        page = ok(
            await h.client.get(
                f"{API}/interviews",
                headers=h.recruiter.headers,
                params={"application_id": application_id},
            )
        )
        [interview] = [i for i in page["items"] if i["application_id"] == application_id]
        found.append(interview)
    return found
