"""Calling a vendor's API politely: one place for rate limits, retries and error shapes.

- 429 and 503 carry Retry-After; we wait that long (short waits inline, longer ones hand the
  job back to the worker with `retry_after`), never sooner, so a 429 storm is waited out.
- X-RateLimit-Remaining: 0 with X-RateLimit-Reset makes the next call on that connection wait
  for the reset instead of earning a 429.
- Timeouts, connection errors and 5xx are transient: retried with exponential backoff and
  jitter (tenacity, through app/integrations/retry.py), then raised as transient so the job is retried later. Any other 4xx is the request's
  fault and is never retried.
- The URL passes the SSRF guard (app/integrations/outbound.py): a base_url override can
  point at a local fake only through outbound_allow_networks.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

from app.integrations.outbound import DestinationRefused, resolve
from app.integrations.retry import doubling
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
    not retry together (app/integrations/retry.py's doubling, for one fixed wait)."""
    return doubling(seconds, seconds).wait(1) or 0.0


# Waits between the tries of one call: 0.5 s, 1 s, 2 s (each over its half to its whole).
INLINE_BACKOFF = doubling(0.5, 8.0)
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
    backoff = INLINE_BACKOFF.waiting()

    def wait(state: RetryCallState) -> float:
        failure = state.outcome.exception() if state.outcome is not None else None
        if isinstance(failure, VendorError) and failure.retry_after is not None:
            return 0.0  # the throttle holds every call on this account until it has passed
        return float(backoff(state))

    retrying = AsyncRetrying(
        stop=stop_after_attempt(attempts),
        wait=wait,
        retry=retry_if_exception(_retried_inline),
        reraise=True,
    )
    async for attempt in retrying:
        with attempt:
            return await _attempt(
                http,
                method,
                url,
                settings=settings,
                throttle=throttle,
                headers=headers,
                params=params,
                json=json,
                data=data,
                content=content,
                timeout_seconds=timeout_seconds,
                rate_limited=rate_limited,
                number=attempt.retry_state.attempt_number,
            )
    raise AssertionError("unreachable: the last failure is re-raised")  # pragma: no cover


def _retried_inline(error: BaseException) -> bool:
    """Transient failures are tried again here, unless the vendor asked for a longer wait than
    a worker slot should be held: that one goes back to the queue with its `retry_after`."""
    if not isinstance(error, VendorError) or not error.transient:
        return False
    return error.retry_after is None or error.retry_after <= INLINE_WAIT_LIMIT


async def _attempt(
    http: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    settings: Settings,
    throttle: Throttle,
    headers: dict[str, str] | None,
    params: dict[str, Any] | None,
    json: Any,
    data: dict[str, str] | None,
    content: bytes | None,
    timeout_seconds: float,
    rate_limited: Callable[[httpx.Response], bool] | None,
    number: int,
) -> httpx.Response:
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
        raise VendorError(f"{type(exc).__name__} calling the vendor", transient=True) from exc
    if response.headers.get("x-ratelimit-remaining") == "0":
        reset = _reset_wait(response.headers)
        if reset is not None and reset > 0:
            throttle.hold(min(reset, 3600.0))
    status = response.status_code
    if 200 <= status < 300:
        return response
    if status in (429, 503) or (rate_limited is not None and rate_limited(response)):
        wait = _seconds(response.headers.get("retry-after"))
        if wait is None:
            wait = INLINE_BACKOFF.wait(number) or 0.0
        throttle.hold(wait)
        raise VendorError(
            f"the vendor answered {status}", transient=True, retry_after=wait, status=status
        )
    if status >= 500:
        raise VendorError(f"the vendor answered {status}", transient=True, status=status)
    raise VendorError(
        f"the vendor refused the request ({status}): {response.text[:300]}",
        transient=False,
        status=status,
        body=response.text[:4000],
    )
