"""Lever's payloads in our terms: webhooks (ids only) and opportunities read from the API.
Pure: no I/O. Lever stage and archive reason ids are kept as ids (the connection's map is keyed
by id)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from app.integrations.ats.base import (
    ApplicationSeen,
    CandidateDeleted,
    Change,
    Hired,
    Ignored,
    Inbound,
    Rejected,
    StageChanged,
    VendorApplication,
    VendorCandidate,
)

# Archive reason ids Lever reported as type "hired", learnt whenever the adapter reads
# /archive_reasons. Reason ids are account-unique UUIDs, so one set serves every connection.
# parse_webhook() uses it to tell a hire from a rejection in candidateArchiveChange; unknown ids are
# read as rejections (Lever also sends candidateHired for a hire).
hired_reason_ids: set[str] = set()


def _ms(value: Any) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return datetime.fromtimestamp(value / 1000, tz=UTC)


def str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _id_of(value: Any) -> str | None:
    """A Lever reference is an id string, or an object with an id once expanded."""
    if isinstance(value, dict):
        return str_or_none(value.get("id"))
    return str_or_none(value)


def parse_webhook(inbound: Inbound) -> list[Change]:
    event = inbound.event_type
    data = inbound.payload.get("data")
    if not isinstance(data, dict):
        return [Ignored(f"{event or 'event'} without data")]
    opportunity = str_or_none(data.get("opportunityId")) or str_or_none(data.get("candidateId"))
    contact = str_or_none(data.get("contactId")) or str_or_none(data.get("candidateId"))
    if event in ("candidateDeleted",):
        if contact is None:
            return [Ignored("candidateDeleted without a contact id")]
        return [CandidateDeleted(candidate_external_id=contact)]
    if event in ("contactCreated", "contactUpdated"):
        return [Ignored(f"{event}: contact details are aligned by the next sync")]
    if event.startswith("interview"):
        return [Ignored(f"{event}: interviews are scheduled in Hireloop")]
    if event not in (
        "applicationCreated",
        "candidateStageChange",
        "candidateArchiveChange",
        "candidateHired",
    ):
        return [Ignored(f"unhandled Lever event {event or '(none)'}")]
    if opportunity is None or contact is None:
        return [Ignored(f"{event} without opportunity or contact id")]
    triggered = _ms(inbound.payload.get("triggeredAt"))
    # Lever webhooks carry ids only; the candidate's details come with the next sync.
    candidate = VendorCandidate(external_id=contact, name="")
    if event == "applicationCreated":
        return [
            ApplicationSeen(
                VendorApplication(
                    external_id=opportunity,
                    candidate=candidate,
                    job_external_id=str_or_none(data.get("postingId")),
                    updated_at=triggered,
                )
            )
        ]
    if event == "candidateStageChange":
        return [
            StageChanged(
                VendorApplication(
                    external_id=opportunity,
                    candidate=candidate,
                    job_external_id=None,
                    stage=str_or_none(data.get("toStageId")),
                    updated_at=triggered,
                )
            )
        ]
    if event == "candidateHired":
        return [
            Hired(
                VendorApplication(
                    external_id=opportunity,
                    candidate=candidate,
                    job_external_id=None,
                    status="hired",
                    updated_at=triggered,
                )
            )
        ]
    # candidateArchiveChange
    to_archived = data.get("toArchived")
    if not isinstance(to_archived, dict):
        # Unarchived: active again. The worker reads the opportunity before applying
        # (fetch_application), so the reopened state and its stage come from Lever itself.
        return [
            ApplicationSeen(
                VendorApplication(
                    external_id=opportunity,
                    candidate=candidate,
                    job_external_id=None,
                    status="active",
                    updated_at=triggered,
                )
            )
        ]
    reason = str_or_none(to_archived.get("reason"))
    if reason is not None and reason in hired_reason_ids:
        return [
            Hired(
                VendorApplication(
                    external_id=opportunity,
                    candidate=candidate,
                    job_external_id=None,
                    status="hired",
                    updated_at=_ms(to_archived.get("archivedAt")) or triggered,
                )
            )
        ]
    return [
        Rejected(
            VendorApplication(
                external_id=opportunity,
                candidate=candidate,
                job_external_id=None,
                status="rejected",
                rejection_reason=reason,
                updated_at=_ms(to_archived.get("archivedAt")) or triggered,
            )
        )
    ]


def candidate_from(opportunity: dict[str, Any]) -> VendorCandidate:
    emails = [e for e in opportunity.get("emails") or [] if isinstance(e, str) and e]
    phones = [
        p.get("value")
        for p in opportunity.get("phones") or []
        if isinstance(p, dict) and isinstance(p.get("value"), str) and p.get("value")
    ]
    sources = [s for s in opportunity.get("sources") or [] if isinstance(s, str) and s]
    extra = {
        key: opportunity[key]
        for key in ("headline", "location", "links", "tags", "origin", "isAnonymized")
        if opportunity.get(key) not in (None, "", [], False)
    }
    contact = str_or_none(opportunity.get("contact")) or str(opportunity["id"])
    return VendorCandidate(
        external_id=contact,
        name=str_or_none(opportunity.get("name")) or "",
        email=emails[0] if emails else None,
        phone=phones[0] if phones else None,
        source=sources[0] if sources else None,
        extra=extra,
    )


def application_from(opportunity: dict[str, Any], hired_reason_ids: set[str]) -> VendorApplication:
    posting: str | None = None
    for application in opportunity.get("applications") or []:
        if isinstance(application, dict):
            posting = _id_of(application.get("posting"))
            if posting:
                break
    archived = opportunity.get("archived")
    status: Any = "active"
    reason: str | None = None
    if isinstance(archived, dict):
        reason = str_or_none(archived.get("reason"))
        status = "hired" if reason in hired_reason_ids else "rejected"
    return VendorApplication(
        external_id=str(opportunity["id"]),
        candidate=candidate_from(opportunity),
        job_external_id=posting,
        stage=_id_of(opportunity.get("stage")),
        status=status,
        rejection_reason=reason if status == "rejected" else None,
        updated_at=_ms(opportunity.get("updatedAt")),
    )
