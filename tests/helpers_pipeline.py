"""Shared steps for the candidate, pipeline and calibration tests: everything goes through the
real REST API (or /graphql) of the app under test, never around it."""

from __future__ import annotations

import asyncio
import struct
import uuid
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text

from app.db import Database
from tests.conftest import Person

INTAKE: dict[str, Any] = {
    "summary": "Streaming data engineer",
    "skills": [
        {"name": "SQL", "priority": "must"},
        {"name": "Kafka", "priority": "nice"},
        {"name": "Airflow", "priority": "must", "alternatives": ["Dagster"]},
        {"name": "Go", "priority": "nice"},
    ],
    "experience": {"min_years": 4},
    "negotiables": [{"variable": "years_experience", "flexibility": "3 with streaming work"}],
}


async def make_role(
    client: httpx.AsyncClient,
    recruiter: Person,
    hm: Person | None,
    *,
    title: str = "Data Engineer",
    intake: dict[str, Any] | None = INTAKE,
    agreed: bool = True,
    status: str = "open",
) -> str:
    """A role with `intake` as revision 1, signed off by both sides when `agreed`."""
    body: dict[str, Any] = {"title": title, "status": status, "recruiter_id": str(recruiter.id)}
    if hm is not None:
        body["hiring_manager_id"] = str(hm.id)
    if intake is not None:
        body["intake"] = intake
    created = await client.post("/api/v1/roles", headers=recruiter.headers, json=body)
    assert created.status_code == 201, created.text
    role_id: str = created.json()["id"]
    if intake is not None and agreed:
        assert hm is not None
        for person in (recruiter, hm):
            signed = await client.post(
                f"/api/v1/roles/{role_id}/intake/revisions/1/sign-off", headers=person.headers
            )
            assert signed.status_code == 200, signed.text
    return role_id


def email_of(name: str) -> str:
    return f"{name.lower().replace(' ', '.')}@example.com"


async def make_candidate(
    client: httpx.AsyncClient,
    who: Person,
    name: str,
    *,
    skills: list[str] | None = None,
    years: int | None = None,
    email: str | None = None,
    source: str = "sourced",
    consent: bool = True,
    **extra: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": name,
        "email": email or email_of(name),
        "skills": skills or [],
        "source": source,
        "consent_given": consent,
        **extra,
    }
    if years is not None:
        body["years_experience"] = years
    response = await client.post("/api/v1/candidates", headers=who.headers, json=body)
    assert response.status_code == 201, response.text
    candidate: dict[str, Any] = response.json()
    return candidate


async def apply(
    client: httpx.AsyncClient, who: Person, candidate_id: str, role_id: str, **extra: Any
) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/applications",
        headers=who.headers,
        json={"candidate_id": candidate_id, "role_id": role_id, **extra},
    )
    assert response.status_code == 201, response.text
    application: dict[str, Any] = response.json()
    return application


async def candidate_in_role(
    client: httpx.AsyncClient,
    who: Person,
    role_id: str,
    name: str,
    *,
    skills: list[str] | None = None,
    years: int | None = None,
) -> tuple[str, str]:
    """(candidate id, application id) for a new candidate put in the role."""
    candidate = await make_candidate(client, who, name, skills=skills, years=years)
    application = await apply(client, who, candidate["id"], role_id)
    return candidate["id"], application["id"]


async def move(
    client: httpx.AsyncClient,
    who: Person,
    application_id: str,
    to_stage: str | None = None,
    *,
    action: str = "move",
    reason: str = "next step",
) -> httpx.Response:
    body: dict[str, Any] = {"action": action, "reason": reason}
    if to_stage is not None:
        body["to_stage"] = to_stage
    return await client.post(
        f"/api/v1/applications/{application_id}/transitions", headers=who.headers, json=body
    )


def due(days: float = 2) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


async def draft_slate(
    client: httpx.AsyncClient,
    who: Person,
    role_id: str,
    application_ids: list[str],
    *,
    questions: dict[str, str] | None = None,
) -> dict[str, Any]:
    questions = questions or {}
    response = await client.post(
        "/api/v1/slates",
        headers=who.headers,
        json={
            "role_id": role_id,
            "items": [{"application_id": a, "question": questions.get(a)} for a in application_ids],
        },
    )
    assert response.status_code == 201, response.text
    slate: dict[str, Any] = response.json()
    return slate


