"""A ticket's detail written by orjson is, byte for byte, the TicketDetailOut pydantic would write."""

from __future__ import annotations

from datetime import timedelta, timezone

import pytest
from pydantic import TypeAdapter

from api.presenters import ticket_detail_json, ticket_detail_out
from api.schemas import ReportOut, TicketDetailOut, TimelineEventOut
from store.ticket_reads import EventRow, ReportRow
from tests.support.ticket_rows import OPENED, ticket_row

DETAIL = TypeAdapter(TicketDetailOut)

TICKET = ticket_row("rescue", "released", closed=False)._replace(
    flags=["late_arrival"], details={"alarm_type": "用户报警", "people_freed": 2, "arrival_minutes": 31.5}
)
TIMELINE = [
    EventRow(1, OPENED, "report", "reported", None, None, None, None, "", {"source": "alarm"}),
    EventRow(
        2,
        OPENED + timedelta(minutes=2),
        "accept",
        "accepted",
        "u-rescuer",
        "张<三>",
        "mu-1",
        "rescuer",
        '马上到 "现场"',
        {"nested": {"a": [1, None, 0.1]}, "ok": True},
    ),
    EventRow(
        3,
        (OPENED + timedelta(minutes=21)).astimezone(timezone(timedelta(hours=8))),
        "release",
        "released",
        "u-rescuer",
        "张<三>",
        "mu-1",
        "rescuer",
        "",
        {"people_freed": 2, "handler_name": "李四"},
    ),
]
REPORTS = [ReportRow("alarm", "bench-1", OPENED), ReportRow("qr", "scan-2", OPENED + timedelta(seconds=40))]


def test_the_rows_carry_the_schema_fields_in_its_order() -> None:
    assert list(EventRow._fields) == list(TimelineEventOut.model_fields)
    assert list(ReportRow._fields) == list(ReportOut.model_fields)


@pytest.mark.parametrize("ui_url", [None, "http://127.0.0.1:8233/"], ids=["no-links", "links"])
@pytest.mark.parametrize("spawned", [[], ["fault_repair-31010000001-0002"]], ids=["alone", "spawned"])
def test_the_detail_is_written_as_the_schema_writes_it(ui_url: str | None, spawned: list[str]) -> None:
    expected = DETAIL.dump_json(ticket_detail_out(TICKET, TIMELINE, REPORTS, spawned, ui_url, "default"))

    written = ticket_detail_json(
        TICKET, TIMELINE, REPORTS, spawned, temporal_ui_url=ui_url, namespace="default"
    )

    assert written == expected
