"""SSRF: a webhook URL must not become a way into our own network.

Checked twice: when the URL is registered (its shape, and a literal address), and when each
delivery is made, against what the name resolves to then (DNS rebinding). Here a real worker
with an empty allow-list is pointed at a live receiver on 127.0.0.1 in many disguises; each
attempt is refused and recorded, and the receiver hears nothing."""

from __future__ import annotations

import ipaddress
import uuid
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from sqlalchemy import text

from app.db import Database
from app.integrations.outbound import address_allowed, check_url_shape, resolve
from app.main import create_app
from app.settings import Settings
from tests.conftest import TEST_SECRET, Tenant, make_settings
from tests.helpers_worker import (
    count,
    create_endpoint,
    eventually,
    insert_events,
    running_worker,
    worker_settings,
)
from tests.receivers import Receiver

CLOSED = make_settings(outbound_allow_networks=[])
OPEN_LOOPBACK = make_settings(outbound_allow_networks=["127.0.0.0/8"])
PRODUCTION = Settings(env="production", secret_key=TEST_SECRET, log_json=False)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver().start()
    yield r
    r.stop()


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.1.2.3",
        "10.0.0.1",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata
        "100.64.0.1",  # shared address space (CGNAT)
        "0.0.0.0",
        "255.255.255.255",
        "224.0.0.1",  # multicast
        "239.255.255.250",
        "198.18.0.1",  # benchmarking
        "240.0.0.1",  # reserved
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "ff02::1",  # multicast
        "ff0e::1",  # global-scope multicast, which Python calls global
        "::ffff:127.0.0.1",  # IPv4-mapped
        "::ffff:10.0.0.1",
        "::127.0.0.1",  # IPv4-compatible (deprecated), which Python calls global
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
        "2002:7f00:1::",  # 6to4 of 127.0.0.1
        "2002:a00:1::",  # 6to4 of 10.0.0.1
    ],
)
def test_non_public_addresses_are_refused(address: str) -> None:
    assert not address_allowed(ipaddress.ip_address(address), CLOSED)


@pytest.mark.parametrize(
    "address", ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "64:ff9b::808:808", "2002:808:808::"]
)
def test_public_addresses_are_allowed(address: str) -> None:
    assert address_allowed(ipaddress.ip_address(address), CLOSED)


def test_the_allow_list_opens_only_what_it_names() -> None:
    assert address_allowed(ipaddress.ip_address("127.0.0.1"), OPEN_LOOPBACK)
    assert address_allowed(ipaddress.ip_address("::ffff:127.0.0.1"), OPEN_LOOPBACK)
    assert not address_allowed(ipaddress.ip_address("10.0.0.1"), OPEN_LOOPBACK)
    assert not address_allowed(ipaddress.ip_address("::1"), OPEN_LOOPBACK)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://example.com/hook", "https"),
        ("file:///etc/passwd", "https"),
        ("gopher://example.com/", "https"),
        ("https:///nohost", "host"),
        ("https://user:pw@example.com/hook", "credentials"),
        ("https://example.com:99999/hook", "valid URL"),
        ("https://10.0.0.1/hook", "private"),
        ("https://169.254.169.254/latest/meta-data", "private"),
        ("https://[::1]/hook", "private"),
        ("https://[::ffff:127.0.0.1]/hook", "private"),
    ],
)
def test_url_shape_refusals(url: str, reason: str) -> None:
    refusal = check_url_shape(url, CLOSED)
    assert refusal is not None
    assert reason in refusal


def test_https_only_in_production() -> None:
    assert check_url_shape("http://example.com/hook", PRODUCTION) is not None
    assert check_url_shape("https://example.com/hook", PRODUCTION) is None
    assert check_url_shape("http://example.com/hook", CLOSED) is None  # test: http allowed
    assert check_url_shape("http://example.com/hook", make_settings(webhook_allow_http=False))


async def test_names_are_checked_when_resolved() -> None:
    with pytest.raises(Exception, match="non-public address"):
        await resolve("http://localhost:8080/hook", CLOSED)
    # A decimal spelling of 127.0.0.1 is a name to the URL parser, and resolves to loopback.
    with pytest.raises(Exception, match="non-public address"):
        await resolve("http://2130706433/hook", CLOSED)
    pinned = await resolve("http://localhost:8080/hook?x=1", OPEN_LOOPBACK)
    assert pinned.address.is_loopback
    assert pinned.host == "localhost"
    assert pinned.pinned_url.endswith(":8080/hook?x=1")
    assert pinned.host_header() == "localhost:8080"


