"""The facts credit grading reads from the read model, and the grades it stores (one row per unit and month)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from domain.credit import FORMULA_VERSION, CreditScore
from domain.credit_model import Period, StepFact, TicketFacts, UnitIndicators
from domain.kind_registry import CREDITS
from domain.kinds import TicketKind
from store.database import Database
from store.models import CreditGrade, Elevator, Organisation, Ticket, TicketEvent
from store.upsert import insert_of

# Ticket ids per IN list: well inside every backend's limit on bound parameters.
_CHUNK = 500


class CreditStore:
    def __init__(self, database: Database) -> None:
        self._database = database

    async def month_facts(self, period: Period) -> list[TicketFacts]:
        """The tickets of graded kinds opened in the month, each with its steps before the month ended."""

        def work(session: Session) -> list[TicketFacts]:
            tickets = session.execute(
                select(
                    Ticket.ticket_id,
                    Ticket.kind,
                    Ticket.elevator_code,
                    Ticket.opened_at,
                    Ticket.maintenance_unit_id,
                    Ticket.use_unit_id,
                    Ticket.assigned_unit_id,
                    Ticket.details,
                )
                .where(
                    Ticket.opened_at >= period.start,
                    Ticket.opened_at < period.end,
                    Ticket.kind.in_([kind.value for kind in CREDITS]),
                )
                .order_by(Ticket.opened_at, Ticket.ticket_id)
            ).all()
            steps: dict[str, list[StepFact]] = defaultdict(list)
            ids = [row.ticket_id for row in tickets]
            for start in range(0, len(ids), _CHUNK):
                for event in session.execute(
                    select(
                        TicketEvent.ticket_id,
                        TicketEvent.action,
                        TicketEvent.at,
                        TicketEvent.actor_organisation_id,
                        TicketEvent.data,
                    )
                    .where(
                        TicketEvent.ticket_id.in_(ids[start : start + _CHUNK]), TicketEvent.at < period.end
                    )
                    .order_by(TicketEvent.ticket_id, TicketEvent.seq)
                ):
                    steps[event.ticket_id].append(
                        StepFact(event.action, event.at, event.actor_organisation_id, dict(event.data or {}))
                    )
            return [
                TicketFacts(
                    ticket_id=row.ticket_id,
                    kind=TicketKind(row.kind),
                    elevator_code=row.elevator_code,
                    opened_at=row.opened_at,
                    maintenance_unit_id=row.maintenance_unit_id,
                    use_unit_id=row.use_unit_id,
                    assigned_unit_id=row.assigned_unit_id,
                    details=dict(row.details or {}),
                    steps=tuple(steps.get(row.ticket_id, ())),
                )
                for row in tickets
            ]

        return await self._database.read(work)

    async def elevators_maintained(self) -> dict[str, int]:
        def work(session: Session) -> dict[str, int]:
            rows = session.execute(
                select(Elevator.maintenance_unit_id, func.count()).group_by(Elevator.maintenance_unit_id)
            ).all()
            return {str(unit): int(count) for unit, count in rows}

        return await self._database.read(work)

    async def store(
        self, graded: Sequence[tuple[UnitIndicators, CreditScore]], labels: dict[str, str], now: datetime
    ) -> None:
        """Upsert the month's grades: computing it again rewrites the same values and keeps `computed_at`."""
        rows = [_row(indicators, score, labels, now) for indicators, score in graded]
        if not rows:
            return
        table = CreditGrade.__table__
        statement = insert_of(self._database.dialect, table)
        kept = {"unit_id", "role", "month", "formula_version", "computed_at"}
        statement = statement.on_conflict_do_update(
            index_elements=["unit_id", "role", "month", "formula_version"],
            set_={
                column.name: statement.excluded[column.name]
                for column in table.columns
                if column.name not in kept
            },
        )
        await self._database.write(lambda session: session.execute(statement, rows))

    async def organisation_names(self) -> dict[str, str]:
        return await self._database.read(
            lambda session: {
                row.id: row.name for row in session.execute(select(Organisation.id, Organisation.name))
            }
        )

    async def grades(self, month: str, unit_id: str | None = None) -> list[CreditGrade]:
        return (await self.grades_by_month([month], unit_id))[month]

    async def grades_by_month(
        self, months: Sequence[str], unit_id: str | None = None
    ) -> dict[str, list[CreditGrade]]:
        """Each month's grades (of one unit, or of all), in one query; a month with none maps to []."""

        def work(session: Session) -> dict[str, list[CreditGrade]]:
            query = select(CreditGrade).where(
                CreditGrade.month.in_(list(months)), CreditGrade.formula_version == FORMULA_VERSION
            )
            if unit_id is not None:
                query = query.where(CreditGrade.unit_id == unit_id)
            found: dict[str, list[CreditGrade]] = {month: [] for month in months}
            for grade in session.scalars(query.order_by(CreditGrade.role, CreditGrade.unit_id)):
                found[grade.month].append(grade)
            return found

        return await self._database.read(work)


def _row(
    indicators: UnitIndicators, score: CreditScore, labels: dict[str, str], now: datetime
) -> dict[str, Any]:
    return {
        "unit_id": indicators.unit_id,
        "role": indicators.role.value,
        "month": indicators.month,
        "formula_version": FORMULA_VERSION,
        "grade": score.grade,
        "points": score.points,
        "sample": score.sample,
        "vetoed": score.vetoed,
        "explanation": [{**asdict(line), "tickets": list(line.tickets)} for line in score.lines],
        "figures": {
            name: {"label": labels.get(name, name), "value": figure.value, "tickets": list(figure.tickets)}
            for name, figure in sorted(indicators.figures.items())
        },
        "computed_at": now,
    }
