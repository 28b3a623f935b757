"""The complaint workflow (投诉): received -> accepted and mediated -> result recorded -> evaluated -> closed.

A member of the public complains about an elevator from its QR page; the elevator's district regulator
decides within 7 working days whether to accept it, mediates for at most 45 working days (then mediation
ends without agreement by itself, and the regulator has 7 working days to record the result and tell the
parties), and the complainant may evaluate the result for 10 days. The regulator's missed clocks climb
the ladder to the city regulator. The complainant has no account and no mail address: they follow the
ticket with a tracking token whose SHA-256 digest the workflow keeps, and evaluate with that token.
"""

import hmac
from collections.abc import Callable
from datetime import datetime

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.contracts import OpenClueInput
    from domain import complaint as rules
    from domain.complaint import (
        FLAG_DISSATISFIED,
        FLAG_MEDIATION_EXPIRED,
        FLAG_NOT_EVALUATED,
        FLAG_SATISFIED,
        STEP_LABELS_ZH,
        STEP_POLICIES,
        ComplaintAction,
        ComplaintState,
    )
    from domain.registry import ElevatorRegistration, OrganisationRef
    from domain.roles import PUBLIC_ACTOR, Actor
    from domain.tickets import DetailValue, ReportRef
    from workflows.clock import Clock, ClockState
    from workflows.clock_actions import CLOCK_UPDATES, ClockedTicket
    from workflows.complaint_models import (
        ComplaintInput,
        ComplaintOutcome,
        EvaluateInput,
        ReasonInput,
        ReferViolationInput,
        ResultInput,
        StepInput,
        StepResult,
    )
    from workflows.ladder import Rung, climb
    from workflows.rejections import invalid_input, not_permitted
    from workflows.reporter_identity import keep_reporter_identity
    from workflows.ticket_base import TicketLinks
    from workflows.ticket_io import MailEvent
    from workflows.update_spec import UpdateSpec, UpdateTable

S = ComplaintState
# Reports keep (source, ref) unique across every ticket; a submission's ref is unique per elevator only.
REPORT_SOURCE = "complaint"


