"""GraphQL enums for the domain's closed sets, made from its `Literal` types.

The values are spelled as the domain (and REST) spells them (`open`, `hm_review`), so one
vocabulary serves both transports and a value added to a Literal appears here by itself. The
Python side of a field stays the domain's string: strawberry serializes a string by its enum
value, and an input's enum member is turned back into its value (app/graphql/mutate.py), so no
row pays for a conversion.
"""

from __future__ import annotations

import enum
from typing import Any, Literal, get_args

import strawberry

from app.domain.applications import pipeline
from app.domain.audit import schemas as audit
from app.domain.availability import schemas as availability
from app.domain.calendars import schemas as calendars
from app.domain.calibration import schemas as calibration
from app.domain.candidates import schemas as candidates
from app.domain.feedback import schemas as feedback
from app.domain.integrations import schemas as integrations
from app.domain.interviewer_pools import schemas as interviewer_pools
from app.domain.interviews import schemas as interviews
from app.domain.notifications import schemas as notifications
from app.domain.organizations import schemas as organizations
from app.domain.privacy import schemas as privacy
from app.domain.roles import schemas as roles
from app.domain.types import Weekday as WeekdayLiteral

# Closed sets the domain spells inline (REST's query parameters) rather than as a named Literal.
SyncKindLiteral = Literal["full", "incremental"]
InboundStatusLiteral = Literal["pending", "applied", "ignored", "failed"]

# Each enum by the values of its Literal: how app/graphql/derive.py finds a field's enum.
BY_VALUES: dict[frozenset[str], type[enum.Enum]] = {}


def enum_of(name: str, literal: Any, description: str) -> type[enum.Enum]:
    """A GraphQL enum with exactly the values of a domain Literal."""
    # A GraphQL name has no dots: `candidate.erased` is named `candidate_erased`, its value kept.
    members = {value.replace(".", "_"): value for value in get_args(literal)}
    made = enum.Enum(name, members, type=str)  # type: ignore[misc]
    BY_VALUES.setdefault(frozenset(members.values()), made)
    return strawberry.enum(made, description=description)


RoleStatus = enum_of("RoleStatus", roles.RoleStatus, "Where a role stands")
SettableRoleStatus = enum_of(
    "SettableRoleStatus",
    roles.SettableRoleStatus,
    "A role status one can set (filled follows hires)",
)
Workplace = enum_of("Workplace", roles.Workplace, "Where the work is done")
RevisionStatus = enum_of("IntakeRevisionStatus", roles.RevisionStatus, "An intake revision's state")
Stage = enum_of("ApplicationStage", pipeline.Stage, "A pipeline stage")
Outcome = enum_of("ApplicationOutcome", pipeline.Outcome, "How an application ended, or active")
TransitionAction = enum_of("TransitionAction", pipeline.Action, "What a transition does")
HistoryAction = enum_of("HistoryAction", pipeline.HistoryAction, "What a history entry did")
Source = enum_of("CandidateSource", candidates.Source, "Where a candidate came from")
DocumentKind = enum_of("DocumentKind", candidates.DocumentKind, "What a document is")
SlateDecision = enum_of("SlateDecision", calibration.Decision, "A hiring manager's slate call")
ReasonCategory = enum_of(
    "ReasonCategory", calibration.ReasonCategory, "Why a candidate was turned down"
)
SlateStatus = enum_of("SlateStatus", calibration.SlateStatus, "Where a slate stands")
Recommendation = enum_of(
    "Recommendation", feedback.Recommendation, "An interviewer's overall recommendation"
)
Rating = enum_of("Rating", feedback.Rating, "An interviewer's rating of one skill")
DecisionKind = enum_of("HiringDecisionKind", feedback.DecisionKind, "A decision after interviews")
OfferStatus = enum_of("OfferStatus", feedback.OfferStatus, "Where an offer stands")
InterviewStatus = enum_of("InterviewStatus", interviews.InterviewStatus, "An interview's state")
NewInterviewStatus = enum_of(
    "NewInterviewStatus",
    interviews.NewInterviewStatus,
    "How new interviews start: scheduled (invitations go out) or proposed (held until confirmed)",
)
SettableInterviewStatus = enum_of(
    "SettableInterviewStatus",
    interviews.SettableInterviewStatus,
    "A status one sets by hand: completed or no_show after the interview, scheduled to confirm "
    "a proposed one",
)
InterviewResponse = enum_of(
    "InterviewResponse", interviews.Response, "An interviewer's answer to an invitation"
)
InterviewerSeat = enum_of(
    "InterviewerSeat",
    interviewer_pools.Seat,
    "Where a member sits on an interview: interviewer, or a trainee's shadow or reverse_shadow",
)
PermissionSet = enum_of("PermissionSet", organizations.PermissionSetName, "What a member may do")
Cadence = enum_of("UpdateCadence", organizations.Cadence, "How often a member hears of changes")
Channel = enum_of("UpdateChannel", organizations.Channel, "Where a member hears of changes")
InterviewCalendar = enum_of(
    "InterviewCalendar", organizations.InterviewCalendar, "Whose calendar holds interviews"
)
Weekday = enum_of("Weekday", WeekdayLiteral, "A day of the week")
ErasureReason = enum_of("ErasureReason", privacy.ErasureReason, "Why a candidate is erased")
ErasureSource = enum_of("ErasureSource", privacy.ErasureSource, "Where an erasure came from")
CalendarProvider = enum_of("CalendarProvider", calendars.Provider, "A calendar provider")
CalendarScope = enum_of("CalendarScope", calendars.Scope, "Whose a calendar connection is")
Invitations = enum_of("Invitations", calendars.Invitations, "Who sends interview invitations")
ConnectionStatus = enum_of(
    "CalendarConnectionStatus", calendars.ConnectionStatus, "A calendar connection's state"
)
Access = enum_of("CalendarAccess", calendars.Access, "What a calendar connection may do")
NotificationStatus = enum_of(
    "NotificationStatus", notifications.NotificationStatus, "Where sending a notification stands"
)
AtsProvider = enum_of("AtsProvider", integrations.Provider, "An applicant tracking system")
SyncKind = enum_of("AtsSyncKind", SyncKindLiteral, "What a sync imports")
InboundStatus = enum_of(
    "AtsInboundStatus", InboundStatusLiteral, "What became of a vendor event received"
)
AuditAction = enum_of("AuditAction", audit.AuditAction, "A sensitive action the audit trail keeps")
BusySource = enum_of("BusySource", availability.BusySource, "Where busy time came from")
ScorecardStatus = enum_of(
    "ScorecardStatus", feedback.ScorecardStatus, "Whether a scorecard is a draft or submitted"
)
OutcomeKind = enum_of(
    "OutcomeMessageKind", feedback.OutcomeKind, "What an outcome message tells the candidate"
)
OutcomeStatus = enum_of(
    "OutcomeMessageStatus", feedback.OutcomeStatus, "Where sending an outcome message stands"
)

