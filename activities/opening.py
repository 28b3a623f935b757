"""What a ticket needs from outside its workflow as it opens, fetched in one local activity."""

from __future__ import annotations

from temporalio import activity

from activities.contracts import (
    PREPARE_TICKET,
    ComputeDeadlinesInput,
    LookupElevatorInput,
    PreparedTicket,
    PrepareTicketInput,
)
from activities.deadlines import DeadlineActivities, terms
from activities.registry import RegistryActivities
from domain.policies import TimeUnit


class OpeningActivities:
    def __init__(self, registry: RegistryActivities, deadlines: DeadlineActivities) -> None:
        self._registry = registry
        self._deadlines = deadlines

    @activity.defn(name=PREPARE_TICKET)
    async def prepare_ticket(self, input: PrepareTicketInput) -> PreparedTicket:
        """The elevator's registration, the opening clocks, and the terms of later fixed-duration clocks.

        One call instead of a lookup and a computation, and none later for a clock of fixed duration:
        each local activity is a history event and a round trip through the workflow (see bench/).
        """
        registration = await self._registry.lookup_elevator(LookupElevatorInput(input.elevator_code))
        computed = await self._deadlines.compute_deadlines(ComputeDeadlinesInput(input.deadlines))
        later = [self._deadlines.policy(key, input.filed_at) for key in input.later]
        return PreparedTicket(
            registration=registration,
            deadlines=computed.deadlines,
            # A working-day clock depends on the calendar of the day it starts: computed when it starts.
            later=[terms(policy) for policy in later if policy.unit is not TimeUnit.WORKING_DAYS],
        )
