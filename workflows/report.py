"""The report workflow (举报): verifying -> decided (立案 or not) -> a real-name reporter is told -> closed.

A member of the public reports a suspected violation from the elevator's QR page. The elevator's district
regulator verifies it and decides whether to open a case within 15 working days (extendable with
approval); an opened case continues as a violation clue (违法线索) that starts as an opened case. A
real-name reporter is told of the decision within 5 working days of it; an anonymous report closes on the
decision. The regulator's own missed clocks escalate to the city regulator.

The reporter's name and phone are handed to an activity that keeps them apart from the ticket: they never
reach the ticket's details, timeline, mails or snapshot, and text the regulator writes may not carry them.
"""

from datetime import datetime

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.contracts import OpenClueInput
    from domain import report as rules
    from domain.registry import ElevatorRegistration, OrganisationRef
    from domain.report import STEP_LABELS_ZH, STEP_POLICIES, ReportAction, ReportState, SuspectParty
    from domain.roles import PUBLIC_ACTOR, Actor
    from domain.tickets import DetailValue, ReportRef
    from workflows.clock import Clock, ClockState
    from workflows.clock_actions import CLOCK_UPDATES, ClockedTicket
    from workflows.ladder import Rung, climb
    from workflows.rejections import invalid_input
    from workflows.report_models import InformInput, ReportInput
    from workflows.reporter_identity import keep_reporter_identity
    from workflows.step_models import ReasonInput, StepInput, StepResult
    from workflows.ticket_base import TicketLinks
    from workflows.ticket_io import MailEvent
    from workflows.update_spec import UpdateSpec, UpdateTable

S = ReportState
# Reports keep (source, ref) unique across every ticket; the reference is unique per elevator only.
REPORT_SOURCE = "report"
CLUE_REASON = "report"


