from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, field_validator

from app.domain.types import (
    TEXT,
    PublicModel,
    ShortText,
    StrictModel,
    Trimmed,
    Url,
    refuse_null,
)

Provider = Literal["greenhouse", "lever", "ashby"]
ResourceType = Literal["role"]
ExternalId = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=TEXT), Trimmed]


Secret = Annotated[str, StringConstraints(min_length=1, max_length=1000, pattern=r"^[^\x00]*$")]
CredentialName = Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,40}$")]
MapKey = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=TEXT), Trimmed]
OurStage = Literal[
    "sourced", "screening", "submitted", "hm_review", "interviewing", "decision", "offer", "hired"
]
# active: vendor events are applied, our changes pushed, syncs run; paused: vendor events are
# still stored, nothing else happens until it is resumed.
ConnectionStatus = Literal["active", "paused"]
SyncKind = Literal["full", "incremental"]
SyncStatus = Literal["pending", "running", "done", "failed"]
SyncResource = Literal["jobs", "candidates", "applications"]
InboundStatus = Literal["pending", "applied", "ignored", "failed"]


class ConnectionCreate(StrictModel):
    """A new ATS connection: the vendor, its credentials and how its stages map to ours."""

    provider: Provider = Field(description="Which ATS: greenhouse, lever or ashby")
    name: ShortText = Field(description="A name to tell the connection apart in Hireloop")
    credentials: dict[CredentialName, Secret] = Field(
        default_factory=dict,
        max_length=10,
        description=(
            "API credentials, encrypted at rest and never shown again. Greenhouse: client_id "
            "and client_secret (Harvest v3 OAuth), optionally token_url (checked like "
            "base_url); Lever and Ashby: api_key."
        ),
    )
    webhook_secret: Secret | None = Field(
        default=None, description="The secret the vendor signs webhooks with; never shown again"
    )
    base_url: Url | None = Field(
        default=None, description="The vendor API's root, when not the vendor's default"
    )
    stage_map: dict[MapKey, OurStage] | None = Field(
        default=None,
        max_length=200,
        description="Vendor stage name -> our stage (case-insensitive); left out: the defaults",
    )
    rejection_map: dict[MapKey, MapKey] = Field(
        default_factory=dict,
        max_length=200,
        description="Vendor rejection reason name -> our rejection reason code",
    )


class ConnectionUpdate(StrictModel):
    """Changes to an ATS connection; a field left out stays as it is."""

    name: ShortText | None = Field(default=None, description="The connection's new name")
    credentials: dict[CredentialName, Secret] | None = Field(
        default=None,
        max_length=10,
        description="Every credential, replacing the stored ones (encrypted, never shown again)",
    )
    webhook_secret: Secret | None = Field(
        default=None, description="A new secret the vendor signs webhooks with; never shown again"
    )
    base_url: Url | None = Field(
        default=None, description="The vendor API's root, when not the vendor's default"
    )
    stage_map: dict[MapKey, OurStage] | None = Field(
        default=None,
        max_length=200,
        description="Vendor stage name -> our stage (case-insensitive), replacing the stored map",
    )
    rejection_map: dict[MapKey, MapKey] | None = Field(
        default=None,
        max_length=200,
        description="Vendor rejection reason name -> our rejection reason code, replacing the "
        "stored map",
    )

    _not_null = field_validator(
        "name", "credentials", "webhook_secret", "stage_map", "rejection_map", mode="before"
    )(refuse_null)


class ConnectionErrorPublic(PublicModel):
    """One recent error of an ATS connection."""

    at: datetime = Field(description="When it happened (UTC)")
    source: str = Field(
        description="What failed: inbound (a vendor event), push (sending our change) or sync"
    )
    reason: str = Field(description="The error, as the vendor or Hireloop stated it")


class ManualErasure(PublicModel):
    """A candidate erased in Hireloop whom the vendor's API cannot erase: to erase by hand."""

    candidate_external_id: str = Field(description="The candidate's id in the vendor")
    erased_at: datetime = Field(description="When the candidate was erased in Hireloop (UTC)")


class ConnectionHealth(PublicModel):
    """How an ATS connection is doing: what waits, what failed, when it last heard."""

    last_inbound_at: datetime | None = Field(
        description="When the last vendor webhook was stored (UTC); null before the first"
    )
    last_sync_at: datetime | None = Field(
        description="When the last finished sync began (UTC): what the next reconciliation "
        "reads from; null before the first"
    )
    lag_seconds: float | None = Field(
        description="Age in seconds of the oldest vendor event still waiting to be applied "
        "(0 when none waits)"
    )
    pending_inbound: int = Field(description="Vendor events waiting to be applied")
    failed_inbound: int = Field(description="Vendor events that failed for good")
    pending_pushes: int = Field(description="Our changes waiting to be sent to the vendor")
    failed_pushes: int = Field(
        description="Our changes the vendor refused, or that failed for good"
    )
    recent_errors: list[ConnectionErrorPublic] = Field(
        description="The last 10 errors, newest first"
    )
    manual_erasures: list[ManualErasure] = Field(
        default_factory=list,
        description="Candidates erased in Hireloop that this vendor's API cannot erase: to do "
        "by hand in the vendor (newest first, at most 50)",
    )


