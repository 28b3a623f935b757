"""What every stepped ticket kind does alike: its start, `register`, its checks, steps, answers and mail.

A kind's workflow class inherits it through `clock_actions.ClockedTicket[ItsState]`, implements the hooks
that raise `NotImplementedError` and overrides a default only where the kind really differs.
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from enum import StrEnum
from typing import ClassVar, Generic, NamedTuple, ParamSpec, Protocol, TypeVar

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.contracts import MailTicketFacts
    from domain.kind_spec import KindSpec
    from domain.registry import ElevatorRegistration, OrganisationRef
    from domain.roles import Actor
    from domain.tickets import DetailValue, TicketSnapshot
    from domain.transitions import ActionNotPermitted, InvalidTransition
    from workflows.clock import Clock
    from workflows.names import REGISTER_UPDATE
    from workflows.rejections import not_permitted
    from workflows.step_models import Registered, RegisterInput, StepResult
    from workflows.ticket_io import MailEvent, TicketIO


class TicketState(Protocol):
    """What the shared code reads of a kind's state (a StrEnum)."""

    @property
    def value(self) -> str: ...

    @property
    def label_zh(self) -> str: ...

    @property
    def is_final(self) -> bool: ...


class OpeningInput(Protocol):
    """What the shared code reads of a kind's workflow input."""

    @property
    def ticket_id(self) -> str: ...

    @property
    def mail_grace_seconds(self) -> float: ...

    @property
    def elevator_code(self) -> str: ...


class TicketLinks(NamedTuple):
    """How a ticket stands to others and to the public, as its snapshot stores it; none by default."""

    spawned_from: str | None = None
    linked_tickets: list[str] | None = None
    tracking_digest: str | None = None


StateT = TypeVar("StateT", bound=TicketState)
CheckParams = ParamSpec("CheckParams")
Checked = TypeVar("Checked")


