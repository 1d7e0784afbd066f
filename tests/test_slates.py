"""Slates: drafted small, sent to the hiring manager, decided with reasons, revisions kept."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from app.db import Database
from app.main import create_app
from tests.conftest import Person, Tenant, make_settings
from tests.helpers_pipeline import (
    apply,
    candidate_in_role,
    decide,
    draft_slate,
    due,
    events_of,
    item_of,
    make_candidate,
    make_role,
    move,
    sent_slate,
    stored_event_types,
)


async def _setup(client: httpx.AsyncClient, tenant: Tenant) -> tuple[Person, Person, str]:
    recruiter = await tenant.add("recruiter")
    hm = await tenant.add("hiring_manager")
    role_id = await make_role(client, recruiter, hm)
    return recruiter, hm, role_id


async def _apps(
    client: httpx.AsyncClient, recruiter: Person, role_id: str, n: int, prefix: str = "Cand"
) -> list[str]:
    return [
        (await candidate_in_role(client, recruiter, role_id, f"{prefix} {i}", skills=["SQL"]))[1]
        for i in range(n)
    ]


async def _application(client: httpx.AsyncClient, who: Person, aid: str) -> dict[str, Any]:
    response = await client.get(f"/api/v1/applications/{aid}", headers=who.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _fields(response: httpx.Response) -> set[str]:
    return {e["field"] for e in response.json().get("errors", [])}


async def test_a_draft_slate_is_the_recruiters_until_sent(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    recruiter, hm, role_id = await _setup(client, tenant)
    apps = await _apps(client, recruiter, role_id, 3)
    slate = await draft_slate(
        client, recruiter, role_id, apps[:2], questions={apps[0]: "What have I missed?"}
    )
    assert slate["status"] == "draft"
    assert slate["role_id"] == role_id
    assert [
        (i["application_id"], i["position"], i["question"], i["decision"]) for i in slate["items"]
    ] == [
        (apps[0], 1, "What have I missed?", None),
        (apps[1], 2, None, None),
    ]
    assert slate["sent_at"] is None
    assert slate["created_by_id"] == str(recruiter.id)
    # A draft moves nobody.
    assert (await _application(client, recruiter, apps[0]))["stage"] == "sourced"

    # The hiring manager does not see drafts.
    assert (
        await client.get(f"/api/v1/slates/{slate['id']}", headers=hm.headers)
    ).status_code == 404
    hm_list = await client.get(f"/api/v1/roles/{role_id}/slates", headers=hm.headers)
    assert hm_list.status_code == 200
    assert hm_list.json()["items"] == []
    mine = await client.get(f"/api/v1/roles/{role_id}/slates", headers=recruiter.headers)
    assert [s["id"] for s in mine.json()["items"]] == [slate["id"]]
    early = await decide(client, hm, slate, apps[0], "approve", note="keen")
    assert early.status_code == 404

    # The draft is editable: items, note, due date.
    url = f"/api/v1/slates/{slate['id']}"
    due_at = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0)
    changed = await client.patch(
        url,
        headers=recruiter.headers,
        json={
            "items": [
                {"application_id": apps[2], "question": "Too junior?"},
                {"application_id": apps[0]},
            ],
            "note": "Two to start",
            "due_at": due_at.isoformat(),
        },
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert [(i["application_id"], i["position"], i["question"]) for i in body["items"]] == [
        (apps[2], 1, "Too junior?"),
        (apps[0], 2, None),
    ]
    assert body["note"] == "Two to start"
    assert datetime.fromisoformat(body["due_at"]) == due_at
    assert body["version"] == slate["version"] + 1
    reread = (await client.get(url, headers=recruiter.headers)).json()
    assert [i["application_id"] for i in reread["items"]] == [apps[2], apps[0]]
    # apps[1] left the draft, so it may go on another slate.
    other = await draft_slate(client, recruiter, role_id, [apps[1]])
    assert other["status"] == "draft"

    by_hm = await client.patch(url, headers=hm.headers, json={"note": "mine now"})
    assert by_hm.status_code == 403


async def test_slate_size_is_capped(client: httpx.AsyncClient, tenant: Tenant) -> None:
    recruiter, _, role_id = await _setup(client, tenant)
    apps = await _apps(client, recruiter, role_id, 11)
    too_many = await client.post(
        "/api/v1/slates",
        headers=recruiter.headers,
        json={"role_id": role_id, "items": [{"application_id": a} for a in apps]},
    )
    assert too_many.status_code == 422, too_many.text
    assert "items" in _fields(too_many)
    assert "10" in too_many.text
    listed = await client.get(f"/api/v1/roles/{role_id}/slates", headers=recruiter.headers)
    assert listed.json()["items"] == []
    ten = await draft_slate(client, recruiter, role_id, apps[:10])
    assert len(ten["items"]) == 10
    grow = await client.patch(
        f"/api/v1/slates/{ten['id']}",
        headers=recruiter.headers,
        json={"items": [{"application_id": a} for a in apps]},
    )
    assert grow.status_code == 422
    assert "items" in _fields(grow)


@pytest.fixture
async def small_slate_app(tmp_path: Path, database_url: str) -> AsyncIterator[FastAPI]:
    application = create_app(
        make_settings(slate_max_size=3, data_dir=tmp_path), database_url=database_url
    )
    async with application.router.lifespan_context(application):
        yield application


async def test_the_slate_cap_is_the_apps_setting(small_slate_app: FastAPI, tenant: Tenant) -> None:
    transport = httpx.ASGITransport(app=small_slate_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hireloop.test") as small:
        recruiter, _, role_id = await _setup(small, tenant)
        apps = await _apps(small, recruiter, role_id, 4)
        response = await small.post(
            "/api/v1/slates",
            headers=recruiter.headers,
            json={"role_id": role_id, "items": [{"application_id": a} for a in apps]},
        )
        assert response.status_code == 422, response.text
        assert "items" in _fields(response)
        assert "3" in response.json()["errors"][0]["message"]


async def test_only_active_early_applications_of_the_role_go_on_one_open_slate(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    recruiter, hm, role_id = await _setup(client, tenant)
    other_role = await make_role(client, recruiter, hm, title="Other role")
    apps = await _apps(client, recruiter, role_id, 5)
    foreign = (await candidate_in_role(client, recruiter, other_role, "Other Role Person"))[1]
    rejected = apps[1]
    assert (await move(client, recruiter, rejected, action="reject")).status_code == 200
    late = apps[2]
    for stage in ("submitted", "hm_review"):
        assert (await move(client, recruiter, late, stage)).status_code == 200
    busy = apps[3]
    waiting = await draft_slate(client, recruiter, role_id, [busy])
    outsider = await other_tenant.add("recruiter")
    outsider_role = await make_role(client, outsider, await other_tenant.add("hiring_manager"))
    outsider_app = (await candidate_in_role(client, outsider, outsider_role, "Outside Org"))[1]

    response = await client.post(
        "/api/v1/slates",
        headers=recruiter.headers,
        json={
            "role_id": role_id,
            "items": [
                {"application_id": apps[0]},
                {"application_id": foreign},
                {"application_id": rejected},
                {"application_id": late},
                {"application_id": busy},
                {"application_id": outsider_app},
                {"application_id": str(uuid.uuid4())},
                {"application_id": apps[0]},
            ],
        },
    )
    assert response.status_code == 422, response.text
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert set(errors) == {f"items.{n}.application_id" for n in range(1, 8)}
    assert "rejected" in errors["items.2.application_id"]
    assert "hm_review" in errors["items.3.application_id"]
    assert waiting["id"] in errors["items.4.application_id"]
    assert "twice" in errors["items.7.application_id"]
    slates = await client.get(f"/api/v1/roles/{role_id}/slates", headers=recruiter.headers)
    assert [s["id"] for s in slates.json()["items"]] == [waiting["id"]]

    unknown_role = await client.post(
        "/api/v1/slates",
        headers=recruiter.headers,
        json={"role_id": str(uuid.uuid4()), "items": [{"application_id": apps[0]}]},
    )
    assert unknown_role.status_code == 422
    assert "role_id" in _fields(unknown_role)
    empty = await client.post(
        "/api/v1/slates", headers=recruiter.headers, json={"role_id": role_id, "items": []}
    )
    assert empty.status_code == 422
    by_hm = await client.post(
        "/api/v1/slates",
        headers=hm.headers,
        json={"role_id": role_id, "items": [{"application_id": apps[0]}]},
    )
    assert by_hm.status_code == 403


async def test_sending_moves_applications_to_hm_review_and_records_slate_sent(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    recruiter, hm, role_id = await _setup(client, tenant)
    apps = await _apps(client, recruiter, role_id, 3)
    assert (await move(client, recruiter, apps[1], "screening")).status_code == 200
    assert (await move(client, recruiter, apps[2], "submitted")).status_code == 200
    slate = await draft_slate(client, recruiter, role_id, apps)
    url = f"/api/v1/slates/{slate['id']}/send"

    past = await client.post(
        url,
        headers=recruiter.headers,
        json={"due_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat()},
    )
    assert past.status_code == 422
    assert "due_at" in _fields(past)
    by_hm = await client.post(url, headers=hm.headers, json={"due_at": due()})
    assert by_hm.status_code == 403
    for aid in apps:
        assert (await _application(client, recruiter, aid))["stage"] != "hm_review"

    due_at = due(2)
    sent = await client.post(url, headers=recruiter.headers, json={"due_at": due_at})
    assert sent.status_code == 200, sent.text
    body = sent.json()
    assert body["status"] == "sent"
    assert body["sent_by_id"] == str(recruiter.id)
    assert datetime.fromisoformat(body["due_at"]) == datetime.fromisoformat(due_at)
    assert body["sent_at"] is not None
    for aid in apps:
        application = await _application(client, recruiter, aid)
        assert (application["stage"], application["outcome"]) == ("hm_review", "active")
    history = (
        await client.get(f"/api/v1/applications/{apps[0]}/history", headers=recruiter.headers)
    ).json()["items"]
    assert [h["to_stage"] for h in history] == ["sourced", "submitted", "hm_review"]
    assert slate["id"] in history[-1]["reason"]
    history = (
        await client.get(f"/api/v1/applications/{apps[2]}/history", headers=recruiter.headers)
    ).json()["items"]
    # Already submitted by the recruiter: sending adds only the move to hm_review.
    assert [(h["to_stage"], slate["id"] in h["reason"]) for h in history] == [
        ("sourced", False),
        ("submitted", False),
        ("hm_review", True),
    ]

    again = await client.post(url, headers=recruiter.headers, json={"due_at": due()})
    assert again.status_code == 409
    frozen = await client.patch(
        f"/api/v1/slates/{slate['id']}", headers=recruiter.headers, json={"note": "too late"}
    )
    assert frozen.status_code == 409

    # Now the hiring manager sees it.
    seen = await client.get(f"/api/v1/slates/{slate['id']}", headers=hm.headers)
    assert seen.status_code == 200
    assert [i["application_id"] for i in seen.json()["items"]] == apps

    events = await events_of(client, tenant.admin, "slate.sent")
    assert len(events) == 1
    data = events[0]["data"]
    assert data["slate_id"] == slate["id"]
    assert data["hiring_manager_id"] == str(hm.id)
    assert sorted(data["application_ids"]) == sorted(apps)
    moved = await events_of(client, tenant.admin, "application.moved", at_least=7)
    # Two moves by the recruiter before, five by sending (two to submitted, three to hm_review).
    assert len(moved) == 7
    assert sum(1 for e in moved if e["data"]["to_stage"] == "hm_review") == 3


async def test_decisions_need_reasons_from_the_intake(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    recruiter, hm, role_id = await _setup(client, tenant)
    apps = await _apps(client, recruiter, role_id, 2)
    slate = await sent_slate(client, recruiter, role_id, apps)

    bare = await decide(client, hm, slate, apps[0], "reject")
    assert bare.status_code == 422, bare.text
    assert "reason" in bare.text
    only_category = await decide(client, hm, slate, apps[0], "reject", categories=["skills"])
    assert only_category.status_code == 422
    unknown = await decide(
        client, hm, slate, apps[0], "reject", missing_skills=["SQL", "Cobol", "Fortran"]
    )
    assert unknown.status_code == 422, unknown.text
    problem = unknown.json()
    assert "Cobol" in problem["detail"]
    assert "Fortran" in problem["detail"]
    assert "SQL" not in problem["detail"].split(":", 1)[1]
    assert {e["field"] for e in problem["errors"]} == {"reasons.missing_skills"}
    no_question = await decide(client, hm, slate, apps[0], "waitlist", note="maybe")
    assert no_question.status_code == 422
    assert "waitlist_question" in no_question.text
    stray_question = await decide(
        client, hm, slate, apps[0], "approve", note="yes", waitlist_question="Why?"
    )
    assert stray_question.status_code == 422
    bad_category = await decide(
        client, hm, slate, apps[0], "reject", note="x", categories=["vibes"]
    )
    assert bad_category.status_code == 422

    # Nothing was decided, nothing moved.
    current = (await client.get(f"/api/v1/slates/{slate['id']}", headers=hm.headers)).json()
    assert [i["decision"] for i in current["items"]] == [None, None]
    assert (await _application(client, hm, apps[0]))["stage"] == "hm_review"
    assert "application.reviewed" not in await stored_event_types(db, tenant.organization_id)

    # Skills are matched in any case and stored in the intake's spelling.
    ok = await decide(
        client,
        hm,
        slate,
        apps[0],
        "reject",
        missing_skills=["airflow", "KAFKA"],
        red_flags=["job hopping"],
        categories=["skills"],
    )
    assert ok.status_code == 200, ok.text
    decision = next(i for i in ok.json()["items"] if i["application_id"] == apps[0])["decision"]
    assert decision["missing_skills"] == ["Airflow", "Kafka"]
    assert decision["red_flags"] == ["job hopping"]
    assert decision["categories"] == ["skills"]
    assert decision["decided_by_id"] == str(hm.id)


async def test_review_moves_applications_answers_questions_and_records_events(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    recruiter, hm, role_id = await _setup(client, tenant)
    apps = await _apps(client, recruiter, role_id, 3)
    slate = await sent_slate(
        client, recruiter, role_id, apps, questions={apps[0]: "What have I missed?"}
    )
    approve = await decide(
        client,
        hm,
        slate,
        apps[0],
        "approve",
        note="Great Airflow work",
        answer="Nothing, she is great",
    )
    assert approve.status_code == 200, approve.text
    body = approve.json()
    assert body["status"] == "sent"
    assert body["reviewed_at"] is None
    first = body["items"][0]
    assert first["question"] == "What have I missed?"
    assert first["decision"]["decision"] == "approve"
    assert first["decision"]["answer"] == "Nothing, she is great"
    assert first["decision"]["revision"] == 1
    assert first["decision"]["is_current"] is True
    assert "slate.reviewed" not in await stored_event_types(db, tenant.organization_id)

    reject = await decide(
        client, hm, slate, apps[1], "reject", missing_skills=["SQL"], categories=["skills"]
    )
    assert reject.status_code == 200
    assert reject.json()["status"] == "sent"
    waitlist = await decide(
        client,
        hm,
        slate,
        apps[2],
        "waitlist",
        note="Unsure",
        waitlist_question="Has he run Kafka in production?",
    )
    assert waitlist.status_code == 200, waitlist.text
    done = waitlist.json()
    assert done["status"] == "reviewed"
    assert done["reviewed_at"] is not None
    assert [i["decision"]["decision"] for i in done["items"]] == ["approve", "reject", "waitlist"]
    assert done["items"][2]["decision"]["waitlist_question"] == "Has he run Kafka in production?"

    states = [await _application(client, recruiter, a) for a in apps]
    assert [(s["stage"], s["outcome"]) for s in states] == [
        ("interviewing", "active"),
        ("hm_review", "rejected"),
        ("hm_review", "active"),
    ]
    history = (
        await client.get(f"/api/v1/applications/{apps[0]}/history", headers=recruiter.headers)
    ).json()["items"]
    assert history[-1]["actor_member_id"] == str(hm.id)
    assert history[-1]["to_stage"] == "interviewing"

    reviewed = await events_of(client, tenant.admin, "application.reviewed", at_least=3)
    assert [(e["data"]["application_id"], e["data"]["decision"]) for e in reviewed] == [
        (apps[0], "approve"),
        (apps[1], "reject"),
        (apps[2], "waitlist"),
    ]
    slate_reviewed = await events_of(client, tenant.admin, "slate.reviewed")
    assert len(slate_reviewed) == 1
    data = slate_reviewed[0]["data"]
    assert (data["slate_id"], data["approved"], data["rejected"], data["waitlisted"]) == (
        slate["id"],
        1,
        1,
        1,
    )
    # The reviewed slate shows in the hiring manager's list with its status.
    listed = (await client.get(f"/api/v1/roles/{role_id}/slates", headers=hm.headers)).json()
    assert [(s["id"], s["status"]) for s in listed["items"]] == [(slate["id"], "reviewed")]


async def test_a_second_decision_needs_revision_and_both_are_kept(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    recruiter, hm, role_id = await _setup(client, tenant)
    apps = await _apps(client, recruiter, role_id, 2)
    slate = await sent_slate(client, recruiter, role_id, apps)
    first = await decide(client, hm, slate, apps[0], "reject", missing_skills=["Airflow"])
    assert first.status_code == 200
    first_decision = first.json()["items"][0]["decision"]

    again = await decide(client, hm, slate, apps[0], "approve", note="changed my mind")
    assert again.status_code == 409, again.text
    assert again.json()["decision_id"] == first_decision["id"]
    assert (await _application(client, hm, apps[0]))["outcome"] == "rejected"

    revised = await decide(
        client, hm, slate, apps[0], "approve", note="She showed Dagster work", revision=True
    )
    assert revised.status_code == 200, revised.text
    shown = (await client.get(f"/api/v1/slates/{slate['id']}", headers=hm.headers)).json()
    current = shown["items"][0]["decision"]
    assert (current["decision"], current["revision"], current["is_current"]) == ("approve", 2, True)
    assert current["id"] != first_decision["id"]
    # Approving after a reject reopens the application and moves it on.
    application = await _application(client, hm, apps[0])
    assert (application["stage"], application["outcome"]) == ("interviewing", "active")
    history = (
        await client.get(f"/api/v1/applications/{apps[0]}/history", headers=hm.headers)
    ).json()["items"]
    assert [h["action"] for h in history[-3:]] == ["reject", "reopen", "move"]

    # Both decisions are kept: the first, retired, and the revision.
    async with db.read() as session:
        rows = (
            await session.execute(
                text(
                    "SELECT decision, revision, is_current FROM slate_decisions "
                    "WHERE application_id = :a ORDER BY revision"
                ),
                {"a": uuid.UUID(apps[0])},
            )
        ).all()
    assert [tuple(r) for r in rows] == [("reject", 1, False), ("approve", 2, True)]
    reviewed = await events_of(client, tenant.admin, "application.reviewed", at_least=2)
    assert [(e["data"]["decision"], e["data"]["revision"]) for e in reviewed] == [
        ("reject", 1),
        ("approve", 2),
    ]
    # One item still open: the slate is not reviewed yet.
    assert shown["status"] == "sent"

    # A revision on an undecided item is simply its first decision.
    plain = await decide(client, hm, slate, apps[1], "approve", note="yes", revision=True)
    assert plain.status_code == 200
    assert plain.json()["items"][1]["decision"]["revision"] == 1
    assert plain.json()["status"] == "reviewed"


async def test_who_may_decide(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    recruiter = await tenant.add("recruiter")
    delegate = await tenant.add("hiring_manager", name="Delegate")
    hm = await tenant.add("hiring_manager")
    other_hm = await tenant.add("hiring_manager")
    admin_delegate_of = await tenant.add("hiring_manager", name="Has Admin Delegate")
    role_id = await make_role(client, recruiter, hm)
    made = await client.patch(
        f"/api/v1/members/{hm.id}/preferences",
        headers=hm.headers,
        json={"delegate_id": str(delegate.id)},
    )
    assert made.status_code == 200, made.text
    apps = await _apps(client, recruiter, role_id, 2)
    slate = await sent_slate(client, recruiter, role_id, apps)

    by_recruiter = await decide(client, recruiter, slate, apps[0], "approve", note="I like her")
    assert by_recruiter.status_code == 403
    by_admin = await decide(client, tenant.admin, slate, apps[0], "approve", note="I like her")
    assert by_admin.status_code == 403
    by_other_hm = await decide(client, other_hm, slate, apps[0], "approve", note="I like her")
    assert by_other_hm.status_code == 404
    outsider = await other_tenant.add("hiring_manager")
    assert (await decide(client, outsider, slate, apps[0], "approve", note="x")).status_code == 404
    interviewer = await tenant.add("interviewer")
    assert (
        await decide(client, interviewer, slate, apps[0], "approve", note="x")
    ).status_code == 403
    untouched = (await client.get(f"/api/v1/slates/{slate['id']}", headers=hm.headers)).json()
    assert [i["decision"] for i in untouched["items"]] == [None, None]

    by_delegate = await decide(client, delegate, slate, apps[0], "approve", note="Covering for HM")
    assert by_delegate.status_code == 200, by_delegate.text
    assert by_delegate.json()["items"][0]["decision"]["decided_by_id"] == str(delegate.id)
    assert (
        await decide(client, hm, slate, apps[1], "reject", red_flags=["rude"])
    ).status_code == 200

    # A delegate who is an admin sees drafts, but a draft has nothing to decide yet.
    second_role = await make_role(client, recruiter, admin_delegate_of, title="Second")
    assert (
        await client.patch(
            f"/api/v1/members/{admin_delegate_of.id}/preferences",
            headers=admin_delegate_of.headers,
            json={"delegate_id": str(tenant.admin.id)},
        )
    ).status_code == 200
    second_apps = await _apps(client, recruiter, second_role, 1, prefix="Second")
    draft = await draft_slate(client, recruiter, second_role, second_apps)
    on_draft = await decide(client, tenant.admin, draft, second_apps[0], "approve", note="early")
    assert on_draft.status_code == 409, on_draft.text
    hm_on_draft = await decide(
        client, admin_delegate_of, draft, second_apps[0], "approve", note="x"
    )
    assert hm_on_draft.status_code == 404  # the hiring manager does not see drafts
    assert (await _application(client, recruiter, second_apps[0]))["stage"] == "sourced"


async def test_a_slate_needs_a_hiring_manager_and_an_agreed_intake_for_skills(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    recruiter = await tenant.add("recruiter")
    hm = await tenant.add("hiring_manager")
    orphan = await make_role(client, recruiter, None, intake=None, title="No HM")
    apps = await _apps(client, recruiter, orphan, 1, prefix="Orphan")
    draft = await draft_slate(client, recruiter, orphan, apps)
    unsent = await client.post(
        f"/api/v1/slates/{draft['id']}/send", headers=recruiter.headers, json={"due_at": due()}
    )
    assert unsent.status_code == 409
    assert (await _application(client, recruiter, apps[0]))["stage"] == "sourced"

    unagreed = await make_role(client, recruiter, hm, agreed=False, title="Draft intake")
    apps = await _apps(client, recruiter, unagreed, 1, prefix="Unagreed")
    slate = await sent_slate(client, recruiter, unagreed, apps)
    named = await decide(client, hm, slate, apps[0], "reject", missing_skills=["SQL"])
    assert named.status_code == 422
    assert "intake" in named.text
    noted = await decide(client, hm, slate, apps[0], "reject", note="Not for us")
    assert noted.status_code == 200


async def test_an_application_can_go_on_a_new_slate_once_its_old_one_is_decided(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    recruiter, hm, role_id = await _setup(client, tenant)
    candidate = await make_candidate(client, recruiter, "Sent Back")
    aid = (await apply(client, recruiter, candidate["id"], role_id))["id"]
    slate = await sent_slate(client, recruiter, role_id, [aid])
    busy = await client.post(
        "/api/v1/slates",
        headers=recruiter.headers,
        json={"role_id": role_id, "items": [{"application_id": aid}]},
    )
    assert busy.status_code == 422
    assert "items.0.application_id" in _fields(busy)
    assert (
        await decide(client, hm, slate, aid, "waitlist", note="?", waitlist_question="Salary?")
    ).status_code == 200
    # The hiring manager sends it back for more screening; then it may go on a new slate.
    assert (
        await move(client, hm, aid, "submitted", reason="Screen salary first")
    ).status_code == 200
    again = await sent_slate(client, recruiter, role_id, [aid])
    assert again["status"] == "sent"
    assert item_of(again, aid)
