"""Sending notifications that are due (filled in with the email and Slack senders)."""

from __future__ import annotations

import httpx

from app.db import Database
from app.settings import Settings


async def send_due(
    db: Database, settings: Settings, http: httpx.AsyncClient, worker: str, limit: int = 50
) -> int:
    """Claim and send up to `limit` due notifications; returns how many were attempted."""
    return 0
