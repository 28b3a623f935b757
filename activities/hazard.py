"""The 隐患's activities: the monitoring sweep that opens a 远程监测离线 hazard for a silent device.

A device silent for longer than its policy row opens a hazard reported by its monitoring platform, for
the car's use unit to rectify (Order 76: monitoring stays in working order). When the device is heard
again, the platform settles its own report: withdrawn while the use unit has not answered, verified once
it has. The report's reference is the time the device was last heard, so a retried sweep reaches the
same ticket.
"""

from __future__ import annotations

import logging
from datetime import datetime

from temporalio import activity
from temporalio.client import Client

from activities.contracts import SWEEP_MONITORING, SweepInput, SweepResult
from activities.kind_activities import KindActivityContext
from activities.ticket_opening import open_registered
from domain.hazard import (
    MONITORING_OFFLINE,
    MONITORING_OFFLINE_POLICY_KEY,
    HazardSeverity,
    HazardState,
    hazard_ticket_id,
)
from domain.policies import policy_table
from domain.registry import OrganisationRef
from domain.roles import Actor, Role
from elevator_orders.settings import Settings
from store.monitoring_devices import Device, MonitoringDevices
from store.registry import RegistryRepository
from store.tickets import TicketRepository
from workflows.hazard_models import HazardInput
from workflows.names import HAZARD_WORKFLOW
from workflows.step_models import ReasonInput, StepInput

log = logging.getLogger(__name__)
# Devices taken per sweep: a power cut over a district silences many at once; the next sweep goes on.
SWEEP_BATCH = 200
BACK_ONLINE = "设备恢复在线"


class MonitoringSweep:
    def __init__(
        self,
        client: Client,
        task_queue: str,
        settings: Settings,
        devices: MonitoringDevices,
        registry: RegistryRepository,
        tickets: TicketRepository,
    ) -> None:
        self._client = client
        self._task_queue = task_queue
        self._settings = settings
        self._devices = devices
        self._registry = registry
        self._tickets = tickets

    @activity.defn(name=SWEEP_MONITORING)
    async def sweep_monitoring(self, input: SweepInput) -> SweepResult:
        silence = policy_table(self._settings.policy_overrides)[MONITORING_OFFLINE_POLICY_KEY].duration()
        opened: list[str] = []
        for device in await self._devices.silent_since(input.now - silence, SWEEP_BATCH):
            ticket_id = await self._open(device, input.now)
            if ticket_id is not None:
                await self._devices.mark_offline(device.elevator_code, ticket_id, input.now)
                opened.append(device.elevator_code)
        settled: list[str] = []
        for device in await self._devices.heard_again(SWEEP_BATCH):
            await self._settle(device)
            await self._devices.mark_offline(device.elevator_code, None, None)
            settled.append(device.elevator_code)
        return SweepResult(opened=opened, settled=settled)

    async def _platform(self, platform_id: str) -> tuple[Actor, OrganisationRef] | None:
        organisation = await self._registry.organisation(platform_id)
        if organisation is None:
            return None
        actor = Actor(
            user_id=f"monitoring:{platform_id}",
            name=organisation.name,
            organisation_id=platform_id,
            role=Role.MONITORING_SYSTEM,
        )
        return actor, OrganisationRef(id=organisation.id, name=organisation.name, email=organisation.email)

    async def _open(self, device: Device, now: datetime) -> str | None:
        platform = await self._platform(device.platform_id)
        if platform is None or not await self._registry.is_registered(device.elevator_code):
            log.warning("monitoring device of %s: its platform or car is gone", device.elevator_code)
            return None
        reporter, reporter_unit = platform
        ref = f"offline-{device.last_seen_at:%Y%m%d%H%M%S}"
        ticket_id = hazard_ticket_id(device.elevator_code, device.platform_id, ref)
        minutes = int((now - device.last_seen_at).total_seconds() // 60)
        await open_registered(
            self._client,
            self._task_queue,
            HAZARD_WORKFLOW,
            ticket_id,
            HazardInput(
                ticket_id=ticket_id,
                elevator_code=device.elevator_code,
                ref=ref,
                reporter=reporter,
                reporter_unit=reporter_unit,
                reported_at=now,
                hazard_type=MONITORING_OFFLINE,
                severity=HazardSeverity.GENERAL,
                description=f"远程监测装置已 {minutes} 分钟未上报（最后一次：{device.last_seen_at.isoformat()}）",
                mail_grace_seconds=self._settings.mail_grace_seconds,
            ),
        )
        return ticket_id

    async def _settle(self, device: Device) -> None:
        ticket = await self._tickets.get(device.offline_ticket_id or "")
        platform = await self._platform(device.platform_id)
        if ticket is None or platform is None:
            return
        reporter, _ = platform
        handle = self._client.get_workflow_handle(ticket.workflow_id, run_id=ticket.run_id)
        if ticket.state == HazardState.RECTIFYING.value:
            await handle.execute_update("withdraw", ReasonInput(actor=reporter, reason=BACK_ONLINE))
        elif ticket.state == HazardState.RECTIFIED.value:
            await handle.execute_update("verify_pass", StepInput(actor=reporter, note=BACK_ONLINE))


def kind_activities(context: KindActivityContext) -> list[object]:
    database = context.database
    return [
        MonitoringSweep(
            context.client,
            context.task_queue,
            context.settings,
            MonitoringDevices(database),
            RegistryRepository(database),
            TicketRepository(database),
        )
    ]
