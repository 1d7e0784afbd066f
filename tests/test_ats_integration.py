"""ATS integrations end to end: the API, the production adapters talking HTTP to the local
vendor fakes on 127.0.0.1, the webhook inbox, the worker (in process, and as killable
subprocesses for the import), pushes and reconciliation."""

from __future__ import annotations

import asyncio
import copy
import json
import math
import signal
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from app.db import Database
from app.integrations.ats.registry import adapter_for
from app.worker import ats
from tests.conftest import Tenant
from tests.fakes import ashby as ashby_fake
from tests.fakes import greenhouse as gh_fake
from tests.fakes import lever as lever_fake
from tests.fakes.server import ServedApp
from tests.helpers_worker import (
    count,
    eventually,
    running_worker,
    spawn_worker,
    worker_log,
)

URL = "/api/v1/integrations"
LEVER_SAMPLES = Path(lever_fake.__file__).parent / "samples" / "lever"
SECRET = "whsec-integration-test-0123456789"
GH_STAGES = {
    "Application Review": "screening",
    "Preliminary Phone Screen": "submitted",
    # Read backwards, interviewing is Assessment, else Face to Face (the fake's jobs have only
    # the latter): a push takes the first the job has.
    "Assessment": "interviewing",
    "Face to Face": "interviewing",
    "Offer": "offer",
}


@contextmanager
def served(app: Any) -> Iterator[ServedApp]:
    server = ServedApp(app).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def greenhouse() -> Iterator[tuple[gh_fake.GreenhouseFake, str]]:
    # A client id of its own: rate-limit state is kept per credential in the worker process.
    fake = gh_fake.GreenhouseFake(client_id=f"gh-{uuid.uuid4().hex[:8]}")
    with served(fake.app) as server:
        yield fake, server.url


