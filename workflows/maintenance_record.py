"""Maintenance-record confirmation (维保记录确认): the maintenance unit submits, the use unit confirms.

The use unit's safety manager confirms or disputes within the policy limit (reminder, then escalation
to the district regulator); a dispute goes back to the maintenance unit, which revises and resubmits.
A confirmed record is final. Every submitted visit is also counted by the elevator's maintenance
schedule, which expects one at least every 15 days.
"""

from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.contracts import (
        NOTE_MAINTENANCE,
        MailTicketFacts,
        NoteMaintenanceInput,
    )
    from domain import maintenance_record as rules
    from domain.calendar import CHINA_TIME
    from domain.kinds import TicketKind
    from domain.maintenance_record import MaintenanceRecordAction, MaintenanceRecordState
    from domain.registry import ElevatorRegistration, OrganisationRef
    from domain.roles import Actor, Role
    from domain.tickets import DetailValue, ReportRef, TicketSnapshot
    from domain.transitions import ActionNotPermitted, InvalidTransition
    from workflows.clock import Clock, ClockState
    from workflows.clock_actions import ClockedTicket
    from workflows.fault_repair_models import ReasonInput, Registered, RegisterInput, StepInput
    from workflows.ladder import Rung, climb
    from workflows.maintenance_models import MaintenanceRecordInput, ResubmitInput
    from workflows.rejections import invalid_input, not_permitted
    from workflows.ticket_io import STORE_RETRY, STORE_TIMEOUT, MailEvent, TicketIO

M = MaintenanceRecordState
CONFIRM = "maintenance_record.confirm"


