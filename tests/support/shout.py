"""The smallest workflow with a local activity, in a module light enough for the sandbox to import."""

from __future__ import annotations

from datetime import timedelta

from temporalio import activity, workflow


@activity.defn
async def shout(text: str) -> str:
    return text.upper()


@workflow.defn
class ShoutWorkflow:
    @workflow.run
    async def run(self, text: str) -> str:
        return await workflow.execute_local_activity(
            shout, text, start_to_close_timeout=timedelta(seconds=30)
        )
