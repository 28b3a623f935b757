"""A unit's own data (第八条): the tickets it may see, with their timelines, as JSON or CSV.

An export shows exactly what GET /tickets/{id} shows the same caller, nothing more: reporters and
complainants stay apart from the tickets. Both formats stream, page by page, so a large export never
sits in memory whole.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import AsyncIterator, Iterable, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, status
from fastapi.responses import StreamingResponse
from pydantic import AwareDatetime

from api.deps import AppResources, CurrentPrincipal, Resources
from api.presenters import ticket_detail_out, workflow_links
from api.schemas import ErrorOut, TicketDetailOut
from domain.kinds import TicketKind
from domain.permissions import Principal, reads_metadata_only
from store.ticket_filters import TicketFilter
from store.ticket_listing import TicketRow

router = APIRouter(prefix="/exports", tags=["exports"])

# Tickets read from the store at a time: each page costs four queries, whatever its timelines' length.
_PAGE_SIZE = 500

_REFUSALS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "Not signed in"},
    403: {"model": ErrorOut, "description": "The platform operator reads metadata only, never content"},
    422: {"model": ErrorOut, "description": "More tickets than one export holds: narrow the filters"},
}

# One CSV row per timeline event; the ticket's columns repeat on each of its rows.
TICKET_COLUMNS = (
    "ticket_id",
    "kind",
    "kind_label",
    "state",
    "state_label",
    "elevator_code",
    "district",
    "use_unit_id",
    "maintenance_unit_id",
    "assigned_unit_id",
    "opened_at",
    "updated_at",
    "due_at",
    "overdue",
    "closed_at",
    "deadlines",
    "flags",
    "details",
    "spawned_from",
    "linked_tickets",
    # Added after the others: a spreadsheet that reads columns by position keeps reading them.
    "number",
)
EVENT_COLUMNS = (
    "seq",
    "at",
    "action",
    "state",
    "actor_user_id",
    "actor_name",
    "actor_organisation_id",
    "actor_role",
    "note",
    "data",
)
CSV_HEADER = (*TICKET_COLUMNS, *(f"event_{column}" for column in EVENT_COLUMNS))

# A spreadsheet runs a cell that starts like a formula: free text from the public must stay text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


async def _export_filter(
    principal: CurrentPrincipal,
    kind: TicketKind | None = None,
    state: str | None = Query(default=None, max_length=40),
    opened_from: Annotated[AwareDatetime | None, Query()] = None,
    opened_to: Annotated[AwareDatetime | None, Query()] = None,
) -> TicketFilter:
    return TicketFilter(
        kind=kind.value if kind else None,
        state=state,
        opened_from=opened_from,
        opened_to=opened_to,
        visible_to=principal,
    )


ExportFilter = Annotated[TicketFilter, Depends(_export_filter)]


@router.get(
    "/tickets.json",
    response_class=StreamingResponse,
    responses={200: {"model": list[TicketDetailOut], "description": "A JSON file to download"}, **_REFUSALS},
)
async def export_tickets_json(
    resources: Resources, principal: CurrentPrincipal, filters: ExportFilter
) -> StreamingResponse:
    """The caller's tickets, each as GET /tickets/{id} shows it (with its timeline), as one JSON list."""
    tickets = await _exported_tickets(resources, principal, filters)
    return _download(
        _json_chunks(tickets), "application/json", _filename(principal, "json", resources.clock())
    )


@router.get(
    "/tickets.csv",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/csv": {}}, "description": "A CSV file to download (UTF-8 with BOM)"},
        **_REFUSALS,
    },
)
async def export_tickets_csv(
    resources: Resources, principal: CurrentPrincipal, filters: ExportFilter
) -> StreamingResponse:
    """The caller's tickets as CSV (UTF-8 with BOM, for Excel): one row per timeline event."""
    tickets = await _exported_tickets(resources, principal, filters)
    return _download(
        _csv_chunks(tickets), "text/csv; charset=utf-8", _filename(principal, "csv", resources.clock())
    )


