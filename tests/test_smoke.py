from __future__ import annotations

import httpx

from tests.conftest import Tenant


async def test_roles_round_trip(client: httpx.AsyncClient, tenant: Tenant) -> None:
    recruiter = await tenant.add("recruiter")
    hm = await tenant.add("hiring_manager")
    created = await client.post(
        "/api/v1/roles",
        headers=recruiter.headers,
        json={
            "title": "Backend Engineer",
            "recruiter_id": str(recruiter.id),
            "hiring_manager_id": str(hm.id),
        },
    )
    assert created.status_code == 201, created.text
    role_id = created.json()["id"]
    read = await client.get(f"/api/v1/roles/{role_id}", headers=hm.headers)
    assert read.status_code == 200
    assert read.headers["etag"] == '"1"'
    assert read.json()["title"] == "Backend Engineer"
