"""Logs as JSON lines (LOG_FORMAT=json, for a log collector) or as text (a developer's terminal).

A JSON line carries what ties it to the work: the request's id on the API, the workflow id and run id in
workflows and activities (the SDK's loggers put them on the record), a ticket id where the code names
one. It carries no personal data: messages never quote a person's name or phone, and the engines hide
statement parameters from the errors they raise (store/db.py).
"""

from __future__ import annotations

import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Literal

from temporalio import activity

# The id of the API request being served: from the caller's X-Request-ID, or a new one.
REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)

LogFormat = Literal["text", "json"]
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonLines(logging.Formatter):
    """One JSON object per record, with the ids that tie it to a request, a workflow run or a ticket."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = REQUEST_ID.get()
        if request_id:
            line["request_id"] = request_id
        line |= _temporal_ids(record)
        ticket_id = getattr(record, "ticket_id", None)
        if ticket_id:
            line["ticket_id"] = ticket_id
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


# workflow.logger and activity.logger put the run's details on the record, each under names of its own.
_TEMPORAL_DETAILS = {
    "temporal_workflow": {"workflow_id": "workflow_id", "run_id": "run_id", "workflow_type": "workflow_type"},
    "temporal_activity": {
        "workflow_id": "workflow_id",
        "workflow_run_id": "run_id",
        "workflow_type": "workflow_type",
        "activity_type": "activity_type",
    },
}


def _temporal_ids(record: logging.LogRecord) -> dict[str, str]:
    for attribute, names in _TEMPORAL_DETAILS.items():
        details = getattr(record, attribute, None)
        if isinstance(details, dict):
            return {ours: str(details[theirs]) for theirs, ours in names.items() if details.get(theirs)}
    if activity.in_activity():
        # A module's own logger, called from an activity: the activity's run is still the one to name.
        info = activity.info()
        return {
            "workflow_id": info.workflow_id or "",
            "run_id": info.workflow_run_id or "",
            "activity_type": info.activity_type,
        }
    return {}


def configure_logging(log_format: LogFormat, level: int = logging.INFO) -> None:
    """The root logger's one handler, on stderr, in the format asked for."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonLines() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
