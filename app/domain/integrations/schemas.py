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


class ConnectionCreate(StrictModel):
    provider: Provider
    name: ShortText
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
    name: ShortText | None = None
    credentials: dict[CredentialName, Secret] | None = Field(default=None, max_length=10)
    webhook_secret: Secret | None = None
    base_url: Url | None = None
    stage_map: dict[MapKey, OurStage] | None = Field(default=None, max_length=200)
    rejection_map: dict[MapKey, MapKey] | None = Field(default=None, max_length=200)

    _not_null = field_validator(
        "name", "credentials", "webhook_secret", "stage_map", "rejection_map", mode="before"
    )(refuse_null)


class ConnectionErrorPublic(PublicModel):
    at: datetime
    source: str
    reason: str


class ManualErasure(PublicModel):
    candidate_external_id: str
    erased_at: datetime


class ConnectionHealth(PublicModel):
    last_inbound_at: datetime | None
    last_sync_at: datetime | None
    lag_seconds: float | None = Field(
        description="Age of the oldest vendor event still waiting to be applied"
    )
    pending_inbound: int
    failed_inbound: int
    pending_pushes: int
    failed_pushes: int
    recent_errors: list[ConnectionErrorPublic]
    manual_erasures: list[ManualErasure] = Field(
        default_factory=list,
        description="Candidates erased in Hireloop that this vendor's API cannot erase: to do "
        "by hand in the vendor (newest first, at most 50)",
    )


class ConnectionPublic(PublicModel):
    id: uuid.UUID
    provider: Provider
    name: str
    status: str
    base_url: str | None = None
    stage_map: dict[str, str] = Field(default_factory=dict)
    rejection_map: dict[str, str] = Field(default_factory=dict)
    credential_names: list[str] = Field(
        default_factory=list, description="Which credentials are set (never their values)"
    )
    webhook_secret_set: bool = False
    webhook_url: str | None = Field(
        default=None, description="Where to point the vendor's webhooks"
    )
    health: ConnectionHealth | None = None
    version: int = 1
    created_at: datetime
    updated_at: datetime | None = None


class SyncStart(StrictModel):
    kind: Literal["full", "incremental"] = "full"


class SyncPublic(PublicModel):
    id: uuid.UUID
    connection_id: uuid.UUID
    kind: str
    status: str
    resource: str
    pages_done: int
    created: int
    updated: int
    errors: int
    last_errors: list[dict[str, object]]
    updated_since: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    created_at: datetime


class InboundEventPublic(PublicModel):
    id: uuid.UUID
    connection_id: uuid.UUID
    vendor_event_id: str
    event_type: str
    status: str
    outcome: str | None
    attempts: int
    received_at: datetime
    processed_at: datetime | None


class InboundAccepted(PublicModel):
    accepted: bool = True
    duplicate: bool = False


class ExternalRefLink(StrictModel):
    connection_id: uuid.UUID
    external_id: ExternalId


class ExternalRefPublic(PublicModel):
    connection_id: uuid.UUID
    resource_type: ResourceType
    resource_id: uuid.UUID
    external_id: str
    created_at: datetime
