"""Lever: webhooks in, the Lever REST API (v1) out. The adapter is the vendor's signature
check (signature.py), the mapping of its payloads (mapping.py) and its API client (client.py),
configured by a typed configuration (config.py).
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

Credentials.values: {"api_key": "<Lever API key>", "perform_as": "<Lever user id, optional>"},
read as a LeverConfig (config.py) at each call.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import httpx

from app.integrations.ats.base import (
    Change,
    Credentials,
    Inbound,
    ListResource,
    Push,
    VendorApplication,
    VendorPage,
)
from app.integrations.ats.lever.client import (
    fetch_application,
    fetch_posting_title,
    fetch_vocabulary,
    list_page,
    push_change,
)
from app.integrations.ats.lever.config import LeverConfig
from app.integrations.ats.lever.mapping import parse_webhook
from app.integrations.ats.lever.signature import verify_webhook
from app.settings import Settings


class LeverAdapter:
    provider = "lever"

    def verify(
        self,
        headers: Mapping[str, str],
        body: bytes,
        secret: str,
        now: datetime,
        settings: Settings,
    ) -> Inbound:
        return verify_webhook(headers, body, secret, now, settings)

    def parse(self, inbound: Inbound) -> list[Change]:
        return parse_webhook(inbound)

    async def list_page(
        self,
        http: httpx.AsyncClient,
        credentials: Credentials,
        resource: ListResource,
        cursor: str | None,
        updated_since: datetime | None,
        settings: Settings,
    ) -> VendorPage:
        return await list_page(http, credentials, resource, cursor, updated_since, settings)

    async def push(
        self, http: httpx.AsyncClient, credentials: Credentials, push: Push, settings: Settings
    ) -> None:
        await push_change(http, credentials, push, settings)

    async def fetch_application(
        self,
        http: httpx.AsyncClient,
        credentials: Credentials,
        external_id: str,
        settings: Settings,
    ) -> VendorApplication:
        """Lever's webhooks carry ids only; the worker reads the opportunity before applying."""
        return await fetch_application(http, credentials, external_id, settings)


adapter = LeverAdapter()

__all__ = [
    "LeverAdapter",
    "LeverConfig",
    "adapter",
    "fetch_application",
    "fetch_posting_title",
    "fetch_vocabulary",
]
