"""Are the seeded rows what the services write? Checked on every run, against the real thing.

In a scratch organization of its own, one small flow goes through the real services: four
candidates applied to a role, a slate sent to the hiring manager and decided (two approved, one
rejected with reasons, one waitlisted), a calendar busy block, an interview for each approved candidate that the
interviewers accept, time passing (the interviews moved into the past: one ended 22 hours ago,
one 25 days ago), the periodic job completing them, scorecards submitted (one still owed), and
the reminder and close-the-loop jobs. `bench.flows` then replays the same flow in memory and
both sets of rows are compared table by table, column by column: ids reduced to the table they
name, timestamps to a placeholder, every other value exact.

The periodic jobs run over every organization, so they also prove the seeded data is in their
steady state: they must find the scratch flow's two interviews, one reminder and one flag, and
nothing of the seeded organizations (else the service would be writing during the load).
"""

from __future__ import annotations

import json
import re
import uuid
from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

import asyncpg
from sqlalchemy import text

from app.clock import utcnow
from app.core.actor import Actor, PermissionSet
from app.db import Database
from app.domain.applications import service as applications
from app.domain.applications.schemas import ApplicationCreate
from app.domain.availability import service as availability
from app.domain.availability.schemas import BusyBlockCreate
from app.domain.calibration import slates
from app.domain.calibration.schemas import DecisionCreate, SlateCreate, SlateSend
from app.domain.candidates import service as candidates
from app.domain.candidates.schemas import CandidateCreate
from app.domain.feedback import closing, scorecards
from app.domain.feedback.schemas import ScorecardWrite
from app.domain.interviews import service as interviews
from app.domain.interviews.schemas import InterviewResponseSet, InterviewsCreate
from app.domain.organizations import service as organizations
from app.domain.organizations.schemas import MemberCreate, MemberPublic
from app.domain.roles import intake as intakes
from app.domain.roles import service as roles
from app.domain.roles.schemas import IntakeContent, RoleCreate
from app.settings import Settings
from bench.database import asyncpg_dsn
from bench.flows import DATABASE_FILLED, TABLE_ORDER, Flows, RoleInfo, Row

INTAKE: dict[str, Any] = {
    "summary": "Backend engineer for the payments team",
    "skills": [
        {"name": "Python", "priority": "must"},
        {"name": "PostgreSQL", "priority": "must"},
        {"name": "Kafka", "priority": "nice"},
    ],
    "experience": {"min_years": 3},
}
CANDIDATES = [
    (
        {
            "name": "Ada Fidelity",
            "email": "Ada@Fidelity.example",
            "skills": ["Python", "postgresql"],
            "years_experience": 6,
            "source": "referral",
            "consent_given": True,
            "time_zone": "Europe/Lisbon",
            "links": {"github": "https://github.com/ada"},
        },
        "screening",
    ),
    (
        {
            "name": "Bo Fidelity",
            "email": "bo@fidelity.example",
            "source": "agency",
            "consent_given": False,
        },
        "sourced",
    ),
    (
        {
            "name": "Cy Fidelity",
            "email": "cy@fidelity.example",
            "skills": ["Kafka"],
            "source": "inbound",
            "consent_given": True,
        },
        "submitted",
    ),
    (
        {
            "name": "Di Fidelity",
            "email": "di@fidelity.example",
            "skills": ["Go"],
            "years_experience": 2,
            "source": "sourced",
            "consent_given": True,
            "consent_note": "Agreed on the phone",
        },
        "screening",
    ),
]
QUESTIONS = ["What have I missed?", None, "Senior enough?", None]
DECISIONS: list[dict[str, Any]] = [
    {"decision": "approve", "reasons": {"note": "Strong Postgres"}, "answer": "Nothing"},
    {
        "decision": "reject",
        "reasons": {
            "missing_skills": ["python", "Kafka", "Python"],
            "red_flags": ["short tenures", "short tenures"],
            "categories": ["skills", "experience"],
        },
    },
    {"decision": "approve", "reasons": {"missing_skills": ["Kafka"], "note": "Learns fast"}},
    {
        "decision": "waitlist",
        "reasons": {"red_flags": ["no production ownership"]},
        "waitlist_question": "Has she run anything in production?",
    },
]
SCORECARD: dict[str, Any] = {
    "recommendation": "yes",
    "ratings": {"python": "strong_yes", "PostgreSQL": None},
    "reasons": "  Clear trade-offs  ",
}
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d|Z)?")


