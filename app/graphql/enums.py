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
InterviewResponse = enum_of(
    "InterviewResponse", interviews.Response, "An interviewer's answer to an invitation"
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
