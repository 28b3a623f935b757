"""Passenger feedback: the use unit answers; an unanswered suggestion is escalated after 1 working day."""

import uuid
from datetime import timedelta

import pytest
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from api.feedback_service import receive_feedback
from domain.feedback import FeedbackType
from elevator_orders.official_calendar import load_working_day_calendar
from elevator_orders.settings import Settings
from tests.support.rescue import (
    OTHER_RESCUER,
    REGULATOR_MAIL,
    SAFETY_MANAGER,
    USE_UNIT_MAIL,
    mails_to,
    template_of,
    ticket_when,
)
from tests.support.smtp import MailCatcher
from worker.main import running_worker
from workflows.feedback import FeedbackWorkflow
from workflows.feedback_models import AnswerInput

ELEVATOR = "31011500001"


async def _submit(
    env: WorkflowEnvironment, settings: Settings, feedback_type: FeedbackType, rating: int | None
) -> WorkflowHandle[FeedbackWorkflow, str]:
    registered = await receive_feedback(
        env.client,
        settings.temporal_task_queue,
        elevator_code=ELEVATOR,
        ref=uuid.uuid4().hex,
        feedback_type=feedback_type,
        text="轿厢照明偏暗" if feedback_type is FeedbackType.SUGGESTION else "运行平稳，按钮灵敏",
        rating=rating,
        mail_grace_seconds=1,
    )
    return env.client.get_workflow_handle_for(FeedbackWorkflow.run, registered.ticket_id)


async def test_the_use_unit_answers_an_evaluation(
    dev_server: WorkflowEnvironment, settings: Settings, mail_catcher: MailCatcher
) -> None:
    url = settings.effective_database_url
    async with running_worker(dev_server.client, settings):
        handle = await _submit(dev_server, settings, FeedbackType.EVALUATION, 4)
        ticket, timeline = await ticket_when(url, handle.id, lambda t: t.state == "submitted")
        assert ticket.kind == "feedback"
        assert ticket.details["rating"] == 4
        assert timeline[0].actor_user_id == "public", "the passenger stays anonymous"
        expected = load_working_day_calendar(None).add_working_days(ticket.opened_at, 5)
        assert ticket.due_at == expected.due_at

        with pytest.raises(WorkflowUpdateFailedError) as wrong_party:
            await handle.execute_update(
                FeedbackWorkflow.answer, AnswerInput(actor=OTHER_RESCUER, answer="已处理")
            )
        assert isinstance(wrong_party.value.cause, ApplicationError)
        assert wrong_party.value.cause.type == "ActionNotPermitted"
        with pytest.raises(WorkflowUpdateFailedError) as empty:
            await handle.execute_update(
                FeedbackWorkflow.answer, AnswerInput(actor=SAFETY_MANAGER, answer=" ")
            )
        assert isinstance(empty.value.cause, ApplicationError)
        assert empty.value.cause.type == "InvalidInput"

        result = await handle.execute_update(
            FeedbackWorkflow.answer, AnswerInput(actor=SAFETY_MANAGER, answer="感谢评价，我们会继续做好维保")
        )
        assert (result.state, result.allowed_actions) == ("answered", [])
        assert await handle.result() == "answered"
        ticket, _ = await ticket_when(url, handle.id, lambda t: t.state == "answered")
        assert ticket.details["answer"] == "感谢评价，我们会继续做好维保"
        assert ticket.due_at is None
        messages = await mail_catcher.wait_for(lambda ms: len(mails_to(ms, USE_UNIT_MAIL)) >= 1)
    assert [template_of(m) for m in mails_to(messages, USE_UNIT_MAIL)] == ["work_order_assigned"]


async def test_an_unanswered_suggestion_is_escalated_after_one_working_day(
    time_skipping_server: WorkflowEnvironment, settings: Settings, mail_catcher: MailCatcher
) -> None:
    env = time_skipping_server
    url = settings.effective_database_url
    async with running_worker(env.client, settings):
        handle = await _submit(env, settings, FeedbackType.SUGGESTION, None)
        ticket, _ = await ticket_when(url, handle.id, lambda t: t.state == "submitted")
        assert ticket.due_at is not None
        await env.sleep(ticket.due_at - await env.get_current_time() - timedelta(minutes=1))
        ticket, _ = await ticket_when(url, handle.id, lambda t: "reminded" in t.flags)
        assert not ticket.overdue
        await env.sleep(timedelta(minutes=2))
        ticket, _ = await ticket_when(url, handle.id, lambda t: t.overdue)
        assert "answer_suggestion_overdue" in ticket.flags
        await mail_catcher.wait_for(
            lambda ms: [template_of(m) for m in mails_to(ms, REGULATOR_MAIL)] == ["work_order_escalated"]
        )
        await handle.execute_update(
            FeedbackWorkflow.answer, AnswerInput(actor=SAFETY_MANAGER, answer="已增加照明")
        )
        assert await handle.result() == "answered"
