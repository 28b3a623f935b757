"""The elevator registry, as the API shows it."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import Resources
from api.schemas import ElevatorOut

# The registry holds what 第十条 makes public: codes, addresses and the units that serve each car.
router = APIRouter(prefix="/elevators", tags=["elevators", "public"])


@router.get("", response_model=list[ElevatorOut])
async def list_elevators(resources: Resources) -> list[ElevatorOut]:
    return [ElevatorOut.model_validate(elevator) for elevator in await resources.registry.elevators()]
