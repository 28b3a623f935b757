"""A mail that must still go out after its ticket's workflow has finished."""

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.contracts import SEND_NOTIFICATION, NotificationInput

# SMTP outages can last hours; a mail waits them out instead of being dropped.
MAIL_RETRY = RetryPolicy(initial_interval=timedelta(seconds=2), maximum_interval=timedelta(minutes=5))
MAIL_TIMEOUT = timedelta(seconds=60)


@workflow.defn
class MailDeliveryWorkflow:
    """Carries one notification to delivery; its workflow id is the mail's idempotency key."""

    @workflow.run
    async def run(self, notification: NotificationInput) -> None:
        await workflow.execute_activity(
            SEND_NOTIFICATION,
            notification,
            start_to_close_timeout=MAIL_TIMEOUT,
            retry_policy=MAIL_RETRY,
        )


def mail_delivery_workflow_id(idempotency_key: str) -> str:
    return f"mail-{idempotency_key}"
