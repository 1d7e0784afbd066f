"""One retry library for every schedule (app/integrations/retry.py): waits are jittered, bounded
and give way to a Retry-After; in-process retries of a vendor call honour Retry-After too."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from app.domain.notifications.delivery import next_attempt
from app.integrations import http as vendor_http
from app.integrations.retry import LISTED_JITTER, doubling, listed
from app.settings import Settings
from tests.conftest import make_settings
from tests.fakes.server import ServedApp

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def test_a_listed_schedule_is_jittered_never_sooner_and_bounded() -> None:
    schedule = listed([30, 300, 1800])
    for attempt, wait in enumerate([30, 300, 1800], start=1):
        waits = {schedule.wait(attempt) for _ in range(200)}
        assert len(waits) > 150, "no jitter: retries that failed together stay together"
        assert all(wait <= w <= wait * (1 + LISTED_JITTER) for w in waits if w is not None)
    assert schedule.wait(4) is None  # the list is used up
    assert schedule.next_at(4, NOW) is None


def test_doubling_is_jittered_over_its_half_to_its_whole_and_capped() -> None:
    backoff = doubling(5, 3600, retries=7)
    for attempt in range(1, 8):
        ceiling = min(3600, 5 * 2 ** (attempt - 1))
        waits = [backoff.wait(attempt) for _ in range(200)]
        assert all(w is not None and ceiling / 2 <= w <= ceiling for w in waits)
        assert len(set(waits)) > 150
    assert backoff.wait(8) is None
    assert all(
        1800 <= (doubling(5, 3600).wait(30) or 0) <= 3600 for _ in range(50)
    )  # unbounded retries still cap their wait


def test_retry_after_replaces_the_wait_exactly_and_is_capped() -> None:
    for backoff in (listed([5, 300]), doubling(5, 3600, retries=2)):
        assert backoff.wait(1, retry_after=120.0) == 120.0  # longer than the schedule
        assert backoff.wait(2, retry_after=1.0) == 1.0  # shorter too: the sender knows
        assert backoff.wait(1, retry_after=10**9, max_retry_after=3600) == 3600
        assert backoff.next_at(1, NOW, retry_after=90.0) == NOW + timedelta(seconds=90)
        # No retry is left: a Retry-After does not buy one.
        assert backoff.wait(3, retry_after=1.0) is None


def test_a_notification_waits_for_slacks_retry_after() -> None:
    assert next_attempt(1, [30, 300], NOW, retry_after=600.0) == NOW + timedelta(seconds=600)
    moment = next_attempt(1, [30, 300], NOW)
    assert moment is not None
    assert NOW + timedelta(seconds=30) <= moment <= NOW + timedelta(seconds=33)
    assert next_attempt(3, [30, 300], NOW, retry_after=1.0) is None


# --- in-process retries of one vendor call, against a vendor served on 127.0.0.1 --------------


class Flaky:
    """A vendor that answers the first `failures` calls with `status` (and Retry-After when
    given), then 200; it notes when each call arrived."""

    def __init__(self) -> None:
        self.failures, self.status, self.retry_after = 0, 500, ""
        self.calls: list[float] = []

    def script(self, failures: int, status: int, retry_after: str = "") -> Flaky:
        self.failures, self.status, self.retry_after = failures, status, retry_after
        self.calls = []
        return self

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.calls.append(time.monotonic())
        if len(self.calls) <= self.failures:
            status, headers = self.status, [(b"content-type", b"application/json")]
            if self.retry_after:
                headers.append((b"retry-after", self.retry_after.encode()))
        else:
            status, headers = 200, [(b"content-type", b"application/json")]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b"{}"})


@pytest.fixture(scope="module")
def vendor() -> Iterator[tuple[Flaky, str]]:
    flaky = Flaky()
    served = ServedApp(flaky).start()
    try:
        yield flaky, served.url
    finally:
        served.stop()


@pytest.fixture
def settings() -> Iterator[Settings]:
    vendor_http._throttles.clear()
    yield make_settings()
    vendor_http._throttles.clear()


async def _call(url: str, settings: Settings, attempts: int = 4) -> httpx.Response:
    async with httpx.AsyncClient() as http:
        return await vendor_http.request(
            http,
            "GET",
            f"{url}/records",
            settings=settings,
            throttle=vendor_http.throttle_for(f"test:{url}"),
            attempts=attempts,
        )


async def test_a_429_is_waited_out_for_its_retry_after_then_retried(
    vendor: tuple[Flaky, str], settings: Settings
) -> None:
    flaky, url = vendor
    flaky.script(2, 429, retry_after="1")
    response = await _call(url, settings)
    assert response.status_code == 200
    assert len(flaky.calls) == 3
    # Never sooner than the vendor asked (the monotonic clock only moves forward).
    gaps = [later - earlier for earlier, later in zip(flaky.calls, flaky.calls[1:], strict=False)]
    assert all(gap >= 0.99 for gap in gaps), gaps


async def test_a_long_retry_after_is_handed_back_to_the_queue(
    vendor: tuple[Flaky, str], settings: Settings
) -> None:
    flaky, url = vendor
    flaky.script(5, 503, retry_after="120")
    with pytest.raises(vendor_http.VendorError) as failed:
        await _call(url, settings)
    assert failed.value.transient
    assert failed.value.retry_after == 120.0
    assert len(flaky.calls) == 1  # no worker slot is held for two minutes


async def test_5xx_is_retried_with_backoff_then_raised_as_transient(
    vendor: tuple[Flaky, str], settings: Settings
) -> None:
    flaky, url = vendor
    flaky.script(10, 502)
    with pytest.raises(vendor_http.VendorError) as failed:
        await _call(url, settings, attempts=3)
    assert failed.value.transient
    assert failed.value.status == 502
    assert len(flaky.calls) == 3


async def test_a_4xx_is_not_retried(vendor: tuple[Flaky, str], settings: Settings) -> None:
    flaky, url = vendor
    flaky.script(10, 422)
    with pytest.raises(vendor_http.VendorError) as failed:
        await _call(url, settings)
    assert not failed.value.transient
    assert len(flaky.calls) == 1
