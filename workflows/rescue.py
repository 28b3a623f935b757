"""The entrapment-rescue workflow (困人救援): one durable run per open rescue on an elevator.

alarm -> dispatch to the maintenance unit -> accept -> arrive -> release -> the use unit confirms.
Breaches run beside the human steps: re-dispatch to the rescue station when nobody accepts, a recorded
breach when nobody is on site 30 minutes after the alarm, an accident flag at 2 hours, and escalation
when the use unit does not confirm.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.exceptions import ApplicationError
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from activities.contracts import OPEN_TICKET, OpenedTicket, OpenTicketInput
    from domain.rescue import RescueAction, RescueState
    from domain.roles import Actor
    from workflows import patches
    from workflows.follow_up_models import CAR_STOPPED, Opener
    from workflows.follow_ups import follow_ups
    from workflows.rejections import invalid_input
    from workflows.rescue_deadlines import RescueDeadlines
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
    from workflows.store_calls import STORE_RETRY, STORE_TIMEOUT
    from workflows.ticket_io import TicketIO
    from workflows.update_spec import UpdateSpec, UpdateTable

# Release and confirm do the follow-up work of their step (the confirmation clock and its request, the
# closing mails) before they project, so each step is stored once instead of twice.
ONE_PROJECTION_PER_STEP_PATCH = "rescue-one-projection-per-step"
# A release with the car stopped opens the tickets that follow it, its repair (older runs did not).
OPENS_FOLLOW_UPS_PATCH = "rescue-opens-fault-repair"
# They open as every ticket opens another, by an activity that answers once each is stored
# (older runs started it as a child workflow).
FOLLOW_UPS_BY_ACTIVITY_PATCH = "rescue-opens-fault-repair-by-activity"


@workflow.defn
class RescueWorkflow(RescueDeadlines):
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
            filed_at=self._opened_at,
        )
        self._input_mail_grace_seconds = input.mail_grace_seconds
        self._report_keys = set()
        self._registration = None
        self._assigned = None
        self._details = {
            "alarm_type": input.report.alarm_type,
            "source": input.report.source.value,
        }
        self._released_at = None
        self._closed_at = None
        # Set by the release that computed it (new runs); the confirmation ladder waits for it.
        self._confirm_clock = None
        self._release_requests_confirmation = False
        self._closure_announced = False

    @workflow.run
    async def run(self, input: RescueInput) -> RescueOutcome:
        self._receive_report(input.report)
        if self._io.opens_in_one_call():
            alarm_at = self._alarm_at()
            registration = await self._io.prepare(
                input.report.elevator_code,
                ("rescue.accept", workflow.now()),
                ("rescue.arrive", alarm_at),
                ("rescue.accident", alarm_at),
                later=("rescue.confirm",),
            )
            self._registration = registration
        else:
            registration = await self._io.lookup(input.report.elevator_code)
            self._registration = registration
            alarm_at = self._alarm_at()
            await self._io.compute_deadlines(
                ("rescue.accept", workflow.now()), ("rescue.arrive", alarm_at), ("rescue.accident", alarm_at)
            )
        self._details["alarm_at"] = alarm_at.isoformat()
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
        if input.car_stopped and patches.applies(OPENS_FOLLOW_UPS_PATCH):
            await self._open_follow_ups(CAR_STOPPED, input.actor, at)
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

    async def _open_follow_ups(self, moment: str, actor: Actor, at: datetime) -> None:
        """Open the tickets that follow `moment` (the car stays stopped: its repair), each once."""
        opener = Opener(
            ticket_id=self._ticket_id,
            elevator_code=self._first_report.elevator_code,
            actor=actor,
            at=at,
            mail_grace_seconds=self._input_mail_grace_seconds,
        )
        for follow_up in follow_ups(moment, opener):
            # A corrected release after a dispute does not open the ticket a second time.
            if follow_up.detail in self._details:
                continue
            if patches.applies(FOLLOW_UPS_BY_ACTIVITY_PATCH):
                await workflow.execute_activity(
                    OPEN_TICKET,
                    OpenTicketInput(
                        workflow=follow_up.workflow, ticket_id=follow_up.ticket_id, arg=follow_up.arg
                    ),
                    result_type=OpenedTicket,
                    start_to_close_timeout=STORE_TIMEOUT,
                    retry_policy=STORE_RETRY,
                )
            else:
                await workflow.start_child_workflow(
                    follow_up.workflow,
                    follow_up.arg,
                    id=follow_up.ticket_id,
                    # The opened ticket outlives the rescue: it has its own clocks and its own confirmation.
                    parent_close_policy=ParentClosePolicy.ABANDON,
                )
            self._details[moment] = True
            self._details[follow_up.detail] = follow_up.ticket_id
            self._io.record(follow_up.event, note=follow_up.note, data={"ticket_id": follow_up.ticket_id})

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


# The workflows of this kind, which the worker registers.
WORKFLOWS: tuple[type, ...] = (RescueWorkflow,)


# Every action on this kind of ticket: the Update it is, and the input its request body becomes.
UPDATES: UpdateTable = {
    "accept": UpdateSpec(RescueWorkflow.accept, AcceptInput),
    "arrive": UpdateSpec(RescueWorkflow.arrive, ArriveInput),
    "release": UpdateSpec(RescueWorkflow.release, ReleaseInput),
    "confirm": UpdateSpec(RescueWorkflow.confirm, ConfirmInput),
    "dispute": UpdateSpec(RescueWorkflow.dispute, DisputeInput),
    "cancel": UpdateSpec(RescueWorkflow.cancel, CancelInput),
}
