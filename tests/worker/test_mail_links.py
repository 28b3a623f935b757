"""Links in mails point at the platform's public address, whatever address the API listens on."""

from __future__ import annotations

import uuid
from email.message import EmailMessage

from temporalio.testing import WorkflowEnvironment

from api.rescue_service import open_rescue
from elevator_orders.settings import Settings
from tests.support.rescue import new_report
from tests.support.smtp import MailCatcher
from worker.main import running_worker

PUBLIC = "https://dianti.example.gov.cn/platform"


def _text(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert isinstance(body, EmailMessage)
    return str(body.get_content())


async def test_a_mail_links_to_the_public_base_url_not_the_api_listening_address(
    dev_server: WorkflowEnvironment, settings: Settings, mail_catcher: MailCatcher
) -> None:
    public = settings.model_copy(update={"public_base_url": PUBLIC + "/", "api_port": 18_080})
    async with running_worker(dev_server.client, public):
        receipt = await open_rescue(
            dev_server.client, public.temporal_task_queue, new_report(uuid.uuid4().hex)
        )
        [first, *_] = await mail_catcher.wait_for(lambda ms: len(ms) >= 1)
    text = _text(first)
    assert f"{PUBLIC}/tickets/{receipt.ticket_id}" in text
    assert "127.0.0.1" not in text
    assert "18080" not in text
