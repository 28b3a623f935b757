"""Patches bundled into one marker per run: the runs started on today's code record a single baseline.

A `workflow.patched(id)` that takes its new branch records a marker and upserts the
TemporalChangeVersion search attribute: two history events per patch in every new run, 8 of a 困人救援
lifecycle's 51. Every patch that was in the code when BASELINE was cut is asked through `applies`
instead: a run that records BASELINE takes all their new branches and records nothing more for them.

Why old runs replay as before: `applies` asks for BASELINE before the patch itself, so BASELINE is first
decided at the run's first check of any bundled patch. A run started before the baseline replays that
check from its history, which has no BASELINE marker, and the SDK keeps the answer (no) for the whole
run: every bundled patch then decides from its own marker, as it always did. A run whose first check
happens live takes the new branches, as `workflow.patched` would have for each of them.

Baselines are cut again as patches accumulate; each bundles the patches added since the one before,
and a run started today records only the newest. `applies` asks the baselines from the newest down to
the one that bundled the patch, so a run recorded under an older baseline keeps the branches it took:
its replay finds no marker for the newer baselines (no, for the whole run) and decides from the marker
it has. A patch never consults a baseline older than its own: a run of that baseline never took it.

A run started by today's code records no baseline at all: its starter puts `start_memo()` in the run's
memo (fixed at the start, in history, and carried over by continue-as-new), and every patch bundled in
that baseline or an older one takes its new branch without asking. That spares every new run the marker
and the TemporalChangeVersion upsert a baseline costs (two history events, one visibility write). A run
started without the memo (before it existed, or by a test's own client) asks the baselines as above.
"""

from temporalio import workflow

# Oldest first; a new baseline goes at the end, and no baseline is ever removed or renamed.
BASELINES = ("baseline-2026-12", "baseline-2026-12-07", "baseline-2026-12-07b")
FIRST_BASELINE, SECOND_BASELINE, THIRD_BASELINE = BASELINES


# The memo key naming the baseline a run was started under; never renamed (histories hold it).
STARTED_UNDER_MEMO = "patch-baseline"


def start_memo() -> dict[str, str]:
    """The memo a starter gives a new run: the newest baseline, whose patches it takes without markers."""
    return {STARTED_UNDER_MEMO: BASELINES[-1]}


def applies(patch_id: str, bundled_in: str = FIRST_BASELINE) -> bool:
    """Whether this run takes the new branch of a bundled patch (`workflow.patched`, one marker per run).

    `bundled_in` is the first baseline that bundled the patch.
    """
    started_under = workflow.memo_value(STARTED_UNDER_MEMO, None, type_hint=str)
    # A baseline this code does not know (a newer release started the run) proves nothing here.
    if started_under in BASELINES and BASELINES.index(started_under) >= BASELINES.index(bundled_in):
        return True
    newer_first = reversed(BASELINES[BASELINES.index(bundled_in) :])
    return any(workflow.patched(baseline) for baseline in newer_first) or workflow.patched(patch_id)
