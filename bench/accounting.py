"""What one lifecycle costs: CPU-seconds per process from /proc, and the Temporal work in its histories.

CPU time is the figure that stays stable on a noisy machine (wall time does not): a process that waits
for another costs nothing here. Each process is read from /proc/<pid>/stat (utime + stime, children
excluded); inside the benchmark's own process the mail sink's thread is read apart from the rest (the
load generator, and for the bare side its worker), from /proc/self/task/<tid>/stat.
"""

from __future__ import annotations

import os
import threading
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from temporalio.api.enums.v1 import EventType
from temporalio.client import Client

_TICKS = os.sysconf("SC_CLK_TCK")
LOCAL_ACTIVITY_MARKER = "core_local_activity"


def _stat_cpu(path: Path) -> float:
    """utime + stime of one /proc stat file, in seconds (0 once the process or thread is gone)."""
    try:
        text = path.read_text()
    except OSError:
        return 0.0
    # The command name (field 2) may hold spaces; the fields after its closing parenthesis do not.
    fields = text[text.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


def process_cpu(pid: int) -> float:
    return _stat_cpu(Path(f"/proc/{pid}/stat"))


def thread_cpu(native_id: int) -> float:
    return _stat_cpu(Path(f"/proc/self/task/{native_id}/stat"))


def child_pid(command_part: str) -> int | None:
    """A child process of this one whose command line holds `command_part` (the Temporal dev server)."""
    for task in Path("/proc/self/task").iterdir():
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for pid in children:
            try:
                command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if command_part in command:
                return int(pid)
    return None


@dataclass
class CpuMeter:
    """CPU seconds of named processes (and of named threads of this process), between two readings."""

    processes: Mapping[str, int]
    threads: Mapping[str, threading.Thread] = field(default_factory=dict)
    # What this process spends outside the named threads is reported under this name.
    self_name: str = "driver"

    def read(self) -> dict[str, float]:
        reading = {name: process_cpu(pid) for name, pid in self.processes.items()}
        threads = {name: thread_cpu(t.native_id) for name, t in self.threads.items() if t.native_id}
        reading |= threads
        reading[self.self_name] = process_cpu(os.getpid()) - sum(threads.values())
        return reading

    @staticmethod
    def spent(before: Mapping[str, float], after: Mapping[str, float]) -> dict[str, float]:
        return {name: after[name] - before.get(name, 0.0) for name in after}


@dataclass
class HistoryCounts:
    """Temporal's work for a set of lifecycles, summed over their histories (child workflows included)."""

    lifecycles: int = 0
    events: int = 0
    workflow_tasks: int = 0
    activities: int = 0
    local_activities: int = 0
    child_workflows: int = 0
    # Serialised size of the events as the server stores them (payloads as the codec left them).
    history_bytes: int = 0
    by_type: Counter[str] = field(default_factory=Counter)
    bytes_by_type: Counter[str] = field(default_factory=Counter)

    def per_lifecycle(self, what: str) -> float:
        value: int = getattr(self, what)
        return value / self.lifecycles if self.lifecycles else float("nan")


async def count_histories(client: Client, workflow_ids: Iterable[str]) -> HistoryCounts:
    """Walk each workflow's history, and those of the children it started."""
    counts = HistoryCounts()
    for workflow_id in workflow_ids:
        counts.lifecycles += 1
        pending = [workflow_id]
        while pending:
            history = await client.get_workflow_handle(pending.pop()).fetch_history()
            for event in history.events:
                name = EventType.Name(event.event_type).removeprefix("EVENT_TYPE_")
                size = event.ByteSize()
                counts.by_type[name] += 1
                counts.bytes_by_type[name] += size
                counts.events += 1
                counts.history_bytes += size
                if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
                    counts.workflow_tasks += 1
                elif event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
                    counts.activities += 1
                elif event.event_type == EventType.EVENT_TYPE_MARKER_RECORDED:
                    # Patch markers (`workflow.patched`) are markers too, but run nothing.
                    marker = event.marker_recorded_event_attributes.marker_name
                    if marker == LOCAL_ACTIVITY_MARKER:
                        counts.local_activities += 1
                elif event.event_type == EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
                    counts.child_workflows += 1
                    attributes = event.start_child_workflow_execution_initiated_event_attributes
                    pending.append(attributes.workflow_id)
    return counts
