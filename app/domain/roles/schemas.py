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
SkillCategory = Literal["technical", "behavioral"]
SkillPriority = Literal["must", "nice"]
NegotiableVariable = Literal["pay", "remote", "skills", "years_experience", "other"]
IntakeChangeKind = Literal["added", "removed", "changed"]


class Skill(StrictModel):
    """A skill the role asks for, must-have or nice-to-have."""

    name: Name = Field(description="The skill, as candidates' profiles name it")
    category: SkillCategory = Field(default="technical", description="technical or behavioral")
    priority: SkillPriority = Field(description="must for a must-have, nice for a nice-to-have")
    why: LongText | None = Field(default=None, description="Why the role needs it")
    alternatives: list[Name] = Field(
        default_factory=list,
        max_length=20,
        description="Other skills accepted in its place (a fit check counts them as met)",
    )


class Experience(StrictModel):
    """The years and kind of experience the role asks for."""

    min_years: Integer | None = Field(
        default=None, ge=0, le=60, description="The fewest years wanted; null for no minimum"
    )
    max_years: Integer | None = Field(
        default=None, ge=0, le=60, description="The most years wanted; null for no maximum"
    )
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
    """A question to ask candidates at screening, and what a good answer looks like."""

    question: LongText = Field(description="The question")
    good_answer: LongText | None = Field(default=None, description="What a good answer looks like")


class Compensation(StrictModel):
    """The pay range the role offers, per year, in one currency."""

    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code")
    min: Integer = Field(ge=0, le=100_000_000, description="The bottom of the range, per year")
    max: Integer = Field(ge=0, le=100_000_000, description="The top of the range, per year")
    notes: LongText | None = Field(default=None, description="Bonus, equity or anything else")

    @model_validator(mode="after")
    def _ordered(self) -> Compensation:
        if self.max < self.min:
            raise ValueError("max must not be below min")
        return self


class Negotiable(StrictModel):
    """Something the hiring manager may move on, and how far."""

    variable: NegotiableVariable = Field(
        description="What may move: pay, remote, skills, years_experience or other"
    )
    flexibility: LongText = Field(description="How far it may move")


class IntakeContent(StrictModel):
    """The profile recruiter and hiring manager agree on (the seed's intake questions)."""

    summary: LongText | None = Field(default=None, description="What the role is, in a paragraph")
    skills: list[Skill] = Field(
        default_factory=list, max_length=100, description="Skills, each named once"
    )
    qualifications: list[LongText] = Field(
        default_factory=list, max_length=50, description="Degrees, certificates, licences"
    )
    experience: Experience = Field(
        default_factory=Experience, description="The years and kind of experience wanted"
    )
    source_organizations: list[ShortText] = Field(
        default_factory=list, max_length=100, description="Where good candidates work now"
    )
    success_metrics: list[LongText] = Field(
        default_factory=list, max_length=50, description="How success in the role is measured"
    )
    must_not_haves: list[LongText] = Field(
        default_factory=list, max_length=50, description="What rules a candidate out"
    )
    suitability_evidence: list[ShortText] = Field(
        default_factory=list,
        max_length=20,
        description="How suitability is shown: portfolio, GitHub, samples",
    )
    screening_questions: list[ScreeningQuestion] = Field(
        default_factory=list, max_length=50, description="Questions to ask at screening"
    )
    benchmark_performer: LongText | None = Field(
        default=None, description="Someone who does the work well, as a yardstick"
    )
    compensation: Compensation | None = Field(default=None, description="The pay range offered")
    negotiables: list[Negotiable] = Field(
        default_factory=list, max_length=20, description="What may move, and how far"
    )

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
    """A new role to hire for."""

    title: ShortText = Field(description="The role's title, as candidates see it")
    team: ShortText | None = Field(default=None, description="The team the hire joins")
    location: ShortText | None = Field(default=None, description="Where the role is based")
    workplace: Workplace = Field(default="hybrid", description="onsite, hybrid or remote")
    headcount: Integer = Field(default=1, ge=1, le=1000, description="How many people to hire")
    status: SettableRoleStatus = Field(
        default="draft", description="draft until sourcing starts; filled follows hires"
    )
    recruiter_id: uuid.UUID | None = Field(default=None, description="The recruiting member")
    hiring_manager_id: uuid.UUID | None = Field(
        default=None, description="The member who decides on candidates"
    )
    target_start: Day | None = Field(default=None, description="When the hire should start")
    intake: IntakeContent | None = Field(
        default=None,
        description="An initial intake, proposed as revision 1 for both sides to sign off",
    )