class FidelityError(RuntimeError):
    pass


def _actor(member: MemberPublic) -> Actor:
    return Actor(
        member_id=member.id,
        organization_id=member.organization_id,
        permission_set=PermissionSet(member.permission_set),
        email=member.email,
        name=member.name,
    )


async def _people(db: Database) -> dict[str, MemberPublic]:
    async with db.transaction() as session:
        _, admin, _ = await organizations.create_organization(
            session,
            name="Bench fidelity check",
            admin_email="admin@fidelity.bench.example",
            admin_name="Fidelity Admin",
            time_zone="Europe/Berlin",
        )
        people = {"admin": admin}
        for key, permission, zone in (
            ("recruiter", "recruiter", "Europe/Berlin"),
            ("manager", "hiring_manager", "Europe/Berlin"),
            ("i1", "interviewer", "Europe/London"),
            ("i2", "interviewer", "America/New_York"),
        ):
            people[key] = await organizations.create_member(
                session,
                _actor(admin),
                MemberCreate.model_validate(
                    {
                        "email": f"{key}@fidelity.bench.example",
                        "name": f"Fidelity {key}",
                        "permission_set": permission,
                        "time_zone": zone,
                    }
                ),
            )
    return people


async def _role(db: Database, people: dict[str, MemberPublic]) -> RoleInfo:
    recruiter, manager = people["recruiter"], people["manager"]
    async with db.transaction() as session:
        role = await roles.create_role(
            session,
            _actor(recruiter),
            RoleCreate.model_validate(
                {
                    "title": "Backend Engineer",
                    "status": "open",
                    "recruiter_id": str(recruiter.id),
                    "hiring_manager_id": str(manager.id),
                    "intake": INTAKE,
                }
            ),
        )
        await intakes.sign_off(session, _actor(recruiter), role.id, 1)
        await intakes.sign_off(session, _actor(manager), role.id, 1)
    return RoleInfo(
        id=role.id,
        organization_id=role.organization_id,
        recruiter_id=recruiter.id,
        hiring_manager_id=manager.id,
        intake=IntakeContent.model_validate(INTAKE),
    )


def _times(now: datetime) -> dict[str, Any]:
    future = (now + timedelta(days=3)).replace(hour=10, minute=0, second=0, microsecond=0)
    recent_end = now - timedelta(hours=22)
    old_end = now - timedelta(days=25)
    return {
        "due": now + timedelta(days=2),
        "block": {
            "start_at": future - timedelta(hours=3),
            "end_at": future - timedelta(hours=2),
            "source": "google",
            "external_id": "evt-1",
            "title": "Dentist",
        },
        # (scheduled start, scheduled end, held start, held end) for the two approved candidates
        "interviews": [
            (future, future + timedelta(hours=1), recent_end - timedelta(hours=1), recent_end),
            (
                future + timedelta(hours=2),
                future + timedelta(hours=3),
                old_end - timedelta(minutes=45),
                old_end,
            ),
        ],
    }


