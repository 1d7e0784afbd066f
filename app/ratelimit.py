"""Rate limits: fixed-window counters per API key, per organization and per client address.

Counted with the `limits` library's asyncio API (`limits.aio`): in this process by default, or
in Redis when `HIRELOOP_REDIS_URL` is set, so that several API processes count together.

- **Fixed windows.** One counter per window and subject, incremented once per request: a
  single dictionary update in process, or one `EVALSHA` round trip to Redis (INCR and EXPIRE
  in one script). A moving window would keep one timestamp per request and answer "how many
  since t-60s" on each one, which costs far more for limits of thousands a minute. The price
  of fixed windows is a possible burst of twice the limit across a window's edge, which is
  acceptable for abuse limits (they bound the rate; they do not bill).
- **Where each limit is counted.** Per key and per organization where the caller is known:
  `current_actor` (app/auth.py), which REST and GraphQL both use. Per address for what
  needs no key, in the `AbuseLimits` middleware (app/api/middleware.py), by path: the
  candidates' availability links and the inbound pushes (vendor webhooks, calendar pushes).
  Failed credentials per address in `Authenticator.authenticate` (app/auth.py).
- **Throttled addresses.** An address found over its failed-credential allowance is
  remembered with the end of its window, so that its requests are refused with one dictionary
  look-up: by `check_failures` without asking the store again, and before routing by the
  `EarlyThrottle` middleware (app/api/throttle.py), which answers the very same 429 without
  routing the request, resolving its dependencies or raising. A fixed window's count only grows
  until the window ends, so the memory cannot refuse what the store would let through, except
  while the store is down, when it is not consulted either (fail open).
- **Headers.** The IETF draft's three fields (draft-ietf-httpapi-ratelimit-headers):
  `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` (seconds until the window
  ends), for the tighter of the limits the request was counted against; a 429 adds
  `Retry-After` (seconds).
- **When Redis is down** the request is let through uncounted (fail open) and a warning is
  logged; Redis is not asked again for a few seconds, so an outage does not add a timeout to
  every request. Limits protect the service; they must not become the reason it is down.
"""

from __future__ import annotations

import logging
import math
import time
import uuid
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage

from app.errors import DomainError
from app.settings import Settings

log = logging.getLogger("hireloop.ratelimit")

# How long a failing counter store is left alone before it is tried again.
STORE_RETRY_SECONDS = 5.0
# A Redis that does not answer within this is taken as down (the request then goes uncounted).
REDIS_TIMEOUT_SECONDS = 0.25


@dataclass(frozen=True, slots=True)
class Quota:
    """Where one counter stands after this request."""

    limit: int
    remaining: int
    reset_after: int  # whole seconds until the window ends
    allowed: bool

    def header_items(self) -> list[tuple[bytes, bytes]]:
        items = [
            (b"ratelimit-limit", str(self.limit).encode()),
            (b"ratelimit-remaining", str(self.remaining).encode()),
            (b"ratelimit-reset", str(self.reset_after).encode()),
        ]
        if not self.allowed:
            items.append((b"retry-after", str(max(1, self.reset_after)).encode()))
        return items


class RateLimited(DomainError):
    """429: over a limit. `quota` says which window and when it ends (Retry-After)."""

    def __init__(self, detail: str, quota: Quota) -> None:
        super().__init__(detail=detail, code="rate_limited", status=429, title="Too many requests")
        self.quota = quota


def _tighter(first: Quota | None, second: Quota | None) -> Quota | None:
    if first is None or second is None:
        return first or second
    if not second.allowed and first.allowed:
        return second
    return second if second.remaining < first.remaining else first


def client_address(client: tuple[str, int] | list[object] | None) -> str:
    """The ASGI scope's client host (uvicorn has already applied trusted X-Forwarded-For)."""
    if not client:
        return "unknown"
    return str(client[0])


