"""The browser suite's footing: the stack answers, Chromium runs, and Chinese renders as glyphs."""

from __future__ import annotations

import httpx
from playwright.async_api import Page

from tests.support.browser import SCREENSHOT_DIR, screenshot

PLATFORM_NAME = "上海智慧电梯平台"


async def test_stack_serves_health_and_docs(stack: str) -> None:
    async with httpx.AsyncClient(base_url=stack, trust_env=False) as client:
        health = await client.get("/healthz")
        docs = await client.get("/docs")
    assert health.status_code == 200
    assert docs.status_code == 200
    assert "swagger" in docs.text.lower()


async def test_phone_opens_the_api_docs(phone: Page) -> None:
    # Swagger UI's scripts come from a CDN the test machine may not reach: the page itself is what counts.
    response = await phone.goto("/docs", wait_until="domcontentloaded")
    assert response is not None
    assert response.ok
    assert "Swagger UI" in await phone.title()


async def test_chinese_text_renders_with_a_cjk_font(phone: Page) -> None:
    await phone.set_content(
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<p id="name" style="font-size:24px">{PLATFORM_NAME}</p>'
    )
    box = await phone.locator("#name").bounding_box()
    path = await screenshot(phone, "smoke-cjk")
    assert box is not None
    assert box["width"] > 0
    assert box["height"] > 0
    assert path == SCREENSHOT_DIR / "smoke-cjk.png"
    assert path.stat().st_size > 0
