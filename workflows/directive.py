"""The supervisory directive (安全监察指令书): issued -> signed (or refused) -> rectified -> re-checked -> closed.

A district regulator orders a unit serving an elevator to correct what it found by a date it sets. The
addressed unit signs for the directive, or the regulator records its refusal and serves it anyway (留置送达).
The unit reports its rectification; the regulator re-checks within 10 working days (its own clock, escalated
to the city bureau when missed) and closes the directive, or sends it back with a new date. The date running
out makes the directive overdue: the regulator is mailed and a violation clue is opened against the unit;
the work still has to be done, so the directive keeps waiting for it.
"""

import asyncio
from collections.abc import Callable

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.contracts import OpenClueInput
    from domain import directive as rules
    from domain.directive import (
        RECHECK_POLICY_KEY,
        RECTIFY_POLICY_KEY,
        RECTIFY_STATES,
        DirectiveAction,
        DirectiveState,
    )
    from workflows.clock import Clock, ClockState
    from workflows.clock_actions import CLOCK_UPDATES
    from workflows.directive_models import (
        ALLOCATE_DOCUMENT_NUMBER,
        AllocateDocumentNumberInput,
        DirectiveInput,
        DirectiveOutcome,
        DirectiveResult,
        DocumentNumberOut,
        ReasonInput,
        RecheckFailedInput,
        RectificationReportInput,
        RefusalInput,
        SignInput,
        StepInput,
    )
    from workflows.directive_ticket import DirectiveTicket
    from workflows.ladder import Rung, climb
    from workflows.rejections import invalid_input
    from workflows.store_calls import call_store
    from workflows.update_spec import UpdateSpec, UpdateTable

S = DirectiveState

# The label of each step in mails and on the timeline.
RECTIFY_LABEL = "按指令书整改"
RECHECK_LABEL = "整改复查"
# The 文号 is the issuing authority's next serial of the year, from the database (older runs: a hash).
ALLOCATED_NUMBER_PATCH = "directive-allocated-document-number"


def _done_or_moved(clock: Clock, done: Callable[[], bool]) -> Callable[[], bool]:
    """True once `done`, or once the clock's deadline has moved (an extension, a resumed pause)."""
    due_at = clock.state.due_at
    return lambda: done() or clock.state.due_at != due_at


