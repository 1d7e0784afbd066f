"""Demo data for `make run`: one organization, its people, and roles at different intake stages.

Loaded through the same services as the API, so the demo's events and rules are real ones.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import Actor, PermissionSet
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
    await member(
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
    return DemoResult(
        organization_name="Acme Robotics",
        admin_email=admin.email,
        api_key=key.key,
        role_ids=[str(backend.id), str(design.id), str(data.id)],
    )


__all__ = ["load_demo"]
