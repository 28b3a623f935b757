"""Logs a collector can index, JSON lines tied to their request or workflow run; traces only when asked for."""

from __future__ import annotations

import json
import logging

from temporalio.testing import ActivityEnvironment

from elevator_orders.logs import REQUEST_ID, JsonLines
from elevator_orders.settings import Settings
from elevator_orders.tracing import process_tracer
from tests.support.ports import LOOPBACK, free_port


def _record(message: str, **extra: object) -> logging.LogRecord:
    record = logging.LogRecord("elevator_orders.test", logging.WARNING, __file__, 1, message, None, None)
    record.__dict__.update(extra)
    return record


def test_a_json_line_names_the_request_it_was_written_for() -> None:
    token = REQUEST_ID.set("req-1")
    try:
        line = json.loads(
            JsonLines().format(_record("mail delayed", ticket_id="rescue-31011500001-alarm-A1"))
        )
    finally:
        REQUEST_ID.reset(token)
    assert line["message"] == "mail delayed"
    assert line["level"] == "warning"
    assert line["request_id"] == "req-1"
    assert line["ticket_id"] == "rescue-31011500001-alarm-A1"


def test_a_json_line_of_an_activity_names_its_workflow_run() -> None:
    details = {"workflow_id": "rescue-31011500001", "workflow_run_id": "run-7", "activity_type": "project"}
    line = json.loads(JsonLines().format(_record("projected", temporal_activity=details)))
    assert (line["workflow_id"], line["run_id"], line["activity_type"]) == (
        "rescue-31011500001",
        "run-7",
        "project",
    )
    assert "request_id" not in line


def test_a_line_a_modules_own_logger_writes_in_an_activity_names_the_activitys_run() -> None:
    def log_line() -> dict[str, str]:
        parsed: dict[str, str] = json.loads(JsonLines().format(_record("queued")))
        return parsed

    line = ActivityEnvironment().run(log_line)
    assert line["workflow_id"]
    assert line["run_id"]
    assert line["activity_type"]


def test_tracing_is_off_until_an_endpoint_is_set() -> None:
    settings = Settings(_env_file=None)
    with process_tracer(settings, "api") as tracer:
        assert tracer is None
    endpoint = f"http://{LOOPBACK}:{free_port()}"
    with process_tracer(
        settings.model_copy(update={"otel_exporter_otlp_endpoint": endpoint}), "api"
    ) as tracer:
        assert tracer is not None
