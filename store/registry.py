"""The elevator registry: elevators, the organisations serving them, and their users."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.registry import ElevatorRegistration, OrganisationRef
from domain.roles import OrganisationKind
from store.models import Elevator, Organisation, User


class RegistryRepository:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def elevator(self, code: str) -> Elevator | None:
        async with self._sessions() as session:
            return await session.get(Elevator, code)

    async def elevators(self) -> list[Elevator]:
        async with self._sessions() as session:
            return list(await session.scalars(select(Elevator).order_by(Elevator.code)))

    async def elevators_in_building(self, building: str) -> list[Elevator]:
        async with self._sessions() as session:
            return list(
                await session.scalars(
                    select(Elevator).where(Elevator.building == building).order_by(Elevator.code)
                )
            )

    async def user(self, user_id: str) -> User | None:
        async with self._sessions() as session:
            return await session.get(User, user_id)

    async def organisation(self, organisation_id: str) -> Organisation | None:
        async with self._sessions() as session:
            return await session.get(Organisation, organisation_id)

    async def registration(self, code: str) -> ElevatorRegistration | None:
        """The elevator with every organisation a ticket on it involves, or None if unregistered."""
        async with self._sessions() as session:
            elevator = await session.get(Elevator, code)
            if elevator is None:
                return None
            regulator = await session.scalar(
                select(Organisation)
                .where(
                    Organisation.kind == OrganisationKind.DISTRICT_REGULATOR.value,
                    Organisation.district == elevator.district,
                )
                .order_by(Organisation.id)
                .limit(1)
            )
            city = await session.scalar(
                select(Organisation)
                .where(Organisation.kind == OrganisationKind.CITY_REGULATOR.value)
                .order_by(Organisation.id)
                .limit(1)
            )
            units = {
                org.id: org
                for org in await session.scalars(
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
