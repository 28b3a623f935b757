"""The policy table: every legal clock of every ticket kind, its source, and what a breach triggers.

Limits are defaults; settings override any row by its key (`kind.step`), so a rule change is a
configuration change, not a code change. A key may hold several rows, one per rule that set it (the
clocks of SAMR Order 20, then Order 121): a ticket's clock is counted by the row in force on
the day it was filed, and an override changes the row in force now.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date, datetime

from domain.calendar import CHINA_TIME
from domain.deadline_policy import Breach, DeadlinePolicy, TimeUnit
from domain.kind_registry import KINDS

__all__ = [
    "Breach",
    "DeadlinePolicy",
    "PolicyRules",
    "TimeUnit",
    "UnknownPolicyOverride",
    "policy_rules",
    "policy_table",
]


class UnknownPolicyOverride(ValueError):
    pass


class PolicyRules:
    """Each key's rows, newest rule first."""

    def __init__(self, rows: Mapping[str, tuple[DeadlinePolicy, ...]]) -> None:
        self._rows = rows

    @classmethod
    def of(cls, table: Mapping[str, DeadlinePolicy]) -> PolicyRules:
        """Rules with one row per key: a table built by hand (a test's, a deployment's own)."""
        return cls({key: (row,) for key, row in table.items()})

    def __contains__(self, key: object) -> bool:
        return key in self._rows

    def in_force(self, key: str, filed_at: datetime | None = None) -> DeadlinePolicy:
        """The row that counts the clock of a ticket filed at `filed_at` (in China's calendar); None: now.

        A key without a row is a KeyError.
        """
        rows = self._rows[key]
        if filed_at is None:
            return rows[0]
        filed_on = filed_at.astimezone(CHINA_TIME).date()
        return next((row for row in rows if _in_force_on(row, filed_on)), rows[-1])

    def every_row(self) -> list[DeadlinePolicy]:
        """Every row, key by key, newest rule first: the table as an operator reads it."""
        return [row for rows in self._rows.values() for row in rows]

    def current(self) -> dict[str, DeadlinePolicy]:
        """The row in force now of every key."""
        return {key: rows[0] for key, rows in self._rows.items()}


def _in_force_on(row: DeadlinePolicy, day: date) -> bool:
    return row.in_force_from is None or row.in_force_from <= day


def policy_rules(overrides: Mapping[str, float] | None = None) -> PolicyRules:
    """Every row of every kind with overrides applied to the rows in force now; an override for no row is an error."""
    # Each kind declares its own rows (its SPEC); the registry's order is the order they are listed in.
    by_key: dict[str, list[DeadlinePolicy]] = {}
    for spec in KINDS:
        for policy in spec.policies:
            by_key.setdefault(policy.key, []).append(policy)
    # Newest first; a row without a date is the oldest rule of its key.
    rows = {
        key: sorted(found, key=lambda r: r.in_force_from or date.min, reverse=True)
        for key, found in by_key.items()
    }
    for key, limit in (overrides or {}).items():
        if key not in rows:
            raise UnknownPolicyOverride(f"no policy row {key!r}; known rows: {', '.join(sorted(rows))}")
        if limit <= 0:
            raise UnknownPolicyOverride(f"policy {key!r} must have a positive limit, got {limit}")
        if rows[key][0].unit is TimeUnit.WORKING_DAYS and limit != int(limit):
            raise UnknownPolicyOverride(f"policy {key!r} counts whole working days, got {limit}")
        # A deployment states the limit it enforces now; clocks of tickets filed under an earlier rule keep
        # that rule's published limit.
        rows[key][0] = replace(rows[key][0], limit=limit)
    return PolicyRules({key: tuple(found) for key, found in rows.items()})


def policy_table(overrides: Mapping[str, float] | None = None) -> dict[str, DeadlinePolicy]:
    """The rows in force now, by key, with overrides applied."""
    return policy_rules(overrides).current()