async def test_delivery_time_refusals_send_nothing(
    client: httpx.AsyncClient, tenant: Tenant, db: Database, receiver: Receiver
) -> None:
    """Registered while allowed (or with a name that resolved elsewhere then), refused at
    delivery: each attempt is recorded as `refused: ...` and nothing reaches the receiver."""
    port = receiver.port
    urls = [
        f"http://127.0.0.1:{port}/hook",
        f"http://localhost:{port}/hook",
        f"http://2130706433:{port}/hook",
        f"http://0.0.0.0:{port}/hook",
        f"http://[::1]:{port}/hook",
        f"http://[::ffff:127.0.0.1]:{port}/hook",
        f"http://[::127.0.0.1]:{port}/hook",
        f"http://[64:ff9b::7f00:1]:{port}/hook",
        f"http://10.0.0.1:{port}/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://224.0.0.1/hook",
        "http://[ff02::1]/hook",
    ]
    endpoint_ids: dict[uuid.UUID, str] = {}
    for url in urls:
        endpoint = await create_endpoint(client, tenant, receiver.url, event_types=["role.updated"])
        endpoint_ids[uuid.UUID(endpoint["id"])] = url
        receiver.secrets.append(endpoint["secret"])
    async with db.transaction() as session:
        for endpoint_id, url in endpoint_ids.items():
            # As if the name now resolved elsewhere, or the allow-list had been narrowed.
            await session.execute(
                text("UPDATE webhook_endpoints SET url = :url WHERE id = :id"),
                {"url": url, "id": endpoint_id},
            )
    settings = worker_settings(outbound_allow_networks=[], webhook_retry_schedule=[3600])
    async with running_worker(db, settings):
        await insert_events(db, tenant.organization_id, 1)

        async def all_attempted() -> bool:
            return await count(db, "SELECT count(*) FROM webhook_attempts") == len(urls)

        await eventually(all_attempted, within=15)
    assert receiver.snapshot() == []
    async with db.transaction() as session:
        attempts = (
            await session.execute(
                text("SELECT endpoint_id, succeeded, status_code, error FROM webhook_attempts")
            )
        ).all()
    for endpoint_id, succeeded, status_code, error in attempts:
        assert not succeeded
        assert status_code is None
        assert error.startswith("refused: "), (endpoint_ids[endpoint_id], error)
    assert await count(
        db, "SELECT count(*) FROM webhook_deliveries WHERE status = 'pending'"
    ) == len(urls)


async def test_the_allow_list_lets_loopback_through(
    client: httpx.AsyncClient, tenant: Tenant, db: Database, receiver: Receiver
) -> None:
    endpoint = await create_endpoint(
        client, tenant, f"http://localhost:{receiver.port}/hook", event_types=["role.updated"]
    )
    receiver.secrets = [endpoint["secret"]]
    async with running_worker(db, worker_settings(outbound_allow_networks=["127.0.0.1/32"])):
        (event_id,) = await insert_events(db, tenant.organization_id, 1)

        async def arrived() -> bool:
            return str(event_id) in receiver.processed

        await eventually(arrived, within=10)
    (received,) = receiver.snapshot()
    assert received.verified


@pytest.fixture
async def production_client(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(
        Settings(
            env="production",
            secret_key=TEST_SECRET,
            log_json=False,
            log_level="WARNING",
            access_log=False,
        ),
        database_url=database_url,
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="https://hireloop.test") as c:
            yield c


async def test_production_refuses_http_at_registration(
    production_client: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await production_client.post(
        "/api/v1/webhook-endpoints",
        json={"url": "http://example.com/hook"},
        headers=tenant.admin.headers,
    )
    assert response.status_code == 422, response.text
    assert "url" in response.text
    assert "https" in response.text
    response = await production_client.post(
        "/api/v1/webhook-endpoints",
        json={"url": "https://example.com/hook"},
        headers=tenant.admin.headers,
    )
    assert response.status_code == 201, response.text
