"""Greenhouse: Recruiting webhooks in, Harvest API v3 out. The adapter is the vendor's
signature check (signature.py), the mapping of its payloads (mapping.py) and its API client
(client.py), configured by a typed configuration (config.py).

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

from collections.abc import Mapping
from datetime import datetime

from app.integrations.ats.base import Change, Inbound
from app.integrations.ats.greenhouse.client import GreenhouseClient, clear_token_cache
from app.integrations.ats.greenhouse.config import GreenhouseConfig
from app.integrations.ats.greenhouse.mapping import parse_webhook
from app.integrations.ats.greenhouse.signature import verify_webhook
from app.settings import Settings


class GreenhouseAdapter(GreenhouseClient):
    provider = "greenhouse"

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


adapter = GreenhouseAdapter()

__all__ = ["GreenhouseAdapter", "GreenhouseConfig", "adapter", "clear_token_cache"]
