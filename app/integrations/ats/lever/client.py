"""Lever's REST API (v1): backfill pages, the vocabulary (stages, archive reasons), one
opportunity's current state and the pushes. Every call goes through app.integrations.http
(SSRF guard, throttle, retries, Retry-After)."""

from __future__ import annotations

import base64
import hashlib
import time
from dataclasses import replace
from datetime import datetime
from typing import Any
from urllib.parse import quote

import httpx

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
from app.integrations.ats.lever.config import LeverConfig
from app.integrations.ats.lever.mapping import (
    application_from,
    candidate_from,
    hired_reason_ids,
    str_or_none,
)
from app.integrations.http import Throttle, request, throttle_for
from app.settings import Settings

API_ROOT = "https://api.lever.co/v1"
PAGE_LIMIT = 100  # Lever's maximum and default page size
VOCABULARY_TTL_SECONDS = 300.0
_vocabulary_cache: dict[str, tuple[float, dict[str, Any]]] = {}
POSTING_TITLE_TTL_SECONDS = 300.0
_posting_titles: dict[str, tuple[float, str | None]] = {}


async def list_page(
    http: httpx.AsyncClient,
    credentials: Credentials,
    resource: ListResource,
    cursor: str | None,
    updated_since: datetime | None,
    settings: Settings,
) -> VendorPage:
    params: dict[str, Any] = {"limit": PAGE_LIMIT}
    if cursor:
        params["offset"] = cursor
    if updated_since is not None:
        params["updated_at_start"] = int(updated_since.timestamp() * 1000)
    if resource == "jobs":
        body = await _get(http, credentials, "/postings", params, settings)
        jobs = [
            VendorJob(
                external_id=str(posting["id"]),
                title=str_or_none(posting.get("text")) or "",
                status=str_or_none(posting.get("state")),
            )
            for posting in _data_list(body)
        ]
        return VendorPage(items=jobs, next_cursor=_next(body))
    params["expand"] = ["applications"]
    body = await _get(http, credentials, "/opportunities", params, settings)
    opportunities = _data_list(body)
    if resource == "candidates":
        seen: dict[str, VendorCandidate] = {}
        for opportunity in opportunities:
            candidate = candidate_from(opportunity)
            seen.setdefault(candidate.external_id, candidate)
        return VendorPage(items=list(seen.values()), next_cursor=_next(body))
    hired: set[str] = set()
    if any(isinstance(o.get("archived"), dict) for o in opportunities):
        vocabulary = await fetch_vocabulary(http, credentials, settings)
        hired = set(vocabulary["hired_reason_ids"])
    applications = [application_from(o, hired) for o in opportunities]
    return VendorPage(items=applications, next_cursor=_next(body))


async def push_change(
    http: httpx.AsyncClient, credentials: Credentials, push: Push, settings: Settings
) -> None:
    if isinstance(push, StagePush):
        vocabulary = await fetch_vocabulary(http, credentials, settings)
        stage_id = next(
            (s for s in (_lookup(vocabulary["stages"], n) for n in push.wanted) if s), None
        )
        if stage_id is None:
            raise VendorError(f"Lever has no stage {push.to_stage!r}", transient=False)
        await _write(
            http,
            credentials,
            "PUT",
            f"/opportunities/{push.application_external_id}/stage",
            {"stage": stage_id},
            settings,
        )
    elif isinstance(push, RejectionPush):
        vocabulary = await fetch_vocabulary(http, credentials, settings)
        non_hired = {
            rid: text
            for rid, text in vocabulary["archive_reasons"].items()
            if rid not in vocabulary["hired_reason_ids"]
        }
        reason_id = _lookup(non_hired, push.reason) if push.reason else None
        if reason_id is None and push.reason:
            raise VendorError(f"Lever has no archive reason {push.reason!r}", transient=False)
        if reason_id is None:
            if not non_hired:
                raise VendorError("Lever has no non-hired archive reason", transient=False)
            reason_id = next(iter(non_hired))  # Lever requires a reason to archive
        if push.note:
            await _note(http, credentials, push.application_external_id, push.note, settings)
        await _write(
            http,
            credentials,
            "PUT",
            f"/opportunities/{push.application_external_id}/archived",
            {"reason": reason_id},
            settings,
        )
    elif isinstance(push, HirePush):
        vocabulary = await fetch_vocabulary(http, credentials, settings)
        hired_ids = vocabulary["hired_reason_ids"]
        if not hired_ids:
            raise VendorError("Lever reported no hired archive reason", transient=False)
        await _write(
            http,
            credentials,
            "PUT",
            f"/opportunities/{push.application_external_id}/archived",
            {"reason": hired_ids[0]},
            settings,
        )
    elif isinstance(push, ScorecardPush):
        text = (
            f"Hireloop scorecard from {push.interviewer_email}: "
            f"{push.recommendation.replace('_', ' ')}\n\n{push.summary}"
        )
        await _note(
            http,
            credentials,
            push.application_external_id,
            text,
            settings,
            created_at=push.submitted_at,
        )
    elif isinstance(push, ErasurePush):
        # Never planned (docs/privacy.md#ats-forwarding): the connection's health lists it instead.
        raise VendorError("Lever erasures are done by hand", transient=False)
    else:
        await _push_interview(http, credentials, push, settings)


