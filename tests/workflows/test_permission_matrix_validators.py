"""Who may do what (issue 6), at the workflows: every Update validator against the permission table.

A client that reaches Temporal directly names any Actor it likes. For each kind, a ticket walks through
its states; in each state, every action the state takes is sent by every role in every organisation
around the elevator and the same roles elsewhere (Updates straight from the Temporal client, no API).
Where the table grants the actor nothing, the validator must reject it as ActionNotPermitted. Where the
table grants it, the validator must let it through: an action with a required text is sent blank and
must be rejected as InvalidInput (after the permission check, changing nothing); the walk itself takes
every other granted action (accept, confirm, sign, resume...) as its granted actor.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from pydantic import BaseModel
from temporalio.client import (
    Client,
    WorkflowHandle,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from activities.contracts import OpenClueInput
from activities.violation_clue import ClueActivities
from api.complaint_service import receive_complaint
from api.feedback_service import receive_feedback
from api.report_service import receive_report
from api.ticket_actions import ACTION_BODIES, UPDATES, update_for
from domain.catalog import allowed_actions, is_final
from domain.correction import Addressee
from domain.feedback import FeedbackType
from domain.kinds import TicketKind
from domain.registry import OrganisationRef
from domain.report import SuspectParty
from domain.roles import PUBLIC_ACTOR, Actor, Role
from elevator_orders.settings import Settings
from store.database import Database
from store.db import make_engine
from store.ticket_filters import TicketFilter
from store.tickets import TicketRepository
from tests.support.complaint import new_complaint
from tests.support.directive import Directives, new_directive
from tests.support.fault_repair import MAINTAINER, REGULATOR, new_fault, open_repair, stored
from tests.support.hazard import INSPECTOR, new_hazard, open_hazard_ticket
from tests.support.maintenance import end_schedule, new_record, submit
from tests.support.permission_matrix import TicketFacts, table_grants, valid_body
from tests.support.rescue import RESCUER, SAFETY_MANAGER, new_report, open_dispatched
from worker.main import running_worker
from workflows.report_models import ReporterContact

ELEVATOR = "31011500001"  # Pudong: uu-lujiazui, mu-shenda, reg-pudong
REPORTER = ReporterContact(name="韩梅梅", phone="13912345678")

# Every organisation a Pudong ticket involves, and its counterpart elsewhere: each holds every role.
ORGANISATIONS = (
    "uu-lujiazui",
    "mu-shenda",
    "rs-pudong",
    "reg-pudong",
    "insp-sh",
    "emergency-110",
    "city-regulator",
    "uu-xujiahui",
    "mu-pujiang",
    "reg-xuhui",
)
FORGED = [
    *(Actor(f"forged-{role.value}@{org}", "测试用户", org, role) for role in Role for org in ORGANISATIONS),
    PUBLIC_ACTOR,
]

# Bodies the schema accepts but the validator refuses once it has checked who acts: what a granted
# actor sends to show it got past the permission check without changing the ticket.
BLANK_REASON = {"reason": " "}
INVALID: dict[str, dict[str, Any]] = {
    **{
        action: BLANK_REASON
        for action in (
            "cancel",
            "dispute",
            "withdraw",
            "decline_case",
            "record_no_penalty",
            "reject",
            "pause",
            "verify_fail",
        )
    },
    "extend": {"due_at": datetime(2000, 1, 1, tzinfo=UTC)},
    "release": {"handler_name": " "},
    "report_not_fixable": {"plan": " "},
    "fix": {"handler_name": " "},
    "resubmit": {"items": []},
    "answer": {"answer": " "},
    "submit_rectification": {"evidence": " "},
    "inform_reporter": {"note": " "},
    "record_penalty": {"decision_number": " "},
    "record_result": {"result": " "},
    "refer_violation": {"summary": " "},
    "record_refusal": {"note": " "},
}
# Where one kind validates a field another ignores: a rescuer's arrival time (a repair's arrival takes
# none), and a report's decision note, which must not name the reporter.
INVALID_BY_KIND: dict[tuple[TicketKind, str], dict[str, Any]] = {
    (TicketKind.RESCUE, "arrive"): {"arrived_at": datetime.now(UTC) + timedelta(days=1)},
    (TicketKind.REPORT, "open_case"): {"note": f"已联系{REPORTER.name}"},
}

Opener = Callable[[Client, Settings], Awaitable[str]]


@dataclass(frozen=True)
class Walk:
    """A ticket's way through its states: the actions taken, and who takes them."""

    label: str
    kind: TicketKind
    open: Opener
    steps: tuple[tuple[str, Actor], ...]
    # The role its reporter (hazard) or addressee (directive) acts in: see `refused_by_the_workflow_alone`.
    party_role: Role | None = None


