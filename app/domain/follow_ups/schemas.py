"""What goes in and out for follow-ups: the recruiter's question, the candidate's answer, and
what the candidate's page is given (nothing of the hiring manager's reasons)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from app.domain.types import TEXT, LongText, PublicModel, StrictModel, Trimmed, Url

FollowUpState = Literal["sent", "reminded", "answered", "expired", "withdrawn"]
AnswerText = Annotated[str, StringConstraints(min_length=1, max_length=4000, pattern=TEXT), Trimmed]


class FollowUpCreate(StrictModel):
    question: LongText = Field(
        description=(
            "The question exactly as the candidate will read it: start from the hiring "
            "manager's waitlist question and reword it; their internal reasons are never sent"
        )
    )
    decision_id: uuid.UUID | None = Field(
        default=None,
        description="The waitlist decision this follow-up settles (default: the application's "
        "current waitlist decision, if any)",
    )


class FollowUpAnswerCreate(StrictModel):
    answer: AnswerText = Field(description="The candidate's answer, as plain text")
    link: Url | None = Field(default=None, description="Optionally, a link (http or https)")


@dataclass(frozen=True)
class UploadedDocument:
    """A file the candidate attached to an answer, as the transport received it."""

    filename: str
    claimed_content_type: str | None
    data: bytes


class FollowUpAnswerPublic(PublicModel):
    text: str
    link: str | None
    document_id: uuid.UUID | None
    document_filename: str | None
    answered_at: datetime


class FollowUpPublic(PublicModel):
    id: uuid.UUID
    application_id: uuid.UUID
    role_id: uuid.UUID
    candidate_id: uuid.UUID
    decision_id: uuid.UUID | None
    question: str
    state: FollowUpState
    sent_by_id: uuid.UUID | None
    sent_at: datetime
    reminder_due_at: datetime
    expires_at: datetime
    reminded_at: datetime | None
    closed_at: datetime | None
    answer: FollowUpAnswerPublic | None
    version: int


class FollowUpCreated(FollowUpPublic):
    """Returned once, to the sender: the candidate's link (also emailed to them)."""

    url: str


class FollowUpView(PublicModel):
    """What the candidate's page shows: nothing but what they need to answer."""

    candidate_first_name: str
    role_title: str
    organization_name: str
    question: str
    state: FollowUpState
    expires_at: datetime
    answered_at: datetime | None
    answer_text: str | None
    answer_link: str | None
    document_filename: str | None
    max_document_bytes: int
    allowed_document_types: list[str]