# --- helpers ---------------------------------------------------------------------------------


def _config(credentials: Credentials) -> LeverConfig:
    return LeverConfig.of(credentials)


def _root(credentials: Credentials) -> str:
    return (_config(credentials).base_url or API_ROOT).rstrip("/")


def _auth(credentials: Credentials) -> dict[str, str]:
    token = base64.b64encode(
        f"{_config(credentials).api_key.get_secret_value()}:".encode()
    ).decode()
    return {"Authorization": f"Basic {token}", "Accept": "application/json"}


def _throttle(credentials: Credentials) -> Throttle:
    key = hashlib.sha256(_config(credentials).api_key.get_secret_value().encode()).hexdigest()[:16]
    return throttle_for(f"lever:{_root(credentials)}:{key}")


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        raise VendorError("Lever answered with a body that is not JSON", transient=True) from None
    if not isinstance(body, dict):
        raise VendorError("Lever answered with an unexpected body", transient=False)
    return body


async def _get(
    http: httpx.AsyncClient,
    credentials: Credentials,
    path: str,
    params: dict[str, Any],
    settings: Settings,
) -> dict[str, Any]:
    response = await request(
        http,
        "GET",
        _root(credentials) + path,
        settings=settings,
        throttle=_throttle(credentials),
        headers=_auth(credentials),
        params=params,
    )
    return _json(response)


async def _write(
    http: httpx.AsyncClient,
    credentials: Credentials,
    method: str,
    path: str,
    body: Any,
    settings: Settings,
) -> httpx.Response:
    params: dict[str, Any] = {}
    perform_as = _config(credentials).perform_as
    if perform_as:
        params["perform_as"] = perform_as
    return await request(
        http,
        method,
        _root(credentials) + path,
        settings=settings,
        throttle=_throttle(credentials),
        headers=_auth(credentials),
        params=params or None,
        json=body,
    )


async def _get_all(
    http: httpx.AsyncClient,
    credentials: Credentials,
    path: str,
    params: dict[str, Any],
    settings: Settings,
) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    offset: str | None = None
    while True:
        page_params = {**params, "limit": PAGE_LIMIT}
        if offset:
            page_params["offset"] = offset
        body = await _get(http, credentials, path, page_params, settings)
        items.extend(_data_list(body))
        offset = _next(body)
        if offset is None:
            return items


def _data_list(body: dict[str, Any]) -> list[dict[str, Any]]:
    data = body.get("data")
    if not isinstance(data, list):
        raise VendorError("Lever answered a list without data", transient=False)
    return [item for item in data if isinstance(item, dict) and item.get("id")]


def _next(body: dict[str, Any]) -> str | None:
    if body.get("hasNext") and isinstance(body.get("next"), str) and body["next"]:
        return str(body["next"])
    return None


def _lookup(table: dict[str, str], wanted: str | None) -> str | None:
    """The id for `wanted`, given as an id or a name (case-insensitive)."""
    if not wanted:
        return None
    if wanted in table:
        return wanted
    folded = wanted.strip().casefold()
    for key, text in table.items():
        if text.strip().casefold() == folded:
            return key
    return None


async def fetch_vocabulary(
    http: httpx.AsyncClient, credentials: Credentials, settings: Settings
) -> dict[str, Any]:
    """Lever's stages and archive reasons for a connection (cached for five minutes):
    {"stages": {id: text}, "archive_reasons": {id: text}, "hired_reason_ids": [id, ...]}.
    Use it to build a connection's default mapping (Lever keys are ids) and to show names."""
    key = f"{_root(credentials)}:{hashlib.sha256(_config(credentials).api_key.get_secret_value().encode()).hexdigest()}"
    cached = _vocabulary_cache.get(key)
    if cached is not None and time.monotonic() - cached[0] < VOCABULARY_TTL_SECONDS:
        return cached[1]
    stages = await _get_all(http, credentials, "/stages", {}, settings)
    reasons = await _get_all(http, credentials, "/archive_reasons", {}, settings)
    hired = [str(r["id"]) for r in reasons if r.get("type") == "hired"]
    hired_reason_ids.update(hired)
    vocabulary: dict[str, Any] = {
        "stages": {str(s["id"]): str_or_none(s.get("text")) or "" for s in stages},
        "archive_reasons": {
            str(r["id"]): str_or_none(r.get("text")) or ""
            for r in reasons
            if r.get("status", "active") == "active" or r.get("type") == "hired"
        },
        "hired_reason_ids": hired,
    }
    _vocabulary_cache[key] = (time.monotonic(), vocabulary)
    return vocabulary


