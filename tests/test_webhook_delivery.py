"""Webhook endpoints end to end: registered through the API, delivered by a real worker to a
real receiver on 127.0.0.1, verified there with the `standardwebhooks` package."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from app.db import Database
from tests.conftest import Tenant
from tests.helpers_worker import count, eventually, running_worker
from tests.receivers import Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver().start()
    yield r
    r.stop()


async def _endpoint(
    client: httpx.AsyncClient, tenant: Tenant, url: str, **extra: object
) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/webhook-endpoints", json={"url": url, **extra}, headers=tenant.admin.headers
    )
    assert response.status_code == 201, response.text
    assert response.headers["cache-control"] == "no-store"
    return dict(response.json())


async def test_event_arrives_signed_and_verifies(
    client: httpx.AsyncClient, tenant: Tenant, db: Database, receiver: Receiver
) -> None:
    endpoint = await _endpoint(client, tenant, receiver.url, description="ATS bridge")
    assert endpoint["secret"].startswith("whsec_")
    receiver.secrets = [endpoint["secret"]]
    async with running_worker(db):
        r = await client.post(
            "/api/v1/roles", json={"title": "Platform Engineer"}, headers=tenant.admin.headers
        )
        assert r.status_code == 201, r.text

        async def arrived() -> bool:
            return any(json.loads(x.body)["type"] == "role.created" for x in receiver.snapshot())

        await eventually(arrived, 15)
    got = next(x for x in receiver.snapshot() if json.loads(x.body)["type"] == "role.created")
    assert got.verified
    body = json.loads(got.body)
    assert set(body) == {"type", "timestamp", "data"}
    assert body["data"]["role_id"] == r.json()["id"]
    # A tampered body or a forged signature fails at the receiver.
    headers = {
        "webhook-id": got.webhook_id,
        "webhook-timestamp": got.timestamp,
        "webhook-signature": got.signature,
    }
    assert not receiver.verify(headers, got.body.replace(b"Platform", b"Platfork"))
    forged = {**headers, "webhook-signature": "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}
    assert not receiver.verify(forged, got.body)
    assert (
        await count(db, "SELECT count(*) FROM webhook_deliveries WHERE status = 'succeeded'") >= 1
    )
