"""The fault-repair workflow (故障维修): reported -> accepted -> on site -> fixed -> the use unit confirms.

Each step runs on its own legal clock from the policy table: a reminder to whoever must act, then
escalation to the district regulator's queue. A clock can be extended by the district regulator (延期)
or paused by the maintenance unit while time is excluded by law (e.g. testing), without restarting.
"""

from datetime import datetime

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain import fault_repair as rules
    from domain.fault_repair import FAULT_TYPES_ZH, FaultRepairAction, FaultRepairState
    from domain.registry import ElevatorRegistration, OrganisationRef
    from domain.roles import Actor, Role
    from domain.tickets import DetailValue, ReportRef
    from workflows.clock import Clock, ClockState
    from workflows.clock_actions import CLOCK_UPDATES, ClockedTicket
    from workflows.fault_repair_models import (
        FaultRepairInput,
        FaultRepairOutcome,
        FaultRepairResult,
        FixInput,
        NotFixableInput,
        ReasonInput,
        StepInput,
    )
    from workflows.ladder import Rung, climb
    from workflows.rejections import invalid_input, not_permitted
    from workflows.ticket_base import TicketLinks
    from workflows.ticket_io import MailEvent
    from workflows.update_spec import UpdateSpec, UpdateTable

S = FaultRepairState

# The step a state waits on: its policy row, its label in mails, and the states that belong to it.
STEPS: dict[FaultRepairState, tuple[str, str, frozenset[FaultRepairState]]] = {
    S.REPORTED: ("fault_repair.accept", "接单", frozenset({S.REPORTED})),
    S.ACCEPTED: ("fault_repair.arrive", "到场", frozenset({S.ACCEPTED})),
    S.ON_SITE: ("fault_repair.fix", "修复", frozenset({S.ON_SITE, S.NOT_FIXABLE_YET})),
    S.NOT_FIXABLE_YET: ("fault_repair.fix", "修复", frozenset({S.ON_SITE, S.NOT_FIXABLE_YET})),
    S.FIXED: ("fault_repair.confirm", "确认", frozenset({S.FIXED})),
}
CLOCK_ACTIONS = ("extend", "pause", "resume")


