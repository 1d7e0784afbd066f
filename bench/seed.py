"""Seed the bench database: 2 organizations, their people, 10,000 roles with agreed intakes.

Organizations, members and the API key go through the real services. Roles, their intake
revisions and the outbox events are written with COPY, because 10,000 service calls would
take minutes, but the rows are the ones the service writes for "a recruiter creates an open
role with an initial intake, then recruiter and hiring manager both sign it off": the intake
content passes `IntakeContent` and is stored as its JSON dump, revision 1 is `agreed` with
both sign-offs, and the five events (`role.created`, `intake.revised`, two
`intake.signed_off`, `intake.agreed`) carry the same data the service records.

Then, when asked, issues 3-5's data (bench.seed_pipeline): slates and decisions, interviewers
with busy calendars, interviews, scorecards and 5,000 candidates waiting to hear.
"""

from __future__ import annotations

import json
import random
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import asyncpg

from app.clock import utcnow
from app.core.actor import Actor, PermissionSet
from app.db import Database
from app.domain.organizations import service as organizations
from app.domain.organizations.schemas import MemberCreate, MemberPublic
from app.domain.roles.schemas import IntakeContent
from app.ids import new_id
from app.settings import Settings
from bench.database import asyncpg_dsn
from bench.flows import RoleInfo, check_columns, event_row
from bench.seed_pipeline import PIPELINE_ROLES, PipelineData, role_info, seed_pipeline

Row = dict[str, Any]  # column name -> value, in the table's column order

RECRUITERS_PER_ORG = 5
HIRING_MANAGERS_PER_ORG = 20


def _names(text: str) -> list[str]:
    return [name.strip() for name in text.split(",")]


TECHNICAL = _names(
    "Python, Go, Rust, TypeScript, React, PostgreSQL, Kafka, Kubernetes, Terraform, AWS, GCP, SQL, "
    "Airflow, dbt, Spark, Machine learning, Distributed systems, Security, Figma, User research, "
    "Interaction design, Embedded C, ROS, Computer vision, Linux, gRPC, GraphQL, Observability, CI/CD, Java"
)
BEHAVIORAL = _names(
    "Mentoring, Stakeholder management, Ownership, Written communication, Coaching, Prioritisation"
)
SKILLS = [(n, "technical") for n in TECHNICAL] + [(n, "behavioral") for n in BEHAVIORAL]
ALTERNATIVES: dict[str, list[str]] = {
    "Python": ["Ruby"],
    "Go": ["Rust", "Java"],
    "React": ["Vue"],
    "AWS": ["GCP", "Azure"],
    "Airflow": ["Dagster", "Prefect"],
    "Figma": ["Sketch"],
    "Kafka": ["Pulsar"],
    "Terraform": ["Pulumi"],
}
FAMILIES = _names(
    "Backend Engineer, Frontend Engineer, Data Engineer, Platform Engineer, Product Designer, "
    "Robotics Engineer, Machine Learning Engineer, Site Reliability Engineer, Security Engineer, "
    "Engineering Manager, Data Scientist, Mobile Engineer, QA Engineer, Solutions Engineer"
)
LEVELS = ["Junior", "", "", "Senior", "Senior", "Staff", "Lead"]
TEAMS = _names("Platform, Insights, Operator App, Fleet, Payments, Perception, Growth, Infra")
LOCATIONS = _names("Berlin, London, New York, Remote (EU), Lisbon, Toronto, Munich, Amsterdam")
WORKPLACES = ["onsite", "hybrid", "remote"]
COMPANIES = _names("Stripe, Shopify, Datadog, Zalando, Spotify, Klarna, N26, Wise, Booking, Adyen")
EVIDENCE = _names("GitHub, Portfolio, Architecture write-up, Work sample, Talks, Open-source work")


@dataclass
class SeededOrganization:
    id: uuid.UUID
    admin: MemberPublic
    recruiters: list[MemberPublic] = field(default_factory=list)
    hiring_managers: list[MemberPublic] = field(default_factory=list)
    role_ids: list[uuid.UUID] = field(default_factory=list)


@dataclass
class Seeded:
    api_key: str  # an admin key of the first organization
    organizations: list[SeededOrganization]
    api_keys: list[str] = field(default_factory=list)  # an admin key per organization
    # Ids and request bodies of the issue 3-5 data (bench.seed_pipeline), by name.
    fixtures: dict[str, str] = field(default_factory=dict)
    rows: int = 0  # rows written with COPY

    @property
    def first(self) -> SeededOrganization:
        return self.organizations[0]