async def _real(db: Database, people: dict[str, MemberPublic], role: RoleInfo) -> dict[str, int]:
    """The flow through the services; returns what the periodic jobs did."""
    rec, hm = _actor(people["recruiter"]), _actor(people["manager"])
    i1, i2 = people["i1"], people["i2"]
    t = _times(utcnow())
    async with db.transaction() as session:
        apps = []
        for data, stage in CANDIDATES:
            c = await candidates.create_candidate(
                session, rec, CandidateCreate.model_validate(data)
            )
            a = await applications.create_application(
                session,
                rec,
                ApplicationCreate.model_validate(
                    {"candidate_id": str(c.id), "role_id": str(role.id), "stage": stage}
                ),
            )
            apps.append(a.id)
        slate = await slates.create_slate(
            session,
            rec,
            SlateCreate.model_validate(
                {
                    "role_id": str(role.id),
                    "items": [
                        {"application_id": str(a), "question": q}
                        for a, q in zip(apps, QUESTIONS, strict=True)
                    ],
                    "note": "First look",
                }
            ),
        )
        await slates.send_slate(session, rec, slate.id, SlateSend(due_at=t["due"]))
        for item, decision in zip(slate.items, DECISIONS, strict=True):
            await slates.decide(
                session, hm, slate.id, item.id, DecisionCreate.model_validate(decision)
            )
        await availability.add_busy_block(
            session, _actor(i1), i1.id, BusyBlockCreate.model_validate(t["block"])
        )
        scheduled = []
        for app_id, (start, end, _, _) in zip((apps[0], apps[2]), t["interviews"], strict=True):
            [interview] = await interviews.schedule(
                session,
                rec,
                InterviewsCreate.model_validate(
                    {
                        "application_id": str(app_id),
                        "interviews": [
                            {
                                "kind": "Technical interview",
                                "start_at": start.isoformat(),
                                "end_at": end.isoformat(),
                                "interviewer_ids": [str(i1.id), str(i2.id)],
                            }
                        ],
                        "video_url": "https://meet.example/fidelity",
                    }
                ),
            )
            for member in (i1, i2):
                await interviews.respond(
                    session, _actor(member), interview.id, InterviewResponseSet(response="accepted")
                )
            scheduled.append(interview.id)
    # Time passes: the interviews took place (one 22 hours ago, one 25 days ago).
    async with db.transaction() as session:
        for interview_id, (_, _, start, end) in zip(scheduled, t["interviews"], strict=True):
            await session.execute(
                text("UPDATE interviews SET start_at = :s, end_at = :e WHERE id = :i"),
                {"s": start, "e": end, "i": interview_id},
            )
    done: dict[str, int] = {}
    async with db.transaction() as session:
        done["completed"] = await interviews.complete_past_interviews(session)
    async with db.transaction() as session:
        for interview_id, members in zip(scheduled, ((i1,), (i1, i2)), strict=True):
            for member in members:
                await scorecards.write_scorecard(
                    session,
                    _actor(member),
                    interview_id,
                    ScorecardWrite.model_validate({**SCORECARD, "submit": True}),
                )
    async with db.transaction() as session:
        done["reminders"] = await scorecards.feedback_reminders(session)
        done["flags"] = await closing.flag_at_risk(session)
    return done


def _replay(people: dict[str, MemberPublic], role: RoleInfo) -> Flows:
    """The same flow with bench.flows."""
    flows = Flows()
    now = utcnow()
    t = _times(now)
    rec, hm = people["recruiter"].id, people["manager"].id
    i1, i2 = people["i1"].id, people["i2"].id
    apps = []
    for data, stage in CANDIDATES:
        c = flows.candidate(now, role.organization_id, rec, data)
        apps.append(flows.application(now, rec, c, role, stage))
    slate = flows.slate(now, rec, role, list(zip(apps, QUESTIONS, strict=True)), "First look")
    flows.send(now, rec, slate, role, t["due"])
    for item, decision in zip(flows.items(slate), DECISIONS, strict=True):
        flows.decide(now, hm, slate, item, role, decision)
    flows.busy_block(now, role.organization_id, i1, t["block"])
    held = []
    for app, (_, _, start, end) in zip((apps[0], apps[2]), t["interviews"], strict=True):
        interview = flows.interview(
            now,
            rec,
            app,
            "Technical interview",
            start,
            end,
            [i1, i2],
            video_url="https://meet.example/fidelity",
        )
        for member in (i1, i2):
            flows.respond(now, member, interview, "accepted")
        held.append(interview)
    for interview in held:
        flows.complete(now, interview)
    for interview, members in zip(held, ((i1,), (i1, i2)), strict=True):
        for member in members:
            flows.scorecard(now, member, interview, role.intake, SCORECARD)
    flows.remind(now, held[0], i2, "due_soon")
    flows.flag(now, apps[2])
    return flows


