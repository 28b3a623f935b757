"""The README's walkthrough runs as pasted, top to bottom, in one shell, against `make run`'s stack.

Its `sh` blocks after "## Walkthrough" are joined into one bash script, as a reader pastes them into one
terminal. Nothing in them is changed: the script only runs with `set -euo pipefail`, and curl writes each
answer's status to stderr, so that a step that fails (a 4xx or 5xx the README does not announce, an id
never set, a syntax error) fails here.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from tests.support.browser import running_stack

README = Path(__file__).parent.parent / "README.md"
# The answers the walkthrough shows being refused, on purpose: confirming a rescue before anyone took it.
EXPECTED_REFUSALS = [("409", "/tickets/rescue-31011500001-alarm-A-20261125-0001/confirm")]
_SCRIPT_TIMEOUT_SECONDS = 300


def walkthrough_script(readme: str) -> str:
    """The walkthrough's `sh` blocks, in order, as one script."""
    walkthrough = readme[readme.index("\n## Walkthrough") :]
    walkthrough = walkthrough[: walkthrough.index("\n## ", 1)]
    blocks = re.findall(r"^```sh\n(.*?)^```$", walkthrough, flags=re.MULTILINE | re.DOTALL)
    assert len(blocks) >= 6, "the walkthrough's blocks: a rescue, a fault repair, a record, a hazard, ..."
    return "\n".join(blocks)


def test_the_readme_walkthrough_runs_as_pasted(tmp_path: Path) -> None:
    script = walkthrough_script(README.read_text(encoding="utf-8"))
    # The terminal the reader pastes into: `API` is set by the script itself; statuses go to stderr.
    harness = (
        "set -euo pipefail\n"
        "curl() { command curl -w '%{stderr}HTTP %{http_code} %{url_effective}\\n' \"$@\"; }\n"
    )
    with running_stack(tmp_path / "var", journeys=False) as stack:
        port = stack.base_url.rsplit(":", 1)[1]
        pasted = script.replace("API=http://127.0.0.1:8000", f"API=http://127.0.0.1:{port}", 1)
        assert pasted != script, "the walkthrough sets API to make run's address"
        # cwd: the checkout the reader runs `make run` in, whose var/ the stack writes.
        run = subprocess.run(
            ["bash", "-c", harness + pasted],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=_SCRIPT_TIMEOUT_SECONDS,
            check=False,
        )
    statuses = re.findall(r"^HTTP (\d{3}) (\S+)$", run.stderr, flags=re.MULTILINE)
    paths = [(status, re.sub(r"^https?://[^/]+", "", url)) for status, url in statuses]

    assert run.returncode == 0, f"the walkthrough stopped (exit {run.returncode}):\n{run.stderr[-3000:]}"
    refused = [(status, path.split("?")[0]) for status, path in paths if int(status) >= 400]
    assert refused == EXPECTED_REFUSALS, run.stderr[-3000:]
    assert len(paths) > 40, "every curl of the walkthrough ran"
    # What the closing lines show: the complaint followed by its token to the evaluation.
    assert any(
        path.startswith("/track/") and path.endswith("/evaluate") and status == "200"
        for status, path in paths
    )
