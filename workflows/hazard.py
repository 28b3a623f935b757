"""The hazard workflow (隐患上报): reported -> rectifying -> rectified -> the reporter verifies -> closed.

A maintenance unit or an inspection agency reports a hazard; the elevator's use-management unit rectifies
it by a deadline set by the hazard's severity and submits what it did; the reporting organisation
verifies. A failed verification sends the use unit back to rectify on a fresh clock. Each step runs on
its legal clock from the policy table: a reminder to whoever must act, then escalation to the district
regulator's queue. The district regulator may extend a clock (延期); the party that must act may pause
it while time is excluded by law.
"""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.contracts import OpenClueInput
    from domain import hazard as rules
    from domain.hazard import HAZARD_TYPES_ZH, VERIFY_POLICY_KEY, HazardAction, HazardState
    from domain.registry import ElevatorRegistration, OrganisationRef
    from domain.roles import Actor, Role
    from domain.tickets import DetailValue, ReportRef
    from workflows.clock import Clock, ClockState
    from workflows.clock_actions import CLOCK_UPDATES, ClockedTicket
    from workflows.hazard_models import (
        HazardInput,
        HazardOutcome,
        HazardResult,
        ReasonInput,
        RectificationInput,
        StepInput,
    )
    from workflows.rejections import invalid_input, not_permitted
    from workflows.ticket_io import MailEvent
    from workflows.update_spec import UpdateSpec, UpdateTable

from workflows.hazard_monitoring import MonitoringWatchWorkflow

S = HazardState

# The label of each step in mails and on the timeline.
STEP_LABELS: dict[HazardState, str] = {S.RECTIFYING: "隐患整改", S.RECTIFIED: "整改验证"}
# Flags name the step, not the severity's policy row: a regulator's filter looks for one flag per step.
STEP_FLAGS: dict[HazardState, str] = {S.RECTIFYING: "rectify_overdue", S.RECTIFIED: "verify_overdue"}
# Reports keep (source, ref) unique across every ticket; the report number is unique per elevator only.
REPORT_SOURCE = "hazard"


