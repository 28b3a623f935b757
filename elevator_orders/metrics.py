"""Prometheus metrics of one process: Temporal's SDK's own, and the business figures of the store.

The SDK's Rust core serves its metrics (workflow task latencies, activity outcomes, requests) on a loopback
port of the process, `sdk_metrics_port`; a scrape of our /metrics page reads that page and adds the
business figures, read from the store at the scrape: open and overdue tickets by kind and district, mails
waiting and failed, how soon rescues alarmed in the last 7 days were accepted and reached. The store's
figures are the same whichever replica answers: aggregate them with max, not sum.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import datetime

import httpx
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.metrics_core import GaugeHistogramMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

from store.database import Database
from store.figures import StoreFigures, read_figures
from store.rescue_figures import RescueResponses, rescue_responses

logger = logging.getLogger(__name__)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# Response times against the statutory limits (accept at once, arrive within 30 minutes).
ACCEPT_BUCKETS_MINUTES = (1.0, 2.0, 5.0, 10.0, 15.0, 30.0)
ARRIVAL_BUCKETS_MINUTES = (5.0, 10.0, 15.0, 20.0, 30.0, 45.0, 60.0, 120.0)
_SDK_SCRAPE_TIMEOUT_SECONDS = 2.0


@functools.cache
def telemetry_runtime(sdk_metrics_port: int) -> Runtime:
    """The process's one Temporal runtime, serving the SDK's metrics on loopback `sdk_metrics_port`.

    One per process and port: the runtime owns the port for as long as the process runs.
    """
    return Runtime(
        telemetry=TelemetryConfig(
            metrics=PrometheusConfig(bind_address=f"127.0.0.1:{sdk_metrics_port}", durations_as_seconds=True)
        )
    )


class _Figures(Collector):
    def __init__(self, figures: StoreFigures, rescues: RescueResponses) -> None:
        self._figures = figures
        self._rescues = rescues

    def collect(self) -> Iterable[Metric]:
        figures = self._figures
        open_tickets = GaugeMetricFamily(
            "elevator_orders_open_tickets", "Tickets whose work is not over", labels=["kind", "district"]
        )
        overdue = GaugeMetricFamily(
            "elevator_orders_overdue_tickets",
            "Open tickets past a legal deadline",
            labels=["kind", "district"],
        )
        for count in figures.tickets:
            open_tickets.add_metric([count.kind, count.district], count.open)
            overdue.add_metric([count.kind, count.district], count.overdue)
        yield open_tickets
        yield overdue
        yield GaugeMetricFamily(
            "elevator_orders_mails_pending", "Mails queued, not yet sent", figures.mails_pending
        )
        yield GaugeMetricFamily(
            "elevator_orders_mails_failed", "Mails that could never be sent", figures.mails_failed
        )
        yield _distribution(
            "elevator_orders_rescue_accept_minutes",
            "Minutes from alarm to acceptance, rescues alarmed in the last 7 days",
            self._rescues.accept_minutes,
            ACCEPT_BUCKETS_MINUTES,
        )
        yield _distribution(
            "elevator_orders_rescue_arrival_minutes",
            "Minutes from alarm to arrival on site, rescues alarmed in the last 7 days",
            self._rescues.arrival_minutes,
            ARRIVAL_BUCKETS_MINUTES,
        )


def _distribution(
    name: str, documentation: str, values: Sequence[float], bounds: Sequence[float]
) -> GaugeHistogramMetricFamily:
    # A gauge histogram: the distribution over a sliding window goes down as well as up.
    buckets = [(str(bound), float(sum(1 for value in values if value <= bound))) for bound in bounds]
    buckets.append(("+Inf", float(len(values))))
    return GaugeHistogramMetricFamily(name, documentation, buckets=buckets, gsum_value=float(sum(values)))


async def _sdk_page(sdk_metrics_port: int) -> bytes:
    """The SDK's own page, or nothing if it cannot be read: the business figures still go out."""
    try:
        async with httpx.AsyncClient(trust_env=False, timeout=_SDK_SCRAPE_TIMEOUT_SECONDS) as http:
            answer = await http.get(f"http://127.0.0.1:{sdk_metrics_port}/metrics")
            answer.raise_for_status()
    except httpx.HTTPError:
        logger.warning("the Temporal SDK's metrics could not be read", exc_info=True)
        return b""
    return answer.content


async def metrics_page(database: Database, now: datetime, sdk_metrics_port: int) -> bytes:
    """This process's /metrics page: the business figures, then the SDK's (when it exports them)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Figures(await read_figures(database), await rescue_responses(database, now)))
    business = generate_latest(registry)
    return business + (await _sdk_page(sdk_metrics_port) if sdk_metrics_port else b"")


async def serve_metrics(host: str, port: int, render: Callable[[], Awaitable[bytes]]) -> asyncio.Server:
    """A minimal HTTP server answering GET /metrics with `render()`, for a process without an API."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request_line = await reader.readline()
            while (await reader.readline()) not in (b"\r\n", b"\n", b""):
                pass
            method, _, rest = request_line.decode("latin-1").partition(" ")
            path = rest.split(" ", 1)[0]
            if method == "GET" and path.split("?", 1)[0] == "/metrics":
                body, status = await render(), "200 OK"
                content_type = CONTENT_TYPE
            else:
                body, status, content_type = b"not found\n", "404 Not Found", "text/plain; charset=utf-8"
            writer.write(
                f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
                "Connection: close\r\n\r\n".encode("latin-1")
                + body
            )
            await writer.drain()
        finally:
            writer.close()

    return await asyncio.start_server(answer, host, port)
