"""What an attempt's answer means (app/domain/webhooks/policy.py), without a network."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.domain.webhooks.policy import failing_too_long, judge
from app.integrations.outbound import Answer, retry_after_seconds

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
SCHEDULE = [5, 300, 1800, 7200, 18000, 36000, 36000]


def answer(code: int | None, retry_after: float | None = None, error: str | None = None) -> Answer:
    return Answer(code, 12, "body", error, retry_after)


def on_schedule(moment: datetime | None, wait: float) -> bool:
    """The listed wait, made at most 10% longer by the jitter, never shorter."""
    assert moment is not None
    return NOW + timedelta(seconds=wait) <= moment <= NOW + timedelta(seconds=wait * 1.1)


@pytest.mark.parametrize("code", [200, 201, 202, 204, 299])
def test_only_a_2xx_succeeds(code: int) -> None:
    verdict = judge(answer(code), 1, NOW, SCHEDULE, max_retry_after=86400)
    assert (verdict.status, verdict.next_attempt_at, verdict.disable_endpoint) == (
        "succeeded",
        None,
        None,
    )


@pytest.mark.parametrize("code", [100, 199, 301, 302, 307, 308, 400, 404, 500, 502, None])
def test_everything_else_is_retried_on_the_schedule(code: int | None) -> None:
    for attempt, wait in enumerate(SCHEDULE, start=1):
        verdict = judge(answer(code), attempt, NOW, SCHEDULE, max_retry_after=86400)
        assert verdict.status == "pending"
        assert on_schedule(verdict.next_attempt_at, wait)
        assert verdict.disable_endpoint is None


def test_retries_of_deliveries_that_failed_together_are_spread() -> None:
    """Endpoints down together are not hit together when they come back: each delivery's
    next attempt is jittered within its wait's tenth."""
    moments = {
        judge(answer(500), 3, NOW, SCHEDULE, max_retry_after=86400).next_attempt_at
        for _ in range(50)
    }
    assert len(moments) > 40
    assert all(on_schedule(moment, 1800) for moment in moments)


def test_the_default_schedule_is_the_issues() -> None:
    from tests.conftest import make_settings

    assert make_settings().webhook_retry_schedule == SCHEDULE
    assert make_settings().webhook_timeout_seconds == 15
    assert make_settings().webhook_disable_after_days == 5


def test_no_retry_is_left_after_the_last_wait() -> None:
    verdict = judge(answer(500), len(SCHEDULE) + 1, NOW, SCHEDULE, max_retry_after=86400)
    assert (verdict.status, verdict.next_attempt_at) == ("failed", None)
    # A network error (no status) is a failure like a 500.
    verdict = judge(answer(None, error="timed out"), 8, NOW, SCHEDULE, max_retry_after=86400)
    assert verdict.status == "failed"


def test_410_fails_at_once_and_disables_the_endpoint() -> None:
    verdict = judge(answer(410), 1, NOW, SCHEDULE, max_retry_after=86400)
    assert verdict.status == "failed"
    assert verdict.next_attempt_at is None
    assert verdict.disable_endpoint is not None
    assert "410" in verdict.disable_endpoint


@pytest.mark.parametrize("code", [429, 503])
def test_retry_after_is_honoured_on_429_and_503(code: int) -> None:
    verdict = judge(answer(code, 120.0), 1, NOW, SCHEDULE, max_retry_after=86400)
    assert verdict.next_attempt_at == NOW + timedelta(seconds=120)
    # Shorter than the schedule too: the receiver knows when it is ready.
    verdict = judge(answer(code, 1.0), 3, NOW, SCHEDULE, max_retry_after=86400)
    assert verdict.next_attempt_at == NOW + timedelta(seconds=1)
    # Capped, so a receiver cannot park a delivery for a year.
    verdict = judge(answer(code, 10**9), 1, NOW, SCHEDULE, max_retry_after=3600)
    assert verdict.next_attempt_at == NOW + timedelta(seconds=3600)
    # Without the header, the schedule.
    verdict = judge(answer(code), 2, NOW, SCHEDULE, max_retry_after=3600)
    assert on_schedule(verdict.next_attempt_at, 300)


def test_retry_after_is_ignored_on_other_answers_and_when_no_retry_is_left() -> None:
    verdict = judge(answer(500, 1.0), 1, NOW, SCHEDULE, max_retry_after=86400)
    assert on_schedule(verdict.next_attempt_at, 5)
    verdict = judge(answer(429, 1.0), len(SCHEDULE) + 1, NOW, SCHEDULE, max_retry_after=86400)
    assert verdict.status == "failed"


def test_retry_after_header_forms() -> None:
    assert retry_after_seconds(None) is None
    assert retry_after_seconds("120") == 120.0
    assert retry_after_seconds("-5") == 0.0
    assert retry_after_seconds("soon") is None
    in_a_minute = retry_after_seconds("Wed, 21 Oct 2099 07:28:00 GMT")
    assert in_a_minute is not None
    assert in_a_minute > 86400
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0


def test_failing_too_long() -> None:
    assert not failing_too_long(None, NOW, 5)
    assert not failing_too_long(NOW - timedelta(days=4, hours=23), NOW, 5)
    assert failing_too_long(NOW - timedelta(days=5), NOW, 5)
    assert failing_too_long(NOW - timedelta(days=30), NOW, 5)
