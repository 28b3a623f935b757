"""The alarms monitoring platforms posted, what each did, and the service mode their devices last sent."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session

from store.database import Database
from store.models import Alarm, Elevator
from store.upsert import insert_for


@dataclass(frozen=True)
class AlarmRecord:
    platform_id: str
    alarm_id: str
    elevator_code: str
    event_code: str
    occurred_at: datetime
    received_at: datetime
    outcome: str
    ticket_id: str | None = None
    note: str = ""


@dataclass(frozen=True)
class UnknownCode:
    """An event code a platform sent that its mapping does not know: how often, and when last."""

    event_code: str
    alarms: int
    last_at: datetime


def _record(row: Alarm) -> AlarmRecord:
    return AlarmRecord(
        platform_id=row.platform_id,
        alarm_id=row.alarm_id,
        elevator_code=row.elevator_code,
        event_code=row.event_code,
        occurred_at=row.occurred_at,
        received_at=row.received_at,
        outcome=row.outcome,
        ticket_id=row.ticket_id,
        note=row.note,
    )


class AlarmLog:
    def __init__(self, database: Database) -> None:
        self._database = database

    async def recorded(self, platform_id: str, alarm_ids: Collection[str]) -> dict[str, AlarmRecord]:
        """The alarms of `alarm_ids` the platform posted before, by id."""
        if not alarm_ids:
            return {}
        rows = await self._database.read(
            lambda session: list(
                session.scalars(
                    select(Alarm).where(Alarm.platform_id == platform_id, Alarm.alarm_id.in_(alarm_ids))
                )
            )
        )
        return {row.alarm_id: _record(row) for row in rows}

    async def record(self, alarm: AlarmRecord) -> tuple[AlarmRecord, bool]:
        """Keep what `alarm` did, and whether this call kept it: when the same alarm was kept first
        elsewhere, that one stands."""

        def write(session: Session) -> tuple[AlarmRecord, bool]:
            values = {name: getattr(alarm, name) for name in AlarmRecord.__dataclass_fields__}
            result = session.execute(
                insert_for(session, Alarm)
                .values(values)
                .on_conflict_do_nothing(index_elements=["platform_id", "alarm_id"])
            )
            stored = session.get(Alarm, (alarm.platform_id, alarm.alarm_id))
            assert stored is not None
            # An INSERT answers with a cursor result: its row count says whether the row went in.
            return _record(stored), cast(CursorResult[Any], result).rowcount == 1

        return await self._database.write(write)

    async def unknown_codes(self, platform_id: str) -> list[UnknownCode]:
        """The codes the platform sent that its mapping does not know, most frequent first."""
        rows = await self._database.read(
            lambda session: session.execute(
                select(Alarm.event_code, func.count(), func.max(Alarm.received_at))
                .where(Alarm.platform_id == platform_id, Alarm.outcome == "unknown_code")
                .group_by(Alarm.event_code)
                .order_by(func.count().desc(), Alarm.event_code)
            ).all()
        )
        return [UnknownCode(event_code=code, alarms=count, last_at=last) for code, count, last in rows]

    async def set_service_mode(self, elevator_code: str, mode: str, at: datetime) -> None:
        """The car's service mode as of `at`; an alarm older than the one kept changes nothing."""

        def write(session: Session) -> None:
            session.execute(
                update(Elevator)
                .where(
                    Elevator.code == elevator_code,
                    (Elevator.service_mode_at.is_(None)) | (Elevator.service_mode_at <= at),
                )
                .values(service_mode=mode, service_mode_at=at)
            )

        await self._database.write(write)
