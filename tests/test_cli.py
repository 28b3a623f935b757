"""The `elevator-orders` command as an operator uses it."""

import pytest

from elevator_orders.cli import main
from elevator_orders.settings import get_settings


def test_policies_lists_every_limit_with_its_source(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POLICY_OVERRIDES", '{"rescue.accept": 10}')
    get_settings.cache_clear()
    try:
        main(["policies"])
    finally:
        get_settings.cache_clear()
    header, *rows = capsys.readouterr().out.strip().splitlines()
    assert header.split("\t")[:3] == ["种类", "kind", "step"]
    table = {(row.split("\t")[1], row.split("\t")[2]): row.split("\t") for row in rows}
    assert {kind for kind, _ in table} >= {
        "rescue",
        "fault_repair",
        "hazard",
        "maintenance_record",
        "feedback",
    }
    assert all(cells[7].strip() for cells in table.values()), "every limit names its source"
    assert table[("rescue", "accept")][3] == "10"
    assert table[("rescue", "arrive")][:5] == ["困人救援", "rescue", "arrive", "30", "minutes (分钟)"]
    assert table[("fault_repair", "confirm")][4] == "working_days (个工作日)"