def refused_by_the_workflow_alone(walk: Walk, action: str, actor: Actor, facts: TicketFacts) -> bool:
    """Grants the table makes by organisation alone where the workflow also wants the party's own role.

    The table lets maintainers and inspectors of the reporting organisation verify a hazard, and safety
    managers and maintainers of the addressed unit sign a directive; the workflow wants the role of the
    one who reported, or the role the addressee acts in. Only actors no seeded user is (an inspector of a
    maintenance company, a maintainer of a use unit) fall in between, and the workflow is the stricter.
    """
    if walk.party_role is None or actor.role is walk.party_role:
        return False
    if facts.kind is TicketKind.HAZARD:
        return actor.organisation_id == facts.reporter_unit_id
    return actor.organisation_id == facts.assigned_unit_id and action in ("sign", "submit_rectification")


async def _open_rescue(client: Client, settings: Settings) -> str:
    ticket_id, _ = await open_dispatched(client, settings, new_report(uuid.uuid4().hex), mail_grace_seconds=1)
    return ticket_id


async def _open_repair(client: Client, settings: Settings) -> str:
    ticket_id, _ = await open_repair(client, settings, new_fault())
    return ticket_id


async def _open_record(client: Client, settings: Settings) -> str:
    handle = await submit(client, settings, new_record(ELEVATOR))
    return handle.id


def _open_hazard(reporter: Actor) -> Opener:
    async def opener(client: Client, settings: Settings) -> str:
        ticket_id, _ = await open_hazard_ticket(client, settings, new_hazard(reporter=reporter))
        return ticket_id

    return opener


async def _open_feedback(client: Client, settings: Settings) -> str:
    registered = await receive_feedback(
        client,
        settings.temporal_task_queue,
        elevator_code=ELEVATOR,
        ref=uuid.uuid4().hex,
        feedback_type=FeedbackType.SUGGESTION,
        text="轿厢照明偏暗",
        rating=None,
        mail_grace_seconds=1,
    )
    return registered.ticket_id


async def _open_complaint(client: Client, settings: Settings) -> str:
    receipt = await receive_complaint(
        client, settings.temporal_task_queue, new_complaint(), mail_grace_seconds=1
    )
    return receipt.ticket_id


async def _open_report(client: Client, settings: Settings) -> str:
    receipt = await receive_report(
        client,
        settings.temporal_task_queue,
        elevator_code=ELEVATOR,
        ref=uuid.uuid4().hex,
        text="维保人员长期不到场",
        suspect=SuspectParty.MAINTENANCE_UNIT,
        reporter=REPORTER,
        mail_grace_seconds=1,
    )
    return receipt.ticket_id


async def _open_clue(client: Client, settings: Settings) -> str:
    source = f"rescue-{ELEVATOR}-alarm-{uuid.uuid4().hex}"
    clues = ClueActivities(client, settings.temporal_task_queue, mail_grace_seconds=1)
    opened = await clues.open_violation_clue(
        OpenClueInput(
            source_ticket_id=source,
            reason="rescue.arrive",
            elevator_code=ELEVATOR,
            summary="困人救援超过到场时限未到达现场",
            suspect_unit=OrganisationRef("mu-shenda", "上海申达电梯维保有限公司", "mu-shenda@example.org"),
            linked_tickets=[source],
        )
    )
    return opened.ticket_id


def _open_directive(addressee: Addressee) -> Opener:
    async def opener(client: Client, settings: Settings) -> str:
        ticket_id, _ = await Directives(client, settings).issue(
            new_directive(date.today() + timedelta(days=30), addressee=addressee)
        )
        return ticket_id

    return opener


