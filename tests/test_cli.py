"""The `elevator-orders` command as an operator uses it."""

import logging

import pytest

from domain.kind_registry import KINDS
from elevator_orders.cli import main
from elevator_orders.settings import get_settings


def test_policies_lists_every_limit_with_its_source(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POLICY_OVERRIDES", '{"rescue.accept": 10}')
    get_settings.cache_clear()
    # The command configures logging for the process; leave no handler on pytest's closed streams.
    handlers = logging.root.handlers[:]
    try:
        main(["policies"])
    finally:
        get_settings.cache_clear()
        logging.root.handlers[:] = handlers
    header, *rows = capsys.readouterr().out.strip().splitlines()
    assert header.split("\t")[:3] == ["种类", "kind", "step"]
    assert header.split("\t")[7:] == ["opens clue", "source", "in force from", "checked against the text"]
    # Every rule's row, newest first: the table keeps the row in force now of each key.
    table: dict[tuple[str, str], list[str]] = {}
    for row in rows:
        table.setdefault((row.split("\t")[1], row.split("\t")[2]), row.split("\t"))
    decide_rows = [row.split("\t") for row in rows if row.split("\t")[1:3] == ["complaint", "decide"]]
    assert [(cells[9], cells[10]) for cells in decide_rows] == [("2026-04-15", "no"), ("-", "yes")]
    # Every kind with legal clocks, each limit with the source it comes from.
    listed = {cells[0] for cells in table.values()}
    assert listed == {spec.kind.label_zh for spec in KINDS if spec.policies}
    # Among them all nine kinds of the regulation's catalogue.
    assert listed >= {
        "困人救援",
        "故障维修",
        "隐患上报",
        "维保记录确认",
        "投诉",
        "举报",
        "乘客评价建议",
        "违法线索",
        "安全监察指令书",
    }
    assert all(len(cells[8].strip()) > 10 for cells in table.values()), "every limit names its source"
    assert table[("rescue", "arrive")][7] == "违法线索"
    assert table[("directive", "rectify")][7] == "违法线索"
    assert table[("complaint", "decide")][3:5] == ["7", "working_days (个工作日)"]
    assert table[("violation_clue", "decide")][3:5] == ["90", "calendar_days (日)"]
    assert table[("rescue", "accept")][3] == "10"
    assert table[("rescue", "arrive")][:5] == ["困人救援", "rescue", "arrive", "30", "minutes (分钟)"]
    assert table[("fault_repair", "confirm")][4] == "working_days (个工作日)"
