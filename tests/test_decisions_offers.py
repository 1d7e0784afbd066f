"""Decisions after interviews (with the catalogue of rejection reasons) and offers: legal moves,
hiring, expiry, and two acceptances racing for the last opening."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.db import Database
from app.domain.roles import repository as roles_repository
from tests.conftest import Tenant, create_tenant, make_settings
from tests.helpers_feedback import (
    API,
    at,
    close_to,
    error_fields,
    events_of,
    hiring,
    now,
    ok,
    problem,
    rows,
    snapshot,
    sql,
)

# ---------------------------------------------------------------------------------------------
# The catalogue of rejection reasons


async def test_the_rejection_reason_catalogue_is_managed_by_admins(
    client: httpx.AsyncClient, db: Database, tenant: Tenant, other_tenant: Tenant
) -> None:
    h = await hiring(client, db, tenant)
    url = f"{API}/rejection-reasons"
    body = {"code": "skills_gap", "label": "Skills gap"}
    before = await snapshot(db, tenant.organization_id)
    for who in (h.recruiter, h.hm):
        problem(await client.post(url, headers=who.headers, json=body), 403)
    problem(
        await client.post(
            url, headers=tenant.admin.headers, json={"code": "Skills Gap", "label": "x"}
        ),
        422,
    )
    assert await snapshot(db, tenant.organization_id) == before

    created = ok(await client.post(url, headers=tenant.admin.headers, json=body), 201)
    assert created["code"] == "skills_gap"
    assert created["is_active"] is True
    ok(
        await client.post(
            url, headers=tenant.admin.headers, json={"code": "culture", "label": "Culture add"}
        ),
        201,
    )
    before = await snapshot(db, tenant.organization_id)
    duplicate = problem(
        await client.post(
            url, headers=tenant.admin.headers, json={"code": "skills_gap", "label": "Again"}
        ),
        409,
    )
    assert "skills_gap" in duplicate["detail"]
    assert await snapshot(db, tenant.organization_id) == before
    # Another organization may use the same code: the catalogue is per organization.
    ok(await client.post(url, headers=other_tenant.admin.headers, json=body), 201)

    # Everyone in the organization reads the catalogue (the hiring manager picks from it).
    listed = ok(await client.get(url, headers=h.hm.headers))["items"]
    assert [r["code"] for r in listed] == ["culture", "skills_gap"]

    patch_url = f"{url}/{created['id']}"
    problem(
        await client.patch(patch_url, headers=h.recruiter.headers, json={"is_active": False}), 403
    )
    problem(
        await client.patch(
            patch_url, headers=other_tenant.admin.headers, json={"is_active": False}
        ),
        404,
    )
    retired = ok(
        await client.patch(
            patch_url, headers=tenant.admin.headers, json={"is_active": False, "label": "Gap"}
        )
    )
    assert retired["is_active"] is False
    assert retired["label"] == "Gap"
    assert [r["code"] for r in ok(await client.get(url, headers=h.hm.headers))["items"]] == [
        "culture"
    ]
    everything = ok(
        await client.get(url, headers=h.hm.headers, params={"include_inactive": "true"})
    )["items"]
    assert {r["code"]: r["is_active"] for r in everything} == {
        "culture": True,
        "skills_gap": False,
    }
    found = await events_of(
        db, tenant.organization_id, "rejection_reason.created", "rejection_reason.updated"
    )
    assert [e["type"] for e in found] == [
        "rejection_reason.created",
        "rejection_reason.created",
        "rejection_reason.updated",
    ]


# ---------------------------------------------------------------------------------------------
# Decisions


async def test_only_the_hiring_manager_or_their_delegate_decides(
    client: httpx.AsyncClient, db: Database, tenant: Tenant
) -> None:
    h = await hiring(client, db, tenant)
    ivan = await tenant.add("interviewer", "Ivan")
    other_hm = await tenant.add("hiring_manager", "Other HM")
    delegate = await tenant.add("hiring_manager", "Della Delegate")
    application_id = await h.interviewed("Ann Lee", [ivan])
    before = await snapshot(db, tenant.organization_id)

    for who in (h.recruiter, tenant.admin, ivan):
        problem(await h.decide(application_id, "advance", who=who), 403)
    problem(await h.decide(application_id, "advance", who=other_hm), 404)
    problem(await h.decide(application_id, "advance", who=delegate), 404)
    assert await snapshot(db, tenant.organization_id) == before

    ok(
        await client.patch(
            f"{API}/members/{h.hm.id}/preferences",
            headers=h.hm.headers,
            json={"delegate_id": str(delegate.id)},
        )
    )
    decided = ok(await h.decide(application_id, "advance", who=delegate, note="Another round"), 201)
    assert decided["decided_by_id"] == str(delegate.id)
    assert decided["decision"] == "advance"
    assert decided["note"] == "Another round"


async def test_no_decision_before_an_interview_has_taken_place(
    client: httpx.AsyncClient, db: Database, tenant: Tenant
) -> None:
    h = await hiring(client, db, tenant)
    ivan = await tenant.add("interviewer", "Ivan")
    reason_id = await h.reason()
    upcoming = await h.application("Ann Lee")
    await h.schedule(upcoming, [ivan])
    cancelled = await h.application("Bob Ray")
    await h.held(cancelled, [ivan], status="cancelled")
    unscheduled = await h.application("Cy Dee")
    before = await snapshot(db, tenant.organization_id)

    for application_id in (upcoming, cancelled, unscheduled):
        for decision, reason in (("advance", None), ("offer", None), ("reject", reason_id)):
            found = problem(await h.decide(application_id, decision, reason_id=reason), 409)
            assert "interview" in found["detail"]
    assert await snapshot(db, tenant.organization_id) == before
    assert (
        ok(await client.get(f"{API}/applications/{upcoming}/decision", headers=h.hm.headers))
        is None
    )


async def test_a_rejection_needs_an_active_reason_of_the_organizations_catalogue(
    client: httpx.AsyncClient, db: Database, tenant: Tenant, other_tenant: Tenant
) -> None:
    h = await hiring(client, db, tenant)
    ivan = await tenant.add("interviewer", "Ivan")
    application_id = await h.interviewed("Ann Lee", [ivan])
    active = await h.reason("skills_gap")
    retired = await h.reason("overqualified", "Overqualified")
    ok(
        await client.patch(
            f"{API}/rejection-reasons/{retired}",
            headers=tenant.admin.headers,
            json={"is_active": False},
        )
    )
    foreign = ok(
        await client.post(
            f"{API}/rejection-reasons",
            headers=other_tenant.admin.headers,
            json={"code": "skills_gap", "label": "Skills gap"},
        ),
        201,
    )["id"]
    before = await snapshot(db, tenant.organization_id)

    missing = problem(await h.decide(application_id, "reject", note="Not for us"), 422)
    assert "rejection_reason_id" in missing["detail"] + str(missing.get("errors"))
    for reason in (retired, foreign, "00000000-0000-4000-8000-000000000000"):
        refused = problem(await h.decide(application_id, "reject", reason_id=reason), 422)
        assert error_fields(refused) == {"rejection_reason_id"}
    # A reason from the catalogue belongs to a rejection only; every decision needs a note.
    problem(await h.decide(application_id, "advance", reason_id=active), 422)
    problem(await h.decide(application_id, "offer", note=""), 422)
    problem(await h.decide(application_id, "hire"), 422)
    assert await snapshot(db, tenant.organization_id) == before
    assert await events_of(db, tenant.organization_id, "application.decided") == []

    decided = ok(
        await h.decide(application_id, "reject", reason_id=active, note="Needs more SQL"), 201
    )
    assert decided["rejection_reason_id"] == active
    application = await h.get_application(application_id)
    assert (application["stage"], application["outcome"]) == ("interviewing", "rejected")
    latest = ok(
        await client.get(f"{API}/applications/{application_id}/decision", headers=h.hm.headers)
    )
    assert latest["id"] == decided["id"]
    assert latest["note"] == "Needs more SQL"
    found = await events_of(db, tenant.organization_id, "application.decided")
    assert [e["data"] for e in found] == [
        {"application_id": application_id, "decision": "reject", "rejection_reason_id": active}
    ]
    assert found[0]["actor_member_id"] == h.hm.id
    assert len(await events_of(db, tenant.organization_id, "application.rejected")) == 1

    # The interviewed candidate is owed the outcome, after the default delay.
    [message] = await h.messages(application_id)
    assert message["kind"] == "rejection"
    assert message["status"] == "scheduled"
    assert close_to(message["send_at"], now() + timedelta(hours=24))
    scheduled = await events_of(db, tenant.organization_id, "outcome.scheduled")
    assert [e["data"]["kind"] for e in scheduled] == ["rejection"]


async def test_advance_and_offer_move_the_application(
    client: httpx.AsyncClient, db: Database, tenant: Tenant
) -> None:
    h = await hiring(client, db, tenant)
    ivan = await tenant.add("interviewer", "Ivan")
    application_id = await h.interviewed("Ann Lee", [ivan])

    # At interviewing, advance means another round: the application stays where it is.
    ok(await h.decide(application_id, "advance", note="One more round"), 201)
    assert (await h.get_application(application_id))["stage"] == "interviewing"
    # At decision, advance sends it back to interviewing.
    ok(
        await client.post(
            f"{API}/applications/{application_id}/transitions",
            headers=h.recruiter.headers,
            json={"action": "move", "to_stage": "decision", "reason": "Panel done"},
        )
    )
    ok(await h.decide(application_id, "advance", note="Team round too"), 201)
    after = await h.get_application(application_id)
    assert (after["stage"], after["outcome"]) == ("interviewing", "active")
    # Offer moves it (through decision) to offer.
    offer = ok(await h.decide(application_id, "offer", note="Strong across the panel"), 201)
    after = await h.get_application(application_id)
    assert (after["stage"], after["outcome"]) == ("offer", "active")
    history = ok(
        await client.get(
            f"{API}/applications/{application_id}/history", headers=h.recruiter.headers
        )
    )["items"]
    steps = [(t["from_stage"], t["to_stage"]) for t in history if t["action"] == "move"]
    assert steps[-2:] == [("interviewing", "decision"), ("decision", "offer")]
    latest = ok(
        await client.get(f"{API}/applications/{application_id}/decision", headers=h.hm.headers)
    )
    assert latest["id"] == offer["id"]
    assert latest["decision"] == "offer"
    decided = await events_of(db, tenant.organization_id, "application.decided")
    assert [e["data"]["decision"] for e in decided] == ["advance", "advance", "offer"]
    # No rejection is owed to someone who is getting an offer.
    assert await h.messages(application_id) == []

    # Decisions are made after interviews, not once the offer stage is reached.
    before = await snapshot(db, tenant.organization_id)
    problem(await h.decide(application_id, "advance"), 409)
    assert await snapshot(db, tenant.organization_id) == before


@pytest.fixture
async def patient_app(database_url: str) -> AsyncIterator[FastAPI]:
    application = create_app_with(outcome_default_delay_hours=72, database_url=database_url)
    async with application.router.lifespan_context(application):
        yield application


def create_app_with(database_url: str, **overrides: object) -> FastAPI:
    from app.main import create_app

    return create_app(make_settings(**overrides), database_url=database_url)


async def test_the_rejection_waits_for_the_configured_delay(
    patient_app: FastAPI, db: Database
) -> None:
    tenant = await create_tenant(db)
    transport = httpx.ASGITransport(app=patient_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hireloop.test") as client:
        h = await hiring(client, db, tenant)
        ivan = await tenant.add("interviewer", "Ivan")
        application_id = await h.interviewed("Ann Lee", [ivan])
        reason_id = await h.reason()
        ok(await h.decide(application_id, "reject", reason_id=reason_id), 201)
        [message] = await h.messages(application_id)
    assert close_to(message["send_at"], now() + timedelta(hours=72))


# ---------------------------------------------------------------------------------------------
# Offers


async def test_an_offer_is_drafted_at_the_offer_stage_one_open_at_a_time(
    client: httpx.AsyncClient, db: Database, tenant: Tenant
) -> None:
    h = await hiring(client, db, tenant)
    ivan = await tenant.add("interviewer", "Ivan")
    interviewing = await h.interviewed("Bob Ray", [ivan])
    application_id = await h.at_offer("Ann Lee", [ivan])
    before = await snapshot(db, tenant.organization_id)

    problem(await h.create_offer(interviewing), 409)
    problem(
        await client.post(
            f"{API}/offers",
            headers=h.hm.headers,
            json={
                "application_id": application_id,
                "compensation": {"currency": "EUR", "base_salary": 1},
            },
        ),
        403,
    )
    expired = problem(
        await h.create_offer(application_id, expires_at=(now() - timedelta(hours=1)).isoformat()),
        422,
    )
    assert error_fields(expired) == {"expires_at"}
    problem(
        await h.create_offer(application_id, compensation={"currency": "euro", "base_salary": 1}),
        422,
    )
    assert await snapshot(db, tenant.organization_id) == before

    created = ok(
        await h.create_offer(
            application_id,
            compensation={"currency": "EUR", "base_salary": 90000, "bonus": 5000},
            note="Standard package",
        ),
        201,
    )
    assert created["status"] == "draft"
    assert created["compensation"]["base_salary"] == 90000
    assert created["compensation"]["bonus"] == 5000
    assert created["role_id"] == h.role_id
    assert created["created_by_id"] == str(h.recruiter.id)
    before = await snapshot(db, tenant.organization_id)
    assert "open offer" in problem(await h.create_offer(application_id), 409)["detail"]
    assert await snapshot(db, tenant.organization_id) == before

    changed = ok(
        await client.patch(
            f"{API}/offers/{created['id']}",
            headers=h.recruiter.headers,
            json={"compensation": {"currency": "EUR", "base_salary": 95000}},
        )
    )
    assert changed["compensation"]["base_salary"] == 95000
    assert [
        e["data"]["offer_id"] for e in await events_of(db, tenant.organization_id, "offer.created")
    ] == [created["id"]]
    listed = ok(await client.get(f"{API}/roles/{h.role_id}/offers", headers=h.hm.headers))
    assert [o["id"] for o in listed["items"]] == [created["id"]]


async def test_offer_moves_are_legal_only(
    client: httpx.AsyncClient, db: Database, tenant: Tenant
) -> None:
    h = await hiring(client, db, tenant, headcount=2)
    ivan = await tenant.add("interviewer", "Ivan")
    other_hm = await tenant.add("hiring_manager", "Other HM")
    application_id = await h.at_offer("Ann Lee", [ivan])
    offer_id = await h.draft_offer(application_id)

    async def refused(to: str, allowed: list[str]) -> None:
        before = await snapshot(db, tenant.organization_id)
        body = problem(await h.move_offer(offer_id, to), 409)
        assert body["allowed"] == allowed, body
        assert await snapshot(db, tenant.organization_id) == before

    await refused("sent", ["approved", "rescinded"])
    await refused("accepted", ["approved", "rescinded"])
    await refused("declined", ["approved", "rescinded"])
    before = await snapshot(db, tenant.organization_id)
    # Only an admin or the role's hiring manager approves.
    problem(await h.move_offer(offer_id, "approved", h.recruiter), 403)
    problem(await h.move_offer(offer_id, "approved", ivan), 403)
    problem(await h.move_offer(offer_id, "approved", other_hm), 404)
    problem(await h.move_offer(offer_id, "unknown"), 422)
    assert await snapshot(db, tenant.organization_id) == before

    approved = ok(await h.move_offer(offer_id, "approved", h.hm))
    assert approved["status"] == "approved"
    assert approved["approved_by_id"] == str(h.hm.id)
    assert close_to(approved["approved_at"], now())
    await refused("approved", ["rescinded", "sent"])
    await refused("accepted", ["rescinded", "sent"])
    # Only a draft can change.
    problem(
        await client.patch(
            f"{API}/offers/{offer_id}", headers=h.recruiter.headers, json={"note": "late change"}
        ),
        409,
    )
    sent = ok(await h.move_offer(offer_id, "sent"))
    assert sent["status"] == "sent"
    assert close_to(sent["sent_at"], now())
    await refused("approved", ["accepted", "declined", "rescinded"])
    await refused("sent", ["accepted", "declined", "rescinded"])
    accepted = ok(await h.move_offer(offer_id, "accepted", reason="Signed"))
    assert accepted["status"] == "accepted"
    assert accepted["status_reason"] == "Signed"
    for to in ("approved", "sent", "declined", "rescinded", "accepted"):
        await refused(to, [])
    found = await events_of(
        db, tenant.organization_id, "offer.approved", "offer.sent", "offer.accepted"
    )
    assert [e["type"] for e in found] == ["offer.approved", "offer.sent", "offer.accepted"]
    assert {e["data"]["offer_id"] for e in found} == {offer_id}

    # An admin may approve as well.
    second = await h.at_offer("Bob Ray", [ivan])
    other_offer = await h.draft_offer(second)
    assert ok(await h.move_offer(other_offer, "approved", tenant.admin))["approved_by_id"] == str(
        tenant.admin.id
    )


async def test_sending_an_offer_owes_the_candidate_the_message_now(
    client: httpx.AsyncClient, db: Database, tenant: Tenant
) -> None:
    h = await hiring(client, db, tenant)
    ivan = await tenant.add("interviewer", "Ivan")
    application_id = await h.at_offer("Ann Lee", [ivan])
    offer_id = await h.draft_offer(application_id)
    ok(await h.move_offer(offer_id, "approved", h.hm))
    assert await h.messages(application_id) == []
    ok(await h.move_offer(offer_id, "sent"))
    [message] = await h.messages(application_id)
    assert message["kind"] == "offer"
    assert message["offer_id"] == offer_id
    assert message["status"] == "scheduled"
    assert close_to(message["send_at"], now(), seconds=60)
    scheduled = await events_of(db, tenant.organization_id, "outcome.scheduled")
    assert [(e["data"]["kind"], e["data"]["application_id"]) for e in scheduled] == [
        ("offer", application_id)
    ]


async def test_accepting_hires_and_fills_the_role_at_headcount(
    client: httpx.AsyncClient, db: Database, tenant: Tenant
) -> None:
    h = await hiring(client, db, tenant, headcount=2)
    ivan = await tenant.add("interviewer", "Ivan")
    first = await h.at_offer("Ann Lee", [ivan])
    second = await h.at_offer("Bob Ray", [ivan])
    first_offer = await h.sent_offer(first)
    second_offer = await h.sent_offer(second)

    accepted = ok(await h.move_offer(first_offer, "accepted"))
    assert close_to(accepted["responded_at"], now())
    application = await h.get_application(first)
    assert (application["stage"], application["outcome"]) == ("hired", "hired")
    role = await h.get_role()
    assert (role["filled_count"], role["status"]) == (1, "open")

    ok(await h.move_offer(second_offer, "accepted"))
    role = await h.get_role()
    assert (role["filled_count"], role["status"]) == (2, "filled")
    hired = await events_of(db, tenant.organization_id, "application.hired")
    assert [e["data"]["application_id"] for e in hired] == [first, second]
    updated = await events_of(db, tenant.organization_id, "role.updated")
    assert [sorted(e["data"]["changed"]) for e in updated] == [
        ["filled_count"],
        ["filled_count", "status"],
    ]


async def test_an_expired_offer_can_be_neither_sent_nor_accepted(
    client: httpx.AsyncClient, db: Database, tenant: Tenant
) -> None:
    h = await hiring(client, db, tenant)
    ivan = await tenant.add("interviewer", "Ivan")
    unsent = await h.at_offer("Ann Lee", [ivan])
    unsent_offer = await h.draft_offer(unsent)
    ok(await h.move_offer(unsent_offer, "approved", h.hm))
    unanswered = await h.at_offer("Bob Ray", [ivan])
    unanswered_offer = await h.sent_offer(unanswered)
    past = now() - timedelta(hours=1)
    await sql(
        db,
        "UPDATE offers SET expires_at = :p WHERE id = ANY(:ids)",
        p=past,
        ids=[unsent_offer, unanswered_offer],
    )
    before = await snapshot(db, tenant.organization_id)

    assert "expir" in problem(await h.move_offer(unsent_offer, "sent"), 409)["detail"]
    assert "expir" in problem(await h.move_offer(unanswered_offer, "accepted"), 409)["detail"]
    assert await snapshot(db, tenant.organization_id) == before
    assert (await h.get_offer(unsent_offer))["status"] == "approved"
    assert await h.messages(unsent) == []
    assert (await h.get_application(unanswered))["outcome"] == "active"
    assert (await h.get_role())["filled_count"] == 0
    # Rescinding an expired offer is still possible.
    ok(await h.move_offer(unanswered_offer, "rescinded", reason="Expired"))


async def test_a_declined_offer_withdraws_and_a_rescinded_one_goes_back_to_decision(
    client: httpx.AsyncClient, db: Database, tenant: Tenant
) -> None:
    h = await hiring(client, db, tenant)
    ivan = await tenant.add("interviewer", "Ivan")
    declining = await h.at_offer("Ann Lee", [ivan])
    declined_offer = await h.sent_offer(declining)
    declined = ok(await h.move_offer(declined_offer, "declined", reason="Took another offer"))
    assert declined["status"] == "declined"
    assert close_to(declined["responded_at"], now())
    application = await h.get_application(declining)
    assert (application["stage"], application["outcome"]) == ("offer", "withdrawn")
    assert len(await events_of(db, tenant.organization_id, "application.withdrawn")) == 1
    assert (await h.get_role())["filled_count"] == 0

    rescinding = await h.at_offer("Bob Ray", [ivan])
    rescinded_offer = await h.draft_offer(rescinding)
    ok(await h.move_offer(rescinded_offer, "approved", h.hm))
    rescinded = ok(await h.move_offer(rescinded_offer, "rescinded", reason="Budget frozen"))
    assert rescinded["status"] == "rescinded"
    application = await h.get_application(rescinding)
    assert (application["stage"], application["outcome"]) == ("decision", "active")
    # Back at decision, the hiring manager may decide again and a new offer can be drafted.
    ok(await h.decide(rescinding, "offer", note="Budget back"), 201)
    assert (await h.get_offer(await h.draft_offer(rescinding)))["status"] == "draft"


async def test_rescinding_a_sent_offer_cancels_its_unsent_message(
    client: httpx.AsyncClient, db: Database, tenant: Tenant
) -> None:
    """The candidate must not be sent an offer that no longer stands."""
    h = await hiring(client, db, tenant)
    ivan = await tenant.add("interviewer", "Ivan")
    application_id = await h.at_offer("Ann Lee", [ivan])
    offer_id = await h.sent_offer(application_id)
    ok(await h.move_offer(offer_id, "rescinded", reason="Role cancelled"))
    statuses = [(m["kind"], m["status"]) for m in await h.messages(application_id)]
    assert ("offer", "scheduled") not in statuses, statuses


async def test_two_acceptances_for_the_last_opening_one_wins(
    client: httpx.AsyncClient, db: Database, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = await hiring(client, db, tenant, headcount=1)
    ivan = await tenant.add("interviewer", "Ivan")
    first = await h.at_offer("Ann Lee", [ivan])
    second = await h.at_offer("Bob Ray", [ivan])
    offers = [await h.sent_offer(first), await h.sent_offer(second)]

    # Make the race certain: each acceptance reads everything it reads unlocked, then waits
    # (briefly) for the other to get that far before either locks the role.
    arrived: list[object] = []
    both_there = asyncio.Event()
    original = roles_repository.get_role

    async def get_role_in_step(*args: Any, **kwargs: Any) -> Any:
        if kwargs.get("for_update"):
            arrived.append(object())
            if len(arrived) >= 2:
                both_there.set()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(both_there.wait(), timeout=2)
        return await original(*args, **kwargs)

    monkeypatch.setattr(roles_repository, "get_role", get_role_in_step)
    one, two = await asyncio.gather(
        h.move_offer(offers[0], "accepted"), h.move_offer(offers[1], "accepted")
    )
    assert sorted([one.status_code, two.status_code]) == [200, 409], (one.text, two.text)
    loser = two if one.status_code == 200 else one
    assert "headcount is filled" in loser.json()["detail"]
    role = await h.get_role()
    assert (role["filled_count"], role["status"]) == (1, "filled")
    outcomes = {a: (await h.get_application(a))["outcome"] for a in (first, second)}
    assert sorted(outcomes.values()) == ["active", "hired"]
    statuses = sorted([(await h.get_offer(o))["status"] for o in offers])
    assert statuses == ["accepted", "sent"]
    assert len(await events_of(db, tenant.organization_id, "application.hired")) == 1
    assert len(await events_of(db, tenant.organization_id, "offer.accepted")) == 1
    hired = await rows(
        db,
        "SELECT count(*) AS n FROM applications WHERE role_id = :r AND outcome = 'hired'",
        r=h.role_id,
    )
    assert hired == [{"n": 1}]
    assert len(arrived) == 2, "both acceptances should have reached the role lock"


async def test_concurrent_offer_requests_take_turns(
    client: httpx.AsyncClient, db: Database, tenant: Tenant
) -> None:
    h = await hiring(client, db, tenant)
    ivan = await tenant.add("interviewer", "Ivan")
    application_id = await h.at_offer("Ann Lee", [ivan])

    # Two recruiters drafting at once: one offer, not two open ones.
    one, two = await asyncio.gather(h.create_offer(application_id), h.create_offer(application_id))
    assert sorted([one.status_code, two.status_code]) == [201, 409], (one.text, two.text)
    offer_id = (one if one.status_code == 201 else two).json()["id"]
    ok(await h.move_offer(offer_id, "approved", h.hm))

    # Sending twice at once: sent once, one message owed, one event.
    one, two = await asyncio.gather(h.move_offer(offer_id, "sent"), h.move_offer(offer_id, "sent"))
    assert sorted([one.status_code, two.status_code]) == [200, 409], (one.text, two.text)
    assert [m["kind"] for m in await h.messages(application_id)] == ["offer"]
    assert len(await events_of(db, tenant.organization_id, "offer.sent")) == 1
    assert len(await events_of(db, tenant.organization_id, "offer.created")) == 1
    offers = ok(await client.get(f"{API}/roles/{h.role_id}/offers", headers=h.recruiter.headers))
    assert [o["status"] for o in offers["items"]] == ["sent"]


async def test_offers_of_another_organization_are_not_found(
    client: httpx.AsyncClient, db: Database, tenant: Tenant, other_tenant: Tenant
) -> None:
    h = await hiring(client, db, tenant)
    ivan = await tenant.add("interviewer", "Ivan")
    application_id = await h.at_offer("Ann Lee", [ivan])
    offer_id = await h.draft_offer(application_id)
    stranger = other_tenant.admin
    before = await snapshot(db, tenant.organization_id)
    problem(await client.get(f"{API}/offers/{offer_id}", headers=stranger.headers), 404)
    problem(await h.move_offer(offer_id, "approved", stranger), 404)
    problem(
        await client.post(
            f"{API}/offers",
            headers=stranger.headers,
            json={
                "application_id": application_id,
                "compensation": {"currency": "EUR", "base_salary": 1},
            },
        ),
        404,
    )
    problem(await client.get(f"{API}/roles/{h.role_id}/offers", headers=stranger.headers), 404)
    assert await snapshot(db, tenant.organization_id) == before
    assert at((await h.get_offer(offer_id))["created_at"]) <= now()
