"""An order to correct (安全监察指令书), drafted from an overdue ticket: what its kind declares, the problems."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from domain.calendar import CHINA_TIME
from domain.correction import GENERAL_DUTY, CorrectionDefaults
from domain.kind_registry import SPECS
from domain.kinds import TicketKind

# What a draft says where the regulator must write its own finding instead of quoting the ticket.
OWN_FINDING_PROMPT = "经现场检查发现：（请填写检查发现的问题，勿引用举报内容）"


def correction_of(kind: TicketKind) -> CorrectionDefaults:
    """Who answers for a ticket of `kind`, the duty breached and the basis, as the kind declares them."""
    return SPECS[kind].correction or GENERAL_DUTY


def _local(at: datetime) -> str:
    return at.astimezone(CHINA_TIME).strftime("%Y-%m-%d %H:%M")


def draft_problems(
    kind: TicketKind,
    ticket_id: str,
    state_label: str,
    flags: Sequence[str],
    due_at: datetime | None,
    details: Mapping[str, object],
) -> str:
    """存在的问题, written from the ticket: what it is, which step was missed, by when, what it is about."""
    correction = correction_of(kind)
    if correction.own_finding_only:
        return OWN_FINDING_PROMPT
    head = f"{kind.label_zh}工单（编号 {ticket_id}）"
    due = f"（当前环节期限 {_local(due_at)}）" if due_at else ""
    steps = correction.overdue_steps_zh
    missed = [steps[flag] for flag in flags if flag in steps]
    if missed:
        lines = [f"{head}：{'、'.join(f'“{step}”' for step in missed)}逾期未完成{due}。"]
    else:
        lines = [f"{head}：当前状态“{state_label}”，尚未办结{due}。"]
    described = correction.describe(details)
    if described:
        lines.append(described)
    return "\n".join(lines)
