"""Short store calls of a workflow (registry lookup, deadlines, projection), as each history recorded them."""

from datetime import timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from workflows import patches

# Store calls (registry lookup, deadline computation, projection) run as local activities in new
# histories: each is a short database call on this worker, and a regular activity would cost two more
# workflow tasks and three history events per call for nothing (see bench/, goal lifecycle-ratio).
LOCAL_STORE_PATCH = "store-calls-as-local-activities"
STORE_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30))
STORE_TIMEOUT = timedelta(seconds=30)
Result = TypeVar("Result")


async def call_store(activity: str, arg: Any, result_type: type[Result] | None = None) -> Result:
    """Run a short store activity: locally on this worker in new histories, as before in old ones."""
    if patches.applies(LOCAL_STORE_PATCH):
        local: Result = await workflow.execute_local_activity(
            activity,
            arg,
            result_type=result_type,
            start_to_close_timeout=STORE_TIMEOUT,
            retry_policy=STORE_RETRY,
        )
        return local
    remote: Result = await workflow.execute_activity(
        activity, arg, result_type=result_type, start_to_close_timeout=STORE_TIMEOUT, retry_policy=STORE_RETRY
    )
    return remote
