"""What goes in and out for roles and their intake."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import Field, computed_field, field_validator, model_validator

from app.domain.types import (
    Day,
    Integer,
    LongText,
    Name,
    PublicModel,
    SearchText,
    ShortText,
    StrictModel,
    refuse_null,
)

Workplace = Literal["onsite", "hybrid", "remote"]
RoleStatus = Literal["draft", "open", "on_hold", "filled", "closed"]
SettableRoleStatus = Literal["draft", "open", "on_hold", "closed"]
RevisionStatus = Literal["draft", "agreed", "superseded"]


class Skill(StrictModel):
    name: Name
    category: Literal["technical", "behavioral"] = "technical"
    priority: Literal["must", "nice"]
    why: LongText | None = Field(default=None, description="Why the role needs it")
    alternatives: list[Name] = Field(default_factory=list, max_length=20)


class Experience(StrictModel):
    min_years: Integer | None = Field(default=None, ge=0, le=60)
    max_years: Integer | None = Field(default=None, ge=0, le=60)
    mix: LongText | None = Field(default=None, description="The blend of experience wanted")

    @model_validator(mode="after")
    def _ordered(self) -> Experience:
        if (
            self.min_years is not None
            and self.max_years is not None
            and self.max_years < self.min_years
        ):
            raise ValueError("max_years must not be below min_years")
        return self


class ScreeningQuestion(StrictModel):
    question: LongText
    good_answer: LongText | None = Field(default=None, description="What a good answer looks like")


class Compensation(StrictModel):
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code")
    min: Integer = Field(ge=0, le=100_000_000)
    max: Integer = Field(ge=0, le=100_000_000)
    notes: LongText | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Compensation:
        if self.max < self.min:
            raise ValueError("max must not be below min")
        return self


class Negotiable(StrictModel):
    variable: Literal["pay", "remote", "skills", "years_experience", "other"]
    flexibility: LongText = Field(description="How far it may move")


class IntakeContent(StrictModel):
    """The profile recruiter and hiring manager agree on (the seed's intake questions)."""

    summary: LongText | None = Field(default=None, description="What the role is, in a paragraph")
    skills: list[Skill] = Field(default_factory=list, max_length=100)
    qualifications: list[LongText] = Field(default_factory=list, max_length=50)
    experience: Experience = Field(default_factory=Experience)
    source_organizations: list[ShortText] = Field(default_factory=list, max_length=100)
    success_metrics: list[LongText] = Field(default_factory=list, max_length=50)
    must_not_haves: list[LongText] = Field(default_factory=list, max_length=50)
    suitability_evidence: list[ShortText] = Field(
        default_factory=list,
        max_length=20,
        description="How suitability is shown: portfolio, GitHub, samples",
    )
    screening_questions: list[ScreeningQuestion] = Field(default_factory=list, max_length=50)
    benchmark_performer: LongText | None = None
    compensation: Compensation | None = None
    negotiables: list[Negotiable] = Field(default_factory=list, max_length=20)

    @field_validator("skills")
    @classmethod
    def _unique_skills(cls, skills: list[Skill]) -> list[Skill]:
        seen: set[str] = set()
        for skill in skills:
            key = skill.name.casefold()
            if key in seen:
                raise ValueError(f"the skill '{skill.name}' is listed twice")
            seen.add(key)
        return skills


class RoleCreate(StrictModel):
    title: ShortText
    team: ShortText | None = None
    location: ShortText | None = None
    workplace: Workplace = "hybrid"
    headcount: Integer = Field(default=1, ge=1, le=1000)
    status: SettableRoleStatus = "draft"
    recruiter_id: uuid.UUID | None = None
    hiring_manager_id: uuid.UUID | None = None
    target_start: Day | None = None
    intake: IntakeContent | None = Field(
        default=None,
        description="An initial intake, proposed as revision 1 for both sides to sign off",
    )


class RoleUpdate(StrictModel):
    title: ShortText | None = None
    team: ShortText | None = None
    location: ShortText | None = None
    workplace: Workplace | None = None
    headcount: Integer | None = Field(default=None, ge=1, le=1000)
    status: SettableRoleStatus | None = None
    recruiter_id: uuid.UUID | None = None
    hiring_manager_id: uuid.UUID | None = None
    target_start: Day | None = None

    _required = field_validator("title", "workplace", "headcount", "status", mode="before")(
        refuse_null
    )


class RoleFilters(StrictModel):
    status: RoleStatus | None = None
    hiring_manager_id: uuid.UUID | None = None
    recruiter_id: uuid.UUID | None = None
    q: SearchText | None = Field(default=None, description="Text search on the title")


class RolePublic(PublicModel):
    id: uuid.UUID
    organization_id: uuid.UUID
    title: str
    team: str | None
    location: str | None
    workplace: Workplace
    headcount: int
    filled_count: int
    status: RoleStatus
    recruiter_id: uuid.UUID | None
    hiring_manager_id: uuid.UUID | None
    target_start: date | None
    version: int
    created_at: datetime
    updated_at: datetime


class IntakeRevisionCreate(StrictModel):
    content: IntakeContent
    change_note: LongText = Field(description="What changed and why")


class IntakeRevisionPublic(PublicModel):
    id: uuid.UUID
    role_id: uuid.UUID
    number: int
    status: RevisionStatus
    content: IntakeContent
    change_note: str
    proposed_by_id: uuid.UUID | None
    recruiter_signed_off_by_id: uuid.UUID | None
    recruiter_signed_off_at: datetime | None
    hiring_manager_signed_off_by_id: uuid.UUID | None
    hiring_manager_signed_off_at: datetime | None
    agreed_at: datetime | None
    created_at: datetime

    @computed_field  # type: ignore[prop-decorator]
    @property
    def must_have_skills(self) -> list[str]:
        return [s.name for s in self.content.skills if s.priority == "must"]

    @property
    def etag_version(self) -> str:
        rec = "r" if self.recruiter_signed_off_at else "-"
        hm = "h" if self.hiring_manager_signed_off_at else "-"
        return f"{self.number}.{self.status}.{rec}{hm}"


class IntakeChange(PublicModel):
    field: str = Field(
        description="Dotted path; skills are keyed by name, e.g. skills.Python.priority"
    )
    change: Literal["added", "removed", "changed"]
    before: Any = None
    after: Any = None


class IntakeDiff(PublicModel):
    role_id: uuid.UUID
    from_revision: int
    to_revision: int
    changes: list[IntakeChange]
