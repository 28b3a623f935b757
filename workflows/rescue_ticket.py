"""A rescue's state as the workflow keeps it: its reports, dispatch, checks, projection and mail.

The base of RescueWorkflow, kept in a module of its own: the Updates and the run live in
workflows/rescue.py, the legal clocks in workflows/rescue_deadlines.py.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.contracts import ComputedDeadline, MailTicketFacts
    from domain import rescue as rules
    from domain.kinds import TicketKind
    from domain.registry import ElevatorRegistration, OrganisationRef
    from domain.rescue import RescueAction, RescueParties, RescueState
    from domain.roles import Actor
    from domain.tickets import DetailValue, ReportRef, TicketSnapshot
    from domain.transitions import ActionNotPermitted, InvalidTransition
    from workflows.rejections import invalid_input, not_permitted
    from workflows.rescue_models import ActionResult, EntrapmentReport
    from workflows.ticket_io import MailEvent, TicketIO

# Reported times from a phone or a device clock may run a little ahead of the server's.
CLOCK_SKEW = timedelta(minutes=2)


class RescueTicket:
    """What a rescue is now, and how it is recorded, stored and mailed; no Updates and no clocks here."""

    _ticket_id: str
    _first_report: EntrapmentReport
    _state: RescueState
    _opened_at: datetime
    _io: TicketIO
    _report_keys: set[tuple[str, str]]
    _registration: ElevatorRegistration | None
    _assigned: OrganisationRef | None
    _details: dict[str, DetailValue]
    _released_at: datetime | None
    _closed_at: datetime | None
    # Set by the release that computed it (new runs); the confirmation ladder waits for it.
    _confirm_clock: ComputedDeadline | None
    _release_requests_confirmation: bool
    _closure_announced: bool

    # --- State, timeline and projection ----------------------------------------------------------

    def _receive_report(self, report: EntrapmentReport) -> bool:
        """Record a report once; False when this (source, ref) was already received."""
        key = (report.source.value, report.ref)
        if key in self._report_keys:
            return False
        self._report_keys.add(key)
        self._io.add_report(
            ReportRef(source=key[0], ref=key[1], ticket_id=self._ticket_id, received_at=report.received_at)
        )
        data: dict[str, DetailValue] = {"source": key[0], "ref": report.ref, "alarm_type": report.alarm_type}
        if report.callback_phone:
            data["callback_phone"] = report.callback_phone
        after_release = self._state is RescueState.RELEASED
        self._io.record(
            "report",
            actor=report.reporter,
            note=report.description or report.source.label_zh,
            data=data,
        )
        if after_release:
            # Most late reports repeat the one just handled; a person decides if it is a new entrapment.
            self._io.flag(rules.FLAG_REPORT_AFTER_RELEASE)
            self._notify(
                "rescue_report_after_release",
                self._require_registration().district_regulator,
                {"source_label": report.source.label_zh},
            )
        return True

    def _dispatch(self, unit: OrganisationRef, *, redispatched: bool) -> None:
        self._assigned = unit
        self._state = RescueState.DISPATCHED
        self._io.record(
            "redispatch" if redispatched else "dispatch",
            note=f"派单至{unit.name}",
            data={"unit_id": unit.id, "unit_name": unit.name},
        )
        self._notify("rescue_dispatched", unit, {"redispatched": redispatched})

    def _check(self, action: RescueAction, actor: Actor) -> RescueState:
        parties = RescueParties(
            assigned_unit_id=self._assigned.id if self._assigned else "",
            use_unit_id=self._registration.use_unit.id if self._registration else "",
        )
        try:
            return rules.check_action(self._state, action, actor, parties)
        except InvalidTransition as error:
            raise ApplicationError(
                str(error),
                {"state": error.state, "action": error.action, "allowed_actions": error.allowed},
                type="InvalidTransition",
                non_retryable=True,
            ) from None
        except ActionNotPermitted as error:
            raise not_permitted(str(error)) from None

    def _check_reported_time(self, at: datetime | None, field: str) -> None:
        if at is None:
            return
        if at.tzinfo is None:
            raise invalid_input(field, "must carry a time zone")
        if at > workflow.now() + CLOCK_SKEW:
            raise invalid_input(field, "is in the future")
        if at < self._opened_at - timedelta(days=1) or at < self._alarm_at():
            raise invalid_input(field, "is before the alarm")

    def _apply(
        self,
        action: RescueAction,
        actor: Actor,
        note: str,
        *,
        at: datetime,
        data: dict[str, DetailValue] | None = None,
    ) -> None:
        # Two concurrent Updates can both pass validation; the second must still fail here.
        self._state = self._check(action, actor)
        self._io.record(action.value, actor=actor, note=note, data=data or {}, at=at)

    async def _project(self) -> None:
        await self._io.project()

    def _snapshot(self, projection_seq: int) -> TicketSnapshot:
        return self._io.build_snapshot(
            projection_seq,
            kind=TicketKind.RESCUE,
            elevator_code=self._first_report.elevator_code,
            registration=self._registration,
            assigned_unit_id=self._assigned.id if self._assigned else "",
            opened_at=self._opened_at,
            due_at=self._due_at(),
            overdue=bool(rules.OVERDUE_FLAGS_BY_STATE[self._state].intersection(self._io.flags)),
            closed_at=self._closed_at,
            details=self._details,
        )

    def _due_at(self) -> datetime | None:
        state = self._state
        if state is RescueState.DISPATCHED and rules.FLAG_REDISPATCHED not in self._io.flags:
            return self._io.deadlines.get("rescue.accept")
        if state in (RescueState.REPORTED, RescueState.DISPATCHED, RescueState.ACCEPTED):
            return self._io.deadlines.get("rescue.arrive")
        if state is RescueState.ON_SITE:
            return self._io.deadlines.get("rescue.accident")
        if state is RescueState.RELEASED:
            return self._io.deadlines.get("rescue.confirm")
        return None

    def _result(self) -> ActionResult:
        return ActionResult(
            ticket_id=self._ticket_id,
            state=self._state.value,
            seq=self._io.seq,
            allowed_actions=rules.allowed_actions(self._state),
        )

    def _alarm_at(self) -> datetime:
        return min(self._first_report.alarm_at or self._opened_at, self._opened_at)

    def _require_registration(self) -> ElevatorRegistration:
        if self._registration is None:
            raise ApplicationError("elevator registration not loaded yet", non_retryable=True)
        return self._registration

    # --- Notifications -----------------------------------------------------------------------------

    def _notify(self, template: str, recipient: OrganisationRef, event: MailEvent | None = None) -> None:
        """Send in the background: a slow or down SMTP server must never hold up a rescue."""
        self._io.mail(template, recipient, self._mail_facts(), self._require_registration(), event)

    def _mail_facts(self) -> MailTicketFacts:
        released = self._details.get("people_freed")
        handler = self._details.get("handler_name")
        return MailTicketFacts(
            ticket_id=self._ticket_id,
            kind_label=TicketKind.RESCUE.label_zh,
            state_label=self._state.label_zh,
            source_label=self._first_report.source.label_zh,
            alarm_at=self._alarm_at(),
            assigned_unit_name=self._assigned.name if self._assigned else "",
            accept_by=self._io.deadlines.get("rescue.accept"),
            arrive_by=self._io.deadlines.get("rescue.arrive"),
            confirm_by=self._io.deadlines.get("rescue.confirm"),
            people_freed=released if isinstance(released, int) else None,
            handler_name=handler if isinstance(handler, str) else None,
            released_at=self._released_at,
            closed_at=self._closed_at,
        )