WALKS = [
    Walk(
        "rescue",
        TicketKind.RESCUE,
        _open_rescue,
        (
            ("accept", RESCUER),
            ("arrive", RESCUER),
            ("release", RESCUER),
            ("dispute", SAFETY_MANAGER),
            ("release", RESCUER),
            ("confirm", SAFETY_MANAGER),
        ),
    ),
    Walk(
        "fault_repair",
        TicketKind.FAULT_REPAIR,
        _open_repair,
        (
            ("accept", MAINTAINER),
            ("arrive", MAINTAINER),
            ("report_not_fixable", MAINTAINER),
            ("fix", MAINTAINER),
            ("dispute", SAFETY_MANAGER),
            ("arrive", MAINTAINER),
            ("fix", MAINTAINER),
            ("confirm", SAFETY_MANAGER),
        ),
    ),
    Walk(
        "maintenance_record",
        TicketKind.MAINTENANCE_RECORD,
        _open_record,
        (("dispute", SAFETY_MANAGER), ("resubmit", MAINTAINER), ("confirm", SAFETY_MANAGER)),
    ),
    Walk(
        "hazard",
        TicketKind.HAZARD,
        _open_hazard(INSPECTOR),
        (("submit_rectification", SAFETY_MANAGER), ("verify_pass", INSPECTOR)),
        party_role=Role.INSPECTOR,
    ),
    Walk(
        "hazard_by_maintainer",
        TicketKind.HAZARD,
        _open_hazard(MAINTAINER),
        (("submit_rectification", SAFETY_MANAGER), ("verify_pass", MAINTAINER)),
        party_role=Role.MAINTAINER,
    ),
    Walk("feedback", TicketKind.FEEDBACK, _open_feedback, (("answer", SAFETY_MANAGER),)),
    # Ends awaiting the complainant's evaluation, which no role of the table gives.
    Walk(
        "complaint",
        TicketKind.COMPLAINT,
        _open_complaint,
        (("accept", REGULATOR), ("record_result", REGULATOR)),
    ),
    Walk(
        "report", TicketKind.REPORT, _open_report, (("open_case", REGULATOR), ("inform_reporter", REGULATOR))
    ),
    Walk(
        "violation_clue",
        TicketKind.VIOLATION_CLUE,
        _open_clue,
        (("open_case", REGULATOR), ("record_penalty", REGULATOR)),
    ),
    Walk(
        "directive",
        TicketKind.DIRECTIVE,
        _open_directive(Addressee.USE_UNIT),
        (("sign", SAFETY_MANAGER), ("submit_rectification", SAFETY_MANAGER), ("verify_pass", REGULATOR)),
        party_role=Role.SAFETY_MANAGER,
    ),
    Walk(
        "directive_to_maintenance_unit",
        TicketKind.DIRECTIVE,
        _open_directive(Addressee.MAINTENANCE_UNIT),
        (("sign", MAINTAINER), ("submit_rectification", MAINTAINER), ("verify_pass", REGULATOR)),
        party_role=Role.MAINTAINER,
    ),
]


def _body(kind: TicketKind, action: str, *, invalid: bool = False) -> BaseModel:
    body = ACTION_BODIES[action].model_validate(valid_body(action))
    if not invalid:
        return body
    # model_copy does not validate: the workflow receives what the API's schema would have refused.
    return body.model_copy(update=INVALID_BY_KIND.get((kind, action), INVALID.get(action, {})))


def _has_invalid_body(kind: TicketKind, action: str) -> bool:
    return (kind, action) in INVALID_BY_KIND or action in INVALID


def _who(actor: Actor) -> str:
    return f"{actor.role.value}@{actor.organisation_id}"


