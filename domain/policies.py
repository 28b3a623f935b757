"""The policy table: every legal clock of every ticket kind, its source, and what a breach triggers.

Limits are defaults; settings override any row by its key (`kind.step`), so a rule change is a
configuration change, not a code change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from domain.deadline_policy import Breach, DeadlinePolicy, TimeUnit
from domain.kind_registry import KINDS

__all__ = ["Breach", "DeadlinePolicy", "TimeUnit", "UnknownPolicyOverride", "policy_table"]


class UnknownPolicyOverride(ValueError):
    pass


def policy_table(overrides: Mapping[str, float] | None = None) -> dict[str, DeadlinePolicy]:
    """The default table with overrides applied, by key; an override for no row is an error."""
    # Each kind declares its own rows (its SPEC); the registry's order is the order they are listed in.
    rows = (policy for spec in KINDS for policy in spec.policies)
    table = {policy.key: policy for policy in rows}
    for key, limit in (overrides or {}).items():
        if key not in table:
            raise UnknownPolicyOverride(f"no policy row {key!r}; known rows: {', '.join(sorted(table))}")
        if limit <= 0:
            raise UnknownPolicyOverride(f"policy {key!r} must have a positive limit, got {limit}")
        if table[key].unit is TimeUnit.WORKING_DAYS and limit != int(limit):
            raise UnknownPolicyOverride(f"policy {key!r} counts whole working days, got {limit}")
        table[key] = replace(table[key], limit=limit)
    return table
