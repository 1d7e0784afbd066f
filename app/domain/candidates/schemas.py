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
    """A candidate's links on the web."""

    github: Url | None = Field(default=None, description="Their GitHub profile")
    portfolio: Url | None = Field(default=None, description="Their portfolio or personal site")
    linkedin: Url | None = Field(default=None, description="Their LinkedIn profile")
    other: list[Url] = Field(
        default_factory=list, max_length=10, description="Any other links (up to 10)"
    )


def _unique_skills(skills: list[str] | None) -> list[str] | None:
    if skills is None:
        return None
    seen: dict[str, str] = {}
    for skill in skills:
        seen.setdefault(skill.casefold(), skill)
    return list(seen.values())


class CandidateCreate(StrictModel):
    """A new candidate: who they are, how to reach them and where they came from."""

    name: ShortText = Field(description="The candidate's full name")
    email: EmailStr = Field(description="Their email address; one candidate per address")
    phone: Phone | None = Field(default=None, description="Their phone number, as written")
    location: ShortText | None = Field(default=None, description="Where they live or work")
    time_zone: TimeZone | None = Field(
        default=None, description="Their IANA time zone (Europe/Berlin), for interview times"
    )
    links: CandidateLinks = Field(
        default_factory=CandidateLinks, description="Their links on the web"
    )
    current_title: ShortText | None = Field(default=None, description="Their current title")
    current_company: ShortText | None = Field(
        default=None, description="Their current company, as in their profile"
    )
    years_experience: Integer | None = Field(
        default=None, ge=0, le=70, description="Years of professional experience"
    )
    skills: list[Name] = Field(
        default_factory=list,
        max_length=100,
        description="Their skills (up to 100; a repeat in another case is dropped)",
    )
    source: Source = Field(description="Where the candidate came from")
    source_detail: ShortText | None = Field(
        default=None, description="Who referred, which agency or event"
    )
    consent_given: StrictBool = Field(
        description="The candidate agreed to be kept on file and contacted"
    )
    consent_note: LongText | None = Field(
        default=None, description="How and when consent was given"
    )

    _skills = field_validator("skills")(_unique_skills)


class CandidateUpdate(StrictModel):
    """A change to a candidate; a field left out is kept."""

    name: ShortText | None = Field(default=None, description="The candidate's full name")
    email: EmailStr | None = Field(
        default=None, description="Their email address; one candidate per address"
    )
    phone: Phone | None = Field(default=None, description="Their phone number, as written")
    location: ShortText | None = Field(default=None, description="Where they live or work")
    time_zone: TimeZone | None = Field(
        default=None, description="Their IANA time zone (Europe/Berlin), for interview times"
    )
    links: CandidateLinks | None = Field(
        default=None, description="Their links on the web (replaces all of them)"
    )
    current_title: ShortText | None = Field(default=None, description="Their current title")
    current_company: ShortText | None = Field(
        default=None, description="Their current company, as in their profile"
    )
    years_experience: Integer | None = Field(
        default=None, ge=0, le=70, description="Years of professional experience"
    )
    skills: list[Name] | None = Field(
        default=None, max_length=100, description="Their skills (replaces the list; up to 100)"
    )
    source: Source | None = Field(default=None, description="Where the candidate came from")
    source_detail: ShortText | None = Field(
        default=None, description="Who referred, which agency or event"
    )
    consent_given: StrictBool | None = Field(
        default=None, description="The candidate agreed to be kept on file and contacted"
    )
    consent_note: LongText | None = Field(
        default=None, description="How and when consent was given"
    )

    _skills = field_validator("skills")(_unique_skills)
    _required = field_validator(
        "name", "email", "source", "consent_given", "links", "skills", mode="before"
    )(refuse_null)


class CandidateFilters(StrictModel):
    """Which candidates a search finds (all the filters given must match)."""

    q: SearchText | None = Field(default=None, description="Matches name or email")
    email: SearchText | None = Field(default=None, description="Matches the email address")
    skill: SearchText | None = Field(default=None, description="Has this skill (any case)")
    source: Source | None = Field(default=None, description="Came from this source")
    role_id: uuid.UUID | None = Field(default=None, description="Applied to this role")


class CandidatePublic(PublicModel):
    """A person considered for roles, with how to reach them and their consent."""

    id: uuid.UUID = Field(description="The candidate's id")
    organization_id: uuid.UUID = Field(description="The organization that holds the candidate")
    name: str = Field(description="The candidate's full name")
    email: str = Field(description="Their email address; one candidate per address")
    phone: str | None = Field(description="Their phone number, as written")
    location: str | None = Field(description="Where they live or work")
    time_zone: str | None = Field(description="Their IANA time zone, for interview times")
    links: CandidateLinks = Field(description="Their links on the web")
    current_title: str | None = Field(description="Their current title")
    current_company: str | None = Field(description="Their current company, as in their profile")
    years_experience: int | None = Field(description="Years of professional experience")
    skills: list[str] = Field(description="Their skills")
    source: Source = Field(description="Where the candidate came from")
    source_detail: str | None = Field(description="Who referred, which agency or event")
    consent_given: bool = Field(description="The candidate agreed to be kept on file and contacted")
    consent_at: datetime | None = Field(
        description="When consent was recorded (UTC); null without consent"
    )
    consent_note: str | None = Field(description="How and when consent was given")
    version: int = Field(description="Increases with every change; send it back to update")
    created_at: datetime = Field(description="When the candidate was added (UTC)")
    updated_at: datetime = Field(description="When the candidate last changed (UTC)")


class DocumentPublic(PublicModel):
    """A file kept for a candidate (a CV, a cover letter), its type detected from its bytes."""

    id: uuid.UUID = Field(description="The document's id")
    candidate_id: uuid.UUID = Field(description="The candidate it belongs to")
    application_id: uuid.UUID | None = Field(
        description="The application it was uploaded for; null when for the candidate as a whole"
    )
    kind: DocumentKind = Field(description="What the document is")
    filename: str = Field(description="The file's name as uploaded")
    content_type: str = Field(description="The media type detected from the bytes")
    size_bytes: int = Field(description="The file's size in bytes")
    sha256: str = Field(description="The SHA-256 of the bytes, in hex")
    uploaded_by_id: uuid.UUID | None = Field(
        description="The member who uploaded it; null when no member did (the candidate, with "
        "a follow-up answer) or the member was removed"
    )
    created_at: datetime = Field(description="When it was uploaded (UTC)")
    download_url: str = Field(
        description="Where to download the bytes (REST, authorised like the candidate)"
    )


class DocumentUpload(StrictModel):
    """What comes with an uploaded file: its kind and name."""

    kind: DocumentKind = Field(description="What the document is")
    filename: str = Field(
        min_length=1,
        max_length=255,
        pattern=r"^[^\x00/\\]+$",
        description="The file's name, without a folder",
    )
    claimed_content_type: str | None = Field(
        default=None,
        max_length=128,
        description="The media type the sender claims; it must match the bytes",
    )
    application_id: uuid.UUID | None = Field(
        default=None, description="The application it is for (one of this candidate's)"
    )
