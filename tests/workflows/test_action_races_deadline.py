"""An action meeting its deadline: the accept and the 5-minute re-dispatch resolve one way, recorded once."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import timedelta

from temporalio.client import WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from elevator_orders.settings import Settings
from tests.support.rescue import (
    RESCUER,
    SAFETY_MANAGER,
    STATION_RESCUER,
    new_report,
    open_dispatched,
    ticket_when,
)
from worker.main import running_worker
from workflows.rescue import RescueWorkflow
from workflows.rescue_models import AcceptInput, ArriveInput, ConfirmInput, ReleaseInput

# Each round lands the accept at a slightly different moment around the limit.
ROUNDS = (timedelta(minutes=5) + timedelta(seconds=offset) for offset in (-1, -0.1, 0, 0.1, 1))


async def test_an_accept_racing_the_redispatch_is_taken_or_refused_never_both(
    time_skipping_server: WorkflowEnvironment, settings: Settings
) -> None:
    env = time_skipping_server
    url = settings.effective_database_url
    seen = Counter[str]()
    async with running_worker(env.client, settings):
        for crossing in ROUNDS:
            ticket_id, handle = await open_dispatched(env.client, settings, new_report(uuid.uuid4().hex))
            # The server's clock brought to the accept's moment: before, at or after the limit's instant.
            await env.sleep(crossing)
            try:
                await handle.execute_update(RescueWorkflow.accept, AcceptInput(actor=RESCUER))
                accepted_by = "mu-shenda"
            except WorkflowUpdateFailedError:
                # Too late: the station was sent, and its rescuer takes it.
                await handle.execute_update(RescueWorkflow.accept, AcceptInput(actor=STATION_RESCUER))
                accepted_by = "rs-pudong"
            rescuer = RESCUER if accepted_by == "mu-shenda" else STATION_RESCUER
            await handle.execute_update(RescueWorkflow.arrive, ArriveInput(actor=rescuer))
            await handle.execute_update(
                RescueWorkflow.release, ReleaseInput(actor=rescuer, people_freed=1, handler_name="李师傅")
            )
            await handle.execute_update(RescueWorkflow.confirm, ConfirmInput(actor=SAFETY_MANAGER))
            outcome = await handle.result()
            ticket, timeline = await ticket_when(url, ticket_id, lambda t: t.state == "closed")

            actions = [event.action for event in timeline]
            # One way or the other, each step once: never an accept and a re-dispatch both taking effect.
            assert actions.count("accept") == 1
            assert actions.count("redispatch") == (1 if accepted_by == "rs-pudong" else 0)
            [accept_event] = [event for event in timeline if event.action == "accept"]
            assert accept_event.actor_organisation_id == accepted_by
            assert outcome.state == ticket.state == "closed"
            assert ("accept_overdue" in outcome.flags) == (accepted_by == "rs-pudong")
            seen[accepted_by] += 1
    # A second before the limit the unit's own accept is taken; a second after, the station's.
    assert set(seen) == {"mu-shenda", "rs-pudong"}
    assert sum(seen.values()) == 5
