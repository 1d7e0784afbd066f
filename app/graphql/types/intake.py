from __future__ import annotations

import datetime as dt
import uuid
from typing import cast

import strawberry
from strawberry.scalars import JSON

from app.domain.roles.schemas import IntakeRevisionPublic
from app.graphql import enums
from app.graphql.derive import derived, values
from app.graphql.ids import to_global_id
from app.graphql.types.node import Node, PageInfo


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
@derived(
    IntakeRevisionPublic,
    skip={
        "role_id": "Reached through its role (role.intakeRevisions)",
        "proposed_by_id": "Not yet in GraphQL (REST: proposed_by_id)",
        "recruiter_signed_off_by_id": "Not yet in GraphQL (REST: recruiter_signed_off_by_id)",
        "hiring_manager_signed_off_by_id": (
            "Not yet in GraphQL (REST: hiring_manager_signed_off_by_id)"
        ),
    },
)
class IntakeRevision(Node):
    """Scalars are copied; the intake's parts are resolved only when a query asks for them."""

    database_id: uuid.UUID
    number: int
    status: str = strawberry.field(graphql_type=enums.RevisionStatus)
    change_note: str
    recruiter_signed_off_at: dt.datetime | None
    hiring_manager_signed_off_at: dt.datetime | None
    agreed_at: dt.datetime | None
    created_at: dt.datetime
    revision: strawberry.Private[IntakeRevisionPublic]

    @classmethod
    def from_public(cls, r: IntakeRevisionPublic) -> IntakeRevision:
        return cls(
            id=strawberry.ID(to_global_id("IntakeRevision", r.id)),
            database_id=r.id,
            number=r.number,
            status=r.status,
            change_note=r.change_note,
            recruiter_signed_off_at=r.recruiter_signed_off_at,
            hiring_manager_signed_off_at=r.hiring_manager_signed_off_at,
            agreed_at=r.agreed_at,
            created_at=r.created_at,
            revision=r,
            **values(cls, r),
        )

    @strawberry.field
    def summary(self) -> str | None:
        return self.revision.content.summary

    @strawberry.field
    def must_have_skills(self) -> list[str]:
        return self.revision.must_have_skills

    @strawberry.field(description="A list, as the intake allows at most 100")
    def skills(self) -> list[Skill]:
        return [
            Skill(
                name=s.name,
                category=s.category,
                priority=s.priority,
                why=s.why,
                alternatives=s.alternatives,
            )
            for s in self.revision.content.skills
        ]

    @strawberry.field
    def qualifications(self) -> list[str]:
        return self.revision.content.qualifications

    @strawberry.field
    def min_years(self) -> int | None:
        return self.revision.content.experience.min_years

    @strawberry.field
    def max_years(self) -> int | None:
        return self.revision.content.experience.max_years

    @strawberry.field
    def source_organizations(self) -> list[str]:
        return self.revision.content.source_organizations

    @strawberry.field
    def success_metrics(self) -> list[str]:
        return self.revision.content.success_metrics

    @strawberry.field
    def must_not_haves(self) -> list[str]:
        return self.revision.content.must_not_haves

    @strawberry.field
    def suitability_evidence(self) -> list[str]:
        return self.revision.content.suitability_evidence

    @strawberry.field(description="A list, as the intake allows at most 50")
    def screening_questions(self) -> list[ScreeningQuestion]:
        return [
            ScreeningQuestion(question=q.question, good_answer=q.good_answer)
            for q in self.revision.content.screening_questions
        ]

    @strawberry.field
    def benchmark_performer(self) -> str | None:
        return self.revision.content.benchmark_performer

    @strawberry.field(description="A list, as the intake allows at most 20")
    def negotiables(self) -> list[Negotiable]:
        return [
            Negotiable(variable=n.variable, flexibility=n.flexibility)
            for n in self.revision.content.negotiables
        ]

    @strawberry.field(description="The whole intake, in the REST shape")
    def content(self) -> JSON:
        return cast(JSON, self.revision.content.model_dump(mode="json"))


@strawberry.type
class IntakeRevisionEdge:
    cursor: str
    node: IntakeRevision


@strawberry.type
class IntakeRevisionConnection:
    edges: list[IntakeRevisionEdge]
    page_info: PageInfo
