"""Lever: webhooks in, the Lever REST API (v1) out.

Documentation relied on:
- API overview, authentication, rate limits, errors, pagination, opportunities, postings,
  stages, archive reasons, notes, panels, users, webhooks:
  https://hire.lever.co/developer/documentation
- Opportunities vs. candidates vs. contacts (deprecated candidates endpoints):
  https://hire.lever.co/developer/deprecated
- Archive reasons ("one of which is always Hired"): https://hire.lever.co/developer/support
- Webhook events: https://help.lever.co/hc/en-us/articles/20087284427677-Configuring-webhooks

Facts used:
- Webhooks carry no signature header. The JSON body holds `token` (unique per delivery, kept
  across Lever's retries), `triggeredAt` (ms since epoch), `signature` and `event`, with the
  ids in `data`. `signature` is the hex HMAC-SHA256 of `token + triggeredAt` (no separator),
  keyed by the webhook's signature token (the connection's secret). The body itself is not
  signed, so a delivery older than `settings.lever_webhook_max_age_seconds` (or from the far
  future) is refused, and the `token` is the inbox's vendor event id so a replayed token is
  stored once per connection.
- Webhook payloads carry ids only: `toStageId`, archive `reason` ids. `VendorApplication.stage`
  is therefore Lever's stage **id** and `rejection_reason` Lever's archive reason **id**, both
  from webhooks and from backfill, so one mapping keyed by id serves both (Lever's default
  stage ids are readable: `lead-new`, `applicant-new`, `offer`...). `fetch_vocabulary()` gives
  the names for building a connection's default mapping; pushes accept an id or a name.
- An opportunity is the application (contact = candidate, `applications[0].posting` = job).
  The posting is named by id only, so `fetch_application` also reads `GET /postings/:posting`
  (`{"data": {"id", "text", "state", ...}}`, `text` being the title) for the job's title.
  Candidates are listed through opportunities (Lever has no list-contacts endpoint).
- REST: root https://api.lever.co/v1, HTTP Basic with the API key as username and an empty
  password; lists answer `{"data": [...], "hasNext": bool, "next": "<token>"}` and take
  `limit` (1-100, default 100) and `offset` (the previous `next`); `updated_at_start` (ms)
  filters opportunities and postings by update time; errors are `{"code", "message"}`.
  Rate limit 10 req/s per key (bursts to 20), 429 beyond: http.request waits Retry-After.
- Writes: `PUT /opportunities/:id/stage {"stage"}`, `PUT /opportunities/:id/archived
  {"reason"}` (hire = archive with the reason whose type is "hired"), `POST
  /opportunities/:id/notes {"value"}` (scorecards go out as notes: Lever feedback forms need
  an account-specific template), `POST /opportunities/:id/panels` (interviews, externally
  managed, interviewers by Lever user id looked up by email with `GET /users?email=`),
  `PUT`/`DELETE /opportunities/:id/panels/:panel` to reschedule or cancel. `perform_as` (a
  Lever user id) is sent on writes when the credentials carry it.

Credentials.values: {"api_key": "<Lever API key>", "perform_as": "<Lever user id, optional>"}.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import httpx

from app.integrations.ats.base import (
    ApplicationSeen,
    CandidateDeleted,
    Change,
    Credentials,
    ErasurePush,
    Hired,
    HirePush,
    Ignored,
    Inbound,
    InterviewPush,
    ListResource,
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
    WebhookRefused,
)
from app.integrations.http import Throttle, request, throttle_for
from app.settings import Settings

API_ROOT = "https://api.lever.co/v1"
PAGE_LIMIT = 100  # Lever's maximum and default page size
FUTURE_SKEW_SECONDS = 60  # a triggeredAt further ahead than this is refused too
VOCABULARY_TTL_SECONDS = 300.0

# Archive reason ids Lever reported as type "hired", learnt whenever the adapter reads
# /archive_reasons. Reason ids are account-unique UUIDs, so one set serves every connection.
# parse() uses it to tell a hire from a rejection in candidateArchiveChange; unknown ids are
# read as rejections (Lever also sends candidateHired for a hire).
_hired_reason_ids: set[str] = set()
_vocabulary_cache: dict[str, tuple[float, dict[str, Any]]] = {}
POSTING_TITLE_TTL_SECONDS = 300.0
_posting_titles: dict[str, tuple[float, str | None]] = {}


def _ms(value: Any) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return datetime.fromtimestamp(value / 1000, tz=UTC)


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _id_of(value: Any) -> str | None:
    """A Lever reference is an id string, or an object with an id once expanded."""
    if isinstance(value, dict):
        return _str(value.get("id"))
    return _str(value)


class LeverAdapter:
    provider = "lever"

    async def fetch_application(
        self,
        http: httpx.AsyncClient,
        credentials: Credentials,
        external_id: str,
        settings: Settings,
    ) -> VendorApplication:
        """Lever's webhooks carry ids only; the worker reads the opportunity before applying."""
        return await fetch_application(http, credentials, external_id, settings)

    # --- inbound ---------------------------------------------------------------------------

    def verify(
        self,
        headers: Mapping[str, str],
        body: bytes,
        secret: str,
        now: datetime,
        settings: Settings,
    ) -> Inbound:
        # Lever signs fields inside the body, so the body is read before the MAC is checked;
        # nothing from it is trusted or stored until the check passes.
        try:
            payload = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise WebhookRefused("not JSON") from None
        if not isinstance(payload, dict):
            raise WebhookRefused("not JSON")
        token = payload.get("token")
        triggered_at = payload.get("triggeredAt")
        signature = payload.get("signature")
        if not isinstance(token, str) or not token or not isinstance(signature, str):
            raise WebhookRefused("unsigned: token or signature missing")
        if isinstance(triggered_at, bool) or not isinstance(triggered_at, int | str):
            raise WebhookRefused("unsigned: triggeredAt missing")
        triggered_text = str(triggered_at)
        expected = hmac.new(
            secret.encode(), (token + triggered_text).encode(), hashlib.sha256
        ).hexdigest()
        if not hmac.compare_digest(expected, signature.strip().lower()):
            raise WebhookRefused("signature mismatch")
        try:
            triggered_ms = int(triggered_text)
        except ValueError:
            raise WebhookRefused("triggeredAt is not a timestamp") from None
        age = now.timestamp() - triggered_ms / 1000
        if age > settings.lever_webhook_max_age_seconds:
            raise WebhookRefused("stale: triggeredAt is too old")
        if age < -FUTURE_SKEW_SECONDS:
            raise WebhookRefused("triggeredAt is in the future")
        event = payload.get("event")
        return Inbound(
            vendor_event_id=token,
            event_type=event if isinstance(event, str) else "",
            payload=payload,
        )

    def parse(self, inbound: Inbound) -> list[Change]:
        event = inbound.event_type
        data = inbound.payload.get("data")
        if not isinstance(data, dict):
            return [Ignored(f"{event or 'event'} without data")]
        opportunity = _str(data.get("opportunityId")) or _str(data.get("candidateId"))
        contact = _str(data.get("contactId")) or _str(data.get("candidateId"))
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
                        job_external_id=_str(data.get("postingId")),
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
                        stage=_str(data.get("toStageId")),
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
        reason = _str(to_archived.get("reason"))
        if reason is not None and reason in _hired_reason_ids:
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

    # --- backfill --------------------------------------------------------------------------

    async def list_page(
        self,
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
                    title=_str(posting.get("text")) or "",
                    status=_str(posting.get("state")),
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
                candidate = _candidate(opportunity)
                seen.setdefault(candidate.external_id, candidate)
            return VendorPage(items=list(seen.values()), next_cursor=_next(body))
        hired: set[str] = set()
        if any(isinstance(o.get("archived"), dict) for o in opportunities):
            vocabulary = await fetch_vocabulary(http, credentials, settings)
            hired = set(vocabulary["hired_reason_ids"])
        applications = [_application(o, hired) for o in opportunities]
        return VendorPage(items=applications, next_cursor=_next(body))

    # --- outbound --------------------------------------------------------------------------

    async def push(
        self, http: httpx.AsyncClient, credentials: Credentials, push: Push, settings: Settings
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


def _root(credentials: Credentials) -> str:
    return (credentials.base_url or API_ROOT).rstrip("/")


def _auth(credentials: Credentials) -> dict[str, str]:
    token = base64.b64encode(f"{credentials.get('api_key')}:".encode()).decode()
    return {"Authorization": f"Basic {token}", "Accept": "application/json"}


def _throttle(credentials: Credentials) -> Throttle:
    key = hashlib.sha256(credentials.get("api_key").encode()).hexdigest()[:16]
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
    perform_as = credentials.values.get("perform_as")
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
    key = f"{_root(credentials)}:{hashlib.sha256(credentials.get('api_key').encode()).hexdigest()}"
    cached = _vocabulary_cache.get(key)
    if cached is not None and time.monotonic() - cached[0] < VOCABULARY_TTL_SECONDS:
        return cached[1]
    stages = await _get_all(http, credentials, "/stages", {}, settings)
    reasons = await _get_all(http, credentials, "/archive_reasons", {}, settings)
    hired = [str(r["id"]) for r in reasons if r.get("type") == "hired"]
    _hired_reason_ids.update(hired)
    vocabulary: dict[str, Any] = {
        "stages": {str(s["id"]): _str(s.get("text")) or "" for s in stages},
        "archive_reasons": {
            str(r["id"]): _str(r.get("text")) or ""
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
    application = _application(opportunity, hired)
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
        f"{hashlib.sha256(credentials.get('api_key').encode()).hexdigest()}:{posting_id}"
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
    title = _str(posting.get("text")) if isinstance(posting, dict) else None
    if len(_posting_titles) > 10_000:
        _posting_titles.clear()
    _posting_titles[key] = (time.monotonic(), title)
    return title


def _candidate(opportunity: dict[str, Any]) -> VendorCandidate:
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
    contact = _str(opportunity.get("contact")) or str(opportunity["id"])
    return VendorCandidate(
        external_id=contact,
        name=_str(opportunity.get("name")) or "",
        email=emails[0] if emails else None,
        phone=phones[0] if phones else None,
        source=sources[0] if sources else None,
        extra=extra,
    )


def _application(opportunity: dict[str, Any], hired_reason_ids: set[str]) -> VendorApplication:
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
        reason = _str(archived.get("reason"))
        status = "hired" if reason in hired_reason_ids else "rejected"
    return VendorApplication(
        external_id=str(opportunity["id"]),
        candidate=_candidate(opportunity),
        job_external_id=posting,
        stage=_id_of(opportunity.get("stage")),
        status=status,
        rejection_reason=reason if status == "rejected" else None,
        updated_at=_ms(opportunity.get("updatedAt")),
    )


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


adapter = LeverAdapter()

__all__ = [
    "LeverAdapter",
    "adapter",
    "fetch_application",
    "fetch_posting_title",
    "fetch_vocabulary",
]
