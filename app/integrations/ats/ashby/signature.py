"""Ashby's webhook check: `Ashby-Signature: sha256=<hex>`, the HMAC-SHA256 of the raw body.
A body that fails the check is refused (401); one that passes but is not a JSON object is the
sender's mistake (WebhookMalformed, answered 400)."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import datetime

from app.integrations.ats.ashby.mapping import delivery_id, str_or_none
from app.integrations.ats.base import Inbound, WebhookMalformed, WebhookRefused
from app.settings import Settings

SIGNATURE_HEADER = "ashby-signature"


def verify_webhook(
    headers: Mapping[str, str],
    body: bytes,
    secret: str,
    now: datetime,
    settings: Settings,
) -> Inbound:
    # Ashby's signature carries no timestamp, so there is no staleness to check; a replayed
    # delivery has the same webhookActionId and action, and is stored once by the inbox.
    header = headers.get(SIGNATURE_HEADER)
    if not header:
        raise WebhookRefused("unsigned: no Ashby-Signature header")
    if not secret:
        raise WebhookRefused("the connection has no webhook secret to verify with")
    algorithm, sep, digest = header.strip().partition("=")
    if not sep or algorithm.strip().lower() != "sha256":
        raise WebhookRefused("the Ashby-Signature header is not of the form sha256=<hex>")
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest().encode()
    given = digest.strip().lower().encode("utf-8", "replace")
    if not hmac.compare_digest(expected, given):
        raise WebhookRefused("the signature does not match the body")
    # The signature held: from here on a bad body is the sender's mistake, not a forgery.
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise WebhookMalformed("the body is not JSON; Ashby sends a JSON object") from exc
    if not isinstance(payload, dict):
        raise WebhookMalformed(
            f"the body is JSON but not a JSON object (a {type(payload).__name__}); "
            "Ashby sends a JSON object"
        )
    action = str_or_none(payload.get("action")) or "unknown"
    return Inbound(
        vendor_event_id=delivery_id(payload, body),
        event_type=action,
        payload=payload,
        ping=action == "ping",
    )
