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
