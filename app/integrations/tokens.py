"""Access tokens a process has earned, kept for the next call on the same account.

Every vendor that hands out short-lived bearer tokens (Greenhouse's client credentials, a
Google service account's JWT grant, Microsoft's app-only tokens) is asked once per account and
lifetime, not once per task: the token is reused until a minute before it expires, and
concurrent callers for one account wait for one minting instead of each asking the vendor.
A token the vendor has just refused (`stale`) is never handed out again.

The key names the account and its secret (a hash, never the secret itself), so a rotated
secret is a new key and the old token is simply never asked for again.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

REFRESH_MARGIN = timedelta(minutes=1)


@dataclass(frozen=True)
class AccessToken:
    value: str
    expires_at: datetime  # aware

    def fresh(self, now: datetime | None = None) -> bool:
        return self.expires_at - REFRESH_MARGIN > (now or datetime.now(UTC))


def account_key(*parts: str) -> str:
    """A cache key for an account from what identifies it, secrets included, hashed."""
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


class TokenCache:
    def __init__(self) -> None:
        self._tokens: dict[str, AccessToken] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def get(
        self,
        key: str,
        mint: Callable[[], Awaitable[AccessToken]],
        *,
        stale: str | None = None,
    ) -> AccessToken:
        """The cached token for `key` while fresh (and not `stale`), else a new one from
        `mint`, which runs once however many callers wait for it."""
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            cached = self._tokens.get(key)
            if cached is not None and cached.value != stale and cached.fresh():
                return cached
            token = await mint()
            self._tokens[key] = token
            return token

    def clear(self) -> None:
        """Forget every token (tests; a rotated secret is a new key anyway)."""
        self._tokens.clear()
