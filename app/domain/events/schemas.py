from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import Field

from app.domain.pagination import Cursor
from app.domain.types import PublicModel


class EventPublic(PublicModel):
    id: uuid.UUID
    type: str
    occurred_at: datetime
    organization_id: uuid.UUID
    actor_member_id: uuid.UUID | None
    resource_type: str
    resource_id: uuid.UUID
    data: dict[str, Any]


class EventPagePublic(PublicModel):
    """A page of the feed. `next_cursor` is set even on the last page, so a consumer that has
    caught up polls with it and receives only newer events; `has_more` says whether to fetch
    again at once."""

    items: list[EventPublic]
    next_cursor: Cursor | None = Field(
        description="An opaque token: send it back as `cursor` for the events after this page"
    )
    has_more: bool
