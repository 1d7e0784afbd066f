"""Greenhouse's Harvest API v3: OAuth client-credentials tokens, cursor pagination, backfill
pages and pushes. Every call goes through app.integrations.http (SSRF guard, throttle,
retries, Retry-After)."""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import orjson

from app.integrations import http as vendor_http
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
    VendorError,
    VendorJob,
    VendorPage,
)
from app.integrations.ats.greenhouse.config import GreenhouseConfig
from app.integrations.ats.greenhouse.mapping import (
    STATUS,
    candidate_from,
    iso,
    parse_time,
    str_id,
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
DEFAULT_PER_PAGE = 500  # the documented maximum: a full import in a fifth of the pages
LOOKUP_PER_PAGE = 500  # the documented maximum page size, for id-batched lookups


# --- token cache -------------------------------------------------------------------------


_tokens = TokenCache()


def clear_token_cache() -> None:
    """Forget every cached access token (tests; a rotated secret is a new key anyway)."""
    _tokens.clear()


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
    # orjson: a page of 500 records is decoded several times faster than by the json module.
    try:
        body = orjson.loads(response.content)
    except ValueError as exc:
        raise VendorError("Greenhouse answered a list with non-JSON", transient=True) from exc
    if not isinstance(body, list):
        raise VendorError("Greenhouse answered a list with a non-list body", transient=False)
    return [item for item in body if isinstance(item, dict)]


class GreenhouseClient:
    """The API half of the adapter; `per_page` is small in tests to exercise pagination."""

    def __init__(self, per_page: int = DEFAULT_PER_PAGE) -> None:
        self.per_page = per_page

    # --- outbound plumbing -----------------------------------------------------------------

    @staticmethod
    def _api_root(credentials: Credentials) -> str:
        return (credentials.base_url or DEFAULT_API_ROOT).rstrip("/")

    @staticmethod
    def _token_url(credentials: Credentials) -> str:
        explicit = GreenhouseConfig.of(credentials).token_url
        if explicit:
            return explicit
        if credentials.base_url:
            parts = urlsplit(credentials.base_url)
            return f"{parts.scheme}://{parts.netloc}/token"
        return DEFAULT_TOKEN_URL

    @staticmethod
    def _throttle(credentials: Credentials) -> vendor_http.Throttle:
        return vendor_http.throttle_for(f"greenhouse:{GreenhouseConfig.of(credentials).client_id}")

    async def _token(
        self,
        http: httpx.AsyncClient,
        credentials: Credentials,
        settings: Settings,
        *,
        stale: str | None = None,
    ) -> str:
        config = GreenhouseConfig.of(credentials)
        client_id, client_secret = config.client_id, config.client_secret.get_secret_value()
        token_url = self._token_url(credentials)

        async def mint() -> AccessToken:
            basic = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
            form = {"grant_type": "client_credentials"}
            if config.user_id:
                form["sub"] = config.user_id
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
            elif (moment := parse_time(body.get("expires_at"))) is not None:
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
                params["updated_at"] = f"gte|{iso(updated_since)}"
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
            return VendorPage(items=[candidate_from(r) for r in records], next_cursor=next_cursor)
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

        async def stages() -> tuple[dict[str, str], dict[str, str]]:
            current = {
                str(s["application_id"]): str(s["job_interview_stage_id"])
                for s in await self._by_ids(
                    http,
                    credentials,
                    settings,
                    "application_stages",
                    "application_ids",
                    app_ids,
                    {"current": "true"},
                )
                if s.get("current") is not False and s.get("job_interview_stage_id") is not None
            }
            names = {
                str(s["id"]): str(s.get("name") or "")
                for s in await self._by_ids(
                    http, credentials, settings, "job_interview_stages", "ids", current.values()
                )
            }
            return current, names

        async def reasons() -> dict[str, str]:
            rejected = [r["id"] for r in records if r.get("status") == "rejected"]
            if not rejected:
                return {}
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
            return {app: names[rid] for app, rid in reason_ids.items() if rid in names}

        # The candidates, the stages and the rejection reasons do not depend on one another:
        # asked for at once, a page waits for two round trips to the vendor instead of five.
        candidate_rows, (current_stage, stage_names), reason_of = await asyncio.gather(
            self._by_ids(
                http,
                credentials,
                settings,
                "candidates",
                "ids",
                (r.get("candidate_id") for r in records),
            ),
            stages(),
            reasons(),
        )
        candidates = {str(c["id"]): c for c in candidate_rows}
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
                    candidate=candidate_from(candidate_record),
                    job_external_id=str_id(record.get("job_id")),
                    stage=stage_names.get(stage_id) if stage_id else None,
                    status=STATUS.get(str(record.get("status") or "in_process"), "active"),
                    rejection_reason=reason_of.get(app_id),
                    updated_at=parse_time(record.get("updated_at")),
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
            job_id = str_id(application.get("job_id"))
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
        user_id = GreenhouseConfig.of(credentials).user_id
        if user_id:
            body["user_id"] = int(user_id) if user_id.isdigit() else user_id
        await self._call(http, credentials, settings, "POST", "notes", json_body=body)