async def send(client: httpx.AsyncClient, who: Person, slate_id: str) -> dict[str, Any]:
    response = await client.post(
        f"/api/v1/slates/{slate_id}/send", headers=who.headers, json={"due_at": due()}
    )
    assert response.status_code == 200, response.text
    slate: dict[str, Any] = response.json()
    return slate


async def sent_slate(
    client: httpx.AsyncClient,
    who: Person,
    role_id: str,
    application_ids: list[str],
    *,
    questions: dict[str, str] | None = None,
) -> dict[str, Any]:
    slate = await draft_slate(client, who, role_id, application_ids, questions=questions)
    return await send(client, who, slate["id"])


def item_of(slate: dict[str, Any], application_id: str) -> str:
    for item in slate["items"]:
        if item["application_id"] == application_id:
            found: str = item["id"]
            return found
    raise AssertionError(f"application {application_id} is not on slate {slate['id']}")


async def decide(
    client: httpx.AsyncClient,
    who: Person,
    slate: dict[str, Any],
    application_id: str,
    decision: str,
    *,
    missing_skills: list[str] | None = None,
    red_flags: list[str] | None = None,
    categories: list[str] | None = None,
    note: str | None = None,
    waitlist_question: str | None = None,
    answer: str | None = None,
    revision: bool = False,
) -> httpx.Response:
    reasons: dict[str, Any] = {}
    if missing_skills is not None:
        reasons["missing_skills"] = missing_skills
    if red_flags is not None:
        reasons["red_flags"] = red_flags
    if categories is not None:
        reasons["categories"] = categories
    if note is not None:
        reasons["note"] = note
    body: dict[str, Any] = {"decision": decision, "reasons": reasons}
    if waitlist_question is not None:
        body["waitlist_question"] = waitlist_question
    if answer is not None:
        body["answer"] = answer
    if revision:
        body["revision"] = True
    return await client.post(
        f"/api/v1/slates/{slate['id']}/items/{item_of(slate, application_id)}/decision",
        headers=who.headers,
        json=body,
    )


async def events_of(
    client: httpx.AsyncClient, admin: Person, *types: str, at_least: int = 1, wait: float = 20.0
) -> list[dict[str, Any]]:
    """Every event of these types, oldest first (follows the pages).

    The outbox shows an event only once every transaction older than it has ended, on the whole
    server (other test runs may share it), so this asks again until `at_least` are visible.
    """
    deadline = asyncio.get_running_loop().time() + wait
    while True:
        found = await _events_once(client, admin, types)
        if len(found) >= at_least or asyncio.get_running_loop().time() > deadline:
            return found
        await asyncio.sleep(0.1)


async def _events_once(
    client: httpx.AsyncClient, admin: Person, types: tuple[str, ...]
) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        params: list[tuple[str, str | int | float | bool | None]] = [("type", t) for t in types]
        params.append(("limit", 100))
        if cursor:
            params.append(("cursor", cursor))
        response = await client.get("/api/v1/events", headers=admin.headers, params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        found.extend(page["items"])
        cursor = page["next_cursor"]
        # The feed keeps a resume cursor on its last page; `has_more` says whether to go on.
        if not page.get("has_more", cursor is not None):
            return found


async def stored_event_types(db: Database, organization_id: uuid.UUID) -> list[str]:
    """The event types written for an organization, straight from the table (for "nothing was
    recorded" checks, which the outbox's visibility rule cannot answer)."""
    async with db.read() as session:
        rows = await session.execute(
            text("SELECT type FROM events WHERE organization_id = :org ORDER BY tx_seq, id"),
            {"org": organization_id},
        )
        return [r[0] for r in rows]


async def gql(
    client: httpx.AsyncClient, who: Person, query: str, variables: dict[str, Any] | None = None
) -> httpx.Response:
    response = await client.post(
        "/graphql", headers=who.headers, json={"query": query, "variables": variables or {}}
    )
    assert response.status_code == 200, response.text
    return response


async def gql_data(
    client: httpx.AsyncClient, who: Person, query: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    body = (await gql(client, who, query, variables)).json()
    assert not body.get("errors"), body
    data: dict[str, Any] = body["data"]
    return data


def files_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


# Small real files, made by hand.

MINIMAL_PDF = (
    b"%PDF-1.4\n"
    b"1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n"
    b"trailer<</Size 4/Root 1 0 R>>\n%%EOF\n"
)


def png_bytes(width: int = 2, height: int = 2) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    raw = b"".join(b"\x00" + b"\xff\x80\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def zip_bytes() -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("resume.txt", "not really a resume")
    return buffer.getvalue()


ELF_BYTES = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 44
