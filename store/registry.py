"""The elevator registry: elevators, the organisations serving them, and their users."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import bindparam, select
from sqlalchemy.orm import aliased

from domain.registry import ElevatorRegistration, OrganisationRef
from domain.roles import OrganisationKind
from store.database import Database
from store.models import Elevator, Organisation, User

_USE_UNIT = aliased(Organisation)
_MAINTENANCE_UNIT = aliased(Organisation)
_RESCUE_STATION = aliased(Organisation)
_DISTRICT_REGULATOR = aliased(Organisation)
_CITY_REGULATOR = aliased(Organisation)
_REGULATOR = aliased(Organisation)
# The registry names no regulator per elevator: the district's (and the city's) lowest id serves.
_DISTRICT_REGULATOR_ID = (
    select(_REGULATOR.id)
    .where(
        _REGULATOR.kind == OrganisationKind.DISTRICT_REGULATOR.value,
        _REGULATOR.district == Elevator.district,
    )
    .order_by(_REGULATOR.id)
    .limit(1)
    .correlate(Elevator)
    .scalar_subquery()
)
_CITY_REGULATOR_ID = (
    select(_REGULATOR.id)
    .where(_REGULATOR.kind == OrganisationKind.CITY_REGULATOR.value)
    .order_by(_REGULATOR.id)
    .limit(1)
    .scalar_subquery()
)
_ORGANISATIONS = (_USE_UNIT, _MAINTENANCE_UNIT, _RESCUE_STATION, _DISTRICT_REGULATOR, _CITY_REGULATOR)
# The elevator with every organisation a ticket on it involves, in one row: this runs as every ticket
# opens (a registry lookup in the workflow), where four ORM loads cost as much as the ticket's projection.
_DISTRICT = select(Elevator.district).where(Elevator.code == bindparam("code"))
_REGISTRATION = (
    select(
        Elevator.code,
        Elevator.address,
        Elevator.district,
        *(column for org in _ORGANISATIONS for column in (org.id, org.name, org.email)),
    )
    .join(_USE_UNIT, _USE_UNIT.id == Elevator.use_unit_id)
    .join(_MAINTENANCE_UNIT, _MAINTENANCE_UNIT.id == Elevator.maintenance_unit_id)
    .join(_RESCUE_STATION, _RESCUE_STATION.id == Elevator.rescue_station_id)
    .outerjoin(_DISTRICT_REGULATOR, _DISTRICT_REGULATOR.id == _DISTRICT_REGULATOR_ID)
    .outerjoin(_CITY_REGULATOR, _CITY_REGULATOR.id == _CITY_REGULATOR_ID)
    .where(Elevator.code == bindparam("code"))
)


class RegistryRepository:
    def __init__(self, database: Database) -> None:
        self._database = database

    async def is_registered(self, code: str) -> bool:
        """Whether an elevator of this code is in the registry: every ticket is on a registered one."""
        return await self.district_of(code) is not None

    async def district_of(self, code: str) -> str | None:
        """The district of the registered elevator of this code; None when there is none."""
        [rows] = await self._database.lookup(_DISTRICT, values={"code": code})
        return str(rows[0][0]) if rows else None

    async def registered(self, codes: Collection[str]) -> set[str]:
        """Which of `codes` are in the registry, in one query (a batch of alarms or heartbeats)."""
        if not codes:
            return set()
        return await self._database.read(
            lambda session: set(session.scalars(select(Elevator.code).where(Elevator.code.in_(set(codes)))))
        )

    async def elevator(self, code: str) -> Elevator | None:
        return await self._database.read(lambda session: session.get(Elevator, code))

    async def elevator_at(self, address: str) -> Elevator | None:
        """The elevator registered at exactly this address (Open311 filings locate cars by address)."""
        return await self._database.read(
            lambda session: session.scalars(select(Elevator).where(Elevator.address == address)).first()
        )

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
        [rows] = await self._database.lookup(_REGISTRATION, values={"code": code})
        if not rows:
            return None
        code, address, district, *columns = rows[0]
        use_unit, maintenance_unit, rescue_station, regulator, city = (
            OrganisationRef(id=columns[at], name=columns[at + 1], email=columns[at + 2])
            if columns[at] is not None
            else None
            for at in range(0, len(columns), 3)
        )
        if regulator is None:
            raise LookupError(f"no district regulator registered for district {district!r}")
        # The units are inner joins: a registered elevator has all three.
        assert use_unit is not None
        assert maintenance_unit is not None
        assert rescue_station is not None
        return ElevatorRegistration(
            code=code,
            address=address,
            district=district,
            use_unit=use_unit,
            maintenance_unit=maintenance_unit,
            rescue_station=rescue_station,
            district_regulator=regulator,
            city_regulator=city,
        )
