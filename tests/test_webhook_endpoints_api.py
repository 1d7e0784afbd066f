"""`/api/v1/webhook-endpoints`: what an admin does with endpoints, deliveries and attempts,
with a real worker and receivers where something must be sent."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import text

from app.db import Database
from tests.conftest import Tenant
from tests.helpers_worker import (
    count,
    create_endpoint,
    eventually,
    insert_events,
    running_worker,
)
from tests.receivers import Receiver, body_of

BASE = "/api/v1/webhook-endpoints"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver().start()
    yield r
    r.stop()


@pytest.fixture
def bystander() -> Iterator[Receiver]:
    r = Receiver().start()
    yield r
    r.stop()


def fields(response: httpx.Response) -> set[str]:
    return {e["field"] for e in response.json().get("errors", [])}


async def test_create_shows_the_secret_once(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    h = tenant.admin.headers
    r = await client.post(
        BASE,
        json={
            "url": "https://hooks.example.com/in",
            "event_types": ["role.updated", "role.created", "role.updated"],
            "description": "ATS bridge",
        },
        headers=h,
    )
    assert r.status_code == 201, r.text
    assert r.headers["cache-control"] == "no-store"
    created = r.json()
    secret = created["secret"]
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret[6:])) == 32
    assert created["event_types"] == ["role.created", "role.updated"]
    assert created["status"] == "enabled"
    assert created["version"] == 1
    # Encrypted at rest.
    async with db.transaction() as session:
        stored = (
            await session.execute(text("SELECT secret_encrypted FROM webhook_endpoints"))
        ).scalar_one()
    assert secret not in stored
    assert secret[6:] not in stored

    got = await client.get(f"{BASE}/{created['id']}", headers=h)
    assert got.status_code == 200
    assert got.headers["etag"] == '"1"'
    assert "secret" not in got.json()
    assert secret not in got.text
    listed = await client.get(BASE, headers=h)
    assert [e["id"] for e in listed.json()["items"]] == [created["id"]]
    assert secret not in listed.text
    assert "secret" not in listed.json()["items"][0]
    # Every type when left out.
    every = await create_endpoint(client, tenant, "https://hooks.example.com/all")
    assert every["event_types"] is None


async def test_invalid_input_names_the_field(client: httpx.AsyncClient, tenant: Tenant) -> None:
    h = tenant.admin.headers
    r = await client.post(
        BASE, json={"url": "https://a.example.com", "event_types": ["role.exploded"]}, headers=h
    )
    assert r.status_code == 422, r.text
    assert fields(r) == {"event_types"}
    assert "role.exploded" in r.text
    r = await client.post(BASE, json={"url": "https://a.example.com", "event_types": []}, headers=h)
    assert r.status_code == 422
    assert fields(r) == {"event_types"}
    for url in [
        "not a url",
        "ftp://a.example.com/",
        "https://u:p@a.example.com/",
        "https://10.1.2.3/",
    ]:
        r = await client.post(BASE, json={"url": url}, headers=h)
        assert r.status_code == 422, (url, r.text)
        assert fields(r) == {"url"}, (url, r.text)
    r = await client.post(BASE, json={"url": "https://a.example.com", "secret": "x"}, headers=h)
    assert r.status_code == 422
    assert fields(r) == {"secret"}
    assert await client.get(BASE, headers=h) is not None


async def test_update_with_if_match(client: httpx.AsyncClient, tenant: Tenant) -> None:
    h = tenant.admin.headers
    endpoint = await create_endpoint(client, tenant, "https://a.example.com/hook")
    url = f"{BASE}/{endpoint['id']}"
    r = await client.patch(
        url,
        json={"description": "new", "event_types": ["role.updated"]},
        headers={**h, "If-Match": '"1"'},
    )
    assert r.status_code == 200, r.text
    assert r.headers["etag"] == '"2"'
    assert r.json()["description"] == "new"
    assert r.json()["event_types"] == ["role.updated"]
    stale = await client.patch(url, json={"description": "late"}, headers={**h, "If-Match": '"1"'})
    assert stale.status_code == 412, stale.text
    r = await client.patch(url, json={"url": "gopher://a.example.com/"}, headers=h)
    assert r.status_code == 422
    assert fields(r) == {"url"}
    r = await client.patch(url, json={"event_types": ["nope"]}, headers=h)
    assert r.status_code == 422
    assert fields(r) == {"event_types"}
    r = await client.patch(url, json={"url": None}, headers=h)
    assert r.status_code == 422
    assert fields(r) == {"url"}
    got = await client.get(url, headers=h)
    assert got.json()["description"] == "new"
    assert got.headers["etag"] == '"2"'


async def test_disable_enable_delete(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    h = tenant.admin.headers
    endpoint = await create_endpoint(client, tenant, "https://a.example.com/hook")
    url = f"{BASE}/{endpoint['id']}"
    r = await client.post(f"{url}/disable", headers=h)
    assert r.status_code == 200
    assert r.json()["status"] == "disabled"
    assert r.json()["disabled_reason"]
    assert r.json()["disabled_at"]
    assert (
        await count(
            db,
            "SELECT count(*) FROM events WHERE type = 'endpoint.disabled' "
            "AND data->>'endpoint_id' = :id",
            id=endpoint["id"],
        )
        == 1
    )
    r = await client.post(f"{url}/test", headers=h)
    assert r.status_code == 409
    r = await client.post(f"{url}/enable", headers=h)
    assert r.status_code == 200
    assert r.json()["status"] == "enabled"
    assert r.json()["disabled_reason"] is None
    r = await client.delete(url, headers=h)
    assert r.status_code == 204
    assert (await client.get(url, headers=h)).status_code == 404
    assert (await client.delete(url, headers=h)).status_code == 404


async def test_rotate_secret(client: httpx.AsyncClient, tenant: Tenant) -> None:
    h = tenant.admin.headers
    endpoint = await create_endpoint(client, tenant, "https://a.example.com/hook")
    r = await client.post(f"{BASE}/{endpoint['id']}/rotate-secret", headers=h)
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    rotated = r.json()
    assert rotated["secret"].startswith("whsec_")
    assert rotated["secret"] != endpoint["secret"]
    expires = datetime.fromisoformat(rotated["previous_secret_expires_at"])
    assert abs(expires - (datetime.now(UTC) + timedelta(hours=24))) < timedelta(minutes=1)
    got = (await client.get(f"{BASE}/{endpoint['id']}", headers=h)).json()
    assert got["previous_secret_expires_at"] is not None
    assert got["version"] == 2


async def test_admins_only_and_tenants_apart(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    recruiter = await tenant.add("recruiter")
    r = await client.get(BASE, headers=recruiter.headers)
    assert r.status_code == 403
    r = await client.post(BASE, json={"url": "https://a.example.com"}, headers=recruiter.headers)
    assert r.status_code == 403

    theirs = await create_endpoint(client, other_tenant, "https://b.example.com/hook")
    url = f"{BASE}/{theirs['id']}"
    h = tenant.admin.headers
    delivery = uuid.uuid4()
    for method, path in [
        ("GET", url),
        ("PATCH", url),
        ("DELETE", url),
        ("POST", f"{url}/disable"),
        ("POST", f"{url}/enable"),
        ("POST", f"{url}/rotate-secret"),
        ("POST", f"{url}/test"),
        ("GET", f"{url}/deliveries"),
        ("GET", f"{url}/attempts"),
        ("POST", f"{url}/deliveries/{delivery}/redeliver"),
    ]:
        kwargs: dict[str, object] = {"json": {}} if method == "PATCH" else {}
        r = await client.request(method, path, headers=h, **kwargs)  # type: ignore[arg-type]
        assert r.status_code == 404, (method, path, r.status_code, r.text)
    assert (await client.get(BASE, headers=h)).json()["items"] == []
    # Untouched.
    got = await client.get(url, headers=other_tenant.admin.headers)
    assert got.json()["status"] == "enabled"
    assert got.json()["version"] == 1


async def test_deliveries_attempts_redeliver_and_test_event(
    client: httpx.AsyncClient,
    tenant: Tenant,
    db: Database,
    receiver: Receiver,
    bystander: Receiver,
) -> None:
    h = tenant.admin.headers
    mine = await create_endpoint(client, tenant, receiver.url, event_types=["role.updated"])
    receiver.secrets = [mine["secret"]]
    # Receives every type, so it would get the test event if it were broadcast.
    other = await create_endpoint(client, tenant, bystander.url)
    bystander.secrets = [other["secret"]]
    url = f"{BASE}/{mine['id']}"
    async with running_worker(db):
        (event_id,) = await insert_events(db, tenant.organization_id, 1)

        async def delivered() -> bool:
            return str(event_id) in receiver.processed and str(event_id) in bystander.processed

        await eventually(delivered, within=10)

        async def settled() -> bool:
            pending = "SELECT count(*) FROM webhook_deliveries WHERE status = 'pending'"
            return await count(db, pending) == 0

        await eventually(settled, within=10)
        listed = (await client.get(f"{url}/deliveries", headers=h)).json()["items"]
        assert len(listed) == 1
        (delivery,) = listed
        assert delivery["event_id"] == str(event_id)
        assert delivery["status"] == "succeeded"
        assert delivery["attempts"] == 1
        assert delivery["last_status_code"] == 200
        assert delivery["next_attempt_at"] is None
        assert delivery["succeeded_at"]
        for status, expected in [("succeeded", 1), ("failed", 0), ("pending", 0)]:
            r = await client.get(f"{url}/deliveries", params={"status": status}, headers=h)
            assert len(r.json()["items"]) == expected, status
        r = await client.get(f"{url}/deliveries", params={"status": "lost"}, headers=h)
        assert r.status_code == 422
        assert fields(r) == {"status"}

        attempts = (await client.get(f"{url}/attempts", headers=h)).json()["items"]
        assert len(attempts) == 1
        assert attempts[0]["succeeded"]
        assert attempts[0]["status_code"] == 200
        assert attempts[0]["response_body"] == "ok"
        assert attempts[0]["latency_ms"] >= 0
        assert attempts[0]["delivery_id"] == delivery["id"]
        r = await client.get(f"{url}/attempts", params={"delivery_id": delivery["id"]}, headers=h)
        assert len(r.json()["items"]) == 1
        r = await client.get(
            f"{url}/attempts", params={"delivery_id": str(uuid.uuid4())}, headers=h
        )
        assert r.json()["items"] == []

        # Redeliver: the same webhook-id arrives again, as a second attempt.
        r = await client.post(f"{url}/deliveries/{delivery['id']}/redeliver", headers=h)
        assert r.status_code == 202, r.text
        assert r.json()["status"] == "pending"

        async def again() -> bool:
            return receiver.ids().count(str(event_id)) == 2

        await eventually(again, within=10)
        r = await client.post(f"{url}/deliveries/{uuid.uuid4()}/redeliver", headers=h)
        assert r.status_code == 404

        # A test event reaches this endpoint only.
        r = await client.post(f"{url}/test", headers=h)
        assert r.status_code == 202, r.text
        test_event = r.json()["event_id"]

        async def tested() -> bool:
            return test_event in receiver.processed

        await eventually(tested, within=10)
        await eventually(settled, within=10)
    test_bodies = [body_of(x) for x in receiver.snapshot() if x.webhook_id == test_event]
    assert [b["type"] for b in test_bodies] == ["webhook.test"]
    assert test_bodies[0]["data"]["endpoint_id"] == mine["id"]
    assert all(body_of(x)["type"] != "webhook.test" for x in bystander.snapshot())
    assert test_event not in bystander.ids()
    assert all(x.verified for x in receiver.snapshot() + bystander.snapshot())
    attempts = (
        await client.get(f"{url}/attempts", params={"delivery_id": delivery["id"]}, headers=h)
    ).json()["items"]
    assert sorted(a["attempt"] for a in attempts) == [1, 2]
    got = (await client.get(f"{url}/deliveries", headers=h)).json()["items"]
    assert {d["event_type"] for d in got} == {"role.updated", "webhook.test"}
