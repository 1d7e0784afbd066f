"""Ashby: webhooks in, RPC-style API out. The adapter is the vendor's signature check
(signature.py), the mapping of its payloads (mapping.py) and its API client (client.py),
configured by a typed configuration (config.py).

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

from collections.abc import Mapping
from datetime import datetime

import httpx

from app.integrations.ats.ashby.client import list_page, push_change
from app.integrations.ats.ashby.config import AshbyConfig
from app.integrations.ats.ashby.mapping import (
    application_from,
    candidate_from,
    delivery_id,
    job_from,
    parse_webhook,
)
from app.integrations.ats.ashby.signature import verify_webhook
from app.integrations.ats.base import Change, Credentials, Inbound, ListResource, Push, VendorPage
from app.settings import Settings


class AshbyAdapter:
    provider = "ashby"

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


adapter = AshbyAdapter()

__all__ = [
    "AshbyAdapter",
    "AshbyConfig",
    "adapter",
    "application_from",
    "candidate_from",
    "delivery_id",
    "job_from",
]
