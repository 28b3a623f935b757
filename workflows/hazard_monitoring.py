"""The watch over monitoring devices: a sweep every interval opens a 远程监测离线 隐患 for a silent one.

One run for the deployment (`monitoring_watch_id`), started when devices are first heard from. Each sweep
is an activity (the silent devices are in the store); the run starts afresh every `sweeps_per_run`
sweeps, so its history stays short however long it watches.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.contracts import SWEEP_MONITORING, SweepInput, SweepResult


def monitoring_watch_id(task_queue: str) -> str:
    """One watch per deployment: its workers' task queue names it."""
    return f"monitoring-watch:{task_queue}"


@dataclass
class WatchInput:
    interval_seconds: float = 60.0
    sweeps_per_run: int = 500


@workflow.defn(name="MonitoringWatch")
class MonitoringWatchWorkflow:
    @workflow.run
    async def run(self, input: WatchInput) -> None:
        for _ in range(input.sweeps_per_run):
            await workflow.execute_activity(
                SWEEP_MONITORING,
                SweepInput(now=workflow.now()),
                result_type=SweepResult,
                start_to_close_timeout=timedelta(minutes=2),
                retry_policy=RetryPolicy(maximum_interval=timedelta(minutes=1)),
            )
            await workflow.sleep(timedelta(seconds=input.interval_seconds))
        workflow.continue_as_new(input)
