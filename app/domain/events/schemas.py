from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

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
