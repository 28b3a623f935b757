"""What every ticket workflow does the same way: its timeline, its projection, its clocks and its mail."""

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError, CancelledError
from temporalio.workflow import ActivityCancellationType, ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from activities.contracts import (
        COMPUTE_DEADLINES,
        LOOKUP_ELEVATOR,
        OPEN_VIOLATION_CLUE,
        PREPARE_TICKET,
        PROJECT_TICKET,
        SEND_NOTIFICATION,
        ComputedDeadline,
        ComputeDeadlinesInput,
        ComputeDeadlinesOutput,
        DeadlineRequest,
        DeadlineTerms,
        LookupElevatorInput,
        MailTicketFacts,
        NotificationInput,
        OpenClueInput,
        OpenedTicket,
        PreparedTicket,
        PrepareTicketInput,
        ProjectTicketInput,
    )
    from domain.kinds import TicketKind
    from domain.registry import ElevatorRegistration, OrganisationRef
    from domain.roles import Actor
    from domain.tickets import DetailValue, ReportRef, TicketSnapshot, TimelineEvent
    from workflows import patches
    from workflows.mail_delivery import (
        MAIL_RETRY,
        MAIL_TIMEOUT,
        MailDeliveryWorkflow,
        mail_delivery_workflow_id,
    )
    from workflows.search_attributes import SearchIndex
    from workflows.store_calls import STORE_RETRY, STORE_TIMEOUT, call_store

AUTO_CLUE_PATCH = "breach-opens-violation-clue"
# Mails go into the outbox with the projection that records their step, in one transaction, and a
# worker's delivery loop sends them: no activity, no workflow task and no history events per mail, and
# nothing to hand off when the ticket closes (see bench/, cpu-per-lifecycle). Older histories keep
# sending through an activity each.
OUTBOX_PATCH = "mail-through-outbox"
# The registry lookup and the opening clocks in one local activity, which also keeps the terms of the
# ticket's later fixed-duration clocks, so starting one is arithmetic on history (see bench/,
# cpu-per-lifecycle: two local activities fewer in a lifecycle with a later clock).
ONE_OPENING_CALL_PATCH = "one-opening-call"
MailEvent = dict[str, str | int | bool | None]


