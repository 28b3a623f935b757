"""A down SMTP server delays mail, never loses it, and never holds up a rescue."""

from __future__ import annotations

import uuid

from temporalio.testing import WorkflowEnvironment

from api.rescue_service import open_rescue
from elevator_orders.settings import Settings
from tests.support.outbox import outbox_rows
from tests.support.ports import free_port
from tests.support.rescue import (
    DISPATCHER,
    MAINTENANCE_MAIL,
    RESCUER,
    SAFETY_MANAGER,
    USE_UNIT_MAIL,
    new_report,
    template_of,
    ticket_when,
)
from tests.support.smtp import MailCatcher
from worker.main import running_worker
from workflows.rescue import RescueWorkflow
from workflows.rescue_models import AcceptInput, ArriveInput, CancelInput, ConfirmInput, ReleaseInput


async def test_mail_sent_once_the_smtp_server_is_back(
    dev_server: WorkflowEnvironment, settings: Settings
) -> None:
    port = free_port()
    settings = settings.model_copy(update={"smtp_port": port})
    client = dev_server.client
    async with running_worker(client, settings):
        receipt = await open_rescue(
            client, settings.temporal_task_queue, new_report(uuid.uuid4().hex, elevator="31010400001")
        )
        # Dispatched and stored although no mail could go out.
        ticket, _ = await ticket_when(settings.effective_database_url, receipt.ticket_id, lambda t: True)
        assert ticket.state == "dispatched"
        with MailCatcher(port=port) as catcher:
            messages = await catcher.wait_for(lambda ms: len(ms) == 2, timeout=30)
            handle = client.get_workflow_handle_for(
                RescueWorkflow.run, ticket.workflow_id, run_id=ticket.run_id
            )
            await handle.execute_update(RescueWorkflow.cancel, _cancel())
            await handle.result()
    assert sorted(template_of(m) for m in messages) == ["rescue_dispatched", "rescue_use_unit_notified"]


async def test_mails_pending_at_closure_outlive_the_rescue_workflow(
    dev_server: WorkflowEnvironment, settings: Settings, mail_catcher: MailCatcher
) -> None:
    client = dev_server.client
    url = settings.effective_database_url
    elevator = "31011500002"
    async with running_worker(client, settings):
        receipt = await open_rescue(
            client,
            settings.temporal_task_queue,
            new_report(uuid.uuid4().hex, elevator=elevator),
            mail_grace_seconds=1,
        )
        ticket, _ = await ticket_when(url, receipt.ticket_id, lambda t: t.state == "dispatched")
        handle = client.get_workflow_handle_for(RescueWorkflow.run, ticket.workflow_id, run_id=ticket.run_id)
        await handle.execute_update(RescueWorkflow.accept, AcceptInput(actor=RESCUER))
        await handle.execute_update(RescueWorkflow.arrive, ArriveInput(actor=RESCUER))
        await handle.execute_update(
            RescueWorkflow.release, ReleaseInput(actor=RESCUER, people_freed=1, handler_name="李师傅")
        )
        await mail_catcher.wait_for(lambda ms: len(ms) == 3)

        mail_catcher.stop()  # SMTP goes down just before the use unit confirms
        await handle.execute_update(RescueWorkflow.confirm, ConfirmInput(actor=SAFETY_MANAGER))
        # The rescue finishes although its closing mails could not go out...
        assert (await handle.result()).state == "closed"
        # ...so the elevator is free for its next entrapment at once.
        later = await open_rescue(
            client,
            settings.temporal_task_queue,
            new_report(uuid.uuid4().hex, elevator=elevator),
            mail_grace_seconds=1,
        )
        assert not later.joined_existing
        later_ticket, _ = await ticket_when(url, later.ticket_id, lambda t: t.state == "dispatched")
        later_handle = client.get_workflow_handle_for(
            RescueWorkflow.run, later_ticket.workflow_id, run_id=later_ticket.run_id
        )
        await later_handle.execute_update(RescueWorkflow.cancel, _cancel())
        assert (await later_handle.result()).state == "cancelled"

        with MailCatcher(port=mail_catcher.port) as back_up:
            messages = await back_up.wait_for(
                lambda ms: len([m for m in ms if receipt.ticket_id in str(m["X-Idempotency-Key"])]) == 2,
                timeout=30,
            )
            # The second rescue's four mails (dispatch, notice, two cancellations) were handed off too.
            everything = await back_up.wait_for(lambda ms: len(ms) >= 2 + 4, timeout=30)
    assert len({str(m["X-Idempotency-Key"]).strip() for m in everything}) == len(everything) == 6
    closing = [m for m in messages if receipt.ticket_id in str(m["X-Idempotency-Key"])]
    assert sorted(template_of(m) for m in closing) == ["rescue_closed", "rescue_closed"]
    assert sorted(str(m["To"]) for m in closing) == [MAINTENANCE_MAIL, USE_UNIT_MAIL]
    # They waited in the outbox, stored with the rescue's last step, and were stamped sent once delivered.
    outbox = await outbox_rows(url, receipt.ticket_id)
    keys = {str(message["X-Idempotency-Key"]).strip() for message in closing}
    assert {row.idempotency_key for row in outbox if row.template == "rescue_closed"} == keys
    for row in outbox:
        assert row.sent_at is not None
        assert row.failed_at is None
    assert max(row.attempts for row in outbox if row.template == "rescue_closed") >= 2


def _cancel() -> CancelInput:
    return CancelInput(actor=DISPATCHER, reason="测试结束")
