"""Seed data for issues 3 to 5, in the first organization unless said otherwise.

- Issue 3: a role with 10 slates of 10 and one with 2 slates of 2 (the GraphQL slates query must
  cost the same number of statements on both), and a role with 1,000 reviewed applications on
  100 slates whose decisions name missing skills of the intake, red flags and categories, with
  approval rising slate by slate (the insights).
- Issue 4: 12 interviewers made by the real member service, with working hours in their own time
  zones and load caps; six hold 200 calendar busy blocks each over the suggestion range, the other
  six the same busy time as 2,000 blocks each (every meeting synced as ten 3-minute pieces), so
  both suggestion queries have the same answer and differ only in the number of blocks. The
  application is one the hiring manager approved from a slate, so it is at `interviewing`.
  Calendars: six more interviewers like the 200-block six, holding the same meetings mirrored
  from a Google calendar (an organization-wide connection, a primary busy calendar each, read
  just now with a push channel open), written by the calendar service's own row builders
  (`_mirrored_busy`): the `suggest_calendar` request.
- Issue 5: 5,000 interviewed candidates waiting for an outcome across 500 roles: each went through
  a slate, was approved, had one or two interviews (completed by the periodic job) whose
  interviewers accepted and mostly submitted scorecards; owed scorecards have their reminders and
  candidates near the close-the-loop deadline their flag, as the periodic jobs leave them. The
  first of them had 8 interviews with 16 interviewers' scorecards (one still owed): the scorecard
  summary. The second organization gets 3 waiting candidates (the small close-the-loop probe).

Everything else is made by `bench.flows` (the services' rows, in memory) and written with COPY.
"""

from __future__ import annotations

import json
import random
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from app.core.actor import Actor, PermissionSet
from app.db import Database, settings_of
from app.domain.calendars import repository as calendars_repo
from app.domain.calendars.connections import encrypt_credentials, initial_calendar_rows
from app.domain.calendars.models import CalendarConnection
from app.domain.calendars.sync import Claimed, _block_rows
from app.domain.organizations import service as organizations
from app.domain.organizations.schemas import MemberCreate, MemberPublic
from app.domain.roles.schemas import IntakeContent
from app.integrations.calendars.base import Grant, RemoteCalendar, RemoteEvent
from bench.flows import TABLE_ORDER, Flows, RoleInfo, Row, check_columns

SLATE_SIZE = 10
PIPELINE_ROLES = 520  # roles per organization this module uses (the first ones created)
WAITING = 5_000
WAITING_PER_ROLE = 10
SUMMARY_INTERVIEWS = 8
BUSY_BLOCKS = 200
BUSY_FACTOR = 10  # the second set of interviewers: the same meetings in ten pieces each
PANEL_INTERVIEWERS = 60
AT_RISK_DAYS = 30 - 7  # the organization's default deadline less the default warning
FEEDBACK_HOURS = 24  # the organization's default feedback due hours
DUE_SOON_HOURS = 4  # the default feedback_due_soon_hours

_FIRST = "Lena Marco Aisha Tom Yuki Sam Nora Ravi Ines Jonas Priya Mateo Chloe Emeka Sofia Lukas"
_LAST = "Vogel Rossi Khan Becker Tanaka Okafor Berg Patel Costa Weber Nair Garcia Martin Eze Silva"
FIRST_NAMES = [*_FIRST.split(" "), "Mei", "Omar", "Hanna", "Diego", "Freya", "Kenji", "Amara"]
LAST_NAMES = [*_LAST.split(" "), "Braun", "Chen", "Haddad", "Lund", "Torres", "Nielsen", "Sato"]
TITLES = ("Software Engineer", "Senior Engineer", "Data Engineer", "Tech Lead", "Developer")
COMPANIES = ("Stripe", "Shopify", "Datadog", "Zalando", "Spotify", "Klarna", "N26", "Wise", "SAP")
SOURCES = ("sourced", "referral", "inbound", "agency", "event")
CANDIDATE_ZONES = ("Europe/Berlin", "Europe/London", "Europe/Lisbon", "Europe/Warsaw")
CITIES = ("Berlin", "London", "Lisbon", "Warsaw", "Munich", "Amsterdam")
RED_FLAGS = (
    "agency-only experience",
    "short tenures",
    "no production ownership",
    "vague about impact",
    "dismissive of testing",
)
QUESTIONS = ("What have I missed?", "Is the seniority right?", None, None)
RECOMMENDATIONS = ("strong_yes", "yes", "yes", "no", "definitely_not", "no_decision")
RATINGS = ("strong_no", "no", "mixed", "yes", "strong_yes", None)

