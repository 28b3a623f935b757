"""The monthly district digest printed by Chromium: a real PDF, turned into an image and read back."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image

from elevator_orders.settings import Settings
from notifications.district_digest import DigestRenderer, DistrictDigest, KindCount, LateTicket, UnitGrade
from notifications.pdf import html_to_pdf

SCREENSHOTS = Path(__file__).parent.parent.parent / "var" / "screenshots"
# The bars' fills in the template: within the limit, and past it.
BAR = (0x1D, 0x3C, 0x78)
LATE_BAR = (0xB9, 0x1C, 0x1C)

REPORT = DistrictDigest(
    district="pudong",
    district_name="浦东新区",
    month="2026-11",
    counts=[KindCount("困人救援", 3, 3, 1), KindCount("故障维修", 3, 3, 0)],
    arrival_minutes=[20.0, 35.0, 16.0],
    units=[UnitGrade("上海申达电梯维保有限公司", "维保单位", "B", 25, 6)],
    late=[LateTicket("KR-PD-20261110-0002", "困人救援", "到场")],
)


def _pixels_near(image: Image.Image, colour: tuple[int, int, int], tolerance: int = 24) -> int:
    rgb = image.convert("RGB")
    width, height = rgb.size
    count = 0
    for x in range(0, width, 2):
        for y in range(0, height, 2):
            pixel = rgb.getpixel((x, y))
            assert isinstance(pixel, tuple)
            if all(
                abs(int(channel) - wanted) <= tolerance for channel, wanted in zip(pixel, colour, strict=True)
            ):
                count += 1
    return count


async def test_the_digest_prints_with_its_title_tables_and_chart() -> None:
    html = DigestRenderer().html(REPORT)
    pdf = await html_to_pdf(html, Settings(_env_file=None).chromium_path)

    assert pdf.startswith(b"%PDF-")
    document = pdfium.PdfDocument(pdf)
    page = document[0]
    text = page.get_textpage().get_text_range()
    assert "浦东新区电梯工单月报（2026年11月）" in text
    # The tables: counts by kind, the units' grades, the late tickets.
    for cell in (
        "工单类型",
        "困人救援",
        "故障维修",
        "信用等级",
        "上海申达电梯维保有限公司",
        "KR-PD-20261110-0002",
    ):
        assert cell in text, cell
    image = page.render(scale=1.5).to_pil()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    image.save(SCREENSHOTS / "district-digest-2026-11.png")
    # The chart: bars within the limit in blue, the one past 30 minutes in red.
    assert _pixels_near(image, BAR) > 120
    assert _pixels_near(image, LATE_BAR) > 40
    document.close()


async def test_an_empty_month_still_prints_and_says_so() -> None:
    empty = DistrictDigest("xuhui", "徐汇区", "2026-11", [], [], [], [])
    pdf = await html_to_pdf(DigestRenderer().html(empty), Settings(_env_file=None).chromium_path)
    document = pdfium.PdfDocument(pdf)
    text = document[0].get_textpage().get_text_range()
    assert "徐汇区电梯工单月报（2026年11月）" in text
    assert "本月无工单" in text
    assert "本月无逾期工单" in text
    document.close()
