"""The policy table: legal clocks with their sources, overridable by configuration only where a row exists."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest

from domain.calendar import CHINA_TIME
from domain.kinds import TicketKind
from domain.policies import Breach, TimeUnit, UnknownPolicyOverride, policy_rules, policy_table


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


def test_complaint_and_report_clocks_switch_to_order_121_on_2026_04_15() -> None:
    rules = policy_rules({"complaint.decide": 10})
    before = datetime(2026, 4, 14, 23, 59, tzinfo=CHINA_TIME)
    from_then = datetime(2026, 4, 15, 0, 0, tzinfo=CHINA_TIME)

    for key in ("complaint.decide", "complaint.mediate", "complaint.inform", "report.inform"):
        order_20, order_121 = rules.in_force(key, before), rules.in_force(key, from_then)
        assert "Order 20" in order_20.source
        assert order_20.checked
        assert order_20.in_force_from is None
        assert order_121.source.startswith("市场监督管理投诉举报处理办法 (SAMR Order 121)")
        # Order 121's text was not at hand: the row says so, and keeps Order 20's limit as its default.
        assert not order_121.checked
        assert order_121.in_force_from == date(2026, 4, 15)
        assert rules.in_force(key) == order_121
    # An override is the limit a deployment enforces now; earlier filings keep their rule's published one.
    assert rules.in_force("complaint.decide", from_then).limit == 10
    assert rules.in_force("complaint.decide", before).limit == 7
    assert policy_table({"complaint.decide": 10})["complaint.decide"].limit == 10
    # A clue's verification is the penalty procedure's limit, checked; only the rules cited beside it changed.
    clue = rules.in_force("violation_clue.verify", from_then)
    assert clue.checked
    assert "Order 121" in clue.source
    assert "Art 18" in clue.source


def test_every_row_names_its_source_and_a_key_has_one_row_per_rule() -> None:
    for row in policy_rules().every_row():
        assert row.source.strip()
    for key in policy_table():
        rows = [row for row in policy_rules().every_row() if row.key == key]
        assert len({row.in_force_from for row in rows}) == len(rows), key
