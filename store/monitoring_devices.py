"""When each car's monitoring device was last heard from, and the ticket its silence opened."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from store.database import Database
from store.models import MonitoringDevice
from store.upsert import insert_for


@dataclass(frozen=True)
class Device:
    elevator_code: str
    platform_id: str
    last_seen_at: datetime
    offline_ticket_id: str | None
    offline_since: datetime | None


def _device(row: MonitoringDevice) -> Device:
    return Device(
        row.elevator_code, row.platform_id, row.last_seen_at, row.offline_ticket_id, row.offline_since
    )


class MonitoringDevices:
    def __init__(self, database: Database) -> None:
        self._database = database

    async def heard(self, platform_id: str, seen: Sequence[tuple[str, datetime]]) -> None:
        """Devices heard from (car, when): each keeps the latest time it was heard, whatever the order."""
        latest: dict[str, datetime] = {}
        for code, at in seen:
            latest[code] = max(at, latest.get(code, at))
        if not latest:
            return

        def write(session: Session) -> None:
            # One statement for the batch: up to 500 cars a request.
            statement = insert_for(session, MonitoringDevice).values(
                [
                    {"elevator_code": code, "platform_id": platform_id, "last_seen_at": at}
                    for code, at in sorted(latest.items())
                ]
            )
            excluded = statement.excluded
            session.execute(
                statement.on_conflict_do_update(
                    index_elements=["elevator_code"],
                    set_={"platform_id": excluded.platform_id, "last_seen_at": excluded.last_seen_at},
                    where=MonitoringDevice.last_seen_at < excluded.last_seen_at,
                )
            )

        await self._database.write(write)

    async def silent_since(self, before: datetime, limit: int) -> list[Device]:
        """Devices last heard before `before` whose silence has opened nothing yet, longest silent first."""
        rows = await self._database.read(
            lambda session: list(
                session.scalars(
                    select(MonitoringDevice)
                    .where(
                        MonitoringDevice.last_seen_at < before, MonitoringDevice.offline_ticket_id.is_(None)
                    )
                    .order_by(MonitoringDevice.last_seen_at)
                    .limit(limit)
                )
            )
        )
        return [_device(row) for row in rows]

    async def heard_again(self, limit: int) -> list[Device]:
        """Devices whose silence opened a ticket and that have been heard from since."""
        rows = await self._database.read(
            lambda session: list(
                session.scalars(
                    select(MonitoringDevice)
                    .where(
                        MonitoringDevice.offline_ticket_id.is_not(None),
                        MonitoringDevice.last_seen_at > MonitoringDevice.offline_since,
                    )
                    .limit(limit)
                )
            )
        )
        return [_device(row) for row in rows]

    async def mark_offline(self, elevator_code: str, ticket_id: str | None, since: datetime | None) -> None:
        """The ticket the device's silence opened (None: the silence is over)."""

        def write(session: Session) -> None:
            session.execute(
                update(MonitoringDevice)
                .where(MonitoringDevice.elevator_code == elevator_code)
                .values(offline_ticket_id=ticket_id, offline_since=since)
            )

        await self._database.write(write)
