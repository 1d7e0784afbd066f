"""Authentication and permission sets: API keys, OpenID Connect bearer tokens, 401 and 403.

Everything is real: keys are issued and revoked through the API, a second instance of the
service runs as a uvicorn subprocess on 127.0.0.1, and the identity provider's key set is
served over HTTP on 127.0.0.1 by a small server started here.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI
from jwt.algorithms import RSAAlgorithm
from sqlalchemy import text

from app.db import Database
from app.main import create_app
from tests.conftest import TEST_SECRET, Person, Tenant, make_settings

ROOT = Path(__file__).resolve().parent.parent
PROBLEM_JSON = "application/problem+json"
KEY_PATTERN = re.compile(r"hl_[A-Za-z0-9_\-]{20,}")


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["code"] == code
    assert body["title"]
    assert body["detail"]
    return body


def assert_unauthenticated(response: httpx.Response) -> dict[str, Any]:
    body = assert_problem(response, 401, "unauthenticated")
    assert response.headers["www-authenticate"].lower().startswith("bearer")
    return body


async def key_id_for(client: httpx.AsyncClient, admin: Person, key: str) -> uuid.UUID:
    """The id of an API key, found through the API by its displayed prefix."""
    listed = await client.get("/api/v1/api-keys", params={"limit": 200}, headers=admin.headers)
    assert listed.status_code == 200, listed.text
    matches = [k for k in listed.json()["items"] if key.startswith(k["prefix"])]
    assert len(matches) == 1, matches
    return uuid.UUID(matches[0]["id"])


async def count(db: Database, sql: str, **params: Any) -> int:
    async with db.read() as session:
        return int((await session.execute(text(sql), params)).scalar_one())


async def tables_holding(db: Database, secret: str) -> list[str]:
    """The tables with any column, text, JSON or bytes, holding `secret`."""
    found: list[str] = []
    async with db.read() as session:
        tables = await session.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        )
        for (table,) in tables.all():
            rows = await session.execute(text(f'SELECT * FROM "{table}"'))
            for row in rows:
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        value = bytes(value).decode("latin-1")
                    elif isinstance(value, dict | list):
                        value = json.dumps(value)
                    if secret in str(value):
                        found.append(table)
                        break
                else:
                    continue
                break
    return found


# --- 401 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        "Bearer hl_thisKeyWasNeverIssuedByHireloop0000000000000",
        "Basic dXNlcjpwYXNzd29yZA==",
        "hl_missing-scheme",
        "Bearer not-a-key-and-not-a-token",
    ],
)
async def test_missing_or_bad_credentials_answer_401(
    client: httpx.AsyncClient, tenant: Tenant, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    response = await client.get("/api/v1/roles", headers=headers)
    body = assert_unauthenticated(response)
    assert body["instance"] == "/api/v1/roles"


async def test_401_on_write_changes_nothing(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    response = await client.post(
        "/api/v1/roles",
        headers={"Authorization": "Bearer hl_bogus"},
        json={"title": "Should not exist"},
    )
    assert_unauthenticated(response)
    assert await count(db, "SELECT count(*) FROM roles") == 0


async def test_valid_key_is_accepted(client: httpx.AsyncClient, tenant: Tenant) -> None:
    response = await client.get("/api/v1/organization", headers=tenant.admin.headers)
    assert response.status_code == 200, response.text
    assert response.json()["id"] == str(tenant.organization_id)


async def test_key_is_case_sensitive(client: httpx.AsyncClient, tenant: Tenant) -> None:
    key = tenant.admin.key
    altered = key[:3] + key[3:].swapcase()
    assert altered != key
    response = await client.get("/api/v1/roles", headers={"Authorization": f"Bearer {altered}"})
    assert_unauthenticated(response)


# --- 403 ------------------------------------------------------------------------------------


async def test_interviewer_may_not_list_roles(client: httpx.AsyncClient, tenant: Tenant) -> None:
    interviewer = await tenant.add("interviewer")
    response = await client.get("/api/v1/roles", headers=interviewer.headers)
    assert_problem(response, 403, "forbidden")


async def test_recruiter_may_not_create_a_member(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    recruiter = await tenant.add("recruiter")
    before = await count(db, "SELECT count(*) FROM members")
    response = await client.post(
        "/api/v1/members",
        headers=recruiter.headers,
        json={"email": "sneaky@example.com", "name": "Sneaky", "permission_set": "admin"},
    )
    assert_problem(response, 403, "forbidden")
    assert await count(db, "SELECT count(*) FROM members") == before
    assert await count(db, "SELECT count(*) FROM members WHERE email = 'sneaky@example.com'") == 0


async def test_hiring_manager_may_not_create_a_role(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    hm = await tenant.add("hiring_manager")
    response = await client.post(
        "/api/v1/roles", headers=hm.headers, json={"title": "Self-made role"}
    )
    assert_problem(response, 403, "forbidden")
    assert await count(db, "SELECT count(*) FROM roles") == 0


async def test_admin_may_create_a_member(client: httpx.AsyncClient, tenant: Tenant) -> None:
    response = await client.post(
        "/api/v1/members",
        headers=tenant.admin.headers,
        json={"email": "new.hire@example.com", "name": "New Hire", "permission_set": "recruiter"},
    )
    assert response.status_code == 201, response.text


# --- API keys: format, storage, last use ----------------------------------------------------


async def test_issued_key_starts_with_hl_and_is_shown_once(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    created = await client.post(
        "/api/v1/api-keys", headers=tenant.admin.headers, json={"name": "ci"}
    )
    assert created.status_code == 201, created.text
    body = created.json()
    key = body["key"]
    assert key.startswith("hl_")
    assert len(key) >= 40
    assert key.startswith(body["prefix"])
    assert body["member_id"] == str(tenant.admin.id)

    listed = await client.get("/api/v1/api-keys", headers=tenant.admin.headers)
    assert listed.status_code == 200
    assert key not in listed.text
    assert all("key" not in item for item in listed.json()["items"])

    # The new key works on its own.
    works = await client.get("/api/v1/organization", headers={"Authorization": f"Bearer {key}"})
    assert works.status_code == 200


async def test_keys_are_stored_only_as_sha256_hash(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    created = await client.post(
        "/api/v1/api-keys", headers=tenant.admin.headers, json={"name": "stored"}
    )
    assert created.status_code == 201
    key: str = created.json()["key"]
    secret_part = key[len(created.json()["prefix"]) :]
    assert len(secret_part) >= 20

    async with db.read() as session:
        row = (
            await session.execute(
                text("SELECT key_hash, prefix FROM api_keys WHERE id = :id"),
                {"id": created.json()["id"]},
            )
        ).one()
        assert row.key_hash == hashlib.sha256(key.encode()).hexdigest()
    # Neither the key nor its secret part is anywhere in the database, in any table.
    for secret in (key, secret_part, tenant.admin.key):
        assert await tables_holding(db, secret) == []


async def test_key_issued_with_an_idempotency_key_is_not_kept_in_plaintext(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    """Replaying a key's creation must not mean keeping the key itself for a day."""
    created = await client.post(
        "/api/v1/api-keys",
        headers={**tenant.admin.headers, "Idempotency-Key": "issue-ci-key"},
        json={"name": "ci"},
    )
    assert created.status_code == 201, created.text
    key: str = created.json()["key"]
    assert await tables_holding(db, key) == []
    assert await tables_holding(db, key[len(created.json()["prefix"]) :]) == []

    # A retry with the same key does not issue a second API key, nor show the first one again.
    keys_before = await count(db, "SELECT count(*) FROM api_keys")
    retry = await client.post(
        "/api/v1/api-keys",
        headers={**tenant.admin.headers, "Idempotency-Key": "issue-ci-key"},
        json={"name": "ci"},
    )
    assert key not in retry.text
    assert KEY_PATTERN.search(retry.text) is None
    assert await count(db, "SELECT count(*) FROM api_keys") == keys_before


