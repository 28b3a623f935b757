"""The mail outbox's delivery loop: each queued mail goes out once, failures wait, nothing is dropped."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from activities.contracts import MailTicketFacts, NotificationInput
from activities.outbox_delivery import DeliveryPolicy, OutboxDelivery
from activities.projection import queued
from domain.registry import ElevatorRegistration, OrganisationRef
from domain.tickets import TicketSnapshot
from notifications.render import MailRenderer
from notifications.sender import MailSender, SmtpConfig
from store.database import Database
from store.models import OutboxMail, SentMail
from store.outbox import MailOutbox
from store.tickets import TicketRepository
from tests.support.smtp import MailCatcher
from tests.support.snapshots import rescue_snapshot

NOW = datetime(2026, 11, 25, 12, 5, tzinfo=UTC)
TICKET_ID = "rescue-31011500001-alarm-outbox"


def _organisation(key: str, email: str = "") -> OrganisationRef:
    return OrganisationRef(id=key, name=f"{key} 单位", email=email or f"{key}@example.cn")


def _notification(recipient: OrganisationRef, template: str = "rescue_dispatched") -> NotificationInput:
    return NotificationInput(
        idempotency_key=f"{TICKET_ID}:{template}:{recipient.email}",
        template=template,
        recipient=recipient,
        ticket=MailTicketFacts(
            ticket_id=TICKET_ID,
            kind_label="困人救援",
            state_label="已派单",
            source_label="远程监测报警",
            alarm_at=NOW,
            assigned_unit_name="上海三菱电梯有限公司浦东维保站",
            accept_by=NOW + timedelta(minutes=5),
            arrive_by=NOW + timedelta(minutes=30),
        ),
        elevator=ElevatorRegistration(
            code="31011500001",
            address="张杨路500号",
            district="pudong",
            use_unit=_organisation("uu"),
            maintenance_unit=_organisation("mu"),
            rescue_station=_organisation("mu"),
            district_regulator=_organisation("reg"),
        ),
    )


class Clock:
    """The loop's now, moved by the test."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def _text(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert isinstance(body, EmailMessage)
    return str(body.get_content())


@pytest.fixture
def clock() -> Clock:
    return Clock()


def _delivery(
    database: Database, catcher: MailCatcher, clock: Clock, policy: DeliveryPolicy | None = None
) -> OutboxDelivery:
    sender = MailSender(SmtpConfig(host=catcher.host, port=catcher.port, timeout_seconds=5), "平台 <n@e.cn>")
    return OutboxDelivery(
        MailOutbox(database),
        MailRenderer(),
        sender,
        "https://dianti.example.cn",
        policy or DeliveryPolicy(),
        clock,
    )


async def _queue(database: Database, *mails: NotificationInput) -> None:
    await MailOutbox(database).queue([queued(mail) for mail in mails], NOW)


async def _rows(sessions: async_sessionmaker[AsyncSession]) -> dict[str, OutboxMail]:
    async with sessions() as session:
        return {row.idempotency_key: row for row in await session.scalars(select(OutboxMail))}


@pytest.mark.parametrize("database_backend", ["sqlite", "postgresql"], indirect=True)
async def test_queued_mails_go_out_once_and_are_logged_sent(
    database: Database, sessions: async_sessionmaker[AsyncSession], mail_catcher: MailCatcher, clock: Clock
) -> None:
    mails = [_notification(_organisation(f"unit{n}")) for n in range(3)]
    await _queue(database, *mails)
    # Queuing again (a projection repeated after a crash) adds nothing.
    await _queue(database, *mails)
    delivery = _delivery(database, mail_catcher, clock)

    assert await delivery.deliver_due() is True
    assert await delivery.deliver_due() is True

    received = await mail_catcher.wait_for(lambda ms: len(ms) >= 3)
    assert sorted(str(m["To"]) for m in received) == sorted(m.recipient.email for m in mails)
    links = [f"https://dianti.example.cn/tickets/{TICKET_ID}" in _text(m) for m in received]
    assert links == [True] * 3
    rows = await _rows(sessions)
    assert all(row.sent_at == NOW and row.attempts == 1 for row in rows.values())
    async with sessions() as session:
        logged = set(await session.scalars(select(SentMail.idempotency_key)))
    assert logged == {mail.idempotency_key for mail in mails}


