"""`make faults`, short: lifecycles while workers are killed and Temporal, PostgreSQL and SMTP go away."""

from __future__ import annotations

from pathlib import Path

from faults.run import FaultPlan, run_faults


async def test_nothing_is_lost_sent_twice_or_answered_with_a_500_under_faults(tmp_path: Path) -> None:
    plan = FaultPlan.short()
    outcome = await run_faults(plan, tmp_path)

    print(outcome.table())
    assert outcome.worker_kills >= 2
    assert {name for name, _, _ in outcome.outages} == {"temporal", "postgres", "smtp"}
    assert (outcome.closed, outcome.failed_lifecycles) == (plan.lifecycles, [])
    assert outcome.mails_queued > 0
    assert (outcome.mails_lost, outcome.mails_duplicated) == ([], [])
    assert outcome.mismatches == []
    assert outcome.unexpected_5xx == []
    assert outcome.audit_broken is None
