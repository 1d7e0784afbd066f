"""Which GraphQL field answers each REST operation, or why none does.

tests/test_graphql_parity.py holds this table against the app's OpenAPI and the GraphQL schema:
a REST operation with no row, a row naming a GraphQL field that does not exist, and a row for an
operation that no longer exists all fail it. A coordinate is `Type.field` (`Query.roles`,
`Mutation.createRole`, `Role.slates`: reached through its parent).
"""

from __future__ import annotations

# REST operation ("METHOD /path" as in the OpenAPI) -> the GraphQL field that does the same.
PARITY: dict[str, str] = {
    # Organization, members, API keys
    "GET /api/v1/organization": "Query.organization",
    "GET /api/v1/members": "Query.members",
    "POST /api/v1/members": "Mutation.createMember",
    "GET /api/v1/members/{member_id}": "Query.member",
    "PATCH /api/v1/members/{member_id}": "Mutation.updateMember",
    "GET /api/v1/members/{member_id}/preferences": "Member.preferences",
    "PATCH /api/v1/members/{member_id}/preferences": "Mutation.updatePreferences",
    "GET /api/v1/members/{member_id}/calendars": "Member.calendars",
    "POST /api/v1/api-keys": "Mutation.createApiKey",
    "POST /api/v1/api-keys/{key_id}/revoke": "Mutation.revokeApiKey",
    "POST /api/v1/api-keys/{key_id}/rotate": "Mutation.rotateApiKey",
    "GET /api/v1/close-the-loop": "Organization.closeTheLoop",
    # Roles and intake
    "GET /api/v1/roles": "Query.roles",
    "POST /api/v1/roles": "Mutation.createRole",
    "GET /api/v1/roles/{role_id}": "Query.role",
    "PATCH /api/v1/roles/{role_id}": "Mutation.updateRole",
    "GET /api/v1/roles/{role_id}/applications": "Role.applications",
    "GET /api/v1/roles/{role_id}/dashboard": "Role.dashboard",
    "GET /api/v1/roles/{role_id}/external-refs": "Role.externalRefs",
    "PUT /api/v1/roles/{role_id}/external-refs": "Mutation.linkRoleExternalRef",
    "GET /api/v1/roles/{role_id}/fit-check/{candidate_id}": "Query.fitCheck",
    "GET /api/v1/roles/{role_id}/insights": "Role.insights",
    "GET /api/v1/roles/{role_id}/intake": "Role.intake",
    "GET /api/v1/roles/{role_id}/intake/revisions": "Role.intakeRevisions",
    "POST /api/v1/roles/{role_id}/intake/revisions": "Mutation.proposeIntakeRevision",
    "GET /api/v1/roles/{role_id}/intake/revisions/{number}": "Role.intakeRevisions",
    "POST /api/v1/roles/{role_id}/intake/revisions/{number}/sign-off": (
        "Mutation.signOffIntakeRevision"
    ),
    "GET /api/v1/roles/{role_id}/offers": "Role.offers",
    "GET /api/v1/roles/{role_id}/slates": "Role.slates",
    # Candidates and applications
    "GET /api/v1/candidates": "Query.candidates",
    "POST /api/v1/candidates": "Mutation.createCandidate",
    "GET /api/v1/candidates/{candidate_id}": "Query.candidate",
    "PATCH /api/v1/candidates/{candidate_id}": "Mutation.updateCandidate",
    "GET /api/v1/candidates/{candidate_id}/applications": "Candidate.applications",
    "GET /api/v1/candidates/{candidate_id}/documents": "Candidate.documents",
    "POST /api/v1/candidates/{candidate_id}/erase": "Mutation.eraseCandidate",
    "POST /api/v1/applications": "Mutation.createApplication",
    "GET /api/v1/applications/{application_id}": "Query.application",
    "PATCH /api/v1/applications/{application_id}": "Mutation.updateApplication",
    "POST /api/v1/applications/{application_id}/transitions": "Mutation.transitionApplication",
    "GET /api/v1/applications/{application_id}/history": "Application.history",
    "GET /api/v1/applications/{application_id}/packet": "Application.packet",
    "GET /api/v1/applications/{application_id}/scorecard-summary": ("Application.scorecardSummary"),
    "GET /api/v1/applications/{application_id}/decision": "Application.decision",
    "POST /api/v1/applications/{application_id}/decision": "Mutation.decideApplication",
    # Calibration
    "POST /api/v1/slates": "Mutation.createSlate",
    "GET /api/v1/slates/{slate_id}": "Query.slate",
    "PATCH /api/v1/slates/{slate_id}": "Mutation.updateSlate",
    "POST /api/v1/slates/{slate_id}/send": "Mutation.sendSlate",
    "POST /api/v1/slates/{slate_id}/items/{item_id}/decision": "Mutation.decideSlateItem",
    # Interviews and feedback
    "POST /api/v1/interviews": "Mutation.scheduleInterviews",
    "GET /api/v1/interviews/{interview_id}": "Query.interview",
    "POST /api/v1/interviews/{interview_id}/cancel": "Mutation.cancelInterview",
    "POST /api/v1/interviews/{interview_id}/reschedule": "Mutation.rescheduleInterview",
    "POST /api/v1/interviews/{interview_id}/response": "Mutation.respondToInterview",
    "POST /api/v1/interviews/{interview_id}/status": "Mutation.setInterviewStatus",
    "GET /api/v1/interviews/{interview_id}/prep": "Interview.packet",
    "PUT /api/v1/interviews/{interview_id}/scorecard": "Mutation.writeScorecard",
    "GET /api/v1/interviews/{interview_id}/scorecards": "Interview.scorecards",
    "POST /api/v1/scheduling/suggestions": "Query.schedulingSuggestions",
    "POST /api/v1/offers": "Mutation.createOffer",
    "POST /api/v1/offers/{offer_id}/transitions": "Mutation.moveOffer",
    # Calendars
    "GET /api/v1/calendar-connections": "Query.calendarConnections",
    "POST /api/v1/calendar-connections": "Mutation.createCalendarConnection",
    "GET /api/v1/calendar-connections/{connection_id}": "Query.calendarConnection",
    "PATCH /api/v1/calendar-connections/{connection_id}": "Mutation.updateCalendarConnection",
    "DELETE /api/v1/calendar-connections/{connection_id}": "Mutation.deleteCalendarConnection",
    "POST /api/v1/calendar-connections/oauth/start": "Mutation.startCalendarOAuth",
    "PATCH /api/v1/calendars/{calendar_id}": "Mutation.updateMemberCalendar",
    # Rejection reasons, offers, outcome messages, notifications, events, API keys
    "GET /api/v1/api-keys": "Query.apiKeys",
    "GET /api/v1/rejection-reasons": "Query.rejectionReasons",
    "POST /api/v1/rejection-reasons": "Mutation.createRejectionReason",
    "PATCH /api/v1/rejection-reasons/{reason_id}": "Mutation.updateRejectionReason",
    "GET /api/v1/offers/{offer_id}": "Query.offer",
    "PATCH /api/v1/offers/{offer_id}": "Mutation.updateOffer",
    "GET /api/v1/applications/{application_id}/outcome-messages": "Query.outcomeMessages",
    "PATCH /api/v1/outcome-messages/{message_id}": "Mutation.updateOutcomeMessage",
    "GET /api/v1/notifications": "Query.notifications",
    "GET /api/v1/events": "Query.events",
    # Webhook endpoints
    "GET /api/v1/webhook-endpoints": "Query.webhookEndpoints",
    "POST /api/v1/webhook-endpoints": "Mutation.createWebhookEndpoint",
    "GET /api/v1/webhook-endpoints/{endpoint_id}": "Query.webhookEndpoint",
    "PATCH /api/v1/webhook-endpoints/{endpoint_id}": "Mutation.updateWebhookEndpoint",
    "DELETE /api/v1/webhook-endpoints/{endpoint_id}": "Mutation.deleteWebhookEndpoint",
    "GET /api/v1/webhook-endpoints/{endpoint_id}/deliveries": "Query.webhookDeliveries",
    "GET /api/v1/webhook-endpoints/{endpoint_id}/attempts": "Query.webhookAttempts",
    "POST /api/v1/webhook-endpoints/{endpoint_id}/deliveries/{delivery_id}/redeliver": "Mutation.redeliverWebhook",
    "POST /api/v1/webhook-endpoints/{endpoint_id}/disable": "Mutation.disableWebhookEndpoint",
    "POST /api/v1/webhook-endpoints/{endpoint_id}/enable": "Mutation.enableWebhookEndpoint",
    "POST /api/v1/webhook-endpoints/{endpoint_id}/rotate-secret": "Mutation.rotateWebhookSecret",
    "POST /api/v1/webhook-endpoints/{endpoint_id}/test": "Mutation.sendWebhookTest",
    # Follow-ups
    "POST /api/v1/applications/{application_id}/follow-ups": "Mutation.sendFollowUp",
    "GET /api/v1/applications/{application_id}/follow-ups": "Query.followUps",
    "GET /api/v1/follow-ups/{follow_up_id}": "Query.followUp",
    "POST /api/v1/follow-ups/{follow_up_id}/withdraw": "Mutation.withdrawFollowUp",
    # Interviewer pools and replacements
    "GET /api/v1/interviewer-pools": "Query.interviewerPools",
    "POST /api/v1/interviewer-pools": "Mutation.createInterviewerPool",
    "GET /api/v1/interviewer-pools/{pool_id}": "Query.interviewerPool",
    "PATCH /api/v1/interviewer-pools/{pool_id}": "Mutation.updateInterviewerPool",
    "POST /api/v1/interviewer-pools/{pool_id}/members": "Mutation.addInterviewerPoolMember",
    "PATCH /api/v1/interviewer-pools/{pool_id}/members/{member_id}": (
        "Mutation.updateInterviewerPoolMember"
    ),
    "DELETE /api/v1/interviewer-pools/{pool_id}/members/{member_id}": (
        "Mutation.removeInterviewerPoolMember"
    ),
    "POST /api/v1/interviewer-pools/{pool_id}/members/{member_id}/sign-off": (
        "Mutation.signOffInterviewer"
    ),
    "POST /api/v1/interviews/{interview_id}/replacements": "Mutation.replaceInterviewer",
    # Booking links (the recruiter's side)
    "POST /api/v1/booking-links": "Mutation.createBookingLink",
    "GET /api/v1/booking-links/{link_id}": "Query.bookingLink",
    "POST /api/v1/booking-links/{link_id}/withdraw": "Mutation.withdrawBookingLink",
    "GET /api/v1/booking-policy": "Query.bookingPolicy",
    "PATCH /api/v1/booking-policy": "Mutation.updateBookingPolicy",
    # Link templates: REST sets (a URL) or removes (null) several kinds in one PATCH; GraphQL
    # does one kind per call, Mutation.setLinkTemplate or Mutation.removeLinkTemplate.
    "GET /api/v1/organization/link-templates": "Query.linkTemplates",
    "PATCH /api/v1/organization/link-templates": "Mutation.setLinkTemplate",
    "PATCH /api/v1/organization": "Mutation.updateOrganization",
    "GET /api/v1/roles/{role_id}/intake/diff": "Query.intakeDiff",
    "GET /api/v1/interviews": "Query.interviews",
    "GET /api/v1/interviews/{interview_id}/scorecards/{interviewer_id}/revisions": (
        "Query.scorecardRevisions"
    ),
    "GET /api/v1/members/{member_id}/digest/preview": "Query.digestPreview",
    "GET /api/v1/audit": "Query.auditEntries",
    # Availability
    "GET /api/v1/members/{member_id}/availability/overrides": "Query.availabilityOverrides",
    "PUT /api/v1/members/{member_id}/availability/overrides": ("Mutation.setAvailabilityOverride"),
    "DELETE /api/v1/members/{member_id}/availability/overrides/{day}": (
        "Mutation.deleteAvailabilityOverride"
    ),
    "GET /api/v1/members/{member_id}/busy-blocks": "Query.busyBlocks",
    "POST /api/v1/members/{member_id}/busy-blocks": "Mutation.addBusyBlock",
    "DELETE /api/v1/members/{member_id}/busy-blocks/{block_id}": "Mutation.deleteBusyBlock",
    "GET /api/v1/applications/{application_id}/candidate-windows": "Query.candidateWindows",
    "PUT /api/v1/applications/{application_id}/candidate-windows": ("Mutation.setCandidateWindows"),
    "POST /api/v1/applications/{application_id}/availability-links": (
        "Mutation.createAvailabilityLink"
    ),
    # Integrations (ATS connections)
    "GET /api/v1/integrations": "Query.atsConnections",
    "POST /api/v1/integrations": "Mutation.createAtsConnection",
    "GET /api/v1/integrations/{connection_id}": "Query.atsConnection",
    "PATCH /api/v1/integrations/{connection_id}": "Mutation.updateAtsConnection",
    "DELETE /api/v1/integrations/{connection_id}": "Mutation.deleteAtsConnection",
    "POST /api/v1/integrations/{connection_id}/pause": "Mutation.pauseAtsConnection",
    "POST /api/v1/integrations/{connection_id}/resume": "Mutation.resumeAtsConnection",
    "GET /api/v1/integrations/{connection_id}/events": "Query.atsInboundEvents",
    "GET /api/v1/integrations/{connection_id}/sync": "Query.atsSync",
    "POST /api/v1/integrations/{connection_id}/sync": "Mutation.startAtsSync",
}

