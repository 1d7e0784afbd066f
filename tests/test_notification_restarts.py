"""A worker stopped with SIGTERM while it sends, with real receivers on 127.0.0.1: an SMTP
server (aiosmtpd) and a Slack incoming-webhook receiver that take a second per message. The
messages in flight finish and are recorded, the ones never started are handed back at once,
and a second worker sends only those: every message arrives exactly once, none is lost, and
every email carries a Date header."""

from __future__ import annotations

import asyncio
import signal
import uuid
from collections import Counter
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from app.db import Database
from app.domain.notifications import repository
from tests.conftest import Tenant
from tests.helpers_notifications import SlackReceiver, SmtpServer
from tests.helpers_worker import (
    count,
    eventually,
    kill_quietly,
    spawn_worker,
    stop_process,
    worker_log,
)

EMAILS = 20
SLACKS = 4


@pytest.fixture
def slow_smtp() -> Iterator[SmtpServer]:
    server = SmtpServer(delay_seconds=1.0).start()
    yield server
    server.stop()


@pytest.fixture
def slow_slack() -> Iterator[SlackReceiver]:
    receiver = SlackReceiver(delay_seconds=1.0).start()
    yield receiver
    receiver.stop()


async def _queue(db: Database, tenant: Tenant, slack_url: str) -> None:
    async with db.transaction() as session:
        await session.execute(
            text("UPDATE members SET slack_webhook_url = :url WHERE id = :id"),
            {"url": slack_url, "id": tenant.admin.id},
        )
        drafts = [
            repository.Draft(
                organization_id=tenant.organization_id,
                kind="digest",
                channel="email" if n < EMAILS else "slack",
                recipient=tenant.admin.member.email,
                dedupe_key=f"restart-test:{n}",
                subject=f"Message {n}",
                body_text=f"Body of message {n}",
                member_id=tenant.admin.id,
            )
            for n in range(EMAILS + SLACKS)
        ]
        assert len(await repository.add_notifications(session, drafts)) == EMAILS + SLACKS


def _env(smtp: SmtpServer) -> dict[str, str]:
    return {
        "HIRELOOP_SMTP_HOST": "127.0.0.1",
        "HIRELOOP_SMTP_PORT": str(smtp.port),
        "HIRELOOP_SMTP_TLS": "none",
        # Far longer than the test waits: a claim not handed back would stall it.
        "HIRELOOP_WORKER_LEASE_SECONDS": "300",
        "HIRELOOP_WORKER_SHUTDOWN_GRACE_SECONDS": "20",
    }


async def test_sigterm_while_sending_sends_every_message_exactly_once(
    tenant: Tenant,
    db: Database,
    database_url: str,
    slow_smtp: SmtpServer,
    slow_slack: SlackReceiver,
) -> None:
    await _queue(db, tenant, slow_slack.url)
    first = spawn_worker(database_url, **_env(slow_smtp))
    try:

        async def sending() -> bool:
            assert first.poll() is None, worker_log(first)
            return slow_smtp.started >= 4

        await eventually(sending, within=30)
        exit_code = await asyncio.to_thread(stop_process, first, signal.SIGTERM, 25)
    finally:
        kill_quietly(first)
    assert exit_code == 0, worker_log(first)
    sent_by_first = await count(db, "SELECT count(*) FROM notifications WHERE status = 'sent'")
    assert 0 < sent_by_first < EMAILS + SLACKS, "stopped mid-batch, with work left"
    # What it took and never started is free again at once, not after its 300 s lease.
    assert (
        await count(
            db,
            "SELECT count(*) FROM notifications WHERE status = 'pending' "
            "AND (claimed_by IS NOT NULL OR attempts > 0)",
        )
        == 0
    )
    assert len(slow_smtp.snapshot()) + len(slow_slack.snapshot()) == sent_by_first, (
        "every message that arrived was recorded as sent by the worker that sent it"
    )

    second = spawn_worker(database_url, **_env(slow_smtp))
    try:

        async def all_sent() -> bool:
            assert second.poll() is None, worker_log(second)
            return (
                await count(db, "SELECT count(*) FROM notifications WHERE status = 'sent'")
                == EMAILS + SLACKS
            )

        await eventually(all_sent, within=60, every=0.2)
    finally:
        kill_quietly(second)

    mails = slow_smtp.snapshot()
    ids = Counter(str(m.message["Message-ID"]) for m in mails)
    assert len(ids) == EMAILS
    assert set(ids.values()) == {1}, "no email twice"
    assert all(m.message["Date"] for m in mails), "RFC 5322: every message is dated"
    texts = Counter(b["text"] for b in slow_slack.snapshot())
    assert len(texts) == SLACKS
    assert set(texts.values()) == {1}, "no Slack message twice"
    assert await count(db, "SELECT count(*) FROM notifications WHERE attempts <> 1") == 0
    assert uuid.UUID(str(tenant.admin.id))
