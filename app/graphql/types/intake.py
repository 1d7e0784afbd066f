from __future__ import annotations

import uuid
from typing import cast

import strawberry
from strawberry.scalars import JSON

from app.domain.roles.schemas import IntakeContent, IntakeRevisionPublic
from app.domain.roles.schemas import Negotiable as NegotiablePublic
from app.domain.roles.schemas import ScreeningQuestion as ScreeningQuestionPublic
from app.domain.roles.schemas import Skill as SkillPublic
from app.graphql.derive import derived, values
from app.graphql.ids import to_global_id
from app.graphql.types.node import Node, PageInfo


def _described(name: str) -> str | None:
    """The intake field's description, for the resolvers that read the intake's parts."""
    return IntakeContent.model_fields[name].description


@strawberry.type(description=SkillPublic.__doc__)
@derived(SkillPublic, skip={})
class Skill:
    @classmethod
    def from_public(cls, s: SkillPublic) -> Skill:
        return cls(**values(cls, s))


@strawberry.type(description=ScreeningQuestionPublic.__doc__)
@derived(ScreeningQuestionPublic, skip={})
class ScreeningQuestion:
    @classmethod
    def from_public(cls, q: ScreeningQuestionPublic) -> ScreeningQuestion:
        return cls(**values(cls, q))


@strawberry.type(description=NegotiablePublic.__doc__)
@derived(NegotiablePublic, skip={})
class Negotiable:
    @classmethod
    def from_public(cls, n: NegotiablePublic) -> Negotiable:
        return cls(**values(cls, n))


@strawberry.type(description=IntakeRevisionPublic.__doc__)
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

    database_id: uuid.UUID = strawberry.field(
        description="The id as REST shows it; prefer `id` in GraphQL"
    )
    revision: strawberry.Private[IntakeRevisionPublic]

    @classmethod
    def from_public(cls, r: IntakeRevisionPublic) -> IntakeRevision:
        return cls(
            id=strawberry.ID(to_global_id("IntakeRevision", r.id)),
            database_id=r.id,
            revision=r,
            **values(cls, r),
        )

    @strawberry.field(description=_described("summary"))
    def summary(self) -> str | None:
        return self.revision.content.summary

    @strawberry.field(description="The names of the intake's must-have skills")
    def must_have_skills(self) -> list[str]:
        return self.revision.must_have_skills

    @strawberry.field(
        description="Skills, each named once. A list, as the intake allows at most 100"
    )
    def skills(self) -> list[Skill]:
        return [Skill.from_public(s) for s in self.revision.content.skills]

    @strawberry.field(description=_described("qualifications"))
    def qualifications(self) -> list[str]:
        return self.revision.content.qualifications

    @strawberry.field(description="The fewest years of experience wanted; null for no minimum")
    def min_years(self) -> int | None:
        return self.revision.content.experience.min_years

    @strawberry.field(description="The most years of experience wanted; null for no maximum")
    def max_years(self) -> int | None:
        return self.revision.content.experience.max_years

    @strawberry.field(description=_described("source_organizations"))
    def source_organizations(self) -> list[str]:
        return self.revision.content.source_organizations

    @strawberry.field(description=_described("success_metrics"))
    def success_metrics(self) -> list[str]:
        return self.revision.content.success_metrics

    @strawberry.field(description=_described("must_not_haves"))
    def must_not_haves(self) -> list[str]:
        return self.revision.content.must_not_haves

    @strawberry.field(description=_described("suitability_evidence"))
    def suitability_evidence(self) -> list[str]:
        return self.revision.content.suitability_evidence

    @strawberry.field(
        description="Questions to ask at screening. A list, as the intake allows at most 50"
    )
    def screening_questions(self) -> list[ScreeningQuestion]:
        return [ScreeningQuestion.from_public(q) for q in self.revision.content.screening_questions]

    @strawberry.field(description=_described("benchmark_performer"))
    def benchmark_performer(self) -> str | None:
        return self.revision.content.benchmark_performer

    @strawberry.field(
        description="What may move, and how far. A list, as the intake allows at most 20"
    )
    def negotiables(self) -> list[Negotiable]:
        return [Negotiable.from_public(n) for n in self.revision.content.negotiables]

    @strawberry.field(description="The whole intake, in the REST shape")
    def content(self) -> JSON:
        return cast(JSON, self.revision.content.model_dump(mode="json"))


@strawberry.type(description="An intake revision in a connection, with its cursor")
class IntakeRevisionEdge:
    cursor: str = strawberry.field(
        description="Opaque: pass it as `after` to continue the list after this object"
    )
    node: IntakeRevision = strawberry.field(description="The intake revision")


@strawberry.type(description="A page of intake revisions (Relay connection)")
class IntakeRevisionConnection:
    edges: list[IntakeRevisionEdge] = strawberry.field(description="The page's revisions, in order")
    page_info: PageInfo = strawberry.field(description="Where the page stands in the list")
