"""Which events become messages to people (filled in with the notification templates)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.events.repository import OutboxEvent


async def plan(session: AsyncSession, events: Sequence[OutboxEvent]) -> None:
    """Create the notifications these events cause, in the caller's transaction."""
    return None
