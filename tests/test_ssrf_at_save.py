"""SSRF, checked when a URL is saved as delivery would check it.

`check_url_shape` (at save) and `resolve` (at call) read a host the same way: an IPv4 address in
any spelling the resolver accepts (`2130706433`, `0x7f000001`, `127.1`, `0177.0.0.1`, fullwidth
digits) and the names that always mean this machine (`localhost`, `*.localhost`) are judged as
the address they stand for, without DNS. Every URL Hireloop later calls is checked when saved:
webhook endpoints, ATS base_url and Greenhouse's token_url, and Slack incoming webhooks of
members and organizations. Each refusal is a 422 naming the field, and nothing is saved.

The test app allows 127.0.0.0/8 (its receivers live on loopback), so refusals through the API
use spellings of 10.0.0.1 and 169.254.169.254; loopback spellings are checked at unit level
with settings that allow nothing."""

from __future__ import annotations

import ipaddress
import socket

import httpx
import pytest

from app.integrations.outbound import (
    DestinationRefused,
    check_url_shape,
    fixed_addresses,
    resolve,
)
from app.settings import Settings
from tests.conftest import Tenant, make_settings
from tests.helpers_domain import API, JSON, error_fields, ok, problem

CLOSED = make_settings(outbound_allow_networks=[])
OPEN_LOOPBACK = make_settings(outbound_allow_networks=["127.0.0.0/8"])

LOOPBACK_SPELLINGS = [
    "127.0.0.1",
    "2130706433",
    "0x7f000001",
    "0X7F000001",
    "127.1",
    "127.0.1",
    "0177.0.0.1",
    "0x7f.0.0.1",
    "0x7f.1",
    "017700000001",
    "127.0.0.1.",  # the root's trailing dot
    "\uff11\uff12\uff17.\uff10.\uff10.\uff11",  # fullwidth digits, which IDNA maps to ASCII
]
LOCAL_NAMES = [
    "localhost",
    "LOCALHOST",
    "localhost.",
    "api.localhost",
    "a.b.localhost",
    "localhost.localdomain",
    "ip6-localhost",
    "ip6-loopback",
]
# Spellings of private and metadata addresses, refused even by the test app (which allows
# only loopback).
PRIVATE_SPELLINGS = [
    "0xa000001",  # 10.0.0.1
    "167772161",  # 10.0.0.1
    "10.1",  # 10.0.0.1
    "012.0.0.1",  # 10.0.0.1 (octal)
    "0xa9fea9fe",  # 169.254.169.254
    "2852039166",  # 169.254.169.254
    "0251.0376.0251.0376",  # 169.254.169.254
    "169.254.43518",  # 169.254.169.254
    "0",  # 0.0.0.0
    "ip6-localhost",  # ::1, which the test app does not allow
]
# Numeric-looking hosts that are no address: a resolver would hand them to DNS, so they are
# refused rather than guessed at.
NOT_HOSTS = ["1.2.3.4.5", "127.0.0.08", "256.0.0.1", "0x", "4294967296", "a..b", "a b"]


@pytest.mark.parametrize("host", LOOPBACK_SPELLINGS + LOCAL_NAMES)
async def test_loopback_in_any_spelling_is_refused_at_save_and_at_call(host: str) -> None:
    url = f"http://{host}:8080/hook"
    refusal = check_url_shape(url, CLOSED)
    assert refusal is not None
    assert "private, loopback or reserved" in refusal
    with pytest.raises(DestinationRefused, match="non-public address"):
        await resolve(url, CLOSED)


@pytest.mark.parametrize("host", [*LOOPBACK_SPELLINGS, "localhost", "api.localhost"])
async def test_the_allow_list_keeps_its_meaning(host: str) -> None:
    """With loopback allowed, every spelling is accepted at save and called at 127.0.0.1."""
    url = f"http://{host}:8080/hook"
    assert check_url_shape(url, OPEN_LOOPBACK) is None
    destination = await resolve(url, OPEN_LOOPBACK)
    assert destination.address == ipaddress.ip_address("127.0.0.1")
    assert destination.pinned_url == "http://127.0.0.1:8080/hook"


@pytest.mark.parametrize("host", PRIVATE_SPELLINGS)
def test_private_spellings_are_refused_even_with_loopback_allowed(host: str) -> None:
    refusal = check_url_shape(f"https://{host}/hook", OPEN_LOOPBACK)
    assert refusal is not None
    assert "private" in refusal


@pytest.mark.parametrize("host", NOT_HOSTS)
async def test_numeric_hosts_that_are_no_address_are_refused(host: str) -> None:
    url = f"https://{host}/hook"
    refusal = check_url_shape(url, OPEN_LOOPBACK)
    assert refusal is not None
    assert "valid host" in refusal
    with pytest.raises(DestinationRefused, match="valid host"):
        await resolve(url, OPEN_LOOPBACK)


