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
    """A question for a candidate, sent to them by email with a link to answer."""

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
    """The candidate's answer, given once through their link."""

    answer: AnswerText = Field(description="The candidate's answer, as plain text")
    link: Url | None = Field(default=None, description="Optionally, a link (http or https)")


@dataclass(frozen=True)
class UploadedDocument:
    """A file the candidate attached to an answer, as the transport received it."""

    filename: str
    claimed_content_type: str | None
    data: bytes


class FollowUpAnswerPublic(PublicModel):
    """The candidate's answer to a follow-up, as plain text."""

    text: str = Field(description="The answer, as plain text (render it escaped)")
    link: str | None = Field(description="The link they gave, if any (http or https)")
    document_id: uuid.UUID | None = Field(
        description="The document they attached, if any (kept with the candidate's documents)"
    )
    document_filename: str | None = Field(description="That document's file name")
    answered_at: datetime = Field(description="When they answered (UTC)")


class FollowUpPublic(PublicModel):
    """A question sent to a candidate (usually to settle a waitlist) and its answer."""

    id: uuid.UUID = Field(description="The follow-up's id")
    application_id: uuid.UUID = Field(description="The application it is about")
    role_id: uuid.UUID = Field(description="That application's role")
    candidate_id: uuid.UUID = Field(description="The candidate asked")
    decision_id: uuid.UUID | None = Field(
        description="The waitlist decision it settles; null when it settles none"
    )
    question: str = Field(description="The question exactly as the candidate reads it")
    state: FollowUpState = Field(
        description="sent, reminded (a reminder went out), answered, expired (no answer in "
        "time) or withdrawn (by a recruiter)"
    )
    sent_by_id: uuid.UUID | None = Field(
        description="The member who sent it; null when that member was removed"
    )
    sent_at: datetime = Field(description="When it was sent (UTC)")
    reminder_due_at: datetime = Field(
        description="When the candidate is reminded if they have not answered (UTC)"
    )
    expires_at: datetime = Field(description="When the link stops taking an answer (UTC)")
    reminded_at: datetime | None = Field(description="When the reminder went out; null before")
    closed_at: datetime | None = Field(
        description="When it was answered, expired or withdrawn; null while open"
    )
    answer: FollowUpAnswerPublic | None = Field(description="The answer; null until answered")
    version: int = Field(description="Increases with every change")


class FollowUpCreated(FollowUpPublic):
    """Returned once, to the sender: the candidate's link (also emailed to them)."""

    url: str = Field(description="The candidate's link to answer (also emailed to them)")


class FollowUpView(PublicModel):
    """What the candidate's page shows: nothing but what they need to answer."""

    candidate_first_name: str = Field(description="The candidate's first name, to greet them")
    role_title: str = Field(description="The title of the role they applied to")
    organization_name: str = Field(description="The organization asking")
    question: str = Field(description="The question")
    state: FollowUpState = Field(description="Whether it still takes an answer")
    expires_at: datetime = Field(description="When the link stops taking an answer (UTC)")
    answered_at: datetime | None = Field(description="When they answered; null before")
    answer_text: str | None = Field(description="Their answer, once given")
    answer_link: str | None = Field(description="The link they gave, if any")
    document_filename: str | None = Field(description="The file they attached, if any")
    max_document_bytes: int = Field(description="The largest file they may attach, in bytes")
    allowed_document_types: list[str] = Field(description="The media types they may attach")
