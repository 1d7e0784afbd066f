"""Every retry's wait, from one library (tenacity), for every kind of background work.

Two uses, one set of rules:
- Persisted retries (a webhook delivery, an ATS push or inbound event, a notification, a
  calendar read or write): the task records its outcome and the time of its next attempt in a
  new transaction; `Backoff.next_at` computes that time from the attempt number.
- In-process retries of one idempotent call (app/integrations/http.py): `Backoff.waiting()`
  gives the tenacity wait strategy for an `AsyncRetrying` loop.

Every wait carries jitter, so work that failed together (an endpoint or a vendor down for
everyone) is not retried together in a thundering herd. A `Retry-After` from the other side
(429, 503) is honoured exactly, capped only where the caller says so: it is the other side
telling us when it can take the call, and trying sooner only earns another refusal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from tenacity import RetryCallState, Retrying
from tenacity.wait import (
    wait_base,
    wait_chain,
    wait_exponential,
    wait_fixed,
    wait_random,
    wait_random_exponential,
)

# A listed wait is spread over up to this share of itself, later and never sooner, so a
# documented schedule stays a promise ("not before 5 minutes") while retries still scatter.
LISTED_JITTER = 0.1

# Only a carrier for the attempt number tenacity's strategies read; never runs anything.
_PLANNER = Retrying()


def _state(attempt: int) -> RetryCallState:
    state = RetryCallState(retry_object=_PLANNER, fn=None, args=(), kwargs={})
    state.attempt_number = attempt
    return state


@dataclass(frozen=True)
class Backoff:
    """The waits between the attempts of one task. `retries` bounds the retries after the first
    attempt (None: the caller bounds them); `strategy` is tenacity's wait for an attempt."""

    strategy: wait_base
    retries: int | None

    def wait(
        self,
        attempt: int,
        *,
        retry_after: float | None = None,
        max_retry_after: float | None = None,
    ) -> float | None:
        """Seconds to wait after failed attempt `attempt` (counted from 1) before the next, or
        None when no retry is left. A Retry-After replaces the computed wait."""
        if self.retries is not None and attempt > self.retries:
            return None
        if retry_after is not None:
            wait = max(0.0, retry_after)
            return wait if max_retry_after is None else min(wait, max_retry_after)
        return float(self.strategy(_state(attempt)))

    def next_at(
        self,
        attempt: int,
        now: datetime,
        *,
        retry_after: float | None = None,
        max_retry_after: float | None = None,
    ) -> datetime | None:
        """When the next attempt is due, or None when `attempt` was the last."""
        wait = self.wait(attempt, retry_after=retry_after, max_retry_after=max_retry_after)
        return None if wait is None else now + timedelta(seconds=wait)

    def waiting(self) -> wait_base:
        """The strategy for an in-process tenacity loop."""
        return self.strategy


def listed(schedule: Sequence[float]) -> Backoff:
    """Retry after each listed wait in turn (webhooks, notifications: operators set the list),
    each made up to LISTED_JITTER longer at random; one retry per entry."""
    return _listed(tuple(float(wait) for wait in schedule))


@cache  # a handful of schedules (from settings), asked for on every failed attempt
def _listed(schedule: tuple[float, ...]) -> Backoff:
    if not schedule:
        raise ValueError("a listed schedule needs at least one wait")
    waits = [wait_fixed(s) + wait_random(0, s * LISTED_JITTER) for s in schedule]
    return Backoff(wait_chain(*waits), len(schedule))


def doubling(first: float, cap: float, retries: int | None = None) -> Backoff:
    """`first`, doubling on each retry up to `cap` (vendors, calendars), each wait spread at
    random over its half to its whole: never later than the doubling promises, never sooner
    than half of it ("full jitter" halved, so a retry cannot land at once)."""
    half_first, half_cap = first / 2, cap / 2
    strategy = wait_exponential(multiplier=half_first, max=half_cap) + wait_random_exponential(
        multiplier=half_first, max=half_cap
    )
    return Backoff(strategy, retries)
