"""Signed, expiring tokens for a follow-up's answer link.

The construction of app/domain/availability/tokens.py (row id and expiry, HMAC-SHA256 with the
service secret) under its own label, so a follow-up token never opens an availability link nor
the other way round. Single use is enforced by the row's state.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from datetime import UTC, datetime

LABEL = b"follow-up-link:"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(secret: str, follow_up_id: uuid.UUID, expires_at: datetime) -> str:
    payload = follow_up_id.bytes + int(expires_at.timestamp()).to_bytes(8, "big")
    mac = hmac.new(secret.encode(), LABEL + payload, hashlib.sha256).digest()
    return _b64(payload + mac)


def read(secret: str, token: str) -> tuple[uuid.UUID, datetime] | None:
    """The follow-up id and the signed expiry if the token is authentic, else None. Expiry is
    the caller's to judge: an authentic but expired link is answered 410, a forged one 404."""
    try:
        raw = _unb64(token)
    except (ValueError, UnicodeError):
        return None
    if len(raw) != 16 + 8 + 32:
        return None
    payload, mac = raw[:24], raw[24:]
    expected = hmac.new(secret.encode(), LABEL + payload, hashlib.sha256).digest()
    if not hmac.compare_digest(mac, expected):
        return None
    expires = datetime.fromtimestamp(int.from_bytes(payload[16:], "big"), UTC)
    return uuid.UUID(bytes=payload[:16]), expires
