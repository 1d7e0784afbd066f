"""ATS connections through the API: create (secrets accepted, never returned, never stored in
plaintext), list and read with health, PATCH with If-Match, pause and resume, delete; who may
do what; tenant isolation; validation naming the field."""

from __future__ import annotations

import httpx
from sqlalchemy import text

from app.db import Database
from tests.conftest import Tenant

URL = "/api/v1/integrations"
CLIENT_SECRET = "harvest-client-secret-Zq81xP"
WEBHOOK_SECRET = "webhook-signing-secret-Wm27yK"


def payload(**extra: object) -> dict[str, object]:
    return {
        "provider": "greenhouse",
        "name": "Our Greenhouse",
        "credentials": {"client_id": "gh-client-id", "client_secret": CLIENT_SECRET},
        "webhook_secret": WEBHOOK_SECRET,
        "base_url": "http://127.0.0.1:9/v3",
        **extra,
    }


async def test_connection_lifecycle_keeps_secrets_secret(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    admin = tenant.admin.headers
    created = await client.post(URL, json=payload(), headers=admin)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["provider"] == "greenhouse"
    assert body["credential_names"] == ["client_id", "client_secret"]
    assert body["webhook_secret_set"] is True
    assert body["webhook_url"].endswith(f"/api/v1/integrations/{body['id']}/webhooks")
    # Defaults for the stage map when none is given.
    assert body["stage_map"]["application review"] == "screening"
    for secret in (CLIENT_SECRET, WEBHOOK_SECRET, "gh-client-id"):
        assert secret not in created.text

    # Nothing secret in the row in plaintext, in any column.
    async with db.transaction() as session:
        row = (
            (
                await session.execute(
                    text("SELECT * FROM integration_connections WHERE id = :id"),
                    {"id": body["id"]},
                )
            )
            .mappings()
            .one()
        )
    flat = " ".join(str(v) for v in row.values())
    assert CLIENT_SECRET not in flat
    assert WEBHOOK_SECRET not in flat
    assert "gh-client-id" not in flat
    assert row["credentials_encrypted"]
    assert row["webhook_secret_encrypted"]

    # Read it back, with health.
    one = await client.get(f"{URL}/{body['id']}", headers=admin)
    assert one.status_code == 200
    assert one.headers["ETag"] == '"1"'
    health = one.json()["health"]
    assert health == {
        "last_inbound_at": None,
        "last_sync_at": None,
        "lag_seconds": 0.0,
        "pending_inbound": 0,
        "failed_inbound": 0,
        "pending_pushes": 0,
        "failed_pushes": 0,
        "recent_errors": [],
        "manual_erasures": [],
    }
    listed = await client.get(URL, headers=admin)
    assert listed.status_code == 200
    items = listed.json()["items"]
    assert [c["id"] for c in items] == [body["id"]]
    assert items[0]["health"]["pending_inbound"] == 0
    for secret in (CLIENT_SECRET, WEBHOOK_SECRET):
        assert secret not in listed.text
        assert secret not in one.text

    # PATCH: a stale If-Match is 412 and changes nothing; the right one changes it.
    stale = await client.patch(
        f"{URL}/{body['id']}", json={"name": "Renamed"}, headers={**admin, "If-Match": '"7"'}
    )
    assert stale.status_code == 412
    patched = await client.patch(
        f"{URL}/{body['id']}",
        json={
            "name": "Renamed",
            "webhook_secret": "rotated-secret-123",
            "stage_map": {"X": "offer"},
        },
        headers={**admin, "If-Match": '"1"'},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["name"] == "Renamed"
    assert patched.json()["stage_map"] == {"X": "offer"}
    assert patched.headers["ETag"] == '"2"'
    assert "rotated-secret-123" not in patched.text

    # Pause and resume.
    paused = await client.post(f"{URL}/{body['id']}/pause", headers=admin)
    assert paused.status_code == 200
    assert paused.json()["status"] == "paused"
    resumed = await client.post(f"{URL}/{body['id']}/resume", headers=admin)
    assert resumed.status_code == 200
    assert resumed.json()["status"] == "active"

    # Delete.
    deleted = await client.delete(f"{URL}/{body['id']}", headers=admin)
    assert deleted.status_code == 204
    assert (await client.get(f"{URL}/{body['id']}", headers=admin)).status_code == 404


async def test_health_reports_inbound_lag_and_errors(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    created = (await client.post(URL, json=payload(), headers=tenant.admin.headers)).json()
    async with db.transaction() as session:
        await session.execute(
            text(
                "INSERT INTO ats_inbound_events (id, organization_id, connection_id, "
                "vendor_event_id, event_type, payload, received_at, status, attempts, "
                "next_attempt_at) VALUES (gen_random_uuid(), :org, :c, 'e1', 'x', '{}', "
                "now() - interval '90 seconds', 'pending', 0, now() + interval '1 hour'), "
                "(gen_random_uuid(), :org, :c, 'e2', 'x', '{}', now(), 'failed', 3, now())"
            ),
            {"org": tenant.organization_id, "c": created["id"]},
        )
        await session.execute(
            text(
                "UPDATE integration_connections SET recent_errors = CAST(:e AS jsonb) WHERE id = :c"
            ),
            {
                "c": created["id"],
                "e": '[{"at": "2026-11-26T00:00:00+00:00", "source": "push", "reason": "boom"}]',
            },
        )
    health = (await client.get(f"{URL}/{created['id']}", headers=tenant.admin.headers)).json()[
        "health"
    ]
    assert health["pending_inbound"] == 1
    assert health["failed_inbound"] == 1
    assert health["lag_seconds"] >= 89
    assert health["last_inbound_at"] is not None
    assert health["recent_errors"][0]["reason"] == "boom"
    assert health["recent_errors"][0]["source"] == "push"


async def test_recruiter_reads_but_cannot_write_and_tenants_are_apart(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    created = (await client.post(URL, json=payload(), headers=tenant.admin.headers)).json()
    cid = created["id"]
    recruiter = await tenant.add("recruiter")
    assert (await client.get(URL, headers=recruiter.headers)).status_code == 200
    assert (await client.get(f"{URL}/{cid}", headers=recruiter.headers)).status_code == 200
    assert (await client.get(f"{URL}/{cid}/events", headers=recruiter.headers)).status_code == 200
    writes = [
        client.post(URL, json=payload(), headers=recruiter.headers),
        client.patch(f"{URL}/{cid}", json={"name": "x"}, headers=recruiter.headers),
        client.post(f"{URL}/{cid}/pause", headers=recruiter.headers),
        client.post(f"{URL}/{cid}/resume", headers=recruiter.headers),
        client.post(f"{URL}/{cid}/sync", headers=recruiter.headers),
        client.delete(f"{URL}/{cid}", headers=recruiter.headers),
    ]
    for call in writes:
        assert (await call).status_code == 403

    other = other_tenant.admin.headers
    for response in [
        await client.get(f"{URL}/{cid}", headers=other),
        await client.patch(f"{URL}/{cid}", json={"name": "x"}, headers=other),
        await client.post(f"{URL}/{cid}/pause", headers=other),
        await client.delete(f"{URL}/{cid}", headers=other),
        await client.get(f"{URL}/{cid}/events", headers=other),
        await client.post(f"{URL}/{cid}/sync", headers=other),
        await client.get(f"{URL}/{cid}/sync", headers=other),
    ]:
        assert response.status_code == 404, response.text
    assert (await client.get(URL, headers=other)).json()["items"] == []


async def test_invalid_input_names_the_field(client: httpx.AsyncClient, tenant: Tenant) -> None:
    admin = tenant.admin.headers
    cases = {
        "provider": payload(provider="workday"),
        "base_url": payload(base_url="not a url"),
        "stage_map": payload(stage_map={"Onsite": "nowhere"}),
        "credentials": payload(credentials={"Bad Name": "x"}),
    }
    for field, body in cases.items():
        response = await client.post(URL, json=body, headers=admin)
        assert response.status_code == 422, (field, response.text)
        fields = [e["field"] for e in response.json()["errors"]]
        assert any(field in f for f in fields), (field, fields)
    # A base URL the outbound guard refuses (a private address not allowed) names base_url.
    refused = await client.post(URL, json=payload(base_url="http://10.1.2.3/v3"), headers=admin)
    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["base_url"]
    created = (await client.post(URL, json=payload(), headers=admin)).json()
    bad_patch = await client.patch(
        f"{URL}/{created['id']}", json={"base_url": "ftp://x"}, headers=admin
    )
    assert bad_patch.status_code == 422
    assert any("base_url" in e["field"] for e in bad_patch.json()["errors"])
    assert (await client.get(URL, headers=admin)).json()["items"][0]["id"] == created["id"]
