"""The rescue's legal clocks: accept, arrive, the accident threshold and the use unit's confirmation.

A part of RescueWorkflow kept in a module of its own; the workflow supplies its state and the steps a
breach takes (dispatching, mailing, storing).
"""

from __future__ import annotations

from collections.abc import Callable

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.contracts import OpenClueInput
    from domain import rescue as rules
    from domain.rescue import RescueState
    from workflows import patches
    from workflows.clock import Clock, ClockState
    from workflows.ladder import Rung, climb
    from workflows.rescue_ticket import RescueTicket
    from workflows.ticket_io import MailEvent

CONFIRMATION_LADDER_PATCH = "rescue-confirmation-ladder"


class RescueDeadlines(RescueTicket):
    """Watches the rescue's deadlines and acts on each breach; mixed into RescueWorkflow."""

    async def _watch_accept(self) -> None:
        if await self._wait_or_breach("rescue.accept", lambda: self._state is not RescueState.DISPATCHED):
            return
        original = self._assigned
        registration = self._require_registration()
        self._io.flag(rules.FLAG_ACCEPT_OVERDUE)
        self._io.flag(rules.FLAG_REDISPATCHED)
        self._dispatch(registration.rescue_station, redispatched=True)
        event: MailEvent = {"original_unit_name": original.name if original else ""}
        self._notify("rescue_accept_overdue", registration.use_unit, event)
        self._notify("rescue_accept_overdue", registration.district_regulator, event)
        await self._project()

    async def _watch_arrival(self) -> None:
        waiting = (RescueState.REPORTED, RescueState.DISPATCHED, RescueState.ACCEPTED)
        if await self._wait_or_breach("rescue.arrive", lambda: self._state not in waiting):
            return
        self._io.flag(rules.FLAG_ARRIVAL_OVERDUE)
        self._io.record("arrival_overdue", note="超过到场时限仍未到达现场")
        registration = self._require_registration()
        self._notify("rescue_arrival_overdue", registration.district_regulator)
        await self._project()
        # The maintenance unit owes the 30-minute arrival (TSG T5002 Art 5), even after a re-dispatch.
        await self._io.open_clue_on_breach(
            "rescue.arrive",
            OpenClueInput(
                source_ticket_id=self._ticket_id,
                reason="rescue.arrive",
                elevator_code=registration.code,
                summary=f"困人救援超过到场时限未到达现场（{registration.address}）",
                suspect_unit=registration.maintenance_unit,
                linked_tickets=[self._ticket_id],
            ),
        )

    async def _watch_accident(self) -> None:
        if await self._wait_or_breach("rescue.accident", lambda: not self._state.people_trapped):
            return
        self._io.flag(rules.FLAG_ACCIDENT)
        self._io.record("accident", note="被困超过 2 小时，按一般事故上报")
        self._notify("rescue_accident", self._require_registration().district_regulator)
        await self._project()

    async def _await_confirmation(self) -> None:
        if patches.applies(CONFIRMATION_LADDER_PATCH):
            await self._confirm_on_the_ladder()
            return
        # Rescues started before the shared ladder replay exactly as they ran.
        registration = self._require_registration()
        assert self._released_at is not None
        if self._release_requests_confirmation:
            await workflow.wait_condition(lambda: self._confirm_clock is not None)
        else:
            await self._io.compute_deadlines(("rescue.confirm", self._released_at))
            self._notify("rescue_confirmation_requested", registration.use_unit)
            await self._project()
        if not await self._wait_or_breach("rescue.confirm", lambda: self._state is RescueState.CLOSED):
            self._io.flag(rules.FLAG_CONFIRMATION_OVERDUE)
            self._io.record("confirmation_overdue", note="使用管理单位逾期未确认，已升级至区市场监管局")
            self._notify("rescue_confirmation_overdue", registration.district_regulator)
            await self._project()
            await workflow.wait_condition(lambda: self._state is RescueState.CLOSED)
        self._announce_closure()

    async def _confirm_on_the_ladder(self) -> None:
        """The use unit confirms or disputes the release; reminder, then escalation, as for every kind."""
        registration = self._require_registration()
        assert self._released_at is not None
        confirm_from = self._released_at
        while self._state is not RescueState.CLOSED:
            if self._state is RescueState.RELEASE_DISPUTED:
                await workflow.wait_condition(lambda: self._state is not RescueState.RELEASE_DISPUTED)
                # The corrected release restarts the clock from when it was corrected.
                confirm_from = workflow.now()
                continue
            if self._release_requests_confirmation:
                # The release computed the clock and stored the request with its own projection.
                await workflow.wait_condition(lambda: self._confirm_clock is not None)
                assert self._confirm_clock is not None
                computed, self._confirm_clock = self._confirm_clock, None
            else:
                computed = (await self._io.compute_deadlines(("rescue.confirm", confirm_from)))[0]
                self._notify("rescue_confirmation_requested", registration.use_unit)
                await self._project()
            clock = Clock(
                ClockState(policy_key="rescue.confirm", due_at=computed.due_at, remind_at=computed.remind_at)
            )

            def mark_overdue() -> None:
                self._io.flag(rules.FLAG_CONFIRMATION_OVERDUE)

            rung = Rung("rescue.confirm", "确认", registration.use_unit, registration.district_regulator)
            await climb(
                clock,
                lambda: self._state is not RescueState.RELEASED,
                self._io,
                rung,
                self._notify,
                mark_overdue,
            )
        self._announce_closure()

    def _announce_closure(self) -> None:
        """Tell the use unit, the maintenance unit and any other rescuing unit that the rescue is closed."""
        if self._closure_announced:
            return
        self._closure_announced = True
        registration = self._require_registration()
        self._notify("rescue_closed", registration.use_unit)
        self._notify("rescue_closed", registration.maintenance_unit)
        if self._assigned and self._assigned.id != registration.maintenance_unit.id:
            self._notify("rescue_closed", self._assigned)

    def _announce_cancellation(self) -> None:
        registration = self._require_registration()
        event: MailEvent = {"reason": str(self._details.get("cancel_reason", ""))}
        recipients = [registration.use_unit]
        if self._assigned is not None:
            recipients.insert(0, self._assigned)
        for recipient in recipients:
            self._notify("rescue_cancelled", recipient, event)

    async def _wait_or_breach(self, policy_key: str, done: Callable[[], bool]) -> bool:
        """Wait until `done` or the policy's deadline; True when done in time."""
        # The rescue's statutory clocks are never extended or paused, but they wait the same way.
        return await Clock(ClockState(policy_key=policy_key, due_at=self._io.deadlines[policy_key])).wait(
            done
        )
