"""Helpers shared by the rescue tests: actors of the demo registry and reading the store."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

from temporalio.client import Client, WorkflowHandle

from api.rescue_service import NewReport, open_rescue
from domain.rescue import ReportSource
from domain.roles import Actor, Role
from elevator_orders.settings import Settings
from store.database import Database
from store.db import make_engine
from store.models import Ticket, TicketEvent
from store.tickets import TicketRepository
from workflows.rescue import RescueWorkflow
from workflows.rescue_models import EntrapmentReport

ELEVATOR = "31011500001"
MONITORING = Actor("u-monitoring", "远程监测平台", "emergency-110", Role.MONITORING_SYSTEM)
DISPATCHER = Actor("u-dispatcher", "王调度", "emergency-110", Role.DISPATCHER)
RESCUER = Actor("u-rescuer-shenda", "李师傅", "mu-shenda", Role.RESCUER)
OTHER_RESCUER = Actor("u-rescuer-pujiang", "张师傅", "mu-pujiang", Role.RESCUER)
STATION_RESCUER = Actor("u-rescuer-rs-pudong", "陈队长", "rs-pudong", Role.RESCUER)
SAFETY_MANAGER = Actor("u-safety-lujiazui", "刘经理", "uu-lujiazui", Role.SAFETY_MANAGER)
JINGAN_SAFETY_MANAGER = Actor("u-safety-jingan", "吴经理", "uu-jingan", Role.SAFETY_MANAGER)

USE_UNIT_MAIL = "uu-lujiazui@demo.elevator-orders.example"
MAINTENANCE_MAIL = "mu-shenda@demo.elevator-orders.example"
STATION_MAIL = "rs-pudong@demo.elevator-orders.example"
REGULATOR_MAIL = "reg-pudong@demo.elevator-orders.example"


def alarm(
    ref: str, *, source: ReportSource = ReportSource.ALARM, elevator: str = ELEVATOR
) -> EntrapmentReport:
    return EntrapmentReport(
        elevator_code=elevator,
        source=source,
        ref=ref,
        reporter=MONITORING,
        received_at=datetime.now(UTC),
        alarm_type="用户报警",
    )


async def stored_ticket(database_url: str, ticket_id: str) -> tuple[Ticket, list[TicketEvent]]:
    engine = make_engine(database_url)
    try:
        tickets = TicketRepository(Database(engine))
        ticket = await tickets.get(ticket_id)
        assert ticket is not None, f"ticket {ticket_id} is not in the read model"
        return ticket, await tickets.timeline(ticket_id)
    finally:
        await engine.dispose()


def mails_to(messages: list[EmailMessage], address: str) -> list[EmailMessage]:
    return [m for m in messages if m["To"] == address]


def template_of(message: EmailMessage) -> str:
    """The template a mail was rendered from, read from its idempotency key."""
    key = str(message["X-Idempotency-Key"]).strip()
    return key.split("/")[2]


async def ticket_when(
    database_url: str, ticket_id: str, predicate: Callable[[Ticket], bool], within_seconds: float = 15.0
) -> tuple[Ticket, list[TicketEvent]]:
    """Poll the read model until the ticket is there and satisfies `predicate`; fail with its last state."""
    deadline = time.monotonic() + within_seconds
    engine = make_engine(database_url)
    try:
        tickets = TicketRepository(Database(engine))
        while True:
            ticket = await tickets.get(ticket_id)
            timeline = await tickets.timeline(ticket_id) if ticket else []
            if ticket is not None and predicate(ticket):
                return ticket, timeline
            if time.monotonic() > deadline:
                seen = (
                    f"state={ticket.state} flags={ticket.flags} timeline={[e.action for e in timeline]}"
                    if ticket
                    else "not in the read model"
                )
                raise AssertionError(f"ticket {ticket_id} never matched: {seen}")
            await asyncio.sleep(0.05)
    finally:
        await engine.dispose()


def new_report(
    ref: str, source: ReportSource = ReportSource.ALARM, elevator: str = ELEVATOR, district: str | None = None
) -> NewReport:
    report = alarm(ref, source=source, elevator=elevator)
    return NewReport(
        elevator_code=report.elevator_code,
        source=report.source,
        ref=report.ref,
        reporter=report.reporter,
        alarm_at=None,
        alarm_type=report.alarm_type,
        description="",
        callback_phone=None,
        district=district,
    )


async def open_dispatched(
    client: Client, settings: Settings, report: NewReport, *, mail_grace_seconds: float = 30.0
) -> tuple[str, WorkflowHandle[Any, Any]]:
    """Open a rescue, wait until it is dispatched and stored; its ticket id and workflow handle."""
    receipt = await open_rescue(
        client, settings.temporal_task_queue, report, mail_grace_seconds=mail_grace_seconds
    )
    ticket, _ = await ticket_when(
        settings.effective_database_url, receipt.ticket_id, lambda t: t.state == "dispatched"
    )
    handle = client.get_workflow_handle_for(RescueWorkflow.run, ticket.workflow_id, run_id=ticket.run_id)
    return receipt.ticket_id, handle
