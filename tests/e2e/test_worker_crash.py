"""A worker killed in the middle of a rescue: a new worker finishes it and every mail goes out exactly once."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from api.rescue_service import open_rescue
from domain.channels import EventFilter, SubscriptionState
from elevator_orders.settings import Settings, child_environment
from faults.stack import AppProcess
from notifications.webhook_signing import DELIVERY_HEADER, EVENT_HEADER
from store.channels import ChannelStore
from store.database import Database
from store.models import ChannelSubscription
from tests.support.outbox import outbox_rows
from tests.support.rescue import (
    JINGAN_SAFETY_MANAGER,
    OTHER_RESCUER,
    mails_to,
    new_report,
    template_of,
    ticket_when,
)
from tests.support.smtp import MailCatcher
from tests.support.webhook_receiver import WebhookReceiver
from workflows.rescue import RescueWorkflow
from workflows.rescue_models import AcceptInput, ArriveInput, ConfirmInput, ReleaseInput

# Served by mu-pujiang for uu-jingan; no other test of the dev server uses it.
ELEVATOR = "31010600001"
USE_UNIT = "uu-jingan@demo.elevator-orders.example"
MAINTENANCE = "mu-pujiang@demo.elevator-orders.example"


def worker_process(settings: Settings, temporal_address: str, log: Path) -> AppProcess:
    """`elevator-orders worker` as its own OS process, the way it runs in production."""
    # The test's settings carry the key its clients encrypt with: without it the worker could not read a
    # payload.
    environment = child_environment(settings) | {"TEMPORAL_ADDRESS": temporal_address}
    return AppProcess("worker", environment, log.parent, log=log)


@pytest.fixture
def worker_log(tmp_path: Path) -> Iterator[Path]:
    log = tmp_path / "worker.log"
    yield log
    # Shown by pytest only when the test failed.
    if log.exists():
        print(log.read_text(errors="replace")[-5000:])


async def _until(predicate: Callable[[], bool], within_seconds: float) -> None:
    deadline = time.monotonic() + within_seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.05)


async def _until_async(predicate: Callable[[], Awaitable[bool]], within_seconds: float) -> None:
    deadline = time.monotonic() + within_seconds
    while not await predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.05)


async def _mail_waiting_to_retry(database_url: str, ticket_id: str) -> bool:
    """The refused mail is back in the outbox with its error, due again later: the failure is recorded."""
    return any(
        row.last_error is not None and row.sent_at is None and row.attempts >= 1
        for row in await outbox_rows(database_url, ticket_id)
    )


async def _subscribe_maintenance_unit(database: Database, url: str) -> None:
    subscription = ChannelSubscription(
        id="sub-crash",
        organisation_id="mu-pujiang",
        audience="org:mu-pujiang",
        channel="webhook",
        name="浦江值班系统",
        url=url,
        secret="whsec_crash",
        owner_email=MAINTENANCE,
        state=SubscriptionState.ACTIVE.value,
        consecutive_failures=0,
        created_at=datetime(2026, 12, 1, tzinfo=UTC),
        created_by="u-admin",
    )
    await ChannelStore(database).add(subscription, [EventFilter.parse("rescue.*")])


async def _all_sent(database: Database, count: int) -> bool:
    deliveries = await ChannelStore(database).deliveries("sub-crash", 50)
    return len(deliveries) == count and all(delivery.sent_at is not None for delivery in deliveries)


async def test_killed_worker_is_replaced_and_no_mail_is_lost_or_doubled(
    dev_server: WorkflowEnvironment,
    settings: Settings,
    mail_catcher: MailCatcher,
    worker_log: Path,
    database: Database,
) -> None:
    with WebhookReceiver() as receiver:
        await _subscribe_maintenance_unit(database, receiver.url)
        await _crash_a_worker_mid_rescue(dev_server, settings, mail_catcher, worker_log, database, receiver)
        hooks = receiver.received
    # The maintenance unit's system heard every step once, each under one delivery id, across the crash.
    ids = Counter(hook.headers[DELIVERY_HEADER] for hook in hooks)
    assert all(count == 1 for count in ids.values()), f"delivered twice: {ids}"
    assert [hook.headers[EVENT_HEADER] for hook in hooks] == [
        f"rescue.{action}" for action in ("report", "dispatch", "accept", "arrive", "release", "confirm")
    ]


async def _crash_a_worker_mid_rescue(
    dev_server: WorkflowEnvironment,
    settings: Settings,
    mail_catcher: MailCatcher,
    worker_log: Path,
    database: Database,
    receiver: WebhookReceiver,
) -> None:
    client = dev_server.client
    address = client.service_client.config.target_host
    url = settings.effective_database_url
    first = worker_process(settings, address, worker_log)
    second = worker_process(settings, address, worker_log)
    first.start()
    try:
        receipt = await open_rescue(
            client, settings.temporal_task_queue, new_report(uuid.uuid4().hex, elevator=ELEVATOR)
        )
        ticket, _ = await ticket_when(
            url, receipt.ticket_id, lambda t: t.state == "dispatched", within_seconds=60
        )
        handle = client.get_workflow_handle_for(RescueWorkflow.run, ticket.workflow_id, run_id=ticket.run_id)
        await handle.execute_update(RescueWorkflow.accept, AcceptInput(actor=OTHER_RESCUER))
        await handle.execute_update(RescueWorkflow.arrive, ArriveInput(actor=OTHER_RESCUER))
        await mail_catcher.wait_for(lambda ms: len(ms) == 2)

        # The SMTP server refuses the next mail: it is mid-retry when the worker dies.
        mail_catcher.fail_next(1)
        await handle.execute_update(
            RescueWorkflow.release, ReleaseInput(actor=OTHER_RESCUER, people_freed=1, handler_name="张师傅")
        )
        await _until(lambda: mail_catcher.refused == 1, within_seconds=20)
        # Kill once the outbox row records the failure: the mail is then nobody's but the outbox's, and
        # the next worker must find it there.
        await _until_async(lambda: _mail_waiting_to_retry(url, receipt.ticket_id), within_seconds=20)
        # Also once the steps so far reached the webhook: none is in flight, so none may come twice.
        await _until_async(lambda: _all_sent(database, 5), within_seconds=20)
        first.kill()

        second.start()
        await mail_catcher.wait_for(lambda ms: len(ms) == 3, timeout=60)
        result = await handle.execute_update(
            RescueWorkflow.confirm, ConfirmInput(actor=JINGAN_SAFETY_MANAGER)
        )
        assert result.state == "closed"
        assert (await handle.result()).state == "closed"
        messages = await mail_catcher.wait_for(lambda ms: len(ms) >= 5, timeout=60)
        # The confirmation reaches the webhook too, from the second worker, before it stops.
        await receiver.wait_for(lambda received: len(received) >= 6, timeout=30)
    finally:
        first.stop()
        second.stop()

    keys = Counter(str(m["X-Idempotency-Key"]).strip() for m in mail_catcher.messages)
    assert all(count == 1 for count in keys.values()), f"mail sent twice: {keys}"
    assert sorted(template_of(m) for m in mails_to(messages, USE_UNIT)) == [
        "rescue_closed",
        "rescue_confirmation_requested",
        "rescue_use_unit_notified",
    ]
    assert sorted(template_of(m) for m in mails_to(messages, MAINTENANCE)) == [
        "rescue_closed",
        "rescue_dispatched",
    ]
    ticket, timeline = await ticket_when(url, receipt.ticket_id, lambda t: t.state == "closed")
    assert [e.action for e in timeline] == ["report", "dispatch", "accept", "arrive", "release", "confirm"]
