"""Shared by the safety suites: a real uvicorn server in a thread, and an organization with data.

`LiveServer` runs the application with uvicorn on a free 127.0.0.1 port, in a background thread
with its own event loop (so its own engine and pool), for tests that must talk real HTTP.

`seed_organization` gives a tenant members of every permission set, roles with intake
revisions (one agreed, one draft), a spare API key, a connection and an external ref, through
the public REST API, so that everything it creates went through the same code a client uses.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx
import uvicorn
from fastapi import FastAPI

from tests.conftest import Person, Tenant

INTAKE: dict[str, Any] = {
    "summary": "Builds and runs the platform",
    "skills": [
        {"name": "Python", "priority": "must", "why": "The service is written in it"},
        {"name": "PostgreSQL", "priority": "nice", "alternatives": ["MySQL"]},
    ],
    "qualifications": ["Shipped a service to production"],
    "experience": {"min_years": 3, "max_years": 8, "mix": "Mostly backend"},
    "screening_questions": [{"question": "Tell us about an outage", "good_answer": "Owns it"}],
    "compensation": {"currency": "EUR", "min": 60000, "max": 80000},
    "negotiables": [{"variable": "remote", "flexibility": "Two days a week in the office"}],
}

INTAKE_V2: dict[str, Any] = {
    **INTAKE,
    "skills": [
        {"name": "Python", "priority": "must"},
        {"name": "Kubernetes", "priority": "nice"},
    ],
    "compensation": {"currency": "EUR", "min": 65000, "max": 85000},
}


class LiveServer:
    """The app served by uvicorn over real HTTP, from a daemon thread of this process."""

    def __init__(self, app: FastAPI) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        self.port: int = self._socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            app, lifespan="on", log_level="warning", access_log=False, loop="asyncio"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [self._socket]},
            name="live-server",
            daemon=True,
        )

    def start(self, timeout: float = 30.0) -> None:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError("the live server stopped during start-up (see the log above)")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the live server did not start within {timeout} seconds")
            time.sleep(0.02)

    def stop(self, timeout: float = 15.0) -> None:
        self._server.should_exit = True
        self._thread.join(timeout)
        if self._thread.is_alive():
            self._server.force_exit = True
            self._thread.join(timeout)
        self._socket.close()
        if self._thread.is_alive():
            raise RuntimeError("the live server did not stop")


async def end_busy_connections(database_url: str, grace: float = 2.0) -> list[str]:
    """Terminate the database sessions still busy once every request has been answered.

    Called between tests, when the test process itself has no statement running: a session
    still `active` or `idle in transaction` then is one the server left behind holding its
    locks (which would stall every later TRUNCATE and migration). Returns what each was doing.
    """
    dsn = database_url.replace("postgresql+asyncpg://", "postgresql://", 1)
    conn = await asyncpg.connect(dsn)
    try:
        query = (
            "SELECT pid, state, query FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_type = 'client backend' AND state <> 'idle'"
        )
        deadline = time.monotonic() + grace
        busy = await conn.fetch(query)
        while busy and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
            busy = await conn.fetch(query)
        for row in busy:
            await conn.execute("SELECT pg_terminate_backend($1)", row["pid"])
        return [f"{row['state']}: {row['query']}" for row in busy]
    finally:
        await conn.close()


@dataclass
class SeededOrg:
    """One organization and the ids of everything seeded in it."""

    tenant: Tenant
    recruiter: Person
    hiring_manager: Person
    interviewer: Person
    role_ids: list[uuid.UUID] = field(default_factory=list)
    # The admin is this role's recruiter and hiring manager; its revision 1 is an unsigned draft.
    admin_role_id: uuid.UUID | None = None
    revisions: dict[uuid.UUID, list[int]] = field(default_factory=dict)
    spare_key_id: uuid.UUID | None = None
    connection_id: uuid.UUID | None = None
    external_ids: dict[uuid.UUID, str] = field(default_factory=dict)

    @property
    def admin(self) -> Person:
        return self.tenant.admin

    @property
    def member_ids(self) -> list[uuid.UUID]:
        return [p.id for p in (self.admin, self.recruiter, self.hiring_manager, self.interviewer)]


def _ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, (
        f"{response.request.method} {response.request.url}: {response.text}"
    )
    body: dict[str, Any] = response.json()
    return body


async def seed_organization(
    client: httpx.AsyncClient, tenant: Tenant, label: str, roles: int = 2
) -> SeededOrg:
    """Members of each permission set; `roles` roles with an agreed revision 1, a draft 2 and an
    external ref; one more role whose recruiter and hiring manager is the admin, with an unsigned
    draft revision 1; a spare API key and a connection."""
    recruiter = await tenant.add("recruiter", f"{label} Recruiter")
    hiring_manager = await tenant.add("hiring_manager", f"{label} Manager")
    interviewer = await tenant.add("interviewer", f"{label} Interviewer")
    org = SeededOrg(
        tenant=tenant, recruiter=recruiter, hiring_manager=hiring_manager, interviewer=interviewer
    )
    admin = tenant.admin.headers

    spare = _ok(
        await client.post("/api/v1/api-keys", headers=admin, json={"name": f"{label} spare"}), 201
    )
    org.spare_key_id = uuid.UUID(spare["id"])
    connection = _ok(
        await client.post(
            "/api/v1/integrations", headers=admin, json={"provider": "greenhouse", "name": label}
        ),
        201,
    )
    org.connection_id = uuid.UUID(connection["id"])

    for n in range(roles):
        role = _ok(
            await client.post(
                "/api/v1/roles",
                headers=recruiter.headers,
                json={
                    "title": f"{label} Engineer {n + 1}",
                    "team": "Platform",
                    "status": "open",
                    "recruiter_id": str(recruiter.id),
                    "hiring_manager_id": str(hiring_manager.id),
                    "intake": INTAKE,
                },
            ),
            201,
        )
        role_id = uuid.UUID(role["id"])
        base = f"/api/v1/roles/{role_id}/intake/revisions"
        _ok(await client.post(f"{base}/1/sign-off", headers=recruiter.headers))
        agreed = _ok(await client.post(f"{base}/1/sign-off", headers=hiring_manager.headers))
        assert agreed["status"] == "agreed", agreed
        _ok(
            await client.post(
                base,
                headers=hiring_manager.headers,
                json={"content": INTAKE_V2, "change_note": "More pay"},
            ),
            201,
        )
        external_id = f"{label}-job-{n + 1}"
        _ok(
            await client.put(
                f"/api/v1/roles/{role_id}/external-refs",
                headers=admin,
                json={"connection_id": str(org.connection_id), "external_id": external_id},
            )
        )
        org.role_ids.append(role_id)
        org.revisions[role_id] = [1, 2]
        org.external_ids[role_id] = external_id

    own = _ok(
        await client.post(
            "/api/v1/roles",
            headers=admin,
            json={
                "title": f"{label} Head of Talent",
                "recruiter_id": str(tenant.admin.id),
                "hiring_manager_id": str(tenant.admin.id),
                "intake": INTAKE,
            },
        ),
        201,
    )
    org.admin_role_id = uuid.UUID(own["id"])
    org.role_ids.append(org.admin_role_id)
    org.revisions[org.admin_role_id] = [1]
    return org
