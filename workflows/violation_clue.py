"""The violation clue (违法线索): verified -> case opened (立案) or not -> decided with a penalty or none.

A clue is raised by another ticket: a report the regulator decided to pursue, a 投诉 that found a
violation, or a missed legal clock whose policy row opens a clue (late 困人救援 arrival, missed 15-day
maintenance, an overdue 隐患 or 指令书). The district regulator verifies it within 15 working days
and decides on 立案; an opened case is decided within 90 days. The regulator's own missed clocks go to the
city regulator.
"""

from datetime import datetime

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain import violation_clue as rules
    from domain.registry import ElevatorRegistration, OrganisationRef
    from domain.roles import Actor
    from domain.tickets import DetailValue
    from domain.violation_clue import STEP_LABELS_ZH, STEP_POLICIES, ClueAction, ClueState
    from workflows.clock import Clock, ClockState
    from workflows.clock_actions import CLOCK_UPDATES, ClockedTicket
    from workflows.ladder import Rung, climb
    from workflows.names import VIOLATION_CLUE_WORKFLOW
    from workflows.rejections import invalid_input
    from workflows.step_models import ReasonInput, StepResult
    from workflows.ticket_base import TicketLinks
    from workflows.ticket_io import MailEvent
    from workflows.update_spec import UpdateSpec, UpdateTable
    from workflows.violation_clue_models import OpenCaseInput, PenaltyInput, ViolationClueInput

S = ClueState


