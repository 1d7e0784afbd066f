"""Demo data for `make run`: one organization, its people, and roles at different intake stages.

Loaded through the same services as the API, so the demo's events and rules are real ones.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import utcnow
from app.core.actor import Actor, PermissionSet
from app.domain.applications import service as applications
from app.domain.applications.schemas import ApplicationCreate
from app.domain.calibration import slates
from app.domain.calibration.schemas import DecisionCreate, SlateCreate, SlateSend
from app.domain.candidates import service as candidates
from app.domain.candidates.schemas import CandidateCreate
from app.domain.feedback import decisions, offers, scorecards
from app.domain.feedback.schemas import DecisionCreate as HiringDecisionCreate
from app.domain.feedback.schemas import (
    OfferCreate,
    OfferTransition,
    RejectionReasonCreate,
    ScorecardWrite,
)
from app.domain.interviews import repository as interviews_repo
from app.domain.interviews import service as interviews
from app.domain.interviews.schemas import InterviewsCreate
from app.domain.organizations import service as organizations
from app.domain.organizations.schemas import MemberCreate, MemberPublic, PreferencesUpdate
from app.domain.roles import intake
from app.domain.roles import service as roles
from app.domain.roles.schemas import IntakeRevisionCreate, RoleCreate


@dataclass
class DemoResult:
    organization_name: str
    admin_email: str
    api_key: str
    role_ids: list[str]


def _actor(member: MemberPublic) -> Actor:
    return Actor(
        member_id=member.id,
        organization_id=member.organization_id,
        permission_set=PermissionSet(member.permission_set),
        email=member.email,
        name=member.name,
    )


BACKEND_INTAKE = {
    "summary": "Own the services behind our fleet dashboard: APIs, data pipelines and their reliability.",
    "skills": [
        {
            "name": "Python",
            "priority": "must",
            "why": "Every service we run is Python",
            "alternatives": ["Go"],
        },
        {
            "name": "PostgreSQL",
            "priority": "must",
            "why": "Our source of truth; query tuning is weekly work",
        },
        {
            "name": "Distributed systems",
            "priority": "nice",
            "why": "Fleet telemetry arrives from 40k robots",
        },
        {
            "name": "Mentoring",
            "category": "behavioral",
            "priority": "must",
            "why": "Two juniors join in Q1",
        },
    ],
    "qualifications": ["Shipped and operated a production API used by paying customers"],
    "experience": {
        "min_years": 5,
        "max_years": 10,
        "mix": "Product companies over agencies; some on-call",
    },
    "source_organizations": ["Stripe", "Shopify", "Datadog"],
    "success_metrics": [
        "p99 latency of the fleet API under 200 ms by month 6",
        "On-call pages halved in a year",
    ],
    "must_not_haves": ["Has never worked in a code-reviewed team"],
    "suitability_evidence": ["GitHub", "Architecture write-up"],
    "screening_questions": [
        {
            "question": "Tell me about an outage you led the response to.",
            "good_answer": "Names detection, mitigation, the follow-up fix and what changed in process",
        }
    ],
    "benchmark_performer": "Like Priya on the payments team: calm on call, writes the design doc first",
    "compensation": {"currency": "EUR", "min": 85000, "max": 110000, "notes": "Equity on top"},
    "negotiables": [
        {"variable": "remote", "flexibility": "Fully remote within CET +/- 2h"},
        {"variable": "years_experience", "flexibility": "4 years with strong open-source work"},
    ],
}

DESIGN_INTAKE = {
    "summary": "First product designer for the operator app used on warehouse floors.",
    "skills": [
        {
            "name": "Interaction design",
            "priority": "must",
            "why": "Operators wear gloves; every tap counts",
        },
        {
            "name": "User research",
            "priority": "must",
            "why": "We have never interviewed our operators",
        },
        {"name": "Figma", "priority": "nice", "alternatives": ["Sketch"]},
    ],
    "experience": {"min_years": 3},
    "suitability_evidence": ["Portfolio"],
    "screening_questions": [{"question": "Walk me through a design you changed after research."}],
    "compensation": {"currency": "EUR", "min": 70000, "max": 90000},
    "negotiables": [
        {"variable": "pay", "flexibility": "Up to 95k for a strong research background"}
    ],
}

DATA_INTAKE_V1 = {
    "summary": "Build the pipelines that turn robot telemetry into the numbers customers see.",
    "skills": [
        {"name": "SQL", "priority": "must"},
        {"name": "Airflow", "priority": "must", "alternatives": ["Dagster"]},
        {"name": "Kafka", "priority": "nice"},
    ],
    "experience": {"min_years": 4},
}
DATA_INTAKE_V2 = {
    **DATA_INTAKE_V1,
    "skills": [
        {"name": "SQL", "priority": "must"},
        {"name": "Airflow", "priority": "nice", "alternatives": ["Dagster"]},
        {
            "name": "Kafka",
            "priority": "must",
            "why": "Most rejected candidates lacked streaming experience",
        },
    ],
    "experience": {"min_years": 3},
}


async def load_demo(session: AsyncSession) -> DemoResult:
    _, admin, key = await organizations.create_organization(
        session,
        name="Acme Robotics",
        admin_email="ada@acme.example",
        admin_name="Ada Admin",
        time_zone="Europe/Berlin",
    )
    admin_actor = _actor(admin)

    async def member(email: str, name: str, permission: str, title: str, tz: str) -> MemberPublic:
        return await organizations.create_member(
            session,
            admin_actor,
            MemberCreate.model_validate(
                {
                    "email": email,
                    "name": name,
                    "permission_set": permission,
                    "title": title,
                    "time_zone": tz,
                    "max_interviews_per_day": 3,
                    "max_interviews_per_week": 10,
                }
            ),
        )

    riya = await member(
        "riya@acme.example", "Riya Raman", "recruiter", "Senior Recruiter", "Europe/Berlin"
    )
    hana = await member(
        "hana@acme.example", "Hana Sato", "hiring_manager", "Head of Platform", "Europe/London"
    )
    omar = await member(
        "omar@acme.example", "Omar Haddad", "hiring_manager", "Design Lead", "America/New_York"
    )
    ivan = await member(
        "ivan@acme.example", "Ivan Petrov", "interviewer", "Staff Engineer", "Europe/Berlin"
    )
    recruiter, hm_hana = _actor(riya), _actor(hana)
    await organizations.update_preferences(
        session,
        hm_hana,
        hana.id,
        PreferencesUpdate.model_validate(
            {"update_cadence": "weekly", "update_local_time": "08:30", "delegate_id": str(omar.id)}
        ),
    )

    backend = await roles.create_role(
        session,
        recruiter,
        RoleCreate.model_validate(
            {
                "title": "Senior Backend Engineer",
                "team": "Platform",
                "location": "Berlin",
                "workplace": "hybrid",
                "headcount": 2,
                "status": "open",
                "recruiter_id": str(riya.id),
                "hiring_manager_id": str(hana.id),
                "target_start": "2027-02-01",
                "intake": BACKEND_INTAKE,
            }
        ),
    )
    await intake.sign_off(session, recruiter, backend.id, 1)
    await intake.sign_off(session, hm_hana, backend.id, 1)

    design = await roles.create_role(
        session,
        recruiter,
        RoleCreate.model_validate(
            {
                "title": "Product Designer",
                "team": "Operator App",
                "location": "New York",
                "workplace": "onsite",
                "status": "draft",
                "recruiter_id": str(riya.id),
                "hiring_manager_id": str(omar.id),
                "intake": DESIGN_INTAKE,
            }
        ),
    )
    await intake.sign_off(session, recruiter, design.id, 1)  # waits for Omar

    data = await roles.create_role(
        session,
        recruiter,
        RoleCreate.model_validate(
            {
                "title": "Data Engineer",
                "team": "Insights",
                "location": "Remote (EU)",
                "workplace": "remote",
                "status": "open",
                "recruiter_id": str(riya.id),
                "hiring_manager_id": str(hana.id),
                "intake": DATA_INTAKE_V1,
            }
        ),
    )
    await intake.sign_off(session, recruiter, data.id, 1)
    await intake.sign_off(session, hm_hana, data.id, 1)
    await intake.propose_revision(
        session,
        hm_hana,
        data.id,
        IntakeRevisionCreate.model_validate(
            {
                "content": DATA_INTAKE_V2,
                "change_note": "Streaming matters more than orchestration; relax years to 3",
            }
        ),
    )
    apps = await _calibration_demo(session, recruiter, hm_hana, backend.id)
    await _interviews_demo(session, admin_actor, recruiter, hm_hana, _actor(ivan), apps)
    return DemoResult(
        organization_name="Acme Robotics",
        admin_email=admin.email,
        api_key=key.key,
        role_ids=[str(backend.id), str(design.id), str(data.id)],
    )


__all__ = ["load_demo"]


DEMO_CANDIDATES = [
    # name, skills, years, title, company, source
    (
        "Lena Vogel",
        ["Python", "PostgreSQL", "Mentoring", "Kubernetes"],
        7,
        "Senior Engineer",
        "Zalando",
        "sourced",
    ),
    ("Marco Rossi", ["Python", "Django"], 3, "Backend Developer", "Agency Nord", "inbound"),
    (
        "Aisha Khan",
        ["Python", "PostgreSQL", "Distributed systems"],
        6,
        "Staff Engineer",
        "Datadog",
        "referral",
    ),
    ("Tom Becker", ["Java", "PostgreSQL"], 8, "Tech Lead", "SAP", "agency"),
    ("Yuki Tanaka", ["Python", "Go", "Mentoring"], 5, "Engineer", "Mercari", "sourced"),
    ("Sam Okafor", ["Python"], 2, "Junior Developer", "Startup X", "inbound"),
    (
        "Nora Berg",
        ["Python", "PostgreSQL", "Mentoring"],
        9,
        "Principal Engineer",
        "Klarna",
        "referral",
    ),
    (
        "Ravi Patel",
        ["Go", "PostgreSQL", "Distributed systems"],
        6,
        "Senior Engineer",
        "Stripe",
        "sourced",
    ),
]

# Per candidate: the hiring manager's decision and its reasons on the slate they are sent on.
DEMO_DECISIONS: dict[str, dict[str, object]] = {
    "Lena Vogel": {
        "decision": "approve",
        "reasons": {"note": "Led a Postgres migration at scale; mentors two"},
    },
    "Marco Rossi": {
        "decision": "reject",
        "reasons": {
            "missing_skills": ["PostgreSQL", "Mentoring"],
            "categories": ["skills", "experience"],
            "red_flags": ["agency-only experience"],
            "note": "Too junior for the on-call rotation",
        },
    },
    "Aisha Khan": {
        "decision": "approve",
        "reasons": {"note": "Exactly the telemetry background we need"},
        "answer": "Nothing missed; move fast, she has other offers",
    },
    "Tom Becker": {
        "decision": "reject",
        "reasons": {
            "missing_skills": ["Python", "Mentoring"],
            "categories": ["skills"],
            "note": "Strong, but a Java shop for ten years",
        },
    },
    "Yuki Tanaka": {
        "decision": "waitlist",
        "reasons": {"note": "Good mentor; unclear on Postgres depth"},
        "waitlist_question": "Has he tuned PostgreSQL queries in production?",
    },
    "Sam Okafor": {
        "decision": "reject",
        "reasons": {
            "missing_skills": ["PostgreSQL", "Mentoring"],
            "categories": ["experience"],
            "red_flags": ["short tenure"],
        },
    },
}


async def _calibration_demo(
    session: AsyncSession, recruiter: Actor, manager: Actor, role_id: object
) -> dict[str, uuid.UUID]:
    """Two slates for the backend role, decided with reasons, so insights and fit checks have data."""
    assert isinstance(role_id, uuid.UUID)
    apps: dict[str, uuid.UUID] = {}
    for name, skills, years, title, company, source in DEMO_CANDIDATES:
        candidate = await candidates.create_candidate(
            session,
            recruiter,
            CandidateCreate.model_validate(
                {
                    "name": name,
                    "email": f"{name.lower().replace(' ', '.')}@candidates.example",
                    "skills": skills,
                    "years_experience": years,
                    "current_title": title,
                    "current_company": company,
                    "source": source,
                    "consent_given": True,
                    "location": "Berlin",
                    "time_zone": "Europe/Berlin",
                }
            ),
        )
        application = await applications.create_application(
            session,
            recruiter,
            ApplicationCreate(candidate_id=candidate.id, role_id=role_id, stage="screening"),
        )
        apps[name] = application.id
    due = utcnow() + timedelta(days=3)
    for batch in (
        ["Marco Rossi", "Tom Becker", "Sam Okafor"],
        ["Lena Vogel", "Aisha Khan", "Yuki Tanaka"],
    ):
        slate = await slates.create_slate(
            session,
            recruiter,
            SlateCreate.model_validate(
                {
                    "role_id": str(role_id),
                    "items": [
                        {"application_id": str(apps[n]), "question": "What have I missed?"}
                        for n in batch
                    ],
                }
            ),
        )
        await slates.send_slate(session, recruiter, slate.id, SlateSend(due_at=due))
        for item in slate.items:
            name = next(n for n, a in apps.items() if a == item.application_id)
            await slates.decide(
                session,
                manager,
                slate.id,
                item.id,
                DecisionCreate.model_validate(DEMO_DECISIONS[name]),
            )
    return apps


async def _interviews_demo(
    session: AsyncSession,
    admin: Actor,
    recruiter: Actor,
    manager: Actor,
    interviewer: Actor,
    apps: dict[str, uuid.UUID],
) -> None:
    """Interviews held last week with scorecards (one still owed), a rejection with a reason from
    the catalogue, an offer on its way, and one interview coming up."""
    for code, label in (
        ("skills_gap", "Missing skills the role needs"),
        ("experience", "Experience level does not fit"),
        ("compensation", "Compensation expectations do not fit"),
        ("other", "Other"),
    ):
        await decisions.create_reason(session, admin, RejectionReasonCreate(code=code, label=label))
    next_week = (utcnow() + timedelta(days=7)).replace(hour=9, minute=0, second=0, microsecond=0)
    held: dict[str, uuid.UUID] = {}
    for offset, name in enumerate(("Lena Vogel", "Aisha Khan")):
        start = next_week + timedelta(hours=offset * 2)
        [scheduled] = await interviews.schedule(
            session,
            recruiter,
            InterviewsCreate.model_validate(
                {
                    "application_id": str(apps[name]),
                    "interviews": [
                        {
                            "kind": "technical",
                            "start_at": start.isoformat(),
                            "end_at": (start + timedelta(hours=1)).isoformat(),
                            "interviewer_ids": [str(interviewer.member_id), str(manager.member_id)],
                        }
                    ],
                    "video_url": "https://meet.example/acme-backend",
                }
            ),
        )
        held[name] = scheduled.id
    # The demo pretends a week has passed: these two interviews took place three days ago.
    await interviews_repo.backdate(session, list(held.values()), utcnow() - timedelta(days=3))
    for name, by, recommendation, reasons in (
        (
            "Lena Vogel",
            interviewer,
            "strong_yes",
            "Designed the fleet ingestion service live; clear trade-offs",
        ),
        ("Lena Vogel", manager, "yes", "Mentoring stories were concrete; would grow the juniors"),
        ("Aisha Khan", interviewer, "yes", "Deep Postgres knowledge; slower on the system design"),
    ):
        await scorecards.write_scorecard(
            session,
            by,
            held[name],
            ScorecardWrite.model_validate(
                {
                    "recommendation": recommendation,
                    "ratings": {"Python": "strong_yes", "PostgreSQL": "yes"},
                    "reasons": reasons,
                    "submit": True,
                }
            ),
        )
    reasons_by_code = {r.code: r.id for r in await decisions.list_reasons(session, admin, False)}
    await decisions.decide(
        session,
        manager,
        apps["Aisha Khan"],
        HiringDecisionCreate(
            decision="reject",
            rejection_reason_id=reasons_by_code["compensation"],
            note="Asks 30% above the range; pay is not negotiable that far",
        ),
    )
    await decisions.decide(
        session,
        manager,
        apps["Lena Vogel"],
        HiringDecisionCreate(decision="offer", note="Both interviewers strongly in favour"),
    )
    offer = await offers.create_offer(
        session,
        recruiter,
        OfferCreate.model_validate(
            {
                "application_id": str(apps["Lena Vogel"]),
                "compensation": {"currency": "EUR", "base_salary": 105000, "equity": "0.05%"},
                "start_date": "2027-02-01",
                "expires_at": (utcnow() + timedelta(days=10)).isoformat(),
            }
        ),
    )
    await offers.move_offer(session, manager, offer.id, OfferTransition(to="approved"))
    await offers.move_offer(session, recruiter, offer.id, OfferTransition(to="sent"))
