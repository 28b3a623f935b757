"""Taking in a batch of alarms from a remote-monitoring platform: each alarm's effect, once, answered alone.

An alarm the platform sent before (its id) is answered with what it did then. A new one is read with the
platform's mapping: it opens or joins a ticket of the kind its code opens (through that kind's
`open_from_alarm` in `api/<kind>_service.py`), sets the car's service mode, or is kept as an unknown
code. The alarms of one car are taken in order, so that a second alarm finds the ticket the first opened;
cars are taken side by side.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from api.alarm_schemas import ALARM_ID_PATTERN, AlarmAnswer, AlarmIn
from api.deps import AppResources
from domain.alarms import (
    DEFAULT_MAPPING,
    MAPPINGS,
    AlarmMapping,
    MachineAlarm,
    Opening,
    Outcome,
    RunningState,
    effect_of,
)
from domain.kinds import TicketKind
from domain.roles import Actor
from elevator_orders.kind_lookup import kind_declarations
from store.alarms import AlarmLog, AlarmRecord
from store.monitoring_devices import MonitoringDevices

log = logging.getLogger(__name__)

AlarmOpener = Callable[[AppResources, MachineAlarm, Actor], Awaitable[Opening]]
# Cars taken at once: each is a few Updates; a batch of 500 alarms on 500 cars must not open 500 at once.
_CARS_AT_ONCE = 16
UNAVAILABLE = "暂时无法处理，请稍后重发同一报警"
UNKNOWN_ELEVATOR = "未登记的电梯"
UNKNOWN_CODE = "映射表中没有此事件代码，已记录"


# The kinds that open tickets from alarms, each by its service's `open_from_alarm`.
OPENERS: dict[TicketKind, AlarmOpener] = kind_declarations("api.{kind}_service", "open_from_alarm")
# What the kinds that watch monitoring devices start once devices are heard from.
WATCHERS: list[Callable[[AppResources], Awaitable[None]]] = list(
    kind_declarations("api.{kind}_service", "watch_devices").values()
)
_OPENED = {code.opens for mapping in MAPPINGS.values() for code in mapping.codes.values() if code.opens}
if missing := _OPENED - set(OPENERS):
    raise ImportError(f"alarm codes open kinds no service opens from an alarm: {sorted(missing)}")


def mapping_for(resources: AppResources, platform_id: str) -> AlarmMapping:
    return MAPPINGS[resources.settings.alarm_mappings.get(platform_id, DEFAULT_MAPPING)]


@dataclass
class _Item:
    index: int
    alarm: AlarmIn


async def receive_alarms(resources: AppResources, platform: Actor, items: Sequence[Any]) -> list[AlarmAnswer]:
    """Each item's answer, in the batch's order."""
    answers: dict[int, AlarmAnswer] = {}
    first_of: dict[str, int] = {}
    repeats: dict[int, int] = {}
    by_car: dict[str, list[_Item]] = {}
    for index, raw in enumerate(items):
        try:
            alarm = raw if isinstance(raw, AlarmIn) else AlarmIn.model_validate(raw)
        except ValidationError as error:
            answers[index] = _refused(index, raw, error)
            continue
        if alarm.alarm_id in first_of:
            # The same alarm twice in one batch: one effect, the later copy answered as a repeat.
            repeats[index] = first_of[alarm.alarm_id]
            continue
        first_of[alarm.alarm_id] = index
        by_car.setdefault(alarm.elevator_code, []).append(_Item(index, alarm))

    registered = await resources.registry.registered(by_car)
    intake = _Intake(resources, platform, mapping_for(resources, platform.organisation_id), registered)
    limit = asyncio.Semaphore(_CARS_AT_ONCE)

    async def take_car(car_items: list[_Item]) -> None:
        async with limit, resources.car_turns.turn(car_items[0].alarm.elevator_code):
            # Read in the car's turn: a batch in flight beside this one may have just taken the same alarm.
            ids = [item.alarm.alarm_id for item in car_items]
            known = await intake.log.recorded(platform.organisation_id, ids)
            for item in car_items:
                before = known.get(item.alarm.alarm_id)
                answers[item.index] = (
                    _answer(item.index, before, duplicate=True) if before else await intake.take(item)
                )

    await asyncio.gather(*(take_car(car_items) for car_items in by_car.values()))
    for index, first in repeats.items():
        answers[index] = answers[first].model_copy(update={"index": index, "duplicate": True})
    # An alarm is a sign of life of the device that sent it, as a heartbeat is.
    heard = [
        (item.alarm.elevator_code, item.alarm.occurred_at)
        for code, car_items in by_car.items()
        if code in registered
        for item in car_items
    ]
    await devices_heard(resources, platform, heard)
    return [answers[index] for index in range(len(items))]


async def receive_heartbeats(
    resources: AppResources, platform: Actor, beats: Sequence[tuple[str, datetime]]
) -> list[str]:
    """Keep when each registered car's device was heard; returns the cars not registered here."""
    registered = await resources.registry.registered({code for code, _ in beats})
    await devices_heard(resources, platform, [(code, at) for code, at in beats if code in registered])
    return sorted({code for code, _ in beats} - registered)


