"""Every ticket kind, once: the tables shared by all kinds are built by looping over this list."""

from __future__ import annotations

from domain import (
    complaint,
    complaint_credit,
    directive,
    directive_credit,
    fault_repair,
    fault_repair_credit,
    feedback,
    hazard,
    hazard_credit,
    maintenance_record,
    maintenance_record_credit,
    report,
    rescue,
    rescue_credit,
    violation_clue,
)
from domain.credit_model import KindCredit
from domain.kind_spec import KindSpec
from domain.kinds import TicketKind

# In the order `elevator-orders policies` lists their legal clocks.
KINDS: tuple[KindSpec, ...] = (
    rescue.SPEC,
    fault_repair.SPEC,
    hazard.SPEC,
    maintenance_record.SPEC,
    feedback.SPEC,
    complaint.SPEC,
    report.SPEC,
    violation_clue.SPEC,
    directive.SPEC,
)

SPECS: dict[TicketKind, KindSpec] = {spec.kind: spec for spec in KINDS}

# What each kind's tickets add to units' credit grades (信用评价); a kind not here adds nothing.
CREDITS: dict[TicketKind, KindCredit] = {
    TicketKind.RESCUE: rescue_credit.CREDIT,
    TicketKind.FAULT_REPAIR: fault_repair_credit.CREDIT,
    TicketKind.HAZARD: hazard_credit.CREDIT,
    TicketKind.MAINTENANCE_RECORD: maintenance_record_credit.CREDIT,
    TicketKind.COMPLAINT: complaint_credit.CREDIT,
    TicketKind.DIRECTIVE: directive_credit.CREDIT,
}

if set(SPECS) != set(TicketKind) or len(SPECS) != len(KINDS):
    raise ImportError("the kind registry must hold every TicketKind exactly once")

_NUMBER_CODES = [spec.number_code for spec in KINDS]
if len(set(_NUMBER_CODES)) != len(KINDS) or not all(
    len(code) == 2 and code.isascii() and code.isupper() for code in _NUMBER_CODES
):
    raise ImportError(
        f"every kind needs two capital letters of its own for its tickets' numbers: {_NUMBER_CODES}"
    )
