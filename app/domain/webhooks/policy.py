"""What an attempt's answer means for its delivery and endpoint. Pure but for the retry's
jitter, so every rule is tested without a network."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from app.integrations.outbound import Answer
from app.integrations.retry import listed


@dataclass(frozen=True)
class Verdict:
    status: str  # succeeded | pending (retry) | failed (no retry left)
    next_attempt_at: datetime | None
    disable_endpoint: str | None = None  # a reason, when this answer disables the endpoint


def judge(
    answer: Answer,
    attempt: int,
    now: datetime,
    schedule: list[int],
    *,
    max_retry_after: int,
) -> Verdict:
    """`attempt` counts from 1. Only a 2xx succeeds: a redirect is a failure (we never follow
    one, since the new location would escape the check made on the registered URL)."""
    code = answer.status_code
    if code is not None and 200 <= code < 300:
        return Verdict("succeeded", None)
    if code == 410:
        return Verdict("failed", None, "the endpoint answered 410 Gone")
    # The receiver's Retry-After (429, 503) replaces the schedule's wait; any other failure
    # waits the listed time, jittered (app/integrations/retry.py).
    retry_after = answer.retry_after if code in (429, 503) else None
    next_at = listed(schedule).next_at(
        attempt, now, retry_after=retry_after, max_retry_after=float(max_retry_after)
    )
    if next_at is None:
        return Verdict("failed", None)
    return Verdict("pending", next_at)


def failing_too_long(failing_since: datetime | None, now: datetime, days: float) -> bool:
    return failing_since is not None and now - failing_since >= timedelta(days=days)
