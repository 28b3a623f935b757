"""Maintenance-record confirmation (维保记录确认): the maintenance unit submits, the use unit confirms.

The use unit's safety manager confirms or disputes within the policy limit (reminder, then escalation
to the district regulator); a dispute goes back to the maintenance unit, which revises and resubmits.
A confirmed record is final. Every submitted visit is also counted by the elevator's maintenance
schedule, which expects one at least every 15 days.
"""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.contracts import NOTE_MAINTENANCE, NoteMaintenanceInput
    from domain import maintenance_record as rules
    from domain.calendar import CHINA_TIME
    from domain.maintenance_record import MaintenanceRecordAction, MaintenanceRecordState
    from domain.registry import ElevatorRegistration, OrganisationRef
    from domain.roles import Actor, Role
    from domain.tickets import DetailValue, ReportRef
    from workflows.clock import Clock, ClockState
    from workflows.clock_actions import CLOCK_UPDATES, ClockedTicket
    from workflows.ladder import Rung, climb
    from workflows.maintenance_record_models import MaintenanceRecordInput, ResubmitInput
    from workflows.maintenance_record_schedule import MaintenanceScheduleWorkflow
    from workflows.rejections import invalid_input, not_permitted
    from workflows.step_models import ReasonInput, StepInput
    from workflows.store_calls import STORE_RETRY, STORE_TIMEOUT
    from workflows.ticket_io import MailEvent
    from workflows.update_spec import UpdateSpec, UpdateTable

M = MaintenanceRecordState
CONFIRM = "maintenance_record.confirm"


@workflow.defn
class MaintenanceRecordWorkflow(ClockedTicket[MaintenanceRecordState]):
    SPEC = rules.SPEC

    @workflow.init
    def __init__(self, input: MaintenanceRecordInput) -> None:
        super().__init__(input, M.SUBMITTED)
        self._input = input
        self._submitted_at = self._opened_at
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
        await self._close_out()
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

        rung = Rung(CONFIRM, "确认", self._use_unit(), self._registration_or_fail().district_regulator)
        await climb(clock, done, self._io, rung, self._notify, mark_overdue)
        self._overdue = False
        self._clock = None
        # A pause belongs to its step's clock.
        self._details["paused"] = False

    # --- Updates -----------------------------------------------------------------------------------

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
        next_state = self._check(action, actor)
        # Every action here starts the next step: answer once its clock (if any) is stored.
        await self._enter(next_state, action, actor, note)
        return self._state.value

    def _check_clock_actor(self, actor: Actor) -> None:
        """The use unit's safety manager, who must confirm, may stop its clock (e.g. the manager is away)."""
        use_unit = self._use_unit()
        if actor.role is not Role.SAFETY_MANAGER or actor.organisation_id != use_unit.id:
            raise not_permitted(f"计时中止与恢复由使用管理单位（{use_unit.name}）的安全管理员办理")

    def _check(self, action: MaintenanceRecordAction, actor: Actor) -> MaintenanceRecordState:
        registration = self._registration
        return self._checked(
            rules.check_action,
            self._state,
            action,
            actor,
            maintenance_unit_id=registration.maintenance_unit.id if registration else "",
            use_unit_id=registration.use_unit.id if registration else "",
        )

    def _opened(self) -> bool:
        return self._steps_started > 0

    def _assigned_unit_id(self, registration: ElevatorRegistration) -> str:
        return registration.use_unit.id

    def _summary(self) -> str:
        performed = self._input.performed_at.astimezone(CHINA_TIME).strftime("%Y-%m-%d")
        return f"{self._input.level.label_zh}（{performed}，{self._input.handler_name}）"

    def _use_unit(self) -> OrganisationRef:
        return self._registration_or_fail().use_unit

    def _maintenance_unit(self) -> OrganisationRef:
        return self._registration_or_fail().maintenance_unit

    def _notify(self, template: str, recipient: OrganisationRef, event: MailEvent | None = None) -> None:
        self._mail(
            template,
            recipient,
            event,
            source_label="维保单位提交",
            assigned_unit_name=self._maintenance_unit().name,
            step_label="确认",
            handler_name=self._input.handler_name,
        )


# The workflows of this kind, which the worker registers: each record, and each elevator's schedule.
WORKFLOWS: tuple[type, ...] = (MaintenanceRecordWorkflow, MaintenanceScheduleWorkflow)


# Every action on this kind of ticket: the Update it is, and the input its request body becomes.
UPDATES: UpdateTable = {
    "confirm": UpdateSpec(MaintenanceRecordWorkflow.confirm, StepInput, {"note": "remark"}),
    "dispute": UpdateSpec(MaintenanceRecordWorkflow.dispute, ReasonInput),
    "resubmit": UpdateSpec(MaintenanceRecordWorkflow.resubmit, ResubmitInput),
    "withdraw": UpdateSpec(MaintenanceRecordWorkflow.withdraw, ReasonInput),
    **CLOCK_UPDATES,
}
