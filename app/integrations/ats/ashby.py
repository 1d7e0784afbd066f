"""Ashby: webhooks in, RPC-style API out.

Documented facts this adapter relies on (stored copies of the vendor's docs):

- Webhook signature: header ``Ashby-Signature: sha256=<hex>``, the hex HMAC-SHA256 of the raw
  request body keyed by the webhook's secret token; the part before ``=`` names the algorithm.
  https://developers.ashbyhq.com/docs/authenticating-webhooks
- Every payload is ``{"webhookActionId": ..., "action": ..., "data": {...}}``; webhookActionId is
  the same across retries of one event (and across webhooks configured for the same event),
  and related webhooks of one action (a hire: applicationUpdate, candidateStageChange,
  candidateHire) share it, so Inbound.vendor_event_id is ``<webhookActionId>:<action>``
  (`delivery_id`). https://developers.ashbyhq.com/docs/common-payload-data
- A ``ping`` action is sent when a webhook is created or edited; an error answer disables the
  webhook. https://developers.ashbyhq.com/docs/setting-up-webhooks
- Ashby retries failed deliveries with exponential backoff, up to 10 attempts, but not after
  401/403/404/405/410. https://developers.ashbyhq.com/docs/retries
- Payload shapes (application, offer, candidateDelete, candidateMerge, interviewSchedule...):
  https://developers.ashbyhq.com/reference/applicationsubmitwebhook and the neighbouring
  "Webhook Payloads" pages (e.g. /reference/candidatestagechangewebhook).
- API: ``POST https://api.ashbyhq.com/<endpoint>`` with a JSON body, HTTP Basic auth with the
  API key as the username and an empty password. Answers are ``{"success": true, "results":
  ...}`` or ``{"success": false, "errors": [...], "errorInfo": {"code", "message",
  "requestId"}}`` (often with HTTP 200); rate limits answer 429.
  https://developers.ashbyhq.com/reference/applicationlist (and the other endpoint pages),
  https://developers.ashbyhq.com/changelog/2026-10-14-identify-integration-partner-rate-limit-responses
- Pagination: list endpoints take ``cursor`` and ``limit`` and answer ``moreDataAvailable`` and
  ``nextCursor``; the last page carries a ``syncToken`` for incremental sync.
  https://developers.ashbyhq.com/docs/pagination-and-incremental-sync
- Writes: application.changeStage (interviewStageId; archiveReasonId is required for a stage of
  type Archived), interviewStage.list (stages of an interview plan, in order),
  archiveReason.list, application.info, candidate.createNote, feedbackFormDefinition.info,
  applicationFeedback.submit, interviewSchedule.create / .list / .update.

Credentials (Credentials.values):
- ``api_key`` (required): the Ashby API key.
- ``feedback_form_definition_id`` (optional): the feedback form our scorecards are submitted
  with through applicationFeedback.submit. Without it a scorecard goes in as a candidate note,
  because Ashby's feedback forms are defined per organisation and have no fixed fields.

Credentials.base_url overrides ``https://api.ashbyhq.com`` (a local fake in tests).

Incremental sync: Ashby has no "updated after" filter on these list endpoints (``createdAfter``
filters on creation only, and ``syncToken`` needs a token from an earlier full sync, which the
adapter interface has no place to keep), so ``updated_since`` is applied to each record's
``updatedAt`` while paging through the list.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

import httpx

from app.integrations.ats.base import (
    ApplicationSeen,
    CandidateDeleted,
    CandidatesMerged,
    Change,
    Credentials,
    ErasurePush,
    Hired,
    HirePush,
    Ignored,
    Inbound,
    InterviewPush,
    ListResource,
    OfferChanged,
    Push,
    Rejected,
    RejectionPush,
    ScorecardPush,
    StageChanged,
    StagePush,
    VendorApplication,
    VendorCandidate,
    VendorError,
    VendorJob,
    VendorPage,
    WebhookMalformed,
    WebhookRefused,
)
from app.integrations.http import request, throttle_for
from app.settings import Settings

API_ROOT = "https://api.ashbyhq.com"
SIGNATURE_HEADER = "ashby-signature"
PAGE_LIMIT = 100  # Ashby caps list pages at 100 results
LIST_ENDPOINTS: dict[str, str] = {
    "jobs": "job.list",
    "candidates": "candidate.list",
    "applications": "application.list",
}
# Error codes Ashby documents for rate and concurrency limits: worth retrying later.
TRANSIENT_CODES = frozenset({"rate_limit_exceeded", "concurrent_limit_exceeded"})
# Where we keep our interview id on the Ashby interview event we create.
INTERVIEW_MARKER = "hireloopInterviewId"

RECOMMENDATION_WORDS: dict[str, tuple[str, ...]] = {
    "strong_yes": ("strong hire", "strong yes", "strong_hire", "strong_yes", "definitely"),
    "yes": ("hire", "yes"),
    "no": ("no hire", "no", "no_hire"),
    "strong_no": ("strong no hire", "strong no", "strong_no_hire", "strong_no", "definitely not"),
}
RECOMMENDATION_TEXT = {
    "strong_yes": "Strong Hire",
    "yes": "Hire",
    "no": "No Hire",
    "strong_no": "Strong No Hire",
}


# --- small readers over untyped JSON -----------------------------------------------------


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _contact(value: Any) -> str | None:
    return _str(_dict(value).get("value"))


def _when(value: Any) -> datetime | None:
    text = _str(value)
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
        name=_str(raw.get("name")) or "",
        email=_contact(raw.get("primaryEmailAddress")),
        phone=_contact(raw.get("primaryPhoneNumber")),
        source=source or _str(_dict(raw.get("source")).get("title")),
        extra={k: v for k, v in raw.items() if k not in _CANDIDATE_MAPPED},
    )


def _status(raw: Mapping[str, Any]) -> Literal["active", "rejected", "hired", "withdrawn"]:
    status = raw.get("status")
    if status == "Hired":
        return "hired"
    if status == "Archived":
        reason_type = _dict(raw.get("archiveReason")).get("reasonType")
        return "withdrawn" if reason_type == "RejectedByCandidate" else "rejected"
    return "active"  # Active, Lead


def application_from(raw: Mapping[str, Any]) -> VendorApplication:
    """An application object as Ashby sends it (webhooks, application.list/info)."""
    job = _dict(raw.get("job"))
    candidate = _dict(raw.get("candidate"))
    status = _status(raw)
    return VendorApplication(
        external_id=str(raw.get("id") or ""),
        candidate=candidate_from(candidate, _str(_dict(raw.get("source")).get("title"))),
        job_external_id=_str(job.get("id")),
        job_title=_str(job.get("title")),
        stage=_str(_dict(raw.get("currentInterviewStage")).get("title")),
        status=status,
        rejection_reason=(
            _str(_dict(raw.get("archiveReason")).get("text"))
            if status in ("rejected", "withdrawn")
            else None
        ),
        updated_at=_when(raw.get("updatedAt")),
    )


def job_from(raw: Mapping[str, Any]) -> VendorJob:
    return VendorJob(
        external_id=str(raw.get("id") or ""),
        title=_str(raw.get("title")) or "",
        status=_str(raw.get("status")),
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
    action_id = _str(payload.get("webhookActionId"))
    if action_id is None:
        return "sha256:" + hashlib.sha256(body).hexdigest()
    action = _str(payload.get("action")) or "unknown"
    return f"{action_id}:{action}"


# --- the adapter -------------------------------------------------------------------------


class AshbyAdapter:
    provider = "ashby"

    # inbound

    def verify(
        self,
        headers: Mapping[str, str],
        body: bytes,
        secret: str,
        now: datetime,
        settings: Settings,
    ) -> Inbound:
        # Ashby's signature carries no timestamp, so there is no staleness to check; a replayed
        # delivery has the same webhookActionId and action, and is stored once by the inbox.
        header = headers.get(SIGNATURE_HEADER)
        if not header:
            raise WebhookRefused("unsigned: no Ashby-Signature header")
        if not secret:
            raise WebhookRefused("the connection has no webhook secret to verify with")
        algorithm, sep, digest = header.strip().partition("=")
        if not sep or algorithm.strip().lower() != "sha256":
            raise WebhookRefused("the Ashby-Signature header is not of the form sha256=<hex>")
        expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest().encode()
        given = digest.strip().lower().encode("utf-8", "replace")
        if not hmac.compare_digest(expected, given):
            raise WebhookRefused("the signature does not match the body")
        # The signature held: from here on a bad body is the sender's mistake, not a forgery.
        try:
            payload = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise WebhookMalformed("the body is not JSON; Ashby sends a JSON object") from exc
        if not isinstance(payload, dict):
            raise WebhookMalformed(
                f"the body is JSON but not a JSON object (a {type(payload).__name__}); "
                "Ashby sends a JSON object"
            )
        action = _str(payload.get("action")) or "unknown"
        return Inbound(
            vendor_event_id=delivery_id(payload, body),
            event_type=action,
            payload=payload,
            ping=action == "ping",
        )

    def parse(self, inbound: Inbound) -> list[Change]:
        if inbound.ping:
            return [Ignored("ping")]
        action = inbound.event_type
        data = _dict(inbound.payload.get("data"))
        application = _dict(data.get("application"))
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
            offer = _offer_change(_dict(data.get("offer")), application.get("id"))
            if offer is not None:
                changes.append(offer)
            return changes
        if action in ("offerCreate", "offerUpdate"):
            offer = _offer_change(_dict(data.get("offer")), None)
            return [offer] if offer is not None else [Ignored(f"{action}: incomplete offer")]
        if action == "candidateDelete":
            candidate_id = _str(_dict(data.get("candidate")).get("id"))
            if candidate_id is None:
                return [Ignored(f"{action}: the payload carries no candidate id")]
            return [CandidateDeleted(candidate_id)]
        if action == "candidateMerge":
            kept = _str(_dict(data.get("mergedCandidate")).get("id"))
            merged = _str(_dict(data.get("deletedCandidate")).get("id"))
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

    # outbound

    async def list_page(
        self,
        http: httpx.AsyncClient,
        credentials: Credentials,
        resource: ListResource,
        cursor: str | None,
        updated_since: datetime | None,
        settings: Settings,
    ) -> VendorPage:
        endpoint = LIST_ENDPOINTS.get(resource)
        if endpoint is None:
            raise VendorError(f"Ashby cannot list {resource}", transient=False)
        body: dict[str, Any] = {"limit": PAGE_LIMIT}
        if cursor:
            body["cursor"] = cursor
        data = await _call(http, credentials, endpoint, body, settings)
        raw_items = [r for r in data.get("results") or [] if isinstance(r, dict)]
        if updated_since is not None:
            raw_items = [r for r in raw_items if _updated_since(r, updated_since)]
        next_cursor = _str(data.get("nextCursor")) if data.get("moreDataAvailable") else None
        items: list[VendorJob] | list[VendorCandidate] | list[VendorApplication]
        if resource == "jobs":
            items = [job_from(r) for r in raw_items]
        elif resource == "candidates":
            items = [candidate_from(r) for r in raw_items]
        else:
            items = [application_from(r) for r in raw_items]
        return VendorPage(items=items, next_cursor=next_cursor)

    async def push(
        self, http: httpx.AsyncClient, credentials: Credentials, push: Push, settings: Settings
    ) -> None:
        if isinstance(push, ErasurePush):
            # Never planned (docs/privacy.md#ats-forwarding): the connection's health lists it instead.
            raise VendorError("Ashby erasures are done by hand", transient=False)
        app = await _call(
            http,
            credentials,
            "application.info",
            {"applicationId": push.application_external_id},
            settings,
        )
        application = _dict(app.get("results"))
        if isinstance(push, StagePush):
            await _push_stage(http, credentials, application, push, settings)
        elif isinstance(push, RejectionPush):
            await _push_rejection(http, credentials, application, push, settings)
        elif isinstance(push, HirePush):
            await _push_hire(http, credentials, application, settings)
        elif isinstance(push, ScorecardPush):
            await _push_scorecard(http, credentials, application, push, settings)
        else:
            await _push_interview(http, credentials, application, push, settings)


adapter = AshbyAdapter()


# --- helpers -----------------------------------------------------------------------------


def _offer_change(offer: Mapping[str, Any], application_id: Any) -> OfferChanged | None:
    offer_id = _str(offer.get("id"))
    app_id = _str(offer.get("applicationId")) or _str(application_id)
    status = _str(offer.get("offerStatus")) or _str(offer.get("acceptanceStatus"))
    if offer_id is None or app_id is None or status is None:
        return None
    return OfferChanged(application_external_id=app_id, offer_external_id=offer_id, status=status)


def _updated_since(raw: Mapping[str, Any], since: datetime) -> bool:
    updated = _when(raw.get("updatedAt"))
    return updated is None or updated >= since


def _root(credentials: Credentials) -> str:
    return (credentials.base_url or API_ROOT).rstrip("/")


async def _call(
    http: httpx.AsyncClient,
    credentials: Credentials,
    endpoint: str,
    body: Mapping[str, Any],
    settings: Settings,
) -> dict[str, Any]:
    """POST one Ashby RPC endpoint; the `success: false` answers become VendorError."""
    api_key = credentials.get("api_key")
    token = base64.b64encode(f"{api_key}:".encode()).decode()
    # One throttle per API key (its digest: the key itself never leaves this function).
    key = "ashby:" + hashlib.sha256(f"{_root(credentials)}|{api_key}".encode()).hexdigest()[:16]
    response = await request(
        http,
        "POST",
        f"{_root(credentials)}/{endpoint}",
        settings=settings,
        throttle=throttle_for(key),
        headers={
            "Authorization": f"Basic {token}",
            "Accept": "application/json",
            "Content-Type": "application/json",
        },
        json=dict(body),
    )
    try:
        data = response.json()
    except ValueError as exc:
        raise VendorError(
            f"Ashby answered {endpoint} with a body that is not JSON",
            transient=True,
            status=response.status_code,
        ) from exc
    if not isinstance(data, dict):
        raise VendorError(f"Ashby answered {endpoint} with an unexpected body", transient=False)
    if data.get("success") is not True:
        info = _dict(data.get("errorInfo"))
        errors = data.get("errors")
        code = _str(info.get("code")) or (
            str(errors[0]) if isinstance(errors, list) and errors else "unknown_error"
        )
        message = _str(info.get("message")) or ""
        raise VendorError(
            f"Ashby refused {endpoint}: {code}{': ' + message if message else ''}"[:400],
            transient=code in TRANSIENT_CODES,
            status=response.status_code,
        )
    return data


async def _stages(
    http: httpx.AsyncClient,
    credentials: Credentials,
    application: Mapping[str, Any],
    settings: Settings,
) -> list[dict[str, Any]]:
    """The stages of the application's interview plan, in order."""
    current = _dict(application.get("currentInterviewStage"))
    plan_id = _str(current.get("interviewPlanId"))
    if plan_id is None:
        job_id = _str(_dict(application.get("job")).get("id"))
        if job_id is None:
            raise VendorError("the Ashby application has no interview plan or job", transient=False)
        plan = await _call(http, credentials, "jobInterviewPlan.info", {"jobId": job_id}, settings)
        plan_id = _str(_dict(plan.get("results")).get("interviewPlanId"))
        if plan_id is None:
            raise VendorError("the Ashby job has no interview plan", transient=False)
    data = await _call(
        http, credentials, "interviewStage.list", {"interviewPlanId": plan_id}, settings
    )
    stages = [s for s in data.get("results") or [] if isinstance(s, dict)]
    return sorted(stages, key=lambda s: s.get("orderInInterviewPlan") or 0)


