"""The listing's body written by orjson is, byte for byte, the TicketPageOut pydantic would write."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import TypeAdapter

from api.presenters import ticket_out
from api.schemas import TicketPageOut
from api.ticket_page_json import CONTENT_FIELDS, ticket_page_json
from domain.catalog import CATALOG
from store.ticket_listing import TicketRow

OPENED = datetime(2026, 11, 2, 8, 30, 15, 123456, tzinfo=UTC)
PAGE = TypeAdapter(TicketPageOut)


def _rows() -> list[TicketRow]:
    """One row in every state of every kind, with the value shapes the store hands back."""
    rows = []
    for kind, spec in CATALOG.items():
        for state in sorted({member.value for enum in spec.states for member in enum}):
            closed = state in spec.finals
            rows.append(
                TicketRow(
                    ticket_id=f"{kind.value}-{state}",
                    kind=kind.value,
                    state=state,
                    seq=3,
                    workflow_id=f"{kind.value}-{state}",
                    run_id="0199-run",
                    elevator_code="31010000001",
                    district="pudong",
                    use_unit_id="uu-1",
                    maintenance_unit_id="mu-1",
                    assigned_unit_id="mu-1",
                    opened_at=OPENED,
                    updated_at=OPENED + timedelta(minutes=7),
                    due_at=None if closed else OPENED + timedelta(days=15),
                    overdue=not closed,
                    closed_at=OPENED + timedelta(days=3) if closed else None,
                    deadlines={"main": "2026-11-17T00:00:00+00:00", "reply": "2026-11-20T16:00:00+08:00"},
                    provisional_deadlines=["reply"],
                    flags=["overdue_notified"],
                    details={
                        "description": "轿厢内有人<被困>",
                        "floor": 3,
                        "ratio": 0.1,
                        "nested": {"a": [1, None]},
                    },
                    spawned_from=None,
                    linked_tickets=["hazard-1"],
                    number_prefix="KR-PD-20261102",
                    number_serial=7,
                )
            )
    return rows


@pytest.mark.parametrize("content_hidden", [False, True], ids=["content", "metadata-only"])
@pytest.mark.parametrize("ui_url", [None, "http://127.0.0.1:8233/"], ids=["no-links", "links"])
def test_the_page_is_written_as_the_schema_writes_it(content_hidden: bool, ui_url: str | None) -> None:
    rows = _rows()
    items = [ticket_out(row, ui_url, "default") for row in rows]
    if content_hidden:
        items = [item.model_copy(update=CONTENT_FIELDS) for item in items]
    expected = PAGE.dump_json(TicketPageOut(items=items, total=1234, limit=50, offset=100))

    written = ticket_page_json(
        rows,
        total=1234,
        limit=50,
        offset=100,
        temporal_ui_url=ui_url,
        namespace="default",
        content_hidden=content_hidden,
    )

    assert written == expected


def test_a_time_away_from_utc_keeps_its_offset() -> None:
    shanghai = timezone(timedelta(hours=8))
    row = _rows()[0]._replace(opened_at=OPENED.astimezone(shanghai))

    written = ticket_page_json(
        [row], total=1, limit=50, offset=0, temporal_ui_url=None, namespace="default", content_hidden=False
    )

    assert written == PAGE.dump_json(
        TicketPageOut(items=[ticket_out(row, None, "default")], total=1, limit=50, offset=0)
    )
    assert b'"opened_at":"2026-11-02T16:30:15.123456+08:00"' in written
