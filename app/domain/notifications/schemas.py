"""What goes out for notifications and digests."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import Field

from app.domain.types import PublicModel, StrictModel

NotificationStatus = Literal["pending", "sent", "failed", "cancelled"]


class NotificationPublic(PublicModel):
    id: uuid.UUID
    kind: str
    channel: str
    recipient: str = Field(description="An email address, or whose Slack webhook (never the URL)")
    member_id: uuid.UUID | None
    candidate_id: uuid.UUID | None
    outcome_message_id: uuid.UUID | None
    subject: str
    body_text: str
    attachments: list[str] = Field(description="File names of the attachments")
    status: NotificationStatus
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    sent_at: datetime | None
    created_at: datetime


class NotificationFilters(StrictModel):
    status: NotificationStatus | None = None
    kind: str | None = Field(default=None, max_length=32)
    member_id: uuid.UUID | None = None


class DigestSlate(PublicModel):
    slate_id: uuid.UUID
    due_at: datetime | None
    undecided: int


class DigestInterview(PublicModel):
    interview_id: uuid.UUID
    kind: str
    start_at: datetime
    candidate_name: str


class DigestOverdue(PublicModel):
    interview_id: uuid.UUID
    interviewer_id: uuid.UUID
    interviewer_name: str
    candidate_name: str
    due_at: datetime


class DigestQuestion(PublicModel):
    slate_item_id: uuid.UUID
    candidate_name: str
    question: str


class DigestProposal(PublicModel):
    revision_id: uuid.UUID
    number: int
    change_note: str


class DigestAnswer(PublicModel):
    """A candidate's answer to a follow-up, waiting for the hiring manager's decision."""

    follow_up_id: uuid.UUID
    application_id: uuid.UUID
    candidate_name: str
    question: str
    answer: str
    link: str | None
    has_document: bool
    answered_at: datetime


class DigestRole(PublicModel):
    role_id: uuid.UUID
    title: str
    awaiting_review: list[DigestSlate]
    interviews: list[DigestInterview]
    feedback_overdue: list[DigestOverdue]
    questions: list[DigestQuestion]
    proposals: list[DigestProposal]
    answers: list[DigestAnswer] = Field(
        default_factory=list, description="Follow-up answers awaiting your decision"
    )
    pipeline: dict[str, int] = Field(description="Active applications per stage")

    @property
    def has_news(self) -> bool:
        return bool(
            self.awaiting_review
            or self.interviews
            or self.feedback_overdue
            or self.questions
            or self.proposals
            or self.answers
        )


class DigestPreviewPublic(PublicModel):
    member_id: uuid.UUID
    cadence: str
    channel: str
    next_send_at: datetime | None = Field(
        description="When the next digest is due, in UTC; null when the channel is `none` or "
        "the member owns no open role. Set even when the digest is empty now: what it says is "
        "decided at that time"
    )
    period: str | None
    roles: list[DigestRole]
    empty: bool = Field(description="Nothing to say: no digest would be sent")
    text: str
