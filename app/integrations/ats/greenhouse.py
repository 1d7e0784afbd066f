"""Greenhouse: Recruiting webhooks in, Harvest API v3 out.

Inbound (webhooks, https://developers.greenhouse.io/webhooks.html, source
github.com/grnhse/greenhouse-api-docs source/includes/webhooks/*.md):
- Header `Signature: sha256 <hex>`: the hex HMAC-SHA256 of the ENTIRE raw body (not only
  `payload`) keyed by the webhook's secret key. We verify on the bytes as received (Greenhouse
  escapes unicode such as `<` as `\\u003c` before signing, so never re-serialise).
- Header `Greenhouse-Event-ID`: unique per delivery, reused by Greenhouse's retries (up to 6
  over ~15 hours); it is our `vendor_event_id`. No timestamp is signed, so there is no
  staleness window: replays are absorbed by the inbox's (connection, event id) uniqueness.
- Body `{"action": ..., "payload": {...}}`. Greenhouse pings the URL when a webhook is saved
  (action `ping`); we answer it (`Inbound.ping`).

Outbound (Harvest v3, https://harvestdocs.greenhouse.io):
- Auth (docs/authentication): OAuth 2.0 client credentials. `POST https://auth.greenhouse.io/token`
  with HTTP Basic `client_id:client_secret` and form `grant_type=client_credentials`
  (optional `sub=<user_id>`); then `Authorization: Bearer <access_token>`. The token is cached
  per credential until shortly before `expires_in` / `expires_at` (partner guide: 1 hour); a
  401 drops it and fetches a new one once.
- Pagination (docs/pagination, docs/list-endpoints): cursor based. Filters and `per_page` go
  on the first request only; the response's `Link: <...?cursor=...>; rel="next"` names the next
  page, which must be requested with `cursor` as the ONLY query parameter. No Link = last page.
  `updated_at=gte|<ISO 8601>` is the updated-since filter; `ids=1,2` and parent filters
  (`application_ids`, `job_ids`) narrow lists. Our `next_cursor` is Greenhouse's cursor value.
- Rate limits (docs/api-rate-limiting): 429 with Retry-After, X-RateLimit-Limit/-Remaining/
  -Reset; handled by app/integrations/http.py.
- Writes (docs/write-endpoint-migration-guide, reference/post_v3-applications-id-reject):
  `POST /v3/applications/{id}/move` (to_stage_id), `POST /v3/applications/{id}/reject`
  (rejection_reason_id required, notes optional), `POST /v3/notes`.

Assumptions where the v3 reference pages were not available to us (stated precisely):
- Record shapes follow the v3 "Standardizations" rule (flat records carrying parent ids, no
  nested children): an application is `{id, candidate_id, job_id, status, ...}` with status
  `in_process | rejected | hired | converted`; its current stage is the `application_stages`
  row `{application_id, job_interview_stage_id, current: true}`, whose name is on
  `job_interview_stages` `{id, job_id, name}`; a rejection's reason is on `rejection_details`
  `{application_id, rejection_reason_id}` named by `rejection_reasons` `{id, name}`. Candidates
  carry `first_name, last_name, email_addresses[], phone_numbers[]` as in v1.
- Hire: `POST /v3/applications/{id}/hire` with `{}` (the v1 `.../hire` route under v3).
- Scorecards and scheduled interviews cannot be written through Harvest (scorecards never could);
  ScorecardPush and InterviewPush become a private candidate note (`POST /v3/notes`).
- The token response may give `expires_in` (seconds) or `expires_at` (ISO time); both are read.

Credentials (`Credentials.values`): `client_id`, `client_secret` (required); `user_id`
(optional: sent as the token's `sub` and as the note author). `Credentials.base_url`
overrides the API root (default `https://harvest.greenhouse.io/v3`); the token endpoint is then
`<scheme://host of base_url>/token` unless `token_url` is given in the values.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

import httpx

from app.integrations import http as vendor_http
from app.integrations.ats.base import (
    ApplicationSeen,
    CandidateAnonymized,
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
from app.integrations.tokens import AccessToken, TokenCache, account_key
from app.settings import Settings

DEFAULT_API_ROOT = "https://harvest.greenhouse.io/v3"

# What an erasure asks Greenhouse to anonymise (the documented `fields` of Anonymize Candidate).
ANONYMIZED_FIELDS = (
    "full_name",
    "current_company",
    "current_title",
    "tags",
    "phone_numbers",
    "emails",
    "email_addresses",
    "social_media_links",
    "websites",
    "addresses",
    "location",
    "custom_candidate_fields",
    "attachments",
    "application_questions",
    "referral_questions",
    "notes",
    "rejection_notes",
    "activity_items",
    "innotes",
    "inmails",
    "scorecards_and_interviews",
    "offers",
    "headline",
    "all_offer_versions",
    "follow_up_reminders",
    "candidate_photo",
    "custom_application_fields",
    "education",
    "employment",
)
DEFAULT_TOKEN_URL = "https://auth.greenhouse.io/token"
DEFAULT_PER_PAGE = 100
LOOKUP_PER_PAGE = 500  # the documented maximum page size, for id-batched lookups

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

_STATUS: dict[str, Literal["active", "rejected", "hired", "withdrawn"]] = {
    "active": "active",
    "in_process": "active",
    "rejected": "rejected",
    "hired": "hired",
    # A converted prospect application was replaced by a candidate application.
    "converted": "withdrawn",
}


# --- token cache -------------------------------------------------------------------------


_tokens = TokenCache()


def clear_token_cache() -> None:
    """Forget every cached access token (tests; a rotated secret is a new key anyway)."""
    _tokens.clear()


# --- helpers -----------------------------------------------------------------------------


def _str_id(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return str(value)


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _iso(moment: datetime) -> str:
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


def _candidate(record: Mapping[str, Any], source: str | None = None) -> VendorCandidate:
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
        candidate=_candidate(candidate, _source_name(app.get("source"))),
        job_external_id=_str_id(job.get("id")) if job else None,
        job_title=str(job.get("name")) if job and job.get("name") else None,
        stage=_named(app.get("current_stage")),
        status=_STATUS.get(str(app.get("status") or "active"), "active"),
        rejection_reason=_named(app.get("rejection_reason")),
        updated_at=_parse_time(app.get("last_activity_at")),
    )


def _next_cursor(link_header: str | None) -> str | None:
    """The `cursor` of the rel="next" URL in an RFC 5988 Link header, if any."""
    if not link_header:
        return None
    for part in link_header.split(","):
        segments = [s.strip() for s in part.split(";")]
        if not segments or not segments[0].startswith("<"):
            continue
        rels = [s for s in segments[1:] if s.replace(" ", "").lower() in ('rel="next"', "rel=next")]
        if not rels:
            continue
        url = segments[0].strip("<>")
        values = parse_qs(urlsplit(url).query).get("cursor")
        if values and values[0]:
            return values[0]
        raise VendorError("Greenhouse's next link carries no cursor", transient=False)
    return None


def _json_list(response: httpx.Response) -> list[dict[str, Any]]:
    try:
        body = response.json()
    except ValueError as exc:
        raise VendorError("Greenhouse answered a list with non-JSON", transient=True) from exc
    if not isinstance(body, list):
        raise VendorError("Greenhouse answered a list with a non-list body", transient=False)
    return [item for item in body if isinstance(item, dict)]


# --- the adapter -------------------------------------------------------------------------


class GreenhouseAdapter:
    provider = "greenhouse"

    def __init__(self, per_page: int = DEFAULT_PER_PAGE) -> None:
        self.per_page = per_page

    # --- inbound ---------------------------------------------------------------------------

    def verify(
        self,
        headers: Mapping[str, str],
        body: bytes,
        secret: str,
        now: datetime,
        settings: Settings,
    ) -> Inbound:
        header = headers.get("signature")
        if not header or not header.strip():
            raise WebhookRefused("unsigned: no Signature header")
        parts = header.strip().split(None, 1)
        if len(parts) != 2 or parts[0].lower() != "sha256":
            raise WebhookRefused("malformed Signature header (expected 'sha256 <hex>')")
        if not secret:
            raise WebhookRefused("the connection has no webhook secret")
        expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected.encode(), parts[1].strip().lower().encode()):
            raise WebhookRefused("signature mismatch")
        # The signature held: from here on a bad body is the sender's mistake, not a forgery.
        try:
            payload = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise WebhookMalformed("the body is not JSON; Greenhouse sends a JSON object") from exc
        if not isinstance(payload, dict):
            raise WebhookMalformed(
                f"the body is JSON but not a JSON object (a {type(payload).__name__}); "
                "Greenhouse sends a JSON object"
            )
        action = payload.get("action")
        event_type = action if isinstance(action, str) and action else "unknown"
        event_id = (headers.get("greenhouse-event-id") or "").strip()
        if not event_id:
            # Undocumented case; the body hash is stable across Greenhouse's retries.
            event_id = "sha256:" + hashlib.sha256(body).hexdigest()
        return Inbound(
            vendor_event_id=event_id,
            event_type=event_type,
            payload=payload,
            ping=event_type == "ping",
        )

    def parse(self, inbound: Inbound) -> list[Change]:
        action = inbound.event_type
        if inbound.ping or action == "ping":
            return [Ignored("ping")]
        payload = inbound.payload.get("payload")
        if not isinstance(payload, dict):
            return [Ignored(f"greenhouse {action}: no payload object")]
        try:
            return self._parse(action, payload)
        except (KeyError, TypeError, ValueError) as exc:
            return [Ignored(f"greenhouse {action}: unexpected payload ({exc})")]

    def _parse(self, action: str, payload: dict[str, Any]) -> list[Change]:
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

    # --- outbound plumbing -----------------------------------------------------------------

    @staticmethod
    def _api_root(credentials: Credentials) -> str:
        return (credentials.base_url or DEFAULT_API_ROOT).rstrip("/")

    @staticmethod
    def _token_url(credentials: Credentials) -> str:
        explicit = credentials.values.get("token_url")
        if explicit:
            return explicit
        if credentials.base_url:
            parts = urlsplit(credentials.base_url)
            return f"{parts.scheme}://{parts.netloc}/token"
        return DEFAULT_TOKEN_URL

    @staticmethod
    def _throttle(credentials: Credentials) -> vendor_http.Throttle:
        return vendor_http.throttle_for(f"greenhouse:{credentials.get('client_id')}")

    async def _token(
        self,
        http: httpx.AsyncClient,
        credentials: Credentials,
        settings: Settings,
        *,
        stale: str | None = None,
    ) -> str:
        client_id = credentials.get("client_id")
        client_secret = credentials.get("client_secret")
        token_url = self._token_url(credentials)

        async def mint() -> AccessToken:
            basic = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
            form = {"grant_type": "client_credentials"}
            if credentials.values.get("user_id"):
                form["sub"] = credentials.values["user_id"]
            response = await vendor_http.request(
                http,
                "POST",
                token_url,
                settings=settings,
                throttle=self._throttle(credentials),
                headers={"Authorization": f"Basic {basic}", "Accept": "application/json"},
                data=form,
            )
            try:
                body = response.json()
                value = str(body["access_token"])
            except (ValueError, KeyError, TypeError) as exc:
                raise VendorError(
                    "Greenhouse's token answer lacks access_token", transient=True
                ) from exc
            expires_at = time.time() + 3600.0
            if isinstance(body.get("expires_in"), int | float):
                expires_at = time.time() + float(body["expires_in"])
            elif (moment := _parse_time(body.get("expires_at"))) is not None:
                expires_at = moment.timestamp()
            return AccessToken(value, datetime.fromtimestamp(expires_at, UTC))

        key = account_key(token_url, client_id, client_secret)
        return (await _tokens.get(key, mint, stale=stale)).value

    async def _call(
        self,
        http: httpx.AsyncClient,
        credentials: Credentials,
        settings: Settings,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json_body: Any = None,
    ) -> httpx.Response:
        """One Harvest call with a bearer token; a 401 refreshes the token once."""
        url = f"{self._api_root(credentials)}/{path.lstrip('/')}"
        token = await self._token(http, credentials, settings)
        for attempt in range(2):
            try:
                return await vendor_http.request(
                    http,
                    method,
                    url,
                    settings=settings,
                    throttle=self._throttle(credentials),
                    headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
                    params=params,
                    json=json_body,
                )
            except VendorError as exc:
                if exc.status != 401 or attempt == 1:
                    raise
                token = await self._token(http, credentials, settings, stale=token)
        raise AssertionError("unreachable")

    async def _list_all(
        self,
        http: httpx.AsyncClient,
        credentials: Credentials,
        settings: Settings,
        resource: str,
        params: dict[str, Any],
    ) -> list[dict[str, Any]]:
        """Every record of a (filtered) list, following the Link header."""
        records: list[dict[str, Any]] = []
        query: dict[str, Any] = {**params, "per_page": LOOKUP_PER_PAGE}
        while True:
            response = await self._call(http, credentials, settings, "GET", resource, params=query)
            records.extend(_json_list(response))
            cursor = _next_cursor(response.headers.get("link"))
            if cursor is None:
                return records
            query = {"cursor": cursor}

    async def _by_ids(
        self,
        http: httpx.AsyncClient,
        credentials: Credentials,
        settings: Settings,
        resource: str,
        param: str,
        ids: Iterable[Any],
        extra: dict[str, Any] | None = None,
    ) -> list[dict[str, Any]]:
        unique = sorted({str(i) for i in ids if i is not None})
        records: list[dict[str, Any]] = []
        for start in range(0, len(unique), LOOKUP_PER_PAGE):
            chunk = unique[start : start + LOOKUP_PER_PAGE]
            records.extend(
                await self._list_all(
                    http, credentials, settings, resource, {param: ",".join(chunk), **(extra or {})}
                )
            )
        return records

    # --- backfill ----------------------------------------------------------------------------

    async def list_page(
        self,
        http: httpx.AsyncClient,
        credentials: Credentials,
        resource: ListResource,
        cursor: str | None,
        updated_since: datetime | None,
        settings: Settings,
    ) -> VendorPage:
        if resource not in ("jobs", "candidates", "applications"):
            raise VendorError(f"unknown resource {resource!r}", transient=False)
        params: dict[str, Any]
        if cursor:
            params = {"cursor": cursor}  # must be the only parameter
        else:
            params = {"per_page": self.per_page}
            if updated_since is not None:
                params["updated_at"] = f"gte|{_iso(updated_since)}"
        response = await self._call(http, credentials, settings, "GET", resource, params=params)
        records = _json_list(response)
        next_cursor = _next_cursor(response.headers.get("link"))
        if resource == "jobs":
            jobs = [
                VendorJob(
                    external_id=str(r["id"]),
                    title=str(r.get("name") or ""),
                    status=str(r["status"]) if r.get("status") else None,
                )
                for r in records
            ]
            return VendorPage(items=jobs, next_cursor=next_cursor)
        if resource == "candidates":
            return VendorPage(items=[_candidate(r) for r in records], next_cursor=next_cursor)
        applications = await self._applications(http, credentials, settings, records)
        return VendorPage(items=applications, next_cursor=next_cursor)

    async def _applications(
        self,
        http: httpx.AsyncClient,
        credentials: Credentials,
        settings: Settings,
        records: list[dict[str, Any]],
    ) -> list[VendorApplication]:
        """Join one page of v3 applications with their candidates, stage names and reasons,
        each fetched in one id-batched call (not one call per application)."""
        if not records:
            return []
        app_ids = [r["id"] for r in records]
        candidates = {
            str(c["id"]): c
            for c in await self._by_ids(
                http,
                credentials,
                settings,
                "candidates",
                "ids",
                (r.get("candidate_id") for r in records),
            )
        }
        stages = await self._by_ids(
            http,
            credentials,
            settings,
            "application_stages",
            "application_ids",
            app_ids,
            {"current": "true"},
        )
        current_stage: dict[str, str] = {
            str(s["application_id"]): str(s["job_interview_stage_id"])
            for s in stages
            if s.get("current") is not False and s.get("job_interview_stage_id") is not None
        }
        stage_names = {
            str(s["id"]): str(s.get("name") or "")
            for s in await self._by_ids(
                http, credentials, settings, "job_interview_stages", "ids", current_stage.values()
            )
        }
        rejected = [r["id"] for r in records if r.get("status") == "rejected"]
        reason_of: dict[str, str] = {}
        if rejected:
            details = await self._by_ids(
                http, credentials, settings, "rejection_details", "application_ids", rejected
            )
            reason_ids = {
                str(d["application_id"]): str(d["rejection_reason_id"])
                for d in details
                if d.get("rejection_reason_id") is not None
            }
            names = {
                str(r["id"]): str(r.get("name") or "")
                for r in await self._by_ids(
                    http, credentials, settings, "rejection_reasons", "ids", reason_ids.values()
                )
            }
            reason_of = {app: names[rid] for app, rid in reason_ids.items() if rid in names}
        result: list[VendorApplication] = []
        for record in records:
            app_id = str(record["id"])
            candidate_record = candidates.get(str(record.get("candidate_id")))
            if candidate_record is None:
                raise VendorError(
                    f"Greenhouse application {app_id} names candidate "
                    f"{record.get('candidate_id')} that the candidates list did not return",
                    transient=True,
                )
            stage_id = current_stage.get(app_id)
            result.append(
                VendorApplication(
                    external_id=app_id,
                    candidate=_candidate(candidate_record),
                    job_external_id=_str_id(record.get("job_id")),
                    stage=stage_names.get(stage_id) if stage_id else None,
                    status=_STATUS.get(str(record.get("status") or "in_process"), "active"),
                    rejection_reason=reason_of.get(app_id),
                    updated_at=_parse_time(record.get("updated_at")),
                )
            )
        return result

    # --- pushes ------------------------------------------------------------------------------

    async def push(
        self, http: httpx.AsyncClient, credentials: Credentials, push: Push, settings: Settings
    ) -> None:
        if isinstance(push, StagePush):
            await self._push_stage(http, credentials, push, settings)
        elif isinstance(push, RejectionPush):
            await self._push_rejection(http, credentials, push, settings)
        elif isinstance(push, HirePush):
            await self._call(
                http,
                credentials,
                settings,
                "POST",
                f"applications/{push.application_external_id}/hire",
                json_body={},
            )
        elif isinstance(push, ScorecardPush):
            body = (
                f"Scorecard from {push.interviewer_email} "
                f"({push.submitted_at.isoformat()}): {push.recommendation}\n\n{push.summary}"
            )
            await self._note(http, credentials, settings, push.application_external_id, body)
        elif isinstance(push, InterviewPush):
            body = (
                f"Interview {push.status} (Hireloop {push.interview_id}): "
                f"{push.start_at.isoformat()} to {push.end_at.isoformat()}, "
                f"interviewers: {', '.join(push.interviewer_emails) or 'none'}"
            )
            await self._note(http, credentials, settings, push.application_external_id, body)
        elif isinstance(push, ErasurePush):
            # Harvest's Anonymize Candidate (PUT candidates/{id}/anonymize?fields=...): every
            # field that can identify the person, including attachments, notes and emails.
            await self._call(
                http,
                credentials,
                settings,
                "PUT",
                f"candidates/{push.candidate_external_id}/anonymize",
                params={"fields": ",".join(ANONYMIZED_FIELDS)},
            )
        else:  # pragma: no cover - the Push union is closed
            raise VendorError(f"unsupported push {type(push).__name__}", transient=False)

    async def _application(
        self, http: httpx.AsyncClient, credentials: Credentials, settings: Settings, app_id: str
    ) -> dict[str, Any]:
        records = await self._list_all(http, credentials, settings, "applications", {"ids": app_id})
        for record in records:
            if str(record.get("id")) == app_id:
                return record
        raise VendorError(f"Greenhouse has no application {app_id}", transient=False, status=404)

    async def _push_stage(
        self, http: httpx.AsyncClient, credentials: Credentials, push: StagePush, settings: Settings
    ) -> None:
        job_id = push.job_external_id
        if not job_id:
            application = await self._application(
                http, credentials, settings, push.application_external_id
            )
            job_id = _str_id(application.get("job_id"))
        if not job_id:
            raise VendorError("the application has no job, so no stages", transient=False)
        stages = await self._list_all(
            http, credentials, settings, "job_interview_stages", {"job_ids": job_id}
        )
        by_name = {str(s.get("name") or "").strip().casefold(): s for s in reversed(stages)}
        match = [by_name[w] for w in (n.strip().casefold() for n in push.wanted) if w in by_name]
        if not match:
            names = ", ".join(sorted(str(s.get("name")) for s in stages))
            raise VendorError(
                f"Greenhouse job {job_id} has no stage named {push.to_stage!r} (has: {names})",
                transient=False,
            )
        await self._call(
            http,
            credentials,
            settings,
            "POST",
            f"applications/{push.application_external_id}/move",
            json_body={"to_stage_id": match[0]["id"]},
        )

    async def _push_rejection(
        self,
        http: httpx.AsyncClient,
        credentials: Credentials,
        push: RejectionPush,
        settings: Settings,
    ) -> None:
        if not push.reason:
            raise VendorError(
                "Greenhouse requires a rejection reason; map our reason to one of the "
                "connection's Greenhouse rejection reasons",
                transient=False,
            )
        reasons = await self._list_all(http, credentials, settings, "rejection_reasons", {})
        wanted = push.reason.strip().casefold()
        match = [r for r in reasons if str(r.get("name") or "").strip().casefold() == wanted]
        if not match:
            raise VendorError(
                f"Greenhouse has no rejection reason named {push.reason!r}", transient=False
            )
        body: dict[str, Any] = {"rejection_reason_id": match[0]["id"]}
        if push.note:
            body["notes"] = push.note
        await self._call(
            http,
            credentials,
            settings,
            "POST",
            f"applications/{push.application_external_id}/reject",
            json_body=body,
        )

    async def _note(
        self,
        http: httpx.AsyncClient,
        credentials: Credentials,
        settings: Settings,
        app_id: str,
        text: str,
    ) -> None:
        application = await self._application(http, credentials, settings, app_id)
        body: dict[str, Any] = {
            "candidate_id": application.get("candidate_id"),
            "application_id": application.get("id"),
            "body": text,
            "visibility": "private",
        }
        user_id = credentials.values.get("user_id")
        if user_id:
            body["user_id"] = int(user_id) if user_id.isdigit() else user_id
        await self._call(http, credentials, settings, "POST", "notes", json_body=body)


adapter = GreenhouseAdapter()
