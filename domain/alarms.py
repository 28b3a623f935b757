"""Alarms from remote-monitoring platforms (远程监测平台): what each event code does, kept as data.

A platform posts alarms with its own event codes. A mapping, one per platform or jurisdiction, says what
each code does: open (or join) a ticket of a kind, or only set the car's status. A code the mapping does
not know is kept and listed for its platform, never dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType

from domain.kinds import TicketKind

# The API-key scope a monitoring platform's key needs to post alarms.
ALARM_INTAKE_SCOPE = "alarms:intake"
# A batch is answered item by item in one response: bounded so that one request stays short.
MAX_BATCH = 500


class Severity(StrEnum):
    URGENT = "urgent"
    NORMAL = "normal"

    @property
    def label_zh(self) -> str:
        return {Severity.URGENT: "紧急", Severity.NORMAL: "一般"}[self]


class ServiceMode(StrEnum):
    """What the car is doing instead of carrying passengers; NORMAL ends any other."""

    NORMAL = "normal"
    INSPECTION = "inspection"
    MAINTENANCE = "maintenance"
    FIRE = "fire"
    EARTHQUAKE = "earthquake"
    OUT_OF_SERVICE = "out_of_service"
    POWER_OFF = "power_off"

    @property
    def label_zh(self) -> str:
        return _SERVICE_MODES_ZH[self]


_SERVICE_MODES_ZH = {
    ServiceMode.NORMAL: "正常运行",
    ServiceMode.INSPECTION: "检修",
    ServiceMode.MAINTENANCE: "维保",
    ServiceMode.FIRE: "消防",
    ServiceMode.EARTHQUAKE: "地震",
    ServiceMode.OUT_OF_SERVICE: "停止服务",
    ServiceMode.POWER_OFF: "停电",
}
# Modes in which someone works on the car: a fault it raises then is that work, not a breakdown.
WORKED_ON = frozenset({ServiceMode.INSPECTION, ServiceMode.MAINTENANCE})


@dataclass(frozen=True)
class EventCode:
    """What one of a platform's event codes means and does."""

    code: str
    name_zh: str
    # The kind of ticket the alarm opens, or joins when one of it is open on the car; None: status only.
    opens: TicketKind | None = None
    # For a fault repair: its 故障类型 (one of the fault repair's FAULT_TYPES_ZH) and how urgent it is.
    fault_type: str | None = None
    severity: Severity | None = None
    # The car's status it sets (a service mode; 停电 when nobody is inside).
    sets_mode: ServiceMode | None = None
    # Opens its ticket only when the running state says people are in the car; else it sets `sets_mode`.
    only_with_people_inside: bool = False


@dataclass(frozen=True)
class AlarmMapping:
    """A platform's (or a jurisdiction's) event codes, with where the table comes from."""

    name: str
    source: str
    codes: Mapping[str, EventCode] = field(default_factory=dict)


def _table(*codes: EventCode) -> Mapping[str, EventCode]:
    return MappingProxyType({code.code: code for code in codes})


def _fault(code: str, name_zh: str, fault_type: str, severity: Severity) -> EventCode:
    return EventCode(code, name_zh, TicketKind.FAULT_REPAIR, fault_type=fault_type, severity=severity)


def _trapped(code: str, name_zh: str) -> EventCode:
    return EventCode(code, name_zh, TicketKind.RESCUE, severity=Severity.URGENT)


def _mode(mode: ServiceMode) -> EventCode:
    # Service modes have no number common to the vendors' enums: platforms send the mode's name.
    return EventCode(mode.value, mode.label_zh, sets_mode=mode)


