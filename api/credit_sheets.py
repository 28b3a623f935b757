"""Sheets a regulator downloads: a month's tickets and units' grades, as CSV (UTF-8 with BOM) or XLSX."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from datetime import datetime

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from domain.catalog import state_label
from domain.credit import FIGURE_LABELS
from domain.credit_model import SHANGHAI, UnitRole, overdue_steps_zh
from domain.kinds import TicketKind
from store.models import CreditGrade
from store.month_tickets import MonthTicket

Cell = str | int | float | bool | datetime | None
Sheet = tuple[str, list[str], list[list[Cell]]]

TICKET_HEADERS = [
    "工单编号",
    "工单类型",
    "状态",
    "所在区",
    "智慧电梯码",
    "使用管理单位",
    "维保单位",
    "承办单位",
    "发起时间",
    "接单时间",
    "到场时间",
    "办结时间",
    "是否逾期",
    "逾期环节",
]
GRADE_HEADERS = ["单位编号", "单位名称", "评价角色", "月份", "信用等级", "扣分", "样本数", "一票否决"]
LINE_HEADERS = ["单位编号", "单位名称", "评价角色", "扣分项", "次数", "扣分", "依据", "相关工单"]


def _local(value: datetime | None) -> datetime | None:
    # Excel has no time zones: times are written as Shanghai wall-clock time, as people read them.
    return value.astimezone(SHANGHAI).replace(tzinfo=None) if value is not None else None


def ticket_sheet(tickets: Sequence[MonthTicket], names: Mapping[str, str]) -> Sheet:
    rows: list[list[Cell]] = [
        [
            ticket.number or ticket.ticket_id,
            TicketKind(ticket.kind).label_zh,
            state_label(TicketKind(ticket.kind), ticket.state),
            ticket.district,
            ticket.elevator_code,
            names.get(ticket.use_unit_id, ticket.use_unit_id),
            names.get(ticket.maintenance_unit_id, ticket.maintenance_unit_id),
            names.get(ticket.assigned_unit_id, ticket.assigned_unit_id),
            _local(ticket.opened_at),
            _local(ticket.accepted_at),
            _local(ticket.arrived_at),
            _local(ticket.closed_at),
            "是" if ticket.overdue_steps else "否",
            overdue_steps_zh(ticket.overdue_steps),
        ]
        for ticket in tickets
    ]
    return ("工单", TICKET_HEADERS, rows)


def grade_sheets(grades: Sequence[CreditGrade], names: Mapping[str, str]) -> list[Sheet]:
    """The grades with every figure as a column, and the rules that moved them, one row per rule."""
    figures = sorted({name for grade in grades for name in grade.figures})
    headers = GRADE_HEADERS + [FIGURE_LABELS.get(name, name) for name in figures]
    rows: list[list[Cell]] = []
    lines: list[list[Cell]] = []
    for grade in grades:
        name = names.get(grade.unit_id, grade.unit_id)
        role = UnitRole(grade.role).label_zh
        values: list[Cell] = [grade.figures.get(figure, {}).get("value") for figure in figures]
        rows.append(
            [
                grade.unit_id,
                name,
                role,
                grade.month,
                grade.grade,
                grade.points,
                grade.sample,
                "是" if grade.vetoed else "否",
                *values,
            ]
        )
        lines += [
            [
                grade.unit_id,
                name,
                role,
                line["label_zh"],
                line["occurrences"],
                line["points"],
                line["source"],
                " ".join(line["tickets"]),
            ]
            for line in grade.explanation
            if line["occurrences"]
        ]
    return [("信用评价", headers, rows), ("扣分明细", LINE_HEADERS, lines)]


def xlsx(sheets: Sequence[Sheet]) -> bytes:
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    for title, headers, rows in sheets:
        sheet = workbook.create_sheet(title)
        header_cells = []
        for header in headers:
            cell = WriteOnlyCell(sheet, value=header)
            cell.font = bold
            header_cells.append(cell)
        sheet.append(header_cells)
        for row in rows:
            sheet.append([_xlsx_cell(sheet, value) for value in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _xlsx_cell(sheet: object, value: Cell) -> object:
    if isinstance(value, datetime):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "yyyy-mm-dd hh:mm"
        return cell
    return value


def csv_bytes(sheet: Sheet) -> bytes:
    """One sheet as CSV, UTF-8 with a BOM so that Excel shows the Chinese."""
    _title, headers, rows = sheet
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    for row in rows:
        writer.writerow(
            [
                ""
                if value is None
                else value.strftime("%Y-%m-%d %H:%M")
                if isinstance(value, datetime)
                else value
                for value in row
            ]
        )
    return ("\ufeff" + out.getvalue()).encode()