def _stage_of_type(stages: list[dict[str, Any]], stage_type: str) -> dict[str, Any]:
    for stage in stages:
        if stage.get("type") == stage_type:
            return stage
    raise VendorError(
        f"the application's Ashby interview plan has no stage of type {stage_type}",
        transient=False,
    )


async def _change_stage(
    http: httpx.AsyncClient,
    credentials: Credentials,
    application: Mapping[str, Any],
    stage_id: str,
    settings: Settings,
    archive_reason_id: str | None = None,
) -> None:
    body: dict[str, Any] = {"applicationId": application.get("id"), "interviewStageId": stage_id}
    if archive_reason_id is not None:
        body["archiveReasonId"] = archive_reason_id
    await _call(http, credentials, "application.changeStage", body, settings)


async def _push_stage(
    http: httpx.AsyncClient,
    credentials: Credentials,
    application: Mapping[str, Any],
    push: StagePush,
    settings: Settings,
) -> None:
    stages = await _stages(http, credentials, application, settings)
    by_title = {str(s.get("title", "")).strip().casefold(): s for s in reversed(stages)}
    stage = next(
        (by_title[w] for w in (n.strip().casefold() for n in push.wanted) if w in by_title), None
    )
    if stage is None:
        raise VendorError(
            f"the application's Ashby interview plan has no stage named {push.to_stage!r}",
            transient=False,
        )
    if stage.get("type") == "Archived":
        raise VendorError(
            "moving to an Archived stage needs an archive reason: push a rejection instead",
            transient=False,
        )
    if _dict(application.get("currentInterviewStage")).get("id") == stage.get("id"):
        return  # already there: nothing to write (and nothing to echo back)
    await _change_stage(http, credentials, application, str(stage["id"]), settings)


