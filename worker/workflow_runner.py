"""The SDK's workflow sandbox, minus two costs it charges every ticket for nothing.

1. Each new run re-imports the module that defines its workflow, so that module state cannot leak
   between runs. Ours hold no state, only constant tables; re-running them (the class body, and
   `workflow.defn` inspecting every handler) took 16% of the worker's samples in a py-spy profile of
   the lifecycle goal. Shared between runs, like the `domain` modules they already import passed
   through, they cost the worker 41 ms per 困人救援 lifecycle instead of 45. What the re-import also
   gave, the sandbox refusing `datetime.now()` and the like in workflow code, two tests keep: every
   saved history replays in the SDK's full sandbox (tests/workflows/test_replay.py), and the workflow
   modules are read for calls that cannot be deterministic (tests/workflows/test_determinism.py).
2. Before the worker encodes or decodes a payload of a workflow task, the SDK asks the workflow
   instance which serialization context (workflow, activity, child) the payload belongs to. In the
   sandbox each question compiles and runs a snippet inside it: 12% of the worker's CPU per 困人救援
   lifecycle in a py-spy profile of `make bench`. The answer only changes the bytes when the payload
   codec is context-aware or external storage is configured; our codec (AES-GCM with key rotation) is
   neither, so the answer is the same for every payload and the question is skipped.

Everything else, the workflow code above all, still runs in the sandbox.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from temporalio.converter import (
    DataConverter,
    SerializationContext,
    StorageDriverStoreContext,
    WithSerializationContext,
)
from temporalio.worker import WorkflowInstance, WorkflowInstanceDetails
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

if TYPE_CHECKING:
    from temporalio.bridge.proto.workflow_activation import WorkflowActivation
    from temporalio.bridge.proto.workflow_completion import WorkflowActivationCompletion
    from temporalio.workflow import Info


def payload_bytes_ignore_context(converter: DataConverter) -> bool:
    """True when a workflow task's payloads encode the same whatever serialization context they get."""
    return converter.external_storage is None and not isinstance(
        converter.payload_codec, WithSerializationContext
    )


# The package of every workflow the worker runs: stateless modules, so every run can share them.
SHARED_WORKFLOW_PACKAGE = "workflows"


class WorkerSandboxRunner(SandboxedWorkflowRunner):
    """A sandboxed runner that shares the workflow modules between runs and skips the context question."""

    def __init__(self, converter: DataConverter) -> None:
        super().__init__(
            restrictions=SandboxRestrictions.default.with_passthrough_modules(SHARED_WORKFLOW_PACKAGE)
        )
        self._skip_context = payload_bytes_ignore_context(converter)

    def create_instance(self, det: WorkflowInstanceDetails) -> WorkflowInstance:
        instance = super().create_instance(det)
        return _ContextFreeInstance(instance) if self._skip_context else instance


class _ContextFreeInstance(WorkflowInstance):
    def __init__(self, sandboxed: WorkflowInstance) -> None:
        self._sandboxed = sandboxed

    def activate(self, act: WorkflowActivation) -> WorkflowActivationCompletion:
        return self._sandboxed.activate(act)

    def get_info(self) -> Info:
        return self._sandboxed.get_info()

    def get_thread_id(self) -> int | None:
        return self._sandboxed.get_thread_id()

    def get_serialization_context(self, command_info: object) -> SerializationContext | None:
        # None selects the context-free converter, which encodes exactly as a context-bound one would.
        return None

    def get_external_store_context(self, command_info: object) -> StorageDriverStoreContext:
        # Only read by external storage, which this runner's converter does not have.
        return StorageDriverStoreContext()
