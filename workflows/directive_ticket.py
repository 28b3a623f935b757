"""A directive's rules, state and projection: the base of DirectiveWorkflow, whose steps and Updates it serves.

Kept in a module of its own; workflows/directive.py holds the run and the Updates.
"""

import asyncio
from datetime import date, datetime

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain import directive as rules
    from domain.directive import RECTIFY_POLICY_KEY, DirectiveAction, DirectiveState
    from domain.registry import ElevatorRegistration, OrganisationRef
    from domain.roles import Actor
    from workflows.clock import Clock
    from workflows.clock_actions import ClockedTicket
    from workflows.directive_models import DirectiveInput
    from workflows.ticket_base import TicketLinks
    from workflows.ticket_io import MailEvent


class DirectiveTicket(ClockedTicket[DirectiveState]):
    """What a directive is now, who may act on it, and how it is stored and mailed."""

    _input: DirectiveInput
    # The latest round's rectification clock: its deadline stays on the ticket while re-checking.
    _rectify_clock: Clock | None
    _rectify_by: date
    # Counts the steps whose clock has started and been stored; Updates that end a step wait on it.
    _steps_started: int
    _step_label: str
    _overdue: bool
    _number: str
    # Opening the clue runs beside the directive, so a slow store never holds up its own steps.
    _clue: asyncio.Task[None] | None

    def _check(self, action: DirectiveAction, actor: Actor) -> DirectiveState:
        registration = self._registration
        return self._checked(
            rules.check_action,
            self._state,
            action,
            actor,
            addressee=self._input.addressee,
            addressee_unit_id=self._input.addressee.unit(registration).id if registration else "",
            issuer_id=registration.district_regulator.id if registration else "",
        )

    def _check_clock_actor(self, actor: Actor) -> None:
        """The directive's date is the regulator's: the unit never stops it; the regulator may (e.g. 检验)."""
        self._check_regulator(actor, "指令书期限的中止与恢复只能由{regulator}办理")

    def _opened(self) -> bool:
        return self._steps_started > 0

    def _assigned_unit_id(self, registration: ElevatorRegistration) -> str:
        # The addressed unit carries out the work the directive orders.
        return self._input.addressee.unit(registration).id

    def _deadlines(self) -> dict[str, datetime]:
        """The deadlines so far, with the rectification clock's and the running clock's as they stand now."""
        deadlines = dict(self._io.deadlines)
        if self._rectify_clock is not None:
            deadlines[RECTIFY_POLICY_KEY] = self._rectify_clock.state.due_at
        if self._clock is not None:
            deadlines[self._clock.state.policy_key] = self._clock.state.due_at
        return deadlines

    def _links(self) -> TicketLinks:
        return TicketLinks(spawned_from=self._input.from_ticket_id, linked_tickets=self._input.linked_tickets)

    def _addressee_unit(self) -> OrganisationRef:
        return self._input.addressee.unit(self._registration_or_fail())

    def _directive_event(self, **extra: str) -> MailEvent:
        """What the directive's own mails say of it: its number, what it orders, and by when."""
        event: MailEvent = {
            "document_number": self._number,
            "issuer_name": self._registration_or_fail().district_regulator.name,
            "addressee_label": self._input.addressee.label_zh,
            "problems": self._input.problems,
            "article_violated": self._input.article_violated,
            "legal_basis": self._input.legal_basis,
            "rectify_by_zh": rules.date_zh(self._rectify_by),
        }
        event.update(extra)
        return event

    def _notify(self, template: str, recipient: OrganisationRef, event: MailEvent | None = None) -> None:
        issuer = self._registration_or_fail().district_regulator
        rectified_by = self._details.get("rectified_by")
        self._mail(
            template,
            recipient,
            event,
            source_label=f"{issuer.name}签发（{self._number}）",
            assigned_unit_name=self._addressee_unit().name,
            step_label=self._step_label,
            handler_name=str(rectified_by) if rectified_by else None,
        )
