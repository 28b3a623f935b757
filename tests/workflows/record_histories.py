"""Record histories of finished rescues for the replay test: `python -m tests.workflows.record_histories`.

Run it only when a deliberate, replay-safe change to the workflow should become the new baseline; the
histories already saved are what keeps today's code honest about yesterday's workflows.
"""

from __future__ import annotations

import asyncio
import tempfile
import uuid
from pathlib import Path
from typing import Any

from temporalio.client import Client, WorkflowHandle
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from api.rescue_service import open_rescue
from domain.rescue import ReportSource
from elevator_orders.settings import Settings
from store.db import make_engine, make_sessionmaker
from store.migrate import upgrade_to_head_async
from store.seed import seed_demo_data
from tests.support.rescue import (
    DISPATCHER,
    RESCUER,
    SAFETY_MANAGER,
    STATION_RESCUER,
    new_report,
    stored_ticket,
    ticket_when,
)
from tests.support.smtp import MailCatcher
from tests.support.temporal_test_server import temporal_cli
from worker.main import running_worker
from workflows.rescue import RescueWorkflow
from workflows.rescue_models import AcceptInput, ArriveInput, CancelInput, ConfirmInput, ReleaseInput

HISTORIES = Path(__file__).parent / "histories"
# Clocks shrunk to seconds, so every breach path runs in real time on the real dev server.
# Each in its row's unit: minutes for accept and arrive, hours for accident and confirm.
FAST_CLOCKS = {
    "rescue.accept": 0.03,
    "rescue.arrive": 0.08,
    "rescue.accident": 0.0025,
    "rescue.confirm": 0.0015,
}


async def _handle(client: Client, settings: Settings, ticket_id: str) -> WorkflowHandle[Any, Any]:
    ticket, _ = await stored_ticket(settings.effective_database_url, ticket_id)
    return client.get_workflow_handle_for(RescueWorkflow.run, ticket.workflow_id, run_id=ticket.run_id)


async def _save(handle: WorkflowHandle[Any, Any], name: str) -> None:
    await handle.result()
    history = await handle.fetch_history()
    (HISTORIES / f"{name}.json").write_text(history.to_json())
    print(f"saved {name}: {len(history.events)} events")


async def _closed_with_joined_reports(client: Client, settings: Settings) -> None:
    queue = settings.temporal_task_queue
    receipt = await open_rescue(client, queue, new_report(uuid.uuid4().hex))
    await open_rescue(client, queue, new_report(uuid.uuid4().hex, ReportSource.QR))
    handle = await _handle(client, settings, receipt.ticket_id)
    await handle.execute_update(RescueWorkflow.accept, AcceptInput(actor=RESCUER))
    await handle.execute_update(RescueWorkflow.arrive, ArriveInput(actor=RESCUER))
    await handle.execute_update(
        RescueWorkflow.release, ReleaseInput(actor=RESCUER, people_freed=2, handler_name="李师傅")
    )
    await handle.execute_update(RescueWorkflow.confirm, ConfirmInput(actor=SAFETY_MANAGER))
    await _save(handle, "rescue_closed_with_joined_reports")


async def _cancelled(client: Client, settings: Settings) -> None:
    receipt = await open_rescue(client, settings.temporal_task_queue, new_report(uuid.uuid4().hex))
    handle = await _handle(client, settings, receipt.ticket_id)
    await handle.execute_update(RescueWorkflow.cancel, CancelInput(actor=DISPATCHER, reason="误报"))
    await _save(handle, "rescue_cancelled")


async def _every_breach(client: Client, settings: Settings) -> None:
    url = settings.effective_database_url
    receipt = await open_rescue(client, settings.temporal_task_queue, new_report(uuid.uuid4().hex))
    handle = await _handle(client, settings, receipt.ticket_id)
    await ticket_when(url, receipt.ticket_id, lambda t: "redispatched" in t.flags)
    await handle.execute_update(RescueWorkflow.accept, AcceptInput(actor=STATION_RESCUER))
    await ticket_when(url, receipt.ticket_id, lambda t: "accident" in t.flags)
    await handle.execute_update(RescueWorkflow.arrive, ArriveInput(actor=STATION_RESCUER))
    await handle.execute_update(
        RescueWorkflow.release, ReleaseInput(actor=STATION_RESCUER, people_freed=1, handler_name="陈队长")
    )
    await open_rescue(client, settings.temporal_task_queue, new_report(uuid.uuid4().hex, ReportSource.QR))
    await ticket_when(url, receipt.ticket_id, lambda t: "confirmation_overdue" in t.flags)
    await handle.execute_update(RescueWorkflow.confirm, ConfirmInput(actor=SAFETY_MANAGER))
    await _save(handle, "rescue_every_breach")


async def main() -> None:
    HISTORIES.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, MailCatcher() as catcher:
        url = f"sqlite+aiosqlite:///{tmp}/orders.db"
        await upgrade_to_head_async(url)
        engine = make_engine(url)
        await seed_demo_data(make_sessionmaker(engine))
        await engine.dispose()
        env = await WorkflowEnvironment.start_local(
            dev_server_existing_path=str(temporal_cli()), data_converter=pydantic_data_converter
        )
        try:
            for scenario, clocks in (
                (_closed_with_joined_reports, {}),
                (_cancelled, {}),
                (_every_breach, FAST_CLOCKS),
            ):
                settings = Settings(
                    _env_file=None,
                    database_url=url,
                    smtp_host=catcher.host,
                    smtp_port=catcher.port,
                    temporal_task_queue=f"record-{uuid.uuid4().hex}",
                    policy_overrides=clocks,
                )
                async with running_worker(env.client, settings):
                    await scenario(env.client, settings)
        finally:
            await env.shutdown()
        await asyncio.sleep(0.5)


if __name__ == "__main__":
    asyncio.run(main())