# The six interviewers of the 3-stage panel: stage, time zone, working hours, caps.
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
SCHEDULERS: list[tuple[str, str, dict[str, Any] | None, int | None, int | None]] = [
    ("Technical interview", "Europe/Berlin", None, 3, 10),
    ("Technical interview", "Europe/London", None, None, None),
    (
        "System design",
        "Europe/Berlin",
        {
            **{d: [{"start": "10:00", "end": "18:00"}] for d in WEEKDAYS[:4]},
            "fri": [{"start": "09:00", "end": "13:00"}],
        },
        2,
        8,
    ),
    ("System design", "Europe/Lisbon", None, None, 12),
    (
        "Hiring manager",
        "America/New_York",
        {d: [{"start": "08:00", "end": "16:00"}] for d in WEEKDAYS},
        None,
        None,
    ),
    (
        "Hiring manager",
        "Europe/Berlin",
        {
            d: [{"start": "09:00", "end": "12:00"}, {"start": "13:00", "end": "18:00"}]
            for d in WEEKDAYS
        },
        4,
        None,
    ),
]
PANEL = [("Technical interview", 60), ("System design", 60), ("Hiring manager", 45)]


@dataclass
class PipelineData:
    fixtures: dict[str, str] = field(default_factory=dict)
    rows: int = 0


def _actor(member: MemberPublic) -> Actor:
    return Actor(
        member_id=member.id,
        organization_id=member.organization_id,
        permission_set=PermissionSet(member.permission_set),
        email=member.email,
        name=member.name,
    )


async def create_members(
    db: Database, admin: MemberPublic, specs: list[dict[str, Any]]
) -> list[MemberPublic]:
    """Members through the real service (an admin adds them)."""
    async with db.transaction() as session:
        return [
            await organizations.create_member(
                session, _actor(admin), MemberCreate.model_validate(spec)
            )
            for spec in specs
        ]


class _Names:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.n = 0

    def candidate(self, role: RoleInfo, tag: str) -> dict[str, Any]:
        rng = self.rng
        self.n += 1
        skills = [s.name for s in role.intake.skills]
        data: dict[str, Any] = {
            "name": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
            "email": f"candidate{self.n}@{tag}.bench.example",
            "skills": rng.sample(skills, rng.randint(1, min(4, len(skills)))),
            "years_experience": rng.randint(1, 15),
            "current_title": rng.choice(TITLES),
            "current_company": rng.choice(COMPANIES),
            "source": rng.choice(SOURCES),
            "consent_given": True,
            "location": rng.choice(CITIES),
            "time_zone": rng.choice(CANDIDATE_ZONES),
        }
        if rng.random() < 0.5:
            data["links"] = {"github": f"https://github.com/candidate{self.n}"}
        return data


def _hours(rng: random.Random, low: float, high: float) -> timedelta:
    return timedelta(hours=rng.uniform(low, high))


def _applications(
    flows: Flows, names: _Names, role: RoleInfo, count: int, before: datetime, tag: str
) -> list[Row]:
    rng = names.rng
    apps = []
    for _ in range(count):
        created = before - _hours(rng, 24, 24 * 8)
        candidate = flows.candidate(
            created, role.organization_id, role.recruiter_id, names.candidate(role, tag)
        )
        stage = rng.choice(("sourced", "screening", "screening", "submitted"))
        apps.append(
            flows.application(
                created + timedelta(minutes=2), role.recruiter_id, candidate, role, stage
            )
        )
    return apps


