"""Greenhouse's webhook check: `Signature: sha256 <hex>`, the HMAC-SHA256 of the whole raw body.
A body that fails the check is refused (401); one that passes but is not a JSON object is the
sender's mistake (WebhookMalformed, answered 400)."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import datetime

from app.integrations.ats.base import Inbound, WebhookMalformed, WebhookRefused
from app.settings import Settings


def verify_webhook(
    headers: Mapping[str, str],
    body: bytes,
    secret: str,
    now: datetime,
    settings: Settings,
) -> Inbound:
    header = headers.get("signature")
    if not header or not header.strip():
        raise WebhookRefused("unsigned: no Signature header")
    parts = header.strip().split(None, 1)
    if len(parts) != 2 or parts[0].lower() != "sha256":
        raise WebhookRefused("malformed Signature header (expected 'sha256 <hex>')")
    if not secret:
        raise WebhookRefused("the connection has no webhook secret")
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), parts[1].strip().lower().encode()):
        raise WebhookRefused("signature mismatch")
    # The signature held: from here on a bad body is the sender's mistake, not a forgery.
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise WebhookMalformed("the body is not JSON; Greenhouse sends a JSON object") from exc
    if not isinstance(payload, dict):
        raise WebhookMalformed(
            f"the body is JSON but not a JSON object (a {type(payload).__name__}); "
            "Greenhouse sends a JSON object"
        )
    action = payload.get("action")
    event_type = action if isinstance(action, str) and action else "unknown"
    event_id = (headers.get("greenhouse-event-id") or "").strip()
    if not event_id:
        # Undocumented case; the body hash is stable across Greenhouse's retries.
        event_id = "sha256:" + hashlib.sha256(body).hexdigest()
    return Inbound(
        vendor_event_id=event_id,
        event_type=event_type,
        payload=payload,
        ping=event_type == "ping",
    )