async def test_public_spellings_are_accepted_and_pinned_to_their_address() -> None:
    for host in ("134744072", "0x8080808", "8.8.2056", "010.010.010.010"):
        url = f"https://{host}/hook"
        assert check_url_shape(url, CLOSED) is None, host
        destination = await resolve(url, CLOSED)
        assert destination.address == ipaddress.ip_address("8.8.8.8"), host
    assert check_url_shape("https://hooks.slack.com/services/T0/B0/X", CLOSED) is None
    assert check_url_shape("https://2001.example.com/hook", CLOSED) is None
    assert check_url_shape("https://0x10.example.com/hook", CLOSED) is None


@pytest.mark.parametrize(
    "host",
    [
        h
        for h in LOOPBACK_SPELLINGS + PRIVATE_SPELLINGS
        if h.isascii() and h[-1].isalnum() and "localhost" not in h
    ],
)
def test_the_reading_matches_the_system_resolver(host: str) -> None:
    """What check_url_shape judges for a numeric spelling is what getaddrinfo connects to."""
    resolved = {
        ipaddress.ip_address(info[4][0])
        for info in socket.getaddrinfo(host, 80, type=socket.SOCK_STREAM)
    }
    fixed = fixed_addresses(host)
    assert fixed is not None
    assert resolved == set(fixed)


def test_control_characters_are_refused() -> None:
    for url in ("https://exa\x00mple.com/", "https://example.com/a\x00b", "https://ex\tample.com/"):
        refusal = check_url_shape(url, OPEN_LOOPBACK)
        assert refusal is not None
        assert "control characters" in refusal


def test_plain_http_only_outside_production() -> None:
    production = Settings(env="production", secret_key="x" * 40, log_json=False)
    slack = "hooks.slack.com/services/T0/B0/X"
    assert check_url_shape(f"http://{slack}", production) is not None
    assert check_url_shape(f"https://{slack}", production) is None


# --- webhook endpoints -------------------------------------------------------------------------

HOOKS = f"{API}/webhook-endpoints"


