"""Issuing supervisory directives: the only place the API starts the directive workflow.

The JSON API (api/routers/directive.py) and the regulator's page (api/pages/regulator.py) share the draft
and the issuing of a directive from here, with the same checks.
"""

import uuid
from dataclasses import dataclass
from datetime import date

from fastapi import HTTPException, status
from temporalio.client import Client

from api.deps import AppResources
from api.directive_schemas import DirectiveCreate, DirectiveCreated, DirectiveDraft
from api.errors import field_error
from api.workflow_calls import open_ticket
from domain import directive as rules
from domain.catalog import state_label
from domain.correction import Addressee
from domain.correction_draft import correction_of, draft_problems
from domain.directive import directive_ticket_id
from domain.kinds import TicketKind
from domain.policies import policy_table
from domain.registry import ElevatorRegistration
from domain.roles import Actor, Role
from elevator_orders.clock import Clock, system_clock
from workflows.directive import DirectiveWorkflow
from workflows.directive_models import DirectiveInput, Registered


@dataclass(frozen=True)
class NewDirective:
    elevator_code: str
    ref: str
    issuer: Actor
    addressee: Addressee
    problems: str
    article_violated: str
    legal_basis: str
    rectify_by: date
    # The escalated ticket it is issued from, if any; it becomes the directive's first linked ticket.
    from_ticket_id: str | None = None


async def issue_directive(
    client: Client,
    task_queue: str,
    new: NewDirective,
    *,
    mail_grace_seconds: float = 30.0,
    clock: Clock = system_clock,
) -> Registered:
    """Issue the directive, or answer with the one this very request issued before."""
    ticket_id = directive_ticket_id(new.elevator_code, new.ref)
    return await open_ticket(
        client,
        task_queue,
        DirectiveWorkflow.run,
        DirectiveInput(
            ticket_id=ticket_id,
            elevator_code=new.elevator_code,
            ref=new.ref,
            issuer=new.issuer,
            addressee=new.addressee,
            problems=new.problems,
            article_violated=new.article_violated,
            legal_basis=new.legal_basis,
            rectify_by=new.rectify_by,
            issued_at=clock(),
            from_ticket_id=new.from_ticket_id,
            linked_tickets=[new.from_ticket_id] if new.from_ticket_id else [],
            mail_grace_seconds=mail_grace_seconds,
        ),
        ticket_id=ticket_id,
    )


def require_district_regulator(actor: Actor, registration: ElevatorRegistration) -> None:
    """Directives on an elevator are drafted and issued by its district's regulator only; else 403."""
    regulator = registration.district_regulator
    if actor.role is not Role.REGULATOR or actor.organisation_id != regulator.id:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, detail=f"directives on this elevator are issued by {regulator.name}"
        )


def today_in_china(clock: Clock) -> date:
    return rules.china_date(clock())


async def draft_directive(resources: AppResources, actor: Actor, ticket_id: str) -> DirectiveDraft:
    """A directive prefilled from a ticket (usually one escalated to the regulator's queue)."""
    ticket = await resources.tickets.get(ticket_id)
    if ticket is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no ticket {ticket_id!r}")
    registration = await resources.registry.registration(ticket.elevator_code)
    if registration is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, detail=f"no registered elevator {ticket.elevator_code!r}"
        )
    require_district_regulator(actor, registration)
    kind = TicketKind(ticket.kind)
    defaults = correction_of(kind)
    unit = defaults.addressee.unit(registration)
    settings = resources.settings
    working_days = int(policy_table(settings.policy_overrides)[rules.RECTIFY_POLICY_KEY].limit)
    calendar = resources.working_days
    return DirectiveDraft(
        from_ticket_id=ticket.ticket_id,
        elevator_code=ticket.elevator_code,
        addressee=defaults.addressee.value,
        addressee_unit_id=unit.id,
        addressee_unit_name=unit.name,
        problems=draft_problems(
            kind,
            ticket.ticket_id,
            state_label(kind, ticket.state),
            ticket.flags,
            ticket.due_at,
            ticket.details,
        ),
        article_violated=defaults.article_violated,
        legal_basis=defaults.legal_basis,
        rectify_by=rules.default_rectify_by(calendar, working_days, resources.clock()),
    )


async def issue_requested_directive(
    resources: AppResources, actor: Actor, body: DirectiveCreate, idempotency_key: str | None
) -> DirectiveCreated:
    """Issue the directive `body` describes as `actor`; the same idempotency key answers the same one."""
    registration = await resources.registry.registration(body.elevator_code)
    if registration is None:
        raise field_error("elevator_code", f"no registered elevator {body.elevator_code!r}")
    require_district_regulator(actor, registration)
    if body.rectify_by <= today_in_china(resources.clock):
        raise field_error("rectify_by", "the date to correct by must be later than today (China time)")
    if body.from_ticket_id is not None:
        source = await resources.tickets.get(body.from_ticket_id)
        if source is None:
            raise field_error("from_ticket_id", f"no ticket {body.from_ticket_id!r}")
        if source.elevator_code != body.elevator_code:
            raise field_error("from_ticket_id", f"ticket {body.from_ticket_id!r} is on another elevator")
    # A client that retries after a timeout sends the same Idempotency-Key: one directive, not two.
    ref = idempotency_key or uuid.uuid4().hex
    ticket_id = rules.directive_ticket_id(body.elevator_code, ref)
    known = await resources.tickets.get(ticket_id)
    if known is None:
        registered = await issue_directive(
            resources.temporal,
            resources.settings.temporal_task_queue,
            NewDirective(
                elevator_code=body.elevator_code,
                ref=ref,
                issuer=actor,
                addressee=Addressee(body.addressee),
                problems=body.problems,
                article_violated=body.article_violated,
                legal_basis=body.legal_basis,
                rectify_by=body.rectify_by,
                from_ticket_id=body.from_ticket_id,
            ),
            mail_grace_seconds=resources.settings.mail_grace_seconds,
            clock=resources.clock,
        )
        duplicate = registered.duplicate
        # The answer to the start comes once the directive is stored, with its number.
        known = await resources.tickets.get(ticket_id)
        assert known is not None
    else:
        duplicate = True
    return DirectiveCreated(
        ticket_id=known.ticket_id,
        state=known.state,
        duplicate=duplicate,
        document_number=str(known.details["document_number"]),
    )
