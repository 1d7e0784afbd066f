"""Signed, expiring tokens for the candidate's availability link.

The token names the link row and its expiry and is signed with the service secret (HMAC-SHA256),
so it cannot be forged or extended; single use is enforced by the row's `used_at`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from datetime import UTC, datetime


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(secret: str, link_id: uuid.UUID, expires_at: datetime) -> str:
    payload = link_id.bytes + int(expires_at.timestamp()).to_bytes(8, "big")
    mac = hmac.new(secret.encode(), b"availability-link:" + payload, hashlib.sha256).digest()
    return _b64(payload + mac)


def read(secret: str, token: str, now: datetime | None = None) -> tuple[uuid.UUID, bool] | None:
    """The link id and whether its signed expiry has passed, if the token is authentic; None
    for anything forged, altered or malformed (nothing can be learnt from those)."""
    try:
        raw = _unb64(token)
    except (ValueError, UnicodeError):
        return None
    if len(raw) != 16 + 8 + 32:
        return None
    payload, mac = raw[:24], raw[24:]
    expected = hmac.new(secret.encode(), b"availability-link:" + payload, hashlib.sha256).digest()
    if not hmac.compare_digest(mac, expected):
        return None
    expires = datetime.fromtimestamp(int.from_bytes(payload[16:], "big"), UTC)
    return uuid.UUID(bytes=payload[:16]), (now or datetime.now(UTC)) >= expires


def verify(secret: str, token: str, now: datetime | None = None) -> uuid.UUID | None:
    """The link id if the token is authentic and unexpired, else None."""
    found = read(secret, token, now)
    if found is None or found[1]:
        return None
    return found[0]