class TicketIO:
    """The timeline, projection and mail of one ticket workflow; the workflow owns its state machine."""

    def __init__(
        self,
        ticket_id: str,
        mail_grace: timedelta,
        state: Callable[[], str],
        snapshot: Callable[[int], TicketSnapshot],
        *,
        projected: bool = True,
        searchable: bool = True,
        filed_at: datetime | None = None,
    ) -> None:
        """`state()` is the ticket's state now; `snapshot(n)` builds projection number n of the ticket.

        `filed_at` is when the ticket was filed: its clocks follow the policy rows in force that day.

        An IO that is never `projected` (a schedule, not a ticket) sends each mail by an activity: the
        outbox is written with projections. A `searchable` IO keeps its run's search attributes current:
        the ticket a workflow is, not a second ticket it also keeps.
        """
        self._projected = projected
        self._search_index = SearchIndex() if searchable else None
        self._filed_at = filed_at
        self.ticket_id = ticket_id
        self._state = state
        self._snapshot = snapshot
        self.seq = 0
        self.deadlines: dict[str, datetime] = {}
        self.provisional: list[str] = []
        self.flags: list[str] = []
        # Policy rows whose breach opens a violation clue, as the computed deadlines said.
        self.clue_policies: set[str] = set()
        # Fixed-duration policy rows as they stood when the ticket opened, for clocks started later.
        self._terms: dict[str, DeadlineTerms] = {}
        self._projection_seq = 0
        self._projected_seq = 0
        self._events: list[TimelineEvent] = []
        self._reports: list[ReportRef] = []
        self._mails: list[tuple[NotificationInput, asyncio.Task[None]]] = []
        self._mail_grace = mail_grace
        # Mails waiting for the next projection to carry them into the outbox, and the flushes in flight.
        self._outbox: list[NotificationInput] = []
        self._flush_scheduled = False
        self._flushes = 0
        self._flush_tasks: set[asyncio.Task[None]] = set()

    async def lookup(self, elevator_code: str) -> ElevatorRegistration:
        return await call_store(
            LOOKUP_ELEVATOR, LookupElevatorInput(elevator_code=elevator_code), ElevatorRegistration
        )

    def opens_in_one_call(self) -> bool:
        """Whether this run opens with `prepare` (new runs) or a lookup and a computation, as it recorded."""
        return patches.applies(ONE_OPENING_CALL_PATCH, bundled_in=patches.SECOND_BASELINE)

    async def prepare(
        self, elevator_code: str, *requests: tuple[str, datetime], later: tuple[str, ...] = ()
    ) -> ElevatorRegistration:
        """Look the elevator up and start the opening clocks in one call; `later` names clocks started after.

        The answer brings the terms of the `later` policies of fixed duration as they stand now, so
        `compute_deadlines` starts those without another call.
        """
        prepared = await call_store(
            PREPARE_TICKET,
            PrepareTicketInput(
                elevator_code=elevator_code,
                deadlines=self._requests(requests),
                later=list(later),
                filed_at=self._filed_at,
            ),
            PreparedTicket,
        )
        self._terms.update((terms.policy_key, terms) for terms in prepared.later)
        self._note(prepared.deadlines)
        return prepared.registration

    async def compute_deadlines(self, *requests: tuple[str, datetime]) -> list[ComputedDeadline]:
        held = [self._terms.get(key) for key, _ in requests]
        if all(terms is not None for terms in held):
            # Terms the opening call recorded in history: the same answer on every replay.
            computed = [terms.starting(at) for terms, (_, at) in zip(held, requests, strict=True) if terms]
        else:
            # Policies live outside the workflow (settings, calendars); computing them in an activity
            # records the result in history, so a replay never recomputes a deadline under a changed policy.
            result = await call_store(
                COMPUTE_DEADLINES,
                ComputeDeadlinesInput(self._requests(requests)),
                ComputeDeadlinesOutput,
            )
            computed = result.deadlines
        self._note(computed)
        return computed

    def _requests(self, requests: Sequence[tuple[str, datetime]]) -> list[DeadlineRequest]:
        return [
            DeadlineRequest(policy_key=key, starts_at=at, filed_at=self._filed_at) for key, at in requests
        ]

    def _note(self, deadlines: list[ComputedDeadline]) -> None:
        for deadline in deadlines:
            self.deadlines[deadline.policy_key] = deadline.due_at
            if deadline.opens_clue:
                self.clue_policies.add(deadline.policy_key)
            if deadline.provisional and deadline.policy_key not in self.provisional:
                self.provisional.append(deadline.policy_key)

    async def open_clue_on_breach(self, policy_key: str, clue: OpenClueInput) -> None:
        """Open `clue` and store it on the timeline if the breached policy row opens one (违法线索)."""
        # Tickets that breached before clues existed replay without one: the patch marks new histories.
        if patches.applies(AUTO_CLUE_PATCH) and policy_key in self.clue_policies:
            await self.open_clue(clue)
            await self.project()

    async def open_clue(self, clue: OpenClueInput) -> OpenedTicket:
        """Open a violation clue (违法线索) raised by this ticket, and put it on the timeline."""
        opened: OpenedTicket = await workflow.execute_activity(
            OPEN_VIOLATION_CLUE,
            clue,
            result_type=OpenedTicket,
            start_to_close_timeout=STORE_TIMEOUT,
            retry_policy=STORE_RETRY,
        )
        self.flag("clue_opened")
        self.record(
            "clue_opened",
            note=f"已移送违法线索：{clue.summary}",
            data={"clue_ticket_id": opened.ticket_id, "reason": clue.reason},
        )
        return opened

    def record(
        self,
        action: str,
        *,
        actor: Actor | None = None,
        note: str = "",
        data: dict[str, DetailValue] | None = None,
        at: datetime | None = None,
    ) -> None:
        self.seq += 1
        self._events.append(
            TimelineEvent(
                seq=self.seq,
                at=at or workflow.now(),
                action=action,
                state=self._state(),
                actor=actor,
                note=note,
                data=data or {},
            )
        )

    def add_report(self, report: ReportRef) -> None:
        self._reports.append(report)

    def flag(self, flag: str) -> None:
        if flag not in self.flags:
            self.flags.append(flag)

    async def project(self) -> None:
        """Store the ticket as it is now, with the steps recorded since the last projection."""
        events, self._events = self._events, []
        reports, self._reports = self._reports, []
        mails, self._outbox = self._outbox, []
        # A number per projection lets the store drop a late or repeated one, even with no new step.
        self._projection_seq += 1
        built = self._snapshot(self._projection_seq)
        if self._search_index is not None:
            self._search_index.update(built)
        await call_store(
            PROJECT_TICKET, ProjectTicketInput(snapshot=built, events=events, reports=reports, mails=mails)
        )
        self._projected_seq = max(self._projected_seq, built.seq)

    def build_snapshot(
        self,
        projection_seq: int,
        *,
        kind: TicketKind,
        elevator_code: str,
        registration: ElevatorRegistration | None,
        assigned_unit_id: str,
        opened_at: datetime,
        due_at: datetime | None,
        overdue: bool,
        closed_at: datetime | None,
        details: dict[str, DetailValue],
        deadlines: dict[str, datetime] | None = None,
        spawned_from: str | None = None,
        linked_tickets: list[str] | None = None,
        tracking_digest: str | None = None,
    ) -> TicketSnapshot:
        """The ticket as the read model stores it: what every kind shares filled in here, the rest given."""
        return TicketSnapshot(
            ticket_id=self.ticket_id,
            kind=kind,
            state=self._state(),
            seq=projection_seq,
            workflow_id=workflow.info().workflow_id,
            run_id=workflow.info().run_id,
            elevator_code=elevator_code,
            # Before the registry lookup has answered, the ticket is stored without its organisations.
            district=registration.district if registration else "",
            use_unit_id=registration.use_unit.id if registration else "",
            maintenance_unit_id=registration.maintenance_unit.id if registration else "",
            assigned_unit_id=assigned_unit_id,
            opened_at=opened_at,
            updated_at=workflow.now(),
            due_at=due_at,
            overdue=overdue,
            closed_at=closed_at,
            deadlines=dict(self.deadlines if deadlines is None else deadlines),
            provisional_deadlines=list(self.provisional),
            flags=list(self.flags),
            details=dict(details),
            spawned_from=spawned_from,
            linked_tickets=list(linked_tickets or []),
            tracking_digest=tracking_digest,
        )

    async def wait_until_stored(self) -> None:
        """Until the ticket is in the store, with the newest projection asked for so far."""
        await workflow.wait_condition(lambda: self._projection_seq > 0)
        target = self._projection_seq
        await workflow.wait_condition(lambda: self._projected_seq >= target)

    def notify(self, notification: NotificationInput) -> None:
        """Send in the background: a slow or down SMTP server must never hold up the work."""
        if self._projected and patches.applies(OUTBOX_PATCH):
            self._queue(notification)
            return
        task = asyncio.create_task(self._send(notification))
        self._mails.append((notification, task))

    def _queue(self, notification: NotificationInput) -> None:
        """Put the mail in the outbox with the next projection, which this step is about to make anyway."""
        if not notification.recipient.email:
            # Known now, not at delivery: the timeline says so where people see it.
            self.record(
                "notification_failed",
                note=f"通知发送失败：{notification.template} -> {notification.recipient.name}（无邮箱地址）",
                data={"template": notification.template, "recipient_id": notification.recipient.id},
            )
        else:
            self._outbox.append(notification)
        if not self._flush_scheduled:
            self._flush_scheduled = True
            self._flushes += 1
            task = asyncio.create_task(self._flush())
            self._flush_tasks.add(task)
            task.add_done_callback(self._flush_tasks.discard)

    async def _flush(self) -> None:
        """Project the queued mails if the step that queued them did not (a mail sent on closing, say)."""
        try:
            # One turn of the loop: the code that queued the mail projects right after, in most steps.
            await asyncio.sleep(0)
            # Mails queued from here on need a flush of their own: this one may be waiting for the store.
            self._flush_scheduled = False
            if self._outbox or self._events:
                await self.project()
        finally:
            self._flushes -= 1

    def mail(
        self,
        template: str,
        recipient: OrganisationRef,
        ticket: MailTicketFacts,
        elevator: ElevatorRegistration,
        event: MailEvent | None = None,
    ) -> None:
        """Notify `recipient` of this step of the ticket, keyed so the mail goes out once."""
        self.notify(
            NotificationInput(
                idempotency_key=self.mail_key(template, recipient.id),
                template=template,
                recipient=recipient,
                ticket=ticket,
                elevator=elevator,
                event=event or {},
            )
        )

    def mail_key(self, template: str, recipient_id: str) -> str:
        # Tied to the timeline step, so a replay or a retry names the same mail and never sends it twice.
        return f"{self.ticket_id}/{self.seq}/{template}/{recipient_id}"

    async def _send(self, notification: NotificationInput) -> None:
        try:
            await workflow.execute_activity(
                SEND_NOTIFICATION,
                notification,
                start_to_close_timeout=MAIL_TIMEOUT,
                retry_policy=MAIL_RETRY,
                cancellation_type=ActivityCancellationType.TRY_CANCEL,
            )
        except ActivityError as error:
            if isinstance(error.cause, CancelledError):
                raise
            # Only a permanent failure (no address, unknown template) gets here: put it on the timeline
            # where people see it, rather than let it vanish in a background task.
            self.record(
                "notification_failed",
                note=f"通知发送失败：{notification.template} -> {notification.recipient.name}",
                data={"template": notification.template, "recipient_id": notification.recipient.id},
            )
            await self.project()

    async def hand_off_pending_mails(self) -> None:
        # Outbox mails are the delivery loop's once stored: only those not stored yet hold the run.
        await workflow.wait_condition(lambda: self._flushes == 0)
        if self._outbox:
            await self.project()
        # The ticket's workflow should finish when its work is done, so mails still waiting for an SMTP
        # server continue in workflows of their own instead of keeping it open.
        with contextlib.suppress(TimeoutError):
            await workflow.wait_condition(
                lambda: all(task.done() for _, task in self._mails),
                timeout=self._mail_grace,
            )
        for notification, task in self._mails:
            if task.done():
                continue
            await workflow.start_child_workflow(
                MailDeliveryWorkflow.run,
                notification,
                id=mail_delivery_workflow_id(notification.idempotency_key),
                parent_close_policy=ParentClosePolicy.ABANDON,
            )
