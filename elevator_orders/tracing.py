"""Traces from an API request through its workflow to its activities, sent where the operator says.

Off unless OTEL_EXPORTER_OTLP_ENDPOINT is set: then each process makes one tracer provider exporting over
OTLP/HTTP, the Temporal client (and the workers built on it) carries the SDK's tracing interceptor, and
the API opens a span per request, so a request's span is the parent of its workflow's and activities'.
Off, nothing is added: no interceptor, no middleware, no cost on the action path.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import Tracer

from elevator_orders.settings import Settings


@contextlib.contextmanager
def process_tracer(settings: Settings, service: str) -> Iterator[Tracer | None]:
    """The tracer of this process (`service`: api, worker, dev), or None when tracing is off.

    Spans still buffered are sent when the block ends.
    """
    endpoint = settings.otel_exporter_otlp_endpoint.rstrip("/")
    if not endpoint:
        yield None
        return
    provider = TracerProvider(resource=Resource.create({"service.name": f"elevator-orders-{service}"}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=f"{endpoint}/v1/traces")))
    try:
        yield provider.get_tracer("elevator_orders")
    finally:
        provider.shutdown()
