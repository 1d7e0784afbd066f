"""What goes out for notifications and digests."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import Field

from app.domain.organizations.schemas import Cadence, Channel
from app.domain.types import PublicModel, StrictModel

NotificationStatus = Literal["pending", "sent", "failed", "cancelled"]

# What a notification is about: one kind per message the service sends (docs/notifications.md).
NotificationKind = Literal[
    "digest",
    "slate_review",
    "slate_reminder",
    "feedback_due_soon",
    "feedback_overdue",
    "interview_scheduled",
    "interview_rescheduled",
    "interview_cancelled",
    "interview_replacement_needed",
    "booking_booked",
    "booking_rescheduled",
    "booking_cancelled",
    "booking_no_options",
    "follow_up_sent",
    "follow_up_reminder",
    "outcome_rejection",
    "outcome_offer",
]
# How a notification goes out. Members who chose `webhook` or `none` for their updates still
# get the messages addressed to them by email.
NotificationChannel = Literal["email", "slack"]


class NotificationPublic(PublicModel):
    """A message the service sent, or will send, to a person by email or Slack, and how sending
    it went."""

    id: uuid.UUID = Field(description="The notification's id")
    kind: NotificationKind = Field(description="Which message it is (docs/notifications.md)")
    channel: NotificationChannel = Field(description="How it goes out: email or Slack")
    recipient: str = Field(description="An email address, or whose Slack webhook (never the URL)")
    member_id: uuid.UUID | None = Field(
        description="The member it is for; null when it is for a candidate"
    )
    candidate_id: uuid.UUID | None = Field(
        description="The candidate it is for; null when it is for a member"
    )
    outcome_message_id: uuid.UUID | None = Field(
        description="The outcome message it delivers, when it is one"
    )
    subject: str = Field(description="The email subject, or the Slack message's heading")
    body_text: str = Field(description="The message as plain text")
    attachments: list[str] = Field(description="File names of the attachments")
    status: NotificationStatus = Field(
        description="pending (waiting to be sent or retried), sent, failed (gave up after its "
        "attempts) or cancelled"
    )
    attempts: int = Field(description="How many times sending was tried")
    next_attempt_at: datetime = Field(
        description="When sending is tried next, in UTC (while pending)"
    )
    last_error: str | None = Field(
        description="Why the last attempt failed; null when none has failed"
    )
    sent_at: datetime | None = Field(description="When it was sent, in UTC; null until then")
    created_at: datetime = Field(description="When the message was made, in UTC")


class NotificationFilters(StrictModel):
    """Which notifications to list."""

    status: NotificationStatus | None = Field(default=None, description="Only this status")
    kind: NotificationKind | None = Field(default=None, description="Only this kind")
    member_id: uuid.UUID | None = Field(default=None, description="Only those for this member")


class DigestSlate(PublicModel):
    """A slate awaiting the hiring manager's review."""

    slate_id: uuid.UUID = Field(description="The slate's id")
    due_at: datetime | None = Field(description="When the review is due, in UTC; null: no date")
    undecided: int = Field(description="Candidates on it with no decision yet")


class DigestInterview(PublicModel):
    """An interview coming up for one of the hiring manager's roles."""

    interview_id: uuid.UUID = Field(description="The interview's id")
    kind: str = Field(description="The interview's kind, as the role's loop names it")
    start_at: datetime = Field(description="When it starts, in UTC")
    candidate_name: str = Field(description="The candidate's name")


class DigestOverdue(PublicModel):
    """A scorecard past its due time."""

    interview_id: uuid.UUID = Field(description="The interview it scores")
    interviewer_id: uuid.UUID = Field(description="The member who owes it")
    interviewer_name: str = Field(description="Their name")
    candidate_name: str = Field(description="The candidate's name")
    due_at: datetime = Field(description="When it was due, in UTC")


class DigestQuestion(PublicModel):
    """A recruiter's question on a slate item, waiting for the hiring manager."""

    slate_item_id: uuid.UUID = Field(description="The slate item it is about")
    candidate_name: str = Field(description="The candidate's name")
    question: str = Field(description="The question as asked")


class DigestProposal(PublicModel):
    """An intake revision proposed and waiting for sign-off."""

    revision_id: uuid.UUID = Field(description="The intake revision's id")
    number: int = Field(description="Its number within the role's intake")
    change_note: str = Field(description="What the proposer says changed")


class DigestAnswer(PublicModel):
    """A candidate's answer to a follow-up, waiting for the hiring manager's decision."""

    follow_up_id: uuid.UUID = Field(description="The follow-up's id")
    application_id: uuid.UUID = Field(description="The application it is about")
    candidate_name: str = Field(description="The candidate's name")
    question: str = Field(description="The question the candidate was sent")
    answer: str = Field(description="The candidate's answer, as plain text")
    link: str | None = Field(description="A link the candidate gave; null: none")
    has_document: bool = Field(description="Whether the candidate attached a document")
    answered_at: datetime = Field(description="When they answered, in UTC")


class DigestRole(PublicModel):
    """What a digest says about one of the hiring manager's open roles."""

    role_id: uuid.UUID = Field(description="The role's id")
    title: str = Field(description="The role's title")
    awaiting_review: list[DigestSlate] = Field(description="Slates awaiting your review")
    interviews: list[DigestInterview] = Field(description="Interviews coming up")
    feedback_overdue: list[DigestOverdue] = Field(description="Scorecards past their due time")
    questions: list[DigestQuestion] = Field(description="Recruiters' questions on slate items")
    proposals: list[DigestProposal] = Field(description="Intake revisions awaiting sign-off")
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
    """What a member's next digest would say, and when and where it would go."""

    member_id: uuid.UUID = Field(description="The member whose digest it is")
    cadence: Cadence = Field(description="How often the member gets a digest (their preference)")
    channel: Channel = Field(
        description="Where the digest goes (their preference); none: no digest is sent"
    )
    next_send_at: datetime | None = Field(
        description="When the next digest is due, in UTC; null when the channel is `none` or "
        "the member owns no open role. Set even when the digest is empty now: what it says is "
        "decided at that time"
    )
    period: str | None = Field(
        description="The period a digest is due for now and not yet sent (`daily:2026-03-02`); "
        "null when the next digest is for a later period or none is due"
    )
    roles: list[DigestRole] = Field(description="What it says, per role the member owns")
    empty: bool = Field(description="Nothing to say: no digest would be sent")
    text: str = Field(description="The digest as plain text, as it would be sent")
