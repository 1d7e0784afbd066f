"""Ashby's records and webhook payloads in our terms. Pure: no I/O."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

from app.integrations.ats.base import (
    ApplicationSeen,
    CandidateDeleted,
    CandidatesMerged,
    Change,
    Hired,
    Ignored,
    Inbound,
    OfferChanged,
    Rejected,
    StageChanged,
    VendorApplication,
    VendorCandidate,
    VendorJob,
)

# --- small readers over untyped JSON -----------------------------------------------------


def dict_or_empty(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _contact(value: Any) -> str | None:
    return str_or_none(dict_or_empty(value).get("value"))


def _when(value: Any) -> datetime | None:
    text = str_or_none(value)
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


_CANDIDATE_MAPPED = frozenset({"id", "name", "primaryEmailAddress", "primaryPhoneNumber", "source"})


def candidate_from(raw: Mapping[str, Any], source: str | None = None) -> VendorCandidate:
    """A candidate object as Ashby sends it (webhook application.candidate or candidate.list)."""
    return VendorCandidate(
        external_id=str(raw.get("id") or ""),
        name=str_or_none(raw.get("name")) or "",
        email=_contact(raw.get("primaryEmailAddress")),
        phone=_contact(raw.get("primaryPhoneNumber")),
        source=source or str_or_none(dict_or_empty(raw.get("source")).get("title")),
        extra={k: v for k, v in raw.items() if k not in _CANDIDATE_MAPPED},
    )


def _status(raw: Mapping[str, Any]) -> Literal["active", "rejected", "hired", "withdrawn"]:
    status = raw.get("status")
    if status == "Hired":
        return "hired"
    if status == "Archived":
        reason_type = dict_or_empty(raw.get("archiveReason")).get("reasonType")
        return "withdrawn" if reason_type == "RejectedByCandidate" else "rejected"
    return "active"  # Active, Lead


def application_from(raw: Mapping[str, Any]) -> VendorApplication:
    """An application object as Ashby sends it (webhooks, application.list/info)."""
    job = dict_or_empty(raw.get("job"))
    candidate = dict_or_empty(raw.get("candidate"))
    status = _status(raw)
    return VendorApplication(
        external_id=str(raw.get("id") or ""),
        candidate=candidate_from(
            candidate, str_or_none(dict_or_empty(raw.get("source")).get("title"))
        ),
        job_external_id=str_or_none(job.get("id")),
        job_title=str_or_none(job.get("title")),
        stage=str_or_none(dict_or_empty(raw.get("currentInterviewStage")).get("title")),
        status=status,
        rejection_reason=(
            str_or_none(dict_or_empty(raw.get("archiveReason")).get("text"))
            if status in ("rejected", "withdrawn")
            else None
        ),
        updated_at=_when(raw.get("updatedAt")),
    )


def job_from(raw: Mapping[str, Any]) -> VendorJob:
    return VendorJob(
        external_id=str(raw.get("id") or ""),
        title=str_or_none(raw.get("title")) or "",
        status=str_or_none(raw.get("status")),
    )


def delivery_id(payload: Mapping[str, Any], body: bytes) -> str:
    """What identifies one Ashby delivery: its webhookActionId *and* its action.

    Ashby documents webhookActionId as the same across the retries of one event and across the
    webhooks configured for the same event, and one action in Ashby (a hire) fires several
    webhook types with that one id: applicationUpdate, candidateStageChange and candidateHire
    each arrive with it. The id alone would keep whichever came first and drop the others, so
    the outcome would depend on the order of arrival; the pair is stored once, so a retry (or a
    second webhook for the same event type) is still a duplicate. A body without a
    webhookActionId is identified by its own digest, just as stable across retries."""
    action_id = str_or_none(payload.get("webhookActionId"))
    if action_id is None:
        return "sha256:" + hashlib.sha256(body).hexdigest()
    action = str_or_none(payload.get("action")) or "unknown"
    return f"{action_id}:{action}"


def parse_webhook(inbound: Inbound) -> list[Change]:
    if inbound.ping:
        return [Ignored("ping")]
    action = inbound.event_type
    data = dict_or_empty(inbound.payload.get("data"))
    application = dict_or_empty(data.get("application"))
    if action in ("applicationSubmit", "applicationUpdate"):
        if not application.get("id"):
            return [Ignored(f"{action}: the payload carries no application")]
        return [ApplicationSeen(application_from(application))]
    if action == "candidateStageChange":
        if not application.get("id"):
            return [Ignored(f"{action}: the payload carries no application")]
        seen = application_from(application)
        if seen.status in ("rejected", "withdrawn"):
            return [Rejected(seen)]
        if seen.status == "hired":
            return [Hired(seen)]
        return [StageChanged(seen)]
    if action == "candidateHire":
        if not application.get("id"):
            return [Ignored(f"{action}: the payload carries no application")]
        changes: list[Change] = [Hired(application_from(application))]
        offer = _offer_change(dict_or_empty(data.get("offer")), application.get("id"))
        if offer is not None:
            changes.append(offer)
        return changes
    if action in ("offerCreate", "offerUpdate"):
        offer = _offer_change(dict_or_empty(data.get("offer")), None)
        return [offer] if offer is not None else [Ignored(f"{action}: incomplete offer")]
    if action == "candidateDelete":
        candidate_id = str_or_none(dict_or_empty(data.get("candidate")).get("id"))
        if candidate_id is None:
            return [Ignored(f"{action}: the payload carries no candidate id")]
        return [CandidateDeleted(candidate_id)]
    if action == "candidateMerge":
        kept = str_or_none(dict_or_empty(data.get("mergedCandidate")).get("id"))
        merged = str_or_none(dict_or_empty(data.get("deletedCandidate")).get("id"))
        if kept is None or merged is None:
            return [Ignored(f"{action}: the payload lacks a candidate id")]
        return [CandidatesMerged(kept_external_id=kept, merged_external_id=merged)]
    if action == "offerDelete":
        return [Ignored("offerDelete: a deleted offer process is not mirrored")]
    if action in ("interviewScheduleCreate", "interviewScheduleUpdate"):
        return [Ignored(f"{action}: interviews are scheduled in Hireloop")]
    if action == "pushToHRIS":
        return [Ignored("pushToHRIS: an HRIS hand-off; the hire arrives as candidateHire")]
    return [Ignored(f"{action}: not an event Hireloop acts on")]


def _offer_change(offer: Mapping[str, Any], application_id: Any) -> OfferChanged | None:
    offer_id = str_or_none(offer.get("id"))
    app_id = str_or_none(offer.get("applicationId")) or str_or_none(application_id)
    status = str_or_none(offer.get("offerStatus")) or str_or_none(offer.get("acceptanceStatus"))
    if offer_id is None or app_id is None or status is None:
        return None
    return OfferChanged(application_external_id=app_id, offer_external_id=offer_id, status=status)


def changed_since(raw: Mapping[str, Any], since: datetime) -> bool:
    updated = _when(raw.get("updatedAt"))
    return updated is None or updated >= since
