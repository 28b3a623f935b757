"""Schemathesis against the running stack's own OpenAPI document: no generated request is a server error.

The stack runs as `make run` runs it (Temporal, a worker, the API on a port of its own). Every operation
is fuzzed from the document, with no credential and as the city regulator; the seed is fixed, so a run
that finds a server error finds it again.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from store.seed import DEMO_PASSWORD
from tests.support.browser import RunningStack, running_stack

SEED = "20261207"
EXAMPLES = "5"
CALL_TIMEOUT_SECONDS = 600


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    with running_stack(tmp_path_factory.mktemp("fuzz"), journeys=False) as running:
        yield running


def _token(stack: RunningStack, user_id: str) -> str:
    form = urllib.parse.urlencode({"username": user_id, "password": DEMO_PASSWORD}).encode()
    with urllib.request.urlopen(f"{stack.base_url}/auth/token", form) as answer:
        token: str = json.load(answer)["access_token"]
    return token


@pytest.mark.parametrize("caller", [None, "u-regulator-city"], ids=["anonymous", "city-regulator"])
def test_no_generated_request_is_a_server_error(
    stack: RunningStack, caller: str | None, tmp_path: Path
) -> None:
    headers = ["-H", f"Authorization: Bearer {_token(stack, caller)}"] if caller else []
    command = [
        str(Path(sys.executable).parent / "st"),
        "run",
        f"{stack.base_url}/openapi.json",
        "--checks",
        "not_a_server_error",
        "--max-examples",
        EXAMPLES,
        "--seed",
        SEED,
        "--request-timeout",
        "30",
        "--no-color",
        *headers,
    ]

    # In a directory of its own: schemathesis keeps its example database where it runs.
    run = subprocess.run(
        command, capture_output=True, text=True, timeout=CALL_TIMEOUT_SECONDS, check=False, cwd=tmp_path
    )

    assert run.returncode == 0, run.stdout[-8000:] + run.stderr[-2000:]
    generated = re.search(r"(\d+) generated, (\d+) passed", run.stdout)
    assert generated, run.stdout[-4000:]
    assert int(generated.group(1)) == int(generated.group(2)) > 1000
