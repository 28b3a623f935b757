"""The entrapment-rescue workflow (困人救援): one durable run per open rescue on an elevator.

alarm -> dispatch to the maintenance unit -> accept -> arrive -> release -> the use unit confirms.
Breaches run beside the human steps: re-dispatch to the rescue station when nobody accepts, a recorded
breach when nobody is on site 30 minutes after the alarm, an accident flag at 2 hours, and escalation
when the use unit does not confirm.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.exceptions import ApplicationError
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from activities.contracts import ComputedDeadline, MailTicketFacts, OpenClueInput
    from domain import rescue as rules
    from domain.fault_repair import FaultSource, fault_repair_ticket_id
    from domain.kinds import TicketKind
    from domain.registry import ElevatorRegistration, OrganisationRef
    from domain.rescue import RescueAction, RescueParties, RescueState
    from domain.roles import Actor
    from domain.tickets import DetailValue, ReportRef, TicketSnapshot
    from domain.transitions import ActionNotPermitted, InvalidTransition
    from workflows import patches
    from workflows.clock import Clock, ClockState
    from workflows.fault_repair import FaultRepairWorkflow
    from workflows.fault_repair_models import FaultRepairInput
    from workflows.ladder import Rung, climb
    from workflows.rejections import invalid_input, not_permitted
    from workflows.rescue_models import (
        AcceptInput,
        ActionResult,
        ArriveInput,
        CancelInput,
        ConfirmInput,
        DisputeInput,
        EntrapmentReport,
        ReleaseInput,
        ReportReceipt,
        RescueInput,
        RescueOutcome,
    )
    from workflows.ticket_io import MailEvent, TicketIO
    from workflows.update_spec import UpdateSpec, UpdateTable

# Reported times from a phone or a device clock may run a little ahead of the server's.
CLOCK_SKEW = timedelta(minutes=2)
CONFIRMATION_LADDER_PATCH = "rescue-confirmation-ladder"
# Release and confirm do the follow-up work of their step (the confirmation clock and its request, the
# closing mails) before they project, so each step is stored once instead of twice.
ONE_PROJECTION_PER_STEP_PATCH = "rescue-one-projection-per-step"
# A release with the car stopped opens a fault repair on the elevator (older runs did not).
OPENS_FAULT_REPAIR_PATCH = "rescue-opens-fault-repair"


@workflow.defn
class RescueWorkflow:
    @workflow.init
    def __init__(self, input: RescueInput) -> None:
        self._ticket_id = input.ticket_id
        self._first_report = input.report
        self._first_report_acknowledged = False
        self._state = RescueState.REPORTED
        self._opened_at = workflow.now()
        self._io = TicketIO(
            input.ticket_id,
            timedelta(seconds=input.mail_grace_seconds),
            state=lambda: self._state.value,
            snapshot=self._snapshot,
        )
        self._input_mail_grace_seconds = input.mail_grace_seconds
        self._report_keys: set[tuple[str, str]] = set()
        self._registration: ElevatorRegistration | None = None
        self._assigned: OrganisationRef | None = None
        self._details: dict[str, DetailValue] = {
            "alarm_type": input.report.alarm_type,
            "source": input.report.source.value,
        }
        self._released_at: datetime | None = None
        self._closed_at: datetime | None = None
        # Set by the release that computed it (new runs); the confirmation ladder waits for it.
        self._confirm_clock: ComputedDeadline | None = None
        self._release_requests_confirmation = False
        self._closure_announced = False

    @workflow.run
    async def run(self, input: RescueInput) -> RescueOutcome:
        self._receive_report(input.report)
        registration = await self._io.lookup(input.report.elevator_code)
        self._registration = registration
        alarm_at = self._alarm_at()
        self._details["alarm_at"] = alarm_at.isoformat()
        await self._io.compute_deadlines(
            ("rescue.accept", workflow.now()), ("rescue.arrive", alarm_at), ("rescue.accident", alarm_at)
        )
        if self._state is RescueState.REPORTED:
            self._dispatch(registration.maintenance_unit, redispatched=False)
            self._notify("rescue_use_unit_notified", registration.use_unit)
        await self._project()

        watchers = [
            asyncio.create_task(self._watch_accept()),
            asyncio.create_task(self._watch_arrival()),
            asyncio.create_task(self._watch_accident()),
        ]
        await workflow.wait_condition(lambda: self._state in (RescueState.RELEASED, RescueState.CANCELLED))
        if self._state is RescueState.RELEASED:
            await self._await_confirmation()
        else:
            self._announce_cancellation()
        await asyncio.gather(*watchers)
        await workflow.wait_condition(workflow.all_handlers_finished)
        # The elevator's workflow id must be free for its next entrapment at once.
        await self._io.hand_off_pending_mails()
        return RescueOutcome(ticket_id=self._ticket_id, state=self._state.value, flags=list(self._io.flags))

    # --- Updates: every human action is validated before it enters history -------------------------

    @workflow.update
    async def report_entrapment(self, report: EntrapmentReport) -> ReportReceipt:
        first = (report.source, report.ref) == (self._first_report.source, self._first_report.ref)
        if first and not self._first_report_acknowledged:
            self._first_report_acknowledged = True
            self._receive_report(report)
            # The caller that opened the ticket gets its answer once the ticket is dispatched and stored.
            await workflow.wait_condition(lambda: self._state is not RescueState.REPORTED)
            await self._io.wait_until_stored()
            return ReportReceipt(self._ticket_id, self._state.value, joined_existing=False, duplicate=False)
        duplicate = not self._receive_report(report)
        if not duplicate:
            await self._project()
        return ReportReceipt(self._ticket_id, self._state.value, joined_existing=True, duplicate=duplicate)

    @report_entrapment.validator
    def _validate_report(self, report: EntrapmentReport) -> None:
        if report.elevator_code != self._first_report.elevator_code:
            raise invalid_input(
                "elevator_code", f"this rescue is on elevator {self._first_report.elevator_code}"
            )
        if self._state.is_final:
            # The run finishes within moments; the caller retries and opens a new rescue then.
            raise ApplicationError(
                f"rescue {self._ticket_id} is {self._state.value} and closing",
                {"state": self._state.value},
                type="TicketClosing",
                non_retryable=True,
            )

    @workflow.update
    async def accept(self, input: AcceptInput) -> ActionResult:
        self._apply(RescueAction.ACCEPT, input.actor, input.note, at=workflow.now())
        await self._project()
        return self._result()

    @accept.validator
    def _validate_accept(self, input: AcceptInput) -> None:
        self._check(RescueAction.ACCEPT, input.actor)

    @workflow.update
    async def arrive(self, input: ArriveInput) -> ActionResult:
        at = input.arrived_at or workflow.now()
        self._apply(RescueAction.ARRIVE, input.actor, input.note, at=at)
        self._details["arrived_at"] = at.isoformat()
        minutes = (at - self._alarm_at()).total_seconds() / 60
        self._details["arrival_minutes"] = round(minutes, 1)
        await self._project()
        return self._result()

    @arrive.validator
    def _validate_arrive(self, input: ArriveInput) -> None:
        self._check(RescueAction.ARRIVE, input.actor)
        self._check_reported_time(input.arrived_at, "arrived_at")

    @workflow.update
    async def release(self, input: ReleaseInput) -> ActionResult:
        at = input.released_at or workflow.now()
        corrected = self._state is RescueState.RELEASE_DISPUTED
        # Decided before the first await: the main loop, woken by the new state, must see the choice.
        if patches.applies(ONE_PROJECTION_PER_STEP_PATCH):
            self._release_requests_confirmation = True
        self._details.update(
            people_freed=input.people_freed,
            handler_name=input.handler_name.strip(),
            released_at=at.isoformat(),
        )
        self._released_at = at
        self._apply(
            RescueAction.RELEASE,
            input.actor,
            input.note,
            at=at,
            data={"people_freed": input.people_freed, "handler_name": input.handler_name.strip()},
        )
        # A corrected release after a dispute does not open the repair a second time.
        opened = "fault_repair_ticket_id" in self._details
        if input.car_stopped and not opened and patches.applies(OPENS_FAULT_REPAIR_PATCH):
            await self._open_fault_repair(input.actor, at)
        if self._release_requests_confirmation:
            # A corrected release restarts the clock from when it was corrected, as the ladder did.
            await self._request_confirmation(workflow.now() if corrected else at)
        await self._project()
        return self._result()

    async def _request_confirmation(self, confirm_from: datetime) -> None:
        """Start the use unit's confirmation clock and ask it to confirm (the next projection stores both)."""
        self._confirm_clock = None
        computed = (await self._io.compute_deadlines(("rescue.confirm", confirm_from)))[0]
        self._notify("rescue_confirmation_requested", self._require_registration().use_unit)
        self._confirm_clock = computed

    async def _open_fault_repair(self, rescuer: Actor, at: datetime) -> None:
        """The car stays stopped after the rescue: its fault repair starts now, as a ticket of its own."""
        elevator = self._first_report.elevator_code
        repair_id = fault_repair_ticket_id(elevator, FaultSource.RESCUE, self._ticket_id)
        await workflow.start_child_workflow(
            FaultRepairWorkflow.run,
            FaultRepairInput(
                ticket_id=repair_id,
                elevator_code=elevator,
                source=FaultSource.RESCUE,
                ref=self._ticket_id,
                reporter=rescuer,
                reported_at=at,
                fault_type="entrapment_follow_up",
                description="困人救援后停梯检修",
                spawned_from=self._ticket_id,
                mail_grace_seconds=self._input_mail_grace_seconds,
            ),
            id=repair_id,
            # The repair outlives the rescue: it has its own clocks and its own confirmation.
            parent_close_policy=ParentClosePolicy.ABANDON,
        )
        self._details["car_stopped"] = True
        self._details["fault_repair_ticket_id"] = repair_id
        self._io.record(
            "fault_repair_opened", note="停梯检修，已生成故障维修工单", data={"ticket_id": repair_id}
        )

    @release.validator
    def _validate_release(self, input: ReleaseInput) -> None:
        self._check(RescueAction.RELEASE, input.actor)
        self._check_reported_time(input.released_at, "released_at")
        if input.people_freed < 0:
            raise invalid_input("people_freed", "must not be negative")
        if not input.handler_name.strip():
            raise invalid_input("handler_name", "处置人员 is required")

    @workflow.update
    async def confirm(self, input: ConfirmInput) -> ActionResult:
        now = workflow.now()
        self._closed_at = now
        self._apply(RescueAction.CONFIRM, input.actor, input.remark, at=now)
        if patches.applies(ONE_PROJECTION_PER_STEP_PATCH):
            self._announce_closure()
        await self._project()
        return self._result()

    @confirm.validator
    def _validate_confirm(self, input: ConfirmInput) -> None:
        self._check(RescueAction.CONFIRM, input.actor)

    @workflow.update
    async def dispute(self, input: DisputeInput) -> ActionResult:
        reason = input.reason.strip()
        self._io.flag("disputed")
        self._apply(RescueAction.DISPUTE, input.actor, reason, at=workflow.now())
        self._notify(
            "confirmation_disputed",
            self._assigned or self._require_registration().maintenance_unit,
            {"reason": reason},
        )
        await self._project()
        return self._result()

    @dispute.validator
    def _validate_dispute(self, input: DisputeInput) -> None:
        self._check(RescueAction.DISPUTE, input.actor)
        if not input.reason.strip():
            raise invalid_input("reason", "a dispute needs a reason")

    @workflow.update
    async def cancel(self, input: CancelInput) -> ActionResult:
        now = workflow.now()
        self._closed_at = now
        self._details["cancel_reason"] = input.reason.strip()
        self._apply(RescueAction.CANCEL, input.actor, input.reason.strip(), at=now)
        await self._project()
        return self._result()

    @cancel.validator
    def _validate_cancel(self, input: CancelInput) -> None:
        self._check(RescueAction.CANCEL, input.actor)
        if not input.reason.strip():
            raise invalid_input("reason", "a reason is required to cancel")

    @workflow.query
    def state(self) -> str:
        return self._state.value

    # --- Deadlines ---------------------------------------------------------------------------------

    async def _watch_accept(self) -> None:
        if await self._wait_or_breach("rescue.accept", lambda: self._state is not RescueState.DISPATCHED):
            return
        original = self._assigned
        registration = self._require_registration()
        self._io.flag(rules.FLAG_ACCEPT_OVERDUE)
        self._io.flag(rules.FLAG_REDISPATCHED)
        self._dispatch(registration.rescue_station, redispatched=True)
        event: MailEvent = {"original_unit_name": original.name if original else ""}
        self._notify("rescue_accept_overdue", registration.use_unit, event)
        self._notify("rescue_accept_overdue", registration.district_regulator, event)
        await self._project()

    async def _watch_arrival(self) -> None:
        waiting = (RescueState.REPORTED, RescueState.DISPATCHED, RescueState.ACCEPTED)
        if await self._wait_or_breach("rescue.arrive", lambda: self._state not in waiting):
            return
        self._io.flag(rules.FLAG_ARRIVAL_OVERDUE)
        self._io.record("arrival_overdue", note="超过到场时限仍未到达现场")
        registration = self._require_registration()
        self._notify("rescue_arrival_overdue", registration.district_regulator)
        await self._project()
        # The maintenance unit owes the 30-minute arrival (TSG T5002 Art 5), even after a re-dispatch.
        await self._io.open_clue_on_breach(
            "rescue.arrive",
            OpenClueInput(
                source_ticket_id=self._ticket_id,
                reason="rescue.arrive",
                elevator_code=registration.code,
                summary=f"困人救援超过到场时限未到达现场（{registration.address}）",
                suspect_unit=registration.maintenance_unit,
                linked_tickets=[self._ticket_id],
            ),
        )

    async def _watch_accident(self) -> None:
        if await self._wait_or_breach("rescue.accident", lambda: not self._state.people_trapped):
            return
        self._io.flag(rules.FLAG_ACCIDENT)
        self._io.record("accident", note="被困超过 2 小时，按一般事故上报")
        self._notify("rescue_accident", self._require_registration().district_regulator)
        await self._project()

    async def _await_confirmation(self) -> None:
        if patches.applies(CONFIRMATION_LADDER_PATCH):
            await self._confirm_on_the_ladder()
            return
        # Rescues started before the shared ladder replay exactly as they ran.
        registration = self._require_registration()
        assert self._released_at is not None
        if self._release_requests_confirmation:
            await workflow.wait_condition(lambda: self._confirm_clock is not None)
        else:
            await self._io.compute_deadlines(("rescue.confirm", self._released_at))
            self._notify("rescue_confirmation_requested", registration.use_unit)
            await self._project()
        if not await self._wait_or_breach("rescue.confirm", lambda: self._state is RescueState.CLOSED):
            self._io.flag(rules.FLAG_CONFIRMATION_OVERDUE)
            self._io.record("confirmation_overdue", note="使用管理单位逾期未确认，已升级至区市场监管局")
            self._notify("rescue_confirmation_overdue", registration.district_regulator)
            await self._project()
            await workflow.wait_condition(lambda: self._state is RescueState.CLOSED)
        self._announce_closure()

    async def _confirm_on_the_ladder(self) -> None:
        """The use unit confirms or disputes the release; reminder, then escalation, as for every kind."""
        registration = self._require_registration()
        assert self._released_at is not None
        confirm_from = self._released_at
        while self._state is not RescueState.CLOSED:
            if self._state is RescueState.RELEASE_DISPUTED:
                await workflow.wait_condition(lambda: self._state is not RescueState.RELEASE_DISPUTED)
                # The corrected release restarts the clock from when it was corrected.
                confirm_from = workflow.now()
                continue
            if self._release_requests_confirmation:
                # The release computed the clock and stored the request with its own projection.
                await workflow.wait_condition(lambda: self._confirm_clock is not None)
                assert self._confirm_clock is not None
                computed, self._confirm_clock = self._confirm_clock, None
            else:
                computed = (await self._io.compute_deadlines(("rescue.confirm", confirm_from)))[0]
                self._notify("rescue_confirmation_requested", registration.use_unit)
                await self._project()
            clock = Clock(
                ClockState(policy_key="rescue.confirm", due_at=computed.due_at, remind_at=computed.remind_at)
            )

            def mark_overdue() -> None:
                self._io.flag(rules.FLAG_CONFIRMATION_OVERDUE)

            rung = Rung("rescue.confirm", "确认", registration.use_unit, registration.district_regulator)
            await climb(
                clock,
                lambda: self._state is not RescueState.RELEASED,
                self._io,
                rung,
                self._notify,
                mark_overdue,
            )
        self._announce_closure()

    def _announce_closure(self) -> None:
        """Tell the use unit, the maintenance unit and any other rescuing unit that the rescue is closed."""
        if self._closure_announced:
            return
        self._closure_announced = True
        registration = self._require_registration()
        self._notify("rescue_closed", registration.use_unit)
        self._notify("rescue_closed", registration.maintenance_unit)
        if self._assigned and self._assigned.id != registration.maintenance_unit.id:
            self._notify("rescue_closed", self._assigned)

    def _announce_cancellation(self) -> None:
        registration = self._require_registration()
        event: MailEvent = {"reason": str(self._details.get("cancel_reason", ""))}
        recipients = [registration.use_unit]
        if self._assigned is not None:
            recipients.insert(0, self._assigned)
        for recipient in recipients:
            self._notify("rescue_cancelled", recipient, event)

    async def _wait_or_breach(self, policy_key: str, done: Callable[[], bool]) -> bool:
        """Wait until `done` or the policy's deadline; True when done in time."""
        # The rescue's statutory clocks are never extended or paused, but they wait the same way.
        return await Clock(ClockState(policy_key=policy_key, due_at=self._io.deadlines[policy_key])).wait(
            done
        )

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


# The workflow that runs each ticket of this kind (the worker registers it).
WORKFLOW = RescueWorkflow


# Every action on this kind of ticket: the Update it is, and the input its request body becomes.
UPDATES: UpdateTable = {
    "accept": UpdateSpec(RescueWorkflow.accept, AcceptInput),
    "arrive": UpdateSpec(RescueWorkflow.arrive, ArriveInput),
    "release": UpdateSpec(RescueWorkflow.release, ReleaseInput),
    "confirm": UpdateSpec(RescueWorkflow.confirm, ConfirmInput),
    "dispute": UpdateSpec(RescueWorkflow.dispute, DisputeInput),
    "cancel": UpdateSpec(RescueWorkflow.cancel, CancelInput),
}
