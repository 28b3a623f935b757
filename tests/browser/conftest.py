"""Browser journeys: the real stack (`elevator-orders dev`) driven by headless Debian Chromium.

One stack and one browser serve the whole session; each test gets a fresh browser context (no cookies
shared between tests). `phone` and `desktop` pages resolve relative URLs against the stack, so a test
may write `await phone.goto("/e/31011500001")`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, ViewportSize, async_playwright

from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, RunningStack, running_stack

PHONE_VIEWPORT: ViewportSize = {"width": 375, "height": 812}
DESKTOP_VIEWPORT: ViewportSize = {"width": 1280, "height": 900}


@pytest.fixture(scope="session")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    """The stack, started once per session; see `stack` for its base URL."""
    with running_stack(tmp_path_factory.mktemp("stack")) as stack:
        yield stack


@pytest.fixture(scope="session")
def stack(running: RunningStack) -> str:
    """Base URL of the running stack, e.g. http://127.0.0.1:41234 (no trailing slash)."""
    return running.base_url


@pytest.fixture(scope="session")
def stack_mail_dir(running: RunningStack) -> Path:
    """The folder where the stack's dev mail sink writes each mail it is sent."""
    return running.mail_dir


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser`")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            await browser.close()


async def _page(
    browser: Browser, base_url: str, viewport: ViewportSize, *, mobile: bool
) -> AsyncIterator[Page]:
    context = await browser.new_context(
        base_url=base_url,
        viewport=viewport,
        is_mobile=mobile,
        has_touch=mobile,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
    )
    try:
        yield await context.new_page()
    finally:
        await context.close()


@pytest.fixture
async def phone(browser: Browser, stack: str) -> AsyncIterator[Page]:
    """A fresh page on a 375x812 phone (touch, mobile viewport), zh-CN, Shanghai time."""
    async for page in _page(browser, stack, PHONE_VIEWPORT, mobile=True):
        yield page


@pytest.fixture
async def desktop(browser: Browser, stack: str) -> AsyncIterator[Page]:
    """A fresh page on a 1280x900 desktop, zh-CN, Shanghai time."""
    async for page in _page(browser, stack, DESKTOP_VIEWPORT, mobile=False):
        yield page
