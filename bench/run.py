"""The one entry point of the benchmarks: `python bench/run.py --short|--full [--only NAME ...]`.

Runs each goal module present in bench/ (goal_lifecycle, goal_latency, goal_storm, goal_read_model,
goal_open_tickets) on one Temporal dev server, appends its figures to var/bench/report.md and ends with one
line per goal: `goal <name> <measured> <target> met|missed`. Run from the repository root with
PYTHONPATH=. (the Makefile does): the goals import the application and tests.support.

A goal module exposes `async def run(bench: common.Bench) -> list[common.GoalResult]`; `bench.full`
says which size to run, `bench.stack()` builds the app under test, `bench.report` takes its section.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import importlib.util
import logging
import sys
import time
import traceback

from common import REPORT_FILE, GoalResult, bench_context

# The longest at full size (100,000 waiting tickets) runs last, so the others report first.
GOAL_MODULES = ["goal_lifecycle", "goal_latency", "goal_storm", "goal_read_model", "goal_open_tickets"]


async def main(full: bool, only: list[str]) -> int:
    modules = [name for name in GOAL_MODULES if importlib.util.find_spec(name) is not None]
    if only:
        modules = [name for name in modules if any(part in name for part in only)]
    results: list[GoalResult] = []
    failures: list[str] = []
    async with bench_context(full) as bench:
        for name in modules:
            started = time.perf_counter()
            print(f"== {name} ({'full' if full else 'short'})", flush=True)
            try:
                module = importlib.import_module(name)
                goal_results: list[GoalResult] = await module.run(bench)
            except Exception:
                traceback.print_exc()
                failures.append(name)
                continue
            results += goal_results
            for result in goal_results:
                print(f"   {result.line()}  {result.note}", flush=True)
            print(f"== {name} took {time.perf_counter() - started:.0f} s", flush=True)
        if results:
            bench.report.summary(results)
        if bench.figures:
            bench.report.section("Figures", "\n".join(f"    {line}" for line in bench.figures))
    print(f"\nreport: {REPORT_FILE}")
    for name in failures:
        print(f"goal module {name} failed (see the traceback above)")
    for result in results:
        print(result.line())
    for line in bench.figures:
        print(line)
    return 1 if failures else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--short", action="store_true", help="the sizes of `make bench` (default)")
    size.add_argument("--full", action="store_true", help="the sizes of the issue (`make bench-full`)")
    parser.add_argument(
        "--only", nargs="*", default=[], help="run only goal modules whose name contains one of these"
    )
    arguments = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    sys.exit(asyncio.run(main(arguments.full, arguments.only)))