@workflow.defn
class MaintenanceRecordWorkflow(ClockedTicket):
    @workflow.init
    def __init__(self, input: MaintenanceRecordInput) -> None:
        self._input = input
        self._io = TicketIO(
            input.ticket_id,
            timedelta(seconds=input.mail_grace_seconds),
            state=lambda: self._state.value,
            snapshot=self._snapshot,
        )
        self._state = M.SUBMITTED
        self._opened_at = workflow.now()
        self._submitted_at = self._opened_at
        self._closed_at: datetime | None = None
        self._registration: ElevatorRegistration | None = None
        self._registered = False
        self._clock: Clock | None = None
        self._overdue = False
        self._steps_started = 0
        self._details: dict[str, DetailValue] = {
            "level": input.level.value,
            "level_label": input.level.label_zh,
            "performed_at": input.performed_at.isoformat(),
            "handler_name": input.handler_name,
            "items": "、".join(input.items),
            "remarks": input.remarks,
            "revision": 1,
            "paused": False,
        }

    @workflow.run
    async def run(self, input: MaintenanceRecordInput) -> str:
        self._registration = await self._io.lookup(input.elevator_code)
        self._io.add_report(
            ReportRef(
                source="maintenance_unit",
                ref=input.ref,
                ticket_id=input.ticket_id,
                received_at=self._opened_at,
            )
        )
        self._io.record(
            "submit",
            actor=input.submitter,
            note=f"{input.level.label_zh}：{input.remarks}" if input.remarks else input.level.label_zh,
            data={"level": input.level.value, "performed_at": input.performed_at.isoformat()},
        )
        # The schedule counts the visit as soon as it is on record, confirmed or not yet.
        await workflow.execute_activity(
            NOTE_MAINTENANCE,
            NoteMaintenanceInput(
                elevator_code=input.elevator_code, ticket_id=input.ticket_id, performed_at=input.performed_at
            ),
            start_to_close_timeout=STORE_TIMEOUT,
            retry_policy=STORE_RETRY,
        )
        while not self._state.is_final:
            if self._state is M.SUBMITTED:
                await self._await_confirmation()
            else:
                await self._project()
                self._steps_started += 1
                await workflow.wait_condition(lambda: self._state is not M.DISPUTED)
        if self._state is M.CONFIRMED:
            self._notify("work_order_closed", self._use_unit())
            self._notify("work_order_closed", self._maintenance_unit())
        await self._project()
        self._steps_started += 1
        await workflow.wait_condition(workflow.all_handlers_finished)
        await self._io.hand_off_pending_mails()
        return self._state.value

    async def _await_confirmation(self) -> None:
        computed = (await self._io.compute_deadlines((CONFIRM, self._submitted_at)))[0]
        clock = Clock(ClockState(policy_key=CONFIRM, due_at=computed.due_at, remind_at=computed.remind_at))
        self._clock = clock
        self._notify("confirmation_requested", self._use_unit(), {"summary": self._summary()})
        await self._project()
        self._steps_started += 1

        def done() -> bool:
            return self._state is not M.SUBMITTED

        def mark_overdue() -> None:
            self._overdue = True

        rung = Rung(CONFIRM, "确认", self._use_unit(), self._require_registration().district_regulator)
        await climb(clock, done, self._io, rung, self._notify, mark_overdue)
        self._overdue = False
        self._clock = None
        # A pause belongs to its step's clock.
        self._details["paused"] = False

    # --- Updates -----------------------------------------------------------------------------------

    @workflow.update
    async def register(self, input: RegisterInput) -> Registered:
        duplicate = self._registered
        self._registered = True
        await workflow.wait_condition(lambda: self._steps_started > 0)
        await self._io.wait_until_stored()
        return Registered(ticket_id=self._input.ticket_id, state=self._state.value, duplicate=duplicate)

    @workflow.update
    async def confirm(self, input: StepInput) -> str:
        self._closed_at = workflow.now()
        return await self._act(MaintenanceRecordAction.CONFIRM, input.actor, input.note)

    @confirm.validator
    def _validate_confirm(self, input: StepInput) -> None:
        self._check(MaintenanceRecordAction.CONFIRM, input.actor)

    @workflow.update
    async def dispute(self, input: ReasonInput) -> str:
        self._io.flag("disputed")
        self._notify("confirmation_disputed", self._maintenance_unit(), {"reason": input.reason.strip()})
        return await self._act(MaintenanceRecordAction.DISPUTE, input.actor, input.reason.strip())

    @dispute.validator
    def _validate_dispute(self, input: ReasonInput) -> None:
        self._check(MaintenanceRecordAction.DISPUTE, input.actor)
        if not input.reason.strip():
            raise invalid_input("reason", "a dispute needs a reason")

    @workflow.update
    async def resubmit(self, input: ResubmitInput) -> str:
        self._submitted_at = workflow.now()
        revision = self._details.get("revision")
        self._details.update(
            items="、".join(input.items),
            remarks=input.remarks,
            revision=(revision if isinstance(revision, int) else 1) + 1,
        )
        return await self._act(MaintenanceRecordAction.RESUBMIT, input.actor, input.remarks)

    @resubmit.validator
    def _validate_resubmit(self, input: ResubmitInput) -> None:
        self._check(MaintenanceRecordAction.RESUBMIT, input.actor)
        if not input.items:
            raise invalid_input("items", "a record lists the items maintained")

    @workflow.update
    async def withdraw(self, input: ReasonInput) -> str:
        self._closed_at = workflow.now()
        return await self._act(MaintenanceRecordAction.WITHDRAW, input.actor, input.reason.strip())

    @withdraw.validator
    def _validate_withdraw(self, input: ReasonInput) -> None:
        self._check(MaintenanceRecordAction.WITHDRAW, input.actor)
        if not input.reason.strip():
            raise invalid_input("reason", "a reason is required to withdraw")

    # --- Rules, state and projection -------------------------------------------------------------

    async def _act(self, action: MaintenanceRecordAction, actor: Actor, note: str) -> str:
        # Two concurrent Updates can both pass validation; the second must still fail here.
        self._state = self._check(action, actor)
        self._io.record(action.value, actor=actor, note=note)
        # Every action here starts the next step: answer once its clock (if any) is stored.
        self._clock = None
        started = self._steps_started
        await workflow.wait_condition(lambda: self._steps_started > started)
        return self._state.value

    def _ticket_id(self) -> str:
        return self._input.ticket_id

    def _state_value(self) -> str:
        return self._state.value

    def _is_final(self) -> bool:
        return self._state.is_final

    def _kind_allowed(self) -> list[str]:
        return rules.allowed_actions(self._state)

    def _registration_or_fail(self) -> ElevatorRegistration:
        return self._require_registration()

    def _check_clock_actor(self, actor: Actor) -> None:
        """The use unit's safety manager, who must confirm, may stop its clock (e.g. the manager is away)."""
        use_unit = self._use_unit()
        if actor.role is not Role.SAFETY_MANAGER or actor.organisation_id != use_unit.id:
            raise not_permitted(f"计时中止与恢复由使用管理单位（{use_unit.name}）的安全管理员办理")

    def _check(self, action: MaintenanceRecordAction, actor: Actor) -> MaintenanceRecordState:
        registration = self._registration
        try:
            return rules.check_action(
                self._state,
                action,
                actor,
                maintenance_unit_id=registration.maintenance_unit.id if registration else "",
                use_unit_id=registration.use_unit.id if registration else "",
            )
        except InvalidTransition as error:
            raise self._not_now(error.action) from None
        except ActionNotPermitted as error:
            raise not_permitted(str(error)) from None

    async def _project(self) -> None:
        await self._io.project()

    def _snapshot(self, projection_seq: int) -> TicketSnapshot:
        registration = self._registration
        clock = self._clock
        return self._io.build_snapshot(
            projection_seq,
            kind=TicketKind.MAINTENANCE_RECORD,
            elevator_code=self._input.elevator_code,
            registration=registration,
            assigned_unit_id=registration.use_unit.id if registration else "",
            opened_at=self._opened_at,
            due_at=clock.state.due_at if clock and not clock.paused else None,
            overdue=self._overdue,
            closed_at=self._closed_at,
            details=self._details,
        )

    def _summary(self) -> str:
        performed = self._input.performed_at.astimezone(CHINA_TIME).strftime("%Y-%m-%d")
        return f"{self._input.level.label_zh}（{performed}，{self._input.handler_name}）"

    def _require_registration(self) -> ElevatorRegistration:
        if self._registration is None:
            raise ApplicationError("elevator registration not loaded yet", non_retryable=True)
        return self._registration

    def _use_unit(self) -> OrganisationRef:
        return self._require_registration().use_unit

    def _maintenance_unit(self) -> OrganisationRef:
        return self._require_registration().maintenance_unit

    def _notify(self, template: str, recipient: OrganisationRef, event: MailEvent | None = None) -> None:
        clock = self._clock
        self._io.mail(
            template,
            recipient,
            MailTicketFacts(
                ticket_id=self._input.ticket_id,
                kind=TicketKind.MAINTENANCE_RECORD.value,
                kind_label=TicketKind.MAINTENANCE_RECORD.label_zh,
                state_label=self._state.label_zh,
                source_label="维保单位提交",
                alarm_at=self._opened_at,
                assigned_unit_name=self._maintenance_unit().name,
                handler_name=self._input.handler_name,
                closed_at=self._closed_at,
                due_at=clock.state.due_at if clock else None,
                step_label="确认",
            ),
            self._require_registration(),
            event,
        )
