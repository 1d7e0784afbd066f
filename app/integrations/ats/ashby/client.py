"""Ashby's RPC-style API: backfill pages and pushes. Every call goes through
app.integrations.http (SSRF guard, throttle, retries, Retry-After); Ashby's `success: false`
answers become VendorError."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import httpx

from app.integrations.ats.ashby.config import AshbyConfig
from app.integrations.ats.ashby.mapping import (
    application_from,
    candidate_from,
    changed_since,
    dict_or_empty,
    job_from,
    str_or_none,
)
from app.integrations.ats.base import (
    Credentials,
    ErasurePush,
    HirePush,
    InterviewPush,
    ListResource,
    Push,
    RejectionPush,
    ScorecardPush,
    StagePush,
    VendorApplication,
    VendorCandidate,
    VendorError,
    VendorJob,
    VendorPage,
)
from app.integrations.http import request, throttle_for
from app.settings import Settings

API_ROOT = "https://api.ashbyhq.com"
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


async def list_page(
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
        raw_items = [r for r in raw_items if changed_since(r, updated_since)]
    next_cursor = str_or_none(data.get("nextCursor")) if data.get("moreDataAvailable") else None
    items: list[VendorJob] | list[VendorCandidate] | list[VendorApplication]
    if resource == "jobs":
        items = [job_from(r) for r in raw_items]
    elif resource == "candidates":
        items = [candidate_from(r) for r in raw_items]
    else:
        items = [application_from(r) for r in raw_items]
    return VendorPage(items=items, next_cursor=next_cursor)


async def push_change(
    http: httpx.AsyncClient, credentials: Credentials, push: Push, settings: Settings
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
    application = dict_or_empty(app.get("results"))
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


# --- helpers -----------------------------------------------------------------------------


def _root(credentials: Credentials) -> str:
    return (AshbyConfig.of(credentials).base_url or API_ROOT).rstrip("/")


async def _call(
    http: httpx.AsyncClient,
    credentials: Credentials,
    endpoint: str,
    body: Mapping[str, Any],
    settings: Settings,
) -> dict[str, Any]:
    """POST one Ashby RPC endpoint; the `success: false` answers become VendorError."""
    api_key = AshbyConfig.of(credentials).api_key.get_secret_value()
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
        info = dict_or_empty(data.get("errorInfo"))
        errors = data.get("errors")
        code = str_or_none(info.get("code")) or (
            str(errors[0]) if isinstance(errors, list) and errors else "unknown_error"
        )
        message = str_or_none(info.get("message")) or ""
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
    current = dict_or_empty(application.get("currentInterviewStage"))
    plan_id = str_or_none(current.get("interviewPlanId"))
    if plan_id is None:
        job_id = str_or_none(dict_or_empty(application.get("job")).get("id"))
        if job_id is None:
            raise VendorError("the Ashby application has no interview plan or job", transient=False)
        plan = await _call(http, credentials, "jobInterviewPlan.info", {"jobId": job_id}, settings)
        plan_id = str_or_none(dict_or_empty(plan.get("results")).get("interviewPlanId"))
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
    if dict_or_empty(application.get("currentInterviewStage")).get("id") == stage.get("id"):
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
    candidate_id = str_or_none(dict_or_empty(application.get("candidate")).get("id"))
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
        for entry in dict_or_empty(section).get("fields") or []:
            field = dict_or_empty(dict_or_empty(entry).get("field"))
            if field.get("path"):
                fields.append(field)
    return fields


def _recommendation_value(field: Mapping[str, Any], recommendation: str) -> str | None:
    options = [dict_or_empty(o) for o in field.get("selectableValues") or []]
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
    form_id = AshbyConfig.of(credentials).feedback_form_definition_id
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
    form = dict_or_empty(info.get("results"))
    fields = _form_fields(dict_or_empty(form.get("formDefinition")) or form)
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
            for event in dict_or_empty(schedule).get("interviewEvents") or []:
                event = dict_or_empty(event)
                if dict_or_empty(event.get("extraData")).get(INTERVIEW_MARKER) == interview_id:
                    return str(schedule["id"]), str(event["id"])
        cursor = str_or_none(data.get("nextCursor")) if data.get("moreDataAvailable") else None
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
