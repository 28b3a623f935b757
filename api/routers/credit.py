"""Credit grades (信用评价): the formula, and each unit's monthly grade with the tickets behind it.

Regulators see every unit's grade; a unit sees its own; the platform operator sees none (it runs the
platform, it does not judge the units on it).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, status

from api.credit_schemas import FormulaOut, GradeDetailOut, GradedOut, GradeOut, Month, RuleOut
from api.credit_service import grade_month_now
from api.deps import CurrentPrincipal, Resources
from api.schemas import ErrorOut
from domain.credit import FORMULA, FORMULA_VERSION, GRADE_BANDS, MIN_SAMPLE
from domain.permissions import Principal, is_regulator, reads_metadata_only
from store.credit_grades import CreditStore

router = APIRouter(prefix="/credit", tags=["credit"])

_ERRORS: dict[int | str, dict[str, Any]] = {403: {"model": ErrorOut}, 404: {"model": ErrorOut}}


def _refuse_operator(principal: Principal) -> None:
    if reads_metadata_only(principal):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, detail="the platform operator does not see units' grades"
        )


@router.get("/formula", response_model=FormulaOut)
async def formula(principal: CurrentPrincipal) -> FormulaOut:
    """How grades are computed: every rule's points and where they come from."""
    return FormulaOut(
        version=FORMULA_VERSION,
        bands=dict(GRADE_BANDS),
        min_sample=MIN_SAMPLE,
        rules=[
            RuleOut(
                indicator=rule.indicator,
                label=rule.label_zh,
                role=rule.role.value,
                points=rule.points,
                veto=rule.veto,
                source=rule.source,
            )
            for rule in FORMULA
        ],
    )


@router.get("/grades", response_model=list[GradeOut], responses=_ERRORS)
async def grades(month: Month, principal: CurrentPrincipal, resources: Resources) -> list[GradeOut]:
    """The month's grades: every unit's for a regulator, the user's own unit's otherwise."""
    _refuse_operator(principal)
    own = None if is_regulator(principal) else principal.organisation_id
    found = await CreditStore(resources.database).grades(month, own)
    return [GradeOut.model_validate(grade) for grade in found]


@router.get("/grades/{unit_id}", response_model=list[GradeDetailOut], responses=_ERRORS)
async def unit_grade(
    unit_id: str, month: Month, principal: CurrentPrincipal, resources: Resources
) -> list[GradeDetailOut]:
    """The unit's grade in each role it was graded in, each rule's points and the tickets behind them."""
    _refuse_operator(principal)
    if not is_regulator(principal) and unit_id != principal.organisation_id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no grade of {unit_id!r} that you may see")
    found = await CreditStore(resources.database).grades(month, unit_id)
    if not found:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no grade of {unit_id!r} for {month}")
    return [GradeDetailOut.model_validate(grade) for grade in found]


@router.post("/grades/compute", response_model=GradedOut, responses=_ERRORS)
async def compute_grades(month: Month, principal: CurrentPrincipal, resources: Resources) -> GradedOut:
    """Grade every unit for the month now (a month under way: the steps so far); regulators only."""
    if not is_regulator(principal):
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="grades are computed by regulators")
    result = await grade_month_now(resources, month)
    return GradedOut(month=result.month, formula_version=result.formula_version, grades=result.grades)