class _Normalizer:
    """Ids become the table (or person) they name; timestamps a placeholder."""

    def __init__(self, names: dict[uuid.UUID, str]) -> None:
        self.names = dict(names)

    def learn(self, table: str, rows: Iterable[Row]) -> None:
        for row in rows:
            self.names[uuid.UUID(str(row["id"]))] = table

    def _id(self, value: str) -> str:
        return f"<{self.names.get(uuid.UUID(value), 'unknown id')}>"

    def value(self, value: Any) -> Any:
        if isinstance(value, uuid.UUID):
            return self._id(str(value))
        if isinstance(value, datetime):
            return "<timestamp>"
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, str):
            value = _UUID.sub(lambda m: self._id(m.group()), value)
            return _TIMESTAMP.sub("<timestamp>", value)
        if isinstance(value, dict):
            return {self.value(k): self.value(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.value(v) for v in value]
        return value

    def row(self, row: Row) -> str:
        return json.dumps({k: self.value(v) for k, v in row.items()}, sort_keys=True)


async def _stored(
    conn: asyncpg.Connection, organization_id: uuid.UUID, since: datetime
) -> dict[str, list[Row]]:
    stored: dict[str, list[Row]] = {}
    for table in TABLE_ORDER:
        # Every column but those the database fills (bench.flows.DATABASE_FILLED), which the
        # bench leaves to it as the services do.
        left = DATABASE_FILLED.get(table, frozenset())
        since_column = "occurred_at" if table == "events" else "created_at"
        rows = await conn.fetch(
            f"SELECT * FROM {table} WHERE organization_id = $1 AND {since_column} >= $2",
            organization_id,
            since,
        )
        stored[table] = [{k: v for k, v in dict(r).items() if k not in left} for r in rows]
    return stored


def _compare(
    stored: dict[str, list[Row]], replayed: Flows, names: dict[uuid.UUID, str]
) -> list[str]:
    normalizer = _Normalizer(names)
    for table in TABLE_ORDER:
        normalizer.learn(table, stored.get(table, []))
        normalizer.learn(table, replayed.tables.get(table, []))
    problems = []
    for table in TABLE_ORDER:
        real = stored.get(table, [])
        mine = replayed.tables.get(table, [])
        if real and mine and set(real[0]) != set(mine[0]):
            problems.append(
                f"{table}: columns differ: service only {sorted(set(real[0]) - set(mine[0]))}, "
                f"bench only {sorted(set(mine[0]) - set(real[0]))} (bench.flows must write "
                "what the service writes; columns the database fills go in "
                "bench.flows.DATABASE_FILLED)"
            )
            continue
        a = Counter(normalizer.row(r) for r in real)
        b = Counter(normalizer.row(r) for r in mine)
        if a != b:
            only_real = list((a - b).elements())[:2]
            only_mine = list((b - a).elements())[:2]
            problems.append(
                f"{table}: {len(real)} rows from the services, {len(mine)} from bench.flows;\n"
                f"  services only: {only_real}\n  bench only:    {only_mine}"
            )
    return problems


async def check(url: str, settings: Settings | None = None) -> int:
    """Run the flow both ways and compare; returns the number of rows compared."""
    settings = settings or Settings(env="development", log_json=False)
    db = Database.connect(url, settings)
    try:
        people = await _people(db)
        role = await _role(db, people)
        since = utcnow()
        done = await _real(db, people, role)
    finally:
        await db.dispose()
    expected = {"completed": 2, "reminders": 1, "flags": 1}
    if done != expected:
        raise FidelityError(
            f"the periodic jobs did {done} where the scratch flow alone needs {expected}: "
            "the seeded data is not in the state the jobs leave behind"
        )
    replayed = _replay(people, role)
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await conn.set_type_codec(
            "jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog"
        )
        stored = await _stored(conn, role.organization_id, since)
    finally:
        await conn.close()
    names = {m.id: f"member {key}" for key, m in people.items()}
    names[role.organization_id] = "organization"
    names[role.id] = "role"
    problems = _compare(stored, replayed, names)
    if problems:
        raise FidelityError(
            "the seeded rows differ from what the services write:\n" + "\n".join(problems)
        )
    return sum(len(rows) for rows in stored.values())