@workflow.defn
class ReportWorkflow(ClockedTicket[ReportState]):
    SPEC = rules.SPEC

    @workflow.init
    def __init__(self, input: ReportInput) -> None:
        super().__init__(input, S.VERIFYING)
        self._input = input
        self._decided_at: datetime | None = None
        self._decision: ReportAction | None = None
        self._stored = False
        # Counts the steps whose clock has started (and the end) once stored; a decision waits on it.
        self._steps_started = 0
        reporter = input.reporter
        self._identity = (reporter.name, reporter.phone) if reporter else ()
        # A signature in the text would tell the reported unit who reported it.
        self._text = rules.mask_identity(input.text, *self._identity)
        self._details: dict[str, DetailValue] = {
            "text": self._text,
            "suspect": input.suspect.value,
            "suspect_label": input.suspect.label_zh,
            "anonymous": reporter is None,
            "paused": False,
        }

    @workflow.run
    async def run(self, input: ReportInput) -> str:
        if input.reporter is not None:
            await keep_reporter_identity(input.ticket_id, input.reporter.name, input.reporter.phone)
        registration = await self._io.lookup(input.elevator_code)
        self._registration = registration
        suspect = self._suspect_unit()
        self._details.update(suspect_unit_id=suspect.id, suspect_unit_name=suspect.name)
        self._io.add_report(
            ReportRef(
                source=REPORT_SOURCE,
                ref=f"{input.elevator_code}/{input.ref}",
                ticket_id=input.ticket_id,
                received_at=input.received_at,
            )
        )
        # The reporter stays unnamed on the timeline, real-name or not: it shows the public.
        self._io.record(
            "submit",
            actor=PUBLIC_ACTOR,
            note=self._text,
            data={"suspect": input.suspect.value, "anonymous": input.reporter is None},
        )
        await self._run_step(S.VERIFYING, self._opened_at)
        if self._decision is ReportAction.OPEN_CASE:
            await self._open_clue()
        if self._state is S.INFORMING:
            assert self._decided_at is not None
            await self._run_step(S.INFORMING, self._decided_at)
        await self._project()
        self._steps_started += 1
        await self._close_out()
        return self._state.value

    async def _run_step(self, state: ReportState, starts: datetime) -> None:
        key = STEP_POLICIES[state]
        computed = (await self._io.compute_deadlines((key, starts)))[0]
        clock = Clock(ClockState(policy_key=key, due_at=computed.due_at, remind_at=computed.remind_at))
        self._clock = clock
        self._details["paused"] = False
        registration = self._registration_or_fail()
        if state is S.VERIFYING:
            # The regulator hears of the report; the reported unit does not (no tipping off).
            self._notify(
                "work_order_assigned",
                registration.district_regulator,
                {"summary": self._summary(), "escalates_to": registration.oversight.name},
            )
        await self._project()
        self._stored = True
        self._steps_started += 1

        def mark_overdue() -> None:
            self._overdue = True

        rung = Rung(key, STEP_LABELS_ZH[state], registration.district_regulator, registration.oversight)
        await climb(clock, lambda: self._state is not state, self._io, rung, self._notify, mark_overdue)
        self._overdue = False
        self._clock = None
        self._details["paused"] = False

    async def _open_clue(self) -> None:
        opened = await self._io.open_clue(
            OpenClueInput(
                source_ticket_id=self._input.ticket_id,
                reason=CLUE_REASON,
                elevator_code=self._input.elevator_code,
                summary=self._summary(),
                suspect_unit=self._suspect_unit(),
                linked_tickets=[self._input.ticket_id],
                case_opened=True,
            )
        )
        self._details["clue_ticket_id"] = opened.ticket_id

    # --- Updates -----------------------------------------------------------------------------------

    @workflow.update
    async def open_case(self, input: StepInput) -> StepResult:
        note = input.note.strip()
        self._decide(ReportAction.OPEN_CASE, input.actor, note)
        self._details["decision_note"] = note
        return await self._after(ReportAction.OPEN_CASE, input.actor, note)

    @open_case.validator
    def _validate_open_case(self, input: StepInput) -> None:
        self._check(ReportAction.OPEN_CASE, input.actor)
        self._check_no_identity("note", input.note)

    @workflow.update
    async def decline_case(self, input: ReasonInput) -> StepResult:
        reason = input.reason.strip()
        self._decide(ReportAction.DECLINE_CASE, input.actor, reason)
        self._details["decline_reason"] = reason
        return await self._after(ReportAction.DECLINE_CASE, input.actor, reason)

    @decline_case.validator
    def _validate_decline_case(self, input: ReasonInput) -> None:
        self._check(ReportAction.DECLINE_CASE, input.actor)
        if not input.reason.strip():
            raise invalid_input("reason", "不予立案 needs a reason")
        self._check_no_identity("reason", input.reason)

    @workflow.update
    async def inform_reporter(self, input: InformInput) -> StepResult:
        # Checked again: a concurrent Update may have moved the ticket on since this one was validated.
        self._state = self._check(ReportAction.INFORM_REPORTER, input.actor)
        self._closed_at = workflow.now()
        note = input.note.strip()
        self._details["inform_note"] = note
        return await self._after(ReportAction.INFORM_REPORTER, input.actor, note)

    @inform_reporter.validator
    def _validate_inform_reporter(self, input: InformInput) -> None:
        self._check(ReportAction.INFORM_REPORTER, input.actor)
        if not input.note.strip():
            raise invalid_input("note", "say how and what the reporter was told")
        self._check_no_identity("note", input.note)

    def _decide(self, action: ReportAction, actor: Actor, note: str) -> None:
        self._state = self._check(action, actor)
        self._decision = action
        self._decided_at = workflow.now()
        self._details.update(decision=action.value, decision_label=action.label_zh)
        if self._state.is_final:
            self._closed_at = self._decided_at

    async def _after(self, action: ReportAction, actor: Actor, note: str) -> StepResult:
        """Record the checked action; answer once the next step's clock (or the end) is stored.

        A decision ends the verification, so the caller reads the informing deadline and the opened clue.
        """
        self._io.record(action.value, actor=actor, note=note)
        await self._next_step_stored()
        return self._result()

    # --- Hooks of the shared clock Updates ---------------------------------------------------------

    def _opened(self) -> bool:
        return self._stored

    # --- Rules, projection, mail -------------------------------------------------------------------

    def _check(self, action: ReportAction, actor: Actor) -> ReportState:
        registration = self._registration
        return self._checked(
            rules.check_action,
            self._state,
            action,
            actor,
            regulator_id=registration.district_regulator.id if registration else "",
            anonymous=self._input.reporter is None,
        )

    def _check_no_identity(self, field: str, text: str) -> None:
        """The ticket's text is read by the reported unit: the reporter's name and phone stay out of it."""
        if rules.mask_identity(text, *self._identity) != text:
            raise invalid_input(field, "不得填写举报人的姓名或联系电话（举报人信息仅监管部门可见）")

    def _suspect_unit(self) -> OrganisationRef:
        registration = self._registration_or_fail()
        if self._input.suspect is SuspectParty.MAINTENANCE_UNIT:
            return registration.maintenance_unit
        return registration.use_unit

    def _assigned_unit_id(self, registration: ElevatorRegistration) -> str:
        # The regulator works the report; the unit reported on is named in the details.
        return registration.district_regulator.id

    def _links(self) -> TicketLinks:
        spawned_from = self._input.spawned_from
        return TicketLinks(
            spawned_from=spawned_from,
            linked_tickets=[spawned_from] if spawned_from else None,
            tracking_digest=self._input.tracking_digest,
        )

    def _summary(self) -> str:
        """What the regulator (and a clue) reads: the unit reported on and the text, never the reporter."""
        return f"公众举报{self._input.suspect.label_zh}：{self._text}"

    def _notify(self, template: str, recipient: OrganisationRef, event: MailEvent | None = None) -> None:
        self._mail(
            template,
            recipient,
            event,
            source_label="公众扫码举报",
            assigned_unit_name=self._registration_or_fail().district_regulator.name,
            step_label=STEP_LABELS_ZH.get(self._state, ""),
        )


# The workflows of this kind, which the worker registers.
WORKFLOWS: tuple[type, ...] = (ReportWorkflow,)


# Every action on this kind of ticket: the Update it is, and the input its request body becomes.
UPDATES: UpdateTable = {
    "open_case": UpdateSpec(ReportWorkflow.open_case, StepInput),
    "decline_case": UpdateSpec(ReportWorkflow.decline_case, ReasonInput),
    "inform_reporter": UpdateSpec(ReportWorkflow.inform_reporter, InformInput),
    **CLOCK_UPDATES,
}