async def _push_rejection(
    http: httpx.AsyncClient,
    credentials: Credentials,
    application: Mapping[str, Any],
    push: RejectionPush,
    settings: Settings,
) -> None:
    if application.get("status") != "Archived":
        stage = _stage_of_type(await _stages(http, credentials, application, settings), "Archived")
        data = await _call(http, credentials, "archiveReason.list", {}, settings)
        reasons = [
            r for r in data.get("results") or [] if isinstance(r, dict) and not r.get("isArchived")
        ]
        if push.reason:
            wanted = push.reason.strip().casefold()
            reason = next((r for r in reasons if str(r.get("text", "")).casefold() == wanted), None)
            if reason is None:
                raise VendorError(
                    f"Ashby has no archive reason named {push.reason!r}", transient=False
                )
        else:
            reason = next((r for r in reasons if r.get("reasonType") == "RejectedByOrg"), None)
            reason = reason or (reasons[0] if reasons else None)
            if reason is None:
                raise VendorError("Ashby has no archive reason to reject with", transient=False)
        await _change_stage(
            http, credentials, application, str(stage["id"]), settings, str(reason["id"])
        )
    if push.note:
        await _note(http, credentials, application, push.note, settings)


async def _push_hire(
    http: httpx.AsyncClient,
    credentials: Credentials,
    application: Mapping[str, Any],
    settings: Settings,
) -> None:
    if application.get("status") == "Hired":
        return
    stage = _stage_of_type(await _stages(http, credentials, application, settings), "Hired")
    await _change_stage(http, credentials, application, str(stage["id"]), settings)


