"""Helpers of the browser journeys: the running stack, screenshots and signing in through /login."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
from playwright.async_api import Page

from elevator_orders.settings import Settings
from store.seed import DEMO_PASSWORD
from tests.support.ports import LOOPBACK, free_port

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT_DIR = REPOSITORY_ROOT / "var" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
# Headless Debian Chromium in a container: no sandbox or GPU, and nothing that calls home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# A fault repair not accepted within 3 seconds goes overdue: journeys can watch a clock run out.
STACK_POLICY_OVERRIDES = '{"fault_repair.accept": 0.05}'
_STACK_START_TIMEOUT_SECONDS = 120.0
_STACK_STOP_TIMEOUT_SECONDS = 30.0
_POLL_INTERVAL_SECONDS = 0.2
_LOG_TAIL_CHARS = 20_000


@dataclass(frozen=True)
class RunningStack:
    """`elevator-orders dev` in a subprocess: its base URL and the files it writes."""

    base_url: str
    var_dir: Path
    log_path: Path

    @property
    def mail_dir(self) -> Path:
        """Where the dev mail sink writes every message it accepts."""
        return self.var_dir / "mail"

    def logs(self) -> str:
        """The tail of the stack's own log and of its Temporal server's, for a failure message."""
        parts = []
        for path in (self.log_path, self.var_dir / "log" / "temporal.log"):
            if path.exists():
                text = path.read_text(errors="replace")[-_LOG_TAIL_CHARS:]
                parts.append(f"----- {path} -----\n{text}")
        return "\n".join(parts)


def environment_without_settings() -> dict[str, str]:
    """This process's environment less every app setting: nothing from the developer's shell may redirect
    an app process the tests start to a real database, server or mailbox.
    """
    settings_names = {name.upper() for name in Settings.model_fields}
    return {key: value for key, value in os.environ.items() if key.upper() not in settings_names}


def stack_environment(var_dir: Path, api_port: int, journeys: bool) -> dict[str, str]:
    env = environment_without_settings()
    env.update(
        VAR_DIR=str(var_dir),
        API_HOST=LOOPBACK,
        API_PORT=str(api_port),
        TEMPORAL_DEV_PORT=str(free_port()),
        TEMPORAL_UI_PORT=str(free_port()),
        SMTP_PORT=str(free_port()),
        PYTHONUNBUFFERED="1",
    )
    if journeys:
        env.update(POLICY_OVERRIDES=STACK_POLICY_OVERRIDES, PUBLIC_RATE_PER_MINUTE="100000")
    return env


def wait_until_healthy(stack: RunningStack, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + _STACK_START_TIMEOUT_SECONDS
    with httpx.Client(trust_env=False, timeout=2.0) as client:
        while True:
            if process.poll() is not None:
                raise RuntimeError(
                    f"elevator-orders dev exited with code {process.returncode}\n{stack.logs()}"
                )
            with contextlib.suppress(httpx.TransportError):
                if client.get(f"{stack.base_url}/healthz").status_code == 200:
                    return
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"elevator-orders dev not healthy after {_STACK_START_TIMEOUT_SECONDS:.0f} s\n{stack.logs()}"
                )
            time.sleep(_POLL_INTERVAL_SECONDS)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Ctrl-C, as a developer stops it: the stack then stops its worker and Temporal server itself."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=_STACK_STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def launch_stack(
    var_dir: Path, env: dict[str, str], api_port: int, *, own_session: bool = False
) -> tuple[RunningStack, subprocess.Popen[bytes]]:
    """`elevator-orders dev` in a subprocess under `var_dir`, not yet waited for.

    With `own_session` it leads a process group of its own, as `make run` started from a shell does.
    """
    stack = RunningStack(
        base_url=f"http://{LOOPBACK}:{api_port}", var_dir=var_dir, log_path=var_dir / "stack.log"
    )
    with stack.log_path.open("ab") as log:
        # cwd=var_dir: a developer's .env in the checkout must not reach the stack either.
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "elevator-orders"), "dev"],
            cwd=var_dir,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=own_session,
        )
    return stack, process


@contextlib.contextmanager
def running_stack(var_dir: Path, *, journeys: bool = True) -> Iterator[RunningStack]:
    """Start `elevator-orders dev` on free ports under `var_dir`, wait until it answers, stop it after.

    For browser `journeys` a fault repair's acceptance clock is shrunk and public forms are not rate
    limited; otherwise the stack runs as `make run` does, on ports of its own.
    """
    var_dir.mkdir(parents=True, exist_ok=True)
    api_port = free_port()
    stack, process = launch_stack(var_dir, stack_environment(var_dir, api_port, journeys), api_port)
    try:
        wait_until_healthy(stack, process)
        yield stack
    finally:
        _stop(process)
    if process.returncode not in (0, -signal.SIGINT):
        raise RuntimeError(f"elevator-orders dev stopped with code {process.returncode}\n{stack.logs()}")


async def screenshot(page: Page, name: str) -> Path:
    """Save the whole page as var/screenshots/<name>.png under the repository root."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path


async def sign_in(page: Page, base_url: str, user_id: str, password: str = DEMO_PASSWORD) -> None:
    """Sign a seeded user in through the /login form, as a person would, and wait to leave the form."""
    await page.goto(f"{base_url}/login")
    await page.fill("input[name=username]", user_id)
    await page.fill("input[name=password]", password)
    async with page.expect_navigation():
        await page.click("form button[type=submit], form input[type=submit]")
    if page.url.split("?", 1)[0].rstrip("/").endswith("/login"):
        raise AssertionError(f"signing in as {user_id} failed: still on {page.url}")
