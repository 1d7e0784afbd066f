"""Greenhouse's records and webhook payloads in our terms. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Literal

from app.integrations.ats.base import (
    ApplicationSeen,
    CandidateAnonymized,
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
)

# Actions whose payload is the application's whole current state.
_APPLICATION_STATE_ACTIONS = {
    "new_candidate_application": "seen",
    "new_prospect_application": "seen",
    "application_updated": "seen",
    "unreject_candidate": "seen",
    "unhire_candidate": "seen",
    "prospect_created": "seen",
    "candidate_stage_change": "stage",
    "reject_candidate": "rejected",
    "hire_candidate": "hired",
}
_OFFER_ACTIONS = {"offer_created", "offer_approved", "offer_updated", "offer_deleted"}

STATUS: dict[str, Literal["active", "rejected", "hired", "withdrawn"]] = {
    "active": "active",
    "in_process": "active",
    "rejected": "rejected",
    "hired": "hired",
    # A converted prospect application was replaced by a candidate application.
    "converted": "withdrawn",
}


def str_id(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return str(value)


def parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{moment.microsecond // 1000:03d}Z"
    )


def _first_value(entries: Any) -> str | None:
    """The first `value` of a Greenhouse contact list, preferring an entry marked primary."""
    if not isinstance(entries, list):
        return None
    ordered = sorted(
        (e for e in entries if isinstance(e, dict)), key=lambda e: e.get("primary") is not True
    )
    for entry in ordered:
        value = entry.get("value")
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _name(record: Mapping[str, Any]) -> str:
    parts = [record.get("first_name"), record.get("last_name")]
    name = " ".join(p.strip() for p in parts if isinstance(p, str) and p.strip())
    return name or str(record.get("name") or "")


_CANDIDATE_MAPPED = {"id", "first_name", "last_name", "email_addresses", "phone_numbers"}


def candidate_from(record: Mapping[str, Any], source: str | None = None) -> VendorCandidate:
    return VendorCandidate(
        external_id=str(record.get("id")),
        name=_name(record),
        email=_first_value(record.get("email_addresses")),
        phone=_first_value(record.get("phone_numbers")),
        source=source,
        extra={k: v for k, v in record.items() if k not in _CANDIDATE_MAPPED},
    )


def _source_name(source: Any) -> str | None:
    if isinstance(source, dict):
        name = source.get("public_name") or source.get("name")
        return str(name) if name else None
    return None


def _named(value: Any) -> str | None:
    if isinstance(value, dict):
        name = value.get("name")
        return str(name) if name else None
    return None


def _webhook_application(app: Mapping[str, Any]) -> VendorApplication:
    """A webhook `payload.application` (v1-era nested shape, as documented) in our terms."""
    candidate = app.get("candidate")
    if not isinstance(candidate, dict):
        raise ValueError("the application carries no candidate")
    jobs = app.get("jobs")
    job = jobs[0] if isinstance(jobs, list) and jobs and isinstance(jobs[0], dict) else None
    if job is None and isinstance(app.get("job"), dict):
        job = app["job"]
    return VendorApplication(
        external_id=str(app.get("id")),
        candidate=candidate_from(candidate, _source_name(app.get("source"))),
        job_external_id=str_id(job.get("id")) if job else None,
        job_title=str(job.get("name")) if job and job.get("name") else None,
        stage=_named(app.get("current_stage")),
        status=STATUS.get(str(app.get("status") or "active"), "active"),
        rejection_reason=_named(app.get("rejection_reason")),
        updated_at=parse_time(app.get("last_activity_at")),
    )


def parse_webhook(inbound: Inbound) -> list[Change]:
    action = inbound.event_type
    if inbound.ping or action == "ping":
        return [Ignored("ping")]
    payload = inbound.payload.get("payload")
    if not isinstance(payload, dict):
        return [Ignored(f"greenhouse {action}: no payload object")]
    try:
        return _parse_action(action, payload)
    except (KeyError, TypeError, ValueError) as exc:
        return [Ignored(f"greenhouse {action}: unexpected payload ({exc})")]


def _parse_action(action: str, payload: dict[str, Any]) -> list[Change]:
    kind = _APPLICATION_STATE_ACTIONS.get(action)
    if kind is not None:
        application = payload.get("application")
        if not isinstance(application, dict):
            return [Ignored(f"greenhouse {action}: no application")]
        vendor_app = _webhook_application(application)
        if kind == "stage":
            return [StageChanged(vendor_app)]
        if kind == "rejected":
            return [Rejected(vendor_app)]
        if kind == "hired":
            return [Hired(vendor_app)]
        return [ApplicationSeen(vendor_app)]
    if action in _OFFER_ACTIONS:
        offer = payload.get("offer") if action == "offer_deleted" else payload
        if not isinstance(offer, dict) or offer.get("application_id") is None:
            return [Ignored(f"greenhouse {action}: no offer")]
        status = "Deleted" if action == "offer_deleted" else offer.get("offer_status")
        return [
            OfferChanged(
                application_external_id=str(offer["application_id"]),
                offer_external_id=str(offer["id"]),
                status=str(status or "Created"),
            )
        ]
    if action == "merge_candidate":
        person = payload["person"]
        return [
            CandidatesMerged(
                kept_external_id=str(person["new_candidate_id"]),
                merged_external_id=str(person["id"]),
            )
        ]
    if action == "delete_candidate":
        return [CandidateDeleted(str(payload["person"]["id"]))]
    if action == "candidate_anonymized":
        return [CandidateAnonymized(str(payload["candidate_id"]))]
    return [Ignored(f"greenhouse action {action!r} is not mapped")]
