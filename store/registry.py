"""The elevator registry: elevators, the organisations serving them, and their users."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.registry import ElevatorRegistration, OrganisationRef
from domain.roles import OrganisationKind
from store.database import Database
from store.models import Elevator, Organisation, User


class RegistryRepository:
    def __init__(self, database: Database) -> None:
        self._database = database

    async def elevator(self, code: str) -> Elevator | None:
        return await self._database.read(lambda session: session.get(Elevator, code))

    async def elevators(self) -> list[Elevator]:
        return await self._database.read(
            lambda session: list(session.scalars(select(Elevator).order_by(Elevator.code)))
        )

    async def elevators_in_building(self, building: str) -> list[Elevator]:
        return await self._database.read(
            lambda session: list(
                session.scalars(select(Elevator).where(Elevator.building == building).order_by(Elevator.code))
            )
        )

    async def user(self, user_id: str) -> User | None:
        return await self._database.read(lambda session: session.get(User, user_id))

    async def organisation(self, organisation_id: str) -> Organisation | None:
        return await self._database.read(lambda session: session.get(Organisation, organisation_id))

    async def registration(self, code: str) -> ElevatorRegistration | None:
        """The elevator with every organisation a ticket on it involves, or None if unregistered."""
        return await self._database.read(lambda session: _registration(session, code))


def _registration(session: Session, code: str) -> ElevatorRegistration | None:
    elevator = session.get(Elevator, code)
    if elevator is None:
        return None
    regulator = session.scalar(
        select(Organisation)
        .where(
            Organisation.kind == OrganisationKind.DISTRICT_REGULATOR.value,
            Organisation.district == elevator.district,
        )
        .order_by(Organisation.id)
        .limit(1)
    )
    city = session.scalar(
        select(Organisation)
        .where(Organisation.kind == OrganisationKind.CITY_REGULATOR.value)
        .order_by(Organisation.id)
        .limit(1)
    )
    units = {
        org.id: org
        for org in session.scalars(
            select(Organisation).where(
                Organisation.id.in_(
                    [elevator.use_unit_id, elevator.maintenance_unit_id, elevator.rescue_station_id]
                )
            )
        )
    }
    if regulator is None:
        raise LookupError(f"no district regulator registered for district {elevator.district!r}")
    return ElevatorRegistration(
        code=elevator.code,
        address=elevator.address,
        district=elevator.district,
        use_unit=_ref(units[elevator.use_unit_id]),
        maintenance_unit=_ref(units[elevator.maintenance_unit_id]),
        rescue_station=_ref(units[elevator.rescue_station_id]),
        district_regulator=_ref(regulator),
        city_regulator=_ref(city) if city else None,
    )


def _ref(organisation: Organisation) -> OrganisationRef:
    return OrganisationRef(id=organisation.id, name=organisation.name, email=organisation.email)
