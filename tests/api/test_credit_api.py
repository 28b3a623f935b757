"""Credit grades over HTTP: regulators see every unit's, a unit its own, the platform operator none."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from domain.credit import FIGURE_LABELS, score
from domain.credit_model import UnitIndicators, UnitRole
from store.credit_grades import CreditStore
from store.database import Database

MONTH = "2026-11"
REGULATOR = {"X-User-Id": "u-regulator-city"}
LUJIAZUI = {"X-User-Id": "u-safety-lujiazui"}
OPERATOR = {"X-User-Id": "u-operator-admin"}


async def _grades(database: Database) -> None:
    shenda = UnitIndicators("mu-shenda", UnitRole.MAINTENANCE_UNIT, MONTH, sample={f"t{n}" for n in range(6)})
    shenda.count("rescue_late_arrivals", [("t1",), ("t2",)])
    lujiazui = UnitIndicators("uu-lujiazui", UnitRole.USE_UNIT, MONTH, sample={"h1"})
    lujiazui.count("hazards_unrectified_by_date", [("h1",)])
    graded = [(unit, score(unit.role, unit.occurrences, len(unit.sample))) for unit in (shenda, lujiazui)]
    await CreditStore(database).store(graded, FIGURE_LABELS, datetime(2026, 12, 1, 18, tzinfo=UTC))


async def test_regulators_see_every_grade_and_a_unit_its_own(
    api_without_temporal: httpx.AsyncClient, database: Database
) -> None:
    await _grades(database)
    http = api_without_temporal

    every = await http.get("/credit/grades", params={"month": MONTH}, headers=REGULATOR)
    assert every.status_code == 200, every.text
    assert [(g["unit_id"], g["grade"], g["points"]) for g in every.json()] == [
        ("mu-shenda", "B", 20),
        ("uu-lujiazui", "样本不足", 5),
    ]
    own = await http.get("/credit/grades", params={"month": MONTH}, headers=LUJIAZUI)
    assert [g["unit_id"] for g in own.json()] == ["uu-lujiazui"]

    detail = await http.get("/credit/grades/mu-shenda", params={"month": MONTH}, headers=REGULATOR)
    assert detail.status_code == 200, detail.text
    [shenda] = detail.json()
    late = next(line for line in shenda["explanation"] if line["indicator"] == "rescue_late_arrivals")
    assert (late["occurrences"], late["points"], late["tickets"]) == (2, 20, ["t1", "t2"])
    assert late["label_zh"] == "困人救援超过30分钟到场"
    assert shenda["figures"]["rescue_late_arrivals"] == {
        "label": "困人救援超过30分钟到场",
        "value": 2,
        "tickets": ["t1", "t2"],
    }

    # Another unit's grade is answered as if it did not exist.
    hidden = await http.get("/credit/grades/mu-shenda", params={"month": MONTH}, headers=LUJIAZUI)
    assert hidden.status_code == 404


async def test_the_operator_sees_no_grade_and_a_bad_month_is_named(
    api_without_temporal: httpx.AsyncClient,
) -> None:
    http = api_without_temporal
    assert (await http.get("/credit/grades", params={"month": MONTH}, headers=OPERATOR)).status_code == 403
    bad = await http.get("/credit/grades", params={"month": "2026-13"}, headers=REGULATOR)
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["query", "month"]
    missing = await http.get("/credit/grades/mu-shenda", params={"month": "2026-10"}, headers=REGULATOR)
    assert missing.status_code == 404


async def test_the_formula_names_every_rule_with_its_source(api_without_temporal: httpx.AsyncClient) -> None:
    formula = await api_without_temporal.get("/credit/formula", headers=LUJIAZUI)
    assert formula.status_code == 200
    body = formula.json()
    assert body["bands"] == {"A": 10, "B": 25, "C": 40}
    assert body["min_sample"] == 5
    late = next(rule for rule in body["rules"] if rule["indicator"] == "rescue_late_arrivals")
    assert (late["points"], late["role"]) == (10, "maintenance_unit")
    assert late["source"].startswith("福建省2016年")
    assert all(rule["source"] for rule in body["rules"])