async def test_a_refused_mail_waits_and_goes_out_on_a_later_try(
    database: Database, sessions: async_sessionmaker[AsyncSession], mail_catcher: MailCatcher, clock: Clock
) -> None:
    mail = _notification(_organisation("uu"))
    await _queue(database, mail)
    delivery = _delivery(database, mail_catcher, clock)
    mail_catcher.fail_next(1)

    await delivery.deliver_due()
    row = (await _rows(sessions))[mail.idempotency_key]
    assert row.sent_at is None
    assert "SMTP" in (row.last_error or "")
    assert row.due_at == NOW + DeliveryPolicy().first_retry
    # Not due yet: nothing is tried.
    await delivery.deliver_due()
    assert (mail_catcher.refused, mail_catcher.messages) == (1, [])

    clock.now = row.due_at
    await delivery.deliver_due()
    assert [str(m["To"]) for m in await mail_catcher.wait_for(lambda ms: len(ms) >= 1)] == ["uu@example.cn"]
    row = (await _rows(sessions))[mail.idempotency_key]
    assert (row.sent_at, row.attempts, row.last_error) == (clock.now, 2, None)


async def test_a_mail_that_cannot_be_built_is_kept_as_failed_and_does_not_hold_up_the_rest(
    database: Database, sessions: async_sessionmaker[AsyncSession], mail_catcher: MailCatcher, clock: Clock
) -> None:
    broken = _notification(_organisation("uu"), template="no_such_template")
    good = _notification(_organisation("mu"))
    await _queue(database, broken, good)

    await _delivery(database, mail_catcher, clock).deliver_due()

    assert [str(m["To"]) for m in await mail_catcher.wait_for(lambda ms: len(ms) >= 1)] == ["mu@example.cn"]
    rows = await _rows(sessions)
    assert rows[broken.idempotency_key].failed_at == NOW
    assert "no_such_template" in (rows[broken.idempotency_key].last_error or "")
    assert await MailOutbox(database).pending_count() == 0


@pytest.mark.parametrize("database_backend", ["sqlite", "postgresql"], indirect=True)
async def test_two_workers_delivering_at_once_send_each_mail_once(
    database: Database, sessions: async_sessionmaker[AsyncSession], mail_catcher: MailCatcher, clock: Clock
) -> None:
    mails = [_notification(_organisation(f"unit{n}")) for n in range(120)]
    await _queue(database, *mails)
    first, second = _delivery(database, mail_catcher, clock), _delivery(database, mail_catcher, clock)

    for _ in range(4):
        await asyncio.gather(first.deliver_due(), second.deliver_due())

    received = await mail_catcher.wait_for(lambda ms: len(ms) >= 120)
    counts = Counter(str(m["X-Idempotency-Key"]).strip() for m in received)
    assert set(counts) == {mail.idempotency_key for mail in mails}
    assert set(counts.values()) == {1}


async def test_a_stopped_worker_hands_its_unsent_claims_back_at_once(
    database: Database, sessions: async_sessionmaker[AsyncSession], mail_catcher: MailCatcher, clock: Clock
) -> None:
    mails = [_notification(_organisation(f"unit{n}")) for n in range(20)]
    await _queue(database, *mails)
    delivery = _delivery(database, mail_catcher, clock)
    # The SMTP server answers slowly, so the worker is stopped mid-batch.
    mail_catcher.delay_seconds = 0.2

    # Stopped on its flag, not by a cancel: aiosmtplib's own wait_for can swallow a cancel on 3.11.
    async with delivery.running():
        await mail_catcher.wait_for(lambda ms: len(ms) >= 2)

    rows = await _rows(sessions)
    sent = {key for key, row in rows.items() if row.sent_at is not None}
    unsent = [row for row in rows.values() if row.sent_at is None]
    assert sent, "the mails that went out are stamped"
    assert unsent, "the worker was stopped before the end of its batch"
    # The rest are due now, not after the lease, and their claim is not counted as a try.
    assert {row.due_at for row in unsent} == {NOW}
    assert {row.attempts for row in unsent} == {0}

    mail_catcher.delay_seconds = 0.0
    await _delivery(database, mail_catcher, clock).deliver_due()
    received = await mail_catcher.wait_for(lambda ms: len(ms) >= 20)
    counts = Counter(str(m["X-Idempotency-Key"]).strip() for m in received)
    # The mail in flight at the stop was finished and stamped, so every mail went out exactly once.
    assert counts == Counter({mail.idempotency_key: 1 for mail in mails})


