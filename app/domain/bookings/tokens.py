"""The token in a booking link: the link's id, signed with the service secret (HMAC-SHA256).

Unlike an availability link's token it carries no expiry: the same link books, then moves or
cancels the panel until its first interview, so what is allowed when lives on the row."""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid

_PURPOSE = b"booking-link:"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def sign(secret: str, link_id: uuid.UUID) -> str:
    mac = hmac.new(secret.encode(), _PURPOSE + link_id.bytes, hashlib.sha256).digest()
    return _b64(link_id.bytes + mac)


def verify(secret: str, token: str) -> uuid.UUID | None:
    """The link id if the token is authentic, else None."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (ValueError, UnicodeError):
        return None
    if len(raw) != 16 + 32:
        return None
    expected = hmac.new(secret.encode(), _PURPOSE + raw[:16], hashlib.sha256).digest()
    if not hmac.compare_digest(raw[16:], expected):
        return None
    return uuid.UUID(bytes=raw[:16])