class RoleUpdate(StrictModel):
    """Changes to a role; a field left out stays as it is, null clears an optional one."""

    title: ShortText | None = Field(default=None, description="The role's title")
    team: ShortText | None = Field(default=None, description="The team the hire joins")
    location: ShortText | None = Field(default=None, description="Where the role is based")
    workplace: Workplace | None = Field(default=None, description="onsite, hybrid or remote")
    headcount: Integer | None = Field(
        default=None, ge=1, le=1000, description="How many people to hire"
    )
    status: SettableRoleStatus | None = Field(
        default=None, description="The role's status; filled follows hires"
    )
    recruiter_id: uuid.UUID | None = Field(default=None, description="The recruiting member")
    hiring_manager_id: uuid.UUID | None = Field(
        default=None, description="The member who decides on candidates"
    )
    target_start: Day | None = Field(default=None, description="When the hire should start")

    _required = field_validator("title", "workplace", "headcount", "status", mode="before")(
        refuse_null
    )


class RoleFilters(StrictModel):
    """Which roles a list returns; filters left out match every role."""

    status: RoleStatus | None = Field(default=None, description="Only roles in this status")
    hiring_manager_id: uuid.UUID | None = Field(
        default=None, description="Only roles this member is hiring manager of"
    )
    recruiter_id: uuid.UUID | None = Field(
        default=None, description="Only roles this member recruits for"
    )
    q: SearchText | None = Field(default=None, description="Text search on the title")


class RolePublic(PublicModel):
    """A role the organization hires for."""

    id: uuid.UUID = Field(description="The role")
    organization_id: uuid.UUID = Field(description="The organization hiring")
    title: str = Field(description="The role's title, as candidates see it")
    team: str | None = Field(description="The team the hire joins")
    location: str | None = Field(description="Where the role is based")
    workplace: Workplace = Field(description="onsite, hybrid or remote")
    headcount: int = Field(description="How many people to hire")
    filled_count: int = Field(description="How many were hired so far")
    status: RoleStatus = Field(description="Where the role stands; filled once all are hired")
    recruiter_id: uuid.UUID | None = Field(description="The recruiting member")
    hiring_manager_id: uuid.UUID | None = Field(description="The member who decides on candidates")
    target_start: date | None = Field(description="When the hire should start")
    version: int = Field(description="Goes up with each change (If-Match in REST)")
    created_at: datetime = Field(description="When the role was added (UTC)")
    updated_at: datetime = Field(description="When the role last changed (UTC)")


class IntakeRevisionCreate(StrictModel):
    """A proposed new revision of a role's intake, for both sides to sign off."""

    content: IntakeContent = Field(description="The whole intake, as proposed")
    change_note: LongText = Field(description="What changed and why")


class IntakeRevisionPublic(PublicModel):
    """One revision of a role's intake; it is agreed once recruiter and hiring manager sign off."""

    id: uuid.UUID = Field(description="The intake revision")
    role_id: uuid.UUID = Field(description="The role")
    number: int = Field(description="1 for the first revision of the role, then 2, 3, ...")
    status: RevisionStatus = Field(
        description="draft until both sign off, then agreed, then superseded by a later one"
    )
    content: IntakeContent = Field(description="The whole intake")
    change_note: str = Field(description="What changed and why")
    proposed_by_id: uuid.UUID | None = Field(description="The member who proposed it")
    recruiter_signed_off_by_id: uuid.UUID | None = Field(
        description="The member who signed off as recruiter; null until then"
    )
    recruiter_signed_off_at: datetime | None = Field(
        description="When the recruiter signed off (UTC); null until then"
    )
    hiring_manager_signed_off_by_id: uuid.UUID | None = Field(
        description="The member who signed off as hiring manager; null until then"
    )
    hiring_manager_signed_off_at: datetime | None = Field(
        description="When the hiring manager signed off (UTC); null until then"
    )
    agreed_at: datetime | None = Field(description="When both had signed off (UTC)")
    created_at: datetime = Field(description="When it was proposed (UTC)")

    @computed_field(description="The names of the intake's must-have skills")  # type: ignore[prop-decorator]
    @property
    def must_have_skills(self) -> list[str]:
        return [s.name for s in self.content.skills if s.priority == "must"]

    @property
    def etag_version(self) -> str:
        rec = "r" if self.recruiter_signed_off_at else "-"
        hm = "h" if self.hiring_manager_signed_off_at else "-"
        return f"{self.number}.{self.status}.{rec}{hm}"


class IntakeChange(PublicModel):
    """One field's change between two intake revisions."""

    field: str = Field(
        description="Dotted path; skills are keyed by name, e.g. skills.Python.priority"
    )
    change: IntakeChangeKind = Field(description="added, removed or changed")
    before: Any = Field(default=None, description="The value before; null when added")
    after: Any = Field(default=None, description="The value after; null when removed")


class IntakeDiff(PublicModel):
    """Field-by-field changes between two revisions of a role's intake."""

    role_id: uuid.UUID = Field(description="The role")
    from_revision: int = Field(description="The earlier revision's number")
    to_revision: int = Field(description="The later revision's number")
    changes: list[IntakeChange] = Field(description="Each changed field")
