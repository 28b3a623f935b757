"""Passenger feedback (乘客评价建议): a passenger rates the elevator or suggests something; the use unit answers.

No law sets the clock; the policy table does (5 working days for an evaluation, 1 for a suggestion), with a
reminder to the use unit and escalation to the district regulator's queue when nobody answers.
"""

from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.contracts import MailTicketFacts
    from domain import feedback as rules
    from domain.feedback import FeedbackAction, FeedbackState
    from domain.kinds import TicketKind
    from domain.registry import ElevatorRegistration, OrganisationRef
    from domain.roles import PUBLIC_ACTOR, Actor, Role
    from domain.tickets import DetailValue, ReportRef, TicketSnapshot
    from domain.transitions import ActionNotPermitted, InvalidTransition
    from workflows.clock import Clock, ClockState
    from workflows.clock_actions import ClockedTicket
    from workflows.feedback_models import AnswerInput, FeedbackInput
    from workflows.ladder import Rung, climb
    from workflows.rejections import invalid_input, not_permitted
    from workflows.step_models import Registered, RegisterInput, StepResult
    from workflows.ticket_io import MailEvent, TicketIO


@workflow.defn
class FeedbackWorkflow(ClockedTicket):
    @workflow.init
    def __init__(self, input: FeedbackInput) -> None:
        self._input = input
        self._io = TicketIO(
            input.ticket_id,
            timedelta(seconds=input.mail_grace_seconds),
            state=lambda: self._state.value,
            snapshot=self._snapshot,
        )
        self._state = FeedbackState.SUBMITTED
        self._opened_at = workflow.now()
        self._closed_at: datetime | None = None
        self._registration: ElevatorRegistration | None = None
        self._registered = False
        self._stored = False
        self._clock: Clock | None = None
        self._overdue = False
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
        await workflow.wait_condition(workflow.all_handlers_finished)
        await self._io.hand_off_pending_mails()
        return self._state.value

    @workflow.update
    async def register(self, input: RegisterInput) -> Registered:
        duplicate = self._registered
        self._registered = True
        await workflow.wait_condition(lambda: self._stored)
        await self._io.wait_until_stored()
        return Registered(ticket_id=self._input.ticket_id, state=self._state.value, duplicate=duplicate)

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

    def _ticket_id(self) -> str:
        return self._input.ticket_id

    def _state_value(self) -> str:
        return self._state.value

    def _is_final(self) -> bool:
        return self._state.is_final

    def _kind_allowed(self) -> list[str]:
        return rules.allowed_actions(self._state)

    def _registration_or_fail(self) -> ElevatorRegistration:
        if self._registration is None:
            raise ApplicationError("elevator registration not loaded yet", non_retryable=True)
        return self._registration

    def _check_clock_actor(self, actor: Actor) -> None:
        use_unit = self._registration_or_fail().use_unit
        if actor.role is not Role.SAFETY_MANAGER or actor.organisation_id != use_unit.id:
            raise not_permitted(f"计时中止与恢复由使用管理单位（{use_unit.name}）的安全管理员办理")

    async def _project(self) -> None:
        await self._io.project()

    # --- Rules, projection, mail -----------------------------------------------------------------

    def _check(self, actor: Actor) -> FeedbackState:
        registration = self._registration
        try:
            return rules.check_action(
                self._state, FeedbackAction.ANSWER, actor, registration.use_unit.id if registration else ""
            )
        except InvalidTransition as error:
            raise self._not_now(error.action) from None
        except ActionNotPermitted as error:
            raise not_permitted(str(error)) from None

    def _snapshot(self, projection_seq: int) -> TicketSnapshot:
        registration = self._registration
        clock = self._clock
        return self._io.build_snapshot(
            projection_seq,
            kind=TicketKind.FEEDBACK,
            elevator_code=self._input.elevator_code,
            registration=registration,
            assigned_unit_id=registration.use_unit.id if registration else "",
            opened_at=self._opened_at,
            due_at=clock.state.due_at if clock and not clock.paused and not self._state.is_final else None,
            overdue=self._overdue,
            closed_at=self._closed_at,
            details=self._details,
        )

    def _summary(self) -> str:
        rating = f"（{self._input.rating} 星）" if self._input.rating is not None else ""
        return f"{self._input.feedback_type.label_zh}{rating}：{self._input.text}"

    def _notify(self, template: str, recipient: OrganisationRef, event: MailEvent | None = None) -> None:
        registration = self._registration_or_fail()
        clock = self._clock
        self._io.mail(
            template,
            recipient,
            MailTicketFacts(
                ticket_id=self._input.ticket_id,
                kind=TicketKind.FEEDBACK.value,
                kind_label=TicketKind.FEEDBACK.label_zh,
                state_label=self._state.label_zh,
                source_label="乘客扫码提交",
                alarm_at=self._opened_at,
                assigned_unit_name=registration.use_unit.name,
                closed_at=self._closed_at,
                due_at=clock.state.due_at if clock else None,
                step_label="答复",
            ),
            registration,
            event,
        )
