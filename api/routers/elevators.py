"""The elevator registry, as the API shows it."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import Resources
from api.schemas import ElevatorOut

router = APIRouter(prefix="/elevators", tags=["elevators"])


@router.get("", response_model=list[ElevatorOut])
async def list_elevators(resources: Resources) -> list[ElevatorOut]:
    return [ElevatorOut.model_validate(elevator) for elevator in await resources.registry.elevators()]
