"""What goes in and out for candidates and their documents."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import EmailStr, Field, StrictBool, field_validator

from app.domain.types import (
    Integer,
    LongText,
    Name,
    PublicModel,
    SearchText,
    ShortText,
    StrictModel,
    TimeZone,
    Url,
    refuse_null,
)

Source = Literal["sourced", "referral", "inbound", "agency", "ats", "event", "other"]
DocumentKind = Literal[
    "resume",
    "cover_letter",
    "test_result",
    "portfolio_sample",
    "screening_notes",
    "offer_letter",
    "other",
]
Phone = ShortText


class CandidateLinks(StrictModel):
    github: Url | None = None
    portfolio: Url | None = None
    linkedin: Url | None = None
    other: list[Url] = Field(default_factory=list, max_length=10)


def _unique_skills(skills: list[str] | None) -> list[str] | None:
    if skills is None:
        return None
    seen: dict[str, str] = {}
    for skill in skills:
        seen.setdefault(skill.casefold(), skill)
    return list(seen.values())


class CandidateCreate(StrictModel):
    name: ShortText
    email: EmailStr
    phone: Phone | None = None
    location: ShortText | None = None
    time_zone: TimeZone | None = None
    links: CandidateLinks = Field(default_factory=CandidateLinks)
    current_title: ShortText | None = None
    current_company: ShortText | None = None
    years_experience: Integer | None = Field(default=None, ge=0, le=70)
    skills: list[Name] = Field(default_factory=list, max_length=100)
    source: Source
    source_detail: ShortText | None = Field(
        default=None, description="Who referred, which agency or event"
    )
    consent_given: StrictBool = Field(
        description="The candidate agreed to be kept on file and contacted"
    )
    consent_note: LongText | None = None

    _skills = field_validator("skills")(_unique_skills)


class CandidateUpdate(StrictModel):
    name: ShortText | None = None
    email: EmailStr | None = None
    phone: Phone | None = None
    location: ShortText | None = None
    time_zone: TimeZone | None = None
    links: CandidateLinks | None = None
    current_title: ShortText | None = None
    current_company: ShortText | None = None
    years_experience: Integer | None = Field(default=None, ge=0, le=70)
    skills: list[Name] | None = Field(default=None, max_length=100)
    source: Source | None = None
    source_detail: ShortText | None = None
    consent_given: StrictBool | None = None
    consent_note: LongText | None = None

    _skills = field_validator("skills")(_unique_skills)
    _required = field_validator(
        "name", "email", "source", "consent_given", "links", "skills", mode="before"
    )(refuse_null)


class CandidateFilters(StrictModel):
    q: SearchText | None = Field(default=None, description="Matches name or email")
    email: SearchText | None = None
    skill: SearchText | None = Field(default=None, description="Has this skill (any case)")
    source: Source | None = None
    role_id: uuid.UUID | None = Field(default=None, description="Applied to this role")


class CandidatePublic(PublicModel):
    id: uuid.UUID
    organization_id: uuid.UUID
    name: str
    email: str
    phone: str | None
    location: str | None
    time_zone: str | None
    links: CandidateLinks
    current_title: str | None
    current_company: str | None
    years_experience: int | None
    skills: list[str]
    source: Source
    source_detail: str | None
    consent_given: bool
    consent_at: datetime | None
    consent_note: str | None
    version: int
    created_at: datetime
    updated_at: datetime


class DocumentPublic(PublicModel):
    id: uuid.UUID
    candidate_id: uuid.UUID
    application_id: uuid.UUID | None
    kind: DocumentKind
    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    uploaded_by_id: uuid.UUID | None
    created_at: datetime
    download_url: str


class DocumentUpload(StrictModel):
    kind: DocumentKind
    filename: str = Field(min_length=1, max_length=255, pattern=r"^[^\x00/\\]+$")
    claimed_content_type: str | None = Field(default=None, max_length=128)
    application_id: uuid.UUID | None = None
