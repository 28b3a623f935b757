"""Extension (延期) and pause (中止计时) of the running step's clock: the same Updates for every stepped kind.

A workflow class inherits these Updates and supplies the few facts they need about its own state.
"""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.kind_spec import DISTRICT_REGULATOR
    from domain.roles import Actor, Role
    from workflows.clock import Clock
    from workflows.rejections import invalid_input, not_permitted
    from workflows.step_models import ExtendInput, ReasonInput, StepInput, StepResult
    from workflows.ticket_base import StateT, SteppedTicket
    from workflows.update_spec import UpdateSpec, UpdateTable

# The refusal of a pause or resume on a clock the district regulator runs itself; `{regulator}` is its name.
REGULATOR_PAUSES_ZH = "计时中止与恢复由{regulator}办理"


class ClockedTicket(SteppedTicket[StateT]):
    """The clock Updates; a kind says who pauses its clock (`_check_clock_actor`) unless the regulator does."""

    def _check_clock_actor(self, actor: Actor) -> None:
        """Raise unless `actor` may stop and restart the running clock (the party that must act).

        Kinds whose clocks the district regulator runs (their SPEC's pausers) need not say more: time the
        law excludes (testing, an expert opinion) is the regulator's own to stop and restart.
        """
        if self.SPEC.pausers != DISTRICT_REGULATOR:
            raise NotImplementedError(f"{type(self).__name__} must say who pauses its clock")
        self._check_regulator(actor)

    @workflow.update
    async def extend(self, input: ExtendInput) -> StepResult:
        clock = self._running_clock("extend")
        previous = clock.state.due_at
        clock.extend(input.due_at)
        self._io.flag("extended")
        self._io.record(
            "extend",
            actor=input.actor,
            note=input.reason.strip(),
            data={
                "step": clock.state.policy_key,
                "from": previous.isoformat(),
                "to": input.due_at.isoformat(),
            },
        )
        await self._project()
        return self._result()

    @extend.validator
    def _validate_extend(self, input: ExtendInput) -> None:
        clock = self._running_clock("extend")
        self._check_regulator(input.actor, "延期只能由{regulator}批准")
        if not input.reason.strip():
            raise invalid_input("reason", "an extension needs a reason")
        if input.due_at.tzinfo is None or input.due_at <= clock.state.due_at:
            raise invalid_input("due_at", "must be later than the current deadline")

    @workflow.update
    async def pause(self, input: ReasonInput) -> StepResult:
        clock = self._running_clock("pause")
        clock.pause(workflow.now())
        self._details["paused"] = True
        self._io.record(
            "pause", actor=input.actor, note=input.reason.strip(), data={"step": clock.state.policy_key}
        )
        await self._project()
        return self._result()

    @pause.validator
    def _validate_pause(self, input: ReasonInput) -> None:
        clock = self._running_clock("pause")
        self._check_clock_actor(input.actor)
        if clock.paused:
            raise self._not_now("pause")
        if not input.reason.strip():
            raise invalid_input("reason", "a pause needs the reason the law excludes this time")

    @workflow.update
    async def resume(self, input: StepInput) -> StepResult:
        clock = self._running_clock("resume")
        paused_since = clock.state.paused_since
        clock.resume(workflow.now())
        self._details["paused"] = False
        self._details["paused_seconds"] = clock.state.paused_for.total_seconds()
        self._io.record(
            "resume",
            actor=input.actor,
            note=input.note,
            data={
                "step": clock.state.policy_key,
                "paused_since": paused_since.isoformat() if paused_since else None,
            },
        )
        await self._project()
        return self._result()

    @resume.validator
    def _validate_resume(self, input: StepInput) -> None:
        clock = self._running_clock("resume")
        self._check_clock_actor(input.actor)
        if not clock.paused:
            raise self._not_now("resume")

    # --- Shared answers ---------------------------------------------------------------------------

    def _check_regulator(self, actor: Actor, refusal: str = REGULATOR_PAUSES_ZH) -> None:
        """Raise unless `actor` is of the elevator's district regulator; `refusal` names it `{regulator}`.

        With the default refusal, this is `_check_clock_actor` of a kind whose clocks the regulator runs.
        """
        regulator = self._registration_or_fail().district_regulator
        if actor.role is not Role.REGULATOR or actor.organisation_id != regulator.id:
            raise not_permitted(refusal.format(regulator=regulator.name))

    def _allowed(self) -> list[str]:
        allowed = self._kind_allowed()
        if self._clock is not None and not self._is_final():
            allowed += ["extend", "resume" if self._clock.paused else "pause"]
        return allowed

    def _running_clock(self, action: str) -> Clock:
        if self._clock is None or self._is_final():
            raise self._not_now(action)
        return self._clock


# The clock's actions: the same Updates, inputs and bodies on every kind with a movable clock.
CLOCK_UPDATES: UpdateTable = {
    "extend": UpdateSpec(ClockedTicket.extend, ExtendInput),
    "pause": UpdateSpec(ClockedTicket.pause, ReasonInput),
    "resume": UpdateSpec(ClockedTicket.resume, StepInput),
}