async def test_a_worker_stopping_just_as_mail_is_queued_still_stops(
    database: Database, sessions: async_sessionmaker[AsyncSession], mail_catcher: MailCatcher, clock: Clock
) -> None:
    # A projection's wake-up landing in the same loop iteration as the stop once made Python 3.11's
    # wait_for swallow the cancel: the loop ran on and the worker never finished shutting down.
    await _queue(database, _notification(_organisation("uu")))
    delivery = _delivery(database, mail_catcher, clock)
    stopped = 0
    for _ in range(30):
        async with asyncio.timeout(15):
            async with delivery.running():
                await asyncio.sleep(0)
                # A repeated projection: it hands over nothing, but wakes the loop all the same.
                delivery.hand_over([], NOW + delivery.lease)
        stopped += 1
    assert stopped == 30
    # However those stops fell, the mail was either sent or handed back due now, never left leased to a
    # worker that is gone: the next worker sends it, and it arrives exactly once.
    await _delivery(database, mail_catcher, clock).deliver_due()
    received = await mail_catcher.wait_for(lambda ms: len(ms) >= 1)
    assert [str(m["To"]) for m in received] == ["uu@example.cn"]
    assert await MailOutbox(database).pending_count() == 0


async def _queue_claimed(database: Database, until: datetime, *mails: NotificationInput) -> list[str]:
    """What a projection does for its worker's loop: queue the mails claimed for it, in one transaction."""
    repository = TicketRepository(database)
    return await repository.apply_projection(
        _snapshot(), [], (), [queued(mail) for mail in mails], queued_at=NOW, claimed_until=until
    )


def _snapshot() -> TicketSnapshot:
    return rescue_snapshot(TICKET_ID, NOW)


@pytest.mark.parametrize("database_backend", ["sqlite", "postgresql"], indirect=True)
async def test_mails_handed_over_by_a_projection_go_out_once_without_a_claim_of_their_own(
    database: Database, sessions: async_sessionmaker[AsyncSession], mail_catcher: MailCatcher, clock: Clock
) -> None:
    mails = [_notification(_organisation(f"unit{n}")) for n in range(3)]
    delivery = _delivery(database, mail_catcher, clock)
    until = NOW + delivery.lease

    claimed = await _queue_claimed(database, until, *mails)
    # The projection repeated (an activity retry) queues nothing and hands over nothing.
    assert await _queue_claimed(database, until, *mails) == []
    assert sorted(claimed) == sorted(mail.idempotency_key for mail in mails)
    rows = await _rows(sessions)
    assert {(row.due_at, row.attempts) for row in rows.values()} == {(until, 1)}
    # Claimed already: no other loop takes them from the store while this one holds them.
    assert await MailOutbox(database).claim(limit=50, lease=delivery.lease, now=NOW) == []

    delivery.hand_over(mails, until)
    assert await delivery.deliver_due() is True

    received = await mail_catcher.wait_for(lambda ms: len(ms) >= 3)
    assert sorted(str(m["To"]) for m in received) == sorted(m.recipient.email for m in mails)
    assert all(row.sent_at == NOW and row.attempts == 1 for row in (await _rows(sessions)).values())
    assert await MailOutbox(database).pending_count() == 0


async def test_a_handed_over_mail_whose_claim_runs_out_is_sent_from_the_store_once(
    database: Database, mail_catcher: MailCatcher, clock: Clock
) -> None:
    mail = _notification(_organisation("uu"))
    delivery = _delivery(database, mail_catcher, clock)
    until = NOW + delivery.lease
    await _queue_claimed(database, until, mail)
    delivery.hand_over([mail], until)

    # The loop got to it late (a long SMTP outage): sent now, it might also go out from another loop
    # that claims it when the claim runs out. So it is left to the store.
    clock.now = until - delivery.lease / 4
    await delivery.deliver_due()
    assert mail_catcher.messages == []

    clock.now = until + timedelta(seconds=1)
    await delivery.deliver_due()
    received = await mail_catcher.wait_for(lambda ms: len(ms) >= 1)
    assert [str(m["To"]) for m in received] == ["uu@example.cn"]
    assert await MailOutbox(database).pending_count() == 0


