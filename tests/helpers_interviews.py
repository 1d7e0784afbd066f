"""Shared steps for the availability, scheduling, interview, prep and packet tests.

Everything a user does goes through the real REST API (or /graphql). Only what no request can
do quickly (let an interview happen, let a link expire) is arranged with SQL, and events are read
straight from the table so a test sees the ones written by the request it just made.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import text

from app.db import Database
from tests.conftest import Person, Tenant
from tests.helpers_pipeline import INTAKE, apply, make_candidate, make_role, move

API = "/api/v1"
JSON = dict[str, Any]


# ---------------------------------------------------------------------------------------------
# Time


def now() -> datetime:
    return datetime.now(UTC)


def monday(weeks_ahead: int = 1) -> datetime:
    """Midnight UTC of the next Monday at least two days away (so the whole day lies beyond the
    default 24-hour notice), plus `weeks_ahead - 1` weeks."""
    today = now().replace(hour=0, minute=0, second=0, microsecond=0)
    days = (7 - today.weekday()) % 7
    if days < 2:
        days += 7
    return today + timedelta(days=days + 7 * (weeks_ahead - 1))


def local_at(day: datetime | date, hhmm: str, zone: str) -> datetime:
    """The UTC instant of `hhmm` on `day` (a calendar date) in `zone`."""
    calendar_day = day.date() if isinstance(day, datetime) else day
    hour, minute = (int(x) for x in hhmm.split(":"))
    return datetime.combine(calendar_day, time(hour, minute), tzinfo=ZoneInfo(zone)).astimezone(UTC)


def at(value: str) -> datetime:
    return datetime.fromisoformat(value)


def iso(moment: datetime) -> str:
    return moment.isoformat()


# ---------------------------------------------------------------------------------------------
# Responses


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, (
        f"expected {status}, got {response.status_code}: {response.text}"
    )
    return response.json()


def problem(response: httpx.Response, status: int) -> JSON:
    assert response.status_code == status, (
        f"expected {status}, got {response.status_code}: {response.text}"
    )
    assert response.headers["content-type"].startswith("application/problem+json")
    body: JSON = response.json()
    assert body["status"] == status
    return body


def error_fields(body: JSON) -> set[str]:
    return {str(e["field"]) for e in body.get("errors") or []}


# ---------------------------------------------------------------------------------------------
# A candidate at the interviewing stage


@dataclass
class Hiring:
    recruiter: Person
    hm: Person
    role_id: str
    candidate_id: str
    app_id: str
    candidate_name: str
    candidate_email: str


async def interviewing_application(
    client: httpx.AsyncClient,
    tenant: Tenant,
    *,
    recruiter: Person | None = None,
    hm: Person | None = None,
    role_id: str | None = None,
    intake: JSON | None = None,
    candidate_name: str = "Ann Lee",
    candidate_time_zone: str | None = None,
    screening_notes: str | None = None,
    title: str = "Data Engineer",
    **candidate_extra: Any,
) -> Hiring:
    """A role with an agreed intake and a candidate whose application reached interviewing."""
    recruiter = recruiter or await tenant.add("recruiter", "Rita Recruiter")
    hm = hm or await tenant.add("hiring_manager", "Hugo Manager", time_zone="Europe/Berlin")
    if role_id is None:
        role_id = await make_role(client, recruiter, hm, title=title, intake=intake or INTAKE)
    extra = dict(candidate_extra)
    if candidate_time_zone is not None:
        extra["time_zone"] = candidate_time_zone
    candidate = await make_candidate(
        client,
        recruiter,
        candidate_name,
        skills=["SQL"],
        years=5,
        email=f"{candidate_name.lower().replace(' ', '.')}.{uuid.uuid4().hex[:6]}@example.com",
        **extra,
    )
    body: JSON = {}
    if screening_notes is not None:
        body["screening_notes"] = screening_notes
    application = await apply(client, recruiter, candidate["id"], role_id, **body)
    for stage in ("submitted", "hm_review"):
        ok(await move(client, recruiter, application["id"], stage))
    ok(await move(client, hm, application["id"], "interviewing"))
    return Hiring(
        recruiter,
        hm,
        role_id,
        candidate["id"],
        application["id"],
        candidate_name,
        candidate["email"],
    )


async def another_candidate(
    client: httpx.AsyncClient, tenant: Tenant, hiring: Hiring, name: str
) -> Hiring:
    """A second candidate for the same role, also at interviewing."""
    return await interviewing_application(
        client,
        tenant,
        recruiter=hiring.recruiter,
        hm=hiring.hm,
        role_id=hiring.role_id,
        candidate_name=name,
    )


# ---------------------------------------------------------------------------------------------
# Availability, suggestions and interviews


def stage(name: str, minutes: int, people: list[Person], required: int = 1) -> JSON:
    return {
        "name": name,
        "duration_minutes": minutes,
        "interviewer_ids": [str(p.id) for p in people],
        "required": required,
    }


async def suggest(
    client: httpx.AsyncClient,
    who: Person,
    app_id: str,
    stages: list[JSON],
    date_from: datetime,
    date_to: datetime,
    **extra: Any,
) -> httpx.Response:
    body: JSON = {
        "application_id": app_id,
        "stages": stages,
        "date_from": iso(date_from),
        "date_to": iso(date_to),
        **extra,
    }
    return await client.post(f"{API}/scheduling/suggestions", headers=who.headers, json=body)


def slot(kind: str, start: datetime, minutes: int, people: list[Person]) -> JSON:
    return {
        "kind": kind,
        "start_at": iso(start),
        "end_at": iso(start + timedelta(minutes=minutes)),
        "interviewer_ids": [str(p.id) for p in people],
    }


def slots_of(suggestion: JSON) -> list[JSON]:
    """A suggestion turned into the body's `interviews`, as a client would."""
    return [
        {
            "kind": s["name"],
            "start_at": s["start_at"],
            "end_at": s["end_at"],
            "interviewer_ids": [i["member_id"] for i in s["interviewers"]],
        }
        for s in suggestion["stages"]
    ]


