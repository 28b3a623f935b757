"""Registry lookups for workflows."""

from __future__ import annotations

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.contracts import LOOKUP_ELEVATOR, LookupElevatorInput
from domain.registry import ElevatorRegistration
from store.registry import RegistryRepository


class RegistryActivities:
    def __init__(self, registry: RegistryRepository) -> None:
        self._registry = registry

    @activity.defn(name=LOOKUP_ELEVATOR)
    async def lookup_elevator(self, input: LookupElevatorInput) -> ElevatorRegistration:
        registration = await self._registry.registration(input.elevator_code)
        if registration is None:
            # Retrying cannot register an elevator; the ticket must fail visibly instead.
            raise ApplicationError(
                f"elevator {input.elevator_code} is not registered",
                type="UnknownElevator",
                non_retryable=True,
            )
        return registration
