"""Saved histories of finished rescues must replay on today's code: a non-deterministic change fails here."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from tests.support.payload_keys import encrypting_data_converter
from worker.main import WORKFLOWS

HISTORIES: dict[str, Any] = {
    path.stem: json.loads(path.read_text())
    for path in sorted((Path(__file__).parent / "histories").glob("*.json"))
}


def test_histories_are_saved() -> None:
    assert {
        "rescue_closed_with_joined_reports",
        "rescue_cancelled",
        "rescue_every_breach",
        "rescue_stopping_the_car",
        "fault_repair_every_path",
        "maintenance_record_disputed",
        "maintenance_schedule_missed",
        "rescue_confirmation_disputed",
        "feedback_answered",
        "hazard_every_path",
        "rescue_late_arrival_clue",
        "violation_clue_penalised",
        "report_case_opened",
        "complaint_evaluated",
        "directive_every_path",
        "directive_signed_withdrawn",
        "directive_overdue_clue",
        "rescue_every_breach_local_store",
        "hazard_every_path_local_store",
        "rescue_closed_outbox",
        "rescue_closed_one_projection_per_step",
        "rescue_closed_patch_baseline",
        "rescue_every_breach_patch_baseline",
        "hazard_every_path_patch_baseline",
        "directive_every_path_allocated_number",
        "monitoring_watch_offline",
        "rescue_stopping_the_car_by_activity",
        "rescue_closed_search_attributes",
        "rescue_every_breach_search_attributes",
        "hazard_every_path_search_attributes",
        "credit_grading_month_before",
        "rescue_closed_started_under_baseline",
        "rescue_every_breach_started_under_baseline",
        "hazard_every_path_started_under_baseline",
        "rescue_closed_started_with_search_attributes",
        "rescue_every_breach_started_with_search_attributes",
    } <= set(HISTORIES)


@pytest.mark.parametrize("name", sorted(HISTORIES))
async def test_saved_history_replays(name: str) -> None:
    history_json = HISTORIES[name]
    workflow_id = history_json["events"][0]["workflowExecutionStartedEventAttributes"]["workflowId"]
    history = WorkflowHistory.from_json(workflow_id, history_json)
    # Histories recorded before payload encryption are plain; the codec passes such payloads through.
    replayer = Replayer(workflows=WORKFLOWS, data_converter=encrypting_data_converter())
    result = await replayer.replay_workflow(history, raise_on_replay_failure=True)
    assert result.replay_failure is None
