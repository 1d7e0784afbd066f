"""The hiring manager's digest: its periods across time zones, what it says, the preview, and
each period sent once however many workers run the job."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from app.db import Database
from app.domain.notifications import delivery
from app.domain.notifications.digests import current_period, following_send, send_digests
from tests.conftest import Tenant
from tests.helpers_domain import API, ok, problem, proposed
from tests.helpers_feedback import Hiring, hiring, now, rows, sql
from tests.helpers_notifications import SmtpServer, smtp_settings
from tests.helpers_pipeline import candidate_in_role, move, sent_slate
from tests.helpers_worker import count, worker_settings


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


# ---------------------------------------------------------------------------------------------
# Periods (pure)


def test_daily_period_follows_the_local_time_of_the_member() -> None:
    nine = time(9, 0)
    # 13:30 UTC on 2 Dec is 08:30 in New York (EST): today's 09:00 has not come, so the period
    # is yesterday's; at 14:00 UTC it is today's.
    before = datetime(2026, 12, 2, 13, 30, tzinfo=UTC)
    after = datetime(2026, 12, 2, 14, 0, tzinfo=UTC)
    assert current_period("daily", nine, "America/New_York", 0, before)[0] == "daily:2026-12-01"
    key, at = current_period("daily", nine, "America/New_York", 0, after)
    assert key == "daily:2026-12-02"
    assert at == datetime(2026, 12, 2, 14, 0, tzinfo=UTC)
    assert following_send("daily", nine, "America/New_York", 0, after) == datetime(
        2026, 12, 3, 14, 0, tzinfo=UTC
    )
    # Tokyo's 09:00 on 3 Dec is 00:00 UTC: already "tomorrow" there.
    assert current_period("daily", nine, "Asia/Tokyo", 0, after)[0] == "daily:2026-12-02"
    assert (
        current_period("daily", nine, "Asia/Tokyo", 0, datetime(2026, 12, 3, 0, 1, tzinfo=UTC))[0]
        == "daily:2026-12-03"
    )


def test_daily_local_time_holds_across_daylight_saving() -> None:
    nine = time(9, 0)
    # Berlin leaves summer time on 25 Oct 2026: 09:00 is 07:00 UTC before, 08:00 UTC after.
    saturday = following_send(
        "daily", nine, "Europe/Berlin", 0, datetime(2026, 10, 24, 8, tzinfo=UTC)
    )
    assert saturday == datetime(2026, 10, 25, 8, 0, tzinfo=UTC)
    assert saturday.astimezone(ZoneInfo("Europe/Berlin")).hour == 9


def test_weekly_period_is_on_the_digest_weekday() -> None:
    nine = time(9, 0)
    wednesday = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)  # a Wednesday
    key, _ = current_period("weekly", nine, "UTC", 0, wednesday)
    assert key == "weekly:2026-11-30"  # the Monday before
    assert following_send("weekly", nine, "UTC", 0, wednesday) == datetime(
        2026, 12, 7, 9, 0, tzinfo=UTC
    )
    assert current_period("weekly", nine, "UTC", 2, wednesday)[0] == "weekly:2026-12-02"


# ---------------------------------------------------------------------------------------------
# Content and preview


async def busy_role(client: httpx.AsyncClient, db: Database, tenant: Tenant) -> tuple[Hiring, Any]:
    """A role with something in every section: a slate with a question, an interview coming,
    overdue feedback, and an intake revision waiting for the hiring manager."""
    h = await hiring(client, db, tenant)
    ivy = await tenant.add("interviewer", "Ivy Interviewer")
    _, waiting = await candidate_in_role(client, h.recruiter, h.role_id, "Sam Slate")
    ok(await move(client, h.recruiter, waiting, "screening"))
    slate = await sent_slate(
        client, h.recruiter, h.role_id, [waiting], questions={waiting: "Enough Kafka?"}
    )
    coming = await h.schedule(await h.application("Cora Coming"), [ivy])
    # The shared slot counter spreads interviews over the days ahead as the run goes on; this
    # one must fall inside the digest's 7-day window whatever ran before.
    await sql(
        db,
        "UPDATE interviews SET start_at = now() + interval '2 days', "
        "end_at = now() + interval '2 days 1 hour' WHERE id = :id",
        id=uuid.UUID(coming),
    )
    await h.held(await h.application("Owen Overdue"), [ivy], hours_ago=100)
    await proposed(client, h.recruiter, h.role_id, note="Airflow becomes nice-to-have")
    return h, slate


async def test_preview_lists_each_section_per_role(
    client: httpx.AsyncClient, db: Database, tenant: Tenant
) -> None:
    h, slate = await busy_role(client, db, tenant)
    preview = ok(await client.get(f"{API}/members/{h.hm.id}/digest/preview", headers=h.hm.headers))
    assert preview["empty"] is False
    assert preview["cadence"] == "daily"
    assert preview["channel"] == "email"
    assert preview["next_send_at"] is not None
    [role] = preview["roles"]
    assert role["title"] == "Data Engineer"
    assert [s["slate_id"] for s in role["awaiting_review"]] == [slate["id"]]
    assert role["awaiting_review"][0]["undecided"] == 1
    assert [i["candidate_name"] for i in role["interviews"]] == ["Cora Coming"]
    assert [(o["candidate_name"], o["interviewer_name"]) for o in role["feedback_overdue"]] == [
        ("Owen Overdue", "Ivy Interviewer")
    ]
    assert [q["question"] for q in role["questions"]] == ["Enough Kafka?"]
    assert [p["change_note"] for p in role["proposals"]] == ["Airflow becomes nice-to-have"]
    assert role["pipeline"] == {"hm_review": 1, "interviewing": 2}
    assert "== Data Engineer ==" in preview["text"]
    assert "Sam Slate: Enough Kafka?" in preview["text"]

    # Admins and recruiters may look; another hiring manager may not.
    ok(await client.get(f"{API}/members/{h.hm.id}/digest/preview", headers=h.recruiter.headers))
    stranger = await tenant.add("hiring_manager", "Stan Ger")
    problem(
        await client.get(f"{API}/members/{h.hm.id}/digest/preview", headers=stranger.headers),
        403,
    )
    problem(
        await client.get(
            f"{API}/members/{uuid.uuid4()}/digest/preview", headers=tenant.admin.headers
        ),
        404,
    )


async def test_no_digest_when_there_is_nothing_to_say(
    client: httpx.AsyncClient, db: Database, tenant: Tenant
) -> None:
    h = await hiring(client, db, tenant)
    preview = ok(await client.get(f"{API}/members/{h.hm.id}/digest/preview", headers=h.hm.headers))
    assert preview["empty"] is True
    assert preview["roles"][0]["pipeline"] == {}
    async with db.transaction() as session:
        assert await send_digests(session, now() + timedelta(days=1)) == 0
    assert await count(db, "SELECT count(*) FROM notifications") == 0
    # The period is decided (as empty), so it is not reconsidered every minute.
    assert await count(db, "SELECT count(*) FROM digest_runs WHERE NOT sent") == 1


# ---------------------------------------------------------------------------------------------
# Sending


async def test_daily_digest_at_local_time_across_a_time_zone_once_with_two_workers(
    client: httpx.AsyncClient, db: Database, tenant: Tenant, smtp: SmtpServer
) -> None:
    h, _ = await busy_role(client, db, tenant)
    # Hank reads his digest at 07:30 in New York.
    ok(
        await client.patch(
            f"{API}/members/{h.hm.id}",
            headers=tenant.admin.headers,
            json={"time_zone": "America/New_York"},
        )
    )
    ok(
        await client.patch(
            f"{API}/members/{h.hm.id}/preferences",
            headers=h.hm.headers,
            json={"update_local_time": "07:30"},
        )
    )
    zone = ZoneInfo("America/New_York")
    local_now = now().astimezone(zone)
    send_at = datetime.combine(local_now.date() + timedelta(days=1), time(7, 30), zone)
    # A minute before: yesterday's period. Mark it decided as a worker would have, so only
    # the time of day is under test.
    async with db.transaction() as session:
        await send_digests(session, send_at - timedelta(hours=23, minutes=59))
    before = await count(db, "SELECT count(*) FROM notifications WHERE kind = 'digest'")
    async with db.transaction() as session:
        assert await send_digests(session, send_at - timedelta(minutes=1)) == 0

    async def one_worker() -> int:
        async with db.transaction() as session:
            return await send_digests(session, send_at + timedelta(minutes=1))

    results = await asyncio.gather(one_worker(), one_worker())
    assert sorted(results) == [0, 1]
    async with db.transaction() as session:
        assert await send_digests(session, send_at + timedelta(hours=3)) == 0
    digests = await rows(
        db, "SELECT * FROM notifications WHERE kind = 'digest' ORDER BY created_at"
    )
    assert len(digests) == before + 1
    period = f"daily:{send_at.date().isoformat()}"
    assert digests[-1]["dedupe_key"] == f"digest:{h.hm.id}:{period}"

    async with httpx.AsyncClient() as http:
        await delivery.send_due(db, worker_settings(**smtp_settings(smtp)), http, "w")
    mail = smtp.to(h.hm.member.email)[-1]
    assert mail.subject == "Your daily hiring update"
    assert "Enough Kafka?" in mail.text
    assert "<h2>Data Engineer</h2>" in mail.html


async def test_webhook_channel_records_digest_ready_and_realtime_waits_for_news(
    client: httpx.AsyncClient, db: Database, tenant: Tenant
) -> None:
    h, _ = await busy_role(client, db, tenant)
    ok(
        await client.patch(
            f"{API}/members/{h.hm.id}/preferences",
            headers=h.hm.headers,
            json={"update_channel": "webhook", "update_cadence": "realtime"},
        )
    )
    moment = now()
    async with db.transaction() as session:
        assert await send_digests(session, moment) == 1
    ready = await rows(db, "SELECT data FROM events WHERE type = 'digest.ready'")
    assert len(ready) == 1
    assert ready[0]["data"]["member_id"] == str(h.hm.id)
    assert ready[0]["data"]["roles"][0]["questions"][0]["question"] == "Enough Kafka?"
    # A minute later nothing is new: no digest. A new proposal is news.
    async with db.transaction() as session:
        assert await send_digests(session, moment + timedelta(minutes=1)) == 0
    await proposed(client, h.recruiter, h.role_id, note="Go is a must after all")
    async with db.transaction() as session:
        assert await send_digests(session, moment + timedelta(minutes=2)) == 1
    assert await count(db, "SELECT count(*) FROM notifications WHERE kind = 'digest'") == 0


async def test_a_digest_set_just_after_its_time_starts_with_the_next_period(
    client: httpx.AsyncClient, db: Database, tenant: Tenant
) -> None:
    h, _ = await busy_role(client, db, tenant)
    zone = ZoneInfo("Asia/Kathmandu")  # +05:45: an offset that shows whether UTC is used
    ok(
        await client.patch(
            f"{API}/members/{h.hm.id}",
            headers=tenant.admin.headers,
            json={"time_zone": "Asia/Kathmandu"},
        )
    )
    # Hank asks for his daily digest at a time that passed five minutes ago.
    set_at = datetime.now(UTC)
    local = (set_at - timedelta(minutes=5)).astimezone(zone)
    ok(
        await client.patch(
            f"{API}/members/{h.hm.id}/preferences",
            headers=h.hm.headers,
            json={"update_local_time": local.strftime("%H:%M")},
        )
    )
    preview = ok(await client.get(f"{API}/members/{h.hm.id}/digest/preview", headers=h.hm.headers))
    assert preview["next_send_at"].endswith("Z"), "UTC, as the API promises"
    first = datetime.fromisoformat(preview["next_send_at"])
    assert set_at < first <= set_at + timedelta(days=1)
    assert first.astimezone(zone).strftime("%H:%M") == local.strftime("%H:%M")
    assert preview["period"] is None, "the period already past is not his"
    async with db.transaction() as session:
        assert await send_digests(session, set_at + timedelta(minutes=1)) == 0
        assert await send_digests(session, first + timedelta(minutes=1)) == 1
    keys = [r["dedupe_key"] for r in await rows(db, "SELECT dedupe_key FROM notifications")]
    day = first.astimezone(zone).date().isoformat()
    assert [k for k in keys if k.startswith("digest:")] == [f"digest:{h.hm.id}:daily:{day}"]

    # Weekly from now on: the first weekly digest comes on the digest weekday (Monday), never
    # at once for the week already begun.
    ok(
        await client.patch(
            f"{API}/members/{h.hm.id}/preferences",
            headers=h.hm.headers,
            json={"update_cadence": "weekly"},
        )
    )
    moved_at = datetime.now(UTC)
    preview = ok(await client.get(f"{API}/members/{h.hm.id}/digest/preview", headers=h.hm.headers))
    weekly = datetime.fromisoformat(preview["next_send_at"])
    assert weekly.astimezone(zone).weekday() == 0
    assert moved_at < weekly <= moved_at + timedelta(days=7)
    async with db.transaction() as session:
        assert await send_digests(session, moved_at + timedelta(minutes=1)) == 0
        assert await send_digests(session, weekly + timedelta(minutes=1)) == 1