async def schedule(
    client: httpx.AsyncClient, who: Person, app_id: str, slots: list[JSON], **extra: Any
) -> httpx.Response:
    return await client.post(
        f"{API}/interviews",
        headers=who.headers,
        json={"application_id": app_id, "interviews": slots, **extra},
    )


async def book(
    client: httpx.AsyncClient,
    who: Person,
    app_id: str,
    start: datetime,
    people: list[Person],
    *,
    minutes: int = 60,
    kind: str = "technical",
    **extra: Any,
) -> JSON:
    """Schedule one interview and return it (asserting 201)."""
    created = ok(
        await schedule(client, who, app_id, [slot(kind, start, minutes, people)], **extra), 201
    )
    interview: JSON = created[0]
    return interview


async def add_busy(
    client: httpx.AsyncClient,
    who: Person,
    member: Person,
    start: datetime,
    end: datetime,
    **extra: Any,
) -> httpx.Response:
    return await client.post(
        f"{API}/members/{member.id}/busy-blocks",
        headers=who.headers,
        json={"start_at": iso(start), "end_at": iso(end), **extra},
    )


async def read_interview(client: httpx.AsyncClient, who: Person, interview_id: str) -> JSON:
    found: JSON = ok(await client.get(f"{API}/interviews/{interview_id}", headers=who.headers))
    return found


def responses_of(interview: JSON) -> dict[str, str]:
    return {p["member_id"]: p["response"] for p in interview["interviewers"]}


# ---------------------------------------------------------------------------------------------
# SQL: arranging time, and reading the events table


async def sql(db: Database, statement: str, **params: Any) -> None:
    async with db.transaction() as session:
        await session.execute(text(statement), params)


async def scalar(db: Database, statement: str, **params: Any) -> Any:
    async with db.transaction() as session:
        return await session.scalar(text(statement), params)


async def move_interview_to_past(
    db: Database, interview_id: str, *, started_hours_ago: float = 3, minutes: int = 60
) -> None:
    """Let the interview happen: it started `started_hours_ago` and lasted `minutes`."""
    start = now() - timedelta(hours=started_hours_ago)
    await sql(
        db,
        "UPDATE interviews SET start_at = :s, end_at = :e WHERE id = :id",
        s=start,
        e=start + timedelta(minutes=minutes),
        id=uuid.UUID(interview_id),
    )


async def events_of(db: Database, organization_id: uuid.UUID, *types: str) -> list[JSON]:
    """Events of these types for the organization, oldest first: {type, resource_id, data}."""
    async with db.transaction() as session:
        result = await session.execute(
            text(
                "SELECT type, resource_id, data, actor_member_id FROM events "
                "WHERE organization_id = :org AND type = ANY(:types) "
                "ORDER BY tx_seq, occurred_at, id"
            ),
            {"org": organization_id, "types": list(types)},
        )
        return [dict(r) for r in result.mappings().all()]


# ---------------------------------------------------------------------------------------------
# Documents


async def upload(
    client: httpx.AsyncClient,
    who: Person,
    candidate_id: str,
    filename: str,
    data: bytes,
    content_type: str,
    kind: str = "resume",
    **form: str,
) -> JSON:
    response = await client.post(
        f"{API}/candidates/{candidate_id}/documents",
        headers=who.headers,
        files={"file": (filename, data, content_type)},
        data={"kind": kind, **form},
    )
    document: JSON = ok(response, 201)
    return document