class ConnectionPublic(PublicModel):
    """A connected applicant tracking system (Greenhouse, Lever or Ashby) and its health."""

    id: uuid.UUID = Field(description="The connection's id")
    provider: Provider = Field(description="Which ATS: greenhouse, lever or ashby")
    name: str = Field(description="The connection's name in Hireloop")
    status: ConnectionStatus = Field(
        description="active, or paused: vendor webhooks are still stored, but nothing is "
        "applied, pushed or synced until it is resumed"
    )
    base_url: str | None = Field(
        default=None, description="The vendor API's root; null: the vendor's default"
    )
    stage_map: dict[str, str] = Field(
        default_factory=dict,
        description="Vendor stage name -> our stage; empty: the defaults",
    )
    rejection_map: dict[str, str] = Field(
        default_factory=dict,
        description="Vendor rejection reason name -> our rejection reason code",
    )
    credential_names: list[str] = Field(
        default_factory=list, description="Which credentials are set (never their values)"
    )
    webhook_secret_set: bool = Field(
        default=False, description="Whether a webhook secret is set (never its value)"
    )
    webhook_url: str | None = Field(
        default=None, description="Where to point the vendor's webhooks"
    )
    health: ConnectionHealth | None = Field(
        default=None, description="Null only in the answer that created the connection"
    )
    version: int = Field(
        default=1, description="Goes up by one with every change (for If-Match / expectedVersion)"
    )
    created_at: datetime = Field(description="When the connection was made (UTC)")
    updated_at: datetime | None = Field(
        default=None, description="When it last changed (UTC); null if never"
    )


class SyncStart(StrictModel):
    """Which import from the vendor to start."""

    kind: SyncKind = Field(
        default="full",
        description="full: every vendor job, candidate and application; incremental: the "
        "applications changed since the last finished sync began",
    )


class SyncPublic(PublicModel):
    """An import from the vendor (a sync) and its progress."""

    id: uuid.UUID = Field(description="The sync's id")
    connection_id: uuid.UUID = Field(description="The ATS connection it imports from")
    kind: SyncKind = Field(
        description="full: everything; incremental: applications changed since the last sync"
    )
    status: SyncStatus = Field(
        description="pending (not begun), running, done or failed (why is in last_errors)"
    )
    resource: SyncResource = Field(
        description="What it reads now (or read last): the vendor's jobs, then candidates, "
        "then applications"
    )
    pages_done: int = Field(description="Vendor pages imported so far")
    created: int = Field(description="Records it created")
    updated: int = Field(description="Records it changed")
    errors: int = Field(description="Records or pages that failed (the import goes on)")
    last_errors: list[dict[str, object]] = Field(
        description="The last 20 errors, each with at, resource and reason"
    )
    updated_since: datetime | None = Field(
        description="An incremental sync reads what changed since then (UTC); null: everything"
    )
    started_at: datetime | None = Field(
        description="When a worker began it (UTC); null while pending"
    )
    finished_at: datetime | None = Field(
        description="When it ended, done or failed (UTC); null until then"
    )
    created_at: datetime = Field(description="When it was asked for (UTC)")


class InboundEventPublic(PublicModel):
    """A vendor event (webhook) received, and what became of it."""

    id: uuid.UUID = Field(description="The stored event's id")
    connection_id: uuid.UUID = Field(description="The ATS connection it arrived through")
    vendor_event_id: str = Field(
        description="The vendor's id of the delivery, by which a repeat is known"
    )
    event_type: str = Field(description="The vendor's name for the event (its action)")
    status: InboundStatus = Field(
        description="pending (waiting, or retrying), applied, ignored (nothing to do) or failed"
    )
    outcome: str | None = Field(
        description="What changed, why it was ignored, or the error; null while pending"
    )
    attempts: int = Field(description="How many times applying it was tried")
    received_at: datetime = Field(description="When it was stored (UTC)")
    processed_at: datetime | None = Field(
        description="When it was applied, ignored or failed for good (UTC); null while pending"
    )


class InboundAccepted(PublicModel):
    """The answer to a vendor's webhook: stored (or already stored)."""

    accepted: bool = Field(default=True, description="Always true: the delivery is stored")
    duplicate: bool = Field(
        default=False, description="The delivery was already stored; nothing changed"
    )


class ExternalRefLink(StrictModel):
    """A record's id in an ATS connection, to link to it."""

    connection_id: uuid.UUID = Field(description="The ATS connection")
    external_id: ExternalId = Field(description="The record's id in the vendor")


class ExternalRefPublic(PublicModel):
    """A link between one of our records and its id in an ATS connection."""

    connection_id: uuid.UUID = Field(description="The ATS connection")
    resource_type: ResourceType = Field(description="What kind of record ours is")
    resource_id: uuid.UUID = Field(description="Our record's id")
    external_id: str = Field(description="The record's id in the vendor")
    created_at: datetime = Field(description="When the link was made (UTC)")
