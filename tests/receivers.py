"""Real webhook receivers on 127.0.0.1 for the delivery tests.

Each receiver is a small Starlette app served by uvicorn in its own thread and event loop, so
the worker under test talks to it over real HTTP. A receiver verifies every request with the
`standardwebhooks` package (the consumer's side of the spec, not our code), dedupes by
webhook-id as the spec tells consumers to, and can be told to fail, be slow, answer 410 or
redirect.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from tests.fakes.server import ServedApp


@dataclass
class Received:
    webhook_id: str
    timestamp: str
    signature: str
    body: bytes
    verified: bool
    answered: int
    at: float


@dataclass
class Receiver:
    """behaviour: ok | flaky | slow | gone | redirect | throttle | status | trickle

    `status` answers `status_code` with `answer_body`; `trickle` answers 200 at once, then sends
    its body a byte every `slow_seconds`, forever (each read is quick, the whole is not).
    `processed` counts, per webhook-id, the verified requests answered with a 2xx: a consumer
    deduping by webhook-id processes each id once, so a count above 1 is a duplicate delivery."""

    behaviour: str = "ok"
    fail_ratio: float = 0.5
    slow_seconds: float = 0.0
    retry_after: str = "1"
    status_code: int = 200
    answer_body: bytes = b"ok"
    location: str = "http://127.0.0.1:9/elsewhere"  # where `redirect` points
    secrets: list[str] = field(default_factory=list)
    seed: int = 7
    requests: list[Received] = field(default_factory=list)
    processed: dict[str, int] = field(default_factory=dict)  # webhook-id -> times processed
    started: int = 0  # requests received, counted before any slow answer
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)
        app = Starlette(routes=[Route("/hook", self._hook, methods=["POST"])])
        self._served = ServedApp(
            app, backlog=2048, timeout_keep_alive=30, timeout_graceful_shutdown=2
        )
        self.port: int = self._served.port
        self.url = f"http://127.0.0.1:{self.port}/hook"

    def verify(self, headers: dict[str, str], body: bytes) -> bool:
        for secret in self.secrets:
            try:
                Webhook(secret).verify(body, headers)
                return True
            except WebhookVerificationError:
                continue
        return False

    async def _hook(self, request: Request) -> Response:
        body = await request.body()
        headers = {k.lower(): v for k, v in request.headers.items()}
        verified = self.verify(headers, body)
        status = self._answer()
        with self._lock:
            self.started += 1
        if self.behaviour == "slow" and self.slow_seconds:
            await asyncio.sleep(self.slow_seconds)
        webhook_id = headers.get("webhook-id", "")
        with self._lock:
            self.requests.append(
                Received(
                    webhook_id,
                    headers.get("webhook-timestamp", ""),
                    headers.get("webhook-signature", ""),
                    body,
                    verified,
                    status,
                    time.monotonic(),
                )
            )
            if verified and 200 <= status < 300:
                # The consumer's dedupe: a repeat of a processed id is acknowledged, not redone.
                self.processed[webhook_id] = self.processed.get(webhook_id, 0) + 1
        extra: dict[str, str] = {}
        if status == 307:
            extra["location"] = self.location
        if status in (429, 503):
            extra["retry-after"] = self.retry_after
        if self.behaviour == "trickle":
            return StreamingResponse(self._trickle(), status_code=status)
        if self.behaviour == "status":
            return Response(self.answer_body, status_code=status, headers=extra)
        return Response(b"ok" if status < 300 else b"nope", status_code=status, headers=extra)

    async def _trickle(self) -> AsyncIterator[bytes]:
        while True:
            yield b"."
            await asyncio.sleep(self.slow_seconds)

    def _answer(self) -> int:
        if self.behaviour == "gone":
            return 410
        if self.behaviour == "redirect":
            return 307
        if self.behaviour == "throttle":
            return 429
        if self.behaviour == "status":
            return self.status_code
        if self.behaviour == "flaky":
            with self._lock:
                return 500 if self._random.random() < self.fail_ratio else 200
        return 200

    def start(self) -> Receiver:
        self._served.start()
        return self

    def stop(self) -> None:
        self._served.stop()

    def ids(self) -> list[str]:
        with self._lock:
            return [r.webhook_id for r in self.requests]

    def snapshot(self) -> list[Received]:
        with self._lock:
            return list(self.requests)


def body_of(received: Received) -> dict[str, Any]:
    import json

    return dict(json.loads(received.body))
