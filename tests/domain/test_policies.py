"""The policy table: legal clocks with their sources, overridable by configuration only where a row exists."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from domain.kinds import TicketKind
from domain.policies import Breach, TimeUnit, UnknownPolicyOverride, policy_table


@pytest.mark.parametrize(
    ("key", "duration", "on_breach"),
    [
        ("rescue.accept", timedelta(minutes=5), Breach.REDISPATCH),
        ("rescue.arrive", timedelta(minutes=30), Breach.ESCALATE),
        ("rescue.accident", timedelta(hours=2), Breach.FLAG_ACCIDENT),
        ("rescue.confirm", timedelta(hours=24), Breach.ESCALATE),
    ],
)
def test_default_rescue_clocks(key: str, duration: timedelta, on_breach: Breach) -> None:
    policy = policy_table()[key]

    assert policy.duration() == duration
    assert policy.on_breach is on_breach
    assert policy.kind is TicketKind.RESCUE
    assert policy.key == key
    assert policy.source.strip()


def test_override_changes_only_its_row() -> None:
    table = policy_table({"rescue.accept": 10, "rescue.accident": 1.5})

    assert table["rescue.accept"].duration() == timedelta(minutes=10)
    assert table["rescue.accident"].duration() == timedelta(minutes=90)
    assert table["rescue.arrive"].duration() == timedelta(minutes=30)
    assert table["rescue.accept"].source == policy_table()["rescue.accept"].source
    # The defaults themselves are untouched.
    assert policy_table()["rescue.accept"].duration() == timedelta(minutes=5)


def test_override_of_no_row_is_refused_with_the_known_rows() -> None:
    with pytest.raises(UnknownPolicyOverride, match=r"'rescue\.acept'.*rescue\.accept"):
        policy_table({"rescue.acept": 10})


@pytest.mark.parametrize("limit", [0, -5])
def test_non_positive_override_is_refused(limit: float) -> None:
    with pytest.raises(UnknownPolicyOverride, match="positive"):
        policy_table({"rescue.arrive": limit})


def test_calendar_day_rows_have_a_duration() -> None:
    row = replace(policy_table()["rescue.confirm"], limit=3, unit=TimeUnit.CALENDAR_DAYS)
    assert row.duration() == timedelta(days=3)


def test_working_day_rows_have_no_plain_duration() -> None:
    row = replace(policy_table()["rescue.confirm"], limit=5, unit=TimeUnit.WORKING_DAYS)

    with pytest.raises(ValueError, match="working days"):
        row.duration()