@workflow.defn
class FaultRepairWorkflow(ClockedTicket[FaultRepairState]):
    SPEC = rules.SPEC

    @workflow.init
    def __init__(self, input: FaultRepairInput) -> None:
        super().__init__(input, S.REPORTED)
        self._input = input
        self._assigned: OrganisationRef | None = None
        self._dispatched = False
        # Counts the steps whose clock has started and been stored; Updates that end a step wait on it.
        self._steps_started = 0
        self._step_label = ""
        self._overdue_step: str | None = None
        # Accepting and arriving both count from the report; the later steps from the step before.
        self._step_starts: dict[str, datetime] = {
            "fault_repair.accept": self._opened_at,
            "fault_repair.arrive": self._opened_at,
        }
        self._details: dict[str, DetailValue] = {
            "source": input.source.value,
            "fault_type": input.fault_type,
            "fault_type_label": FAULT_TYPES_ZH.get(input.fault_type, input.fault_type),
            "description": input.description,
            "paused": False,
        }

    @workflow.run
    async def run(self, input: FaultRepairInput) -> FaultRepairOutcome:
        registration = await self._io.lookup(input.elevator_code)
        self._registration = registration
        self._assigned = registration.maintenance_unit
        self._io.add_report(
            ReportRef(
                source=input.source.value,
                ref=input.ref,
                ticket_id=input.ticket_id,
                received_at=input.reported_at,
            )
        )
        self._io.record(
            "report",
            actor=input.reporter,
            note=input.description or input.source.label_zh,
            data={"fault_type": input.fault_type, "spawned_from": input.spawned_from},
        )
        self._io.record(
            "dispatch",
            note=f"派单至{self._assigned.name}",
            data={"unit_id": self._assigned.id, "unit_name": self._assigned.name},
        )
        self._dispatched = True
        while not self._state.is_final:
            await self._run_step(self._state)
        await self._announce_end()
        await self._close_out()
        return FaultRepairOutcome(
            ticket_id=input.ticket_id, state=self._state.value, flags=list(self._io.flags)
        )

    async def _run_step(self, state: FaultRepairState) -> None:
        key, label, states = STEPS[state]
        starts = self._step_starts.get(key, workflow.now())
        computed = (await self._io.compute_deadlines((key, starts)))[0]
        clock = Clock(ClockState(policy_key=key, due_at=computed.due_at, remind_at=computed.remind_at))
        self._clock, self._step_label = clock, label
        if state is S.NOT_FIXABLE_YET and "planned_fix_by" in self._details:
            clock.extend(datetime.fromisoformat(str(self._details["planned_fix_by"])))
        party = self._use_unit() if state is S.FIXED else self._assigned_unit()
        if state is S.REPORTED:
            self._notify("work_order_assigned", party, {"summary": self._summary()})
        elif state is S.FIXED:
            self._notify(
                "confirmation_requested", party, {"summary": str(self._details.get("fix_description", ""))}
            )
        await self._project()
        self._steps_started += 1

        def done() -> bool:
            return self._state not in states

        def mark_overdue() -> None:
            self._overdue_step = key

        rung = Rung(key, label, party, self._registration_or_fail().district_regulator)
        await climb(clock, done, self._io, rung, self._notify, mark_overdue)
        self._overdue_step = None
        self._clock = None
        # A pause belongs to its step's clock; the next step's clock starts running.
        self._details["paused"] = False

    async def _announce_end(self) -> None:
        if self._state is S.CLOSED:
            self._notify("work_order_closed", self._use_unit())
            self._notify("work_order_closed", self._assigned_unit())
        await self._project()
        self._steps_started += 1

    # --- Updates -----------------------------------------------------------------------------------

    @workflow.update
    async def accept(self, input: StepInput) -> FaultRepairResult:
        return await self._act(FaultRepairAction.ACCEPT, input.actor, input.note)

    @accept.validator
    def _validate_accept(self, input: StepInput) -> None:
        self._check(FaultRepairAction.ACCEPT, input.actor)

    @workflow.update
    async def arrive(self, input: StepInput) -> FaultRepairResult:
        self._step_starts["fault_repair.fix"] = workflow.now()
        return await self._act(FaultRepairAction.ARRIVE, input.actor, input.note)

    @arrive.validator
    def _validate_arrive(self, input: StepInput) -> None:
        self._check(FaultRepairAction.ARRIVE, input.actor)

    @workflow.update
    async def report_not_fixable(self, input: NotFixableInput) -> FaultRepairResult:
        self._details.update(
            plan=input.plan.strip(), planned_fix_by=input.planned_fix_by.isoformat(), car_stopped=True
        )
        if self._clock is not None:
            # The written plan's date becomes the deadline of the repair.
            self._clock.extend(input.planned_fix_by)
        return await self._act(
            FaultRepairAction.REPORT_NOT_FIXABLE,
            input.actor,
            input.plan.strip(),
            data={"planned_fix_by": input.planned_fix_by.isoformat()},
        )

    @report_not_fixable.validator
    def _validate_not_fixable(self, input: NotFixableInput) -> None:
        self._check(FaultRepairAction.REPORT_NOT_FIXABLE, input.actor)
        if not input.plan.strip():
            raise invalid_input("plan", "a written repair plan is required")
        if input.planned_fix_by.tzinfo is None or input.planned_fix_by <= workflow.now():
            raise invalid_input("planned_fix_by", "must be a future time with a time zone")

    @workflow.update
    async def fix(self, input: FixInput) -> FaultRepairResult:
        self._step_starts["fault_repair.confirm"] = workflow.now()
        self._details.update(
            fault_type=input.fault_type,
            fault_type_label=FAULT_TYPES_ZH[input.fault_type],
            handler_name=input.handler_name.strip(),
            fix_description=input.description,
            car_stopped=False,
        )
        return await self._act(
            FaultRepairAction.FIX,
            input.actor,
            input.description,
            data={"fault_type": input.fault_type, "handler_name": input.handler_name.strip()},
        )

    @fix.validator
    def _validate_fix(self, input: FixInput) -> None:
        self._check(FaultRepairAction.FIX, input.actor)
        if input.fault_type not in FAULT_TYPES_ZH:
            raise invalid_input("fault_type", f"unknown fault type; known: {', '.join(FAULT_TYPES_ZH)}")
        if not input.handler_name.strip():
            raise invalid_input("handler_name", "处置人员 is required")

    @workflow.update
    async def confirm(self, input: StepInput) -> FaultRepairResult:
        self._closed_at = workflow.now()
        return await self._act(FaultRepairAction.CONFIRM, input.actor, input.note)

    @confirm.validator
    def _validate_confirm(self, input: StepInput) -> None:
        self._check(FaultRepairAction.CONFIRM, input.actor)

    @workflow.update
    async def dispute(self, input: ReasonInput) -> FaultRepairResult:
        self._io.flag(rules.FLAG_DISPUTED)
        self._step_starts["fault_repair.arrive"] = workflow.now()
        result = await self._act(FaultRepairAction.DISPUTE, input.actor, input.reason.strip())
        self._notify("confirmation_disputed", self._assigned_unit(), {"reason": input.reason.strip()})
        return result

    @dispute.validator
    def _validate_dispute(self, input: ReasonInput) -> None:
        self._check(FaultRepairAction.DISPUTE, input.actor)
        if not input.reason.strip():
            raise invalid_input("reason", "a dispute needs a reason")

    @workflow.update
    async def cancel(self, input: ReasonInput) -> FaultRepairResult:
        self._closed_at = workflow.now()
        return await self._act(FaultRepairAction.CANCEL, input.actor, input.reason.strip())

    @cancel.validator
    def _validate_cancel(self, input: ReasonInput) -> None:
        self._check(FaultRepairAction.CANCEL, input.actor)
        if not input.reason.strip():
            raise invalid_input("reason", "a reason is required to cancel")

    # --- Rules, state and projection -------------------------------------------------------------

    async def _act(
        self,
        action: FaultRepairAction,
        actor: Actor,
        note: str,
        *,
        data: dict[str, DetailValue] | None = None,
    ) -> FaultRepairResult:
        # Two concurrent Updates can both pass validation; the second must still fail here.
        previous = self._state
        self._state = self._check(action, actor)
        self._io.record(action.value, actor=actor, note=note, data=data)
        if not self._state.is_final and STEPS[self._state][0] == STEPS[previous][0]:
            await self._project()  # same step, same clock
            return self._result()
        # A new step: answer once the run has started its clock and stored the ticket with it, so the
        # caller never reads the deadline of the step just finished.
        await self._next_step_stored()
        return self._result()

    def _check(self, action: FaultRepairAction, actor: Actor) -> FaultRepairState:
        return self._checked(
            rules.check_action,
            self._state,
            action,
            actor,
            assigned_unit_id=self._assigned.id if self._assigned else "",
            use_unit_id=self._registration.use_unit.id if self._registration else "",
        )

    def _check_clock_actor(self, actor: Actor) -> None:
        assigned = self._assigned_unit()
        if actor.role is not Role.MAINTAINER or actor.organisation_id != assigned.id:
            raise not_permitted(f"计时中止与恢复由承接单位（{assigned.name}）的维保人员办理")

    def _opened(self) -> bool:
        return self._dispatched

    def _assigned_unit_id(self, registration: ElevatorRegistration) -> str:
        return self._assigned_unit().id

    def _is_overdue(self) -> bool:
        return self._overdue_step is not None

    def _links(self) -> TicketLinks:
        return TicketLinks(spawned_from=self._input.spawned_from)

    def _summary(self) -> str:
        label = FAULT_TYPES_ZH.get(self._input.fault_type, self._input.fault_type)
        return f"{label}：{self._input.description}" if self._input.description else label

    def _assigned_unit(self) -> OrganisationRef:
        return self._assigned or self._registration_or_fail().maintenance_unit

    def _use_unit(self) -> OrganisationRef:
        return self._registration_or_fail().use_unit

    def _notify(self, template: str, recipient: OrganisationRef, event: MailEvent | None = None) -> None:
        self._mail(
            template,
            recipient,
            event,
            source_label=self._input.source.label_zh,
            assigned_unit_name=self._assigned_unit().name,
            step_label=self._step_label,
            handler_name=str(self._details["handler_name"]) if "handler_name" in self._details else None,
        )


# The workflows of this kind, which the worker registers.
WORKFLOWS: tuple[type, ...] = (FaultRepairWorkflow,)


# Every action on this kind of ticket: the Update it is, and the input its request body becomes.
UPDATES: UpdateTable = {
    "accept": UpdateSpec(FaultRepairWorkflow.accept, StepInput),
    "arrive": UpdateSpec(FaultRepairWorkflow.arrive, StepInput),
    "report_not_fixable": UpdateSpec(FaultRepairWorkflow.report_not_fixable, NotFixableInput),
    "fix": UpdateSpec(FaultRepairWorkflow.fix, FixInput),
    "confirm": UpdateSpec(FaultRepairWorkflow.confirm, StepInput, {"note": "remark"}),
    "dispute": UpdateSpec(FaultRepairWorkflow.dispute, ReasonInput),
    "cancel": UpdateSpec(FaultRepairWorkflow.cancel, ReasonInput),
    **CLOCK_UPDATES,
}