@workflow.defn
class HazardWorkflow(ClockedTicket[HazardState]):
    SPEC = rules.SPEC

    @workflow.init
    def __init__(self, input: HazardInput) -> None:
        super().__init__(input, S.REPORTED)
        self._input = input
        self._dispatched = False
        # Counts the steps whose clock has started and been stored; Updates that end a step wait on it.
        self._steps_started = 0
        self._step_label = ""
        self._overdue_step: str | None = None
        # Rectification counts from the report, and again from each failed verification.
        self._rectify_from = self._opened_at
        self._verify_from = self._opened_at
        self._rectify_rounds = 0
        self._details: dict[str, DetailValue] = {
            "hazard_type": input.hazard_type,
            "hazard_type_label": HAZARD_TYPES_ZH.get(input.hazard_type, input.hazard_type),
            "severity": input.severity.value,
            "severity_label": input.severity.label_zh,
            "description": input.description,
            "ref": input.ref,
            "reporter_unit_id": input.reporter_unit.id,
            "reporter_unit_name": input.reporter_unit.name,
            "reporter_role": input.reporter.role.value,
            "reporter_name": input.reporter.name,
            "paused": False,
        }

    @workflow.run
    async def run(self, input: HazardInput) -> HazardOutcome:
        registration = await self._io.lookup(input.elevator_code)
        self._registration = registration
        self._io.add_report(
            ReportRef(
                source=REPORT_SOURCE,
                # Report numbers are unique per reporter and elevator only.
                ref=f"{input.reporter.organisation_id}/{input.elevator_code}/{input.ref}",
                ticket_id=input.ticket_id,
                received_at=input.reported_at,
            )
        )
        self._io.record(
            "report",
            actor=input.reporter,
            note=input.description or self._summary(),
            data={"hazard_type": input.hazard_type, "severity": input.severity.value, "ref": input.ref},
        )
        self._state = S.RECTIFYING
        self._io.record(
            "dispatch",
            note=f"派至使用管理单位{registration.use_unit.name}整改",
            data={"unit_id": registration.use_unit.id, "unit_name": registration.use_unit.name},
        )
        self._dispatched = True
        while not self._state.is_final:
            await self._run_step(self._state)
        await self._announce_end()
        await self._close_out()
        return HazardOutcome(ticket_id=input.ticket_id, state=self._state.value, flags=list(self._io.flags))

    async def _run_step(self, state: HazardState) -> None:
        if state is S.RECTIFYING:
            key, starts = self._input.severity.rectify_policy_key, self._rectify_from
        else:
            key, starts = VERIFY_POLICY_KEY, self._verify_from
        label = STEP_LABELS[state]
        computed = (await self._io.compute_deadlines((key, starts)))[0]
        clock = Clock(ClockState(policy_key=key, due_at=computed.due_at, remind_at=computed.remind_at))
        self._clock, self._step_label = clock, label
        party = self._due_party(state)
        if state is S.RECTIFYING:
            # Only the first round is a new assignment; a failed verification mails its own notice.
            if self._rectify_rounds == 0:
                self._notify("work_order_assigned", party, {"summary": self._summary()})
            self._rectify_rounds += 1
            self._details["rectify_rounds"] = self._rectify_rounds
        else:
            self._notify(
                "hazard_verification_requested", party, {"summary": str(self._details.get("evidence", ""))}
            )
        await self._project()
        self._steps_started += 1

        def done() -> bool:
            return self._state is not state

        if not await clock.wait_until_reminder(done):
            self._io.flag(rules.FLAG_REMINDED)
            self._io.record("reminder", note=f"提醒：{label}即将到期", data={"step": key})
            self._notify("work_order_reminder", party, {"step_label": label})
            await self._project()
        if not await clock.wait(done):
            self._overdue_step = key
            self._io.flag(rules.FLAG_ESCALATED)
            self._io.flag(STEP_FLAGS[state])
            self._io.record("escalated", note=f"{label}逾期，已升级至区市场监管局", data={"step": key})
            self._notify(
                "work_order_escalated",
                self._registration_or_fail().district_regulator,
                {"step_label": label, "due_party_name": party.name},
            )
            await self._project()
            if state is S.RECTIFYING:
                await self._io.open_clue_on_breach(
                    key,
                    OpenClueInput(
                        source_ticket_id=self._input.ticket_id,
                        reason="hazard.rectify",
                        elevator_code=self._input.elevator_code,
                        summary=f"隐患逾期未整改：{self._summary()}",
                        suspect_unit=party,
                        linked_tickets=[self._input.ticket_id],
                    ),
                )
            await workflow.wait_condition(done)
        self._overdue_step = None
        self._clock = None
        # A pause belongs to its step's clock; the next step's clock starts running.
        self._details["paused"] = False

    async def _announce_end(self) -> None:
        if self._state is S.CLOSED:
            summary: MailEvent = {"summary": str(self._details.get("evidence", ""))}
            self._notify("hazard_closed", self._use_unit(), summary)
            self._notify("hazard_closed", self._input.reporter_unit, summary)
        await self._project()
        self._steps_started += 1

    # --- Updates -----------------------------------------------------------------------------------

    @workflow.update
    async def submit_rectification(self, input: RectificationInput) -> HazardResult:
        # Checked again: a concurrent Update may have moved the ticket on since this one was validated.
        next_state = self._check(HazardAction.SUBMIT_RECTIFICATION, input.actor)
        evidence = input.evidence.strip()
        self._verify_from = workflow.now()
        self._details.update(evidence=evidence, rectified_by=input.actor.name)
        return await self._enter(next_state, HazardAction.SUBMIT_RECTIFICATION, input.actor, evidence)

    @submit_rectification.validator
    def _validate_submit_rectification(self, input: RectificationInput) -> None:
        self._check(HazardAction.SUBMIT_RECTIFICATION, input.actor)
        if not input.evidence.strip():
            raise invalid_input("evidence", "整改材料 is required")

    @workflow.update
    async def verify_pass(self, input: StepInput) -> HazardResult:
        next_state = self._check(HazardAction.VERIFY_PASS, input.actor)
        self._closed_at = workflow.now()
        return await self._enter(next_state, HazardAction.VERIFY_PASS, input.actor, input.note)

    @verify_pass.validator
    def _validate_verify_pass(self, input: StepInput) -> None:
        self._check(HazardAction.VERIFY_PASS, input.actor)

    @workflow.update
    async def verify_fail(self, input: ReasonInput) -> HazardResult:
        next_state = self._check(HazardAction.VERIFY_FAIL, input.actor)
        reason = input.reason.strip()
        self._io.flag(rules.FLAG_VERIFY_FAILED)
        self._rectify_from = workflow.now()
        self._details["verify_fail_reason"] = reason
        result = await self._enter(next_state, HazardAction.VERIFY_FAIL, input.actor, reason)
        # Sent once the new rectification clock runs, so the mail names its deadline.
        self._notify("hazard_verification_failed", self._use_unit(), {"reason": reason})
        return result

    @verify_fail.validator
    def _validate_verify_fail(self, input: ReasonInput) -> None:
        self._check(HazardAction.VERIFY_FAIL, input.actor)
        if not input.reason.strip():
            raise invalid_input("reason", "a failed verification needs a reason")

    @workflow.update
    async def withdraw(self, input: ReasonInput) -> HazardResult:
        next_state = self._check(HazardAction.WITHDRAW, input.actor)
        self._closed_at = workflow.now()
        return await self._enter(next_state, HazardAction.WITHDRAW, input.actor, input.reason.strip())

    @withdraw.validator
    def _validate_withdraw(self, input: ReasonInput) -> None:
        self._check(HazardAction.WITHDRAW, input.actor)
        if not input.reason.strip():
            raise invalid_input("reason", "a reason is required to withdraw")

    # --- Rules, state and projection -------------------------------------------------------------

    def _check(self, action: HazardAction, actor: Actor) -> HazardState:
        return self._checked(
            rules.check_action,
            self._state,
            action,
            actor,
            use_unit_id=self._registration.use_unit.id if self._registration else "",
            reporter_unit_id=self._input.reporter_unit.id,
            reporter_role=self._input.reporter.role,
        )

    def _check_clock_actor(self, actor: Actor) -> None:
        """Only the party that must act now may stop its own clock (or restart it)."""
        if self._state is S.RECTIFYING:
            role, unit, party = Role.SAFETY_MANAGER, self._use_unit(), "使用管理单位"
        else:
            role, unit, party = self._input.reporter.role, self._input.reporter_unit, "上报单位"
        if actor.role is not role or actor.organisation_id != unit.id:
            raise not_permitted(f"计时中止与恢复由{party}（{unit.name}）的{role.label_zh}办理")

    def _opened(self) -> bool:
        return self._dispatched

    def _assigned_unit_id(self, registration: ElevatorRegistration) -> str:
        # The use unit carries out the work (rectification) on a hazard.
        return registration.use_unit.id

    def _is_overdue(self) -> bool:
        return self._overdue_step is not None

    def _summary(self) -> str:
        label = HAZARD_TYPES_ZH.get(self._input.hazard_type, self._input.hazard_type)
        head = f"{self._input.severity.label_zh}·{label}"
        return f"{head}：{self._input.description}" if self._input.description else head

    def _use_unit(self) -> OrganisationRef:
        return self._registration_or_fail().use_unit

    def _due_party(self, state: HazardState) -> OrganisationRef:
        """Who must act in `state`: the use unit rectifies, the reporter's organisation verifies."""
        return self._use_unit() if state is S.RECTIFYING else self._input.reporter_unit

    def _notify(self, template: str, recipient: OrganisationRef, event: MailEvent | None = None) -> None:
        rectified_by = self._details.get("rectified_by")
        self._mail(
            template,
            recipient,
            event,
            source_label=rules.reporter_label_zh(self._input.reporter.role),
            assigned_unit_name=self._use_unit().name,
            step_label=self._step_label,
            handler_name=str(rectified_by) if rectified_by else None,
        )


# The workflows of this kind, which the worker registers.
WORKFLOWS: tuple[type, ...] = (HazardWorkflow, MonitoringWatchWorkflow)


# Every action on this kind of ticket: the Update it is, and the input its request body becomes.
UPDATES: UpdateTable = {
    "submit_rectification": UpdateSpec(HazardWorkflow.submit_rectification, RectificationInput),
    "verify_pass": UpdateSpec(HazardWorkflow.verify_pass, StepInput, {"note": "remark"}),
    "verify_fail": UpdateSpec(HazardWorkflow.verify_fail, ReasonInput),
    "withdraw": UpdateSpec(HazardWorkflow.withdraw, ReasonInput),
    **CLOCK_UPDATES,
}
