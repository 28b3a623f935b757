"""Passenger feedback (乘客评价建议): a passenger rates the elevator or suggests something; the use unit answers.

No law sets the clock; the policy table does (5 working days for an evaluation, 1 for a suggestion), with a
reminder to the use unit and escalation to the district regulator's queue when nobody answers.
"""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain import feedback as rules
    from domain.feedback import FeedbackAction, FeedbackState
    from domain.registry import ElevatorRegistration, OrganisationRef
    from domain.roles import PUBLIC_ACTOR, Actor, Role
    from domain.tickets import DetailValue, ReportRef
    from workflows.clock import Clock, ClockState
    from workflows.clock_actions import CLOCK_UPDATES, ClockedTicket
    from workflows.feedback_models import AnswerInput, FeedbackInput
    from workflows.ladder import Rung, climb
    from workflows.rejections import invalid_input, not_permitted
    from workflows.step_models import StepResult
    from workflows.ticket_io import MailEvent
    from workflows.update_spec import UpdateSpec, UpdateTable


@workflow.defn
class FeedbackWorkflow(ClockedTicket[FeedbackState]):
    SPEC = rules.SPEC

    @workflow.init
    def __init__(self, input: FeedbackInput) -> None:
        super().__init__(input, FeedbackState.SUBMITTED)
        self._input = input
        self._stored = False
        self._details: dict[str, DetailValue] = {
            "feedback_type": input.feedback_type.value,
            "feedback_type_label": input.feedback_type.label_zh,
            "rating": input.rating,
            "text": input.text,
            "paused": False,
        }

    @workflow.run
    async def run(self, input: FeedbackInput) -> str:
        registration = await self._io.lookup(input.elevator_code)
        self._registration = registration
        self._io.add_report(
            ReportRef(
                source="feedback",
                ref=f"{input.elevator_code}/{input.ref}",
                ticket_id=input.ticket_id,
                received_at=input.received_at,
            )
        )
        # The passenger stays anonymous: the timeline names the public, never a person.
        self._io.record("submit", actor=PUBLIC_ACTOR, note=input.text, data={"rating": input.rating})
        policy = input.feedback_type.answer_policy
        computed = (await self._io.compute_deadlines((policy, self._opened_at)))[0]
        self._clock = Clock(
            ClockState(policy_key=policy, due_at=computed.due_at, remind_at=computed.remind_at)
        )
        self._notify("work_order_assigned", registration.use_unit, {"summary": self._summary()})
        await self._project()
        self._stored = True

        def mark_overdue() -> None:
            self._overdue = True

        rung = Rung(policy, "答复", registration.use_unit, registration.district_regulator)
        await climb(self._clock, lambda: self._state.is_final, self._io, rung, self._notify, mark_overdue)
        self._overdue = False
        self._clock = None
        await self._project()
        await self._close_out()
        return self._state.value

    @workflow.update
    async def answer(self, input: AnswerInput) -> StepResult:
        self._state = self._check(input.actor)
        self._closed_at = workflow.now()
        self._details["answer"] = input.answer.strip()
        self._io.record(FeedbackAction.ANSWER.value, actor=input.actor, note=input.answer.strip())
        await self._project()
        return self._result()

    @answer.validator
    def _validate_answer(self, input: AnswerInput) -> None:
        self._check(input.actor)
        if not input.answer.strip():
            raise invalid_input("answer", "an answer needs text")

    # --- Hooks of the shared clock Updates -------------------------------------------------------

    def _check_clock_actor(self, actor: Actor) -> None:
        use_unit = self._registration_or_fail().use_unit
        if actor.role is not Role.SAFETY_MANAGER or actor.organisation_id != use_unit.id:
            raise not_permitted(f"计时中止与恢复由使用管理单位（{use_unit.name}）的安全管理员办理")

    def _opened(self) -> bool:
        return self._stored

    # --- Rules, projection, mail -----------------------------------------------------------------

    def _check(self, actor: Actor) -> FeedbackState:
        registration = self._registration
        return self._checked(
            rules.check_action,
            self._state,
            FeedbackAction.ANSWER,
            actor,
            registration.use_unit.id if registration else "",
        )

    def _assigned_unit_id(self, registration: ElevatorRegistration) -> str:
        return registration.use_unit.id

    def _summary(self) -> str:
        rating = f"（{self._input.rating} 星）" if self._input.rating is not None else ""
        return f"{self._input.feedback_type.label_zh}{rating}：{self._input.text}"

    def _notify(self, template: str, recipient: OrganisationRef, event: MailEvent | None = None) -> None:
        self._mail(
            template,
            recipient,
            event,
            source_label="乘客扫码提交",
            assigned_unit_name=self._registration_or_fail().use_unit.name,
            step_label="答复",
        )


# The workflows of this kind, which the worker registers.
WORKFLOWS: tuple[type, ...] = (FeedbackWorkflow,)


# Every action on this kind of ticket: the Update it is, and the input its request body becomes.
UPDATES: UpdateTable = {
    "answer": UpdateSpec(FeedbackWorkflow.answer, AnswerInput),
    **CLOCK_UPDATES,
}
