"""Vendor behaviour exactly as the vendors document it (issue 13), end to end: signed webhooks
shaped as in the vendors' own documentation, through the route, the inbox, the worker and the
production adapters talking HTTP to the local fakes.

- Ashby's `candidateHire` carries the accepted offer; the offer must not undo the hire.
- Ashby sends related webhooks for one action (`applicationUpdate`, `candidateStageChange`,
  `candidateHire`) with one `webhookActionId`
  (https://developers.ashbyhq.com/docs/common-payload-data): each is its own delivery.
- A role made from a Lever webhook takes its title from Lever (`GET /postings/{id}`).
- A correctly signed body that is not a JSON object is a 422 naming the body, not a 401.
"""

from __future__ import annotations

import copy
import json
import uuid
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy import text

from app.db import Database
from tests.conftest import Tenant
from tests.fakes import ashby as ashby_fake
from tests.fakes import lever as lever_fake
from tests.helpers_worker import count, running_worker
from tests.test_ats_integration import (
    LEVER_SAMPLES,
    SECRET,
    application_state,
    applied,
    connect,
    deliver,
    inbox,
    resource_of,
    row,
    served,
)


async def history(db: Database, application_id: uuid.UUID) -> list[tuple[str, str, str]]:
    """(action, to_stage, to_outcome) of every move of the application, oldest first."""
    async with db.transaction() as session:
        rows = await session.execute(
            text(
                "SELECT action, to_stage, to_outcome FROM application_transitions "
                "WHERE application_id = :a ORDER BY created_at, id"
            ),
            {"a": application_id},
        )
        return [(r[0], r[1], r[2]) for r in rows]


def ashby_offer(application_id: str) -> dict[str, Any]:
    """The accepted offer as Ashby's candidateHire payload carries it (the documented sample's
    offer, pointed at this application)."""
    offer: dict[str, Any] = copy.deepcopy(ashby_fake.sample("candidate_hire")["data"]["offer"])
    offer["id"] = f"offer-{application_id}"
    offer["applicationId"] = application_id
    return offer


def hired_in_ashby(fake: ashby_fake.AshbyFake, app_id: str) -> dict[str, Any]:
    """The three webhooks Ashby sends when a candidate is hired, as `data` objects by action:
    each carries the application as it now stands (status Hired, in the Hired stage)."""
    fake.applications[app_id].stage_id = fake.stage_id("Hired")
    fake.applications[app_id].status = "Hired"
    fake.applications[app_id].updated_at = "2026-05-28T16:05:00.000Z"
    application = fake.application_json(app_id)
    return {
        "applicationUpdate": {"application": application},
        "candidateStageChange": {"application": application},
        "candidateHire": {"application": application, "offer": ashby_offer(app_id)},
    }


# --- Ashby: the offer in candidateHire does not undo the hire ----------------------------


