"""`make faults`: lifecycles of two kinds while workers are killed and Temporal, PostgreSQL and SMTP go away.

Then every ticket must be closed, the read model must equal each workflow's own result, every mail the
outbox holds must have reached the sink exactly once, the audit chain must verify, and no API answer
may be a 5xx other than a 503 while Temporal or the database was away. Prints the table and exits 1
when any figure is wrong. `--short` is the version `make test` runs (tests/e2e/test_faults.py).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from faults.stack import Stack, running_stack, wait_for_temporal
from store.audit import AuditLog
from store.database import Database
from store.db import make_engine
from store.models import OutboxMail, Ticket
from tests.support.postgres import restartable_postgres

MONITORING, SAFETY_MANAGER = "u-monitoring", "u-safety-lujiazui"
RESCUER, MAINTAINER = "u-rescuer-shenda", "u-maintainer-shenda"
# Each kind's lifecycle: its opening, then (action, who, body, the state it leads to), in order.
RESCUE_STEPS = [
    ("accept", RESCUER, {}, "accepted"),
    ("arrive", RESCUER, {}, "on_site"),
    ("release", RESCUER, {"people_freed": 1, "handler_name": "李师傅"}, "released"),
    ("confirm", SAFETY_MANAGER, {}, "closed"),
]
REPAIR_STEPS = [
    ("accept", MAINTAINER, {}, "accepted"),
    ("arrive", MAINTAINER, {}, "on_site"),
    (
        "fix",
        MAINTAINER,
        {"fault_type": "door_open_fault", "handler_name": "黄工", "description": "更换门刀"},
        "fixed",
    ),
    ("confirm", SAFETY_MANAGER, {}, "closed"),
]
# After a part is back, requests still in flight may meet the old failure for this long.
GRACE_SECONDS = 15.0


@dataclass(frozen=True)
class FaultPlan:
    lifecycles: int
    concurrency: int
    # Seconds between two worker kills, at random within the range.
    kill_every: tuple[float, float]
    # (starts after, lasts) in seconds from the first lifecycle.
    temporal_down: tuple[float, float]
    postgres_down: tuple[float, float]
    smtp_down: tuple[float, float]
    # Pause between a lifecycle's steps, so that they span the faults.
    think: tuple[float, float]
    # How long the outbox may take to drain once the lifecycles are done.
    settle_seconds: float
    seed: int = 20261207

    @classmethod
    def full(cls) -> FaultPlan:
        return cls(200, 200, (6, 15), (10, 10), (25, 60), (15, 120), (4.0, 15.0), 420)

    @classmethod
    def short(cls) -> FaultPlan:
        return cls(16, 8, (5, 9), (6, 4), (14, 10), (10, 20), (0.5, 2.0), 180)


@dataclass
class Outcome:
    plan: FaultPlan
    worker_kills: int = 0
    outages: list[tuple[str, float, float]] = field(default_factory=list)
    answers: Counter[int] = field(default_factory=Counter)
    unexpected_5xx: list[str] = field(default_factory=list)
    tickets: dict[str, str] = field(default_factory=dict)
    failed_lifecycles: list[str] = field(default_factory=list)
    closed: int = 0
    mismatches: list[str] = field(default_factory=list)
    mails_queued: int = 0
    mails_received: int = 0
    mails_lost: list[str] = field(default_factory=list)
    mails_duplicated: list[str] = field(default_factory=list)
    # The parts away right now (temporal, postgres, smtp).
    ongoing: set[str] = field(default_factory=set)
    audit_rows: int = 0
    audit_broken: str | None = None
    seconds: float = 0.0

    @property
    def clean(self) -> bool:
        return not (
            self.unexpected_5xx
            or self.failed_lifecycles
            or self.mismatches
            or self.mails_lost
            or self.mails_duplicated
            or self.audit_broken
            or self.closed != self.plan.lifecycles
        )

    def table(self) -> str:
        outage = {name: f"{end - start:.0f} s" for name, start, end in self.outages}
        rows = [
            (
                "faults injected",
                f"{self.worker_kills} worker SIGKILLs, Temporal restarted ({outage.get('temporal', '-')}), "
                f"PostgreSQL stopped {outage.get('postgres', '-')}, SMTP stopped {outage.get('smtp', '-')}",
            ),
            (
                "tickets",
                f"{self.plan.lifecycles} lifecycles ({self.plan.concurrency} at once), {self.closed} closed, "
                f"{len(self.failed_lifecycles)} failed",
            ),
            ("mails", f"{self.mails_queued} queued, {self.mails_received} received"),
            ("lost", str(len(self.mails_lost) + len(self.failed_lifecycles))),
            ("duplicated", str(len(self.mails_duplicated))),
            ("mismatched", str(len(self.mismatches))),
            ("unexpected 5xx", str(len(self.unexpected_5xx))),
            ("answers", ", ".join(f"{code}: {count}" for code, count in sorted(self.answers.items()))),
            ("audit chain", self.audit_broken or f"verified ({self.audit_rows} rows)"),
            ("wall", f"{self.seconds:.0f} s"),
        ]
        width = max(len(name) for name, _ in rows)
        lines = [f"| {'figure'.ljust(width)} | value |", f"|{'-' * (width + 2)}|-------|"]
        lines += [f"| {name.ljust(width)} | {value} |" for name, value in rows]
        details = self.unexpected_5xx[:5] + self.failed_lifecycles[:5] + self.mismatches[:5]
        details += [f"lost mail {key}" for key in self.mails_lost[:5]]
        details += [f"duplicated mail {key}" for key in self.mails_duplicated[:5]]
        return "\n".join(lines + details)


class Driver:
    """Takes each lifecycle through the API, waiting out 503s and lost answers as a client would."""

    def __init__(self, stack: Stack, http: httpx.AsyncClient, outcome: Outcome, started: float) -> None:
        self._stack = stack
        self._http = http
        self._outcome = outcome
        self._started = started

    def _answered(self, status: int, what: str) -> None:
        self._outcome.answers[status] += 1
        if status < 500:
            return
        at = time.monotonic() - self._started
        during = bool(self._outcome.ongoing & {"temporal", "postgres"}) or any(
            name in ("temporal", "postgres") and start - 1 <= at <= end + GRACE_SECONDS
            for name, start, end in self._outcome.outages
        )
        if status != 503 or not during:
            self._outcome.unexpected_5xx.append(f"{status} at {at:.1f} s: {what}")

    async def _post(self, path: str, user: str, body: dict[str, Any]) -> httpx.Response | None:
        try:
            response = await self._http.post(path, json=body, headers=self._stack.auth(user))
        except httpx.HTTPError:
            return None
        self._answered(response.status_code, path)
        return response

    async def lifecycle(self, index: int, rng: random.Random) -> None:
        rescue = index % 2 == 0
        elevator = self._stack.elevators[index]
        ref = f"faults-{uuid.uuid4().hex}"
        if rescue:
            path, body = (
                "/tickets/rescue",
                {"elevator_code": elevator, "source": "alarm", "ref": ref, "alarm_type": "困人"},
            )
        else:
            path = "/tickets/fault-repair"
            body = {
                "elevator_code": elevator,
                "source": "alarm",
                "ref": ref,
                "fault_type": "door_open_fault",
                "description": "开门故障",
            }
        ticket_id = await self._until_done(path, MONITORING, body, None)
        if ticket_id is None:
            self._outcome.failed_lifecycles.append(f"{elevator}: never opened")
            return
        self._outcome.tickets[ticket_id] = "closed"
        states = ["dispatched" if rescue else "reported"]
        for action, user, step_body, leads_to in RESCUE_STEPS if rescue else REPAIR_STEPS:
            await asyncio.sleep(rng.uniform(*self._outcome.plan.think))
            done = await self._until_done(
                f"/tickets/{ticket_id}/{action}", user, step_body, (states, leads_to)
            )
            if done is None:
                self._outcome.failed_lifecycles.append(f"{ticket_id}: {action} never taken")
                return
            states.append(leads_to)

    async def _until_done(
        self, path: str, user: str, body: dict[str, Any], step: tuple[list[str], str] | None
    ) -> str | None:
        """Send until it took effect: answered 2xx, or 409 with the ticket already where the step leads."""
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            response = await self._post(path, user, body)
            if response is not None and response.status_code in (200, 201):
                return str(response.json().get("ticket_id", "done"))
            if response is not None and response.status_code == 409 and step is not None:
                # An answer lost on its way back (a worker killed after the Update): the step was taken.
                detail = response.json().get("detail")
                if isinstance(detail, dict) and detail.get("state") not in step[0]:
                    return "done"
            if response is not None and response.status_code < 500 and response.status_code != 409:
                return None
            await asyncio.sleep(1.0)
        return None


async def _inject(stack: Stack, outcome: Outcome, started: float, lifecycles_done: asyncio.Event) -> None:
    """Kill workers at random moments and take Temporal, PostgreSQL and SMTP away once each."""
    plan = outcome.plan
    rng = random.Random(plan.seed)

    async def outage(name: str, after: float, lasts: float, stop: Any, start: Any) -> None:
        await asyncio.sleep(max(0.0, after - (time.monotonic() - started)))
        began = time.monotonic() - started
        outcome.ongoing.add(name)
        await asyncio.to_thread(stop)
        await asyncio.sleep(lasts)
        await asyncio.to_thread(start)
        outcome.outages.append((name, began, time.monotonic() - started))
        outcome.ongoing.discard(name)

    async def kills() -> None:
        while not lifecycles_done.is_set():
            await asyncio.sleep(rng.uniform(*plan.kill_every))
            if lifecycles_done.is_set():
                return
            await asyncio.to_thread(stack.replace_worker, rng.randrange(len(stack.workers)))
            outcome.worker_kills += 1

    await asyncio.gather(
        kills(),
        outage("temporal", *plan.temporal_down, stack.temporal.stop, stack.temporal.start),
        outage("postgres", *plan.postgres_down, stack.postgres.stop, stack.postgres.start),
        outage("smtp", *plan.smtp_down, stack.mail.stop, stack.mail.start),
    )


async def _verify(stack: Stack, outcome: Outcome) -> None:
    engine = make_engine(stack.postgres.url)
    database = Database(engine)
    client = await stack.client()
    try:
        deadline = time.monotonic() + outcome.plan.settle_seconds
        ids = list(outcome.tickets)
        while True:
            async with engine.connect() as connection:
                pending = (
                    await connection.execute(
                        select(OutboxMail.idempotency_key).where(
                            OutboxMail.ticket_id.in_(ids), OutboxMail.sent_at.is_(None)
                        )
                    )
                ).all()
            if not pending or time.monotonic() > deadline:
                break
            await asyncio.sleep(1.0)
        async with engine.connect() as connection:
            queued = {
                row[0]
                for row in await connection.execute(
                    select(OutboxMail.idempotency_key).where(OutboxMail.ticket_id.in_(ids))
                )
            }
            rows = (
                await connection.execute(
                    select(Ticket.ticket_id, Ticket.state, Ticket.workflow_id, Ticket.run_id).where(
                        Ticket.ticket_id.in_(ids)
                    )
                )
            ).all()
        received = Counter(str(message["X-Idempotency-Key"]).strip() for message in stack.mail.messages)
        outcome.mails_queued = len(queued)
        outcome.mails_received = sum(received[key] for key in queued)
        outcome.mails_lost = sorted(key for key in queued if received[key] == 0)
        outcome.mails_duplicated = sorted(key for key, count in received.items() if count > 1)
        for ticket_id, state, workflow_id, run_id in rows:
            if state == "closed":
                outcome.closed += 1
            result = await client.get_workflow_handle(workflow_id, run_id=run_id).result()
            own = result.get("state") if isinstance(result, dict) else getattr(result, "state", None)
            if own != state:
                outcome.mismatches.append(f"{ticket_id}: read model {state}, workflow {own}")
        missing = set(ids) - {row[0] for row in rows}
        outcome.mismatches += [f"{ticket_id}: not in the read model" for ticket_id in sorted(missing)]
        verification = await AuditLog(database).verify()
        outcome.audit_rows = verification.rows
        if verification.broken is not None:
            outcome.audit_broken = f"broken at row {verification.broken.seq}: {verification.broken.reason}"
    finally:
        await database.dispose()
        await engine.dispose()


async def run_faults(plan: FaultPlan, workdir: Path) -> Outcome:
    outcome = Outcome(plan)
    began = time.monotonic()
    with restartable_postgres() as postgres:
        async with running_stack(postgres, workdir, plan.lifecycles) as stack:
            started = time.monotonic()
            done = asyncio.Event()
            injector = asyncio.create_task(_inject(stack, outcome, started, done))
            limits = httpx.Limits(max_connections=plan.concurrency * 2)
            async with httpx.AsyncClient(
                base_url=stack.base_url, timeout=120, limits=limits, trust_env=False
            ) as http:
                driver = Driver(stack, http, outcome, started)
                turns = asyncio.Semaphore(plan.concurrency)
                rng = random.Random(plan.seed + 1)

                async def one(index: int) -> None:
                    async with turns:
                        await driver.lifecycle(index, random.Random(rng.random()))

                await asyncio.gather(*(one(index) for index in range(plan.lifecycles)))
            done.set()
            await injector
            await wait_for_temporal(stack.settings)
            await _verify(stack, outcome)
    outcome.seconds = time.monotonic() - began
    return outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--short", action="store_true", help="the version make test runs")
    arguments = parser.parse_args()
    plan = FaultPlan.short() if arguments.short else FaultPlan.full()
    with tempfile.TemporaryDirectory(prefix="elevator-orders-faults-") as workdir:
        outcome = asyncio.run(run_faults(plan, Path(workdir)))
    print(outcome.table())
    sys.exit(0 if outcome.clean else 1)


if __name__ == "__main__":
    main()
