"""Grades every unit for a month from the read model and stores the grades (the credit Schedule's work)."""

from __future__ import annotations

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.contracts import GRADE_UNITS, GradeUnitsInput, GradeUnitsResult
from domain.credit import FIGURE_LABELS, FORMULA_VERSION, score
from domain.credit_model import Period
from domain.indicators import unit_indicators
from elevator_orders.clock import Clock, system_clock
from store.credit_grades import CreditStore


class CreditActivities:
    def __init__(self, store: CreditStore, now: Clock = system_clock) -> None:
        self._store = store
        self._now = now

    @activity.defn(name=GRADE_UNITS)
    async def grade_units(self, input: GradeUnitsInput) -> GradeUnitsResult:
        # Idempotent: the month's facts are the steps before its end, and the grades are upserted.
        try:
            period = Period.of(input.month)
        except ValueError as error:
            raise ApplicationError(
                f"no month {input.month!r}", type="InvalidInput", non_retryable=True
            ) from error
        facts = await self._store.month_facts(period)
        elevators = await self._store.elevators_maintained()
        graded = [
            (indicators, score(indicators.role, indicators.occurrences, len(indicators.sample)))
            for indicators in unit_indicators(facts, period, elevators)
        ]
        await self._store.store(graded, FIGURE_LABELS, self._now())
        return GradeUnitsResult(
            month=period.month,
            formula_version=FORMULA_VERSION,
            grades={
                f"{indicators.role.value}:{indicators.unit_id}": grade.grade for indicators, grade in graded
            },
        )
