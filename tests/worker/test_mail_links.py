"""Links in mails point at the platform's public address, whatever address the API listens on."""

from __future__ import annotations

import uuid
from email.message import EmailMessage

from temporalio.testing import WorkflowEnvironment

from api.rescue_service import open_rescue
from elevator_orders.settings import Settings
from tests.support.rescue import DISPATCHER, new_report, stored_ticket
from tests.support.smtp import MailCatcher
from worker.main import running_worker
from workflows.rescue import RescueWorkflow
from workflows.rescue_models import CancelInput

PUBLIC = "https://dianti.example.gov.cn/platform"


def _text(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert isinstance(body, EmailMessage)
    return str(body.get_content())


async def test_a_mail_links_to_the_public_base_url_not_the_api_listening_address(
    dev_server: WorkflowEnvironment, settings: Settings, mail_catcher: MailCatcher
) -> None:
    public = settings.model_copy(update={"public_base_url": PUBLIC + "/", "api_port": 18_080})
    client = dev_server.client
    async with running_worker(client, public):
        receipt = await open_rescue(
            client, public.temporal_task_queue, new_report(uuid.uuid4().hex), mail_grace_seconds=1
        )
        [first, *_] = await mail_catcher.wait_for(lambda ms: len(ms) >= 1)
        # End the rescue while this worker still polls: a run left open on a task queue nobody polls
        # would be joined, and wait forever, by the next test that raises an alarm on this elevator.
        ticket, _ = await stored_ticket(public.effective_database_url, receipt.ticket_id)
        handle = client.get_workflow_handle_for(RescueWorkflow.run, ticket.workflow_id, run_id=ticket.run_id)
        await handle.execute_update(RescueWorkflow.cancel, CancelInput(actor=DISPATCHER, reason="测试结束"))
        assert (await handle.result()).state == "cancelled"
    text = _text(first)
    assert f"{PUBLIC}/tickets/{receipt.ticket_id}" in text
    assert "127.0.0.1" not in text
    assert "18080" not in text
