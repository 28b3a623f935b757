"""Goal 4, storm-dedup and storm-ratio: an alarm storm, deduplicated, against bare update-with-start.

1,000 alarms for 100 elevators (a power cut) posted at once through POST /tickets/rescue as the
monitoring platform: each elevator gets 10 alarms carrying only 3 distinct alarm ids, so most are
repeats of an alarm already sent (the platform retries) and the rest are further alarms of the same
entrapment. Exactly 100 rescue tickets must come of it, and no answer may be a 5xx. The baseline sends
the same 1,000 reports as update-with-start calls of the bare workflow (one run per elevator) through
the Temporal client, with the same number in flight.
"""

from __future__ import annotations

import random
import uuid
from collections import Counter

from bare import BareRescueWorkflow, bare_workflow_id, open_bare
from common import DISPATCHER, MONITORING, Bench, GoalResult, Stack, at_least, closed_loop, ratio

ALARMS = 1000
ELEVATORS = 100
REFS_PER_ELEVATOR = 3
IN_FLIGHT = 200
RATIO_TARGET = 0.5


def _storm(codes: list[str], seed: int) -> list[tuple[str, str]]:
    """(elevator, alarm id) pairs, shuffled: ALARMS // len(codes) per elevator over a few alarm ids."""
    rng = random.Random(seed)
    tag = uuid.uuid4().hex[:8]
    alarms = [
        (code, f"storm-{tag}-{code}-{rng.randrange(REFS_PER_ELEVATOR)}")
        for code in codes
        for _ in range(ALARMS // len(codes))
    ]
    rng.shuffle(alarms)
    return alarms


async def _ours(stack: Stack, alarms: list[tuple[str, str]]) -> tuple[float, Counter[int], set[str]]:
    statuses: Counter[int] = Counter()
    tickets: set[str] = set()

    async def post(alarm: tuple[str, str]) -> None:
        code, ref = alarm
        answer = await stack.post(
            "/tickets/rescue",
            MONITORING,
            {"elevator_code": code, "source": "alarm", "ref": ref, "alarm_type": "停电困人"},
        )
        statuses[answer.status_code] += 1
        if answer.status_code in (200, 201):
            tickets.add(answer.json()["ticket_id"])

    wall = await closed_loop(alarms, IN_FLIGHT, post)
    return wall, statuses, tickets


async def _bare(stack: Stack, alarms: list[tuple[str, str]]) -> tuple[float, int]:
    failures = 0

    async def post(alarm: tuple[str, str]) -> None:
        nonlocal failures
        try:
            await open_bare(stack.client, stack.bare_task_queue, *alarm)
        except Exception:
            failures += 1

    wall = await closed_loop(alarms, IN_FLIGHT, post)
    return wall, failures


async def _call_off(stack: Stack, tickets: set[str], bare_codes: list[str]) -> None:
    """End the storm's rescues (the dispatcher calls them off) and the bare runs."""

    async def cancel(ticket_id: str) -> None:
        await stack.post(f"/tickets/{ticket_id}/cancel", DISPATCHER, {"reason": "压测结束"})

    async def terminate(code: str) -> None:
        await stack.client.get_workflow_handle(bare_workflow_id(code)).terminate(reason="benchmark over")

    await closed_loop(sorted(tickets), 20, cancel)
    await closed_loop(bare_codes, 20, terminate)


async def run(bench: Bench) -> list[GoalResult]:
    async with bench.stack(bare_workflows=[BareRescueWorkflow]) as stack:
        # Warm-up: a small storm on other elevators for both sides.
        warm_ours, warm_bare = await stack.add_elevators(10), await stack.add_elevators(10)
        _, _, warm_tickets = await _ours(stack, _storm(warm_ours, 1)[:100])
        await _bare(stack, _storm(warm_bare, 1)[:100])
        await _call_off(stack, warm_tickets, warm_bare)

        bare_codes = await stack.add_elevators(ELEVATORS)
        bare_wall, bare_failures = await _bare(stack, _storm(bare_codes, 8))
        ours_codes = await stack.add_elevators(ELEVATORS)
        ours_wall, statuses, tickets = await _ours(stack, _storm(ours_codes, 8))
        # Every opening answered only once its ticket was stored: the read model is complete now.
        stored = await stack.rescue_tickets_on(ours_codes)
        await _call_off(stack, tickets, bare_codes)
    server_errors = sum(n for status, n in statuses.items() if status >= 500)
    ours_rate, bare_rate = ALARMS / ours_wall, ALARMS / bare_wall
    measured = ratio(ours_rate, bare_rate)
    bench.report.section(
        "Goal 4: alarm storm (storm-dedup, storm-ratio)",
        f"{ALARMS} alarms for {ELEVATORS} elevators ({REFS_PER_ELEVATOR} distinct alarm ids per elevator), "
        f"{IN_FLIGHT} in flight.\n\n"
        + bench.report.table(
            ["", "wall s", "alarms/s", "answers", "tickets (answers)", "tickets (read model)"],
            [
                ("ours (HTTP)", ours_wall, ours_rate, dict(sorted(statuses.items())), len(tickets), stored),
                ("bare (update-with-start)", bare_wall, bare_rate, f"{bare_failures} failed", "", ""),
            ],
        )
        + f"\n**ratio {measured:.2f}** (target >= {RATIO_TARGET}); 5xx answers: {server_errors}.\n",
    )
    dedup_exact = server_errors == 0 and len(tickets) == ELEVATORS and stored == ELEVATORS
    dedup = GoalResult(
        "storm-dedup",
        float(stored),
        float(ELEVATORS),
        dedup_exact,
        f"{len(tickets)} ticket ids answered, {server_errors} 5xx, answers {dict(sorted(statuses.items()))}",
    )
    return [
        dedup,
        at_least("storm-ratio", measured, RATIO_TARGET, f"ours {ours_rate:.0f}/s, bare {bare_rate:.0f}/s"),
    ]
