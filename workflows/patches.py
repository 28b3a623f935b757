"""Patches bundled into one marker per run: the runs started on today's code record a single baseline.

A `workflow.patched(id)` that takes its new branch records a marker and upserts the
TemporalChangeVersion search attribute: two history events per patch in every new run, 8 of a rescue
lifecycle's 51. Every patch that was in the code when BASELINE was cut is asked through `applies`
instead: a run that records BASELINE takes all their new branches and records nothing more for them.

Why old runs replay as before: `applies` asks for BASELINE before the patch itself, so BASELINE is first
decided at the run's first check of any bundled patch. A run started before the baseline replays that
check from its history, which has no BASELINE marker, and the SDK keeps the answer (no) for the whole
run: every bundled patch then decides from its own marker, as it always did. A run whose first check
happens live takes the new branches, as `workflow.patched` would have for each of them.

A patch added after this baseline calls `workflow.patched` itself until the next baseline bundles it.
"""

from temporalio import workflow

BASELINE = "baseline-2026-12"


def applies(patch_id: str) -> bool:
    """Whether this run takes the new branch of a bundled patch (`workflow.patched`, one marker per run)."""
    return workflow.patched(BASELINE) or workflow.patched(patch_id)
