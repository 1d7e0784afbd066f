"""API keys as the domain issues them, and the signal that a credential stopped being valid.

The domain issues and revokes keys; the web side verifies them and caches what it verified
(app/auth.py). A revocation must reach that cache without the domain importing the web side,
so the domain announces it here and the cache listens.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from typing import Protocol

API_KEY_PREFIX = "hl_"


def generate_api_key() -> tuple[str, str, str]:
    """Return (plaintext key, display prefix, hash). Only the hash is stored."""
    secret = secrets.token_urlsafe(32)
    key = f"{API_KEY_PREFIX}{secret}"
    return key, key[: len(API_KEY_PREFIX) + 6], hash_api_key(key)


def hash_api_key(key: str) -> str:
    # Keys carry 256 bits of entropy, so a plain SHA-256 is as strong as a slow hash here
    # and keeps the look-up an index probe.
    return hashlib.sha256(key.encode()).hexdigest()


class RevocationListener(Protocol):
    def forget_api_key(self, api_key_id: uuid.UUID) -> None: ...

    def forget_member(self, member_id: uuid.UUID) -> None: ...


class Revocations:
    """Told, after the commit, that a key was revoked or a member deactivated; tells every
    listener (one per process: the web side's cache of verified credentials)."""

    def __init__(self) -> None:
        self._listeners: list[RevocationListener] = []

    def subscribe(self, listener: RevocationListener) -> None:
        if listener not in self._listeners:
            self._listeners.append(listener)

    def api_key(self, api_key_id: uuid.UUID) -> None:
        for listener in self._listeners:
            listener.forget_api_key(api_key_id)

    def member(self, member_id: uuid.UUID) -> None:
        for listener in self._listeners:
            listener.forget_member(member_id)


revocations = Revocations()
