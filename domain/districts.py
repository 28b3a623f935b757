"""Shanghai's 16 districts and the Lingang special area, each with its own district regulator."""

from __future__ import annotations

DISTRICTS_ZH: dict[str, str] = {
    "pudong": "浦东新区",
    "huangpu": "黄浦区",
    "xuhui": "徐汇区",
    "changning": "长宁区",
    "jingan": "静安区",
    "putuo": "普陀区",
    "hongkou": "虹口区",
    "yangpu": "杨浦区",
    "minhang": "闵行区",
    "baoshan": "宝山区",
    "jiading": "嘉定区",
    "jinshan": "金山区",
    "songjiang": "松江区",
    "qingpu": "青浦区",
    "fengxian": "奉贤区",
    "chongming": "崇明区",
    "lingang": "临港新片区",
}

# Two letters per district in a ticket's number (工单编号 KR-PD-20261207-0001): the initials of its name in
# pinyin, chosen here (no official short code covers the Lingang area); CITY_CODE where none is known.
DISTRICT_CODES: dict[str, str] = {
    "pudong": "PD",
    "huangpu": "HP",
    "xuhui": "XH",
    "changning": "CN",
    "jingan": "JA",
    "putuo": "PT",
    "hongkou": "HK",
    "yangpu": "YP",
    "minhang": "MH",
    "baoshan": "BS",
    "jiading": "JD",
    "jinshan": "JS",
    "songjiang": "SJ",
    "qingpu": "QP",
    "fengxian": "FX",
    "chongming": "CM",
    "lingang": "LG",
}
CITY_CODE = "SH"

# The abbreviation each regulator puts at the head of its 文号 (浦市监特指〔2026〕1号), kept with the
# organisation (`organisations.document_abbreviation`); the seed takes them from here. Placeholders: the
# usual pattern (the district's first character and 市监), not checked against documents the
# regulators issued; a deployment sets each authority's own.
REGULATOR_ABBREVIATIONS: dict[str, str] = {
    "pudong": "浦市监",
    "huangpu": "黄市监",
    "xuhui": "徐市监",
    "changning": "长市监",
    "jingan": "静市监",
    "putuo": "普市监",
    "hongkou": "虹市监",
    "yangpu": "杨市监",
    "minhang": "闵市监",
    "baoshan": "宝市监",
    "jiading": "嘉市监",
    "jinshan": "金市监",
    "songjiang": "松市监",
    "qingpu": "青市监",
    "fengxian": "奉市监",
    "chongming": "崇市监",
    "lingang": "临港市监",
}
CITY_REGULATOR_ABBREVIATION = "沪市监"
ABBREVIATION_PLACEHOLDER_SOURCE = (
    "placeholder: the usual pattern, not checked against the authority's documents"
)
