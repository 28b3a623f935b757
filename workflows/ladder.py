"""The escalation ladder every step of every kind climbs: remind whoever must act, then escalate.

The next rungs (a 安全监察指令书, then a penalty case) plug in here when those kinds arrive:
the regulator acts on what this ladder puts in its queue.
"""

from collections.abc import Callable
from dataclasses import dataclass

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.registry import OrganisationRef
    from workflows.clock import Clock
    from workflows.ticket_io import MailEvent, TicketIO

Notify = Callable[[str, OrganisationRef, MailEvent], None]


@dataclass(frozen=True)
class Rung:
    """One step on the ladder: its policy row, its name in mails, who must act, who hears of a miss."""

    step_key: str
    step_label: str
    party: OrganisationRef
    regulator: OrganisationRef


async def climb(
    clock: Clock,
    done: Callable[[], bool],
    io: TicketIO,
    rung: Rung,
    notify: Notify,
    mark_overdue: Callable[[], None],
) -> bool:
    """Wait for `done` on `clock`; remind at the reminder time, escalate at the deadline. True if in time."""
    if not await clock.wait_until_reminder(done):
        io.flag("reminded")
        io.record("reminder", note=f"提醒：{rung.step_label}即将到期", data={"step": rung.step_key})
        notify(
            "work_order_reminder",
            rung.party,
            {"step_label": rung.step_label, "escalates_to": rung.regulator.name},
        )
        await io.project()
    if await clock.wait(done):
        return True
    mark_overdue()
    io.flag("escalated")
    io.flag(f"{rung.step_key.split('.', 1)[1]}_overdue")
    io.record(
        "escalated",
        note=f"{rung.step_label}逾期，已升级至{rung.regulator.name}",
        data={"step": rung.step_key},
    )
    notify(
        "work_order_escalated",
        rung.regulator,
        {"step_label": rung.step_label, "due_party_name": rung.party.name},
    )
    await io.project()
    # Escalated work still has to be done; the regulator's queue shows it until it is.
    await workflow.wait_condition(done)
    return False
