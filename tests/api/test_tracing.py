"""With tracing on, one trace follows an action from its HTTP request into its workflow and activities."""

from __future__ import annotations

import uuid

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from temporalio.client import Client
from temporalio.contrib.opentelemetry import TracingInterceptor
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from elevator_orders.settings import Settings
from elevator_orders.temporal import data_converter
from tests.api.conftest import _http_client
from worker.main import running_worker


async def test_a_rescue_reported_over_http_is_one_trace_down_to_its_activities(
    dev_server: WorkflowEnvironment, settings: Settings
) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("test")
    client = await Client.connect(
        dev_server.client.service_client.config.target_host,
        data_converter=data_converter(settings),
        interceptors=[TracingInterceptor(tracer)],
    )
    app = create_app(settings, client, tracer=tracer)
    async with (
        running_worker(client, settings),
        app.router.lifespan_context(app),
        _http_client(app, settings) as http,
    ):
        answer = await http.post(
            "/tickets/rescue",
            json={
                "elevator_code": "31011500001",
                "source": "alarm",
                "ref": uuid.uuid4().hex,
                "alarm_type": "用户报警",
            },
            headers={"X-User-Id": "u-monitoring"},
        )
        assert answer.status_code == 201, answer.text
        ticket_id = answer.json()["ticket_id"]
        cancelled = await http.post(
            f"/tickets/{ticket_id}/cancel", json={"reason": "误报"}, headers={"X-User-Id": "u-dispatcher"}
        )
        assert cancelled.status_code == 200, cancelled.text
    spans = exporter.get_finished_spans()
    requests = [span for span in spans if "http.request.method" in (span.attributes or {})]
    assert [span.name for span in requests] == ["POST /tickets/rescue", "POST /tickets/{ticket_id}/cancel"]
    report = requests[0]
    in_its_trace = {span.name for span in spans if span.context.trace_id == report.context.trace_id}
    assert any(name.startswith("RunWorkflow:") for name in in_its_trace), sorted(in_its_trace)
    assert any(name.startswith("RunActivity:") for name in in_its_trace), sorted(in_its_trace)
    # Nothing of what people typed rides on a span (the reason given, here).
    for span in spans:
        assert all("误报" not in str(value) for value in (span.attributes or {}).values()), span.name
