"""What every area's repository can share: reading one row of a tenant by its id."""

from __future__ import annotations

import uuid
from typing import Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession


class OwnedRow(Protocol):
    organization_id: uuid.UUID


T = TypeVar("T", bound=OwnedRow)


async def owned(
    session: AsyncSession, model: type[T], organization_id: uuid.UUID, row_id: uuid.UUID
) -> T | None:
    """The row with this primary key if it belongs to the organization, else None: another
    tenant's row is answered as a missing one (one read by key, the session's identity map
    first)."""
    row = await session.get(model, row_id)
    return row if row is not None and row.organization_id == organization_id else None