def _judgement(
    rng: random.Random, role: RoleInfo, approve: float, question: str | None
) -> dict[str, Any]:
    """A hiring manager's decision with reasons, as the API would receive it."""
    r = rng.random()
    skills = role.intake.skills
    if r < approve:
        data: dict[str, Any] = {
            "decision": "approve",
            "reasons": {"note": "Strong match on the must-haves; worth a first interview"},
        }
    elif r < approve + 0.1:
        data = {
            "decision": "waitlist",
            "reasons": {"note": "Promising, but one gap is unclear"},
            "waitlist_question": f"How deep is their {rng.choice(skills).name} experience?",
        }
    else:
        # Most rejections cite the same nice-to-have skill: the insights should suggest a must.
        nice = [s.name for s in skills if s.priority == "nice"] or [skills[-1].name]
        missing = [nice[0]] if rng.random() < 0.6 else []
        if not missing or rng.random() < 0.4:
            missing.append(rng.choice(skills).name)
        categories = ["skills"]
        for category, p in (("experience", 0.35), ("compensation", 0.1), ("location", 0.1)):
            if rng.random() < p:
                categories.append(category)
        reasons: dict[str, Any] = {
            "missing_skills": list(dict.fromkeys(missing)),
            "categories": categories,
        }
        if rng.random() < 0.3:
            reasons["red_flags"] = [rng.choice(RED_FLAGS)]
        if rng.random() < 0.5:
            reasons["note"] = "Not at the level the team needs yet"
        data = {"decision": "reject", "reasons": reasons}
    if question is not None and rng.random() < 0.7:
        data["answer"] = "Nothing missed; the reasons say it all"
    return data


def _calibrate(
    flows: Flows,
    rng: random.Random,
    role: RoleInfo,
    apps: list[Row],
    first_sent: datetime,
    every: timedelta,
    approval: tuple[float, float] | None,
) -> list[Row]:
    """Slates of at most SLATE_SIZE, each sent and fully decided; approval rises from the first
    slate's rate to the last's (None: every candidate approved)."""
    chunks = [apps[i : i + SLATE_SIZE] for i in range(0, len(apps), SLATE_SIZE)]
    slates = []
    for k, chunk in enumerate(chunks):
        created = first_sent + every * k - timedelta(minutes=30)
        questions = [rng.choice(QUESTIONS) for _ in chunk]
        slate = flows.slate(
            created,
            role.recruiter_id,
            role,
            list(zip(chunk, questions, strict=True)),
            note="Early slate: tell me what I am missing" if k == 0 else None,
        )
        sent = created + timedelta(minutes=30)
        flows.send(sent, role.recruiter_id, slate, role, due_at=sent + timedelta(days=3))
        items = flows.items(slate)
        times = sorted(sent + _hours(rng, 0.5, 60) for _ in items)
        rate = 1.0
        if approval is not None:
            start, end = approval
            rate = start + (end - start) * (k / max(1, len(chunks) - 1))
        for item, at in zip(rng.sample(items, len(items)), times, strict=True):
            data = (
                {"decision": "approve", "reasons": {"note": "Clear fit on the must-haves"}}
                if approval is None
                else _judgement(rng, role, rate, item["question"])
            )
            flows.decide(at, role.hiring_manager_id, slate, item, role, data)
        slates.append(slate)
    return slates


def _scorecard(rng: random.Random, role: RoleInfo) -> dict[str, Any]:
    skills = rng.sample(role.intake.skills, min(len(role.intake.skills), rng.randint(2, 4)))
    return {
        "recommendation": rng.choice(RECOMMENDATIONS),
        "ratings": {s.name: rng.choice(RATINGS) for s in skills},
        "reasons": "Worked through the exercise methodically; explained the trade-offs they made",
    }