class RateLimits:
    """The service's counters and limits; one per application."""

    def __init__(self, settings: Settings) -> None:
        self.enabled = settings.rate_limits_enabled
        self.per_key = parse(settings.rate_limit_per_key)
        self.per_organization = parse(settings.rate_limit_per_organization)
        self.per_address = parse(settings.rate_limit_per_address)
        self.inbound_per_address = parse(settings.rate_limit_inbound_per_address)
        self.auth_failures = parse(settings.auth_failures_per_address)
        self.shared = bool(settings.redis_url)
        self._storage: Storage
        if settings.redis_url:
            self._storage = RedisStorage(
                _limits_uri(settings.redis_url),
                implementation="redispy",
                key_prefix="hireloop",
                wrap_exceptions=True,
                socket_timeout=REDIS_TIMEOUT_SECONDS,
                socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            )
        else:
            self._storage = MemoryStorage()
        # When each window ends, by its key: known for the windows this process opened, asked
        # of the store once for those another process opened (Redis), then remembered.
        self._resets: dict[str, float] = {}
        self._keys: dict[tuple[str, Hashable], str] = {}
        # Addresses over their failed-credential allowance: address -> when its window ends.
        self._throttled: dict[str, float] = {}
        self._down_until = 0.0

    def _key(self, item: RateLimitItem, kind: str, subject: Hashable) -> str:
        """The window's storage key, remembered: building it is a third of a count's cost."""
        key = self._keys.get((kind, subject))
        if key is None:
            if len(self._keys) > 100_000:
                self._keys.clear()
            key = self._keys[(kind, subject)] = item.key_for(kind, str(subject))
        return key

    async def hit(self, item: RateLimitItem, kind: str, subject: Hashable) -> Quota | None:
        """Count one request of `subject` (a key, an organization, an address) against `item`;
        None when the store is unavailable (the request then goes uncounted)."""
        counted = await self._count(item, kind, subject)
        return None if counted is None else counted[0]

    async def _count(
        self, item: RateLimitItem, kind: str, subject: Hashable
    ) -> tuple[Quota, float] | None:
        """`hit`, with the window's end as a timestamp (what a throttled address is kept by)."""
        now = time.time()
        if now < self._down_until:
            return None
        key = self._key(item, kind, subject)
        expiry = item.get_expiry()
        try:
            count = await self._storage.incr(key, expiry)
            reset = now + expiry if count == 1 else await self._reset_of(key, now)
        except Exception as exc:  # the store's errors (StorageError) and the client's own
            self._store_failed(now, exc)
            return None
        if count == 1:
            self._remember_reset(key, reset)
        quota = Quota(
            limit=item.amount,
            remaining=max(0, item.amount - count),
            reset_after=max(0, math.ceil(reset - now)),
            allowed=count <= item.amount,
        )
        return quota, reset

    async def check_caller(self, key_id: uuid.UUID, organization_id: uuid.UUID) -> Quota | None:
        """Count a request against its key and its organization; 429 when either is spent."""
        key_quota = await self.hit(self.per_key, "key", key_id)
        if key_quota is not None and not key_quota.allowed:
            raise RateLimited(
                f"This API key sent more than {self.per_key.amount} requests per "
                f"{_window(self.per_key)}; retry in {max(1, key_quota.reset_after)} s",
                key_quota,
            )
        org_quota = await self.hit(self.per_organization, "organization", organization_id)
        if org_quota is not None and not org_quota.allowed:
            raise RateLimited(
                f"Your organization sent more than {self.per_organization.amount} requests per "
                f"{_window(self.per_organization)}, all its keys together; retry in "
                f"{max(1, org_quota.reset_after)} s",
                org_quota,
            )
        return _tighter(key_quota, org_quota)

    @property
    def throttling(self) -> bool:
        """Whether any address is kept as over its failed-credential allowance."""
        return bool(self._throttled)

    def is_throttled(self, address: str) -> bool:
        """A first, cheap look: whether `throttled` may refuse this address."""
        return address in self._throttled

    def throttled(self, address: str) -> RateLimited | None:
        """The 429 `check_failures` would raise for this address, if it is known to be over its
        failed-credential allowance: no store, no await, so the refusal is cheap enough to
        answer a flood with. None when it is not known to be over (or limits are off, or the
        store is down and nothing is refused)."""
        until = self._throttled.get(address)
        if until is None or not self.enabled:
            return None
        now = time.time()
        if until <= now:
            # The window has ended and its count with it.
            self._throttled.pop(address, None)
            return None
        if now < self._down_until:
            return None
        return self._too_many_failures(
            Quota(
                limit=self.auth_failures.amount,
                remaining=0,
                reset_after=max(0, math.ceil(until - now)),
                allowed=False,
            )
        )

    async def check_failures(self, address: str) -> None:
        """429 if this address has spent its failed credentials, without counting one."""
        if not self.enabled:
            return
        known = self.throttled(address)
        if known is not None:
            raise known
        now = time.time()
        if now < self._down_until:
            return
        key = self._key(self.auth_failures, "auth-failures", address)
        try:
            count = await self._storage.get(key)
            if count < self.auth_failures.amount:
                return
            reset = await self._reset_of(key, now)
        except Exception as exc:
            self._store_failed(now, exc)
            return
        self._throttle(address, reset)
        raise self._too_many_failures(
            Quota(
                limit=self.auth_failures.amount,
                remaining=0,
                reset_after=max(0, math.ceil(reset - now)),
                allowed=False,
            )
        )

    async def count_failure(self, address: str) -> None:
        """Count a failed credential; 429 once the address is over its allowance."""
        if not self.enabled:
            return
        counted = await self._count(self.auth_failures, "auth-failures", address)
        if counted is None:
            return
        quota, reset = counted
        if quota.remaining == 0:
            # The allowance is spent: from now on `check_failures` refuses this address.
            self._throttle(address, reset)
        if not quota.allowed:
            raise self._too_many_failures(quota)

    def _throttle(self, address: str, until: float) -> None:
        if len(self._throttled) >= 100_000:
            self._throttled.clear()
        self._throttled[address] = until

    def _too_many_failures(self, quota: Quota) -> RateLimited:
        return RateLimited(
            f"Too many failed credentials from your address (more than "
            f"{self.auth_failures.amount} per {_window(self.auth_failures)}); "
            f"retry in {max(1, quota.reset_after)} s",
            quota,
        )

    async def _reset_of(self, key: str, now: float) -> float:
        known = self._resets.get(key)
        if known is not None and known > now:
            return known
        reset = await self._storage.get_expiry(key)
        self._remember_reset(key, reset)
        return reset

    def _remember_reset(self, key: str, reset: float) -> None:
        if len(self._resets) > 100_000:
            self._resets.clear()
        self._resets[key] = reset

    def _store_failed(self, now: float, exc: Exception) -> None:
        self._down_until = now + STORE_RETRY_SECONDS
        log.warning(
            "rate limits are not counted for %.0f s: the counter store failed (%s: %s)",
            STORE_RETRY_SECONDS,
            type(exc).__name__,
            exc,
        )

    async def close(self) -> None:
        if isinstance(self._storage, RedisStorage):
            # limits has no close of its own: close the redis-py client it made.
            client: Any = getattr(self._storage.bridge, "storage", None)
            try:
                if client is not None:
                    await client.aclose()
            except Exception:
                log.debug("closing the rate-limit store failed", exc_info=True)


def _window(item: RateLimitItem) -> str:
    unit = item.GRANULARITY.name
    return unit if item.multiples == 1 else f"{item.multiples} {unit}s"


def _limits_uri(redis_url: str) -> str:
    """HIRELOOP_REDIS_URL as `limits` names it: redis://... becomes async+redis://..."""
    return redis_url if redis_url.startswith("async+") else f"async+{redis_url}"


__all__ = ["Quota", "RateLimited", "RateLimits", "client_address"]
