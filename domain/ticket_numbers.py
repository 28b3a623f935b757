"""工单编号: the number people read, say on the telephone and type into a search box.

KR-PD-20261207-0003 is the third ticket of kind KR (困人) filed in Pudong (PD) on 7 December 2026, Shanghai time:
the kind's two letters, the district's, the day the ticket was filed and a serial that runs from 1 per
kind, district and day. The ticket id stays the key machines use; people never need to see it.
"""

from __future__ import annotations

from datetime import datetime

from domain.calendar import CHINA_TIME
from domain.districts import CITY_CODE, DISTRICT_CODES
from domain.kind_registry import SPECS
from domain.kinds import TicketKind


def number_prefix(kind: TicketKind, district: str, opened_at: datetime) -> str:
    """What a ticket's number starts with: its serial counts among the tickets of the same prefix."""
    day = opened_at.astimezone(CHINA_TIME).strftime("%Y%m%d")
    return f"{SPECS[kind].number_code}-{DISTRICT_CODES.get(district, CITY_CODE)}-{day}"


def ticket_number(prefix: str | None, serial: int | None) -> str | None:
    """The number of the ticket given this prefix and serial; None for one stored before numbers were given."""
    if prefix is None or serial is None:
        return None
    return f"{prefix}-{serial:04d}"
