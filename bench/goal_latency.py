"""Goal 2, latency-p99-ratio: action latency at fixed arrival rates, ours against a bare Update.

Open loop: action i is due at t0 + i/rate whatever the earlier ones did, and its latency counts from
that due time (a backlog is latency, not a pause). The actions are the four human steps of rescues
opened beforehand (accept, arrive, release, confirm); action i is step i // M of ticket i % M, so the
steps of one ticket are a quarter of the window apart. A step whose predecessor on the same ticket has
not answered yet waits for it (inside its latency) rather than meet a 409. Ours: POST
/tickets/{id}/{action} over HTTP; bare: the Update through the Temporal client.

Measured: the worst p99(ours) / p99(bare) over the rates at which bare keeps up (it completes at least
90% of the offered rate).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import uuid
from collections.abc import Awaitable, Callable

from bare import BareRescueWorkflow, act_bare, open_bare
from common import (
    MONITORING,
    Bench,
    GoalResult,
    OpenLoopResult,
    Stack,
    at_most,
    closed_loop,
    open_loop,
    ratio,
)
from goal_lifecycle import ACTIONS, MAILS_PER_RESCUE

TARGET = 1.5
RATES = [25, 50, 100]
KEEPS_UP = 0.9
SETUP_CONCURRENCY = 20
# The maintenance unit's dispatch and the use unit's notice.
MAILS_ON_OPENING = 2


async def _open_ours(stack: Stack, count: int) -> list[str]:
    codes = await stack.add_elevators(count)
    ticket_ids: list[str] = []

    async def create(code: str) -> None:
        created = await stack.post(
            "/tickets/rescue",
            MONITORING,
            {
                "elevator_code": code,
                "source": "alarm",
                "ref": f"bench-{uuid.uuid4().hex}",
                "alarm_type": "用户报警",
            },
        )
        if created.status_code != 201:
            raise RuntimeError(f"opening a rescue answered {created.status_code}: {created.text}")
        ticket_ids.append(created.json()["ticket_id"])

    await closed_loop(codes, SETUP_CONCURRENCY, create)
    return ticket_ids


async def _open_bare(stack: Stack, count: int) -> list[str]:
    codes = await stack.add_elevators(count)

    async def create(code: str) -> None:
        await open_bare(stack.client, stack.bare_task_queue, code, f"bench-{uuid.uuid4().hex}")

    await closed_loop(codes, SETUP_CONCURRENCY, create)
    return codes


async def _mails(stack: Stack, count: int) -> None:
    with contextlib.suppress(AssertionError):
        await stack.mail.wait_for_count(count, timeout=120)


async def _drive(
    rate: float, targets: list[str], send: Callable[[str, int], Awaitable[bool]]
) -> OpenLoopResult:
    """Four steps per target, step s of target t due at (s * len(targets) + t) / rate."""
    per_ticket = len(targets)
    previous: dict[int, asyncio.Future[None]] = {}

    async def job(i: int) -> bool:
        ticket, step = i % per_ticket, i // per_ticket
        before = previous.get(ticket)
        mine: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        previous[ticket] = mine
        try:
            if before is not None:
                await before
            return await send(targets[ticket], step)
        finally:
            mine.set_result(None)

    return await open_loop(rate, per_ticket * len(ACTIONS), job)


async def run(bench: Bench) -> list[GoalResult]:
    # At 4 s a rate (100 actions at 25/s) a p99 was the second slowest action: one pause of either side's
    # machine set the goal. 10 s gives 250 and 500 actions at the rates the issue names.
    seconds = 20.0 if bench.full else 10.0
    rows: list[tuple[object, ...]] = []
    ratios: list[float] = []
    measured_at: list[tuple[int, OpenLoopResult, OpenLoopResult]] = []
    async with bench.stack(bare_workflows=[BareRescueWorkflow]) as stack:

        async def send_ours(ticket_id: str, step: int) -> bool:
            action, user, body = ACTIONS[step]
            answer = await stack.post(f"/tickets/{ticket_id}/{action}", user, body)
            return answer.status_code == 200

        async def send_bare(code: str, step: int) -> bool:
            action, user, _ = ACTIONS[step]
            await act_bare(stack.client, code, action, user)
            return True

        # Warm-up at the lowest rate, not reported.
        warm = max(4, RATES[0] // 4)
        await _drive(RATES[0], await _open_bare(stack, warm), send_bare)
        await _drive(RATES[0], await _open_ours(stack, warm), send_ours)
        for rate in RATES:
            tickets = math.ceil(rate * seconds / len(ACTIONS))
            bare = await _drive(rate, await _open_bare(stack, tickets), send_bare)
            mails_at_start = stack.mail.received
            opened = await _open_ours(stack, tickets)
            # Let the opening's own work (projections, first mails) settle before the clock starts.
            await _mails(stack, mails_at_start + MAILS_ON_OPENING * tickets)
            ours = await _drive(rate, opened, send_ours)
            # Every mail of the level delivered before the next level starts: no overlap between levels.
            await _mails(stack, mails_at_start + MAILS_PER_RESCUE * tickets)
            keeps_up = bare.errors == 0 and bare.achieved >= KEEPS_UP * rate
            level_ratio = ratio(ours.p(99), bare.p(99))
            if keeps_up:
                ratios.append(level_ratio)
            measured_at.append((rate, ours, bare))
            rows.append(
                (
                    rate,
                    f"{ours.achieved:.1f}",
                    ours.errors,
                    ours.p(50) * 1000,
                    ours.p(99) * 1000,
                    f"{bare.achieved:.1f}",
                    bare.errors,
                    bare.p(50) * 1000,
                    bare.p(99) * 1000,
                    f"{level_ratio:.2f}",
                    "yes" if keeps_up else "no",
                )
            )
    measured = max(ratios) if ratios else math.nan
    rates = [float(r) for r, _, _ in measured_at]
    plot = bench.report.plot(
        "latency",
        "Action latency against offered load (open loop)",
        "offered actions/s",
        "latency (ms, log)",
        {
            "ours p50": (rates, [o.p(50) * 1000 for _, o, _ in measured_at]),
            "ours p99": (rates, [o.p(99) * 1000 for _, o, _ in measured_at]),
            "bare p50": (rates, [b.p(50) * 1000 for _, _, b in measured_at]),
            "bare p99": (rates, [b.p(99) * 1000 for _, _, b in measured_at]),
        },
        logy=True,
    )
    bench.report.section(
        "Goal 2: action latency at fixed rates (latency-p99-ratio)",
        f"{seconds:g} s of actions per rate and side; latency from each action's due time.\n\n"
        + bench.report.table(
            [
                "rate/s",
                "ours done/s",
                "ours errors",
                "ours p50 ms",
                "ours p99 ms",
                "bare done/s",
                "bare errors",
                "bare p50 ms",
                "bare p99 ms",
                "p99 ratio",
                "bare keeps up",
            ],
            rows,
        )
        + f"\n{plot}\n**worst p99 ratio where bare keeps up: {measured:.2f}** (target <= {TARGET}).\n",
    )
    worst = max(measured_at, key=lambda m: ratio(m[1].p(99), m[2].p(99)))
    note = f"worst at {worst[0]}/s: ours p99 {worst[1].p(99) * 1000:.0f} ms, bare p99 {worst[2].p(99) * 1000:.0f} ms"
    return [at_most("latency-p99-ratio", measured, TARGET, note)]