@workflow.defn
class ComplaintWorkflow(ClockedTicket[ComplaintState]):
    SPEC = rules.SPEC

    @workflow.init
    def __init__(self, input: ComplaintInput) -> None:
        super().__init__(input, S.RECEIVED)
        self._input = input
        self._step_label = ""
        # The complainant's window has a deadline but no clock the regulator may move.
        self._evaluate_by: datetime | None = None
        self._referred = False
        # Counts the steps whose clock has started and been stored; Updates that end a step wait on it.
        self._steps_started = 0
        # Where each step's clock counts from: receipt, acceptance, end of mediation, the result.
        self._step_from: dict[ComplaintState, datetime] = {S.RECEIVED: self._opened_at}
        # No name or phone here: the ticket is readable by every unit of the elevator.
        self._details: dict[str, DetailValue] = {
            "complaint": input.complaint,
            "request": input.request,
            "paused": False,
        }

    @workflow.run
    async def run(self, input: ComplaintInput) -> ComplaintOutcome:
        await keep_reporter_identity(input.ticket_id, input.complainant_name, input.complainant_phone)
        self._registration = await self._io.lookup(input.elevator_code)
        self._io.add_report(
            ReportRef(
                source=REPORT_SOURCE,
                ref=f"{input.elevator_code}/{input.ref}",
                ticket_id=input.ticket_id,
                received_at=input.received_at,
            )
        )
        # The complainant is named nowhere on the ticket: the timeline says the public filed it.
        self._io.record("submit", actor=PUBLIC_ACTOR, note=input.complaint, data={"request": input.request})
        while not self._state.is_final:
            await self._run_step(self._state)
        await self._project()
        self._steps_started += 1
        await self._close_out()
        return ComplaintOutcome(
            ticket_id=input.ticket_id, state=self._state.value, flags=list(self._io.flags)
        )

    async def _run_step(self, state: ComplaintState) -> None:
        key = STEP_POLICIES[state]
        computed = (await self._io.compute_deadlines((key, self._step_from[state])))[0]
        clock = Clock(ClockState(policy_key=key, due_at=computed.due_at, remind_at=computed.remind_at))
        self._step_label = STEP_LABELS_ZH[state]
        if state is S.AWAITING_EVALUATION:
            await self._await_evaluation(clock)
            return
        registration = self._registration_or_fail()
        self._clock = clock
        # A pause belongs to its step's clock; the next step's clock starts running.
        self._details["paused"] = False
        if state is S.RECEIVED:
            self._notify(
                "work_order_assigned",
                registration.district_regulator,
                {"summary": self._summary(), "escalates_to": registration.oversight.name},
            )
        elif state is S.MEDIATING:
            # The use unit is the other party of the mediation.
            self._notify("work_order_assigned", registration.use_unit, {"summary": self._summary()})
        await self._project()
        self._steps_started += 1

        def done() -> bool:
            return self._state is not state

        def mark_overdue() -> None:
            self._overdue = True

        if state is S.MEDIATING:
            await self._mediate(clock, done)
        else:
            rung = Rung(key, self._step_label, registration.district_regulator, registration.oversight)
            await climb(clock, done, self._io, rung, self._notify, mark_overdue)
        self._overdue = False
        self._clock = None

    async def _mediate(self, clock: Clock, done: Callable[[], bool]) -> None:
        """Remind the regulator as the mediation runs out; at its end, mediation ends without agreement."""
        key = clock.state.policy_key
        if not await clock.wait_until_reminder(done):
            self._io.flag("reminded")
            self._io.record("reminder", note=f"提醒：{self._step_label}即将到期", data={"step": key})
            self._notify(
                "work_order_reminder",
                self._registration_or_fail().district_regulator,
                {"step_label": self._step_label},
            )
            await self._project()
        if await clock.wait(done):
            return
        # Order 20 Art 20: mediation without agreement within 45 working days ends by itself (调解终止).
        self._state = S.MEDIATION_ENDED
        self._step_from[S.MEDIATION_ENDED] = workflow.now()
        self._io.flag(FLAG_MEDIATION_EXPIRED)
        self._io.record("mediation_ended", note="调解期满未达成调解协议，调解终止", data={"step": key})

    async def _await_evaluation(self, clock: Clock) -> None:
        """The complainant's window to evaluate; unevaluated, the complaint closes when it ends."""
        self._evaluate_by = clock.state.due_at
        await self._project()
        self._steps_started += 1
        if await clock.wait(lambda: self._state is not S.AWAITING_EVALUATION):
            return
        self._state = S.CLOSED
        self._closed_at = workflow.now()
        self._io.flag(FLAG_NOT_EVALUATED)
        self._io.record(
            "evaluation_expired",
            note="评价期满，投诉人未评价，投诉办结",
            data={"step": clock.state.policy_key},
        )

    # --- Updates -----------------------------------------------------------------------------------

    @workflow.update
    async def accept(self, input: StepInput) -> StepResult:
        # Checked again: a concurrent Update may have moved the ticket on since this one was validated.
        next_state = self._check(ComplaintAction.ACCEPT, input.actor)
        self._step_from[S.MEDIATING] = workflow.now()
        return await self._enter(next_state, ComplaintAction.ACCEPT, input.actor, input.note.strip())

    @accept.validator
    def _validate_accept(self, input: StepInput) -> None:
        self._check(ComplaintAction.ACCEPT, input.actor)

    @workflow.update
    async def reject(self, input: ReasonInput) -> StepResult:
        next_state = self._check(ComplaintAction.REJECT, input.actor)
        reason = input.reason.strip()
        self._closed_at = workflow.now()
        self._details["reject_reason"] = reason
        return await self._enter(next_state, ComplaintAction.REJECT, input.actor, reason)

    @reject.validator
    def _validate_reject(self, input: ReasonInput) -> None:
        self._check(ComplaintAction.REJECT, input.actor)
        if not input.reason.strip():
            raise invalid_input("reason", "不予受理 needs a reason the complainant is told")

    @workflow.update
    async def record_result(self, input: ResultInput) -> StepResult:
        next_state = self._check(ComplaintAction.RECORD_RESULT, input.actor)
        self._validate_result(input)
        result = input.result.strip()
        self._step_from[S.AWAITING_EVALUATION] = workflow.now()
        self._details.update(agreed=input.agreed, result=result)
        return await self._enter(
            next_state, ComplaintAction.RECORD_RESULT, input.actor, result, {"agreed": input.agreed}
        )

    @record_result.validator
    def _validate_record_result(self, input: ResultInput) -> None:
        self._check(ComplaintAction.RECORD_RESULT, input.actor)
        self._validate_result(input)

    def _validate_result(self, input: ResultInput) -> None:
        if not input.result.strip():
            raise invalid_input("result", "the result of the mediation is required")
        if input.agreed and self._state is S.MEDIATION_ENDED:
            raise invalid_input("agreed", "mediation has ended without agreement (调解终止)")

    @workflow.update
    async def refer_violation(self, input: ReferViolationInput) -> StepResult:
        self._check(ComplaintAction.REFER_VIOLATION, input.actor)
        # Set before the activity runs, so a second referral arriving meanwhile is turned away.
        self._referred = True
        registration = self._registration_or_fail()
        suspect = registration.use_unit if input.suspect == "use_unit" else registration.maintenance_unit
        summary = input.summary.strip()
        self._details.update(violation_referred=True, suspect=input.suspect, suspect_unit_id=suspect.id)
        self._io.record(
            ComplaintAction.REFER_VIOLATION.value,
            actor=input.actor,
            note=summary,
            data={"suspect": input.suspect, "suspect_unit_id": suspect.id},
        )
        opened = await self._io.open_clue(
            OpenClueInput(
                source_ticket_id=self._input.ticket_id,
                reason="complaint",
                elevator_code=self._input.elevator_code,
                summary=summary,
                suspect_unit=suspect,
                linked_tickets=[self._input.ticket_id],
            )
        )
        self._details["clue_ticket_id"] = opened.ticket_id
        await self._project()
        return self._result()

    @refer_violation.validator
    def _validate_refer_violation(self, input: ReferViolationInput) -> None:
        self._check(ComplaintAction.REFER_VIOLATION, input.actor)
        if not input.summary.strip():
            raise invalid_input("summary", "describe the violation for the regulator who verifies it")
        if input.suspect not in rules.SUSPECTS_ZH:
            raise invalid_input("suspect", f"must be one of {', '.join(rules.SUSPECTS_ZH)}")

    @workflow.update
    async def evaluate(self, input: EvaluateInput) -> StepResult:
        next_state = self._check(ComplaintAction.EVALUATE, PUBLIC_ACTOR)
        self._validate_evaluation(input)
        text = input.text.strip()
        self._closed_at = workflow.now()
        self._io.flag(FLAG_SATISFIED if input.satisfied else FLAG_DISSATISFIED)
        self._details.update(satisfied=input.satisfied, rating=input.rating, evaluation=text)
        return await self._enter(
            next_state,
            ComplaintAction.EVALUATE,
            PUBLIC_ACTOR,
            text,
            {"satisfied": input.satisfied, "rating": input.rating},
        )

    @evaluate.validator
    def _validate_evaluate(self, input: EvaluateInput) -> None:
        self._check(ComplaintAction.EVALUATE, PUBLIC_ACTOR)
        self._validate_evaluation(input)

    def _validate_evaluation(self, input: EvaluateInput) -> None:
        # Only whoever holds the token given to the complainant may evaluate.
        if not hmac.compare_digest(input.tracking_digest.encode(), self._input.tracking_digest.encode()):
            raise not_permitted("跟踪码不正确，不能评价本投诉")
        if not 1 <= input.rating <= 5:
            raise invalid_input("rating", "must be 1 to 5 stars")

    # --- Hooks of the shared clock Updates ---------------------------------------------------------

    def _kind_allowed(self) -> list[str]:
        return rules.allowed_actions(self._state, referred=self._referred)

    def _opened(self) -> bool:
        return self._steps_started > 0

    # --- Rules, projection, mail -------------------------------------------------------------------

    def _check(self, action: ComplaintAction, actor: Actor) -> ComplaintState:
        registration = self._registration
        return self._checked(
            rules.check_action,
            self._state,
            action,
            actor,
            registration.district_regulator.id if registration else "",
            referred=self._referred,
        )

    def _assigned_unit_id(self, registration: ElevatorRegistration) -> str:
        # The district regulator handles the complaint: it is in that regulator's queue.
        return registration.district_regulator.id

    def _snapshot_due_at(self) -> datetime | None:
        if self._state is S.AWAITING_EVALUATION and self._clock is None:
            return self._evaluate_by
        return super()._snapshot_due_at()

    def _links(self) -> TicketLinks:
        return TicketLinks(tracking_digest=self._input.tracking_digest)

    def _summary(self) -> str:
        return f"{self._input.complaint}（诉求：{self._input.request}）"

    def _notify(self, template: str, recipient: OrganisationRef, event: MailEvent | None = None) -> None:
        self._mail(
            template,
            recipient,
            event,
            source_label="公众扫码投诉",
            assigned_unit_name=self._registration_or_fail().district_regulator.name,
            step_label=self._step_label,
        )


# The workflows of this kind, which the worker registers.
WORKFLOWS: tuple[type, ...] = (ComplaintWorkflow,)


# Every action on this kind of ticket: the Update it is, and the input its request body becomes.
UPDATES: UpdateTable = {
    "accept": UpdateSpec(ComplaintWorkflow.accept, StepInput),
    "reject": UpdateSpec(ComplaintWorkflow.reject, ReasonInput),
    "record_result": UpdateSpec(ComplaintWorkflow.record_result, ResultInput),
    "refer_violation": UpdateSpec(ComplaintWorkflow.refer_violation, ReferViolationInput),
    **CLOCK_UPDATES,
}
