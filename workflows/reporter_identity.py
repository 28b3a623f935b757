"""Keeping who filed a 投诉 or 举报 apart from the ticket: the first thing such a workflow does."""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.contracts import KEEP_REPORTER_IDENTITY, KeepIdentityInput
    from workflows.store_calls import STORE_RETRY, STORE_TIMEOUT


async def keep_reporter_identity(ticket_id: str, name: str, phone: str, email: str = "") -> None:
    """Store the person's name and contact in their own table; the ticket and its timeline never carry them."""
    await workflow.execute_activity(
        KEEP_REPORTER_IDENTITY,
        KeepIdentityInput(ticket_id=ticket_id, name=name, phone=phone, email=email),
        start_to_close_timeout=STORE_TIMEOUT,
        retry_policy=STORE_RETRY,
    )
