"""Projection of workflow state into the read model."""

from __future__ import annotations

from temporalio import activity

from activities.contracts import PROJECT_TICKET, ProjectTicketInput
from store.tickets import TicketRepository


class ProjectionActivities:
    def __init__(self, tickets: TicketRepository) -> None:
        self._tickets = tickets

    @activity.defn(name=PROJECT_TICKET)
    async def project_ticket(self, input: ProjectTicketInput) -> None:
        # Idempotent by construction: the store keeps the newest snapshot and each event once.
        await self._tickets.apply_projection(input.snapshot, input.events, input.reports)
