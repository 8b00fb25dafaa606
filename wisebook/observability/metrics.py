"""Prometheus metrics (``GET /metrics``), multi-process aware.

The appliance runs two waitress processes and a worker: with ``PROMETHEUS_MULTIPROC_DIR`` set
(supervisor sets it for every program), each process writes its counters to files in that
folder and a scrape adds them up; without it (embedded profile, tests) the process's own
registry is read. Gauges that describe the installation rather than a process (queue length,
last backup age, disk use, heartbeats) are read at scrape time.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Iterable
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0)  # float-ok: seconds
TASK_BUCKETS = (0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0)  # float-ok: seconds

HTTP_REQUESTS = Counter(
    "wisebook_http_requests_total", "Requêtes HTTP servies.", ("route", "method", "status")
)
HTTP_LATENCY = Histogram(
    "wisebook_http_request_duration_seconds",
    "Durée des requêtes HTTP.",
    ("route", "method"),
    buckets=LATENCY_BUCKETS,
)
TASKS = Counter("wisebook_tasks_total", "Tâches de fond terminées.", ("task", "outcome"))
TASK_DURATION = Histogram(
    "wisebook_task_duration_seconds", "Durée des tâches de fond.", ("task",), buckets=TASK_BUCKETS
)
EXTERNAL = Counter(
    "wisebook_external_requests_total",
    "Appels à des services extérieurs (webhooks, SMTP, S3).",
    ("service", "outcome"),
)
BACKUPS = Counter("wisebook_backups_total", "Sauvegardes faites.", ("outcome",))


def observe_request(route: str, method: str, status: int, seconds: float) -> None:  # float-ok
    HTTP_REQUESTS.labels(route, method, str(status)).inc()
    HTTP_LATENCY.labels(route, method).observe(seconds)


def observe_task(task: str, outcome: str, seconds: float) -> None:  # float-ok: a duration
    TASKS.labels(task, outcome).inc()
    TASK_DURATION.labels(task).observe(seconds)


def external(service: str, ok: bool) -> None:
    EXTERNAL.labels(service, "ok" if ok else "erreur").inc()


class InstallationCollector(Collector):
    """Gauges read when scraped: each reading function returns a value or None (unknown)."""

    def __init__(self, readings: dict[str, tuple[str, Callable[[], Any]]]):
        self.readings = readings

    def collect(self) -> Iterable[GaugeMetricFamily]:
        for name, (help_text, read) in self.readings.items():
            try:
                value = read()
            except Exception:  # noqa: BLE001, S112 - an unreadable gauge is left out, not a failed scrape
                continue
            if value is None:
                continue
            if isinstance(value, dict):
                label = next(iter(value.get("_label", ["role"])))
                family = GaugeMetricFamily(name, help_text, labels=[label])
                for key, reading in value.items():
                    if key != "_label" and reading is not None:
                        family.add_metric([key], reading)
                yield family
            else:
                yield GaugeMetricFamily(name, help_text, value=value)


def disk_used_ratio(path: str) -> float:  # float-ok: a ratio
    usage = shutil.disk_usage(path)
    return usage.used / usage.total  # float-ok: a ratio


def scrape(installation: Collector | None = None) -> tuple[bytes, str]:
    """The metrics text and its content type."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry = CollectorRegistry()
        for collector in list(REGISTRY._collector_to_names):  # the process's own metrics
            registry.register(collector)
    if installation is not None:
        registry.register(installation)
    return generate_latest(registry), CONTENT_TYPE_LATEST


def mark_process_dead(pid: int | None = None) -> None:
    """Tell the multi-process files a process is gone (supervisor restarts)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid or os.getpid())  # type: ignore[no-untyped-call]


START_TIME = time.time()
