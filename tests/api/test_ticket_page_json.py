"""The listing's body written by orjson is, byte for byte, the TicketPageOut pydantic would write."""

from __future__ import annotations

from datetime import timedelta, timezone

import pytest
from pydantic import TypeAdapter

from api.presenters import ticket_out
from api.schemas import TicketPageOut
from api.ticket_page_json import CONTENT_FIELDS, ticket_page_json
from domain.catalog import CATALOG
from store.ticket_listing import TicketRow
from tests.support.ticket_rows import OPENED, ticket_row

PAGE = TypeAdapter(TicketPageOut)


def _rows() -> list[TicketRow]:
    """One row in every state of every kind."""
    return [
        ticket_row(kind.value, state, closed=state in spec.finals)
        for kind, spec in CATALOG.items()
        for state in sorted({member.value for enum in spec.states for member in enum})
    ]


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