@dataclass
class Walker:
    """Walks one ticket, sending every Update of every state; keeps what did not answer as expected."""

    client: Client
    settings: Settings
    walk: Walk
    handle: WorkflowHandle[Any, Any] | None = None
    ticket_id: str = ""
    mismatches: list[str] = field(default_factory=list)
    # Grants no blank body exercises: the walk must take each of them for real at some point.
    untried: list[str] = field(default_factory=list)
    taken: set[str] = field(default_factory=set)
    sent: int = 0
    _seq: int = -1

    async def run(self) -> None:
        self.ticket_id = await self.walk.open(self.client, self.settings)
        ticket = await stored(self.settings.effective_database_url, self.ticket_id)
        self.handle = self.client.get_workflow_handle(ticket.workflow_id, run_id=ticket.run_id)
        checked: set[str] = set()
        for step in [*self.walk.steps, None]:
            facts = await self._facts()
            if facts.state not in checked:
                checked.add(facts.state)
                await self._check_state(facts)
            if step is not None:
                action, actor = step
                if not table_grants(self.walk.kind, action, {actor.role}, actor.organisation_id, facts):
                    self.mismatches.append(
                        f"{facts.state}: the walk's {action} by {_who(actor)} is not in the table"
                    )
                await self._take(facts, action, actor)

    async def _check_state(self, facts: TicketFacts) -> None:
        applicable = [
            action
            for action in allowed_actions(facts.kind, facts.state, facts.details)
            if action in UPDATES[facts.kind]
        ]
        for action in applicable:
            await self._check_action(facts, action)
        if "pause" in applicable:
            # Resume applies to a paused clock only: pause it, try everyone, resume it.
            await self._take(facts, "pause", self._granted(facts, "pause")[0])
            paused = await self._facts()
            resumer = self._granted(paused, "resume")[0]
            await self._check_action(paused, "resume")
            await self._take(paused, "resume", resumer)

    def _granted(self, facts: TicketFacts, action: str) -> list[Actor]:
        return [
            actor
            for actor in FORGED
            if table_grants(facts.kind, action, {actor.role}, actor.organisation_id, facts)
            and not refused_by_the_workflow_alone(self.walk, action, actor, facts)
        ]

    async def _check_action(self, facts: TicketFacts, action: str) -> None:
        """Send `action` as every forged actor, concurrently; keep each answer that is not the table's."""
        expectations: list[tuple[Actor, str, BaseModel]] = []
        granted = self._granted(facts, action)
        for actor in FORGED:
            if actor not in granted:
                expectations.append((actor, "ActionNotPermitted", _body(facts.kind, action)))
            elif _has_invalid_body(facts.kind, action):
                expectations.append((actor, "InvalidInput", _body(facts.kind, action, invalid=True)))
            else:
                self.untried.append(f"{facts.state}: {action} by {_who(actor)}")
        limit = asyncio.Semaphore(8)  # the server refuses more Updates in flight on one workflow

        async def check(actor: Actor, expected: str, body: BaseModel) -> None:
            async with limit:
                outcome = await self._send(facts.kind, action, actor, body)
            if outcome != expected:
                self.mismatches.append(f"{facts.state}: {action} by {_who(actor)}: {outcome}, not {expected}")

        await asyncio.gather(*(check(*expectation) for expectation in expectations))

    async def _take(self, facts: TicketFacts, action: str, actor: Actor) -> None:
        self.taken.add(f"{facts.state}: {action} by {_who(actor)}")
        outcome = await self._send(facts.kind, action, actor, _body(facts.kind, action))
        if outcome != "ok":
            self.mismatches.append(f"{facts.state}: {action} by {_who(actor)} (granted) failed: {outcome}")
            raise AssertionError("\n".join(self.mismatches))

    async def _send(self, kind: TicketKind, action: str, actor: Actor, body: BaseModel) -> str:
        assert self.handle is not None
        update = update_for(kind, action, actor, body)
        assert update is not None
        self.sent += 1
        try:
            await self.handle.execute_update(*update)
        except WorkflowUpdateFailedError as failed:
            cause = failed.cause
            return str(cause.type) if isinstance(cause, ApplicationError) else repr(cause)
        except (RPCError, WorkflowUpdateRPCTimeoutOrCancelledError) as error:
            # E.g. the run closed under an Update that should have been refused: say so, do not crash.
            return f"{type(error).__name__}: {error}"
        return "ok"

    async def _facts(self) -> TicketFacts:
        """The ticket as stored once the last Update is (each Update answers after its projection)."""
        ticket = await stored(self.settings.effective_database_url, self.ticket_id)
        assert ticket.seq > self._seq, f"{self.ticket_id} did not move"
        self._seq = ticket.seq
        return TicketFacts.from_row(ticket)


async def _end_open_runs(client: Client, settings: Settings) -> None:
    """Terminate what a walk leaves open (a complaint awaiting evaluation, a clue a report raised)."""
    engine = make_engine(settings.effective_database_url)
    try:
        page = await TicketRepository(Database(engine)).list(TicketFilter(), limit=200, offset=0)
        tickets = page.items
    finally:
        await engine.dispose()
    for ticket in tickets:
        handle = client.get_workflow_handle(ticket.workflow_id, run_id=ticket.run_id)
        if is_final(TicketKind(ticket.kind), ticket.state):
            # A finished ticket's run still hands off its last mails: let it end while this worker polls,
            # or it waits on a dead task queue and a later test on the same elevator joins it.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(handle.result(), timeout=60)
                continue
        with contextlib.suppress(RPCError):
            await handle.terminate(reason="permission matrix finished")
    with contextlib.suppress(RPCError):
        await end_schedule(client, ELEVATOR)


@pytest.mark.parametrize("walk", WALKS, ids=lambda walk: walk.label)
async def test_every_validator_refuses_what_the_table_does_not_grant(
    walk: Walk, dev_server: WorkflowEnvironment, settings: Settings
) -> None:
    walker = Walker(dev_server.client, settings, walk)
    async with running_worker(dev_server.client, settings):
        try:
            await walker.run()
        finally:
            await _end_open_runs(dev_server.client, settings)
    print(f"\n{walk.label}: {walker.sent} Updates")
    assert not walker.mismatches, "\n".join(walker.mismatches)
    assert set(walker.untried) <= walker.taken, "grants no Update exercised"
