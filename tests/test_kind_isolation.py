"""Where each kind is still named outside its own modules (issue 18): a list that may only shrink.

The issue's measure is `grep -rl <kind> domain workflows activities api store worker`, which should list
only the kind's own modules (their names carry the kind's name) and the registry. tests/goldens/
kind_mentions.json holds the shared files that still name each kind, as that grep finds them. A shared
file that starts to name a kind fails here; so does one that stopped naming it while still listed, so
that the list follows each clean-up. `UPDATE_GOLDENS=1 pytest tests/test_kind_isolation.py` rewrites it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from domain.kind_registry import KINDS

ROOT = Path(__file__).parent.parent
GOLDEN = Path(__file__).parent / "goldens" / "kind_mentions.json"
LAYERS = ("domain", "workflows", "activities", "api", "store", "worker")
# The registry: the kinds' enum and the list of their declarations.
REGISTRY = {"domain/kinds.py", "domain/kind_registry.py"}


def _shared_files_naming(kind: str) -> list[str]:
    """Files of the layers that name `kind` (as plain text, like grep) but are not its own."""
    return sorted(
        path.relative_to(ROOT).as_posix()
        for layer in LAYERS
        for path in (ROOT / layer).rglob("*.py")
        if kind not in path.name
        and path.relative_to(ROOT).as_posix() not in REGISTRY
        and kind in path.read_text(encoding="utf-8")
    )


def test_no_shared_file_names_a_kind_it_did_not_name_before_and_the_list_keeps_up() -> None:
    mentions = {spec.kind.value: _shared_files_naming(spec.kind.value) for spec in KINDS}
    if os.environ.get("UPDATE_GOLDENS"):
        GOLDEN.write_text(json.dumps(mentions, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    known: dict[str, list[str]] = json.loads(GOLDEN.read_text(encoding="utf-8"))

    new = {kind: sorted(set(files) - set(known.get(kind, []))) for kind, files in mentions.items()}
    gone = {kind: sorted(set(files) - set(mentions.get(kind, []))) for kind, files in known.items()}

    assert not any(new.values()), f"shared files that now name a kind (keep it in the kind's modules): {new}"
    assert not any(gone.values()), f"no longer naming the kind: drop them from {GOLDEN.name}: {gone}"
