"""Realistic template contexts for the entrapment-rescue notifications."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

# 2026-11-25 20:05 in Shanghai; given in UTC so the tests prove the conversion.
ALARM_AT = datetime(2026, 11, 25, 12, 5, tzinfo=UTC)
TICKET_ID = "rescue-31103101002013120045-alarm-A-0123"
# 工单编号: what mails print of the ticket.
TICKET_NUMBER = "KR-PD-20261125-0123"
ADDRESS = "张杨路500号华润时代广场2号楼"


def rescue_context(
    *, ticket: dict[str, Any] | None = None, elevator: dict[str, Any] | None = None, **event: Any
) -> dict[str, Any]:
    """A released, not yet confirmed rescue; `ticket`/`elevator` override fields, keywords become `event`."""
    return {
        "ticket": {
            "ticket_id": TICKET_ID,
            "number": TICKET_NUMBER,
            "kind_label": "困人救援",
            "state_label": "已解困待确认",
            "source_label": "远程监测报警",
            "alarm_at": ALARM_AT,
            "accept_by": ALARM_AT + timedelta(minutes=5),
            "arrive_by": ALARM_AT + timedelta(minutes=30),
            "confirm_by": ALARM_AT + timedelta(minutes=42, hours=24),
            "assigned_unit_name": "上海三菱电梯有限公司浦东维保站",
            "people_freed": 2,
            "handler_name": "王建国",
            "released_at": ALARM_AT + timedelta(minutes=42),
            "closed_at": None,
            "url": f"http://127.0.0.1:8000/tickets/{TICKET_ID}",
            **(ticket or {}),
        },
        "elevator": {
            "code": "31103101002013120045",
            "address": ADDRESS,
            "district": "浦东新区",
            "use_unit_name": "上海华润物业管理有限公司",
            "maintenance_unit_name": "上海三菱电梯有限公司浦东维保站",
            **(elevator or {}),
        },
        "recipient": {"name": "浦东新区市场监督管理局"},
        "event": event,
    }