# ATS connections, calendars and webhook endpoints (app/graphql/integrations.py, calendars.py,
# webhooks.py). Webhook event types stay strings: the catalogue grows (webhooks/schemas.py).
from app.domain.webhooks import schemas as webhooks  # noqa: E402

AtsConnectionStatus = enum_of(
    "AtsConnectionStatus",
    integrations.ConnectionStatus,
    "Whether an ATS connection applies, pushes and syncs (active) or only stores (paused)",
)
AtsSyncStatus = enum_of("AtsSyncStatus", integrations.SyncStatus, "Where a sync stands")
AtsSyncResource = enum_of(
    "AtsSyncResource", integrations.SyncResource, "Which of the vendor's records a sync reads"
)
CalendarSyncStatus = enum_of(
    "CalendarSyncStatus", calendars.CalendarSyncStatus, "How reading a calendar goes"
)
CalendarPush = enum_of(
    "CalendarPush", calendars.PushMode, "How changes to a calendar reach Hireloop"
)
WebhookEndpointStatus = enum_of(
    "WebhookEndpointStatus", webhooks.EndpointStatus, "Whether a webhook endpoint is sent events"
)
WebhookDeliveryStatus = enum_of(
    "WebhookDeliveryStatus", webhooks.DeliveryStatus, "Where a webhook delivery stands"
)

# Events, notifications and link templates (h14evt).
from app.domain.events import schemas as events  # noqa: E402

EventType = enum_of(
    "EventType", events.EventTypeName, "A type of the event catalogue (docs/events.md)"
)
EventResourceType = enum_of(
    "EventResourceType", events.EventResourceType, "What kind of record an event is about"
)
NotificationKind = enum_of(
    "NotificationKind", notifications.NotificationKind, "Which message a notification is"
)
NotificationChannel = enum_of(
    "NotificationChannel", notifications.NotificationChannel, "How a notification goes out"
)
LinkKind = enum_of("LinkKind", organizations.LinkKind, "What a link template links to")
AuditSubjectType = enum_of(
    "AuditSubjectType", audit.AuditSubjectType, "What kind of record an audit entry is about"
)

# Slates, fit checks, intakes and follow-ups (h14cal).
from app.domain.follow_ups import schemas as follow_ups  # noqa: E402

FollowUpState = enum_of(
    "FollowUpState", follow_ups.FollowUpState, "Where a follow-up question to a candidate stands"
)
SuggestionKind = enum_of(
    "SuggestionKind", calibration.SuggestionKind, "What a role's insights suggest changing"
)
SkillFitStatus = enum_of(
    "SkillFitStatus", calibration.SkillFitStatus, "Whether a candidate has a must-have skill"
)
SkillCategory = enum_of("SkillCategory", roles.SkillCategory, "What kind of skill it is")
SkillPriority = enum_of("SkillPriority", roles.SkillPriority, "Must-have or nice-to-have")
NegotiableVariable = enum_of(
    "NegotiableVariable", roles.NegotiableVariable, "What of a role's intake may move"
)
IntakeChangeKind = enum_of(
    "IntakeChangeKind", roles.IntakeChangeKind, "How a field changed between intake revisions"
)

# Availability and booking links (h14avail).
from app.domain.bookings import schemas as bookings  # noqa: E402

BusyBlockSource = enum_of(
    "BusyBlockSource",
    availability.BusyBlockSource,
    "Where a busy block came from: typed in (manual), a sync's source, a connected calendar, "
    "or a hold for a booking link",
)
WindowEnteredBy = enum_of(
    "WindowEnteredBy",
    availability.WindowEnteredBy,
    "Who entered a candidate's window: the candidate by a link, or the recruiter for them",
)
BookingLinkStatus = enum_of("BookingLinkStatus", bookings.LinkStatus, "Where a booking link stands")
HoldReleaseReason = enum_of(
    "HoldReleaseReason", bookings.HoldReleaseReason, "Why a hold on an offered option was let go"
)
BookingPolicyField = enum_of(
    "BookingPolicyField", bookings.BookingPolicyField, "A value of the booking policy"
)

# Interviews and interviewer pools (h14iv).
InterviewerPoolMemberStatus = enum_of(
    "InterviewerPoolMemberStatus",
    interviewer_pools.PoolStatus,
    "Where a member of an interviewer pool stands: trained, or in_training (sitting shadow rounds)",
)
