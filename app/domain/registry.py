"""Imports every table model so that metadata is complete for Alembic and the tests."""

from app.domain.applications.models import Application, ApplicationTransition
from app.domain.availability.models import (
    AvailabilityLink,
    AvailabilityOverride,
    BusyBlock,
    CandidateWindow,
)
from app.domain.calibration.models import Slate, SlateDecision, SlateItem
from app.domain.candidates.models import Candidate, Document
from app.domain.events.models import Event
from app.domain.feedback.models import (
    AwaitingOutcomeFlag,
    FeedbackReminder,
    HiringDecision,
    Offer,
    OutcomeMessage,
    RejectionReason,
    Scorecard,
    ScorecardRevision,
)
from app.domain.idempotency.models import IdempotencyRecord
from app.domain.integrations.models import Connection, ExternalRef
from app.domain.interviews.models import Interview, InterviewParticipant
from app.domain.organizations.models import ApiKey, Member, Organization
from app.domain.roles.models import IntakeRevision, Role

__all__ = [
    "ApiKey",
    "Application",
    "ApplicationTransition",
    "AvailabilityLink",
    "AvailabilityOverride",
    "AwaitingOutcomeFlag",
    "BusyBlock",
    "Candidate",
    "CandidateWindow",
    "Connection",
    "Document",
    "Event",
    "ExternalRef",
    "FeedbackReminder",
    "HiringDecision",
    "IdempotencyRecord",
    "IntakeRevision",
    "Interview",
    "InterviewParticipant",
    "Member",
    "Offer",
    "Organization",
    "OutcomeMessage",
    "RejectionReason",
    "Role",
    "Scorecard",
    "ScorecardRevision",
    "Slate",
    "SlateDecision",
    "SlateItem",
]