async def test_a_stopped_worker_hands_back_the_mails_handed_over_to_it_at_once(
    database: Database, sessions: async_sessionmaker[AsyncSession], mail_catcher: MailCatcher, clock: Clock
) -> None:
    # More than a batch: the worker stops with mails in the batch it is sending and mails not yet taken.
    mails = [_notification(_organisation(f"unit{n}")) for n in range(60)]
    delivery = _delivery(database, mail_catcher, clock)
    until = NOW + delivery.lease
    await _queue_claimed(database, until, *mails)
    mail_catcher.delay_seconds = 0.2

    async with delivery.running():
        delivery.hand_over(mails, until)
        await mail_catcher.wait_for(lambda ms: len(ms) >= 2)

    unsent = [row for row in (await _rows(sessions)).values() if row.sent_at is None]
    assert len(unsent) > 10, "the worker was stopped before the end of its batch"
    # Due at once, and the claim not counted as a try: the next worker sends them without waiting.
    assert {(row.due_at, row.attempts) for row in unsent} == {(NOW, 0)}
    mail_catcher.delay_seconds = 0.0
    next_worker = _delivery(database, mail_catcher, clock)
    # Up to two batches are due; a third look finds none.
    done = [await next_worker.deliver_due() for _ in range(3)]
    assert done[-1] is True
    received = await mail_catcher.wait_for(lambda ms: len(ms) >= 60)
    counts = Counter(str(m["X-Idempotency-Key"]).strip() for m in received)
    assert counts == Counter({mail.idempotency_key: 1 for mail in mails})


async def _hand_over(database: Database, delivery: OutboxDelivery, mail: NotificationInput) -> None:
    until = NOW + delivery.lease
    await _queue_claimed(database, until, mail)
    delivery.hand_over([mail], until)


async def test_a_running_loop_sends_batch_after_batch_over_one_connection(
    database: Database, mail_catcher: MailCatcher, clock: Clock
) -> None:
    delivery = _delivery(database, mail_catcher, clock)
    async with delivery.running():
        for count in range(1, 4):
            # One mail at a time, as projections hand them over: each is a batch of its own.
            await _hand_over(database, delivery, _notification(_organisation(f"unit{count}")))
            await mail_catcher.wait_for_count(count)

    assert mail_catcher.received == 3
    assert mail_catcher.connections == 1


async def test_a_connection_the_server_closed_is_not_reused(
    database: Database, sessions: async_sessionmaker[AsyncSession], mail_catcher: MailCatcher, clock: Clock
) -> None:
    delivery = _delivery(database, mail_catcher, clock)
    async with delivery.running():
        await _hand_over(database, delivery, _notification(_organisation("before")))
        await mail_catcher.wait_for(lambda ms: len(ms) >= 1)
        # The SMTP server restarts: the kept connection is gone.
        mail_catcher.stop()
        mail_catcher.start()
        await _hand_over(database, delivery, _notification(_organisation("after")))
        received = await mail_catcher.wait_for(lambda ms: len(ms) >= 2)

    assert [str(m["To"]) for m in received] == ["before@example.cn", "after@example.cn"]
    # Sent on the first try over a new connection: the test's clock never reaches a retry.
    assert {row.attempts for row in (await _rows(sessions)).values()} == {1}
    assert mail_catcher.connections == 2


async def test_a_loop_without_mail_for_a_while_closes_its_connection(
    database: Database, mail_catcher: MailCatcher, clock: Clock
) -> None:
    policy = DeliveryPolicy(poll_seconds=0.01, keep_connection=timedelta(0))
    delivery = _delivery(database, mail_catcher, clock, policy)
    async with delivery.running():
        await _hand_over(database, delivery, _notification(_organisation("first")))
        await mail_catcher.wait_for(lambda ms: len(ms) >= 1)
        await _hand_over(database, delivery, _notification(_organisation("second")))
        await mail_catcher.wait_for(lambda ms: len(ms) >= 2)

    # Idle past `keep_connection` between the two: the second went out on a connection of its own.
    assert mail_catcher.connections == 2