async def fetch_application(
    http: httpx.AsyncClient, credentials: Credentials, opportunity_id: str, settings: Settings
) -> VendorApplication:
    """The whole current state of one opportunity (Lever webhooks carry ids only: use this to
    fill in the candidate's name and email, the posting and the stage of an event)."""
    body = await _get(
        http,
        credentials,
        f"/opportunities/{opportunity_id}",
        {"expand": ["applications"]},
        settings,
    )
    opportunity = body.get("data")
    if not isinstance(opportunity, dict) or not opportunity.get("id"):
        raise VendorError("Lever answered an opportunity without data", transient=False)
    hired: set[str] = set()
    if isinstance(opportunity.get("archived"), dict):
        hired = set((await fetch_vocabulary(http, credentials, settings))["hired_reason_ids"])
    application = application_from(opportunity, hired)
    if application.job_external_id is None:
        return application
    # The opportunity names its posting by id only; a role made from this event is titled
    # as the posting is in Lever, never "Job <id>".
    title = await fetch_posting_title(http, credentials, application.job_external_id, settings)
    return replace(application, job_title=title)


async def fetch_posting_title(
    http: httpx.AsyncClient, credentials: Credentials, posting_id: str, settings: Settings
) -> str | None:
    """The posting's title (`text` of `GET /postings/:posting`, answered as `{"data": {...}}`),
    kept for five minutes per key and posting. None when Lever has no such posting or the key
    may not read postings (404, 403): the event is still applied, and the next backfill of
    jobs sets the title. A transient error (429, 5xx) is raised, so the event is retried."""
    key = (
        f"{_root(credentials)}:"
        f"{hashlib.sha256(_config(credentials).api_key.get_secret_value().encode()).hexdigest()}:{posting_id}"
    )
    cached = _posting_titles.get(key)
    if cached is not None and time.monotonic() - cached[0] < POSTING_TITLE_TTL_SECONDS:
        return cached[1]
    try:
        body = await _get(
            http, credentials, f"/postings/{quote(posting_id, safe='')}", {}, settings
        )
    except VendorError as exc:
        if exc.transient or exc.status not in (403, 404):
            raise
        return None
    posting = body.get("data")
    title = str_or_none(posting.get("text")) if isinstance(posting, dict) else None
    if len(_posting_titles) > 10_000:
        _posting_titles.clear()
    _posting_titles[key] = (time.monotonic(), title)
    return title


async def _note(
    http: httpx.AsyncClient,
    credentials: Credentials,
    opportunity: str,
    text: str,
    settings: Settings,
    created_at: datetime | None = None,
) -> None:
    body: dict[str, Any] = {"value": text}
    if created_at is not None:
        body["createdAt"] = int(created_at.timestamp() * 1000)
    await _write(http, credentials, "POST", f"/opportunities/{opportunity}/notes", body, settings)


def _interview_url(push: InterviewPush, settings: Settings) -> str:
    return f"{settings.public_url.rstrip('/')}/interviews/{push.interview_id}"


async def _find_panel(
    http: httpx.AsyncClient, credentials: Credentials, push: InterviewPush, settings: Settings
) -> str | None:
    url = _interview_url(push, settings)
    panels = await _get_all(
        http, credentials, f"/opportunities/{push.application_external_id}/panels", {}, settings
    )
    for panel in panels:
        if panel.get("externalUrl") == url:
            return str(panel["id"])
    return None


async def _push_interview(
    http: httpx.AsyncClient, credentials: Credentials, push: InterviewPush, settings: Settings
) -> None:
    opportunity = push.application_external_id
    existing = await _find_panel(http, credentials, push, settings)
    if push.status == "cancelled":
        if existing is not None:
            await _write(
                http,
                credentials,
                "DELETE",
                f"/opportunities/{opportunity}/panels/{existing}",
                None,
                settings,
            )
        return
    interviewers: list[dict[str, str]] = []
    for email in push.interviewer_emails:
        body = await _get(http, credentials, "/users", {"email": email}, settings)
        users = _data_list(body)
        if users:
            interviewers.append({"id": str(users[0]["id"])})
    duration = max(1, round((push.end_at - push.start_at).total_seconds() / 60))
    panel = {
        "timezone": "UTC",
        "externallyManaged": True,
        "externalUrl": _interview_url(push, settings),
        "note": f"Scheduled in Hireloop (interview {push.interview_id})",
        "interviews": [
            {
                "subject": "Interview",
                "interviewers": interviewers,
                "date": int(push.start_at.timestamp() * 1000),
                "duration": duration,
            }
        ],
    }
    if existing is None:
        await _write(
            http, credentials, "POST", f"/opportunities/{opportunity}/panels", panel, settings
        )
    else:
        await _write(
            http,
            credentials,
            "PUT",
            f"/opportunities/{opportunity}/panels/{existing}",
            panel,
            settings,
        )