async def connect(
    client: httpx.AsyncClient,
    tenant: Tenant,
    provider: str,
    base_url: str,
    credentials: dict[str, str],
    **extra: Any,
) -> str:
    response = await client.post(
        URL,
        json={
            "provider": provider,
            "name": f"Our {provider}",
            "credentials": credentials,
            "webhook_secret": SECRET,
            "base_url": base_url,
            **extra,
        },
        headers=tenant.admin.headers,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def gh_connect(
    client: httpx.AsyncClient, tenant: Tenant, fake: gh_fake.GreenhouseFake, url: str
) -> str:
    return await connect(
        client,
        tenant,
        "greenhouse",
        f"{url}/v3",
        {"client_id": fake.client_id, "client_secret": fake.client_secret},
        stage_map=GH_STAGES,
        rejection_map={"Too Junior": "too_junior"},
    )


async def deliver(
    client: httpx.AsyncClient, connection_id: str, headers: dict[str, str], body: bytes
) -> httpx.Response:
    return await client.post(f"{URL}/{connection_id}/webhooks", headers=headers, content=body)


async def inbox(db: Database, connection_id: str) -> int:
    return await count(
        db, "SELECT count(*) FROM ats_inbound_events WHERE connection_id = :c", c=connection_id
    )


async def all_processed(db: Database, connection_id: str) -> bool:
    return (
        await count(
            db,
            "SELECT count(*) FROM ats_inbound_events WHERE connection_id = :c "
            "AND status = 'pending'",
            c=connection_id,
        )
        == 0
    )


async def events_of(db: Database, type: str) -> int:
    return await count(db, "SELECT count(*) FROM events WHERE type = :t", t=type)


async def row(db: Database, sql: str, **params: Any) -> dict[str, Any]:
    async with db.transaction() as session:
        found = (await session.execute(text(sql), params)).mappings().first()
    assert found is not None, sql
    return dict(found)


async def resource_of(db: Database, connection_id: str, kind: str, external_id: str) -> uuid.UUID:
    ref = await row(
        db,
        "SELECT resource_id FROM external_refs WHERE connection_id = :c "
        "AND resource_type = :k AND external_id = :e",
        c=connection_id,
        k=kind,
        e=external_id,
    )
    return uuid.UUID(str(ref["resource_id"]))


async def application_state(db: Database, application_id: uuid.UUID) -> tuple[str, str]:
    found = await row(db, "SELECT stage, outcome FROM applications WHERE id = :i", i=application_id)
    return found["stage"], found["outcome"]


async def applied(db: Database, connection_id: str) -> None:
    await eventually(lambda: all_processed(db, connection_id), within=20)
    failed = await count(
        db,
        "SELECT count(*) FROM ats_inbound_events WHERE connection_id = :c AND status = 'failed'",
        c=connection_id,
    )
    assert failed == 0


def gh_application(
    action: str, *, app_id: int, candidate_id: int, job_id: int, email: str
) -> dict[str, Any]:
    """A documented Greenhouse sample with its ids pointed at one application."""
    payload: dict[str, Any] = copy.deepcopy(gh_fake.load_sample(action)["payload"])
    application = payload["application"]
    application["id"] = app_id
    application["candidate"]["id"] = candidate_id
    application["candidate"]["email_addresses"] = [{"value": email, "type": "personal"}]
    for job in application.get("jobs") or []:
        job["id"] = job_id
    if isinstance(application.get("job"), dict):
        application["job"]["id"] = job_id
    return payload


# --- inbound: Greenhouse -----------------------------------------------------------------


async def test_greenhouse_inbound_verified_stored_once_applied_once(
    client: httpx.AsyncClient, tenant: Tenant, db: Database, greenhouse: Any
) -> None:
    fake, url = greenhouse
    cid = await gh_connect(client, tenant, fake, url)

    ping_headers, ping_body = gh_fake.signed_sample("ping", SECRET)
    ping = await deliver(client, cid, ping_headers, ping_body)
    assert ping.status_code in (200, 202), ping.text

    headers, body = gh_fake.signed_sample(
        "new_candidate_application", SECRET, event_id="gh-event-1"
    )
    forged_headers, _ = gh_fake.signed_sample("new_candidate_application", "not-the-secret")
    tampered = body.replace(b"Jane", b"Jana")
    unsigned = {k: v for k, v in headers.items() if k != "Signature"}
    for h, b in [(forged_headers, body), (headers, tampered), (unsigned, body)]:
        refused = await deliver(client, cid, h, b)
        assert refused.status_code == 401, refused.text
    assert await inbox(db, cid) == 0

    answers = [await deliver(client, cid, headers, body) for _ in range(10)]
    assert [a.status_code for a in answers] == [202] * 10
    assert [a.json()["duplicate"] for a in answers] == [False] + [True] * 9
    assert await inbox(db, cid) == 1

    # Paused: what arrives is kept, not applied; resumed: it is applied.
    admin = tenant.admin.headers
    assert (await client.post(f"{URL}/{cid}/pause", headers=admin)).status_code == 200
    async with running_worker(db):
        await asyncio.sleep(0.6)
        assert not await all_processed(db, cid)
        assert await count(db, "SELECT count(*) FROM applications") == 0
        assert (await client.post(f"{URL}/{cid}/resume", headers=admin)).status_code == 200
        await applied(db, cid)
    event = await row(db, "SELECT * FROM ats_inbound_events WHERE connection_id = :c", c=cid)
    assert event["status"] == "applied", event["outcome"]
    # Every field the vendor sent is kept, mapped or not.
    assert event["payload"] == json.loads(body)

    application_id = await resource_of(db, cid, "application", "71980812")
    candidate_id = await resource_of(db, cid, "candidate", "60304594")
    role_id = await resource_of(db, cid, "role", "274075")
    application = await row(db, "SELECT * FROM applications WHERE id = :i", i=application_id)
    assert application["candidate_id"] == candidate_id
    assert application["role_id"] == role_id
    assert application["stage"] == "submitted"  # Preliminary Phone Screen in the stage map
    candidate = await row(db, "SELECT * FROM candidates WHERE id = :i", i=candidate_id)
    assert candidate["name"] == "Jane Smith"
    assert candidate["email"] == "person@work.com"
    assert (await row(db, "SELECT title FROM roles WHERE id = :i", i=role_id))["title"] == (
        "Data Scientist"
    )
    assert await count(db, "SELECT count(*) FROM applications") == 1
    assert await events_of(db, "application.created") == 1
    origin = await row(
        db, "SELECT origin_connection_id FROM events WHERE type = 'application.created'"
    )
    assert str(origin["origin_connection_id"]) == cid

    health = (await client.get(f"{URL}/{cid}", headers=tenant.admin.headers)).json()["health"]
    assert health["last_inbound_at"] is not None
    assert health["pending_inbound"] == 0
    listed = await client.get(f"{URL}/{cid}/events", headers=tenant.admin.headers)
    assert [e["status"] for e in listed.json()["items"]] == ["applied"]


async def test_greenhouse_stage_rejection_hire_merge_delete_anonymise(
    client: httpx.AsyncClient, tenant: Tenant, db: Database, greenhouse: Any
) -> None:
    fake, url = greenhouse
    cid = await gh_connect(client, tenant, fake, url)
    ids: dict[str, Any] = {
        "app_id": 5001,
        "candidate_id": 6001,
        "job_id": 7001,
        "email": "ana@example.com",
    }

    async def send(action: str, payload: dict[str, Any]) -> None:
        headers, body = gh_fake.signed_delivery(action, payload, SECRET)
        assert (await deliver(client, cid, headers, body)).status_code == 202

    async with running_worker(db):
        await send("new_candidate_application", gh_application("new_candidate_application", **ids))
        await applied(db, cid)
        application_id = await resource_of(db, cid, "application", "5001")
        assert await application_state(db, application_id) == ("submitted", "active")

        # candidate_stage_change sample: current stage "Assessment" -> interviewing.
        await send("candidate_stage_change", gh_application("candidate_stage_change", **ids))
        await applied(db, cid)
        assert await application_state(db, application_id) == ("interviewing", "active")
        moved = await row(
            db, "SELECT data, origin_connection_id FROM events WHERE type = 'application.moved'"
        )
        assert str(moved["origin_connection_id"]) == cid

        # reject_candidate sample: rejected at Offer for "Too Junior" (mapped to too_junior).
        await send("reject_candidate", gh_application("reject_candidate", **ids))
        await applied(db, cid)
        assert await application_state(db, application_id) == ("offer", "rejected")
        rejection = await row(
            db,
            "SELECT reason FROM application_transitions WHERE application_id = :a "
            "AND action = 'reject'",
            a=application_id,
        )
        assert "too_junior" in rejection["reason"]

        # hire_candidate sample.
        await send("hire_candidate", gh_application("hire_candidate", **ids))
        await applied(db, cid)
        assert await application_state(db, application_id) == ("hired", "hired")
        assert await count(db, "SELECT count(*) FROM applications") == 1
        # Nothing that came from the vendor is pushed back to it.
        assert await count(db, "SELECT count(*) FROM ats_pushes") == 0

        # Two candidates the merge/delete/anonymise samples name: 37031511 merged into 457456.
        await send(
            "new_candidate_application",
            gh_application(
                "new_candidate_application",
                app_id=5002,
                candidate_id=37031511,
                job_id=7001,
                email="jack@example.com",
            ),
        )
        await send(
            "new_candidate_application",
            gh_application(
                "new_candidate_application",
                app_id=5003,
                candidate_id=457456,
                job_id=7002,
                email="jack.sparrow@example.com",
            ),
        )
        await applied(db, cid)
        merged_id = await resource_of(db, cid, "candidate", "37031511")
        kept_id = await resource_of(db, cid, "candidate", "457456")
        merged_app = await resource_of(db, cid, "application", "5002")

        sample = gh_fake.load_sample("merge_candidate")
        await send(sample["action"], sample["payload"])
        await applied(db, cid)
        assert await count(db, "SELECT count(*) FROM candidates WHERE id = :i", i=merged_id) == 0
        moved_app = await row(
            db, "SELECT candidate_id FROM applications WHERE id = :i", i=merged_app
        )
        assert moved_app["candidate_id"] == kept_id
        assert await events_of(db, "candidate.merged") == 1

        # candidate_anonymized sample, naming the kept candidate.
        anonymised = gh_fake.load_sample("candidate_anonymized")["payload"]
        await send("candidate_anonymized", {**anonymised, "candidate_id": 457456})
        await applied(db, cid)
        person = await row(db, "SELECT name, email FROM candidates WHERE id = :i", i=kept_id)
        assert person["name"] == "Anonymised candidate"
        assert "jack" not in person["email"]

        # delete_candidate sample, naming the kept candidate: gone with its applications.
        deleted = copy.deepcopy(gh_fake.load_sample("delete_candidate")["payload"])
        deleted["person"]["id"] = 457456
        await send("delete_candidate", deleted)
        await applied(db, cid)
        assert await count(db, "SELECT count(*) FROM candidates WHERE id = :i", i=kept_id) == 0
        assert await count(db, "SELECT count(*) FROM applications WHERE id = :i", i=merged_app) == 0

        # The vendor still sends news of a deleted application: it comes back, not stuck.
        await send(
            "candidate_stage_change",
            gh_application(
                "candidate_stage_change",
                app_id=5003,
                candidate_id=457456,
                job_id=7002,
                email="jack.sparrow@example.com",
            ),
        )
        await applied(db, cid)
        back = await resource_of(db, cid, "application", "5003")
        assert await application_state(db, back) == ("interviewing", "active")

    statuses = await count(
        db,
        "SELECT count(*) FROM ats_inbound_events WHERE connection_id = :c AND status = 'applied'",
        c=cid,
    )
    assert statuses == await inbox(db, cid) == 10


# --- inbound: Lever ----------------------------------------------------------------------


async def test_lever_inbound_verified_refreshed_and_replays_refused(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    fake = lever_fake.LeverFake(api_key=f"lever-{uuid.uuid4().hex[:8]}")
    fake.seed(jobs=1, applications=0)
    sample = json.loads((LEVER_SAMPLES / "applicationCreated.json").read_text())
    data = sample["data"]
    opportunity = fake.add_opportunity(
        opportunity_id=data["opportunityId"],
        contact_id=data["contactId"],
        name="Lena Lever",
        email="lena@example.com",
        posting_id="posting-00000",
        stage_id="applicant-new",
    )
    with served(fake.app) as server:
        cid = await connect(client, tenant, "lever", server.url, {"api_key": fake.api_key})
        now_ms = int(time.time() * 1000)
        headers, body = lever_fake.signed_delivery("applicationCreated", data, SECRET)
        _, forged = lever_fake.signed_delivery("applicationCreated", data, "wrong-secret")
        document = json.loads(body)
        tampered = json.dumps({**document, "triggeredAt": document["triggeredAt"] + 1}).encode()
        unsigned = json.dumps({k: v for k, v in document.items() if k != "signature"}).encode()
        _, stale = lever_fake.signed_delivery(
            "applicationCreated", data, SECRET, triggered_at=now_ms - 10 * 60 * 1000
        )
        for bad in (forged, tampered, unsigned, stale):
            refused = await deliver(client, cid, headers, bad)
            assert refused.status_code == 401, refused.text
        assert await inbox(db, cid) == 0

        # The same delivery ten times: stored once; Lever's token makes each repeat a replay.
        answers = [await deliver(client, cid, headers, body) for _ in range(10)]
        assert [a.status_code for a in answers] == [202] + [401] * 9
        assert await inbox(db, cid) == 1

        async with running_worker(db):
            await applied(db, cid)
            application_id = await resource_of(db, cid, "application", data["opportunityId"])
            assert await application_state(db, application_id) == ("screening", "active")
            candidate_id = await resource_of(db, cid, "candidate", data["contactId"])
            person = await row(
                db, "SELECT name, email FROM candidates WHERE id = :i", i=candidate_id
            )
            assert person == {"name": "Lena Lever", "email": "lena@example.com"}
            await resource_of(db, cid, "role", "posting-00000")
            assert await events_of(db, "application.created") == 1
            # The worker read the opportunity from Lever (ids-only webhook).
            assert fake.requests_to("GET", f"/opportunities/{data['opportunityId']}")

            # Our move goes to Lever once (by stage id, via the map read backwards), and
            # Lever's webhook about it is no new change here.
            response = await client.post(
                f"/api/v1/applications/{application_id}/transitions",
                json={"action": "move", "to_stage": "sourced", "reason": "Back to sourcing"},
                headers=tenant.admin.headers,
            )
            assert response.status_code == 200, response.text
            done = "SELECT count(*) FROM ats_pushes WHERE status = 'done'"
            await eventually(lambda: _count_is(db, done, 1))
            stage_path = f"/opportunities/{data['opportunityId']}/stage"
            [put] = fake.requests_to("PUT", stage_path)
            assert put.json == {"stage": "lead-new"}
            assert opportunity["stage"] == "lead-new"
            echo = {**data, "fromStageId": "applicant-new", "toStageId": "lead-new"}
            h, b = lever_fake.signed_delivery("candidateStageChange", echo, SECRET)
            assert (await deliver(client, cid, h, b)).status_code == 202
            await applied(db, cid)
            assert await events_of(db, "application.moved") == 1
            assert await count(db, "SELECT count(*) FROM ats_pushes") == 1

            # Stage change to offer, then archived as Underqualified (a rejection).
            opportunity["stage"] = "offer"
            stage = {**data, "fromStageId": "applicant-new", "toStageId": "offer"}
            h, b = lever_fake.signed_delivery("candidateStageChange", stage, SECRET)
            assert (await deliver(client, cid, h, b)).status_code == 202
            await applied(db, cid)
            assert await application_state(db, application_id) == ("offer", "active")

            reason = lever_fake.DEFAULT_ARCHIVE_REASONS[0]["id"]
            opportunity["archived"] = {"reason": reason, "archivedAt": int(time.time() * 1000)}
            archive = {**data, "fromArchived": None, "toArchived": opportunity["archived"]}
            h, b = lever_fake.signed_delivery("candidateArchiveChange", archive, SECRET)
            assert (await deliver(client, cid, h, b)).status_code == 202
            await applied(db, cid)
            assert await application_state(db, application_id) == ("offer", "rejected")
        assert await count(db, "SELECT count(*) FROM applications") == 1
        # Only our own move was pushed; nothing that came from Lever went back to it.
        assert await count(db, "SELECT count(*) FROM ats_pushes") == 1
        assert len(fake.requests_to("PUT", stage_path)) == 1


# --- inbound: Ashby ----------------------------------------------------------------------


async def test_ashby_inbound_verified_stored_once_applied_once(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    fake = ashby_fake.AshbyFake(api_key=f"ashby-{uuid.uuid4().hex[:8]}")
    job = fake.add_job("Platform Engineer")
    candidate = fake.add_candidate("Ash Byrne", "ash@example.com")
    app_id = fake.add_application(candidate, job, stage="Application Review")
    with served(fake.app()) as server:
        cid = await connect(client, tenant, "ashby", server.url, {"api_key": fake.api_key})
        ping_headers, ping_body = ashby_fake.signed_sample("ping", SECRET)
        assert (await deliver(client, cid, ping_headers, ping_body)).status_code in (200, 202)

        payload = {"application": fake.application_json(app_id)}
        headers, body = ashby_fake.signed_delivery(
            "applicationSubmit", payload, SECRET, webhook_action_id="ashby-action-1"
        )
        forged = ashby_fake.signed_body(body, "wrong-secret")
        tampered = body.replace(b"Ash Byrne", b"Ash Burne")
        unsigned = {k: v for k, v in headers.items() if k != "Ashby-Signature"}
        for h, b in [(forged, body), (headers, tampered), (unsigned, body)]:
            refused = await deliver(client, cid, h, b)
            assert refused.status_code == 401, refused.text
        assert await inbox(db, cid) == 0

        answers = [await deliver(client, cid, headers, body) for _ in range(10)]
        assert [a.status_code for a in answers] == [202] * 10
        assert await inbox(db, cid) == 1

        async with running_worker(db):
            await applied(db, cid)
            event = await row(
                db, "SELECT payload FROM ats_inbound_events WHERE connection_id = :c", c=cid
            )
            assert event["payload"] == json.loads(body)
            application_id = await resource_of(db, cid, "application", app_id)
            assert await application_state(db, application_id) == ("screening", "active")
            candidate_id = await resource_of(db, cid, "candidate", candidate)
            person = await row(
                db, "SELECT name, email FROM candidates WHERE id = :i", i=candidate_id
            )
            assert person == {"name": "Ash Byrne", "email": "ash@example.com"}
            await resource_of(db, cid, "role", job)
            assert await events_of(db, "application.created") == 1

            # Our move goes to Ashby once; its webhook about it is no new change here.
            response = await client.post(
                f"/api/v1/applications/{application_id}/transitions",
                json={"action": "move", "to_stage": "sourced", "reason": "Back to sourcing"},
                headers=tenant.admin.headers,
            )
            assert response.status_code == 200, response.text
            done = "SELECT count(*) FROM ats_pushes WHERE status = 'done'"
            await eventually(lambda: _count_is(db, done, 1))
            [change] = fake.calls("application.changeStage")
            assert change.json["interviewStageId"] == fake.stage_id("Lead")
            h, b = ashby_fake.signed_delivery(
                "candidateStageChange", {"application": fake.application_json(app_id)}, SECRET
            )
            assert (await deliver(client, cid, h, b)).status_code == 202
            await applied(db, cid)
            assert await application_state(db, application_id) == ("sourced", "active")
            assert await events_of(db, "application.moved") == 1

            fake.applications[app_id].stage_id = fake.stage_id("Offer")
            h, b = ashby_fake.signed_delivery(
                "candidateStageChange", {"application": fake.application_json(app_id)}, SECRET
            )
            assert (await deliver(client, cid, h, b)).status_code == 202
            await applied(db, cid)
            assert await application_state(db, application_id) == ("offer", "active")
        assert await count(db, "SELECT count(*) FROM ats_pushes") == 1
        assert len(fake.calls("application.changeStage")) == 1


# --- outbound ----------------------------------------------------------------------------


def gh_webhook_for(
    fake: gh_fake.GreenhouseFake, action: str, app_id: int, stage: str | None = None
) -> dict[str, Any]:
    """What Greenhouse sends about one of the fake's applications (documented sample shape)."""
    application = fake.tables["applications"].rows[app_id]
    candidate = fake.tables["candidates"].rows[application["candidate_id"]]
    payload = gh_application(
        action,
        app_id=app_id,
        candidate_id=candidate["id"],
        job_id=application["job_id"],
        email=candidate["email_addresses"][0]["value"],
    )
    payload["application"]["current_stage"] = {
        "id": application["stage_id"],
        "name": stage or fake.current_stage_name(app_id),
        "interviews": [],
    }
    return payload


async def test_local_change_pushed_once_no_echo_429_waited_out_4xx_not_retried(
    client: httpx.AsyncClient, tenant: Tenant, db: Database, greenhouse: Any
) -> None:
    fake, url = greenhouse
    job = fake.add_job("Engineer")
    person = fake.add_candidate("Olga", "Out", email="olga@example.com")
    gh_app = fake.add_application(person, job, stage="Application Review")
    app_id = int(gh_app["id"])
    move_path = f"/v3/applications/{app_id}/move"
    cid = await gh_connect(client, tenant, fake, url)

    async def vendor_says(action: str, stage: str | None = None) -> None:
        headers, body = gh_fake.signed_delivery(
            action, gh_webhook_for(fake, action, app_id, stage), SECRET
        )
        assert (await deliver(client, cid, headers, body)).status_code == 202
        await applied(db, cid)

    async def pushes_settled() -> bool:
        return await count(db, "SELECT count(*) FROM ats_pushes WHERE status = 'pending'") == 0

    async def move(to_stage: str) -> None:
        response = await client.post(
            f"/api/v1/applications/{application_id}/transitions",
            json={"action": "move", "to_stage": to_stage, "reason": "Decided in Hireloop"},
            headers=tenant.admin.headers,
        )
        assert response.status_code == 200, response.text

    async with running_worker(db):
        await vendor_says("new_candidate_application")
        application_id = await resource_of(db, cid, "application", str(app_id))
        assert await application_state(db, application_id) == ("screening", "active")
        # A change that came from the vendor is never pushed back to it.
        await asyncio.sleep(0.5)
        assert await count(db, "SELECT count(*) FROM ats_pushes") == 0

        # Our move goes out once...
        await move("submitted")
        await eventually(
            lambda: _count_is(db, "SELECT count(*) FROM ats_pushes WHERE status = 'done'", 1)
        )
        assert len(fake.api_requests("POST", move_path)) == 1
        assert fake.current_stage_name(app_id) == "Preliminary Phone Screen"
        # ... and Greenhouse's webhook about that same move is not a new change here.
        await vendor_says("candidate_stage_change")
        await asyncio.sleep(0.5)
        assert await events_of(db, "application.moved") == 1
        assert await count(db, "SELECT count(*) FROM ats_pushes") == 1
        assert len(fake.api_requests("POST", move_path)) == 1

        # A 429 storm is waited out: Retry-After honoured, no hammering.
        storm, wait = 5, 0.3
        before = len(fake.api_requests())
        fake.fail_with_429(storm, retry_after=wait)
        started = time.monotonic()
        await move("screening")
        await eventually(
            lambda: _count_is(db, "SELECT count(*) FROM ats_pushes WHERE status = 'done'", 2)
        )
        elapsed = time.monotonic() - started
        calls = len(fake.api_requests()) - before
        # The stage push needs 3 calls (application, job stages, move): storm + 3 at most.
        assert storm + 1 <= calls <= storm + 3, calls
        assert elapsed >= storm * wait * 0.9, elapsed
        assert len(fake.api_requests("POST", move_path)) == 2
        assert fake.current_stage_name(app_id) == "Application Review"

        # Our stage the map has no vendor stage for is skipped; one with several is pushed
        # to the first the job has.
        await vendor_says("candidate_stage_change", stage="Offer")
        await move("decision")
        await eventually(
            lambda: _count_is(db, "SELECT count(*) FROM ats_pushes WHERE status = 'skipped'", 1)
        )
        await move("interviewing")
        await eventually(
            lambda: _count_is(db, "SELECT count(*) FROM ats_pushes WHERE status = 'done'", 3)
        )
        assert fake.current_stage_name(app_id) == "Face to Face"

        # A 4xx other than 429 is not retried: the vendor refuses to hire a rejected
        # application (422), once.
        await vendor_says("candidate_stage_change", stage="Offer")
        assert await application_state(db, application_id) == ("offer", "active")
        fake.tables["applications"].rows[app_id]["status"] = "rejected"
        await move("hired")
        await eventually(
            lambda: _count_is(db, "SELECT count(*) FROM ats_pushes WHERE status = 'failed'", 1)
        )
        await asyncio.sleep(0.6)
        assert await pushes_settled()
    hire_path = f"/v3/applications/{app_id}/hire"
    assert len(fake.api_requests("POST", hire_path)) == 1
    failed = await row(db, "SELECT * FROM ats_pushes WHERE status = 'failed'")
    assert failed["kind"] == "hire"
    assert failed["attempts"] == 1
    assert "422" in failed["last_error"]
    health = (await client.get(f"{URL}/{cid}", headers=tenant.admin.headers)).json()["health"]
    assert health["failed_pushes"] == 1
    assert any(e["source"] == "push" for e in health["recent_errors"])


async def _count_is(db: Database, sql: str, expected: int) -> bool:
    return await count(db, sql) == expected


# --- backfill and reconciliation ---------------------------------------------------------

# The production adapter reads 100 records a page: 1 page of jobs, 15 of candidates and 15
# of applications (PAGES follows the adapter's page size). (The 10,000 is 201 pages: too slow for the suite on 2 cores; the
# adapter alone is shown reading 10,000 in tests/test_ats_greenhouse.py.)
BACKFILL = 1_500
# Pages of each of candidates and applications, at the production adapter's page size.
PAGES = math.ceil(BACKFILL / int(getattr(adapter_for("greenhouse"), "per_page", 100)))


async def sync_state(client: httpx.AsyncClient, tenant: Tenant, cid: str) -> dict[str, Any]:
    response = await client.get(f"{URL}/{cid}/sync", headers=tenant.admin.headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_full_import_survives_a_killed_worker_without_duplicates(
    client: httpx.AsyncClient,
    tenant: Tenant,
    db: Database,
    database_url: str,
    greenhouse: Any,
) -> None:
    fake, url = greenhouse
    fake.seed(jobs=3, applications=BACKFILL, rejected_every=10)
    cid = await gh_connect(client, tenant, fake, url)
    started = await client.post(f"{URL}/{cid}/sync", headers=tenant.admin.headers, json={})
    assert started.status_code == 202, started.text
    assert started.json()["status"] == "pending"
    again = await client.post(f"{URL}/{cid}/sync", headers=tenant.admin.headers, json={})
    assert again.status_code == 409

    # A short lease, so the second worker takes the sync over soon after the first is killed;
    # long enough that a page read on a loaded machine still fits in it (a read cut short by
    # the lease is retried, and counted in the sync's errors).
    env = {"HIRELOOP_WORKER_LEASE_SECONDS": "4", "HIRELOOP_WEBHOOK_TIMEOUT_SECONDS": "1"}
    first = spawn_worker(database_url, **env)
    seen: list[dict[str, Any]] = []
    try:
        # Killed midway through the applications, between or during pages.
        midway = 1 + PAGES + min(2, PAGES - 1)

        async def far_enough() -> bool:
            seen.append(await sync_state(client, tenant, cid))
            return int(seen[-1]["pages_done"]) >= midway

        # Generous: other suites share the machine's two cores.
        await eventually(far_enough, within=180, every=0.2)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    except BaseException:
        first.kill()
        first.wait(10)
        raise AssertionError(f"first worker: {seen[-1:]}\n{worker_log(first)}") from None
    progress = seen[-1]
    assert progress["status"] == "running"
    assert progress["resource"] == "applications"
    assert 0 < progress["created"] < 2 * BACKFILL + 3
    assert await count(db, "SELECT count(*) FROM applications") < BACKFILL

    second = spawn_worker(database_url, **env)
    try:

        async def done() -> bool:
            seen.append(await sync_state(client, tenant, cid))
            return seen[-1]["status"] in ("done", "failed")

        await eventually(done, within=240, every=0.3)
    except AssertionError:
        raise AssertionError(f"second worker: {seen[-1]}\n{worker_log(second)}") from None
    finally:
        log = worker_log(second)
        second.kill()
        second.wait(10)
    final = await sync_state(client, tenant, cid)
    assert final["status"] == "done", (final, log)
    assert final["errors"] == 0, final["last_errors"]
    assert final["pages_done"] == 1 + 2 * PAGES
    assert final["created"] == 3 + 2 * BACKFILL
    assert final["finished_at"] is not None

    assert await count(db, "SELECT count(*) FROM applications") == BACKFILL
    assert await count(db, "SELECT count(*) FROM candidates") == BACKFILL
    assert await count(db, "SELECT count(DISTINCT email) FROM candidates") == BACKFILL
    assert await count(db, "SELECT count(*) FROM roles") == 3
    for kind, expected in (("application", BACKFILL), ("candidate", BACKFILL), ("role", 3)):
        refs = await count(
            db,
            "SELECT count(*) FROM external_refs WHERE connection_id = :c AND resource_type = :k",
            c=cid,
            k=kind,
        )
        assert refs == expected, kind
    assert await count(db, "SELECT count(*) FROM applications WHERE outcome = 'rejected'") == (
        BACKFILL // 10
    )
    assert await events_of(db, "application.created") == BACKFILL
    assert await count(db, "SELECT count(*) FROM ats_pushes") == 0
    health = (await client.get(f"{URL}/{cid}", headers=tenant.admin.headers)).json()["health"]
    assert health["last_sync_at"] is not None


def gh_move_in_fake(fake: gh_fake.GreenhouseFake, app_id: int, stage: str) -> None:
    """A change made in Greenhouse whose webhook never reached us."""
    application = fake.tables["applications"].rows[app_id]
    target = next(s for s in fake.stages_of(application["job_id"]) if s["name"] == stage)
    stamp = gh_fake._iso(datetime.now(UTC))
    stages = fake.tables["application_stages"]
    stages.rows[application["stage_id"]].update(current=False, exited_at=stamp)
    new = stages.add(
        {
            "id": fake._new_id(),
            "application_id": app_id,
            "job_interview_stage_id": target["id"],
            "current": True,
            "entered_at": stamp,
            "exited_at": None,
            "created_at": stamp,
            "updated_at": stamp,
        }
    )
    application.update(stage_id=new["id"], updated_at=stamp)


async def test_reconciliation_repairs_a_missed_webhook(
    client: httpx.AsyncClient, tenant: Tenant, db: Database, greenhouse: Any
) -> None:
    fake, url = greenhouse
    old = datetime.now(UTC) - timedelta(days=3)
    seeded = fake.seed(jobs=1, applications=6, updated_at=old)
    # One record the import cannot take: its page still goes in, the record is an error.
    fake.tables["applications"].rows[int(seeded[5]["id"])]["job_id"] = None
    cid = await gh_connect(client, tenant, fake, url)
    assert (await client.post(f"{URL}/{cid}/sync", headers=tenant.admin.headers)).status_code == 202
    async with running_worker(db):

        async def synced() -> bool:
            state = await sync_state(client, tenant, cid)
            assert state["status"] != "failed", state
            return bool(state["status"] == "done")

        await eventually(synced, within=30)
        full = await sync_state(client, tenant, cid)
        assert full["errors"] == 1
        assert "names no job" in str(full["last_errors"][0]["reason"])
        assert await count(db, "SELECT count(*) FROM applications") == 5
        target = int(seeded[0]["id"])  # at "Application Review" -> screening
        application_id = await resource_of(db, cid, "application", str(target))
        assert await application_state(db, application_id) == ("screening", "active")

        gh_move_in_fake(fake, target, "Face to Face")
        async with db.transaction() as session:
            assert await ats.reconcile(session) == 1
        await eventually(synced, within=30)
        reconciliation = await sync_state(client, tenant, cid)
        assert reconciliation["kind"] == "incremental"
        assert reconciliation["updated"] == 1
        assert reconciliation["created"] == 0
    assert await application_state(db, application_id) == ("interviewing", "active")
    assert await count(db, "SELECT count(*) FROM applications") == 5
    # Repaired from the vendor: nothing is pushed back to it.
    assert await count(db, "SELECT count(*) FROM ats_pushes") == 0
