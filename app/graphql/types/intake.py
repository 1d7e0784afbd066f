from __future__ import annotations

import datetime as dt
import uuid
from typing import cast

import strawberry
from strawberry.scalars import JSON

from app.domain.roles.schemas import IntakeRevisionPublic
from app.graphql.ids import to_global_id
from app.graphql.types.node import Node


@strawberry.type
class Skill:
    name: str
    category: str
    priority: str
    why: str | None
    alternatives: list[str]


@strawberry.type
class ScreeningQuestion:
    question: str
    good_answer: str | None


@strawberry.type
class Negotiable:
    variable: str
    flexibility: str


@strawberry.type
class IntakeRevision(Node):
    database_id: uuid.UUID
    number: int
    status: str
    change_note: str
    summary: str | None
    must_have_skills: list[str]
    skills: list[Skill]
    qualifications: list[str]
    min_years: int | None
    max_years: int | None
    source_organizations: list[str]
    success_metrics: list[str]
    must_not_haves: list[str]
    suitability_evidence: list[str]
    screening_questions: list[ScreeningQuestion]
    benchmark_performer: str | None
    negotiables: list[Negotiable]
    content: JSON = strawberry.field(description="The whole intake, in the REST shape")
    recruiter_signed_off_at: dt.datetime | None
    hiring_manager_signed_off_at: dt.datetime | None
    agreed_at: dt.datetime | None
    created_at: dt.datetime

    @classmethod
    def from_public(cls, r: IntakeRevisionPublic) -> IntakeRevision:
        c = r.content
        return cls(
            id=strawberry.ID(to_global_id("IntakeRevision", r.id)),
            database_id=r.id,
            number=r.number,
            status=r.status,
            change_note=r.change_note,
            summary=c.summary,
            must_have_skills=r.must_have_skills,
            skills=[
                Skill(
                    name=s.name,
                    category=s.category,
                    priority=s.priority,
                    why=s.why,
                    alternatives=s.alternatives,
                )
                for s in c.skills
            ],
            qualifications=c.qualifications,
            min_years=c.experience.min_years,
            max_years=c.experience.max_years,
            source_organizations=c.source_organizations,
            success_metrics=c.success_metrics,
            must_not_haves=c.must_not_haves,
            suitability_evidence=c.suitability_evidence,
            screening_questions=[
                ScreeningQuestion(question=q.question, good_answer=q.good_answer)
                for q in c.screening_questions
            ],
            benchmark_performer=c.benchmark_performer,
            negotiables=[
                Negotiable(variable=n.variable, flexibility=n.flexibility) for n in c.negotiables
            ],
            content=cast(JSON, c.model_dump(mode="json")),
            recruiter_signed_off_at=r.recruiter_signed_off_at,
            hiring_manager_signed_off_at=r.hiring_manager_signed_off_at,
            agreed_at=r.agreed_at,
            created_at=r.created_at,
        )
