"""Sending webhook deliveries: claim what is due up to the free capacity, send each on its own
task, and record the answers in batches.

Claims are leases: a delivery in flight belongs to this worker until its lease runs out, which
is longer than any attempt may take, so a live worker never sees its delivery taken over, and a
dead worker's deliveries go to another worker once the lease ends."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
import uuid
from collections.abc import Callable
from datetime import datetime

import orjson

from app import crypto
from app.clock import utcnow
from app.db import Database
from app.domain.events import service as events
from app.domain.webhooks import repository
from app.domain.webhooks.policy import judge
from app.domain.webhooks.repository import AttemptResult, DueDelivery
from app.domain.webhooks.signing import signature_header
from app.integrations import outbound
from app.integrations.retry import doubling
from app.settings import Settings
from app.worker.metrics import metrics

log = logging.getLogger("hireloop.worker.webhooks")

USER_AGENT = "Hireloop-Webhooks/1.0"


def payload(event_type: str, occurred_at: datetime, data: dict[str, object]) -> bytes:
    """The Standard Webhooks body: type, timestamp and a thin `data` (ids and what changed);
    consumers read the rest through the API."""
    return orjson.dumps({"type": event_type, "timestamp": occurred_at.isoformat(), "data": data})


# Claim again once this share of the slots is free, and record answers once this many are
# in or the first has waited this long: one transaction for many deliveries instead of one per
# finished request (each commit is a WAL flush). A delivery's slot is free as soon as its
# answer is in, so the wait holds back no sending; with nothing else in flight an answer is
# recorded at once.
CLAIM_WHEN_FREE = 0.5
RECORD_BATCH = 64
RECORD_GATHER_SECONDS = 0.025
# Writing answers again after the database refused them: about 1 s, doubling to 15 s.
RECORD_BACKOFF = doubling(1, 15)


class DeliveryPump:
    def __init__(self, db: Database, settings: Settings, worker: str):
        self.db, self.settings, self.worker = db, settings, worker
        self.capacity = settings.worker_concurrency
        self._claim_at_free = max(1, int(self.capacity * CLAIM_WHEN_FREE))
        # Pooled keep-alive connections, at most one per delivery in flight.
        self._poster = outbound.Poster(settings, max_connections=self.capacity)
        self.inflight: dict[uuid.UUID, asyncio.Task[None]] = {}
        self.wake = asyncio.Event()
        self._results: list[tuple[AttemptResult, str | None]] = []
        self._record_failures = 0  # rounds in a row whose answers could not be written
        self._results_ready = asyncio.Event()
        self._secrets: dict[str, str] = {}
        self.sent = 0
        # Called after each claiming round that did not fail (the worker's /healthz).
        self.on_round: Callable[[], None] | None = None
        self._event_ids: dict[uuid.UUID, uuid.UUID] = {}

    # --- claiming ------------------------------------------------------------------------

    async def claim(self) -> int:
        free = self.capacity - len(self.inflight)
        if free <= 0:
            return 0
        async with self.db.transaction() as session:
            due = await repository.claim_due(
                session, self.worker, min(free, 500), self.settings.worker_lease_seconds
            )
        for delivery in due:
            self._event_ids[delivery.id] = delivery.event_id
            task = asyncio.create_task(self._send(delivery))
            self.inflight[delivery.id] = task
            task.add_done_callback(functools.partial(self._done, delivery.id))
        return len(due)

    def _done(self, key: uuid.UUID, _task: asyncio.Task[None]) -> None:
        self.inflight.pop(key, None)
        if self.capacity - len(self.inflight) >= self._claim_at_free or not self.inflight:
            self.wake.set()

    async def close(self) -> None:
        await self._poster.aclose()

    async def run(self, stopping: asyncio.Event) -> None:
        """Claim until stopped: at once when woken (new deliveries, a free slot), else when the
        next retry falls due or the poll interval passes."""
        poll = self.settings.worker_poll_seconds
        while not stopping.is_set():
            self.wake.clear()
            try:
                claimed = await self.claim()
                if claimed and len(self.inflight) < self.capacity:
                    continue
                delay = poll
                # With every slot taken there is nothing to look for: a finished delivery
                # wakes this loop.
                if not claimed and len(self.inflight) < self.capacity:
                    async with self.db.transaction() as session:
                        due = await repository.next_due_at(session)
                    if due is not None:
                        delay = max(0.05, min(poll, (due - utcnow()).total_seconds()))
                if self.on_round is not None:
                    self.on_round()
            except Exception:
                log.exception("claiming deliveries failed; retrying")
                delay = poll
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await self._wait_wake(stopping)

    async def _wait_wake(self, stopping: asyncio.Event) -> None:
        waiters = [asyncio.create_task(self.wake.wait()), asyncio.create_task(stopping.wait())]
        try:
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()

    # --- sending -------------------------------------------------------------------------

    def _secret(self, encrypted: str) -> str:
        secret = self._secrets.get(encrypted)
        if secret is None:
            secret = crypto.decrypt(self.settings.secret_key, encrypted)
            if len(self._secrets) > 10_000:
                self._secrets.clear()
            self._secrets[encrypted] = secret
        return secret

    async def _send(self, delivery: DueDelivery) -> None:
        try:
            result = await self._attempt(delivery)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            # A bug or a secret that no longer decrypts must not leave the delivery claimed
            # with nothing recorded until its lease ends, again and again: it is a failed
            # attempt like any other, with the reason kept.
            log.exception("attempting webhook delivery %s failed", delivery.id)
            answer = outbound.Answer(None, 0, None, f"internal error: {type(exc).__name__}", None)
            result = self._result(delivery, answer)
        self._results.append(result)
        self._results_ready.set()

    async def _attempt(self, delivery: DueDelivery) -> tuple[AttemptResult, str | None]:
        body = payload(delivery.event_type, delivery.occurred_at, delivery.data)
        timestamp = int(time.time())
        secrets = [self._secret(delivery.secret_encrypted)]
        if (
            delivery.previous_secret_encrypted
            and delivery.previous_secret_expires_at
            and delivery.previous_secret_expires_at > utcnow()
        ):
            secrets.append(self._secret(delivery.previous_secret_encrypted))
        message_id = str(delivery.event_id)
        headers = {
            "content-type": "application/json",
            "user-agent": USER_AGENT,
            "webhook-id": message_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": signature_header(secrets, message_id, timestamp, body),
        }
        answer = await self._poster.post(
            delivery.url,
            content=body,
            headers=headers,
            timeout_seconds=self.settings.webhook_timeout_seconds,
        )
        return self._result(delivery, answer)

    def _result(
        self, delivery: DueDelivery, answer: outbound.Answer
    ) -> tuple[AttemptResult, str | None]:
        attempt = delivery.attempts + 1
        verdict = judge(
            answer,
            attempt,
            utcnow(),
            self.settings.webhook_retry_schedule,
            max_retry_after=self.settings.webhook_max_retry_after_seconds,
        )
        error = answer.error
        if error is None and verdict.status != "succeeded":
            error = f"answered {answer.status_code}"
        result = AttemptResult(
            delivery_id=delivery.id,
            organization_id=delivery.organization_id,
            endpoint_id=delivery.endpoint_id,
            attempt=attempt,
            succeeded=verdict.status == "succeeded",
            status_code=answer.status_code,
            latency_ms=answer.latency_ms,
            response_body=answer.body,
            error=error[:500] if error else None,
            status=verdict.status,
            next_attempt_at=verdict.next_attempt_at,
        )
        return result, verdict.disable_endpoint

    # --- recording -----------------------------------------------------------------------

    async def record_loop(self, stopping: asyncio.Event) -> None:
        """Write answers as they come, many per transaction under load."""
        while not (stopping.is_set() and not self.inflight and not self._results):
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(0.5):
                    await self._results_ready.wait()
            await self._gather(stopping)
            self._results_ready.clear()
            await self.flush()

    async def _gather(self, stopping: asyncio.Event) -> None:
        """While more answers are on their way, wait a moment to record them together."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + RECORD_GATHER_SECONDS
        while self.inflight and len(self._results) < RECORD_BATCH and not stopping.is_set():
            remaining = deadline - loop.time()
            if remaining <= 0:
                return
            self._results_ready.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(remaining):
                    await self._results_ready.wait()

    async def flush(self) -> None:
        batch, self._results = self._results, []
        if not batch:
            return
        try:
            await self._record(batch)
            self._record_failures = 0
            self.sent += len(batch)
            self._report(batch)
            # Retries due now (a zero wait, an elapsed Retry-After) can be claimed at once.
            if any(r.status == "pending" for r, _ in batch):
                self.wake.set()
        except Exception:
            # The answers stay in memory and are written on the next round; if this worker
            # dies first, the leases run out and the deliveries are attempted again.
            log.exception("recording %d webhook attempts failed; retrying", len(batch))
            self._results = batch + self._results
            self._record_failures += 1
            await asyncio.sleep(RECORD_BACKOFF.wait(self._record_failures) or 1.0)

    def _report(self, batch: list[tuple[AttemptResult, str | None]]) -> None:
        """Count the recorded attempts, and log every failed one at WARNING with its ids."""
        for result, disabled in batch:
            event_id = self._event_ids.pop(result.delivery_id, None)
            outcome = (
                "succeeded"
                if result.succeeded
                else ("retrying" if result.status == "pending" else "failed")
            )
            metrics.outcome("webhook_delivery", outcome, result.latency_ms / 1000)
            if result.succeeded:
                continue
            log.warning(
                "webhook delivery %s (event %s, endpoint %s, organization %s) attempt %d "
                "failed: %s; %s",
                result.delivery_id,
                event_id,
                result.endpoint_id,
                result.organization_id,
                result.attempt,
                result.error or f"answered {result.status_code}",
                f"retrying at {result.next_attempt_at.isoformat()}"
                if outcome == "retrying" and result.next_attempt_at is not None
                else "given up",
            )
            if disabled:
                log.warning(
                    "webhook endpoint %s (organization %s) disabled: %s",
                    result.endpoint_id,
                    result.organization_id,
                    disabled,
                )

    async def _record(self, batch: list[tuple[AttemptResult, str | None]]) -> None:
        results = [r for r, _ in batch]
        succeeded = {r.endpoint_id for r in results if r.succeeded}
        failed = {r.endpoint_id for r in results if not r.succeeded} - succeeded
        gone = {r.endpoint_id: reason for r, reason in batch if reason}
        async with self.db.transaction() as session:
            await repository.record_attempts(session, self.worker, results)
            await repository.endpoints_succeeded(session, sorted(succeeded))
            days = self.settings.webhook_disable_after_days
            too_long = f"every attempt failed for {days:g} days"
            disabled = [
                (org, endpoint, too_long)
                for org, endpoint in await repository.endpoints_failed(
                    session, sorted(failed), days * 86400, too_long
                )
            ]
            for reason in set(gone.values()):
                ids = sorted(e for e, r in gone.items() if r == reason)
                disabled += [
                    (org, endpoint, reason)
                    for org, endpoint in await repository.disable_endpoints(session, ids, reason)
                ]
            for org, endpoint, reason in disabled:
                events.record(
                    session,
                    org,
                    None,
                    "endpoint.disabled",
                    "webhook_endpoint",
                    endpoint,
                    {"endpoint_id": str(endpoint), "reason": reason},
                )

    # --- stopping ------------------------------------------------------------------------

    async def drain(self, grace_seconds: float) -> None:
        """Let deliveries in flight finish for up to the grace period, then cancel the rest and
        hand their claims back, so another worker sends them without waiting for the lease."""
        pending = list(self.inflight.values())
        if pending:
            await asyncio.wait(pending, timeout=grace_seconds)
        unfinished = list(self.inflight)
        for task in list(self.inflight.values()):
            task.cancel()
        await self.flush()
        self._event_ids.clear()
        if unfinished:
            async with self.db.transaction() as session:
                await repository.release_claims(session, self.worker, unfinished)