async def _note(
    http: httpx.AsyncClient,
    credentials: Credentials,
    application: Mapping[str, Any],
    text: str,
    settings: Settings,
) -> None:
    candidate_id = _str(_dict(application.get("candidate")).get("id"))
    if candidate_id is None:
        raise VendorError("the Ashby application has no candidate", transient=False)
    await _call(
        http,
        credentials,
        "candidate.createNote",
        {"candidateId": candidate_id, "note": {"type": "text/plain", "value": text}},
        settings,
    )


def _form_fields(form: Mapping[str, Any]) -> list[dict[str, Any]]:
    fields: list[dict[str, Any]] = []
    for section in form.get("sections") or []:
        for entry in _dict(section).get("fields") or []:
            field = _dict(_dict(entry).get("field"))
            if field.get("path"):
                fields.append(field)
    return fields


def _recommendation_value(field: Mapping[str, Any], recommendation: str) -> str | None:
    options = [_dict(o) for o in field.get("selectableValues") or []]
    words = RECOMMENDATION_WORDS.get(recommendation, ())
    for word in words:  # most specific first
        for option in options:
            if word in (str(option.get("label", "")).casefold(), str(option.get("value", ""))):
                return str(option.get("value"))
    return None


async def _push_scorecard(
    http: httpx.AsyncClient,
    credentials: Credentials,
    application: Mapping[str, Any],
    push: ScorecardPush,
    settings: Settings,
) -> None:
    recommendation = RECOMMENDATION_TEXT.get(push.recommendation, push.recommendation)
    text = (
        f"Scorecard from {push.interviewer_email} "
        f"({push.submitted_at.isoformat()}): {recommendation}\n\n{push.summary}"
    )
    form_id = credentials.values.get("feedback_form_definition_id")
    if not form_id:
        await _note(http, credentials, application, text, settings)
        return
    info = await _call(
        http,
        credentials,
        "feedbackFormDefinition.info",
        {"feedbackFormDefinitionId": form_id},
        settings,
    )
    form = _dict(info.get("results"))
    fields = _form_fields(_dict(form.get("formDefinition")) or form)
    submissions: list[dict[str, Any]] = []
    choice = next(
        (
            (f, v)
            for f in fields
            if f.get("type") == "ValueSelect"
            and (v := _recommendation_value(f, push.recommendation)) is not None
        ),
        None,
    )
    if choice is not None:
        submissions.append({"path": choice[0]["path"], "value": choice[1]})
    prose = next((f for f in fields if f.get("type") in ("RichText", "LongText")), None)
    if prose is not None:
        value: Any = (
            {"type": "PlainText", "value": text} if prose.get("type") == "RichText" else text
        )
        submissions.append({"path": prose["path"], "value": value})
    if not submissions:
        raise VendorError(
            "the configured Ashby feedback form has no recommendation or text field",
            transient=False,
        )
    await _call(
        http,
        credentials,
        "applicationFeedback.submit",
        {
            "applicationId": application.get("id"),
            "formDefinitionId": form_id,
            "feedbackForm": {"fieldSubmissions": submissions},
        },
        settings,
    )


