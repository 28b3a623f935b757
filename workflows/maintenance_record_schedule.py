"""Each elevator's maintenance schedule: a record at least every 15 days (条例 Art 31), or the regulator hears.

One long-lived workflow per elevator. It counts from the latest maintenance visit, reminds the
maintenance unit before the interval runs out, and on a miss puts a 超期未维保 ticket in the district
regulator's queue, which it resolves when the next visit is recorded. Every visit continues the
workflow as new, so its history stays short however many years the elevator runs.
"""

from datetime import datetime, timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.contracts import MailTicketFacts, OpenClueInput
    from domain.calendar import CHINA_TIME
    from domain.kinds import TicketKind
    from domain.maintenance_record import MissedMaintenanceState, missed_maintenance_ticket_id
    from domain.registry import ElevatorRegistration, OrganisationRef
    from domain.tickets import TicketSnapshot
    from workflows.clock import Clock, ClockState
    from workflows.maintenance_record_models import RecordPerformed, ScheduleInput, ScheduleState
    from workflows.names import MAINTENANCE_SCHEDULE_WORKFLOW, RECORD_PERFORMED_SIGNAL
    from workflows.ticket_io import MailEvent, TicketIO

INTERVAL = "maintenance_record.interval"


@workflow.defn(name=MAINTENANCE_SCHEDULE_WORKFLOW)
class MaintenanceScheduleWorkflow:
    @workflow.init
    def __init__(self, input: ScheduleInput) -> None:
        self._input = input
        self._last = input.last_performed_at
        self._last_ticket = input.last_record_ticket_id
        self._due_at: datetime | None = None
        self._registration: ElevatorRegistration | None = None
        self._missed: TicketIO | None = None
        self._missed_state = MissedMaintenanceState.OVERDUE
        self._missed_opened_at: datetime | None = None

    @workflow.run
    async def run(self, input: ScheduleInput) -> None:
        # Anything started the schedule without a visit yet waits for the first one.
        await workflow.wait_condition(lambda: self._last is not None)
        # The schedule's own mails and deadlines; the schedule itself is no ticket in the read model.
        clock_io = TicketIO(
            workflow.info().workflow_id,
            timedelta(seconds=input.mail_grace_seconds),
            self._state_name,
            self._not_projected,
            projected=False,
        )
        self._registration = await clock_io.lookup(input.elevator_code)
        counted_from = self._last
        assert counted_from is not None
        computed = (await clock_io.compute_deadlines((INTERVAL, counted_from)))[0]
        self._due_at = computed.due_at
        clock = Clock(ClockState(policy_key=INTERVAL, due_at=computed.due_at, remind_at=computed.remind_at))

        def visited() -> bool:
            return self._last is not None and self._last > counted_from

        if not await clock.wait_until_reminder(visited):
            self._remind(clock_io)
        if not await clock.wait(visited):
            await self._open_missed(computed.due_at, clock_io)
            await workflow.wait_condition(visited)
        if self._missed is not None:
            self._missed_state = MissedMaintenanceState.RESOLVED
            self._missed.record("resolved", note="已补做维保", data={"record_ticket_id": self._last_ticket})
            await self._missed.project()
            await self._missed.hand_off_pending_mails()
        await clock_io.hand_off_pending_mails()
        await workflow.wait_condition(workflow.all_handlers_finished)
        workflow.continue_as_new(
            ScheduleInput(
                elevator_code=input.elevator_code,
                last_performed_at=self._last,
                last_record_ticket_id=self._last_ticket,
                mail_grace_seconds=input.mail_grace_seconds,
            )
        )

    @workflow.signal(name=RECORD_PERFORMED_SIGNAL)
    def record_performed(self, performed: RecordPerformed) -> None:
        # Records may arrive late or twice; only a later visit moves the schedule.
        if self._last is None or performed.performed_at > self._last:
            self._last = performed.performed_at
            self._last_ticket = performed.ticket_id

    @workflow.query
    def schedule(self) -> ScheduleState:
        return ScheduleState(
            elevator_code=self._input.elevator_code,
            last_performed_at=self._last,
            due_at=self._due_at,
            missed_ticket_id=self._missed.ticket_id if self._missed else None,
        )

    def _remind(self, io: TicketIO) -> None:
        registration = self._require_registration()
        self._mail(io, "work_order_reminder", registration.maintenance_unit, {"step_label": "维保"})

    async def _open_missed(self, due_at: datetime, clock_io: TicketIO) -> None:
        registration = self._require_registration()
        due_date = due_at.astimezone(CHINA_TIME).date().isoformat()
        ticket_id = missed_maintenance_ticket_id(self._input.elevator_code, due_date)
        self._missed_opened_at = workflow.now()
        missed = TicketIO(
            ticket_id,
            timedelta(seconds=self._input.mail_grace_seconds),
            lambda: self._missed_state.value,
            self._missed_snapshot,
            # A second ticket of the schedule's run: the run's search attributes are not its.
            searchable=False,
        )
        self._missed = missed
        missed.flag("escalated")
        missed.flag("interval_overdue")
        missed.record(
            "escalated",
            note="超过 15 日未提交维保记录，已升级至区市场监管局",
            data={
                "last_performed_at": self._last.isoformat() if self._last else None,
                "due_at": due_at.isoformat(),
            },
        )
        self._mail(
            missed,
            "work_order_escalated",
            registration.district_regulator,
            {"step_label": "维保", "due_party_name": registration.maintenance_unit.name},
        )
        await missed.project()
        # The schedule's own deadlines say whether a missed interval opens a clue (条例 Art 31).
        missed.clue_policies = set(clock_io.clue_policies)
        await missed.open_clue_on_breach(
            INTERVAL,
            OpenClueInput(
                source_ticket_id=ticket_id,
                reason=INTERVAL,
                elevator_code=registration.code,
                summary=f"超过 15 日未进行维护保养（上次维保：{self._last.astimezone(CHINA_TIME).date() if self._last else '无记录'}）",
                suspect_unit=registration.maintenance_unit,
                linked_tickets=[ticket_id, *([self._last_ticket] if self._last_ticket else [])],
            ),
        )

    def _missed_snapshot(self, projection_seq: int) -> TicketSnapshot:
        registration = self._require_registration()
        missed = self._missed
        assert missed is not None
        assert self._missed_opened_at is not None
        resolved = self._missed_state is MissedMaintenanceState.RESOLVED
        return missed.build_snapshot(
            projection_seq,
            kind=TicketKind.MAINTENANCE_RECORD,
            elevator_code=self._input.elevator_code,
            registration=registration,
            assigned_unit_id=registration.maintenance_unit.id,
            opened_at=self._missed_opened_at,
            due_at=self._due_at,
            overdue=not resolved,
            closed_at=workflow.now() if resolved else None,
            details={
                "last_performed_at": self._last.isoformat() if self._last else None,
                "last_record_ticket_id": self._last_ticket,
            },
            deadlines={INTERVAL: self._due_at} if self._due_at else {},
        )

    def _mail(self, io: TicketIO, template: str, recipient: OrganisationRef, event: MailEvent) -> None:
        registration = self._require_registration()
        facts = MailTicketFacts(
            ticket_id=io.ticket_id,
            kind=TicketKind.MAINTENANCE_RECORD.value,
            kind_label="维保计划",
            state_label="待维保" if self._missed is None else self._missed_state.label_zh,
            source_label="15 日维保周期",
            alarm_at=self._last or workflow.now(),
            assigned_unit_name=registration.maintenance_unit.name,
            due_at=self._due_at,
            step_label="维保",
        )
        io.mail(template, recipient, facts, registration, event)

    def _state_name(self) -> str:
        return self._missed_state.value

    def _not_projected(self, projection_seq: int) -> TicketSnapshot:
        raise AssertionError("the schedule itself is not projected; only a missed interval is")

    def _require_registration(self) -> ElevatorRegistration:
        assert self._registration is not None
        return self._registration
