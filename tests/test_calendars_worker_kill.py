"""A worker SIGKILLed in the middle of reading a calendar loses nothing and duplicates nothing:
each page is recorded with the token the next page starts from, so whoever takes the calendar
over when the lease runs out goes on from the last committed page."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from app.db import Database
from app.integrations.calendars.google import auth
from app.settings import Settings
from tests.conftest import Tenant
from tests.fakes.google_calendar import GoogleCalendarFake
from tests.fakes.server import ServedApp
from tests.helpers_calendars import work
from tests.helpers_interviews import API, monday, ok
from tests.helpers_worker import eventually, spawn_worker, stop_process, worker_log
from tests.test_calendar_google import SA_EMAIL, key_file, key_pair

EVENTS = 1000  # four pages of 250
PAGE_DELAY = 0.4


class SlowPages:
    """The fake, answering each page of events slowly, so a worker can be killed mid-read."""

    def __init__(self, fake: GoogleCalendarFake) -> None:
        self.fake = fake

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] == "GET"
            and scope["path"].endswith("/events")
        ):
            await asyncio.sleep(PAGE_DELAY)
        await self.fake.app(scope, receive, send)


@pytest.fixture
def google() -> Iterator[tuple[GoogleCalendarFake, str]]:
    auth.clear_token_cache()
    fake = GoogleCalendarFake()
    fake.add_service_account(SA_EMAIL, key_pair()[1])
    server = ServedApp(SlowPages(fake)).start()
    try:
        yield fake, server.url
    finally:
        server.stop()


async def scalar(db: Database, sql: str, **params: Any) -> Any:
    async with db.engine.connect() as conn:
        return await conn.scalar(text(sql), params)


@pytest.mark.slow
async def test_sigkill_mid_read_loses_and_duplicates_nothing(
    client: httpx.AsyncClient,
    tenant: Tenant,
    db: Database,
    database_url: str,
    http: httpx.AsyncClient,
    settings: Settings,
    google: tuple[GoogleCalendarFake, str],
) -> None:
    fake, url = google
    ivy = await tenant.add("interviewer", "Ivy", time_zone="UTC")
    fake.add_user(ivy.member.email)
    start = (monday() + timedelta(days=1)).astimezone(UTC).replace(hour=0, minute=0)
    for n in range(EVENTS):
        begin = start + timedelta(hours=n * 2)
        fake.add_event(ivy.member.email, begin, begin + timedelta(minutes=30))
    ok(
        await client.post(
            f"{API}/calendar-connections",
            headers=tenant.admin.headers,
            json={
                "provider": "google",
                "credentials": {"service_account_json": key_file()},
                "base_url": f"{url}/calendar/v3",
            },
        ),
        201,
    )
    process = spawn_worker(database_url)
    try:

        async def first_page_recorded() -> bool:
            token = await scalar(
                db,
                "SELECT page_token FROM member_calendars WHERE member_id = :m",
                m=ivy.id,
            )
            return token is not None

        await eventually(first_page_recorded, within=60)
        recorded = await scalar(
            db, "SELECT count(*) FROM busy_blocks WHERE member_id = :m", m=ivy.id
        )
        assert 0 < recorded < EVENTS, "killed in the middle of the read"
    except BaseException:
        print(worker_log(process))
        raise
    finally:
        assert stop_process(process, signal.SIGKILL) == -signal.SIGKILL

    # The lease the dead worker held runs out; another worker takes the calendar over.
    async with db.transaction() as session:
        await session.execute(
            text("UPDATE member_calendars SET claimed_until = now() - interval '1 second'")
        )
    for _ in range(20):
        await work(db, http, settings)
        if await scalar(
            db, "SELECT last_synced_at FROM member_calendars WHERE member_id = :m", m=ivy.id
        ):
            break
    assert (
        await scalar(db, "SELECT count(*) FROM busy_blocks WHERE member_id = :m", m=ivy.id)
        == EVENTS
    )
    assert (
        await scalar(
            db,
            "SELECT count(DISTINCT (uid, recurrence_id)) FROM busy_blocks WHERE member_id = :m",
            m=ivy.id,
        )
        == EVENTS
    )
    assert await scalar(
        db, "SELECT sync_token FROM member_calendars WHERE member_id = :m", m=ivy.id
    ), "the next read is incremental"
    first = await scalar(db, "SELECT min(start_at) FROM busy_blocks WHERE member_id = :m", m=ivy.id)
    assert first == start
    last: datetime = await scalar(
        db, "SELECT max(start_at) FROM busy_blocks WHERE member_id = :m", m=ivy.id
    )
    assert last == start + timedelta(hours=(EVENTS - 1) * 2)
