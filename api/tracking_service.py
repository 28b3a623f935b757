"""Tracking: how a member of the public follows a filing with its token, and evaluates its result.

Tokens themselves are made in api/tracking_tokens.py. A kind the public evaluates declares how, as
`evaluation` in its `api/<kind>_service.py`: the Update and its input from the token's digest and body.
"""

from collections.abc import Callable
from typing import Any

from fastapi import HTTPException, status

from api.deps import AppResources
from api.errors import TicketNotActionable
from api.tracking_schemas import EvaluateBody, TrackingOut, TrackingStepOut
from api.tracking_tokens import tracking_digest
from api.workflow_calls import act
from domain.catalog import allowed_actions, state_label
from domain.kinds import TicketKind
from domain.tracking import public_actions, public_step
from elevator_orders.kind_lookup import kind_declarations
from store.models import Ticket

# The evaluation Update of each kind the public evaluates, and its input from the token's digest and body.
EVALUATIONS: dict[TicketKind, Callable[[str, EvaluateBody], tuple[Any, Any]]] = kind_declarations(
    "api.{kind}_service", "evaluation"
)


async def tracked_ticket(resources: AppResources, token: str) -> Ticket:
    ticket = await resources.tickets.by_tracking_digest(tracking_digest(token))
    if ticket is None:
        # The same answer for every wrong token: nothing tells a guess how close it came.
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no ticket follows this tracking token")
    return ticket


async def present_tracking(resources: AppResources, ticket: Ticket) -> TrackingOut:
    kind = TicketKind(ticket.kind)
    steps = []
    for event in await resources.tickets.timeline(ticket.ticket_id):
        step = public_step(kind, event.at, event.action, event.state, event.actor_role, event.note)
        if step is not None:
            steps.append(
                TrackingStepOut(
                    at=step.at,
                    action=step.action,
                    action_label=step.action_label,
                    state=step.state,
                    state_label=state_label(kind, step.state),
                    note=step.note,
                )
            )
    return TrackingOut(
        ticket_id=ticket.ticket_id,
        number=ticket.number,
        kind=ticket.kind,
        kind_label=kind.label_zh,
        state=ticket.state,
        state_label=state_label(kind, ticket.state),
        opened_at=ticket.opened_at,
        due_at=ticket.due_at,
        closed_at=ticket.closed_at,
        public_actions=[
            a for a in allowed_actions(kind, ticket.state, ticket.details) if a in public_actions(kind)
        ],
        timeline=steps,
    )


async def evaluate(resources: AppResources, token: str, body: EvaluateBody) -> TrackingOut:
    """Send the complainant's evaluation to the ticket's workflow, which checks the token's digest again."""
    ticket = await tracked_ticket(resources, token)
    kind = TicketKind(ticket.kind)
    build = EVALUATIONS.get(kind)
    if build is None:
        raise TicketNotActionable(ticket.ticket_id, ticket.state, action="evaluate")
    await act(resources.temporal, ticket, *build(tracking_digest(token), body))
    # The Update answers once its projection is stored, so this read sees the evaluation.
    refreshed = await resources.tickets.get(ticket.ticket_id)
    assert refreshed is not None
    return await present_tracking(resources, refreshed)