class SteppedTicket(Generic[StateT]):
    """The start, Update and answers every stepped kind shares; the kind sets `_details` in its init."""

    # The kind's own declaration (`SPEC` in domain/<kind>.py): what its states allow, who pauses its clock.
    SPEC: ClassVar[KindSpec]
    _details: dict[str, DetailValue]
    # Counted by kinds whose actions end a step: steps whose clock has started and been stored (and the end).
    _steps_started: int

    def __init__(self, opening: OpeningInput, state: StateT) -> None:
        """The ticket as it opens: its timeline and projection, its first state, no registration or clock yet."""
        self._opened_at = workflow.now()
        self._io = TicketIO(
            opening.ticket_id,
            timedelta(seconds=opening.mail_grace_seconds),
            state=lambda: self._state.value,
            snapshot=self._snapshot,
            filed_at=self._opened_at,
        )
        self._elevator_code = opening.elevator_code
        self._state = state
        self._closed_at: datetime | None = None
        self._registration: ElevatorRegistration | None = None
        self._registered = False
        self._clock: Clock | None = None
        # Set while the running step's deadline has passed; kinds that track it per step say so instead.
        self._overdue = False

    # --- Hooks each kind implements ---------------------------------------------------------------

    def _kind_allowed(self) -> list[str]:
        """The actions of the kind's own state machine in the current state, as its SPEC declares them."""
        return self.SPEC.actions(self._state.value, self._details)

    def _opened(self) -> bool:
        """True once the run has dispatched the ticket and asked the store for it: `register` waits on it."""
        raise NotImplementedError

    def _assigned_unit_id(self, registration: ElevatorRegistration) -> str:
        """The organisation whose queue holds the ticket: the one that does the work now."""
        raise NotImplementedError

    # --- Hooks with a default every kind so far shares --------------------------------------------

    def _ticket_id(self) -> str:
        return self._io.ticket_id

    def _state_value(self) -> str:
        return self._state.value

    def _is_final(self) -> bool:
        return self._state.is_final

    def _allowed(self) -> list[str]:
        return self._kind_allowed()

    def _registration_or_fail(self) -> ElevatorRegistration:
        if self._registration is None:
            raise ApplicationError("elevator registration not loaded yet", non_retryable=True)
        return self._registration

    async def _project(self) -> None:
        await self._io.project()

    def _snapshot_due_at(self) -> datetime | None:
        return None if self._state.is_final else self._running_due_at()

    def _is_overdue(self) -> bool:
        return self._overdue

    def _links(self) -> TicketLinks:
        return TicketLinks()

    # --- The Update every kind is opened with -----------------------------------------------------

    @workflow.update(name=REGISTER_UPDATE)
    async def register(self, input: RegisterInput) -> Registered:
        duplicate = self._registered
        self._registered = True
        await workflow.wait_condition(self._opened)
        await self._io.wait_until_stored()
        return Registered(ticket_id=self._ticket_id(), state=self._state_value(), duplicate=duplicate)

    async def _close_out(self) -> None:
        """Let Updates still running answer, then hand the mails not yet sent to a workflow of their own."""
        await workflow.wait_condition(workflow.all_handlers_finished)
        await self._io.hand_off_pending_mails()

    # --- Checks and steps -------------------------------------------------------------------------

    def _checked(
        self, check: Callable[CheckParams, Checked], *args: CheckParams.args, **kwargs: CheckParams.kwargs
    ) -> Checked:
        """`check(*args, **kwargs)`, the domain's refusals turned into the rejections the API answers."""
        try:
            return check(*args, **kwargs)
        except InvalidTransition as error:
            raise self._not_now(error.action) from None
        except ActionNotPermitted as error:
            raise not_permitted(str(error)) from None

    async def _enter(
        self,
        next_state: StateT,
        action: StrEnum,
        actor: Actor,
        note: str,
        data: dict[str, DetailValue] | None = None,
    ) -> StepResult:
        """Take the checked action that ends a step; answer once the next step's clock runs and is stored.

        So the caller never reads the deadline of the step just finished.
        """
        self._state = next_state
        self._io.record(action.value, actor=actor, note=note, data=data)
        await self._next_step_stored()
        return self._result()

    async def _next_step_stored(self) -> None:
        """Drop the finished step's clock; return once the run has started the next step and stored it."""
        self._clock = None
        started = self._steps_started
        await workflow.wait_condition(lambda: self._steps_started > started)

    # --- Answers ----------------------------------------------------------------------------------

    def _result(self) -> StepResult:
        return StepResult(
            ticket_id=self._ticket_id(), state=self._state_value(), allowed_actions=self._allowed()
        )

    def _not_now(self, action: str) -> ApplicationError:
        allowed = self._allowed()
        state = self._state_value()
        return ApplicationError(
            f"cannot {action} a ticket in state {state}; allowed actions: {', '.join(allowed) or 'none'}",
            {"state": state, "action": action, "allowed_actions": allowed},
            type="InvalidTransition",
            non_retryable=True,
        )

    # --- Snapshot and mail ------------------------------------------------------------------------

    def _snapshot(self, projection_seq: int) -> TicketSnapshot:
        """The ticket as the read model stores it, as projection number `projection_seq`."""
        registration = self._registration
        links = self._links()
        return self._io.build_snapshot(
            projection_seq,
            kind=self.SPEC.kind,
            elevator_code=self._elevator_code,
            registration=registration,
            # Before the registry lookup has answered, the ticket is in no organisation's queue.
            assigned_unit_id=self._assigned_unit_id(registration) if registration else "",
            opened_at=self._opened_at,
            due_at=self._snapshot_due_at(),
            overdue=self._is_overdue(),
            closed_at=self._closed_at,
            details=self._details,
            deadlines=self._deadlines(),
            spawned_from=links.spawned_from,
            linked_tickets=links.linked_tickets,
            tracking_digest=links.tracking_digest,
        )

    def _running_due_at(self) -> datetime | None:
        """The running clock's deadline; none while it is paused."""
        clock = self._clock
        return clock.state.due_at if clock and not clock.paused else None

    def _deadlines(self) -> dict[str, datetime]:
        """The deadlines computed so far, the running clock's as it stands now (extended or not)."""
        clock = self._clock
        return {**self._io.deadlines, **({clock.state.policy_key: clock.state.due_at} if clock else {})}

    def _mail(
        self,
        template: str,
        recipient: OrganisationRef,
        event: MailEvent | None,
        *,
        source_label: str,
        assigned_unit_name: str,
        step_label: str,
        handler_name: str | None = None,
    ) -> None:
        """Mail `recipient` about this step: what every kind's mail says, with what the kind adds."""
        clock = self._clock
        kind = self.SPEC.kind
        facts = MailTicketFacts(
            ticket_id=self._ticket_id(),
            kind=kind.value,
            kind_label=kind.label_zh,
            state_label=self._state.label_zh,
            source_label=source_label,
            alarm_at=self._opened_at,
            assigned_unit_name=assigned_unit_name,
            handler_name=handler_name,
            closed_at=self._closed_at,
            due_at=clock.state.due_at if clock else None,
            step_label=step_label,
        )
        self._io.mail(template, recipient, facts, self._registration_or_fail(), event)