def _held(
    flows: Flows,
    rng: random.Random,
    role: RoleInfo,
    interview: Row,
    interviewers: list[uuid.UUID],
    now: datetime,
    owed: set[uuid.UUID],
    punctual: bool = False,
) -> None:
    """After the interview: the job completes it, interviewers submit (early, late or never;
    `owed` never), and the reminder job records what it would have for the late and missing."""
    end = interview["end_at"]
    flows.complete(end + timedelta(seconds=rng.randint(1, 60)), interview)
    due = end + timedelta(hours=FEEDBACK_HOURS)
    for member in interviewers:
        r = rng.random()
        submitted: datetime | None
        if member in owed:
            submitted = None
        elif punctual or r < 0.85:
            submitted = end + _hours(rng, 0.5, 19)
        elif r < 0.92:
            submitted = end + _hours(rng, 25, 60)
        else:
            submitted = None
        if submitted is not None and submitted >= now:
            submitted = None
        if submitted is not None:
            flows.scorecard(submitted, member, interview, role.intake, _scorecard(rng, role))
        soon = due - timedelta(hours=DUE_SOON_HOURS)
        if submitted is None or submitted > soon:
            flows.remind(
                soon + timedelta(seconds=rng.randint(1, 60)), interview, member, "due_soon"
            )
        if submitted is None or submitted > due:
            flows.remind(due + timedelta(seconds=rng.randint(1, 60)), interview, member, "overdue")


def _interview_times(
    rng: random.Random, scheduled: datetime, rounds: int, now: datetime
) -> list[tuple[datetime, datetime]]:
    first = (scheduled + _hours(rng, 48, 120)).replace(minute=0, second=0, microsecond=0)
    first = first.replace(hour=rng.randint(8, 15))
    times = [(first, first + timedelta(hours=1))]
    for _ in range(rounds - 1):
        start = times[-1][1] + _hours(rng, 48, 96)
        start = start.replace(minute=0, second=0, microsecond=0)
        if start + timedelta(hours=1) > now - timedelta(days=2):
            break
        times.append((start, start + timedelta(hours=1)))
    # Keep clear of the at-risk boundary, so no candidate crosses it while the bench runs.
    boundary = now - timedelta(days=AT_RISK_DAYS)
    if abs(times[-1][1] - boundary) < timedelta(hours=2):
        times = [(s - timedelta(hours=4), e - timedelta(hours=4)) for s, e in times]
    return times


