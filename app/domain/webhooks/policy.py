"""What an attempt's answer means for its delivery and endpoint. Pure, so every rule is tested
without a network."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from app.integrations.outbound import Answer


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
    if attempt > len(schedule):
        return Verdict("failed", None)
    wait = float(schedule[attempt - 1])
    if code in (429, 503) and answer.retry_after is not None:
        wait = min(answer.retry_after, float(max_retry_after))
    return Verdict("pending", now + timedelta(seconds=wait))


def failing_too_long(failing_since: datetime | None, now: datetime, days: float) -> bool:
    return failing_since is not None and now - failing_since >= timedelta(days=days)
