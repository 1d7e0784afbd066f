"""Lever's webhook check: the MAC is over `token + triggeredAt` inside the body (not over the
body), so the body is parsed first and a delivery too old or too far ahead is refused.
See the package's docstring for the documentation relied on."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import datetime

from app.integrations.ats.base import Inbound, WebhookRefused
from app.settings import Settings

FUTURE_SKEW_SECONDS = 60  # a triggeredAt further ahead than this is refused too


def verify_webhook(
    headers: Mapping[str, str],
    body: bytes,
    secret: str,
    now: datetime,
    settings: Settings,
) -> Inbound:
    # Lever signs fields inside the body, so the body is read before the MAC is checked;
    # nothing from it is trusted or stored until the check passes.
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise WebhookRefused("not JSON") from None
    if not isinstance(payload, dict):
        raise WebhookRefused("not JSON")
    token = payload.get("token")
    triggered_at = payload.get("triggeredAt")
    signature = payload.get("signature")
    if not isinstance(token, str) or not token or not isinstance(signature, str):
        raise WebhookRefused("unsigned: token or signature missing")
    if isinstance(triggered_at, bool) or not isinstance(triggered_at, int | str):
        raise WebhookRefused("unsigned: triggeredAt missing")
    triggered_text = str(triggered_at)
    expected = hmac.new(
        secret.encode(), (token + triggered_text).encode(), hashlib.sha256
    ).hexdigest()
    if not hmac.compare_digest(expected, signature.strip().lower()):
        raise WebhookRefused("signature mismatch")
    try:
        triggered_ms = int(triggered_text)
    except ValueError:
        raise WebhookRefused("triggeredAt is not a timestamp") from None
    age = now.timestamp() - triggered_ms / 1000
    if age > settings.lever_webhook_max_age_seconds:
        raise WebhookRefused("stale: triggeredAt is too old")
    if age < -FUTURE_SKEW_SECONDS:
        raise WebhookRefused("triggeredAt is in the future")
    event = payload.get("event")
    return Inbound(
        vendor_event_id=token,
        event_type=event if isinstance(event, str) else "",
        payload=payload,
    )