async def test_last_used_at_is_set_when_a_key_is_used(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    created = await client.post(
        "/api/v1/api-keys", headers=tenant.admin.headers, json={"name": "fresh"}
    )
    assert created.status_code == 201
    assert created.json()["last_used_at"] is None
    key_id = created.json()["id"]
    before_use = datetime.now(UTC)

    used = await client.get(
        "/api/v1/roles", headers={"Authorization": f"Bearer {created.json()['key']}"}
    )
    assert used.status_code == 200

    listed = await client.get("/api/v1/api-keys", headers=tenant.admin.headers)
    item = next(k for k in listed.json()["items"] if k["id"] == key_id)
    assert item["last_used_at"] is not None
    last_used = datetime.fromisoformat(item["last_used_at"])
    assert (
        before_use - timedelta(seconds=5) <= last_used <= datetime.now(UTC) + timedelta(seconds=5)
    )


# --- revocation -----------------------------------------------------------------------------


async def test_revoked_key_fails_at_once_on_the_same_instance(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    recruiter = await tenant.add("recruiter")
    # Warm whatever cache the hot path keeps.
    for _ in range(3):
        assert (await client.get("/api/v1/roles", headers=recruiter.headers)).status_code == 200
    key_id = await key_id_for(client, tenant.admin, recruiter.key)

    revoked = await client.post(f"/api/v1/api-keys/{key_id}/revoke", headers=tenant.admin.headers)
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["revoked_at"] is not None

    assert_unauthenticated(await client.get("/api/v1/roles", headers=recruiter.headers))
    # And a write with it changes nothing.
    attempt = await client.post(
        "/api/v1/roles", headers=recruiter.headers, json={"title": "After revoke"}
    )
    assert_unauthenticated(attempt)
    # The admin's own key is untouched.
    assert (await client.get("/api/v1/roles", headers=tenant.admin.headers)).status_code == 200


async def test_member_may_revoke_own_key(client: httpx.AsyncClient, tenant: Tenant) -> None:
    recruiter = await tenant.add("recruiter")
    listed = await client.get("/api/v1/api-keys", headers=recruiter.headers)
    assert listed.status_code == 200
    (own,) = listed.json()["items"]
    revoked = await client.post(f"/api/v1/api-keys/{own['id']}/revoke", headers=recruiter.headers)
    assert revoked.status_code == 200
    assert_unauthenticated(await client.get("/api/v1/roles", headers=recruiter.headers))


async def test_member_may_not_revoke_another_members_key(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    recruiter = await tenant.add("recruiter")
    admin_key_id = await key_id_for(client, tenant.admin, tenant.admin.key)
    response = await client.post(
        f"/api/v1/api-keys/{admin_key_id}/revoke", headers=recruiter.headers
    )
    assert response.status_code in (403, 404), response.text
    assert (await client.get("/api/v1/roles", headers=tenant.admin.headers)).status_code == 200


async def test_deactivated_members_key_fails_at_once(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    recruiter = await tenant.add("recruiter")
    assert (await client.get("/api/v1/roles", headers=recruiter.headers)).status_code == 200
    deactivated = await client.patch(
        f"/api/v1/members/{recruiter.id}", headers=tenant.admin.headers, json={"is_active": False}
    )
    assert deactivated.status_code == 200, deactivated.text
    assert_unauthenticated(await client.get("/api/v1/roles", headers=recruiter.headers))


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def second_instance(database_url: str, tmp_path: Path) -> Iterator[str]:
    """Another instance of the service, a real uvicorn process on the same database."""
    port = _free_port()
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("HIRELOOP_") and k != "DATABASE_URL"
    }
    env.update(
        {
            "DATABASE_URL": database_url,
            "HIRELOOP_ENV": "test",
            "HIRELOOP_SECRET_KEY": TEST_SECRET,
            "HIRELOOP_AUTH_CACHE_SECONDS": "3",
            "HIRELOOP_DATA_DIR": str(tmp_path / "data"),
            "HIRELOOP_LOG_LEVEL": "WARNING",
            "HIRELOOP_ACCESS_LOG": "false",
        }
    )
    log = (tmp_path / "uvicorn.log").open("wb")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "app.main:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"uvicorn exited: {(tmp_path / 'uvicorn.log').read_text()}")
            try:
                if httpx.get(f"{base}/healthz", timeout=1.0).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"uvicorn did not start: {(tmp_path / 'uvicorn.log').read_text()}"
                )
            time.sleep(0.1)
        yield base
    finally:
        proc.kill()
        proc.wait(timeout=10)
        log.close()


async def test_revoked_key_fails_within_5_seconds_on_another_instance(
    client: httpx.AsyncClient, tenant: Tenant, second_instance: str
) -> None:
    recruiter = await tenant.add("recruiter")
    key_id = await key_id_for(client, tenant.admin, recruiter.key)
    async with httpx.AsyncClient(base_url=second_instance, timeout=5.0) as other:
        # Warm the other instance's cache with successful requests.
        for _ in range(3):
            warm = await other.get("/api/v1/roles", headers=recruiter.headers)
            assert warm.status_code == 200, warm.text

        revoked = await client.post(
            f"/api/v1/api-keys/{key_id}/revoke", headers=tenant.admin.headers
        )
        assert revoked.status_code == 200, revoked.text
        revoked_at = time.monotonic()
        assert_unauthenticated(await client.get("/api/v1/roles", headers=recruiter.headers))

        while True:
            answer = await other.get("/api/v1/roles", headers=recruiter.headers)
            elapsed = time.monotonic() - revoked_at
            if answer.status_code == 401:
                break
            assert answer.status_code == 200, answer.text
            assert elapsed <= 5.0, (
                f"the revoked key still worked on another instance after {elapsed:.2f}s"
            )
            await asyncio.sleep(0.1)
        assert elapsed <= 5.0, f"took {elapsed:.2f}s"
        assert_unauthenticated(answer)
        # A key that was never revoked still works there.
        assert (await other.get("/api/v1/roles", headers=tenant.admin.headers)).status_code == 200


# --- OpenID Connect bearer tokens -----------------------------------------------------------

ISSUER = "https://idp.hireloop.test/"
AUDIENCE = "hireloop-api"
KID = "test-key-1"


class KeySet:
    """An RSA key pair and the JWKS document a provider would publish for it."""

    def __init__(self, kid: str) -> None:
        self.kid = kid
        self.private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        jwk: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(self.private_key.public_key()))
        jwk.update({"kid": kid, "use": "sig", "alg": "RS256"})
        self.jwk = jwk

    def sign(self, claims: dict[str, Any], kid: str | None = None) -> str:
        return jwt.encode(
            claims, self.private_key, algorithm="RS256", headers={"kid": kid or self.kid}
        )


@pytest.fixture(scope="module")
def provider_keys() -> KeySet:
    return KeySet(KID)


@pytest.fixture(scope="module")
def stranger_keys() -> KeySet:
    """A key the provider never published."""
    return KeySet(KID)


@pytest.fixture(scope="module")
def jwks_url(provider_keys: KeySet) -> Iterator[str]:
    document = json.dumps({"keys": [provider_keys.jwk]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path != "/.well-known/jwks.json":
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(document)))
            self.end_headers()
            self.wfile.write(document)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
async def oidc_client(jwks_url: str, database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = make_settings(oidc_issuer=ISSUER, oidc_jwks_url=jwks_url, oidc_audience=AUDIENCE)
    app: FastAPI = create_app(settings, database_url=database_url)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hireloop.test") as c:
            yield c


def claims_for(email: str | None, **overrides: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": f"user-{uuid.uuid4().hex[:8]}",
        "iat": now,
        "exp": now + timedelta(minutes=5),
    }
    if email is not None:
        claims["email"] = email
        claims["email_verified"] = True
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def bearer(token: str, organization_id: uuid.UUID | None = None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {token}"}
    if organization_id is not None:
        headers["X-Organization-Id"] = str(organization_id)
    return headers


VIEWER = {"query": "{ viewer { member { databaseId email permissionSet } organization { name } } }"}


async def test_token_with_a_members_email_authenticates_as_that_member(
    oidc_client: httpx.AsyncClient, tenant: Tenant, provider_keys: KeySet
) -> None:
    recruiter = await tenant.add("recruiter")
    token = provider_keys.sign(claims_for(recruiter.member.email))

    viewer = await oidc_client.post("/graphql", json=VIEWER, headers=bearer(token))
    assert viewer.status_code == 200, viewer.text
    member = viewer.json()["data"]["viewer"]["member"]
    assert member["databaseId"] == str(recruiter.id)
    assert member["permissionSet"] == "recruiter"

    roles = await oidc_client.get("/api/v1/roles", headers=bearer(token))
    assert roles.status_code == 200, roles.text

    # The member's permission set applies: a recruiter may not add members.
    denied = await oidc_client.post(
        "/api/v1/members",
        headers=bearer(token),
        json={"email": "x@example.com", "name": "X", "permission_set": "admin"},
    )
    assert_problem(denied, 403, "forbidden")


async def test_token_email_matches_regardless_of_case(
    oidc_client: httpx.AsyncClient, tenant: Tenant, provider_keys: KeySet
) -> None:
    token = provider_keys.sign(claims_for(tenant.admin.member.email.upper()))
    response = await oidc_client.get("/api/v1/organization", headers=bearer(token))
    assert response.status_code == 200, response.text
    assert response.json()["id"] == str(tenant.organization_id)


async def test_interviewer_token_gets_403_for_roles(
    oidc_client: httpx.AsyncClient, tenant: Tenant, provider_keys: KeySet
) -> None:
    interviewer = await tenant.add("interviewer")
    token = provider_keys.sign(claims_for(interviewer.member.email))
    assert_problem(await oidc_client.get("/api/v1/roles", headers=bearer(token)), 403, "forbidden")


def _bad_tokens(provider: KeySet, stranger: KeySet, email: str) -> dict[str, str]:
    past = datetime.now(UTC) - timedelta(hours=1)
    return {
        "expired": provider.sign(claims_for(email, iat=past - timedelta(minutes=5), exp=past)),
        "signed by another key": stranger.sign(claims_for(email)),
        "signed by an unpublished key id": stranger.sign(claims_for(email), kid="unknown-kid"),
        "wrong issuer": provider.sign(claims_for(email, iss="https://evil.example/")),
        "wrong audience": provider.sign(claims_for(email, aud="someone-else")),
        "no audience": provider.sign(claims_for(email, aud=None)),
        "no expiry": provider.sign(claims_for(email, exp=None)),
        "no email": provider.sign(claims_for(None)),
        "empty email": provider.sign(claims_for("")),
        "unknown email": provider.sign(claims_for("nobody.here@example.com")),
        "unsigned": jwt.encode(claims_for(email), key="", algorithm="none"),
        "tampered payload": _tampered(provider.sign(claims_for(email))),
        "not a jwt": "eyJhbGciOi.not.a-token",
    }


def _tampered(token: str) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(jwt.utils.base64url_decode(payload))
    claims["email"] = "someone.else@example.com"
    forged = jwt.utils.base64url_encode(json.dumps(claims).encode()).decode()
    return f"{header}.{forged}.{signature}"


BAD_TOKEN_CASES = [
    "expired",
    "signed by another key",
    "signed by an unpublished key id",
    "wrong issuer",
    "wrong audience",
    "no audience",
    "no expiry",
    "no email",
    "empty email",
    "unknown email",
    "unsigned",
    "tampered payload",
    "not a jwt",
]


@pytest.mark.parametrize("case", BAD_TOKEN_CASES)
async def test_bad_tokens_answer_401(
    oidc_client: httpx.AsyncClient,
    tenant: Tenant,
    provider_keys: KeySet,
    stranger_keys: KeySet,
    db: Database,
    case: str,
) -> None:
    token = _bad_tokens(provider_keys, stranger_keys, tenant.admin.member.email)[case]
    assert_unauthenticated(await oidc_client.get("/api/v1/roles", headers=bearer(token)))
    write = await oidc_client.post("/api/v1/roles", headers=bearer(token), json={"title": "Nope"})
    assert_unauthenticated(write)
    assert await count(db, "SELECT count(*) FROM roles") == 0


async def test_token_of_a_deactivated_member_answers_401(
    oidc_client: httpx.AsyncClient, client: httpx.AsyncClient, tenant: Tenant, provider_keys: KeySet
) -> None:
    recruiter = await tenant.add("recruiter")
    token = provider_keys.sign(claims_for(recruiter.member.email))
    assert (await oidc_client.get("/api/v1/roles", headers=bearer(token))).status_code == 200
    deactivated = await client.patch(
        f"/api/v1/members/{recruiter.id}", headers=tenant.admin.headers, json={"is_active": False}
    )
    assert deactivated.status_code == 200, deactivated.text
    assert_unauthenticated(await oidc_client.get("/api/v1/roles", headers=bearer(token)))


async def test_email_in_two_organizations_needs_x_organization_id(
    oidc_client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, provider_keys: KeySet
) -> None:
    email = f"consultant.{uuid.uuid4().hex[:6]}@example.com"
    in_acme = await tenant.add("recruiter", name="Consultant", email=email)
    in_globex = await other_tenant.add("hiring_manager", name="Consultant", email=email)
    token = provider_keys.sign(claims_for(email))

    ambiguous = await oidc_client.get("/api/v1/organization", headers=bearer(token))
    body = assert_unauthenticated(ambiguous)
    assert "X-Organization-Id" in body["detail"]

    acme = await oidc_client.post(
        "/graphql", json=VIEWER, headers=bearer(token, tenant.organization_id)
    )
    assert acme.json()["data"]["viewer"]["member"]["databaseId"] == str(in_acme.id)
    assert acme.json()["data"]["viewer"]["organization"]["name"] == "Acme"

    globex = await oidc_client.post(
        "/graphql", json=VIEWER, headers=bearer(token, other_tenant.organization_id)
    )
    assert globex.json()["data"]["viewer"]["member"]["databaseId"] == str(in_globex.id)
    assert globex.json()["data"]["viewer"]["organization"]["name"] == "Globex"

    # An organization the email does not belong to, or a malformed id, is refused.
    elsewhere = await oidc_client.get("/api/v1/organization", headers=bearer(token, uuid.uuid4()))
    assert_unauthenticated(elsewhere)
    malformed = await oidc_client.get(
        "/api/v1/organization", headers={**bearer(token), "X-Organization-Id": "acme"}
    )
    assert_unauthenticated(malformed)


async def test_x_organization_id_cannot_reach_another_organization(
    oidc_client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, provider_keys: KeySet
) -> None:
    """A member of one organization naming another one is not let in there."""
    token = provider_keys.sign(claims_for(tenant.admin.member.email))
    response = await oidc_client.get(
        "/api/v1/organization", headers=bearer(token, other_tenant.organization_id)
    )
    assert_unauthenticated(response)


async def test_api_keys_still_work_on_an_oidc_enabled_app(
    oidc_client: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await oidc_client.get("/api/v1/organization", headers=tenant.admin.headers)
    assert response.status_code == 200
    assert_unauthenticated(
        await oidc_client.get("/api/v1/organization", headers=bearer("hl_bogus"))
    )


async def test_a_token_whose_email_is_not_verified_answers_401(
    oidc_client: httpx.AsyncClient, tenant: Tenant, provider_keys: KeySet
) -> None:
    recruiter = await tenant.add("recruiter")
    for verified in (False, "false", None):
        token = provider_keys.sign(claims_for(recruiter.member.email, email_verified=verified))
        answer = await oidc_client.get("/api/v1/roles", headers=bearer(token))
        assert_problem(answer, 401, "unauthenticated")
        assert "email_verified" in answer.json()["detail"]
    token = provider_keys.sign(claims_for(recruiter.member.email, email_verified="true"))
    assert (await oidc_client.get("/api/v1/roles", headers=bearer(token))).status_code == 200


async def test_unverified_emails_can_be_accepted_by_setting(
    jwks_url: str, database_url: str, tenant: Tenant, provider_keys: KeySet
) -> None:
    settings = make_settings(
        oidc_issuer=ISSUER,
        oidc_jwks_url=jwks_url,
        oidc_audience=AUDIENCE,
        oidc_require_email_verified=False,
    )
    app: FastAPI = create_app(settings, database_url=database_url)
    recruiter = await tenant.add("recruiter")
    token = provider_keys.sign(claims_for(recruiter.member.email, email_verified=None))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hireloop.test") as c:
            assert (await c.get("/api/v1/roles", headers=bearer(token))).status_code == 200