async def test_webhook_endpoint_refusals_save_nothing(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    h = tenant.admin.headers
    for host in PRIVATE_SPELLINGS:
        body = problem(await client.post(HOOKS, json={"url": f"https://{host}/in"}, headers=h), 422)
        assert error_fields(body) == {"url"}, (host, body)
    for url in ("https://hooks.example.com/in\x00", "https://hooks\x00.example.com/in"):
        body = problem(await client.post(HOOKS, json={"url": url}, headers=h), 422)
        assert error_fields(body) == {"url"}, body
    body = problem(
        await client.post(
            HOOKS, json={"url": "https://hooks.example.com/in", "description": "a\x00b"}, headers=h
        ),
        422,
    )
    assert error_fields(body) == {"description"}, body
    assert ok(await client.get(HOOKS, headers=h))["items"] == []

    created = ok(
        await client.post(
            HOOKS, json={"url": "https://hooks.example.com/in", "description": "d"}, headers=h
        ),
        201,
    )
    one = f"{HOOKS}/{created['id']}"
    for change, field in [
        ({"url": "https://0xa9fea9fe/latest/meta-data"}, "url"),
        ({"url": "https://10.1/in"}, "url"),
        ({"url": "https://hooks.example.com/\x00"}, "url"),
        ({"description": "\x00"}, "description"),
    ]:
        body = problem(await client.patch(one, json=change, headers=h), 422)
        assert error_fields(body) == {field}, (change, body)
    got = await client.get(one, headers=h)
    assert got.json()["url"] == "https://hooks.example.com/in"
    assert got.json()["description"] == "d"
    assert got.headers["etag"] == '"1"'


# --- ATS connections ---------------------------------------------------------------------------

ATS = f"{API}/integrations"


def greenhouse(**extra: object) -> JSON:
    return {
        "provider": "greenhouse",
        "name": "Our Greenhouse",
        "credentials": {"client_id": "gh-id", "client_secret": "gh-secret"},
        **extra,
    }


async def test_greenhouse_token_url_and_base_url_are_checked_when_saved(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    h = tenant.admin.headers
    for token_url in (
        "https://169.254.169.254/token",
        "https://0xa000001/token",
        "https://167772161/token",
        "ftp://auth.example.com/token",
        "https://u:p@auth.example.com/token",
        "https://1.2.3.4.5/token",
    ):
        credentials = {"client_id": "gh-id", "client_secret": "s", "token_url": token_url}
        body = problem(
            await client.post(ATS, json=greenhouse(credentials=credentials), headers=h), 422
        )
        assert error_fields(body) == {"credentials.token_url"}, (token_url, body)
    for base_url in ("https://10.1/v3", "https://2852039166/v3"):
        body = problem(await client.post(ATS, json=greenhouse(base_url=base_url), headers=h), 422)
        assert error_fields(body) == {"base_url"}, (base_url, body)
    assert ok(await client.get(ATS, headers=h))["items"] == []

    good = {"client_id": "gh-id", "client_secret": "s", "token_url": "https://auth.example.com/t"}
    created = ok(await client.post(ATS, json=greenhouse(credentials=good), headers=h), 201)
    assert created["credential_names"] == ["client_id", "client_secret", "token_url"]
    one = f"{ATS}/{created['id']}"
    bad = {"client_id": "gh-id", "client_secret": "s2", "token_url": "https://0xa9fea9fe/t"}
    body = problem(await client.patch(one, json={"credentials": bad}, headers=h), 422)
    assert error_fields(body) == {"credentials.token_url"}, body
    body = problem(await client.patch(one, json={"base_url": "https://10.1/v3"}, headers=h), 422)
    assert error_fields(body) == {"base_url"}, body
    got = await client.get(one, headers=h)
    assert got.headers["etag"] == '"1"'
    assert got.json()["base_url"] is None


async def test_ats_maps_refuse_null_and_nul(client: httpx.AsyncClient, tenant: Tenant) -> None:
    h = tenant.admin.headers
    for extra, field in [
        ({"stage_map": {"Phone\x00screen": "screening"}}, "stage_map"),
        ({"rejection_map": {"Too\x00junior": "experience"}}, "rejection_map"),
        ({"rejection_map": {"Too junior": "exp\x00erience"}}, "rejection_map"),
    ]:
        body = problem(await client.post(ATS, json=greenhouse(**extra), headers=h), 422)
        assert any(f.startswith(field) for f in error_fields(body)), (extra, body)
    assert ok(await client.get(ATS, headers=h))["items"] == []

    created = ok(
        await client.post(
            ATS,
            json=greenhouse(
                stage_map={"Phone screen": "screening"}, rejection_map={"Too junior": "experience"}
            ),
            headers=h,
        ),
        201,
    )
    one = f"{ATS}/{created['id']}"
    for change, field in [
        ({"stage_map": None}, "stage_map"),
        ({"rejection_map": None}, "rejection_map"),
        ({"stage_map": {"On\x00site": "interviewing"}}, "stage_map"),
        ({"rejection_map": {"\x00": "experience"}}, "rejection_map"),
        ({"rejection_map": {"Too junior": "\x00"}}, "rejection_map"),
    ]:
        body = problem(await client.patch(one, json=change, headers=h), 422)
        assert any(f.startswith(field) for f in error_fields(body)), (change, body)
    got = await client.get(one, headers=h)
    assert got.headers["etag"] == '"1"'
    assert got.json()["stage_map"] == {"Phone screen": "screening"}
    assert got.json()["rejection_map"] == {"Too junior": "experience"}


# --- Slack incoming webhooks -------------------------------------------------------------------


async def test_slack_urls_are_checked_when_saved(client: httpx.AsyncClient, tenant: Tenant) -> None:
    admin = tenant.admin.headers
    member = await tenant.add("recruiter")
    preferences = f"{API}/members/{member.id}/preferences"
    for url in (
        "https://0xa000001/services/T/B/X",
        "https://167772161/services/T/B/X",
        "https://169.254.43518/services/T/B/X",
        "https://ip6-localhost/services/T/B/X",
    ):
        body = problem(
            await client.patch(
                f"{API}/organization", headers=admin, json={"slack_webhook_url": url}
            ),
            422,
        )
        assert error_fields(body) == {"slack_webhook_url"}, (url, body)
        body = problem(
            await client.patch(
                preferences,
                headers=member.headers,
                json={"update_channel": "slack", "slack_webhook_url": url},
            ),
            422,
        )
        assert error_fields(body) == {"slack_webhook_url"}, (url, body)
    org = ok(await client.get(f"{API}/organization", headers=admin))
    assert org["slack_webhook_configured"] is False
    mine = ok(await client.get(preferences, headers=member.headers))
    assert mine["slack_webhook_url"] is None
    assert mine["update_channel"] != "slack"

    hook = "https://hooks.slack.com/services/T000/B000/XXXX"
    ok(await client.patch(f"{API}/organization", headers=admin, json={"slack_webhook_url": hook}))
    ok(await client.patch(preferences, headers=member.headers, json={"slack_webhook_url": hook}))
    # Clearing is not a URL to check.
    ok(await client.patch(f"{API}/organization", headers=admin, json={"slack_webhook_url": None}))


async def test_slack_urls_must_be_https_in_production(
    client: httpx.AsyncClient, tenant: Tenant, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Production refuses plain http (webhook_allow_http unset); the sender calls Slack under
    the same rule, so the save-time check uses it too."""
    monkeypatch.setattr(settings, "webhook_allow_http", False)
    member = await tenant.add("recruiter")
    preferences = f"{API}/members/{member.id}/preferences"
    plain = "http://hooks.slack.com/services/T000/B000/XXXX"
    body = problem(
        await client.patch(
            f"{API}/organization", headers=tenant.admin.headers, json={"slack_webhook_url": plain}
        ),
        422,
    )
    assert error_fields(body) == {"slack_webhook_url"}
    assert "https" in body["detail"]
    body = problem(
        await client.patch(preferences, headers=member.headers, json={"slack_webhook_url": plain}),
        422,
    )
    assert error_fields(body) == {"slack_webhook_url"}
    secure = plain.replace("http:", "https:")
    ok(await client.patch(preferences, headers=member.headers, json={"slack_webhook_url": secure}))
