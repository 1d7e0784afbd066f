"""Sending notifications that are due: email through SMTP, Slack through incoming webhooks.

A notification is claimed with a lease (like a webhook delivery), sent outside any
transaction, and its result recorded in a new one, and only while this worker still holds the
claim. An outcome message is marked sent in the transaction that marks its notification sent,
so the two cannot disagree."""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

import aiosmtplib
import httpx

from app.clock import utcnow
from app.db import Database
from app.domain.events import service as events
from app.domain.feedback import outcomes
from app.domain.notifications import repository
from app.domain.notifications.repository import DueNotification
from app.errors import Conflict, NotFound
from app.integrations import outbound
from app.integrations.retry import listed
from app.settings import Settings

log = logging.getLogger("hireloop.notifications")

# SMTP servers throttle clients that open many sessions at once.
SEND_CONCURRENCY = 8


@dataclass(frozen=True)
class Sent:
    ok: bool
    error: str | None = None
    # A failure no retry can mend (nowhere to send to): give up at once.
    final: bool = False
    # Slack's 429 (and a 503) says when to come back; the schedule's wait gives way to it.
    retry_after: float | None = None


def build_email(item: DueNotification, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = item.recipient
    message["Subject"] = item.subject
    message["Message-ID"] = make_msgid(idstring=str(item.id), domain="hireloop")
    # RFC 5322 requires it; set when the message is built for sending, so a retry is dated
    # when it is sent.
    message["Date"] = format_datetime(utcnow())
    message.set_content(item.body_text)
    if item.body_html:
        message.add_alternative(item.body_html, subtype="html")
    for attachment in item.attachments:
        _, _, rest = str(attachment["content_type"]).partition("/")
        subtype, *raw_params = (p.strip() for p in rest.split(";"))
        params = dict(p.split("=", 1) for p in raw_params if "=" in p)
        message.add_attachment(
            str(attachment["content"]),
            subtype=subtype,
            filename=str(attachment["filename"]),
            params=params,
        )
    return message


async def send_email(item: DueNotification, settings: Settings) -> Sent:
    message = build_email(item, settings.smtp_sender)
    if not settings.smtp_host:
        if settings.env == "production":
            return Sent(False, "no SMTP server is configured (HIRELOOP_SMTP_HOST)", final=True)
        # Development and tests have no mail server: keep the message where a person can read it.
        folder = settings.data_dir / "mail"
        await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
        await asyncio.to_thread((folder / f"{item.id}.eml").write_bytes, message.as_bytes())
        return Sent(True)
    try:
        await aiosmtplib.send(
            message,
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=settings.smtp_password,
            use_tls=settings.smtp_tls == "tls",
            start_tls=settings.smtp_tls == "starttls",
            timeout=settings.smtp_timeout_seconds,
        )
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        return Sent(False, f"SMTP: {type(exc).__name__}: {exc}")
    return Sent(True)


async def send_slack(item: DueNotification, settings: Settings, http: httpx.AsyncClient) -> Sent:
    if not item.slack_url:
        return Sent(False, "no Slack webhook URL for this member or organization", final=True)
    body = json.dumps({"text": f"{item.subject}\n\n{item.body_text}", "blocks": item.slack_blocks})
    answer = await outbound.post(
        http,
        item.slack_url,
        content=body.encode(),
        headers={"content-type": "application/json"},
        settings=settings,
        timeout_seconds=settings.webhook_timeout_seconds,
    )
    if answer.status_code is not None and 200 <= answer.status_code < 300:
        return Sent(True)
    return Sent(
        False,
        answer.error or f"Slack answered {answer.status_code}: {answer.body}",
        retry_after=answer.retry_after if answer.status_code in (429, 503) else None,
    )


async def _send(item: DueNotification, settings: Settings, http: httpx.AsyncClient) -> Sent:
    try:
        if item.channel == "slack":
            return await send_slack(item, settings, http)
        return await send_email(item, settings)
    except Exception as exc:  # a bug or an odd answer must not leave the claim hanging
        log.exception("sending notification %s failed", item.id)
        return Sent(False, f"{type(exc).__name__}: {exc}")


# A longer Retry-After is cut to this: a day is as long as a message is worth holding.
MAX_RETRY_AFTER_SECONDS = 24 * 3600.0


def next_attempt(
    attempt: int, schedule: list[int], now: datetime, retry_after: float | None = None
) -> datetime | None:
    """When to try again after `attempt` attempts failed, or None when retries are used up:
    the schedule's wait, jittered, or the receiver's Retry-After (app/integrations/retry.py)."""
    return listed(schedule).next_at(
        attempt, now, retry_after=retry_after, max_retry_after=MAX_RETRY_AFTER_SECONDS
    )


async def send_due(
    db: Database,
    settings: Settings,
    http: httpx.AsyncClient,
    worker: str,
    limit: int = 50,
    stopping: asyncio.Event | None = None,
    on_outcome: Callable[[str, float], None] | None = None,
) -> int:
    """Claim and send up to `limit` due notifications; returns how many were claimed.

    Each message's outcome is recorded as soon as it is known, in a transaction of its own, so
    what went out is on record even if the worker stops or dies a moment later. Once `stopping`
    is set no further send starts, and what was claimed but never started is handed back at
    once rather than left to its lease: a restart sends nothing twice and loses nothing.
    `on_outcome(outcome, seconds)` hears of each send (sent, retrying or failed): the worker
    counts them in its metrics."""
    async with db.transaction() as session:
        claimed = await repository.claim_due(session, worker, limit, settings.worker_lease_seconds)
        # An outcome rescinded or reopened after it was planned is not sent.
        stale = [n.id for n in claimed if n.outcome_message_id and n.outcome_status != "scheduled"]
        await repository.cancel(session, worker, stale, "the outcome message is no longer owed")
    due = [n for n in claimed if n.id not in set(stale)]
    if not due:
        return len(claimed)
    gate = asyncio.Semaphore(SEND_CONCURRENCY)
    unstarted: list[uuid.UUID] = []

    async def one(item: DueNotification) -> None:
        async with gate:
            if stopping is not None and stopping.is_set():
                unstarted.append(item.id)
                return
            started = time.perf_counter()
            sent = await _send(item, settings, http)
        async with db.transaction() as session:
            await _record(session, worker, settings, [(item, sent)])
        if on_outcome is not None:
            retries = not sent.final and item.attempts < len(settings.notification_retry_schedule)
            outcome = "sent" if sent.ok else ("retrying" if retries else "failed")
            on_outcome(outcome, time.perf_counter() - started)

    await asyncio.gather(*(one(n) for n in due))
    if unstarted:
        async with db.transaction() as session:
            await repository.release(session, worker, unstarted)
    return len(claimed)


async def _record(
    session: Any, worker: str, settings: Settings, results: list[tuple[DueNotification, Sent]]
) -> None:
    now = utcnow()
    for item, sent in results:
        attempt = item.attempts + 1
        if sent.ok:
            if (
                await repository.finish(
                    session,
                    worker,
                    item.id,
                    status="sent",
                    attempts=attempt,
                    next_attempt_at=None,
                    error=None,
                )
                and item.outcome_message_id
            ):
                try:
                    await outcomes.mark_sent(session, item.organization_id, item.outcome_message_id)
                except (Conflict, NotFound):
                    # Rescinded between the check and the send: it went out, nothing to record.
                    log.warning("outcome message %s changed while sending", item.outcome_message_id)
            continue
        retry_at = (
            None
            if sent.final
            else next_attempt(attempt, settings.notification_retry_schedule, now, sent.retry_after)
        )
        status = "pending" if retry_at else "failed"
        kept = await repository.finish(
            session,
            worker,
            item.id,
            status=status,
            attempts=attempt,
            next_attempt_at=retry_at,
            error=sent.error,
        )
        if kept:
            # Ids and the error only: the recipient and the message are personal data.
            log.warning(
                "notification %s (%s by %s, organization %s) attempt %d failed: %s; %s",
                item.id,
                item.kind,
                item.channel,
                item.organization_id,
                attempt,
                (sent.error or "")[:300],
                f"retrying at {retry_at.isoformat()}" if retry_at else "given up",
            )
        if kept and status == "failed":
            events.record(
                session,
                item.organization_id,
                None,
                "notification.failed",
                "notification",
                item.id,
                {
                    "notification_id": str(item.id),
                    "kind": item.kind,
                    "channel": item.channel,
                    "error": (sent.error or "")[:500],
                },
            )
