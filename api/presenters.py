"""Turning read-model rows into API bodies."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import HTTPException, status

from api.deps import AppResources
from api.schemas import ReportOut, TicketDetailOut, TicketOut, TimelineEventOut
from domain.catalog import allowed_actions, state_label
from domain.kinds import TicketKind
from domain.permissions import Principal, sees_workflow_links
from elevator_orders.settings import Settings
from store.models import Ticket, TicketEvent, TicketReport
from store.ticket_listing import TicketRow
from store.ticket_reads import EventRow, ReportRow


def workflow_links(settings: Settings, principal: Principal) -> str | None:
    """Where the caller's workflow links point (Temporal's UI), or None: people see no engine links."""
    return settings.effective_temporal_ui_url if sees_workflow_links(principal) else None


def ticket_out(ticket: Ticket | TicketRow, temporal_ui_url: str | None, namespace: str) -> TicketOut:
    kind = TicketKind(ticket.kind)
    return TicketOut(
        ticket_id=ticket.ticket_id,
        number=ticket.number,
        kind=ticket.kind,
        kind_label=kind.label_zh,
        state=ticket.state,
        state_label=state_label(kind, ticket.state),
        allowed_actions=allowed_actions(kind, ticket.state, ticket.details),
        elevator_code=ticket.elevator_code,
        district=ticket.district,
        use_unit_id=ticket.use_unit_id,
        maintenance_unit_id=ticket.maintenance_unit_id,
        assigned_unit_id=ticket.assigned_unit_id,
        opened_at=ticket.opened_at,
        updated_at=ticket.updated_at,
        due_at=ticket.due_at,
        overdue=ticket.overdue,
        closed_at=ticket.closed_at,
        deadlines=ticket.deadlines,
        provisional_deadlines=ticket.provisional_deadlines,
        flags=ticket.flags,
        details=ticket.details,
        spawned_from=ticket.spawned_from,
        linked_tickets=ticket.linked_tickets,
        workflow_id=ticket.workflow_id,
        run_id=ticket.run_id,
        temporal_ui_url=(
            f"{temporal_ui_url.rstrip('/')}/namespaces/{namespace}/workflows/{ticket.workflow_id}/{ticket.run_id}"
            if temporal_ui_url is not None
            else None
        ),
    )


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


def metadata_only(ticket: TicketOut) -> TicketOut:
    """What the platform operator sees of a ticket: that it exists and where it stands, not its content."""
    return ticket.model_copy(update={"details": {}, "flags": [], "linked_tickets": []})
