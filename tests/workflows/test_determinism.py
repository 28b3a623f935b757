"""Workflow code reads no clock, randomness or I/O of its own: the worker shares these modules between runs.

The worker passes the `workflows` package through its sandbox (worker/workflow_runner.py), so the
sandbox no longer refuses such calls at run time; this test reads the source for them instead.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

WORKFLOW_MODULES = sorted((Path(__file__).parents[2] / "workflows").glob("*.py"))

# Modules whose use inside a workflow is I/O, a clock or randomness: activities do that work.
FORBIDDEN_IMPORTS = {
    "aiosmtplib",
    "aiosqlite",
    "api",
    "asyncpg",
    "httpx",
    "io",
    "notifications",
    "os",
    "random",
    "secrets",
    "socket",
    "sqlalchemy",
    "store",
    "subprocess",
    "threading",
    "time",
    "uuid",
    "worker",
}
# Of the activities package, a workflow may only read the calls' names and inputs.
ALLOWED_ACTIVITY_MODULES = {"activities.contracts"}
# Calls that read the machine's clock; workflow.now() is the deterministic one.
FORBIDDEN_CALLS = {("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"), ("date", "today")}


def _imported(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _clock_calls(tree: ast.Module) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            if isinstance(owner, ast.Name) and (owner.id, node.func.attr) in FORBIDDEN_CALLS:
                found.add(f"{owner.id}.{node.func.attr}()")
    return found


def _violations(source: str) -> list[str]:
    tree = ast.parse(source)
    problems = sorted(_clock_calls(tree))
    for module in sorted(_imported(tree)):
        top = module.split(".")[0]
        io_activity = top == "activities" and module not in ALLOWED_ACTIVITY_MODULES
        if top in FORBIDDEN_IMPORTS or io_activity:
            problems.append(f"imports {module}")
    if any(isinstance(node, ast.Name) and node.id == "open" for node in ast.walk(tree)):
        problems.append("calls open()")
    return problems


def test_every_workflow_module_is_read() -> None:
    assert {"rescue.py", "fault_repair.py", "ticket_io.py"} <= {path.name for path in WORKFLOW_MODULES}


@pytest.mark.parametrize("path", WORKFLOW_MODULES, ids=lambda path: path.name)
def test_workflow_module_is_deterministic(path: Path) -> None:
    assert _violations(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ("from datetime import datetime\nstarted = datetime.now()\n", "datetime.now()"),
        ("import random\n", "imports random"),
        ("from store.tickets import TicketRepository\n", "imports store.tickets"),
        ("from activities.projection import ProjectionActivities\n", "imports activities.projection"),
        ("text = open('x').read()\n", "calls open()"),
    ],
)
def test_the_reader_catches_what_the_sandbox_would_refuse(source: str, problem: str) -> None:
    assert problem in _violations(source)


def test_the_reader_allows_what_workflows_use() -> None:
    source = "from temporalio import workflow\nfrom activities.contracts import OpenClueInput\nnow = workflow.now()\n"
    assert _violations(source) == []
