"""Credit grades of units (信用评价, 第四条): demerit points from the work orders, kept as data with sources.

The rules are the kinds' own (`domain/<kind>_credit.py`), gathered here in the registry's order. The
scheme starts from Fujian's 2016 demerit scheme for maintenance units as the issue that asked for it
states it (its own text not checked): A at most 10 points, B 11-25, C 26-40, D above 40; 10 points for
each late arrival at an entrapment (over 30 minutes, a city district), 10 for a car faulting 3 or more
times in a month with the same fault, 5 for a duty line that did not answer. Rows the platform adds are
marked as its defaults. An accident in the period is a veto: grade D whatever the points. A unit with
fewer tickets than MIN_SAMPLE in the period gets no grade (样本不足).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from domain.credit_model import CreditRule, UnitRole
from domain.kind_registry import CREDITS, KINDS

# Changes whenever a rule, a band or the sample size changes: a stored grade names the version it used.
FORMULA_VERSION = "fujian-2016-v1"
MIN_SAMPLE = 5
INSUFFICIENT_SAMPLE = "样本不足"
# Upper bounds of the bands, best first; above the last: D.
GRADE_BANDS: tuple[tuple[str, int], ...] = (("A", 10), ("B", 25), ("C", 40))

FORMULA: tuple[CreditRule, ...] = tuple(
    rule for spec in KINDS if spec.kind in CREDITS for rule in CREDITS[spec.kind].rules
)
FIGURE_LABELS: dict[str, str] = {
    **{rule.indicator: rule.label_zh for rule in FORMULA},
    **{name: label for credit in CREDITS.values() for name, label in credit.figure_labels.items()},
}


@dataclass(frozen=True)
class ScoreLine:
    """One rule as it applied: how often, the points it cost, and the tickets behind it."""

    indicator: str
    label_zh: str
    occurrences: int
    points: int
    veto: bool
    source: str
    tickets: tuple[str, ...]


@dataclass(frozen=True)
class CreditScore:
    grade: str
    points: int
    sample: int
    vetoed: bool
    lines: tuple[ScoreLine, ...]


def grade_of(points: int, *, vetoed: bool, sample: int) -> str:
    if sample < MIN_SAMPLE:
        return INSUFFICIENT_SAMPLE
    if vetoed:
        return "D"
    for grade, upper in GRADE_BANDS:
        if points <= upper:
            return grade
    return "D"


def score(role: UnitRole, occurrences: Mapping[str, Sequence[Sequence[str]]], sample: int) -> CreditScore:
    """The unit's points and grade from each indicator's occurrences, each the tickets it is made of.

    A late arrival is one ticket; a repeat fault is the three or more repairs of one car and fault.
    """
    lines = []
    for rule in FORMULA:
        if rule.role is not role:
            continue
        found = occurrences.get(rule.indicator, ())
        lines.append(
            ScoreLine(
                rule.indicator,
                rule.label_zh,
                len(found),
                rule.points * len(found),
                rule.veto and bool(found),
                rule.source,
                tuple(ticket for occurrence in found for ticket in occurrence),
            )
        )
    points = sum(line.points for line in lines)
    vetoed = any(line.veto for line in lines)
    return CreditScore(grade_of(points, vetoed=vetoed, sample=sample), points, sample, vetoed, tuple(lines))