@workflow.defn
class DirectiveWorkflow(DirectiveTicket):
    SPEC = rules.SPEC

    @workflow.init
    def __init__(self, input: DirectiveInput) -> None:
        super().__init__(input, S.AWAITING_SIGNATURE)
        self._input = input
        self._rectify_clock = None
        self._rectify_by = input.rectify_by
        self._rectify_from = self._opened_at
        self._recheck_from = self._opened_at
        self._rectify_rounds = 0
        self._steps_started = 0
        self._step_label = RECTIFY_LABEL
        self._overdue_rounds = 0
        self._clue = None
        # Runs that allocate their number replace this one before anything is stored or mailed.
        self._number = rules.legacy_document_number(input.ticket_id, input.issued_at)
        self._details = {
            "document_number": self._number,
            "addressee": input.addressee.value,
            "addressee_label": input.addressee.label_zh,
            "problems": input.problems,
            "article_violated": input.article_violated,
            "legal_basis": input.legal_basis,
            "rectify_by": input.rectify_by.isoformat(),
            "rectify_by_zh": rules.date_zh(input.rectify_by),
            # The date as issued; a failed re-check sets a new `rectify_by`, never this one.
            "issued_rectify_by": input.rectify_by.isoformat(),
            "issued_at": input.issued_at.isoformat(),
            "issuer_name": input.issuer.name,
            "from_ticket_id": input.from_ticket_id,
            "rectify_rounds": 0,
            "paused": False,
        }

    @workflow.run
    async def run(self, input: DirectiveInput) -> DirectiveOutcome:
        registration = await self._io.lookup(input.elevator_code)
        self._registration = registration
        if workflow.patched(ALLOCATED_NUMBER_PATCH):
            await self._allocate_number(registration.district_regulator.id)
        unit = self._addressee_unit()
        self._details.update(
            addressee_unit_id=unit.id,
            addressee_unit_name=unit.name,
            issuer_unit_id=registration.district_regulator.id,
            issuer_unit_name=registration.district_regulator.name,
            elevator_address=registration.address,
        )
        self._io.record(
            "issue",
            actor=input.issuer,
            note=input.problems,
            data={
                "document_number": self._number,
                "addressee_unit_id": unit.id,
                "rectify_by": input.rectify_by.isoformat(),
                "from_ticket_id": input.from_ticket_id,
            },
        )
        while not self._state.is_final:
            if self._state is S.RECHECKING:
                await self._recheck()
            else:
                await self._rectify()
        await self._announce_end()
        if self._clue is not None:
            await self._clue
        await self._close_out()
        return DirectiveOutcome(
            ticket_id=input.ticket_id, state=self._state.value, flags=list(self._io.flags)
        )

    async def _allocate_number(self, authority_id: str) -> None:
        issued_at = self._input.issued_at
        allocated = await call_store(
            ALLOCATE_DOCUMENT_NUMBER,
            AllocateDocumentNumberInput(
                ticket_id=self._input.ticket_id,
                authority_id=authority_id,
                year=rules.issue_year(issued_at),
                issued_at=issued_at,
            ),
            DocumentNumberOut,
        )
        self._number = allocated.number
        self._details["document_number"] = allocated.number

    async def _rectify(self) -> None:
        """One round of rectification, to the date of the directive or of the last failed re-check."""
        due_at = rules.rectify_due_at(self._rectify_by)
        clock = Clock(
            ClockState(
                policy_key=RECTIFY_POLICY_KEY,
                due_at=due_at,
                remind_at=rules.remind_at(self._rectify_from, due_at),
            )
        )
        self._clock = self._rectify_clock = clock
        self._step_label = RECTIFY_LABEL
        self._details["paused"] = False
        self._rectify_rounds += 1
        self._details["rectify_rounds"] = self._rectify_rounds
        unit = self._addressee_unit()
        if self._rectify_rounds == 1:
            self._notify("directive_issued", unit, self._directive_event())
        else:
            reason = str(self._details.get("verify_fail_reason", ""))
            self._notify("directive_recheck_failed", unit, self._directive_event(reason=reason))
        await self._project()
        self._steps_started += 1

        def done() -> bool:
            return self._state not in RECTIFY_STATES

        # A directive not yet signed for gets no reminder: the regulator records a refusal instead.
        if not await clock.wait_until_reminder(done) and self._state is S.RECTIFYING:
            self._io.flag(rules.FLAG_REMINDED)
            self._io.record(
                "reminder", note=f"提醒：{RECTIFY_LABEL}即将到期", data={"step": RECTIFY_POLICY_KEY}
            )
            self._notify("work_order_reminder", unit, {"step_label": RECTIFY_LABEL})
            await self._project()
        while not await clock.wait(done):
            if not self._overdue:
                await self._mark_overdue()
            # The work still has to be done; an extension to a later date sets the directive running again.
            await workflow.wait_condition(_done_or_moved(clock, done))
            if not done() and clock.state.due_at > workflow.now():
                self._overdue = False
                await self._project()
        self._overdue = False

    async def _mark_overdue(self) -> None:
        self._overdue = True
        self._overdue_rounds += 1
        self._details["overdue_rounds"] = self._overdue_rounds
        self._io.flag(rules.FLAG_RECTIFY_OVERDUE)
        unit = self._addressee_unit()
        note = f"{unit.name}逾期未按指令书整改（应于{rules.date_zh(self._rectify_by)}前改正）"
        if self._clue is not None:
            # One clue per directive: a second miss is evidence for the same clue, not a new one.
            note += f"；第{self._overdue_rounds}次逾期，已移送的违法线索继续办理，不另行移送"
        self._io.record(
            "rectify_overdue",
            note=note,
            data={
                "step": RECTIFY_POLICY_KEY,
                "round": self._overdue_rounds,
                "rectify_by": self._rectify_by.isoformat(),
                "clue_ticket_id": self._details.get("clue_ticket_id"),
            },
        )
        self._notify(
            "work_order_escalated",
            self._registration_or_fail().district_regulator,
            {"step_label": RECTIFY_LABEL, "due_party_name": unit.name},
        )
        await self._project()
        if self._clue is None and rules.RECTIFY_OPENS_CLUE:
            self._clue = asyncio.create_task(self._open_clue())

    async def _open_clue(self) -> None:
        unit = self._addressee_unit()
        opened = await self._io.open_clue(
            OpenClueInput(
                source_ticket_id=self._input.ticket_id,
                reason=rules.CLUE_REASON,
                elevator_code=self._input.elevator_code,
                summary=(
                    f"逾期未按安全监察指令书整改：{self._number}，{unit.name}未于"
                    f"{rules.date_zh(self._rectify_by)}前改正。{self._input.problems}"
                ),
                suspect_unit=unit,
                linked_tickets=[self._input.ticket_id, *self._input.linked_tickets],
            )
        )
        self._details["clue_ticket_id"] = opened.ticket_id
        await self._project()

    async def _recheck(self) -> None:
        """The regulator's own clock: 10 working days from the report, escalated to the city bureau."""
        registration = self._registration_or_fail()
        regulator = registration.district_regulator
        computed = (await self._io.compute_deadlines((RECHECK_POLICY_KEY, self._recheck_from)))[0]
        clock = Clock(
            ClockState(policy_key=RECHECK_POLICY_KEY, due_at=computed.due_at, remind_at=computed.remind_at)
        )
        self._clock, self._step_label = clock, RECHECK_LABEL
        self._details["paused"] = False
        evidence = str(self._details.get("evidence", ""))
        self._notify("directive_rectification_submitted", regulator, self._directive_event(summary=evidence))
        await self._project()
        self._steps_started += 1

        def done() -> bool:
            return self._state is not S.RECHECKING

        def mark_overdue() -> None:
            self._overdue = True

        rung = Rung(RECHECK_POLICY_KEY, RECHECK_LABEL, regulator, registration.oversight)
        await climb(clock, done, self._io, rung, self._notify, mark_overdue)
        self._overdue = False

    async def _announce_end(self) -> None:
        self._clock = None
        unit = self._addressee_unit()
        if self._state is S.CLOSED:
            summary = str(self._details.get("evidence", ""))
            self._notify("directive_closed", unit, self._directive_event(outcome="closed", summary=summary))
        else:
            reason = str(self._details.get("withdraw_reason", ""))
            self._notify("directive_closed", unit, self._directive_event(outcome="withdrawn", reason=reason))
        await self._project()
        self._steps_started += 1

    # --- Updates -----------------------------------------------------------------------------------

    @workflow.update
    async def sign(self, input: SignInput) -> DirectiveResult:
        # Checked again: a concurrent Update may have moved the ticket on since this one was validated.
        self._state = self._check(DirectiveAction.SIGN, input.actor)
        self._details.update(signed_at=workflow.now().isoformat(), signed_by=input.actor.name)
        self._io.record(DirectiveAction.SIGN.value, actor=input.actor, note=input.note.strip())
        await self._project()
        return self._result()

    @sign.validator
    def _validate_sign(self, input: SignInput) -> None:
        self._check(DirectiveAction.SIGN, input.actor)

    @workflow.update
    async def record_refusal(self, input: RefusalInput) -> DirectiveResult:
        self._state = self._check(DirectiveAction.RECORD_REFUSAL, input.actor)
        note = input.note.strip()
        self._io.flag(rules.FLAG_REFUSED_TO_SIGN)
        self._details.update(
            refused_at=workflow.now().isoformat(), refusal_note=note, refusal_recorded_by=input.actor.name
        )
        self._io.record(DirectiveAction.RECORD_REFUSAL.value, actor=input.actor, note=note)
        await self._project()
        return self._result()

    @record_refusal.validator
    def _validate_record_refusal(self, input: RefusalInput) -> None:
        self._check(DirectiveAction.RECORD_REFUSAL, input.actor)
        if not input.note.strip():
            raise invalid_input("note", "a refusal is recorded with how it happened (时间、地点、见证人)")

    @workflow.update
    async def submit_rectification(self, input: RectificationReportInput) -> DirectiveResult:
        next_state = self._check(DirectiveAction.SUBMIT_RECTIFICATION, input.actor)
        evidence = input.evidence.strip()
        self._recheck_from = workflow.now()
        self._details.update(evidence=evidence, rectified_by=input.actor.name)
        return await self._enter(next_state, DirectiveAction.SUBMIT_RECTIFICATION, input.actor, evidence)

    @submit_rectification.validator
    def _validate_submit_rectification(self, input: RectificationReportInput) -> None:
        self._check(DirectiveAction.SUBMIT_RECTIFICATION, input.actor)
        if not input.evidence.strip():
            raise invalid_input("evidence", "整改报告 is required")

    @workflow.update
    async def verify_pass(self, input: StepInput) -> DirectiveResult:
        next_state = self._check(DirectiveAction.VERIFY_PASS, input.actor)
        self._closed_at = workflow.now()
        return await self._enter(next_state, DirectiveAction.VERIFY_PASS, input.actor, input.note.strip())

    @verify_pass.validator
    def _validate_verify_pass(self, input: StepInput) -> None:
        self._check(DirectiveAction.VERIFY_PASS, input.actor)

    @workflow.update
    async def verify_fail(self, input: RecheckFailedInput) -> DirectiveResult:
        next_state = self._check(DirectiveAction.VERIFY_FAIL, input.actor)
        assert input.rectify_by is not None, "the validator requires a new date"
        reason = input.reason.strip()
        self._io.flag(rules.FLAG_VERIFY_FAILED)
        self._rectify_by = input.rectify_by
        self._rectify_from = workflow.now()
        self._details.update(
            verify_fail_reason=reason,
            rectify_by=input.rectify_by.isoformat(),
            rectify_by_zh=rules.date_zh(input.rectify_by),
        )
        return await self._enter(next_state, DirectiveAction.VERIFY_FAIL, input.actor, reason)

    @verify_fail.validator
    def _validate_verify_fail(self, input: RecheckFailedInput) -> None:
        self._check(DirectiveAction.VERIFY_FAIL, input.actor)
        if not input.reason.strip():
            raise invalid_input("reason", "a failed re-check needs a reason")
        if input.rectify_by is None:
            raise invalid_input("rectify_by", "a failed re-check sets a new date to correct by")
        if input.rectify_by <= rules.china_date(workflow.now()):
            raise invalid_input("rectify_by", "the new date must be later than today (China time)")

    @workflow.update
    async def withdraw(self, input: ReasonInput) -> DirectiveResult:
        next_state = self._check(DirectiveAction.WITHDRAW, input.actor)
        reason = input.reason.strip()
        self._closed_at = workflow.now()
        self._details["withdraw_reason"] = reason
        return await self._enter(next_state, DirectiveAction.WITHDRAW, input.actor, reason)

    @withdraw.validator
    def _validate_withdraw(self, input: ReasonInput) -> None:
        self._check(DirectiveAction.WITHDRAW, input.actor)
        if not input.reason.strip():
            raise invalid_input("reason", "a directive is revoked with a reason")


# The workflows of this kind, which the worker registers.
WORKFLOWS: tuple[type, ...] = (DirectiveWorkflow,)


# Every action on this kind of ticket: the Update it is, and the input its request body becomes.
UPDATES: UpdateTable = {
    "sign": UpdateSpec(DirectiveWorkflow.sign, SignInput),
    "record_refusal": UpdateSpec(DirectiveWorkflow.record_refusal, RefusalInput),
    "submit_rectification": UpdateSpec(DirectiveWorkflow.submit_rectification, RectificationReportInput),
    "verify_pass": UpdateSpec(DirectiveWorkflow.verify_pass, StepInput, {"note": "remark"}),
    "verify_fail": UpdateSpec(DirectiveWorkflow.verify_fail, RecheckFailedInput),
    "withdraw": UpdateSpec(DirectiveWorkflow.withdraw, ReasonInput),
    **CLOCK_UPDATES,
}
