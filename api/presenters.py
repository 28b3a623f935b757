"""Turning read-model rows into API bodies."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import HTTPException, status

from api.deps import AppResources
from api.schemas import ReportOut, TicketDetailOut, TicketOut, TimelineEventOut
from api.ticket_page_json import ticket_fields
from domain.permissions import Principal, sees_workflow_links
from elevator_orders.settings import Settings
from store.models import Ticket, TicketEvent, TicketReport
from store.ticket_listing import TicketRow
from store.ticket_reads import EventRow, ReportRow


def workflow_links(settings: Settings, principal: Principal) -> str | None:
    """Where the caller's workflow links point (Temporal's UI), or None: people see no engine links."""
    return settings.effective_temporal_ui_url if sees_workflow_links(principal) else None


def ticket_out(ticket: Ticket | TicketRow, temporal_ui_url: str | None, namespace: str) -> TicketOut:
    return TicketOut.model_validate(ticket_fields(ticket, temporal_ui_url, namespace))


async def present_ticket(resources: AppResources, principal: Principal, ticket_id: str) -> TicketDetailOut:
    """The ticket with its timeline and reports, as GET /tickets/{id} and every action answer it."""
    detail = await resources.tickets.detail(ticket_id)
    if detail is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no ticket {ticket_id!r}")
    settings = resources.settings
    return ticket_detail_out(
        detail.ticket,
        detail.timeline,
        detail.reports,
        detail.spawned,
        workflow_links(settings, principal),
        settings.temporal_namespace,
    )


def ticket_detail_out(
    ticket: Ticket | TicketRow,
    timeline: Sequence[TicketEvent | EventRow],
    reports: Sequence[TicketReport | ReportRow],
    spawned: list[str],
    temporal_ui_url: str | None,
    namespace: str,
) -> TicketDetailOut:
    return TicketDetailOut(
        **ticket_out(ticket, temporal_ui_url, namespace).model_dump(),
        timeline=[TimelineEventOut.model_validate(event) for event in timeline],
        reports=[ReportOut.model_validate(report) for report in reports],
        spawned_tickets=spawned,
    )