def _waiting(
    flows: Flows,
    names: _Names,
    roles: list[RoleInfo],
    per_role: int,
    panel: list[uuid.UUID],
    now: datetime,
    tag: str,
    summary_panel: list[uuid.UUID] | None = None,
) -> tuple[list[Row], int, Row | None]:
    """Interviewed candidates still waiting to hear: (applications, at risk, summary application)."""
    rng = names.rng
    waiting: list[Row] = []
    at_risk = 0
    summary: Row | None = None
    for r, role in enumerate(roles):
        with_summary = summary_panel is not None and r == 0
        sent = now - timedelta(days=20 if with_summary else rng.uniform(14, 45))
        apps = _applications(flows, names, role, per_role, sent - timedelta(hours=1), tag)
        _calibrate(flows, rng, role, apps, sent, timedelta(0), None)
        for i, app in enumerate(apps):
            decided = app["updated_at"]
            scheduled = decided + _hours(rng, 2, 30)
            owed: set[uuid.UUID] = set()
            if with_summary and i == 0:
                assert summary_panel is not None
                # Four rounds of two interviews, three days apart, the last three days ago.
                last = (now - timedelta(days=3)).replace(hour=16, minute=0, second=0, microsecond=0)
                times = []
                for k in range(SUMMARY_INTERVIEWS):
                    round_end = last - timedelta(days=3 * (3 - k // 2))
                    start = round_end - timedelta(hours=2 - k % 2)
                    times.append((start, start + timedelta(hours=1)))
                people = [
                    [
                        summary_panel[k % len(summary_panel)],
                        summary_panel[(k + 1) % len(summary_panel)],
                    ]
                    for k in range(SUMMARY_INTERVIEWS)
                ]
                owed_at = SUMMARY_INTERVIEWS - 1
                summary = app
            else:
                times = _interview_times(rng, scheduled, 2 if rng.random() < 0.3 else 1, now)
                people = [rng.sample(panel, 2) for _ in times]
                owed_at = -1
            for k, ((start, end), interviewers) in enumerate(zip(times, people, strict=True)):
                kind = "Technical interview" if k % 2 == 0 else "Team interview"
                interview = flows.interview(
                    scheduled,
                    role.recruiter_id,
                    app,
                    kind,
                    start,
                    end,
                    interviewers,
                    video_url="https://meet.example/bench",
                )
                for member in interviewers:
                    flows.respond(scheduled + _hours(rng, 1, 20), member, interview, "accepted")
                owed = {interviewers[1]} if k == owed_at else set()
                _held(flows, rng, role, interview, interviewers, now, owed, punctual=owed_at >= 0)
            last_end = times[-1][1]
            flag_at = last_end + timedelta(days=AT_RISK_DAYS)
            if flag_at <= now:
                flows.flag(flag_at + timedelta(seconds=rng.randint(1, 60)), app)
                at_risk += 1
            waiting.append(app)
    return waiting, at_risk, summary


def _busy_layout(rng: random.Random, zone: str, first: datetime, days: int) -> list[datetime]:
    """Start times of BUSY_BLOCKS half-hour meetings, 07:00 to 21:00 local, over `days` days."""
    tz = ZoneInfo(zone)
    starts = []
    for _ in range(BUSY_BLOCKS):
        day = (first + timedelta(days=rng.randrange(days))).astimezone(tz).date()
        local = datetime.combine(day, time(7, 0), tzinfo=tz) + timedelta(
            minutes=15 * rng.randrange(56)
        )
        starts.append(local.astimezone(UTC))
    return starts


def _busy_blocks(
    flows: Flows,
    member: MemberPublic,
    starts: list[datetime],
    pieces: int,
    at: datetime,
) -> None:
    step = timedelta(minutes=30) / pieces
    for n, start in enumerate(starts):
        for k in range(pieces):
            flows.busy_block(
                at,
                member.organization_id,
                member.id,
                {
                    "start_at": start + step * k,
                    "end_at": start + step * (k + 1),
                    "source": "google",
                    "external_id": f"evt-{n}" if pieces == 1 else f"evt-{n}-{k}",
                    "title": "Busy",
                },
            )


async def _mirrored_busy(
    db: Database,
    admin: MemberPublic,
    members: list[MemberPublic],
    date_from: datetime,
    now: datetime,
) -> None:
    """An organization-wide Google connection, each member's primary calendar read (synced
    just now, no failures) and BUSY_BLOCKS meetings each mirrored into busy_blocks, written by
    the calendar service's own code: the connection model, `initial_calendar_rows`,
    `upsert_calendars`, and `sync._block_rows` + `upsert_blocks` as a page read is recorded.
    The meetings are those of the typed 200-block set (same layout, same seeds)."""
    async with db.transaction() as session:
        connection = CalendarConnection(
            organization_id=admin.organization_id,
            provider="google",
            scope="organization",
            name="Google Workspace (bench)",
            base_url="http://127.0.0.1:9/calendar/v3",  # never called: no worker runs
            created_by_id=admin.id,
            credentials_encrypted=encrypt_credentials(
                settings_of(session), {"service_account_json": "{}"}
            ),
        )
        session.add(connection)
        await session.flush()
        for n, member in enumerate(members):
            remote = RemoteCalendar(id=member.email, name=member.email, primary=True)
            rows = initial_calendar_rows(
                admin.organization_id,
                connection.id,
                member.id,
                member.email,
                [remote],
                has_interview_calendar=False,
            )
            for row in rows:
                # Read just now, its push channel open for a week (no worker touches it).
                row.update(
                    last_synced_at=now,
                    next_sync_at=None,
                    sync_token="bench-sync-1",
                    channel_id=uuid.uuid4().hex,
                    channel_resource_id=f"bench-resource-{n}",
                    channel_token_hash="0" * 64,
                    channel_expires_at=now + timedelta(days=7),
                )
            await calendars_repo.upsert_calendars(session, rows)
            calendar_id = rows[0]["id"]
            claimed = Claimed(
                calendar_id=calendar_id,
                organization_id=member.organization_id,
                member_id=member.id,
                connection_id=connection.id,
                provider="google",
                remote_id=member.email,
                sync_token=None,
                page_token=None,
                full_read_started_at=None,
                grant=Grant(provider="google", values={}, subject=member.email),
            )
            layout = _busy_layout(
                random.Random(1000 + n), member.time_zone, date_from - timedelta(days=1), 16
            )
            events = [
                RemoteEvent(
                    uid=f"bench{n}x{k}@google.com",
                    start=start,
                    end=start + timedelta(minutes=30),
                    remote_id=f"bench{n}x{k}",
                )
                for k, start in enumerate(layout)
            ]
            await calendars_repo.upsert_blocks(session, _block_rows(claimed, events))


async def _write(conn: asyncpg.Connection, flows: Flows) -> int:
    written = 0
    for table in TABLE_ORDER:
        if flows.tables.get(table):
            columns, records = flows.records(table)
            await check_columns(conn, table, columns)
            await conn.copy_records_to_table(table, records=records, columns=columns)
            written += len(records)
    return written


def role_info(role: Row, content: dict[str, Any]) -> RoleInfo:
    return RoleInfo(
        id=role["id"],
        organization_id=role["organization_id"],
        recruiter_id=role["recruiter_id"],
        hiring_manager_id=role["hiring_manager_id"],
        intake=IntakeContent.model_validate(content),
    )


async def seed_pipeline(
    db: Database,
    conn: asyncpg.Connection,
    admins: list[MemberPublic],
    roles: list[list[RoleInfo]],
    now: datetime,
    rng: random.Random,
) -> PipelineData:
    """Issues 3-5's data; `roles` per organization in creation order, `admins` likewise."""
    data = PipelineData()
    fx = data.fixtures
    flows = Flows()
    names = _Names(rng)
    org_roles = roles[0]

    # Issue 3: slates and insights.
    history = now - timedelta(days=60)
    big, small, insights_role = org_roles[0], org_roles[1], org_roles[2]
    apps = _applications(flows, names, big, 10 * SLATE_SIZE, history, "org1")
    _calibrate(flows, rng, big, apps, history, timedelta(days=5), (0.3, 0.6))
    small_apps = _applications(flows, names, small, 4, history, "org1")
    _calibrate(flows, rng, small, small_apps[:2], history, timedelta(days=5), (0.5, 0.5))
    _calibrate(
        flows, rng, small, small_apps[2:], history + timedelta(days=3), timedelta(0), (0.5, 0.5)
    )
    fx["slates_role"], fx["slates_role_small"] = str(big.id), str(small.id)
    insight_apps = _applications(flows, names, insights_role, 1000, history, "org1")
    _calibrate(flows, rng, insights_role, insight_apps, history, timedelta(hours=12), (0.15, 0.65))
    fx["insights_role"] = str(insights_role.id)

    # Issue 4: interviewers with busy calendars, and an approved application.
    interviewing = next(a for a in apps if a["stage"] == "interviewing")
    specs = [
        {
            "email": f"scheduler{variant}-{n}@org1.bench.example",
            "name": f"Interviewer {n + 1} ({variant} blocks)",
            "permission_set": "interviewer",
            "title": "Software Engineer",
            "time_zone": zone,
            **({"working_hours": hours} if hours is not None else {}),
            "max_interviews_per_day": per_day,
            "max_interviews_per_week": per_week,
        }
        for variant in (BUSY_BLOCKS, BUSY_BLOCKS * BUSY_FACTOR)
        for n, (_, zone, hours, per_day, per_week) in enumerate(SCHEDULERS)
    ]
    schedulers = await create_members(db, admins[0], specs)
    date_from = (now + timedelta(days=2)).replace(hour=0, minute=0, second=0, microsecond=0)
    date_to = date_from + timedelta(days=14)
    for variant, members in (
        (BUSY_BLOCKS, schedulers[: len(SCHEDULERS)]),
        (BUSY_BLOCKS * BUSY_FACTOR, schedulers[len(SCHEDULERS) :]),
    ):
        for n, member in enumerate(members):
            layout = _busy_layout(
                random.Random(1000 + n), member.time_zone, date_from - timedelta(days=1), 16
            )
            _busy_blocks(flows, member, layout, variant // BUSY_BLOCKS, now - timedelta(hours=1))
        body = {
            "application_id": str(interviewing["id"]),
            "stages": [
                {
                    "name": name,
                    "duration_minutes": minutes,
                    "interviewer_ids": [str(members[2 * j].id), str(members[2 * j + 1].id)],
                    "required": 1,
                }
                for j, (name, minutes) in enumerate(PANEL)
            ],
            "date_from": date_from.isoformat(),
            "date_to": date_to.isoformat(),
            "max_gap_minutes": 60,
            "limit": 10,
        }
        fx[f"suggest_{variant}"] = json.dumps(body)
    # The same meetings as the 200-block set, mirrored from a Google calendar (calendars).
    mirrored = await create_members(
        db,
        admins[0],
        [
            {**spec, "email": f"schedulercal-{n}@org1.bench.example"}
            for n, spec in enumerate(specs[: len(SCHEDULERS)])
        ],
    )
    await _mirrored_busy(db, admins[0], mirrored, date_from, now)
    body["stages"] = [
        {
            "name": name,
            "duration_minutes": minutes,
            "interviewer_ids": [str(mirrored[2 * j].id), str(mirrored[2 * j + 1].id)],
            "required": 1,
        }
        for j, (name, minutes) in enumerate(PANEL)
    ]
    fx["suggest_calendar"] = json.dumps(body)

    # Issue 5: interviews, scorecards and 5,000 candidates waiting to hear.
    panel_specs = [
        {
            "email": f"panel{n}@org1.bench.example",
            "name": f"{FIRST_NAMES[n % len(FIRST_NAMES)]} {LAST_NAMES[(n * 7) % len(LAST_NAMES)]}",
            "permission_set": "interviewer",
            "title": "Engineer",
            "time_zone": "Europe/Berlin" if n % 3 else "Europe/London",
        }
        for n in range(PANEL_INTERVIEWERS)
    ]
    panel = [m.id for m in await create_members(db, admins[0], panel_specs)]
    waiting_roles = [org_roles[3], *org_roles[10 : 10 + WAITING // WAITING_PER_ROLE - 1]]
    waiting, at_risk, summary = _waiting(
        flows, names, waiting_roles, WAITING_PER_ROLE, panel, now, "org1", panel[:5]
    )
    assert summary is not None
    assert len(waiting) == WAITING
    fx["summary_app"] = str(summary["id"])
    interviews = Counter(i["application_id"] for i in flows.tables["interviews"])
    single = next(a["id"] for a in waiting if interviews[a["id"]] == 1)
    fx["summary_app_small"] = str(single)
    fx["waiting"], fx["waiting_at_risk"] = str(len(waiting)), str(at_risk)

    # The second organization: three waiting candidates, for the small close-the-loop probe.
    other_panel = [
        m.id
        for m in await create_members(
            db,
            admins[1],
            [
                {
                    "email": f"panel{n}@org2.bench.example",
                    "name": f"Panelist {n} of org 2",
                    "permission_set": "interviewer",
                }
                for n in range(2)
            ],
        )
    ]
    small_waiting, small_risk, _ = _waiting(
        flows, names, [roles[1][0]], 3, other_panel, now, "org2"
    )
    fx["waiting_small"], fx["waiting_small_at_risk"] = str(len(small_waiting)), str(small_risk)

    data.rows = await _write(conn, flows)
    return data
