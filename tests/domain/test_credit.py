"""Indicators, points and grades from a month of tickets whose figures are known (domain only)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.credit import FORMULA, INSUFFICIENT_SAMPLE, grade_of, score
from domain.credit_model import Period, StepFact, TicketFacts, UnitIndicators, UnitRole
from domain.indicators import unit_indicators
from domain.kinds import TicketKind

PERIOD = Period.of("2026-11")
T0 = datetime(2026, 11, 10, 2, 0, tzinfo=UTC)


def _ticket(
    ticket_id: str,
    kind: TicketKind,
    *steps: tuple[str, float, str | None, dict[str, object]],
    elevator: str = "E1",
    details: dict[str, object] | None = None,
) -> TicketFacts:
    """`steps`: (action, minutes after T0, acting organisation, data)."""
    return TicketFacts(
        ticket_id=ticket_id,
        kind=kind,
        elevator_code=elevator,
        opened_at=T0,
        maintenance_unit_id="mu-a",
        use_unit_id="uu-a",
        assigned_unit_id="mu-a",
        details={"alarm_at": T0.isoformat(), **(details or {})},
        steps=tuple(
            StepFact(action, T0 + timedelta(minutes=minutes), organisation, data)
            for action, minutes, organisation, data in steps
        ),
    )


def _rescue(ticket_id: str, accept: float, by: str, arrive: float, *more: str) -> TicketFacts:
    return _ticket(
        ticket_id,
        TicketKind.RESCUE,
        ("accept", accept, by, {}),
        ("arrive", arrive, by, {}),
        *((action, arrive, None, {}) for action in more),
    )


def _repair(ticket_id: str, elevator: str, fault: str) -> TicketFacts:
    # The repairer's diagnosis (the ticket's details now) differs from the fault filed.
    filed: tuple[str, float, str | None, dict[str, object]] = ("report", 0, None, {"fault_type": fault})
    return _ticket(
        ticket_id, TicketKind.FAULT_REPAIR, filed, elevator=elevator, details={"fault_type": "other"}
    )


MONTH = [
    _rescue("R1", 2, "mu-a", 20),
    _rescue("R2", 4, "mu-a", 25),
    # Nobody at mu-a answered: the station took it and came late.
    _ticket(
        "R3",
        TicketKind.RESCUE,
        ("redispatch", 5, None, {}),
        ("accept", 7, "rs-x", {}),
        ("arrival_overdue", 30, None, {}),
        ("arrive", 35, "rs-x", {}),
    ),
    _rescue("R4", 1, "mu-a", 10),
    _repair("F1", "E1", "door_lock_circuit"),
    _repair("F2", "E1", "door_lock_circuit"),
    _repair("F3", "E1", "door_lock_circuit"),
    _repair("F4", "E2", "door_open_fault"),
    _ticket("maintenance-missed-E1-2026-11-16", TicketKind.MAINTENANCE_RECORD, ("escalated", 0, None, {})),
    _ticket("MR1", TicketKind.MAINTENANCE_RECORD, ("submit", 0, "mu-a", {}), ("dispute", 60, "uu-a", {})),
    _ticket(
        "H1",
        TicketKind.HAZARD,
        ("escalated", 9000, None, {"step": "hazard.rectify_general"}),
        details={"reporter_unit_id": "insp-a", "reporter_role": "inspector"},
    ),
    _ticket(
        "H2",
        TicketKind.HAZARD,
        ("escalated", 9000, None, {"step": "hazard.verify"}),
        details={"reporter_unit_id": "insp-a", "reporter_role": "inspector"},
    ),
    _ticket(
        "DR1",
        TicketKind.DIRECTIVE,
        ("rectify_overdue", 9000, None, {}),
        ("verify_pass", 9500, None, {}),
        details={"addressee_unit_id": "uu-a"},
    ),
    _ticket(
        "DR2", TicketKind.DIRECTIVE, ("verify_pass", 500, None, {}), details={"addressee_unit_id": "uu-a"}
    ),
    _ticket(
        "C1", TicketKind.COMPLAINT, ("refer_violation", 100, None, {}), details={"suspect_unit_id": "uu-a"}
    ),
    # Not referred: no finding against anyone.
    _ticket("C2", TicketKind.COMPLAINT, ("record_result", 100, None, {})),
]


def _graded() -> dict[tuple[str, UnitRole], UnitIndicators]:
    return {(unit.unit_id, unit.role): unit for unit in unit_indicators(MONTH, PERIOD, {"mu-a": 2})}


def _value(unit: UnitIndicators, name: str) -> float | None:
    return unit.figures[name].value


def test_a_maintenance_units_figures_points_and_grade() -> None:
    unit = _graded()[("mu-a", UnitRole.MAINTENANCE_UNIT)]

    assert _value(unit, "rescues") == 4
    assert unit.figures["rescues_accepted_within_3_min"].tickets == ("R1", "R4")
    assert _value(unit, "rescue_accept_within_3_min_rate") == 0.5
    assert _value(unit, "rescue_arrive_within_30_min_share") == 0.75
    assert (_value(unit, "rescue_arrival_median_minutes"), _value(unit, "rescue_arrival_p90_minutes")) == (
        20,
        35,
    )
    assert unit.figures["rescue_late_arrivals"].tickets == ("R3",)
    assert unit.figures["rescue_dispatches_unanswered"].tickets == ("R3",)
    assert _value(unit, "fault_repairs_per_elevator") == 2.0
    # Three repairs of one car and the fault filed (not the diagnosis): one repeat fault.
    assert unit.occurrences["fault_repair_repeats"] == [("F1", "F2", "F3")]
    assert unit.figures["maintenance_intervals_missed"].tickets == ("maintenance-missed-E1-2026-11-16",)
    assert unit.figures["maintenance_records_disputed"].tickets == ("MR1",)

    result = score(unit.role, unit.occurrences, len(unit.sample))
    points = {line.indicator: line.points for line in result.lines}
    assert points == {
        "rescue_late_arrivals": 10,
        "rescue_dispatches_unanswered": 5,
        "rescue_accidents": 0,
        "fault_repair_repeats": 10,
        "maintenance_intervals_missed": 5,
        "maintenance_records_disputed": 0,
        "directives_rectified_late": 0,
        "complaints_substantiated": 0,
    }
    assert (result.points, result.grade, result.sample) == (30, "C", 10)
    repeat = next(line for line in result.lines if line.indicator == "fault_repair_repeats")
    assert (repeat.tickets, repeat.source.startswith("福建省2016年")) == (("F1", "F2", "F3"), True)


def test_a_use_unit_answers_for_its_hazards_directives_and_complaints_found_to_have_grounds() -> None:
    unit = _graded()[("uu-a", UnitRole.USE_UNIT)]

    assert unit.figures["hazards_unrectified_by_date"].tickets == ("H1",)
    assert unit.figures["directives_received"].tickets == ("DR1", "DR2")
    assert unit.figures["directives_closed_on_time"].tickets == ("DR2",)
    assert unit.figures["directives_rectified_late"].tickets == ("DR1",)
    assert unit.figures["complaints_substantiated"].tickets == ("C1",)
    result = score(unit.role, unit.occurrences, len(unit.sample))
    assert (result.points, result.grade, result.sample) == (17, "B", 5)


def test_an_agency_with_too_few_tickets_gets_no_grade() -> None:
    unit = _graded()[("insp-a", UnitRole.INSPECTION_AGENCY)]

    assert unit.figures["hazards_filed_by_agency"].tickets == ("H1", "H2")
    assert unit.figures["hazard_verifications_late"].tickets == ("H2",)
    result = score(unit.role, unit.occurrences, len(unit.sample))
    assert (result.points, result.grade) == (2, INSUFFICIENT_SAMPLE)


def test_an_accident_gives_grade_d_whatever_the_points() -> None:
    month = [*MONTH, _rescue("R5", 1, "mu-a", 10, "accident")]
    unit = next(u for u in unit_indicators(month, PERIOD, {}) if u.unit_id == "mu-a")
    result = score(unit.role, unit.occurrences, len(unit.sample))
    assert (result.vetoed, result.grade) == (True, "D")


@pytest.mark.parametrize(
    ("points", "grade"), [(0, "A"), (10, "A"), (11, "B"), (25, "B"), (26, "C"), (40, "C"), (41, "D")]
)
def test_the_bands_of_the_fujian_scheme(points: int, grade: str) -> None:
    assert grade_of(points, vetoed=False, sample=5) == grade


def test_every_rule_names_its_source_and_the_month_is_shanghai_time() -> None:
    assert all(rule.source for rule in FORMULA)
    assert Period.of("2026-11").start == datetime(2026, 10, 31, 16, 0, tzinfo=UTC)
    assert Period.of("2026-12").end == datetime(2026, 12, 31, 16, 0, tzinfo=UTC)
    # Early on 1 December in Shanghai (still 30 November in UTC): the month before is November.
    assert Period.before(datetime(2026, 11, 30, 18, 0, tzinfo=UTC)).month == "2026-11"
