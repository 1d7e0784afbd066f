"""The one interface every ATS adapter implements, in vendor-neutral terms.

The domain never sees a vendor's payload: an adapter verifies an inbound webhook on its raw
bytes, turns it into `Change`s, lists the vendor's records page by page for backfill, and
pushes our changes out. A fourth vendor is a fourth package, `ats/<vendor>/`, whose adapter
implements `AtsAdapter`, and one line in `app/integrations/ats/registry.py`; nothing in
app/domain changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol, runtime_checkable

import httpx

from app.integrations.http import VendorError
from app.settings import Settings

__all__ = ["VendorError"]  # re-exported: adapters and the worker catch it from here

# --- what comes in -----------------------------------------------------------------------


class WebhookRefused(Exception):
    """The delivery failed verification (answered 401, nothing stored). The message says why
    in words safe to return to the caller; it never contains the secret or the expected MAC."""


class WebhookMalformed(WebhookRefused):
    """The signature held, but the body is not what the vendor documents (a JSON object).
    Answered 422 naming the body, nothing stored: the sender is genuine, and a 401 would tell
    them their secret is wrong when it is not."""


@dataclass(frozen=True)
class Inbound:
    """A verified delivery. `vendor_event_id` is what identifies this one delivery, the same
    across the vendor's retries and different for every other delivery (stored once per
    connection): the adapter builds it from whatever the vendor's scheme makes unique (Ashby:
    its webhookActionId with the action). `payload` is the whole parsed body, kept with every
    field."""

    vendor_event_id: str
    event_type: str
    payload: dict[str, Any]
    ping: bool = False


@dataclass(frozen=True)
class VendorCandidate:
    external_id: str
    name: str
    email: str | None = None
    phone: str | None = None
    source: str | None = None
    # Fields we do not map, kept so nothing the vendor sent is dropped.
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class VendorJob:
    external_id: str
    title: str
    status: str | None = None  # the vendor's word: open, closed, draft...


@dataclass(frozen=True)
class VendorApplication:
    external_id: str
    candidate: VendorCandidate
    job_external_id: str | None
    job_title: str | None = None
    stage: str | None = None  # the vendor's stage name, mapped through the connection's map
    status: Literal["active", "rejected", "hired", "withdrawn"] = "active"
    rejection_reason: str | None = None  # the vendor's reason name, mapped likewise
    updated_at: datetime | None = None


@dataclass(frozen=True)
class ApplicationSeen:
    """A new application, or the whole current state of one: create or match, then align."""

    application: VendorApplication


@dataclass(frozen=True)
class StageChanged:
    application: VendorApplication


@dataclass(frozen=True)
class Rejected:
    application: VendorApplication


@dataclass(frozen=True)
class Hired:
    application: VendorApplication


@dataclass(frozen=True)
class OfferChanged:
    application_external_id: str
    offer_external_id: str
    status: str  # the vendor's offer status


@dataclass(frozen=True)
class CandidatesMerged:
    kept_external_id: str
    merged_external_id: str


@dataclass(frozen=True)
class CandidateDeleted:
    candidate_external_id: str


@dataclass(frozen=True)
class CandidateAnonymized:
    candidate_external_id: str


@dataclass(frozen=True)
class Ignored:
    """An event we do not act on; `reason` is recorded with the inbox row."""

    reason: str


Change = (
    ApplicationSeen
    | StageChanged
    | Rejected
    | Hired
    | OfferChanged
    | CandidatesMerged
    | CandidateDeleted
    | CandidateAnonymized
    | Ignored
)

# --- what goes out -----------------------------------------------------------------------


@dataclass(frozen=True)
class Credentials:
    """Decrypted for one call and never logged. Which fields a vendor uses is its business:
    Greenhouse Harvest v3 takes client_id/client_secret (OAuth 2.0 client credentials), Lever
    and Ashby an api_key. `base_url` overrides the vendor's API root (a region, or a local
    fake in tests; outbound calls to it pass the SSRF guard)."""

    values: Mapping[str, str]
    base_url: str | None = None

    def get(self, name: str) -> str:
        value = self.values.get(name)
        if not value:
            raise VendorError(f"the connection's credentials lack {name}", transient=False)
        return value


@dataclass(frozen=True)
class StagePush:
    application_external_id: str
    to_stage: str  # the vendor's stage name (the connection's map, read backwards)
    job_external_id: str | None = None
    # Other vendor stages the map sends to the same stage of ours, tried in order when the
    # application's job or plan has no `to_stage` (a map lists every vendor's usual names).
    alternatives: tuple[str, ...] = ()

    @property
    def wanted(self) -> tuple[str, ...]:
        return (self.to_stage, *self.alternatives)


@dataclass(frozen=True)
class RejectionPush:
    application_external_id: str
    reason: str | None  # the vendor's rejection reason name, when the map has one
    note: str | None = None


@dataclass(frozen=True)
class HirePush:
    application_external_id: str


@dataclass(frozen=True)
class ScorecardPush:
    application_external_id: str
    interviewer_email: str
    recommendation: str  # strong_yes | yes | no | strong_no
    summary: str
    submitted_at: datetime


@dataclass(frozen=True)
class InterviewPush:
    application_external_id: str
    interview_id: str  # ours; vendors that store an external id keep it
    start_at: datetime
    end_at: datetime
    interviewer_emails: tuple[str, ...]
    status: Literal["scheduled", "rescheduled", "cancelled"] = "scheduled"


@dataclass(frozen=True)
class ErasurePush:
    """The candidate was erased in Hireloop (GDPR Art. 17): erase or anonymise them there too.
    Only planned for vendors whose API can (docs/privacy.md#ats-forwarding)."""

    candidate_external_id: str


Push = StagePush | RejectionPush | HirePush | ScorecardPush | InterviewPush | ErasurePush

ListResource = Literal["jobs", "candidates", "applications"]


@dataclass(frozen=True)
class VendorPage:
    items: list[VendorJob] | list[VendorCandidate] | list[VendorApplication]
    next_cursor: str | None  # opaque; None when this was the last page


class AtsAdapter(Protocol):
    provider: str

    def verify(
        self,
        headers: Mapping[str, str],
        body: bytes,
        secret: str,
        now: datetime,
        settings: Settings,
    ) -> Inbound:
        """Check the signature on the raw bytes with the vendor's scheme; raise WebhookRefused.
        `headers` keys are lower-case."""
        ...

    def parse(self, inbound: Inbound) -> list[Change]:
        """What the verified delivery means, in our terms (pure: no I/O)."""
        ...

    async def list_page(
        self,
        http: httpx.AsyncClient,
        credentials: Credentials,
        resource: ListResource,
        cursor: str | None,
        updated_since: datetime | None,
        settings: Settings,
    ) -> VendorPage:
        """One page of the vendor's records, following its own pagination; raise VendorError."""
        ...

    async def push(
        self, http: httpx.AsyncClient, credentials: Credentials, push: Push, settings: Settings
    ) -> None:
        """Write one change to the vendor; raise VendorError (transient or not)."""
        ...


@runtime_checkable
class RefreshesApplications(Protocol):
    """Implemented too by adapters whose webhooks carry ids only (Lever): before a change about
    an application is applied, the worker reads its whole current state from the vendor. That
    also makes the order of the vendor's deliveries harmless: the latest state always wins."""

    async def fetch_application(
        self,
        http: httpx.AsyncClient,
        credentials: Credentials,
        external_id: str,
        settings: Settings,
    ) -> VendorApplication: ...
