"""The cost of one lifecycle, ours against bare, as the report's table and the run's closing lines."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from accounting import HistoryCounts
from common import Report, ratio

# The order processes are listed in; a process one side does not have shows as 0.
PROCESSES = ["temporal server", "worker", "api", "mail sink", "driver"]
HISTORY_FIGURES = [
    "workflow_tasks",
    "events",
    "history_bytes",
    "activities",
    "local_activities",
    "child_workflows",
]


@dataclass
class Cost:
    ours_cpu: Mapping[str, float]
    ours_done: int
    bare_cpu: Mapping[str, float]
    bare_done: int
    ours_histories: HistoryCounts
    bare_histories: HistoryCounts

    def per_lifecycle_ms(self, cpu: Mapping[str, float], done: int) -> dict[str, float]:
        return {name: 1000 * cpu.get(name, 0.0) / done if done else float("nan") for name in PROCESSES}

    @property
    def ours_ms(self) -> float:
        return sum(self.per_lifecycle_ms(self.ours_cpu, self.ours_done).values())

    @property
    def bare_ms(self) -> float:
        return sum(self.per_lifecycle_ms(self.bare_cpu, self.bare_done).values())

    def lines(self) -> list[str]:
        """`cpu-per-lifecycle ours=<ms> bare=<ms> ratio=<r>`, then the split and the Temporal counts."""
        ours = self.per_lifecycle_ms(self.ours_cpu, self.ours_done)
        bare = self.per_lifecycle_ms(self.bare_cpu, self.bare_done)
        split = " ".join(f"{name.replace(' ', '-')}={ours[name]:.0f}/{bare[name]:.0f}" for name in PROCESSES)
        counts = " ".join(
            f"{figure.replace('_', '-')}={self.ours_histories.per_lifecycle(figure):.1f}/"
            f"{self.bare_histories.per_lifecycle(figure):.1f}"
            for figure in HISTORY_FIGURES
        )
        return [
            f"cpu-per-lifecycle ours={self.ours_ms:.0f} bare={self.bare_ms:.0f} "
            f"ratio={ratio(self.ours_ms, self.bare_ms):.2f}",
            f"cpu-per-lifecycle-split ms ours/bare: {split}",
            f"temporal-per-lifecycle ours/bare: {counts}",
        ]

    def markdown(self, report: Report) -> str:
        ours = self.per_lifecycle_ms(self.ours_cpu, self.ours_done)
        bare = self.per_lifecycle_ms(self.bare_cpu, self.bare_done)
        cpu_rows = [(name, ours[name], bare[name]) for name in PROCESSES]
        cpu_rows.append(("all", self.ours_ms, self.bare_ms))
        history_rows = [
            (
                figure.replace("_", " "),
                self.ours_histories.per_lifecycle(figure),
                self.bare_histories.per_lifecycle(figure),
            )
            for figure in HISTORY_FIGURES
        ]
        event_types = sorted(set(self.ours_histories.by_type) | set(self.bare_histories.by_type))
        ours_n = max(self.ours_histories.lifecycles, 1)
        bare_n = max(self.bare_histories.lifecycles, 1)
        type_rows = [
            (
                name,
                self.ours_histories.by_type[name] / ours_n,
                self.bare_histories.by_type[name] / bare_n,
                self.ours_histories.bytes_by_type[name] / ours_n,
                self.bare_histories.bytes_by_type[name] / bare_n,
            )
            for name in event_types
        ]
        return (
            "CPU-seconds from /proc (utime+stime) over the timed rounds, divided by the lifecycles completed; "
            "`driver` is the benchmark's process less the mail sink's thread (the load generator, and on the "
            "bare side its worker).\n\n"
            + report.table(["process", "ours ms/lifecycle", "bare ms/lifecycle"], cpu_rows)
            + f"\n**ratio {ratio(self.ours_ms, self.bare_ms):.2f}**.\n\n"
            f"Temporal's work per lifecycle, from the histories of {self.ours_histories.lifecycles} ours and "
            f"{self.bare_histories.lifecycles} bare lifecycles (child workflows included):\n\n"
            + report.table(["", "ours", "bare"], history_rows)
            + "\nEvents by type per lifecycle:\n\n"
            + report.table(["event", "ours", "bare", "ours bytes", "bare bytes"], type_rows)
        )