def _actor(member: MemberPublic) -> Actor:
    return Actor(
        member_id=member.id,
        organization_id=member.organization_id,
        permission_set=PermissionSet(member.permission_set),
        email=member.email,
        name=member.name,
    )


def intake_content(rng: random.Random, title: str, team: str) -> dict[str, Any]:
    """A plausible intake, validated by the service's own schema and dumped as it stores it."""
    picks = rng.sample(SKILLS, rng.randint(4, 8))
    musts = max(2, len(picks) // 2)
    skills = []
    for i, (name, category) in enumerate(picks):
        skill: dict[str, Any] = {
            "name": name,
            "category": category,
            "priority": "must" if i < musts else "nice",
        }
        if rng.random() < 0.5:
            skill["why"] = f"{name} is part of the {team} team's daily work"
        if name in ALTERNATIVES and rng.random() < 0.5:
            skill["alternatives"] = ALTERNATIVES[name]
        skills.append(skill)
    min_years = rng.randint(0, 8)
    pay = rng.randrange(50_000, 140_000, 5_000)
    content = {
        "summary": f"{title} in the {team} team: own the work end to end and raise the bar for others.",
        "skills": skills,
        "qualifications": ["Shipped and operated software that paying customers use"],
        "experience": {
            "min_years": min_years,
            "max_years": min_years + rng.randint(2, 6),
            "mix": "Product companies",
        },
        "source_organizations": rng.sample(COMPANIES, 3),
        "success_metrics": [f"First {team} project in production by month 3"],
        "must_not_haves": ["Has never worked in a code-reviewed team"],
        "suitability_evidence": rng.sample(EVIDENCE, 2),
        "screening_questions": [
            {
                "question": "Tell me about a decision you would make differently today.",
                "good_answer": "Names the trade-off, what they learned and what they changed",
            }
        ],
        "benchmark_performer": "Calm under pressure, writes the design doc first",
        "compensation": {
            "currency": "EUR",
            "min": pay,
            "max": pay + rng.randrange(10_000, 30_000, 5_000),
        },
        "negotiables": [{"variable": "remote", "flexibility": "Remote within CET +/- 2h"}],
    }
    return IntakeContent.model_validate(content).model_dump(mode="json")


async def _people(db: Database, index: int) -> tuple[SeededOrganization, str]:
    async with db.transaction() as session:
        org, admin, key = await organizations.create_organization(
            session,
            name=f"Bench Org {index}",
            admin_email=f"admin@org{index}.bench.example",
            admin_name=f"Admin {index}",
            time_zone="Europe/Berlin",
        )
        seeded = SeededOrganization(id=org.id, admin=admin)
        admin_actor = _actor(admin)
        wanted = [
            ("recruiter", RECRUITERS_PER_ORG, seeded.recruiters),
            ("hiring_manager", HIRING_MANAGERS_PER_ORG, seeded.hiring_managers),
        ]
        for permission, count, into in wanted:
            for n in range(count):
                data = MemberCreate.model_validate(
                    {
                        "email": f"{permission}{n}@org{index}.bench.example",
                        "name": f"{permission.replace('_', ' ').title()} {n} of org {index}",
                        "permission_set": permission,
                        "time_zone": "Europe/Berlin",
                    }
                )
                into.append(await organizations.create_member(session, admin_actor, data))
    return seeded, key.key


def _rows(
    orgs: list[SeededOrganization], total: int, now: datetime, rng: random.Random
) -> tuple[list[Row], list[Row], list[Row]]:
    roles: list[Row] = []
    revisions: list[Row] = []
    events: list[Row] = []
    # Opened months ago: the pipeline data of bench.seed_pipeline goes back 70 days.
    start = now - timedelta(days=120) - timedelta(seconds=37 * total)
    for i in range(total):
        org = orgs[i % len(orgs)]
        recruiter = org.recruiters[i % len(org.recruiters)]
        manager = org.hiring_managers[(i * 7) % len(org.hiring_managers)]
        title = f"{rng.choice(LEVELS)} {rng.choice(FAMILIES)}".strip()
        team = rng.choice(TEAMS)
        role_id = new_id()
        created = start + timedelta(seconds=37 * i)
        recruiter_signed = created + timedelta(minutes=5)
        agreed = created + timedelta(minutes=30)
        role = {
            "id": role_id,
            "organization_id": org.id,
            "title": title,
            "team": team,
            "location": rng.choice(LOCATIONS),
            "workplace": rng.choice(WORKPLACES),
            "headcount": rng.randint(1, 3),
            "filled_count": 0,
            "status": "open",
            "recruiter_id": recruiter.id,
            "hiring_manager_id": manager.id,
            "target_start": date(2027, 1 + i % 12, 1),
            "version": 1,  # signing off the intake does not change the role
            "created_at": created,
            "updated_at": created,
        }
        roles.append(role)
        revision = {
            "id": new_id(),
            "organization_id": org.id,
            "role_id": role_id,
            "number": 1,
            "status": "agreed",
            "content": json.dumps(intake_content(rng, title, team)),
            "change_note": "Initial intake",
            "proposed_by_id": recruiter.id,
            "recruiter_signed_off_by_id": recruiter.id,
            "recruiter_signed_off_at": recruiter_signed,
            "hiring_manager_signed_off_by_id": manager.id,
            "hiring_manager_signed_off_at": agreed,
            "agreed_at": agreed,
            "created_at": created,
        }
        revisions.append(revision)
        rid = str(role_id)
        recorded: list[tuple[datetime, MemberPublic, str, dict[str, Any]]] = [
            (
                created,
                recruiter,
                "role.created",
                {"role_id": rid, "title": title, "status": "open"},
            ),
            (
                created,
                recruiter,
                "intake.revised",
                {"role_id": rid, "revision": 1, "change_note": "Initial intake"},
            ),
            (
                recruiter_signed,
                recruiter,
                "intake.signed_off",
                {"role_id": rid, "revision": 1, "side": "recruiter"},
            ),
            (
                agreed,
                manager,
                "intake.signed_off",
                {"role_id": rid, "revision": 1, "side": "hiring_manager"},
            ),
            (agreed, manager, "intake.agreed", {"role_id": rid, "revision": 1}),
        ]
        for occurred, actor, kind, data in recorded:
            event = event_row(occurred, org.id, actor.id, kind, "role", role_id, data)
            event["data"] = json.dumps(data)
            events.append(event)
        org.role_ids.append(role_id)
    return roles, revisions, events


def _role_infos(
    orgs: list[SeededOrganization], roles: list[Row], revisions: list[Row], first: int
) -> list[list[RoleInfo]]:
    """The first `first` roles of each organization, with their agreed intakes."""
    by_org: dict[uuid.UUID, list[RoleInfo]] = {o.id: [] for o in orgs}
    for role, revision in zip(roles, revisions, strict=True):
        mine = by_org[role["organization_id"]]
        if len(mine) < first:
            mine.append(role_info(role, json.loads(revision["content"])))
    return [by_org[o.id] for o in orgs]


async def seed(
    url: str, total_roles: int = 10_000, organizations_count: int = 2, *, pipeline: bool = True
) -> Seeded:
    """Organizations, people and roles; with `pipeline`, issues 3-5's data too."""
    settings = Settings(env="development", log_json=False)
    db = Database.connect(url, settings)
    conn: asyncpg.Connection | None = None
    try:
        orgs: list[SeededOrganization] = []
        keys: list[str] = []
        for index in range(1, organizations_count + 1):
            org, key = await _people(db, index)
            orgs.append(org)
            keys.append(key)

        now = utcnow()
        rng = random.Random(20260101)
        roles, revisions, events = _rows(orgs, total_roles, now, rng)
        conn = await asyncpg.connect(asyncpg_dsn(url))
        written = 0
        async with conn.transaction():
            for table, rows in (
                ("roles", roles),
                ("intake_revisions", revisions),
                ("events", events),
            ):
                columns = list(rows[0])
                await check_columns(conn, table, columns)
                records = [tuple(row.values()) for row in rows]
                await conn.copy_records_to_table(table, records=records, columns=columns)
                written += len(records)
        data = PipelineData()
        if pipeline:
            infos = _role_infos(orgs, roles, revisions, PIPELINE_ROLES)
            if min(len(i) for i in infos) < PIPELINE_ROLES:
                raise ValueError(f"issues 3-5's data needs {PIPELINE_ROLES} roles per organization")
            async with conn.transaction():
                data = await seed_pipeline(db, conn, [o.admin for o in orgs], infos, now, rng)
        # Planner statistics, as autovacuum would have them on a database in service.
        await conn.execute("ANALYZE")
    finally:
        if conn is not None:
            await conn.close()
        await db.dispose()
    return Seeded(
        api_key=keys[0],
        organizations=orgs,
        api_keys=keys,
        fixtures=data.fixtures,
        rows=written + data.rows,
    )
