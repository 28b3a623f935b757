"""Helpers for tests whose tickets raise violation clues (违法线索)."""

from temporalio.client import Client

from domain.roles import Actor, Role
from store.models import Ticket, TicketEvent
from tests.support.fault_repair import REGULATOR
from tests.support.rescue import ticket_when
from workflows.step_models import ReasonInput
from workflows.violation_clue import ViolationClueWorkflow

PUDONG_REGULATOR = REGULATOR
XUHUI_REGULATOR = Actor("u-regulator-xuhui", "郑科长", "reg-xuhui", Role.REGULATOR)
CITY_REGULATOR_MAIL = "city-regulator@demo.elevator-orders.example"


async def clue_raised_by(
    database_url: str, source_ticket_id: str, within_seconds: float = 15.0
) -> tuple[Ticket, list[TicketEvent]]:
    """The clue the source ticket's timeline says it opened, once both are in the read model."""
    _, timeline = await ticket_when(
        database_url,
        source_ticket_id,
        lambda t: "clue_opened" in t.flags,
        within_seconds=within_seconds,
    )
    opened = [event for event in timeline if event.action == "clue_opened"]
    assert opened, f"{source_ticket_id} flags a clue but its timeline does not name it"
    clue_id = str(opened[-1].data["clue_ticket_id"])
    return await ticket_when(database_url, clue_id, lambda t: t.kind == "violation_clue")


async def decline_clue(client: Client, clue: Ticket, regulator: Actor = PUDONG_REGULATOR) -> None:
    """Close a clue a test raised on its way, so no run is left waiting on the shared test server."""
    handle = client.get_workflow_handle_for(ViolationClueWorkflow.run, clue.workflow_id, run_id=clue.run_id)
    await handle.execute_update(
        ViolationClueWorkflow.decline_case, ReasonInput(actor=regulator, reason="测试结束，不予立案")
    )
    assert await handle.result() == "not_opened"