@workflow.defn(name=VIOLATION_CLUE_WORKFLOW)
class ViolationClueWorkflow(ClockedTicket[ClueState]):
    SPEC = rules.SPEC

    @workflow.init
    def __init__(self, input: ViolationClueInput) -> None:
        super().__init__(input, S.CASE_OPEN if input.case_opened else S.VERIFYING)
        self._input = input
        self._case_opened_at: datetime | None = self._opened_at if input.case_opened else None
        self._stored = False
        self._details: dict[str, DetailValue] = {
            "source_ticket_id": input.source_ticket_id,
            "reason": input.reason,
            "summary": input.summary,
            "suspect_unit_id": input.suspect_unit.id,
            "suspect_unit_name": input.suspect_unit.name,
            "paused": False,
        }

    @workflow.run
    async def run(self, input: ViolationClueInput) -> str:
        registration = await self._io.lookup(input.elevator_code)
        self._registration = registration
        self._io.record(
            "raise",
            note=input.summary,
            data={"source_ticket_id": input.source_ticket_id, "reason": input.reason},
            at=input.raised_at,
        )
        if input.case_opened:
            self._io.record("open_case", note="举报核查后已决定立案", data={"source": input.source_ticket_id})
        self._notify(
            "work_order_assigned",
            registration.district_regulator,
            {"summary": input.summary, "escalates_to": registration.oversight.name},
        )
        while not self._state.is_final:
            await self._run_step(self._state)
        await self._project()
        await self._close_out()
        return self._state.value

    async def _run_step(self, state: ClueState) -> None:
        key = STEP_POLICIES[state]
        starts = self._case_opened_at if state is S.CASE_OPEN and self._case_opened_at else self._opened_at
        computed = (await self._io.compute_deadlines((key, starts)))[0]
        # Held locally too: an Update that ends the step clears `self._clock` while this step still waits.
        clock = Clock(ClockState(policy_key=key, due_at=computed.due_at, remind_at=computed.remind_at))
        self._clock = clock
        self._details["paused"] = False
        await self._project()
        self._stored = True
        registration = self._registration_or_fail()

        def mark_overdue() -> None:
            self._overdue = True

        rung = Rung(key, STEP_LABELS_ZH[state], registration.district_regulator, registration.oversight)
        await climb(clock, lambda: self._state is not state, self._io, rung, self._notify, mark_overdue)
        self._overdue = False
        self._clock = None

    # --- Updates -----------------------------------------------------------------------------------

    @workflow.update
    async def open_case(self, input: OpenCaseInput) -> StepResult:
        self._state = self._check(ClueAction.OPEN_CASE, input.actor)
        self._case_opened_at = workflow.now()
        return await self._after(ClueAction.OPEN_CASE, input.actor, input.note.strip())

    @open_case.validator
    def _validate_open_case(self, input: OpenCaseInput) -> None:
        self._check(ClueAction.OPEN_CASE, input.actor)

    @workflow.update
    async def decline_case(self, input: ReasonInput) -> StepResult:
        self._state = self._check(ClueAction.DECLINE_CASE, input.actor)
        self._closed_at = workflow.now()
        self._details["decision_reason"] = input.reason.strip()
        return await self._after(ClueAction.DECLINE_CASE, input.actor, input.reason.strip())

    @decline_case.validator
    def _validate_decline_case(self, input: ReasonInput) -> None:
        self._check(ClueAction.DECLINE_CASE, input.actor)
        if not input.reason.strip():
            raise invalid_input("reason", "不予立案 needs a reason")

    @workflow.update
    async def record_penalty(self, input: PenaltyInput) -> StepResult:
        self._state = self._check(ClueAction.RECORD_PENALTY, input.actor)
        self._closed_at = workflow.now()
        self._details.update(
            decision_number=input.decision_number.strip(),
            legal_basis=input.legal_basis.strip(),
            amount_yuan=str(input.amount_yuan),
        )
        note = (
            f"{input.decision_number.strip()}：依据{input.legal_basis.strip()}，罚款 {input.amount_yuan} 元"
        )
        return await self._after(ClueAction.RECORD_PENALTY, input.actor, note)

    @record_penalty.validator
    def _validate_record_penalty(self, input: PenaltyInput) -> None:
        self._check(ClueAction.RECORD_PENALTY, input.actor)
        if not input.decision_number.strip():
            raise invalid_input("decision_number", "处罚决定书文号 is required")
        if not input.legal_basis.strip():
            raise invalid_input("legal_basis", "处罚依据 is required")
        if input.amount_yuan < 0:
            raise invalid_input("amount_yuan", "must not be negative")

    @workflow.update
    async def record_no_penalty(self, input: ReasonInput) -> StepResult:
        self._state = self._check(ClueAction.RECORD_NO_PENALTY, input.actor)
        self._closed_at = workflow.now()
        self._details["decision_reason"] = input.reason.strip()
        return await self._after(ClueAction.RECORD_NO_PENALTY, input.actor, input.reason.strip())

    @record_no_penalty.validator
    def _validate_record_no_penalty(self, input: ReasonInput) -> None:
        self._check(ClueAction.RECORD_NO_PENALTY, input.actor)
        if not input.reason.strip():
            raise invalid_input("reason", "不予行政处罚 needs a reason")

    async def _after(self, action: ClueAction, actor: Actor, note: str) -> StepResult:
        """Record the checked action and answer once it is stored; the run starts the next step's clock."""
        self._clock = None
        self._overdue = False
        self._io.record(action.value, actor=actor, note=note)
        await self._project()
        return self._result()

    # --- Hooks of the shared clock Updates ---------------------------------------------------------

    def _opened(self) -> bool:
        return self._stored

    # --- Rules, projection, mail -------------------------------------------------------------------

    def _check(self, action: ClueAction, actor: Actor) -> ClueState:
        registration = self._registration
        return self._checked(
            rules.check_action,
            self._state,
            action,
            actor,
            registration.district_regulator.id if registration else "",
        )

    def _assigned_unit_id(self, registration: ElevatorRegistration) -> str:
        # The regulator works the clue; the suspect unit is named in the details.
        return registration.district_regulator.id

    def _links(self) -> TicketLinks:
        source = self._input.source_ticket_id
        return TicketLinks(spawned_from=source, linked_tickets=self._input.linked_tickets or [source])

    def _notify(self, template: str, recipient: OrganisationRef, event: MailEvent | None = None) -> None:
        self._mail(
            template,
            recipient,
            event,
            source_label=f"由工单 {self._input.source_ticket_id} 移送",
            assigned_unit_name=self._registration_or_fail().district_regulator.name,
            step_label=STEP_LABELS_ZH.get(self._state, ""),
        )


# The workflows of this kind, which the worker registers.
WORKFLOWS: tuple[type, ...] = (ViolationClueWorkflow,)


# Every action on this kind of ticket: the Update it is, and the input its request body becomes.
UPDATES: UpdateTable = {
    "open_case": UpdateSpec(ViolationClueWorkflow.open_case, OpenCaseInput),
    "decline_case": UpdateSpec(ViolationClueWorkflow.decline_case, ReasonInput),
    "record_penalty": UpdateSpec(ViolationClueWorkflow.record_penalty, PenaltyInput),
    "record_no_penalty": UpdateSpec(ViolationClueWorkflow.record_no_penalty, ReasonInput),
    **CLOCK_UPDATES,
}
