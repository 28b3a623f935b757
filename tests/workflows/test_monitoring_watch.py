"""The watch over monitoring devices, on the time-skipping server: a silent device opens its 远程监测离线
隐患 for the use unit once its policy row's limit has passed, and the device heard again settles it."""

from __future__ import annotations

import uuid
from datetime import timedelta

from temporalio.testing import WorkflowEnvironment

from domain.hazard import hazard_ticket_id
from domain.policies import policy_table
from elevator_orders.settings import Settings
from store.database import Database
from store.db import make_engine
from store.monitoring_devices import MonitoringDevices
from tests.support.rescue import ticket_when
from worker.main import running_worker
from workflows.hazard_monitoring import MonitoringWatchWorkflow, WatchInput

PLATFORM = "emergency-110"
CAR = "31011500001"
SWEEP = timedelta(minutes=1)


async def test_a_silent_device_opens_its_hazard_and_its_next_heartbeat_settles_it(
    time_skipping_server: WorkflowEnvironment, settings: Settings
) -> None:
    env = time_skipping_server
    url = settings.effective_database_url
    silence = policy_table(settings.policy_overrides)["hazard.monitoring_offline"].duration()
    engine = make_engine(url)
    devices = MonitoringDevices(Database(engine))
    heard_at = await env.get_current_time()
    await devices.heard(PLATFORM, [(CAR, heard_at)])
    try:
        async with running_worker(env.client, settings):
            watch = await env.client.start_workflow(
                MonitoringWatchWorkflow.run,
                WatchInput(interval_seconds=SWEEP.total_seconds()),
                id=f"monitoring-watch-{uuid.uuid4().hex}",
                task_queue=settings.temporal_task_queue,
            )
            try:
                # Within the limit, nothing: the device may just be between heartbeats.
                await env.sleep(silence - 2 * SWEEP)
                [device] = await devices.silent_since(heard_at + timedelta(seconds=1), 10)
                assert device.offline_ticket_id is None

                await env.sleep(3 * SWEEP)
                ticket_id = hazard_ticket_id(CAR, PLATFORM, f"offline-{heard_at:%Y%m%d%H%M%S}")
                ticket, timeline = await ticket_when(url, ticket_id, lambda t: t.state == "rectifying")
                assert ticket.details["hazard_type_label"] == "远程监测离线"
                assert ticket.assigned_unit_id == ticket.use_unit_id == "uu-lujiazui"
                assert timeline[0].actor_role == "monitoring_system"
                # A silence that has opened its hazard opens no second one.
                assert await devices.silent_since(heard_at + timedelta(seconds=1), 10) == []

                # The device is heard again: the platform takes its report back, the car needs nothing.
                await devices.heard(PLATFORM, [(CAR, await env.get_current_time())])
                await env.sleep(2 * SWEEP)
                ticket, timeline = await ticket_when(url, ticket_id, lambda t: t.state == "cancelled")
                assert timeline[-1].note == "设备恢复在线"
                assert await devices.heard_again(10) == []
            finally:
                # A watch left running would hold the shared server's clock for every later test.
                await watch.terminate(reason="test finished")
    finally:
        await engine.dispose()
