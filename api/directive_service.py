"""Issuing supervisory directives: the only place the API starts the directive workflow."""

from dataclasses import dataclass
from datetime import UTC, date, datetime

from temporalio.client import Client

from api.workflow_calls import open_ticket
from domain.directive import Addressee, directive_ticket_id
from domain.roles import Actor
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
    client: Client, task_queue: str, new: NewDirective, *, mail_grace_seconds: float = 30.0
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
            issued_at=datetime.now(UTC),
            from_ticket_id=new.from_ticket_id,
            linked_tickets=[new.from_ticket_id] if new.from_ticket_id else [],
            mail_grace_seconds=mail_grace_seconds,
        ),
        ticket_id=ticket_id,
        register=DirectiveWorkflow.register,
    )
