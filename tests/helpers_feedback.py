"""Shared steps for the feedback, decision, offer and close-the-loop tests.

Everything a user does goes through the real REST API; only what a user cannot do quickly
(let an interview happen, let days pass, let an offer expire) is arranged with SQL, and what no
request can show at once (rows that must not exist, events written in this very transaction)
is read straight from the tables.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import text

from app.db import Database
from tests.conftest import Person, Tenant
from tests.helpers_pipeline import INTAKE, apply, make_candidate, move

API = "/api/v1"
JSON = dict[str, Any]

# Every scheduled interview gets its own future slot, so no interviewer is ever double-booked.
_SLOTS = itertools.count()


def now() -> datetime:
    return datetime.now(UTC)


def at(value: str) -> datetime:
    return datetime.fromisoformat(value)


def close_to(value: str | datetime, expected: datetime, seconds: float = 120) -> bool:
    moment = at(value) if isinstance(value, str) else value
    return abs((moment - expected).total_seconds()) <= seconds


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


def _next_slot() -> tuple[datetime, datetime]:
    base = (now() + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    start = base + timedelta(hours=2 * next(_SLOTS))
    return start, start + timedelta(hours=1)


# ---------------------------------------------------------------------------------------------
# SQL: arranging time, and reading what a refused request must not have written


async def sql(db: Database, statement: str, **params: Any) -> None:
    async with db.transaction() as session:
        await session.execute(text(statement), params)


async def scalar(db: Database, statement: str, **params: Any) -> Any:
    async with db.transaction() as session:
        return await session.scalar(text(statement), params)


async def rows(db: Database, statement: str, **params: Any) -> list[JSON]:
    async with db.transaction() as session:
        result = await session.execute(text(statement), params)
        return [dict(r) for r in result.mappings().all()]


async def events_of(db: Database, organization_id: uuid.UUID, *types: str) -> list[JSON]:
    """Events of these types for the organization, oldest first: {type, resource_id, data, actor}."""
    return await rows(
        db,
        "SELECT type, resource_id, data, actor_member_id FROM events "
        "WHERE organization_id = :org AND type = ANY(:types) ORDER BY tx_seq, occurred_at, id",
        org=organization_id,
        types=list(types),
    )


_COUNTED = (
    "scorecards",
    "scorecard_revisions",
    "rejection_reasons",
    "hiring_decisions",
    "offers",
    "outcome_messages",
    "application_transitions",
)

# What the app's own periodic jobs record (they run every minute, whatever a test is doing).
JOB_EVENTS = [
    "feedback.due_soon",
    "feedback.overdue",
    "candidate.awaiting_outcome",
    "interview.completed",
]


async def snapshot(db: Database, organization_id: uuid.UUID) -> JSON:
    """Everything a feedback request could write for the organization: row counts, every event
    (but those of the periodic jobs), the state and version of every application, offer, outcome
    message, scorecard and role. Equal snapshots before and after a refused request mean nothing
    was half-written."""
    state: JSON = {}
    for table in _COUNTED:
        state[table] = await scalar(
            db, f"SELECT count(*) FROM {table} WHERE organization_id = :org", org=organization_id
        )
    state["events"] = await rows(
        db,
        "SELECT id, type FROM events WHERE organization_id = :org AND NOT type = ANY(:jobs) "
        "ORDER BY id",
        org=organization_id,
        jobs=JOB_EVENTS,
    )
    state["applications"] = await rows(
        db,
        "SELECT id, stage, outcome, version FROM applications WHERE organization_id = :org ORDER BY id",
        org=organization_id,
    )
    state["offers_state"] = await rows(
        db,
        "SELECT id, status, version FROM offers WHERE organization_id = :org ORDER BY id",
        org=organization_id,
    )
    state["messages_state"] = await rows(
        db,
        "SELECT id, status, send_at, personal_note, version FROM outcome_messages "
        "WHERE organization_id = :org ORDER BY id",
        org=organization_id,
    )
    state["scorecards_state"] = await rows(
        db,
        "SELECT id, status, recommendation, ratings::text AS ratings, reasons, version FROM scorecards "
        "WHERE organization_id = :org ORDER BY id",
        org=organization_id,
    )
    state["roles"] = await rows(
        db,
        "SELECT id, status, filled_count, version FROM roles WHERE organization_id = :org ORDER BY id",
        org=organization_id,
    )
    return state


async def set_interview(
    db: Database,
    interview_id: str,
    *,
    ended_hours_ago: float,
    status: str = "completed",
    minutes: int = 60,
) -> datetime:
    """Move an interview into the past (as if it happened) and give it a status; returns its end."""
    end = now() - timedelta(hours=ended_hours_ago)
    await sql(
        db,
        "UPDATE interviews SET start_at = :s, end_at = :e, status = :st WHERE id = :i",
        s=end - timedelta(minutes=minutes),
        e=end,
        st=status,
        i=interview_id,
    )
    return end


async def interview_end(db: Database, interview_id: str) -> datetime:
    end: datetime = await scalar(db, "SELECT end_at FROM interviews WHERE id = :i", i=interview_id)
    return end


# ---------------------------------------------------------------------------------------------
# A role with its recruiter and hiring manager, and the steps of hiring for it


@dataclass
class Hiring:
    client: httpx.AsyncClient
    db: Database
    tenant: Tenant
    recruiter: Person
    hm: Person
    role_id: str

    @property
    def org(self) -> uuid.UUID:
        return self.tenant.organization_id

    async def application(self, name: str) -> str:
        """A new candidate's application, moved to interviewing."""
        candidate = await make_candidate(self.client, self.recruiter, name)
        created = await apply(
            self.client, self.recruiter, candidate["id"], self.role_id, stage="submitted"
        )
        for stage in ("hm_review", "interviewing"):
            ok(await move(self.client, self.recruiter, created["id"], stage))
        application_id: str = created["id"]
        return application_id

    async def schedule(
        self, application_id: str, people: list[Person], kind: str = "technical"
    ) -> str:
        """An interview in the future (not yet held)."""
        start, end = _next_slot()
        created = ok(
            await self.client.post(
                f"{API}/interviews",
                headers=self.recruiter.headers,
                json={
                    "application_id": application_id,
                    "interviews": [
                        {
                            "kind": kind,
                            "start_at": start.isoformat(),
                            "end_at": end.isoformat(),
                            "interviewer_ids": [str(p.id) for p in people],
                        }
                    ],
                },
            ),
            201,
        )
        interview_id: str = created[0]["id"]
        return interview_id

    async def held(
        self,
        application_id: str,
        people: list[Person],
        hours_ago: float = 30,
        kind: str = "technical",
        status: str = "completed",
    ) -> str:
        """An interview that ended `hours_ago` hours ago."""
        interview_id = await self.schedule(application_id, people, kind)
        await set_interview(self.db, interview_id, ended_hours_ago=hours_ago, status=status)
        return interview_id

    async def write(
        self,
        interview_id: str,
        who: Person,
        *,
        recommendation: str | None = "yes",
        reasons: str | None = "Solid answers on the design question",
        ratings: dict[str, str | None] | None = None,
        submit: bool = True,
    ) -> httpx.Response:
        body: JSON = {"submit": submit}
        if recommendation is not None:
            body["recommendation"] = recommendation
        if reasons is not None:
            body["reasons"] = reasons
        if ratings is not None:
            body["ratings"] = ratings
        return await self.client.put(
            f"{API}/interviews/{interview_id}/scorecard", headers=who.headers, json=body
        )

    async def submit(self, interview_id: str, who: Person, **kwargs: Any) -> JSON:
        card: JSON = ok(await self.write(interview_id, who, **kwargs))
        return card

    async def summary(self, application_id: str, who: Person | None = None) -> httpx.Response:
        return await self.client.get(
            f"{API}/applications/{application_id}/scorecard-summary",
            headers=(who or self.recruiter).headers,
        )

    async def scorecards(self, interview_id: str, who: Person) -> httpx.Response:
        return await self.client.get(
            f"{API}/interviews/{interview_id}/scorecards", headers=who.headers
        )

    async def reason(self, code: str = "skills_gap", label: str = "Skills gap") -> str:
        created = ok(
            await self.client.post(
                f"{API}/rejection-reasons",
                headers=self.tenant.admin.headers,
                json={"code": code, "label": label},
            ),
            201,
        )
        reason_id: str = created["id"]
        return reason_id

    async def decide(
        self,
        application_id: str,
        decision: str,
        *,
        note: str = "The panel agreed",
        reason_id: str | None = None,
        who: Person | None = None,
    ) -> httpx.Response:
        body: JSON = {"decision": decision, "note": note}
        if reason_id is not None:
            body["rejection_reason_id"] = reason_id
        return await self.client.post(
            f"{API}/applications/{application_id}/decision",
            headers=(who or self.hm).headers,
            json=body,
        )

    async def interviewed(self, name: str, panel: list[Person], hours_ago: float = 30) -> str:
        """An application with one held interview."""
        application_id = await self.application(name)
        await self.held(application_id, panel, hours_ago=hours_ago)
        return application_id

    async def at_offer(self, name: str, panel: list[Person]) -> str:
        """An interviewed application the hiring manager decided to offer."""
        application_id = await self.interviewed(name, panel)
        ok(await self.decide(application_id, "offer", note="Strong across the panel"), 201)
        return application_id

    async def create_offer(self, application_id: str, **extra: Any) -> httpx.Response:
        body: JSON = {
            "application_id": application_id,
            "compensation": {"currency": "EUR", "base_salary": 90000},
            "start_date": (now() + timedelta(days=40)).date().isoformat(),
            "expires_at": (now() + timedelta(days=7)).isoformat(),
            **extra,
        }
        return await self.client.post(f"{API}/offers", headers=self.recruiter.headers, json=body)

    async def draft_offer(self, application_id: str, **extra: Any) -> str:
        created = ok(await self.create_offer(application_id, **extra), 201)
        offer_id: str = created["id"]
        return offer_id

    async def move_offer(
        self, offer_id: str, to: str, who: Person | None = None, reason: str | None = None
    ) -> httpx.Response:
        body: JSON = {"to": to}
        if reason is not None:
            body["reason"] = reason
        return await self.client.post(
            f"{API}/offers/{offer_id}/transitions",
            headers=(who or self.recruiter).headers,
            json=body,
        )

    async def sent_offer(self, application_id: str) -> str:
        offer_id = await self.draft_offer(application_id)
        ok(await self.move_offer(offer_id, "approved", self.hm))
        ok(await self.move_offer(offer_id, "sent"))
        return offer_id

    async def get_application(self, application_id: str) -> JSON:
        found: JSON = ok(
            await self.client.get(
                f"{API}/applications/{application_id}", headers=self.recruiter.headers
            )
        )
        return found

    async def get_role(self) -> JSON:
        found: JSON = ok(
            await self.client.get(f"{API}/roles/{self.role_id}", headers=self.recruiter.headers)
        )
        return found

    async def get_offer(self, offer_id: str) -> JSON:
        found: JSON = ok(
            await self.client.get(f"{API}/offers/{offer_id}", headers=self.recruiter.headers)
        )
        return found

    async def messages(self, application_id: str) -> list[JSON]:
        found: list[JSON] = ok(
            await self.client.get(
                f"{API}/applications/{application_id}/outcome-messages",
                headers=self.recruiter.headers,
            )
        )["items"]
        return found

    async def close_the_loop(self, who: Person | None = None, **params: Any) -> httpx.Response:
        return await self.client.get(
            f"{API}/close-the-loop", headers=(who or self.recruiter).headers, params=params
        )


