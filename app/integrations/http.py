"""Calling a vendor's API politely: one place for rate limits, retries and error shapes.

- 429 and 503 carry Retry-After; we wait that long (short waits inline, longer ones hand the
  job back to the worker with `retry_after`), never sooner, so a 429 storm is waited out.
- X-RateLimit-Remaining: 0 with X-RateLimit-Reset makes the next call on that connection wait
  for the reset instead of earning a 429.
- Timeouts, connection errors and 5xx are transient: retried with exponential backoff and
  jitter, then raised as transient so the job is retried later. Any other 4xx is the request's
  fault and is never retried.
- The URL passes the SSRF guard (app/integrations/outbound.py): a base_url override can
  point at a local fake only through outbound_allow_networks.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from app.integrations.outbound import DestinationRefused, resolve
from app.settings import Settings


class VendorError(Exception):
    """A call to the vendor failed. `transient` errors (timeouts, 5xx, 429) are retried with
    backoff, honouring `retry_after`; others (4xx) are not retried."""

    def __init__(
        self,
        message: str,
        *,
        transient: bool,
        retry_after: float | None = None,
        status: int | None = None,
        body: str | None = None,
    ) -> None:
        super().__init__(message)
        self.transient = transient
        self.retry_after = retry_after
        self.status = status
        # The start of the vendor's answer, for adapters that tell errors apart by their body
        # (CalDAV's valid-sync-token precondition, Graph's syncStateNotFound); never logged.
        self.body = body


def jittered(seconds: float) -> float:
    """A backoff wait spread over its half to its whole, so clients that failed together do
    not retry together ("full jitter" halved: never sooner than half the wait)."""
    return seconds * (0.5 + random.random() / 2)  # noqa: S311 (timing, not secrecy)


INLINE_WAIT_LIMIT = 30.0  # longer waits go back to the queue rather than hold a worker slot


@dataclass
class Throttle:
    """Rate-limit state of one connection (per worker process)."""

    not_before: float = 0.0  # monotonic time before which no call is made
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def wait(self) -> None:
        delay = self.not_before - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)

    def hold(self, seconds: float) -> None:
        self.not_before = max(self.not_before, time.monotonic() + seconds)


_throttles: dict[str, Throttle] = {}


def throttle_for(key: str) -> Throttle:
    throttle = _throttles.get(key)
    if throttle is None:
        throttle = _throttles[key] = Throttle()
    return throttle


def _seconds(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def _reset_wait(headers: httpx.Headers) -> float | None:
    """Seconds until the window resets, from X-RateLimit-Reset (epoch seconds or a delta)."""
    reset = _seconds(headers.get("x-ratelimit-reset"))
    if reset is None:
        return None
    now = time.time()
    return reset - now if reset > 1_000_000_000 else reset


async def request(
    http: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    settings: Settings,
    throttle: Throttle,
    headers: dict[str, str] | None = None,
    params: dict[str, Any] | None = None,
    json: Any = None,
    data: dict[str, str] | None = None,
    content: bytes | None = None,
    attempts: int = 4,
    timeout_seconds: float = 30.0,
    rate_limited: Callable[[httpx.Response], bool] | None = None,
) -> httpx.Response:
    """One logical call, with retries; returns a 2xx response or raises VendorError.

    `rate_limited` lets a vendor name its own throttling answers that are not a 429 (Google's
    403 `rateLimitExceeded`): they are waited out and retried like a 429."""
    backoff = 0.5
    last: VendorError | None = None
    for _ in range(attempts):
        await throttle.wait()
        try:
            destination = await resolve(url, settings)
        except DestinationRefused as exc:
            raise VendorError(f"refused: {exc}", transient=False) from exc
        try:
            response = await http.request(
                method,
                destination.pinned_url,
                headers={**(headers or {}), "Host": destination.host_header()},
                params=params,
                json=json,
                data=data,
                content=content,
                timeout=timeout_seconds,
                extensions=destination.request_extensions(),
                follow_redirects=False,
            )
        except httpx.HTTPError as exc:
            last = VendorError(f"{type(exc).__name__} calling the vendor", transient=True)
            await asyncio.sleep(jittered(backoff))
            backoff *= 2
            continue
        if response.headers.get("x-ratelimit-remaining") == "0":
            wait = _reset_wait(response.headers)
            if wait is not None and wait > 0:
                throttle.hold(min(wait, 3600.0))
        status = response.status_code
        if 200 <= status < 300:
            return response
        if status in (429, 503) or (rate_limited is not None and rate_limited(response)):
            wait = _seconds(response.headers.get("retry-after"))
            if wait is None:
                wait = jittered(backoff)
                backoff *= 2
            throttle.hold(wait)
            last = VendorError(
                f"the vendor answered {status}", transient=True, retry_after=wait, status=status
            )
            if wait > INLINE_WAIT_LIMIT:
                raise last
            continue
        if status >= 500:
            last = VendorError(f"the vendor answered {status}", transient=True, status=status)
            await asyncio.sleep(jittered(backoff))
            backoff *= 2
            continue
        raise VendorError(
            f"the vendor refused the request ({status}): {response.text[:300]}",
            transient=False,
            status=status,
            body=response.text[:4000],
        )
    assert last is not None
    raise last