async def _exported_tickets(
    resources: AppResources, principal: Principal, filters: TicketFilter
) -> AsyncIterator[TicketDetailOut]:
    """Refuses before the first byte (403, 422); the tickets themselves are read as the body streams."""
    if reads_metadata_only(principal):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, detail="平台运维方只能查看工单元数据，不能导出工单内容"
        )
    limit = resources.settings.max_export_tickets
    first = await resources.tickets.list(filters, limit=_PAGE_SIZE, offset=0)
    if first.total > limit:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            detail=(
                f"筛选结果共 {first.total} 张工单，超过单次导出上限 {limit} 张；"
                "请用 opened_from/opened_to、kind 或 state 缩小范围后分批导出"
            ),
        )
    return _stream(resources, principal, filters, first.items, limit)


async def _stream(
    resources: AppResources, principal: Principal, filters: TicketFilter, page: list[TicketRow], limit: int
) -> AsyncIterator[TicketDetailOut]:
    settings = resources.settings
    # Pages are read by offset, newest first: a ticket opened meanwhile shifts the later pages by one,
    # so a ticket may come round twice. It is written once.
    seen: set[str] = set()
    offset = 0
    while page:
        fresh = [ticket for ticket in page if ticket.ticket_id not in seen]
        ids = [ticket.ticket_id for ticket in fresh]
        timelines = await resources.tickets.timelines(ids)
        reports = await resources.tickets.reports_of(ids)
        spawned = await resources.tickets.spawned_by_each(ids)
        for ticket in fresh:
            if len(seen) >= limit:
                return
            seen.add(ticket.ticket_id)
            yield ticket_detail_out(
                ticket,
                timelines[ticket.ticket_id],
                reports[ticket.ticket_id],
                spawned[ticket.ticket_id],
                workflow_links(settings, principal),
                settings.temporal_namespace,
            )
        if len(page) < _PAGE_SIZE:
            return
        offset += _PAGE_SIZE
        page = (await resources.tickets.list(filters, limit=_PAGE_SIZE, offset=offset)).items


async def _json_chunks(tickets: AsyncIterator[TicketDetailOut]) -> AsyncIterator[str]:
    separator = "["
    async for ticket in tickets:
        yield separator + ticket.model_dump_json()
        separator = ","
    yield "[]" if separator == "[" else "]"


async def _csv_chunks(tickets: AsyncIterator[TicketDetailOut]) -> AsyncIterator[str]:
    # The byte-order mark tells Excel the file is UTF-8: without it Chinese text opens garbled.
    yield "\ufeff" + _csv_lines([CSV_HEADER])
    async for ticket in tickets:
        yield _csv_lines(_csv_rows(ticket))


def _csv_rows(ticket: TicketDetailOut) -> list[list[str]]:
    body = ticket.model_dump(mode="json")
    ticket_cells = [_cell(body[column]) for column in TICKET_COLUMNS]
    # A ticket always has a timeline; were it empty, the ticket still gets its row.
    events = body["timeline"] or [{}]
    return [ticket_cells + [_cell(event.get(column)) for column in EVENT_COLUMNS] for event in events]


def _csv_lines(rows: Iterable[Sequence[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        text = json.dumps(value, ensure_ascii=False, sort_keys=True) if value else ""
    elif isinstance(value, list):
        text = ";".join(str(item) for item in value)
    else:
        text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _filename(principal: Principal, extension: str, at: datetime) -> str:
    organisation = re.sub(r"[^A-Za-z0-9._-]", "_", principal.organisation_id)
    stamp = at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"tickets-{organisation}-{stamp}.{extension}"


def _download(chunks: AsyncIterator[str], media_type: str, filename: str) -> StreamingResponse:
    return StreamingResponse(
        chunks,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
