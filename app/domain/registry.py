"""Imports every table model so that metadata is complete for Alembic and the tests."""

from app.domain.applications.models import Application, ApplicationTransition
from app.domain.audit.models import AuditEntry
from app.domain.availability.models import (
    AvailabilityLink,
    AvailabilityOverride,
    BusyBlock,
    CandidateWindow,
)
from app.domain.bookings.models import BookingHold, BookingLink
from app.domain.calendars.models import (
    CalendarChannelStop,
    CalendarConnection,
    CalendarEventWrite,
    CalendarOAuthState,
    MemberCalendar,
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
from app.domain.follow_ups.models import FollowUp
from app.domain.idempotency.models import IdempotencyRecord
from app.domain.integrations.models import (
    Connection,
    ExternalRef,
    InboundEvent,
    OutboundPush,
    SyncRun,
)
from app.domain.interviewer_pools.models import InterviewerPool, InterviewerPoolMember
from app.domain.interviews.models import Interview, InterviewParticipant
from app.domain.jobs.models import PeriodicJob
from app.domain.notifications.models import DigestRun, Notification
from app.domain.organizations.models import ApiKey, Member, Organization
from app.domain.privacy.models import CandidateErasure
from app.domain.roles.models import IntakeRevision, Role
from app.domain.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

__all__ = [
    "ApiKey",
    "Application",
    "ApplicationTransition",
    "AuditEntry",
    "AvailabilityLink",
    "AvailabilityOverride",
    "AwaitingOutcomeFlag",
    "BookingHold",
    "BookingLink",
    "BusyBlock",
    "CalendarChannelStop",
    "CalendarConnection",
    "CalendarEventWrite",
    "CalendarOAuthState",
    "Candidate",
    "CandidateErasure",
    "CandidateWindow",
    "Connection",
    "DigestRun",
    "Document",
    "Event",
    "ExternalRef",
    "FeedbackReminder",
    "FollowUp",
    "HiringDecision",
    "IdempotencyRecord",
    "InboundEvent",
    "IntakeRevision",
    "Interview",
    "InterviewParticipant",
    "InterviewerPool",
    "InterviewerPoolMember",
    "Member",
    "MemberCalendar",
    "Notification",
    "Offer",
    "Organization",
    "OutboundPush",
    "OutcomeMessage",
    "PeriodicJob",
    "RejectionReason",
    "Role",
    "Scorecard",
    "ScorecardRevision",
    "Slate",
    "SlateDecision",
    "SlateItem",
    "SyncRun",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
]