def _event_body(push: InterviewPush) -> dict[str, Any]:
    return {
        "startTime": push.start_at.isoformat(),
        "endTime": push.end_at.isoformat(),
        "interviewers": [{"email": e, "feedbackRequired": True} for e in push.interviewer_emails],
        "extraData": {INTERVIEW_MARKER: push.interview_id},
    }


async def _find_event(
    http: httpx.AsyncClient,
    credentials: Credentials,
    application: Mapping[str, Any],
    interview_id: str,
    settings: Settings,
) -> tuple[str, str] | None:
    """(schedule id, event id) of the Ashby event we created for our interview, if any."""
    cursor: str | None = None
    while True:
        body: dict[str, Any] = {"applicationId": application.get("id"), "limit": PAGE_LIMIT}
        if cursor:
            body["cursor"] = cursor
        data = await _call(http, credentials, "interviewSchedule.list", body, settings)
        for schedule in data.get("results") or []:
            for event in _dict(schedule).get("interviewEvents") or []:
                event = _dict(event)
                if _dict(event.get("extraData")).get(INTERVIEW_MARKER) == interview_id:
                    return str(schedule["id"]), str(event["id"])
        cursor = _str(data.get("nextCursor")) if data.get("moreDataAvailable") else None
        if cursor is None:
            return None


async def _push_interview(
    http: httpx.AsyncClient,
    credentials: Credentials,
    application: Mapping[str, Any],
    push: InterviewPush,
    settings: Settings,
) -> None:
    # Looked up every time, so a retried "scheduled" push updates the event it already made.
    found = await _find_event(http, credentials, application, push.interview_id, settings)
    if push.status == "cancelled":
        if found is None:
            return  # never reached Ashby: nothing to cancel
        await _call(
            http,
            credentials,
            "interviewSchedule.update",
            {"interviewScheduleId": found[0], "interviewEventIdToCancel": found[1]},
            settings,
        )
        return
    if found is None:
        await _call(
            http,
            credentials,
            "interviewSchedule.create",
            {"applicationId": application.get("id"), "interviewEvents": [_event_body(push)]},
            settings,
        )
        return
    await _call(
        http,
        credentials,
        "interviewSchedule.update",
        {
            "interviewScheduleId": found[0],
            "interviewEvent": {**_event_body(push), "interviewEventId": found[1]},
        },
        settings,
    )
