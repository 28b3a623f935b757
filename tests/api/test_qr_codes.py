"""The 智慧电梯码: each elevator's QR code scans to its public page, and a building's codes print on one sheet."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ElementTree
from urllib.parse import quote

import zxingcpp
from PIL import Image

from tests.api.conftest import JINGAN, PUDONG_A, PUDONG_B, XUHUI, Api

SVG = "{http://www.w3.org/2000/svg}"


def _decoded(image: Image.Image) -> list[str]:
    return [barcode.text for barcode in zxingcpp.read_barcodes(image)]


def _modules(svg: ElementTree.Element) -> str:
    path = svg.find(f"{SVG}path")
    assert path is not None
    return path.attrib["d"]


async def test_the_png_scans_to_the_elevators_page(api: Api) -> None:
    response = await api.http.get(f"/e/{PUDONG_A}/qr.png")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"

    url = f"{api.settings.effective_public_base_url}/e/{PUDONG_A}"
    assert _decoded(Image.open(io.BytesIO(response.content))) == [url]
    # What the phone opens from the scan is that elevator's page.
    page = await api.http.get(url.removeprefix(api.settings.effective_public_base_url))
    assert page.status_code == 200
    assert f"智慧电梯码 {PUDONG_A}" in page.text


async def test_the_qr_code_encodes_the_public_address_the_platform_is_reached_at(api: Api) -> None:
    api.settings.public_base_url = "https://dt.example.sh.cn/"
    response = await api.http.get(f"/e/{XUHUI}/qr.png")
    assert _decoded(Image.open(io.BytesIO(response.content))) == [f"https://dt.example.sh.cn/e/{XUHUI}"]


async def test_the_svg_is_an_svg_document_of_the_same_code(api: Api) -> None:
    response = await api.http.get(f"/e/{PUDONG_B}/qr.svg")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")

    root = ElementTree.fromstring(response.content)
    assert root.tag == f"{SVG}svg"
    assert root.find(f"{SVG}title") is not None
    assert root.find(f"{SVG}title").text == f"智慧电梯码 {PUDONG_B}"  # type: ignore[union-attr]
    assert root.find(f"{SVG}path") is not None


async def test_an_unknown_elevator_has_no_code(api: Api) -> None:
    for suffix in ("qr.png", "qr.svg"):
        response = await api.http.get(f"/e/99999999999/{suffix}")
        assert response.status_code == 404
        assert "未找到这部电梯" in response.text


async def test_the_buildings_sheet_lists_each_of_its_elevators_with_its_code(api: Api) -> None:
    response = await api.http.get(f"/qr-sheet/{quote('陆家嘴花园 1 号楼')}")
    assert response.status_code == 200
    page = response.text

    cards = re.findall(r'<article class="qr-card" data-elevator="(\d+)">(.*?)</article>', page, re.S)
    assert [code for code, _ in cards] == [PUDONG_A, PUDONG_B]
    for code, card in cards:
        svg = re.search(r"<svg.*?</svg>", card, re.S)
        assert svg is not None, code
        # Inline SVG has no namespace declaration of its own; the HTML parser gives it one.
        root = ElementTree.fromstring(svg.group(0).replace("<svg ", f'<svg xmlns="{SVG[1:-1]}" ', 1))
        assert root.find(f"{SVG}title").text == f"智慧电梯码 {code}"  # type: ignore[union-attr]
        # The same modules as the elevator's own SVG, whose code is the one the PNG scans as.
        own = ElementTree.fromstring((await api.http.get(f"/e/{code}/qr.svg")).content)
        assert _modules(root) == _modules(own)
    assert XUHUI not in page
    assert JINGAN not in page
    # The A4 print rules (@page, two codes a row, no page chrome) come with the public stylesheet.
    stylesheet = await api.http.get("/static/public.css")
    assert "size: A4" in stylesheet.text
    assert "/static/public.css" in page


async def test_an_unknown_building_is_a_page_in_chinese(api: Api) -> None:
    response = await api.http.get(f"/qr-sheet/{quote('不存在的大楼')}")
    assert response.status_code == 404
    assert "未找到楼宇“不存在的大楼”的电梯" in response.text