# REST operations GraphQL deliberately does not offer, and why.
NO_GRAPHQL: dict[str, str] = {
    "GET /healthz": "Operations probe for the load balancer, not part of the API",
    "GET /readyz": "Operations probe for the load balancer, not part of the API",
    "GET /metrics": "Prometheus scrape endpoint, not part of the API",
    "GET /api/v1/candidates/{candidate_id}/documents/{document_id}/content": (
        "Binary download; GraphQL answers JSON (Candidate.documents gives the metadata)"
    ),
    "GET /api/v1/applications/{application_id}/packet/documents/{document_id}": (
        "Binary download; GraphQL answers JSON (Application.packet lists the documents)"
    ),
    "POST /api/v1/candidates/{candidate_id}/documents": (
        "Multipart file upload; GraphQL over JSON carries no files"
    ),
    "GET /api/v1/interviews/{interview_id}/invite.ics": (
        "An iCalendar file for calendar clients, not JSON"
    ),
    "GET /api/v1/candidates/{candidate_id}/export": (
        "The GDPR Art. 15/20 export is a downloadable document for the data subject"
    ),
    "GET /api/v1/calendar-connections/oauth/callback": (
        "The provider redirects the member's browser here; no client calls it"
    ),
    "POST /api/v1/calendar-push/{provider}": (
        "Called by calendar providers with their own signed payloads, not by clients"
    ),
    "POST /api/v1/integrations/{connection_id}/webhooks": (
        "Called by the ATS vendor with its own signed payloads, not by clients"
    ),
    "GET /api/v1/public/availability/{token}": (
        "The candidate's page, authorized by its link token rather than an API key"
    ),
    "POST /api/v1/public/availability/{token}": (
        "The candidate's page, authorized by its link token rather than an API key"
    ),
    "GET /api/v1/public/bookings/{token}": (
        "The candidate's booking page, authorized by its link token rather than an API key"
    ),
    "POST /api/v1/public/bookings/{token}/book": (
        "The candidate's booking page, authorized by its link token rather than an API key"
    ),
    "POST /api/v1/public/bookings/{token}/reschedule": (
        "The candidate's booking page, authorized by its link token rather than an API key"
    ),
    "POST /api/v1/public/bookings/{token}/cancel": (
        "The candidate's booking page, authorized by its link token rather than an API key"
    ),
    "GET /api/v1/public/follow-ups/{token}": (
        "The candidate's answer page, authorized by its link token rather than an API key"
    ),
    "POST /api/v1/public/follow-ups/{token}": (
        "The candidate's answer page, authorized by its link token rather than an API key"
    ),
    "POST /api/v1/public/follow-ups/{token}/answer-with-document": (
        "The candidate's answer with a file, by link token; GraphQL over JSON carries no files"
    ),
}

# Operations GraphQL should offer and does not yet: each is a gap to close, named here so that
# it is seen (and so a new route is never silently absent).
NOT_YET: dict[str, str] = {}