async def make_role(
    client: httpx.AsyncClient,
    recruiter: Person,
    hm: Person,
    *,
    title: str = "Data Engineer",
    headcount: int = 1,
    intake: JSON | None = None,
) -> str:
    """An open role whose intake (SQL, Kafka, Airflow, Go) both sides agreed."""
    created = ok(
        await client.post(
            f"{API}/roles",
            headers=recruiter.headers,
            json={
                "title": title,
                "status": "open",
                "headcount": headcount,
                "recruiter_id": str(recruiter.id),
                "hiring_manager_id": str(hm.id),
                "intake": intake or INTAKE,
            },
        ),
        201,
    )
    role_id: str = created["id"]
    for person in (recruiter, hm):
        ok(
            await client.post(
                f"{API}/roles/{role_id}/intake/revisions/1/sign-off", headers=person.headers
            )
        )
    return role_id


async def hiring(
    client: httpx.AsyncClient,
    db: Database,
    tenant: Tenant,
    *,
    headcount: int = 1,
    title: str = "Data Engineer",
    recruiter: Person | None = None,
) -> Hiring:
    recruiter = recruiter or await tenant.add("recruiter", "Rita Recruiter")
    hm = await tenant.add("hiring_manager", f"Hank {title}")
    role_id = await make_role(client, recruiter, hm, title=title, headcount=headcount)
    return Hiring(client, db, tenant, recruiter, hm, role_id)


async def gql(
    client: httpx.AsyncClient, who: Person, query: str, variables: JSON | None = None
) -> JSON:
    """A GraphQL operation over HTTP; returns the whole body (data and errors)."""
    response = await client.post(
        "/graphql", headers=who.headers, json={"query": query, "variables": variables or {}}
    )
    assert response.status_code == 200, response.text
    body: JSON = response.json()
    return body


async def gql_data(
    client: httpx.AsyncClient, who: Person, query: str, variables: JSON | None = None
) -> JSON:
    body = await gql(client, who, query, variables)
    assert not body.get("errors"), body
    data: JSON = body["data"]
    return data