async def devices_heard(
    resources: AppResources, platform: Actor, heard: Sequence[tuple[str, datetime]]
) -> None:
    if not heard:
        return
    await MonitoringDevices(resources.database).heard(platform.organisation_id, heard)
    for watch in WATCHERS:
        await watch(resources)


class _Intake:
    def __init__(
        self, resources: AppResources, platform: Actor, mapping: AlarmMapping, registered: set[str]
    ) -> None:
        self.resources = resources
        self.platform = platform
        self.mapping = mapping
        # The batch's cars that are in the registry, read once for the batch.
        self.registered = registered
        self.log = AlarmLog(resources.database)

    async def take(self, item: _Item) -> AlarmAnswer:
        alarm = item.alarm
        if alarm.elevator_code not in self.registered:
            # Not kept: once the car is registered, the platform's retry is taken.
            return AlarmAnswer(
                index=item.index, alarm_id=alarm.alarm_id, outcome=Outcome.REJECTED, reason=UNKNOWN_ELEVATOR
            )
        code = self.mapping.codes.get(alarm.event_code)
        if code is None:
            return await self._keep(item, Outcome.UNKNOWN_CODE, note=UNKNOWN_CODE)
        state = alarm.running_state
        effect = effect_of(
            code,
            RunningState(people_inside=state.people_inside, mode=state.mode) if state else RunningState(),
        )
        if effect.opens is not None:
            machine_alarm = MachineAlarm(
                platform_id=self.platform.organisation_id,
                alarm_id=alarm.alarm_id,
                elevator_code=alarm.elevator_code,
                code=code,
                occurred_at=alarm.occurred_at,
                state=RunningState(people_inside=state.people_inside if state else None),
            )
            try:
                opening = await OPENERS[effect.opens](self.resources, machine_alarm, self.platform)
            except Exception:
                # Temporal away, or the workflow refused: not kept, so the platform's retry is taken.
                log.exception("alarm %s of %s not taken", alarm.alarm_id, self.platform.organisation_id)
                return AlarmAnswer(
                    index=item.index, alarm_id=alarm.alarm_id, outcome=Outcome.REJECTED, reason=UNAVAILABLE
                )
            outcome = Outcome.JOINED if opening.joined else Outcome.CREATED
            return await self._keep(item, outcome, ticket_id=opening.ticket_id)
        if effect.mode is not None:
            await self.log.set_service_mode(alarm.elevator_code, effect.mode.value, alarm.occurred_at)
            return await self._keep(item, Outcome.STATUS, note=effect.note or effect.mode.label_zh)
        return await self._keep(item, Outcome.NOTED, note=effect.note)

    async def _keep(
        self, item: _Item, outcome: Outcome, *, ticket_id: str | None = None, note: str = ""
    ) -> AlarmAnswer:
        alarm = item.alarm
        stored, kept = await self.log.record(
            AlarmRecord(
                platform_id=self.platform.organisation_id,
                alarm_id=alarm.alarm_id,
                elevator_code=alarm.elevator_code,
                event_code=alarm.event_code,
                occurred_at=alarm.occurred_at,
                received_at=self.resources.clock(),
                outcome=outcome.value,
                ticket_id=ticket_id,
                note=note,
            )
        )
        # Another API replica kept the same alarm first: its effect is the one.
        return _answer(item.index, stored, duplicate=not kept)


def _answer(index: int, record: AlarmRecord, *, duplicate: bool) -> AlarmAnswer:
    return AlarmAnswer(
        index=index,
        alarm_id=record.alarm_id,
        outcome=Outcome(record.outcome),
        ticket_id=record.ticket_id,
        duplicate=duplicate,
        reason=record.note,
    )


def _refused(index: int, raw: Any, error: ValidationError) -> AlarmAnswer:
    first = error.errors()[0]
    field = ".".join(str(part) for part in first.get("loc", ())) or "item"
    alarm_id = raw.get("alarm_id") if isinstance(raw, dict) else None
    return AlarmAnswer(
        index=index,
        # Echoed only when it could be an id: the answer never carries what a sender stuffed in a field.
        alarm_id=alarm_id if isinstance(alarm_id, str) and re.fullmatch(ALARM_ID_PATTERN, alarm_id) else None,
        outcome=Outcome.REJECTED,
        reason=f"{field}: {first.get('msg', 'invalid')}",
    )
