"""Saved histories of finished rescues must replay on today's code: a non-deterministic change fails here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from worker.main import WORKFLOWS

HISTORIES = sorted((Path(__file__).parent / "histories").glob("*.json"))


def test_histories_are_saved() -> None:
    names = {path.stem for path in HISTORIES}
    assert {"rescue_closed_with_joined_reports", "rescue_cancelled", "rescue_every_breach"} <= names


@pytest.mark.parametrize("path", HISTORIES, ids=[path.stem for path in HISTORIES])
async def test_saved_history_replays(path: Path) -> None:
    history_json = json.loads(path.read_text())
    workflow_id = history_json["events"][0]["workflowExecutionStartedEventAttributes"]["workflowId"]
    history = WorkflowHistory.from_json(workflow_id, history_json)
    result = await Replayer(workflows=WORKFLOWS, data_converter=pydantic_data_converter).replay_workflow(
        history, raise_on_replay_failure=True
    )
    assert result.replay_failure is None
