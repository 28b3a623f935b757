"""One term per thing, as the regulation writes it, in every text a person reads."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.hazard import HazardSeverity

TEMPLATES = Path(__file__).parents[2] / "notifications" / "templates"
# A term people must not see, and the regulation's own term they see instead.
REPLACED_TERMS = {
    "注册代码": "智慧电梯码",
    "重大隐患": "重大事故隐患",
    "一般隐患": "一般事故隐患",
}


@pytest.mark.parametrize(
    "path", sorted(TEMPLATES.rglob("*.*")), ids=lambda path: str(path.relative_to(TEMPLATES))
)
def test_templates_use_the_regulations_terms(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert [term for term in REPLACED_TERMS if term in text] == []


def test_the_code_on_the_car_is_named_as_on_its_sign() -> None:
    assert "智慧电梯码" in (TEMPLATES / "mail" / "base.txt").read_text(encoding="utf-8")


def test_hazard_severities_are_named_as_the_rules_name_them() -> None:
    assert {severity.label_zh for severity in HazardSeverity} == {"重大事故隐患", "一般事故隐患"}