async def test_ashby_candidate_hire_with_its_accepted_offer_ends_hired(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    fake = ashby_fake.AshbyFake(api_key=f"ashby-{uuid.uuid4().hex[:8]}")
    job = fake.add_job("Staff Designer")
    known = fake.add_application(
        fake.add_candidate("Known Person", "known@example.com"), job, stage="Onsite"
    )
    with served(fake.app()) as server:
        cid = await connect(client, tenant, "ashby", server.url, {"api_key": fake.api_key})
        # One application we already hold (at interviewing), then both hired in Ashby; the
        # other arrives first with its hire (created here from the candidateHire alone).
        h, b = ashby_fake.signed_delivery(
            "applicationSubmit", {"application": fake.application_json(known)}, SECRET
        )
        assert (await deliver(client, cid, h, b)).status_code == 202
        async with running_worker(db):
            await applied(db, cid)
            known_id = await resource_of(db, cid, "application", known)
            assert await application_state(db, known_id) == ("interviewing", "active")

            # The documented sample itself: a candidateHire carrying its accepted offer.
            h, b = ashby_fake.signed_sample("candidate_hire", SECRET)
            assert (await deliver(client, cid, h, b)).status_code == 202
            h, b = ashby_fake.signed_delivery(
                "candidateHire", hired_in_ashby(fake, known)["candidateHire"], SECRET
            )
            assert (await deliver(client, cid, h, b)).status_code == 202
            await applied(db, cid)

        sample_app = ashby_fake.sample("candidate_hire")["data"]["application"]["id"]
        new_id = await resource_of(db, cid, "application", sample_app)
        for application_id in (known_id, new_id):
            assert await application_state(db, application_id) == ("hired", "hired")
            moves = await history(db, application_id)
            # The last word in the history is the hire; the offer never comes after it.
            assert moves[-1][1:] == ("hired", "hired"), moves
            assert [m for m in moves if m[2] == "hired"] == [moves[-1]], moves


# --- Ashby: related webhooks share one webhookActionId -----------------------------------

ORDERS = [
    ("applicationUpdate", "candidateStageChange", "candidateHire"),
    ("candidateHire", "candidateStageChange", "applicationUpdate"),
    ("candidateStageChange", "candidateHire", "applicationUpdate"),
]


@pytest.mark.parametrize("order", ORDERS, ids=["update-first", "hire-first", "stage-first"])
async def test_ashby_related_webhooks_of_one_action_are_each_applied_once(
    client: httpx.AsyncClient, tenant: Tenant, db: Database, order: tuple[str, str, str]
) -> None:
    fake = ashby_fake.AshbyFake(api_key=f"ashby-{uuid.uuid4().hex[:8]}")
    job = fake.add_job("Platform Engineer")
    app_id = fake.add_application(
        fake.add_candidate("Hana Hire", f"hana-{uuid.uuid4().hex[:6]}@example.com"),
        job,
        stage="Offer",
    )
    with served(fake.app()) as server:
        cid = await connect(client, tenant, "ashby", server.url, {"api_key": fake.api_key})
        h, b = ashby_fake.signed_delivery(
            "applicationSubmit", {"application": fake.application_json(app_id)}, SECRET
        )
        assert (await deliver(client, cid, h, b)).status_code == 202
        async with running_worker(db):
            await applied(db, cid)
            application_id = await resource_of(db, cid, "application", app_id)
            assert await application_state(db, application_id) == ("offer", "active")

            action_id = str(uuid.uuid4())  # one action in Ashby: the hire
            data = hired_in_ashby(fake, app_id)
            deliveries = [
                ashby_fake.signed_delivery(
                    action, data[action], SECRET, webhook_action_id=action_id
                )
                for action in order
            ]
            answers = [await deliver(client, cid, h, b) for h, b in deliveries]
            assert [a.json() for a in answers] == [{"accepted": True, "duplicate": False}] * 3
            # Ashby's retries of each (same body, same webhookActionId) are duplicates.
            again = [await deliver(client, cid, h, b) for h, b in deliveries]
            assert [a.json() for a in again] == [{"accepted": True, "duplicate": True}] * 3
            assert await inbox(db, cid) == 4  # the submit and the three of the hire
            await applied(db, cid)

        stored = await count(
            db,
            "SELECT count(DISTINCT event_type) FROM ats_inbound_events WHERE connection_id = :c "
            "AND payload->>'webhookActionId' = :a AND attempts = 1 AND status IN "
            "('applied', 'ignored')",
            c=cid,
            a=action_id,
        )
        assert stored == 3  # each of the three applied once
        assert await application_state(db, application_id) == ("hired", "hired")
        moves = await history(db, application_id)
        assert [m for m in moves if m[2] == "hired"] == [moves[-1]], moves
        assert moves[-1][1:] == ("hired", "hired")
        assert (
            await count(
                db,
                "SELECT count(*) FROM events WHERE type = 'application.hired' AND resource_id = :a",
                a=application_id,
            )
            == 1
        )


# --- Lever: a role made from a webhook takes the posting's title ------------------------


async def test_a_role_made_from_a_lever_webhook_is_titled_as_the_posting(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    fake = lever_fake.LeverFake(api_key=f"lever-{uuid.uuid4().hex[:8]}")
    posting = fake.add_posting("Senior Platform Engineer", posting_id=f"p-{uuid.uuid4().hex[:8]}")
    data = json.loads((LEVER_SAMPLES / "applicationCreated.json").read_text())["data"]
    data = {**data, "opportunityId": f"opp-{uuid.uuid4().hex[:8]}"}
    fake.add_opportunity(
        opportunity_id=data["opportunityId"],
        contact_id=data["contactId"],
        name="Lena Lever",
        email=f"lena-{uuid.uuid4().hex[:6]}@example.com",
        posting_id=posting,
        stage_id="applicant-new",
    )
    with served(fake.app) as server:
        cid = await connect(client, tenant, "lever", server.url, {"api_key": fake.api_key})
        h, b = lever_fake.signed_delivery("applicationCreated", data, SECRET)
        assert (await deliver(client, cid, h, b)).status_code == 202
        async with running_worker(db):
            await applied(db, cid)
        role_id = await resource_of(db, cid, "role", posting)
        role = await row(db, "SELECT title FROM roles WHERE id = :i", i=role_id)
        assert role["title"] == "Senior Platform Engineer"
        assert fake.requests_to("GET", f"/postings/{posting}")


# --- a signed body that is not a JSON object ---------------------------------------------


@pytest.mark.parametrize("body", [b"[1, 2]", b"<html>not json</html>", b'"text"'])
async def test_a_signed_ashby_body_that_is_not_a_json_object_is_422_naming_the_body(
    client: httpx.AsyncClient, tenant: Tenant, db: Database, body: bytes
) -> None:
    cid = await connect(client, tenant, "ashby", "http://127.0.0.1:9", {"api_key": "ashby-key"})
    response = await deliver(client, cid, ashby_fake.signed_body(body, SECRET), body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["errors"][0]["field"] == "body"
    assert "JSON object" in problem["detail"]
    assert await inbox(db, cid) == 0
    # Unsigned, the same body is still refused as unsigned (401), never parsed.
    unsigned = await deliver(client, cid, {"Content-Type": "application/json"}, body)
    assert unsigned.status_code == 401


# --- the worker asks Lever with no transaction open and no row locked --------------------


async def test_lever_is_asked_with_no_lock_held_on_the_event(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    fake = lever_fake.LeverFake(api_key=f"lever-{uuid.uuid4().hex[:8]}")
    posting = fake.add_posting("Data Engineer", posting_id=f"p-{uuid.uuid4().hex[:8]}")
    data = json.loads((LEVER_SAMPLES / "applicationCreated.json").read_text())["data"]
    data = {**data, "opportunityId": f"opp-{uuid.uuid4().hex[:8]}"}
    fake.add_opportunity(
        opportunity_id=data["opportunityId"],
        contact_id=data["contactId"],
        name="Nora Nolock",
        email=f"nora-{uuid.uuid4().hex[:6]}@example.com",
        posting_id=posting,
    )
    dsn = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    locked: list[tuple[str, bool]] = []

    async def event_row_is_free(request: Any) -> None:
        # While the worker waits for Lever, the event's row must be free: FOR UPDATE NOWAIT
        # from another connection fails at once if the worker still holds its lock.
        connection = await asyncpg.connect(dsn)
        try:
            async with connection.transaction():
                await connection.fetch(
                    "SELECT id FROM ats_inbound_events WHERE connection_id = $1 FOR UPDATE NOWAIT",
                    uuid.UUID(cid),
                )
            locked.append((request.url.path, False))
        except asyncpg.LockNotAvailableError:
            locked.append((request.url.path, True))
        finally:
            await connection.close()

    fake.on_request = event_row_is_free
    with served(fake.app) as server:
        cid = await connect(client, tenant, "lever", server.url, {"api_key": fake.api_key})
        h, b = lever_fake.signed_delivery("applicationCreated", data, SECRET)
        assert (await deliver(client, cid, h, b)).status_code == 202
        async with running_worker(db):
            await applied(db, cid)
    paths = [path for path, _ in locked]
    assert f"/opportunities/{data['opportunityId']}" in paths
    assert f"/postings/{posting}" in paths
    assert not [path for path, held in locked if held], locked
    role_id = await resource_of(db, cid, "role", posting)
    assert (await row(db, "SELECT title FROM roles WHERE id = :i", i=role_id))["title"] == (
        "Data Engineer"
    )
