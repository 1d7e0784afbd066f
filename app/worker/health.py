"""The worker's own small HTTP server, for orchestrators and Prometheus.

Off unless HIRELOOP_WORKER_HEALTH_PORT is set; it listens on HIRELOOP_WORKER_HEALTH_HOST
(127.0.0.1 by default) inside the worker's event loop (a Starlette app under uvicorn, which
leaves the worker's own SIGTERM handling alone).

`GET /healthz` answers 200 when the worker is healthy and 503 otherwise, always with JSON:
the worker's name, its uptime, the database's state, the outbox lag, and for each loop the
time of its last completed round. It is unhealthy (503) when

- the database cannot be read within 3 seconds (`database: "unreachable"`), or
- a loop has not completed a round for longer than `stale_after_seconds`, which is
  max(10 x HIRELOOP_WORKER_POLL_SECONDS, 5 x HIRELOOP_WORKER_LEASE_SECONDS): 300 s with the
  defaults. An idle loop completes a round every poll interval (2 s), and a busy one after
  every batch; five leases is also how long a periodic job may hold its claim. Until a loop's
  first round, the worker's start counts as its last round; or
- the worker is stopping (`status: "stopping"`), after SIGTERM, while it finishes its work.

`GET /metrics` is the Prometheus text of app/worker/metrics.py. When HIRELOOP_METRICS_TOKEN is
set it needs `Authorization: Bearer <token>`, as the API's /metrics does.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import socket
import time
from collections.abc import Generator, Iterable
from datetime import UTC, datetime
from typing import Any

import uvicorn
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from app.db import Database
from app.settings import Settings
from app.worker.metrics import metrics

log = logging.getLogger("hireloop.worker.health")


def stale_after_seconds(settings: Settings) -> float:
    return max(10 * settings.worker_poll_seconds, 5.0 * settings.worker_lease_seconds)


def _iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).isoformat(timespec="milliseconds")


class WorkerHealth:
    """What /healthz reports: fed by the worker's loops as they complete rounds."""

    def __init__(self, name: str, settings: Settings, loops: Iterable[str]):
        self.name = name
        self.stale_after = stale_after_seconds(settings)
        self.started = time.time()
        self.last_round: dict[str, float | None] = dict.fromkeys(loops)
        self.listening = False
        self.stopping = False

    def round_done(self, loop: str) -> None:
        now = time.time()
        self.last_round[loop] = now
        metrics.loop_last_round.labels(loop).set(now)

    async def report(self, db: Database) -> tuple[int, dict[str, Any]]:
        now = time.time()
        database_ok = await metrics.refresh_queues(db)
        loops: dict[str, dict[str, Any]] = {}
        stale = []
        for loop, last in self.last_round.items():
            since = now - (last if last is not None else self.started)
            if since > self.stale_after:
                stale.append(loop)
            loops[loop] = {
                "last_round_at": _iso(last) if last is not None else None,
                "seconds_since_last_round": round(since, 3),
                "stale": since > self.stale_after,
            }
        if self.stopping:
            status = "stopping"
        elif not database_ok or stale:
            status = "unhealthy"
        else:
            status = "ok"
        body = {
            "status": status,
            "worker": self.name,
            "started_at": _iso(self.started),
            "uptime_seconds": round(now - self.started, 3),
            "database": "ok" if database_ok else "unreachable",
            "outbox_lag_seconds": metrics.last_outbox_lag if database_ok else None,
            "listening": self.listening,
            "stale_after_seconds": self.stale_after,
            "stale_loops": stale,
            "loops": loops,
        }
        return (200 if status == "ok" else 503), body


def make_app(health: WorkerHealth, db: Database, metrics_token: str | None = None) -> Starlette:
    async def healthz(request: Request) -> Response:
        status, body = await health.report(db)
        return JSONResponse(body, status_code=status, headers={"cache-control": "no-store"})

    async def metrics_text(request: Request) -> Response:
        if metrics_token is not None:
            given = request.headers.get("authorization", "")
            if not hmac.compare_digest(given.encode(), f"Bearer {metrics_token}".encode()):
                return Response(status_code=401, headers={"www-authenticate": "Bearer"})
        await metrics.refresh_queues(db)
        return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

    return Starlette(
        routes=[
            Route("/healthz", healthz, methods=["GET"]),
            Route("/metrics", metrics_text, methods=["GET"]),
        ]
    )


class HealthPortError(RuntimeError):
    """The health port could not be opened (in use, or an address this machine lacks)."""


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        # The worker handles SIGTERM and SIGINT itself and stops this server when it stops.
        yield


class HealthServer:
    def __init__(self, app: Starlette, host: str, port: int):
        self.app, self.host, self.port = app, host, port
        self._server: _Server | None = None
        self._task: asyncio.Task[None] | None = None

    def _bind(self) -> socket.socket:
        try:
            family, kind, proto, _, address = socket.getaddrinfo(
                self.host, self.port, type=socket.SOCK_STREAM
            )[0]
            sock = socket.socket(family, kind, proto)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(address)
        except OSError as exc:
            raise HealthPortError(
                f"cannot open the worker's health port {self.host}:{self.port}: {exc}"
            ) from exc
        sock.set_inheritable(True)
        return sock

    async def start(self) -> None:
        sock = self._bind()
        config = uvicorn.Config(
            self.app,
            log_config=None,
            access_log=False,
            use_colors=False,
            lifespan="off",
            server_header=False,
        )
        self._server = _Server(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]), name="health")
        while not self._server.started:
            if self._task.done():
                await self._task
                raise HealthPortError(f"the worker's health port {self.port} did not start")
            await asyncio.sleep(0.01)
        log.info("worker health and metrics on http://%s:%d", self.host, self.port)

    async def stop(self) -> None:
        if self._server is None or self._task is None:
            return
        self._server.should_exit = True
        with contextlib.suppress(Exception):
            await self._task
