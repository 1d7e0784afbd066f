from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import StringConstraints

from app.domain.types import PublicModel, ShortText, StrictModel

Provider = Literal["greenhouse", "lever", "ashby"]
ResourceType = Literal["role"]
ExternalId = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=r"^[^\x00]*$"),
]


class ConnectionCreate(StrictModel):
    provider: Provider
    name: ShortText


class ConnectionPublic(PublicModel):
    id: uuid.UUID
    provider: Provider
    name: str
    status: str
    created_at: datetime


class ExternalRefLink(StrictModel):
    connection_id: uuid.UUID
    external_id: ExternalId


class ExternalRefPublic(PublicModel):
    connection_id: uuid.UUID
    resource_type: ResourceType
    resource_id: uuid.UUID
    external_id: str
    created_at: datetime
