"""Every event type the service records, what it means and what its `data` carries.

docs/events.md is checked against this table by a test, so the two cannot drift.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EventType:
    name: str
    description: str
    data: tuple[str, ...]


_MOVE = ("application_id", "role_id", "from_stage", "to_stage", "outcome", "reason")

_OFFER = ("offer_id", "application_id", "status")

CATALOGUE: dict[str, EventType] = {
    e.name: e
    for e in (
        EventType("organization.updated", "The organization's settings changed.", ("changed",)),
        EventType(
            "member.created", "A member joined the organization.", ("member_id", "permission_set")
        ),
        EventType(
            "member.updated",
            "A member's profile, permission set or availability changed.",
            ("member_id", "changed"),
        ),
        EventType(
            "member.preferences_updated",
            "A member's update preferences changed.",
            ("member_id", "changed"),
        ),
        EventType(
            "api_key.created", "An API key was issued to a member.", ("api_key_id", "member_id")
        ),
        EventType(
            "api_key.rotated",
            "An API key was replaced by a new one; the old one works until old_key_expires_at.",
            ("api_key_id", "member_id", "replaced_by", "old_key_expires_at"),
        ),
        EventType(
            "api_key.revoked",
            "An API key was revoked and stopped working.",
            ("api_key_id", "member_id"),
        ),
        EventType("role.created", "A role was opened for hiring.", ("role_id", "title", "status")),
        EventType(
            "role.updated",
            "A role's fields changed (status changes included).",
            ("role_id", "changed"),
        ),
        EventType(
            "intake.revised",
            "A new intake revision was proposed for a role.",
            ("role_id", "revision", "change_note"),
        ),
        EventType(
            "intake.signed_off",
            "The recruiter or the hiring manager signed off an intake revision.",
            ("role_id", "revision", "side"),
        ),
        EventType(
            "intake.agreed",
            "Both sides signed off: the revision is the role's agreed intake.",
            ("role_id", "revision"),
        ),
        EventType(
            "candidate.created",
            "A candidate was added, with consent and source recorded.",
            ("candidate_id", "source"),
        ),
        EventType(
            "candidate.updated", "A candidate's profile changed.", ("candidate_id", "changed")
        ),
        EventType(
            "candidate.merged",
            "Another candidate record was folded into this one (in the ATS or here).",
            ("candidate_id", "merged_candidate_id"),
        ),
        EventType(
            "candidate.deleted",
            "The candidate was erased with their applications and documents.",
            ("candidate_id",),
        ),
        EventType(
            "candidate.erased",
            "The candidate was erased (GDPR Art. 17): nothing identifying them is kept; "
            "past events about them keep ids only.",
            ("candidate_id", "application_ids", "external_refs"),
        ),
        EventType(
            "document.uploaded",
            "A document was stored for a candidate.",
            ("candidate_id", "document_id", "kind"),
        ),
        EventType(
            "application.created",
            "A candidate entered a role's pipeline.",
            ("application_id", "candidate_id", "role_id", "stage"),
        ),
        EventType(
            "application.updated",
            "Screening notes or the recruiter's assessment changed.",
            ("application_id", "changed"),
        ),
        EventType("application.moved", "An application moved to another stage.", _MOVE),
        EventType("application.rejected", "An application was rejected.", _MOVE),
        EventType("application.withdrawn", "The candidate withdrew.", _MOVE),
        EventType("application.reopened", "An ended application became active again.", _MOVE),
        EventType("application.hired", "The candidate was hired.", _MOVE),
        EventType(
            "slate.sent",
            "A slate of candidates went to the hiring manager for review.",
            ("slate_id", "role_id", "hiring_manager_id", "application_ids", "due_at"),
        ),
        EventType(
            "application.reviewed",
            "The hiring manager decided on a candidate of a slate (approve, reject or waitlist).",
            ("application_id", "slate_id", "decision", "revision", "settled_by_follow_up_id"),
        ),
        EventType(
            "slate.reviewed",
            "Every candidate of a slate has a decision.",
            ("slate_id", "role_id", "approved", "rejected", "waitlisted"),
        ),
        EventType(
            "availability.offered",
            "The candidate's offered windows were set (by a recruiter or through their link).",
            ("application_id", "windows", "entered_by"),
        ),
        EventType(
            "follow_up.sent",
            "A recruiter sent the candidate a follow-up question (usually to settle a waitlist).",
            ("follow_up_id", "application_id", "role_id", "decision_id", "expires_at"),
        ),
        EventType(
            "follow_up.reminded",
            "The candidate was reminded, once, of a follow-up they have not answered.",
            ("follow_up_id", "application_id"),
        ),
        EventType(
            "follow_up.answered",
            "The candidate answered a follow-up through their link.",
            (
                "follow_up_id",
                "application_id",
                "role_id",
                "answered_at",
                "has_link",
                "has_document",
            ),
        ),
        EventType(
            "follow_up.expired",
            "A follow-up passed its expiry without an answer.",
            ("follow_up_id", "application_id", "role_id"),
        ),
        EventType(
            "follow_up.withdrawn",
            "A recruiter withdrew a follow-up before it was answered.",
            ("follow_up_id", "application_id"),
        ),
        EventType(
            "interview.scheduled",
            "An interview was scheduled (or proposed).",
            (
                "interview_id",
                "application_id",
                "kind",
                "start_at",
                "end_at",
                "interviewer_ids",
                "status",
            ),
        ),
        EventType(
            "interview.rescheduled",
            "An interview moved; its invitation SEQUENCE rose.",
            ("interview_id", "application_id", "previous_start_at", "start_at", "end_at", "reason"),
        ),
        EventType(
            "interview.cancelled",
            "An interview was cancelled.",
            ("interview_id", "application_id", "reason"),
        ),
        EventType(
            "interview.responded",
            "An interviewer answered the invitation.",
            ("interview_id", "member_id", "response"),
        ),
        EventType(
            "hold.placed",
            "A booking link's offered options were held on the interviewers' time (busy for "
            "suggestions, tentative in their calendars).",
            ("link_id", "application_id", "hold_ids", "member_ids", "expires_at"),
        ),
        EventType(
            "hold.released",
            "A booking link's holds were released: booked, re-offered, expired, withdrawn or "
            "cancelled.",
            ("link_id", "application_id", "hold_ids", "reason"),
        ),
        EventType(
            "interview.declined",
            "An interviewer declined the interview, in Hireloop or in their own calendar.",
            ("interview_id", "member_id", "via"),
        ),
        EventType(
            "interview.reassigned",
            "A declined interviewer was replaced from the interview's pool; the time did not move.",
            (
                "interview_id",
                "application_id",
                "pool_id",
                "replaced_member_id",
                "replacement_member_id",
                "reason",
                "replacements",
            ),
        ),
        EventType(
            "interview.replacement_needed",
            "A declined interviewer could not be replaced automatically; the recruiter was told.",
            ("interview_id", "application_id", "member_id", "reason"),
        ),
        EventType(
            "interviewer_pool.created",
            "An interviewer pool was created.",
            ("pool_id", "name"),
        ),
        EventType(
            "interviewer_pool.updated",
            "An interviewer pool's name, kind, skill or training rounds changed.",
            ("pool_id", "changed"),
        ),
        EventType(
            "interviewer_pool.member_added",
            "A member joined an interviewer pool, trained or in training.",
            ("pool_id", "member_id", "status"),
        ),
        EventType(
            "interviewer_pool.member_updated",
            "A pool member's preferences (earliest start, daily or weekly cap) changed.",
            ("pool_id", "member_id", "changed"),
        ),
        EventType(
            "interviewer_pool.member_removed",
            "A member left an interviewer pool.",
            ("pool_id", "member_id"),
        ),
        EventType(
            "interviewer.trained",
            "A trainee finished their shadow and reverse-shadow rounds and was signed off.",
            ("pool_id", "member_id", "signed_off_by", "shadows_done", "reverse_shadows_done"),
        ),
        EventType(
            "interview.confirmed",
            "A proposed interview was confirmed as scheduled.",
            ("interview_id", "application_id", "status"),
        ),
        EventType(
            "interview.completed",
            "An interview took place (recorded, or its end passed).",
            ("interview_id", "application_id", "status"),
        ),
        EventType(
            "interview.missed",
            "The candidate did not show up.",
            ("interview_id", "application_id", "status"),
        ),
        EventType(
            "feedback.submitted",
            "An interviewer submitted their scorecard.",
            (
                "interview_id",
                "application_id",
                "scorecard_id",
                "interviewer_id",
                "recommendation",
                "revision",
            ),
        ),
        EventType(
            "feedback.amended",
            "A submitted scorecard was amended (the earlier version is kept).",
            (
                "interview_id",
                "application_id",
                "scorecard_id",
                "interviewer_id",
                "recommendation",
                "revision",
            ),
        ),
        EventType(
            "feedback.due_soon",
            "An interviewer's scorecard is due soon (recorded once).",
            ("interview_id", "interviewer_id"),
        ),
        EventType(
            "feedback.overdue",
            "An interviewer's scorecard is overdue (recorded once).",
            ("interview_id", "interviewer_id"),
        ),
        EventType(
            "rejection_reason.created",
            "An admin added a rejection reason to the catalogue.",
            ("rejection_reason_id", "code"),
        ),
        EventType(
            "rejection_reason.updated",
            "A rejection reason was relabelled or retired.",
            ("rejection_reason_id", "changed"),
        ),
        EventType(
            "application.decided",
            "The hiring manager decided after interviews: advance, reject or offer.",
            ("application_id", "decision", "rejection_reason_id"),
        ),
        EventType(
            "offer.created", "An offer was drafted.", ("offer_id", "application_id", "role_id")
        ),
        EventType("offer.approved", "An offer was approved.", _OFFER),
        EventType("offer.sent", "An offer went to the candidate.", _OFFER),
        EventType("offer.accepted", "The candidate accepted; they are hired.", _OFFER),
        EventType("offer.declined", "The candidate declined the offer.", _OFFER),
        EventType("offer.rescinded", "The offer was withdrawn.", _OFFER),
        EventType(
            "outcome.scheduled",
            "The candidate is owed an outcome message (rejection or offer), due at send_at.",
            ("message_id", "application_id", "kind", "send_at"),
        ),
        EventType(
            "outcome.updated",
            "A recruiter delayed or personalised an outcome message.",
            ("message_id", "application_id", "send_at", "changed"),
        ),
        EventType(
            "outcome.sent",
            "The outcome message reached the candidate.",
            ("message_id", "application_id", "kind"),
        ),
        EventType(
            "candidate.awaiting_outcome",
            "An interviewed candidate is near the close-the-loop deadline without an outcome (recorded once).",
            ("application_id",),
        ),
        EventType(
            "external_ref.linked",
            "A record was linked to its id in another system.",
            ("resource_type", "resource_id", "connection_id", "external_id"),
        ),
        EventType(
            "calendar.connected",
            "A calendar account was connected (organization-wide by an admin, or a member's own).",
            ("connection_id", "provider", "scope"),
        ),
        EventType(
            "calendar.updated",
            "A calendar connection changed (name, credentials, status, invitations, video), or a "
            "member chose which calendars count as busy and which receives interviews.",
            ("connection_id", "provider", "changed"),
        ),
        EventType(
            "calendar.disconnected",
            "A calendar connection was deleted with its calendars and mirrored busy time.",
            ("connection_id", "provider"),
        ),
        EventType(
            "calendar.needs_reauth",
            "The provider refused the connection's grant (revoked consent, changed password): "
            "nothing is read or written until it is reconnected.",
            ("connection_id", "provider"),
        ),
        EventType(
            "calendar.sync_failed",
            "A calendar could not be read several times in a row; until it is read again, "
            "suggestions name its owner as not checked.",
            ("connection_id", "provider", "calendar_id", "member_id", "failures"),
        ),
        EventType(
            "connection.created",
            "An admin connected an ATS.",
            ("connection_id", "provider"),
        ),
        EventType(
            "connection.updated",
            "An ATS connection's name, credentials, secret, maps or status (paused/active) changed.",
            ("connection_id", "changed"),
        ),
        EventType(
            "connection.deleted",
            "An ATS connection was deleted; records it brought stay.",
            ("connection_id", "provider"),
        ),
        EventType(
            "sync.started",
            "A full import or a reconciliation from an ATS began.",
            ("connection_id", "sync_id", "kind", "status", "created", "updated", "errors"),
        ),
        EventType(
            "sync.finished",
            "An import or reconciliation from an ATS finished (or failed); counts included.",
            ("connection_id", "sync_id", "kind", "status", "created", "updated", "errors"),
        ),
        EventType(
            "endpoint.created",
            "A webhook endpoint was registered.",
            ("endpoint_id", "url", "event_types"),
        ),
        EventType(
            "endpoint.updated",
            "A webhook endpoint's URL, event types or description changed, it was enabled, or its secret was rotated.",
            ("endpoint_id", "changed"),
        ),
        EventType(
            "endpoint.disabled",
            "A webhook endpoint stopped receiving: disabled by an admin, answered 410, or failed every attempt for days.",
            ("endpoint_id", "reason"),
        ),
        EventType("endpoint.deleted", "A webhook endpoint was deleted.", ("endpoint_id", "url")),
        EventType(
            "webhook.test",
            "A test event an admin sent to one endpoint; no other endpoint receives it.",
            ("endpoint_id", "message"),
        ),
        EventType(
            "notification.failed",
            "A message to a person could not be delivered after every retry.",
            ("notification_id", "kind", "channel", "error"),
        ),
        EventType(
            "digest.ready",
            "A hiring manager whose update channel is `webhook` has a digest; data carries it.",
            ("member_id", "period", "roles"),
        ),
    )
}
