"""Ticket kinds, with the Chinese names users read."""

from __future__ import annotations

from enum import StrEnum


class TicketKind(StrEnum):
    RESCUE = "rescue"
    FAULT_REPAIR = "fault_repair"
    HAZARD = "hazard"
    MAINTENANCE_RECORD = "maintenance_record"
    COMPLAINT = "complaint"
    REPORT = "report"
    FEEDBACK = "feedback"
    VIOLATION_CLUE = "violation_clue"
    DIRECTIVE = "directive"

    @property
    def label_zh(self) -> str:
        return KIND_LABELS_ZH[self]


KIND_LABELS_ZH: dict[TicketKind, str] = {
    TicketKind.RESCUE: "困人救援",
    TicketKind.FAULT_REPAIR: "故障维修",
    TicketKind.HAZARD: "隐患上报",
    TicketKind.MAINTENANCE_RECORD: "维保记录确认",
    TicketKind.COMPLAINT: "投诉",
    TicketKind.REPORT: "举报",
    TicketKind.FEEDBACK: "乘客评价建议",
    TicketKind.VIOLATION_CLUE: "违法线索",
    TicketKind.DIRECTIVE: "安全监察指令书",
}
