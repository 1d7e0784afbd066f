"""Receiving a vendor's webhook: verify it on the raw bytes, store it once, answer at once.

This runs for every delivery a vendor sends, so it is one statement on a cache hit: the
connection's provider and decrypted secret are kept in memory for a few seconds (a changed
secret or a deleted connection is forgotten at once on this instance, within the TTL on
others), and the insert is an autocommitted INSERT ... ON CONFLICT DO NOTHING. Applying the
event is the worker's job (apply.py), so a slow domain change never makes the vendor wait or
retry.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

import orjson
from sqlalchemy.ext.asyncio import AsyncConnection

from app import crypto
from app.clock import utcnow
from app.domain.integrations import repository
from app.domain.integrations.schemas import InboundAccepted
from app.errors import InvalidInput, NotFound, Unauthenticated
from app.integrations.ats.base import WebhookMalformed, WebhookRefused
from app.integrations.ats.registry import VENDORS, adapter_for
from app.settings import Settings

CACHE_SECONDS = 5.0


@dataclass(frozen=True)
class _Key:
    organization_id: uuid.UUID
    provider: str
    secret: str | None


_cache: dict[uuid.UUID, tuple[float, _Key | None]] = {}


def forget(connection_id: uuid.UUID) -> None:
    _cache.pop(connection_id, None)


async def _key(rows: AsyncConnection, connection_id: uuid.UUID, settings: Settings) -> _Key | None:
    cached = _cache.get(connection_id)
    if cached is not None and cached[0] > time.monotonic():
        return cached[1]
    row = await repository.webhook_key(rows, connection_id)
    key = None
    if row is not None:
        secret = crypto.decrypt(settings.secret_key, row[2]) if row[2] else None
        key = _Key(row[0], row[1], secret)
    if len(_cache) > 10_000:
        _cache.clear()
    _cache[connection_id] = (time.monotonic() + CACHE_SECONDS, key)
    return key


async def receive(
    rows: AsyncConnection,
    settings: Settings,
    connection_id: uuid.UUID,
    headers: Mapping[str, str],
    body: bytes,
) -> InboundAccepted:
    """401 (nothing stored) unless the vendor's signature verifies; 422 naming the body when it
    verifies but the body is not the JSON object the vendor documents; then stored once and
    accepted. A repeat of a stored delivery is accepted and changes nothing, except where the
    vendor's scheme makes a repeat an attack (Lever's token), which is refused."""
    key = await _key(rows, connection_id, settings)
    if key is None:
        raise NotFound("ATS connection", connection_id)
    if key.secret is None:
        raise Unauthenticated("This connection has no webhook secret; set one before sending")
    adapter = adapter_for(key.provider)
    try:
        inbound = adapter.verify(headers, body, key.secret, utcnow(), settings)
    except WebhookMalformed as exc:
        # The signature held, so the caller is the vendor: say what is wrong with the body
        # (422, naming it) rather than 401, which would send them looking at their secret.
        raise InvalidInput.for_field("body", str(exc)) from exc
    except WebhookRefused as exc:
        raise Unauthenticated(f"The webhook failed verification: {exc}") from exc
    if inbound.ping:
        return InboundAccepted()
    stored = await repository.store_inbound(
        rows,
        organization_id=key.organization_id,
        connection_id=connection_id,
        vendor_event_id=inbound.vendor_event_id[:200],
        event_type=inbound.event_type[:100],
        payload=orjson.dumps(inbound.payload).decode(),
    )
    duplicate = not stored
    if duplicate and VENDORS[key.provider].repeats_are_replays:
        raise Unauthenticated("The webhook's token was already used: a replay is refused")
    return InboundAccepted(duplicate=duplicate)