SHANGHAI_PLATFORMS = AlarmMapping(
    name="shanghai",
    source=(
        "event codes as used by platform integrations with Shanghai's smart-elevator platform "
        "(vendors' government-platform enums); GB/T 24476-2023 official table not checked"
    ),
    codes=_table(
        _fault("1", "冲顶", "overtravel_top", Severity.URGENT),
        _fault("2", "蹲底", "overtravel_bottom", Severity.URGENT),
        _fault("3", "超速", "overspeed", Severity.URGENT),
        _fault("4", "运行中开门", "door_open_running", Severity.URGENT),
        _fault("5", "开门走车", "ucmp", Severity.URGENT),
        _fault("6", "门区外停梯", "stop_outside_door_zone", Severity.NORMAL),
        _trapped("7", "平层关人"),
        _trapped("8", "非平层关人"),
        EventCode(
            "9",
            "停电",
            TicketKind.RESCUE,
            severity=Severity.URGENT,
            sets_mode=ServiceMode.POWER_OFF,
            only_with_people_inside=True,
        ),
        _fault("10", "安全回路断路", "safety_circuit", Severity.NORMAL),
        _fault("11", "开门故障", "door_open_fault", Severity.NORMAL),
        _fault("12", "关门故障", "door_close_fault", Severity.NORMAL),
        _fault("13", "门锁回路断路", "door_lock_circuit", Severity.NORMAL),
        _fault("16", "制动系统故障", "brake_fault", Severity.URGENT),
        _fault("19", "楼层信息丢失", "floor_position_lost", Severity.NORMAL),
        _trapped("21", "用户报警"),
        *(_mode(mode) for mode in ServiceMode if mode is not ServiceMode.POWER_OFF),
    ),
)
MAPPINGS: Mapping[str, AlarmMapping] = MappingProxyType({SHANGHAI_PLATFORMS.name: SHANGHAI_PLATFORMS})
DEFAULT_MAPPING = SHANGHAI_PLATFORMS.name


@dataclass(frozen=True)
class RunningState:
    """The car as the device saw it when it raised the alarm; every part optional."""

    people_inside: bool | None = None
    mode: ServiceMode | None = None


@dataclass(frozen=True)
class Effect:
    """What an alarm does: open or join a ticket of `opens`, or set the car's `mode`, or nothing known."""

    opens: TicketKind | None = None
    mode: ServiceMode | None = None
    # Why it does only what it does (a fault raised during maintenance work): told in the answer.
    note: str = ""


def effect_of(code: EventCode, state: RunningState) -> Effect:
    """What `code` does with the car in `state`."""
    if code.only_with_people_inside and not state.people_inside:
        return Effect(mode=code.sets_mode, note="轿厢内无人，仅记录状态")
    if code.opens is TicketKind.FAULT_REPAIR and state.mode in WORKED_ON:
        # A car in 检修/维保 raises alarms from the work done on it; nobody is trapped by it.
        return Effect(note=f"{state.mode.label_zh}模式下的故障报警，不开维修工单")
    if code.opens is not None:
        return Effect(opens=code.opens)
    return Effect(mode=code.sets_mode)


@dataclass(frozen=True)
class MachineAlarm:
    """One alarm as a kind that opens tickets from alarms reads it: no platform detail beyond these."""

    platform_id: str
    alarm_id: str
    elevator_code: str
    code: EventCode
    occurred_at: datetime
    state: RunningState

    @property
    def ref(self) -> str:
        """The alarm's reference, unique across platforms: a repeat of it names the same ticket."""
        return f"{self.platform_id}:{self.alarm_id}"

    @property
    def description_zh(self) -> str:
        severity = f"（{self.code.severity.label_zh}）" if self.code.severity else ""
        return f"远程监测报警：{self.code.name_zh}{severity}，事件代码 {self.code.code}"


class Outcome(StrEnum):
    """What an alarm did, as its answer says and the alarm log keeps."""

    CREATED = "created"
    JOINED = "joined"
    STATUS = "status"
    # Nothing to do (a fault raised during maintenance work): kept, with the reason.
    NOTED = "noted"
    UNKNOWN_CODE = "unknown_code"
    REJECTED = "rejected"


@dataclass(frozen=True)
class Opening:
    """The ticket an alarm opened, or the open one it joined."""

    ticket_id: str
    joined: bool
