"""Bodies of credit grades: the formula with its sources, and each unit's grade with what moved it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Query
from pydantic import BaseModel, ConfigDict

Month = Annotated[
    str,
    Query(
        pattern=r"^20\d{2}-(0[1-9]|1[0-2])$", description="A month in Shanghai time, e.g. 2026-11 (2000-2099)"
    ),
]


class RuleOut(BaseModel):
    indicator: str
    label: str
    role: str
    points: int
    veto: bool
    source: str


class FormulaOut(BaseModel):
    version: str
    # Upper bounds of the grades' points, best first; above the last: D.
    bands: dict[str, int]
    min_sample: int
    rules: list[RuleOut]


class ScoreLineOut(BaseModel):
    indicator: str
    label_zh: str
    occurrences: int
    points: int
    veto: bool
    source: str
    tickets: list[str]


class FigureOut(BaseModel):
    label: str
    value: float | None
    tickets: list[str]


class GradeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    unit_id: str
    role: str
    month: str
    formula_version: str
    grade: str
    points: int
    sample: int
    vetoed: bool
    computed_at: datetime


class GradeDetailOut(GradeOut):
    explanation: list[ScoreLineOut]
    figures: dict[str, FigureOut]


class GradedOut(BaseModel):
    month: str
    formula_version: str
    # "<role>:<unit>" -> its grade.
    grades: dict[str, str]
