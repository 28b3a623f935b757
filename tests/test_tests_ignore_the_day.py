"""No test depends on the day it runs: a literal date never meets the real now in a comparison or a sleep.

A test that slept the time-skipping clock towards "2026-12-30 10:00" failed for everyone from that day on
(issue 19): the server only moves forward from the real now, so the sleep turned negative. Tests take
dates from a clock they control (tests/support/clock.py), or build them relative to the server's start.
This check reads every test module for the shape of that mistake: a date written as a literal, directly
or through a name it was assigned to, in the same expression as the real now (`datetime.now()`,
`date.today()`, `time.time()`, the test server's `get_current_time()`), or in what a `sleep` is given.
"""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).parent
# Calls that read the real now, by the names they are called on; the time-skipping server's clock
# (`get_current_time`, on any environment) starts at it. A clock the test controls (`clock.now()`) is not.
_NOW_CALLS = {
    "now": {"datetime"},
    "utcnow": {"datetime"},
    "today": {"date", "datetime"},
    "time": {"time"},
    "get_current_time": None,
}
_DATE_TYPES = {"datetime", "date"}


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _is_date_literal(node: ast.AST) -> bool:
    if not (isinstance(node, ast.Call) and _name(node.func) in _DATE_TYPES and node.args):
        return False
    year = node.args[0]
    return isinstance(year, ast.Constant) and isinstance(year.value, int) and 1990 <= year.value <= 2100


def _is_now(node: ast.AST) -> bool:
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
        return False
    if node.func.attr not in _NOW_CALLS:
        return False
    receivers = _NOW_CALLS[node.func.attr]
    return receivers is None or _name(node.func.value) in receivers


class _Finder(ast.NodeVisitor):
    def __init__(self) -> None:
        self.lines: list[int] = []
        self._dated_names: set[str] = set()

    def _dated(self, node: ast.AST) -> bool:
        return any(
            _is_date_literal(n) or (isinstance(n, ast.Name) and n.id in self._dated_names)
            for n in ast.walk(node)
        )

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        # Names hold dates per function; a module constant is visible in every function.
        outer = set(self._dated_names)
        self.generic_visit(node)
        self._dated_names = outer

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_Assign(self, node: ast.Assign) -> None:
        if self._dated(node.value):
            self._dated_names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None and self._dated(node.value) and isinstance(node.target, ast.Name):
            self._dated_names.add(node.target.id)
        self.generic_visit(node)

    def visit_Compare(self, node: ast.Compare) -> None:
        self._check(node)
        self.generic_visit(node)

    def visit_BinOp(self, node: ast.BinOp) -> None:
        self._check(node)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        if _name(node.func) == "sleep" and any(self._dated(arg) for arg in node.args):
            self.lines.append(node.lineno)
        self.generic_visit(node)

    def _check(self, node: ast.AST) -> None:
        if self._dated(node) and any(_is_now(n) for n in ast.walk(node)):
            self.lines.append(getattr(node, "lineno", 0))


def dated_against_now(source: str) -> list[int]:
    """Lines where a literal date meets the real now, or is slept towards."""
    finder = _Finder()
    finder.visit(ast.parse(source))
    return sorted(set(finder.lines))


def test_the_check_finds_a_literal_date_slept_towards_or_compared_with_the_real_now() -> None:
    slept = """
async def test_x(env):
    wednesday = datetime(2026, 12, 30, 10, tzinfo=CHINA_TIME)
    await env.sleep(wednesday - await env.get_current_time())
"""
    compared = """
def test_y():
    assert date.today() < date(2027, 3, 31)
"""
    fixed = """
async def test_z(env, clock):
    start = await env.get_current_time()
    await env.sleep(timedelta(days=3))
    clock.set(datetime(2027, 4, 2, tzinfo=UTC))
    assert clock.now() > datetime(2027, 4, 1, tzinfo=UTC)
"""
    assert dated_against_now(slept) == [4]
    assert dated_against_now(compared) == [3]
    # Dates relative to the server's start, or against a clock the test controls, are the way to do it.
    assert dated_against_now(fixed) == []


def test_no_test_module_depends_on_the_day_it_runs() -> None:
    found = {
        path.relative_to(TESTS).as_posix(): lines
        for path in sorted(TESTS.rglob("*.py"))
        if path.name != Path(__file__).name and (lines := dated_against_now(path.read_text(encoding="utf-8")))
    }

    assert not found, f"literal dates against the real now (use a clock the test controls): {found}"
