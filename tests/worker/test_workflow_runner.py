"""The worker's sandbox skips asking for a payload's serialization context only when no codec could use it."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Sequence

from temporalio.api.common.v1 import Payload
from temporalio.client import Client
from temporalio.converter import (
    ActivitySerializationContext,
    PayloadCodec,
    SerializationContext,
    WithSerializationContext,
)
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from elevator_orders.settings import Settings
from elevator_orders.temporal import data_converter
from tests.support.shout import ShoutWorkflow, shout
from worker.workflow_runner import WorkerSandboxRunner, payload_bytes_ignore_context


class ContextRecordingCodec(PayloadCodec, WithSerializationContext):
    """Leaves payloads as they are and notes every context it is bound to, as a per-tenant codec would use it."""

    def __init__(self, seen: list[SerializationContext]) -> None:
        self.seen = seen

    def with_context(self, context: SerializationContext) -> ContextRecordingCodec:
        self.seen.append(context)
        return self

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return list(payloads)

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return list(payloads)


def test_the_platform_codec_encodes_the_same_in_every_context(settings: Settings) -> None:
    assert payload_bytes_ignore_context(data_converter(settings))


async def test_a_context_aware_codec_still_gets_each_local_activitys_context(
    dev_server: WorkflowEnvironment,
) -> None:
    seen: list[SerializationContext] = []
    converter = dataclasses.replace(
        dev_server.client.data_converter, payload_codec=ContextRecordingCodec(seen)
    )
    assert not payload_bytes_ignore_context(converter)
    config = dev_server.client.config()
    config["data_converter"] = converter
    client = Client(**config)
    task_queue = f"runner-{uuid.uuid4().hex}"
    async with Worker(
        client,
        task_queue=task_queue,
        workflows=[ShoutWorkflow],
        activities=[shout],
        workflow_runner=WorkerSandboxRunner(converter),
    ):
        answer = await client.execute_workflow(
            ShoutWorkflow.run, "help", id=f"shout-{uuid.uuid4().hex}", task_queue=task_queue
        )
    assert answer == "HELP"
    assert any(
        isinstance(context, ActivitySerializationContext)
        and context.activity_type == "shout"
        and context.is_local
        for context in seen
    )
