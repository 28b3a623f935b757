"""Webhooks and WeCom robots: each step queued with its projection, signed, retried, paused, sent once."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from activities.channel_delivery import ChannelDeliveryLoop
from domain.channels import Channel, ChannelPolicy, EventFilter, SubscriptionState
from domain.roles import Actor, Role
from domain.tickets import TicketSnapshot, TimelineEvent
from notifications.channel_messages import WEBHOOK_SCHEMA, ChannelMessages
from notifications.render import MailRenderer
from notifications.sender import MailSender, SmtpConfig
from notifications.webhook_signing import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    verify,
)
from store.channels import ChannelStore
from store.database import Database
from store.models import ChannelDelivery, ChannelSubscription, Organisation
from store.registry import RegistryRepository
from store.ticket_numbers import TicketNumbers
from store.tickets import TicketRepository
from tests.support.smtp import MailCatcher
from tests.support.snapshots import rescue_snapshot
from tests.support.webhook_receiver import WebhookReceiver

NOW = datetime(2026, 11, 25, 12, 5, tzinfo=UTC)
TICKET_ID = "rescue-31011500001-alarm-channels"
SECRET = "whsec_test-secret"
RESCUER = Actor(user_id="u-rescuer", name="王师傅", organisation_id="mu", role=Role.RESCUER)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def organisations(database: Database, sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as session:
        session.add_all(
            [
                Organisation(id="mu", name="浦东维保站", kind="maintenance_unit", email="duty@mu.example.cn"),
                Organisation(id="uu", name="某物业", kind="use_unit", email="uu@example.cn"),
                Organisation(id="other", name="无关维保站", kind="maintenance_unit", email="o@example.cn"),
                Organisation(
                    id="reg", name="浦东新区市场监管局", kind="district_regulator", district="pudong"
                ),
            ]
        )


async def _subscribe(
    database: Database,
    key: str,
    organisation: str,
    audience: str,
    url: str,
    events: list[str],
    channel: Channel = Channel.WEBHOOK,
) -> None:
    subscription = ChannelSubscription(
        id=key,
        organisation_id=organisation,
        audience=audience,
        channel=channel.value,
        name=f"{key} 值班",
        url=url,
        secret=SECRET if channel is Channel.WEBHOOK else "",
        owner_email=f"owner-{key}@example.cn",
        state=SubscriptionState.ACTIVE.value,
        consecutive_failures=0,
        created_at=NOW,
        created_by="u-admin",
    )
    await ChannelStore(database).add(subscription, [EventFilter.parse(text) for text in events])


def _snapshot(state: str, seq: int) -> TicketSnapshot:
    return rescue_snapshot(
        TICKET_ID,
        NOW,
        state=state,
        seq=seq,
        use_unit_id="uu",
        maintenance_unit_id="mu",
        assigned_unit_id="mu",
    )


def _event(seq: int, action: str, state: str) -> TimelineEvent:
    return TimelineEvent(
        seq=seq,
        at=NOW + timedelta(minutes=seq),
        action=action,
        state=state,
        actor=RESCUER,
        note="王师傅 13800000000",
    )


async def _project(database: Database, state: str, seq: int, *events: TimelineEvent) -> None:
    await TicketRepository(database).apply_projection(_snapshot(state, seq), list(events), queued_at=NOW)


def _loop(
    database: Database, catcher: MailCatcher, clock: Clock, policy: ChannelPolicy | None = None
) -> ChannelDeliveryLoop:
    return ChannelDeliveryLoop(
        ChannelStore(database),
        ChannelMessages("https://dianti.example.cn"),
        TicketNumbers(database),
        MailRenderer(),
        MailSender(SmtpConfig(host=catcher.host, port=catcher.port, timeout_seconds=5), "平台 <n@e.cn>"),
        RegistryRepository(database),
        policy or ChannelPolicy(first_retry=timedelta(seconds=10)),
        clock,
    )


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5) as client:
        yield client


async def _deliveries(sessions: async_sessionmaker[AsyncSession]) -> dict[str, ChannelDelivery]:
    async with sessions() as session:
        return {row.delivery_id: row for row in await session.scalars(select(ChannelDelivery))}


@pytest.mark.parametrize("database_backend", ["sqlite", "postgresql"], indirect=True)
@pytest.mark.usefixtures("organisations")
async def test_each_step_reaches_the_subscribers_who_may_see_it_signed_and_once(
    database: Database, mail_catcher: MailCatcher, clock: Clock, client: httpx.AsyncClient
) -> None:
    with WebhookReceiver() as receiver:
        await _subscribe(database, "sub-mu", "mu", "org:mu", receiver.url + "/mu", ["rescue.*"])
        await _subscribe(
            database, "sub-reg", "reg", "district:pudong", receiver.url + "/reg", ["rescue.accept"]
        )
        # Not a party of the ticket: hears nothing of it, whatever it chose.
        await _subscribe(database, "sub-other", "other", "org:other", receiver.url + "/other", ["*"])
        await _project(
            database, "dispatched", 1, _event(1, "report", "reported"), _event(2, "dispatch", "dispatched")
        )
        await _project(database, "accepted", 2, _event(3, "accept", "accepted"))
        # The same projection again (an activity retried after a crash) queues nothing more.
        await _project(database, "accepted", 2, _event(3, "accept", "accepted"))
        loop = _loop(database, mail_catcher, clock)

        await loop.deliver_due(client)
        await loop.deliver_due(client)

        received = receiver.received
    by_path = Counter(item.path for item in received)
    assert by_path == {"/hook/mu": 3, "/hook/reg": 1}
    for item in received:
        timestamp = int(item.headers[TIMESTAMP_HEADER])
        assert verify(SECRET, timestamp, item.body, item.headers[SIGNATURE_HEADER], now=int(NOW.timestamp()))
        assert not verify(
            "another secret", timestamp, item.body, item.headers[SIGNATURE_HEADER], int(NOW.timestamp())
        )
        body = item.json()
        assert body["schema"] == WEBHOOK_SCHEMA
        assert body["delivery_id"] == item.headers[DELIVERY_HEADER]
        assert body["event"] == item.headers[EVENT_HEADER]
        # Never a person: no actor, no note (the rescuer's name and phone are in both).
        assert "王师傅" not in item.body.decode()
        assert "13800000000" not in item.body.decode()
    events = sorted(item.headers[EVENT_HEADER] for item in received if item.path == "/hook/mu")
    assert events == ["rescue.accept", "rescue.dispatch", "rescue.report"]
    assert [item.headers[DELIVERY_HEADER] for item in received if item.path == "/hook/reg"] == [
        f"sub-reg:{TICKET_ID}:3"
    ]
    assert len({item.headers[DELIVERY_HEADER] for item in received}) == len(received)


@pytest.mark.usefixtures("organisations")
async def test_a_refused_delivery_is_tried_again_later_with_the_same_id(
    database: Database,
    sessions: async_sessionmaker[AsyncSession],
    mail_catcher: MailCatcher,
    clock: Clock,
    client: httpx.AsyncClient,
) -> None:
    with WebhookReceiver() as receiver:
        await _subscribe(database, "sub-mu", "mu", "org:mu", receiver.url, ["rescue.accept"])
        await _project(database, "accepted", 2, _event(3, "accept", "accepted"))
        loop = _loop(database, mail_catcher, clock)
        receiver.refuse_next(1, status=500)

        await loop.deliver_due(client)
        row = (await _deliveries(sessions))[f"sub-mu:{TICKET_ID}:3"]
        assert (row.sent_at, row.last_status, row.due_at) == (None, 500, NOW + timedelta(seconds=10))
        # Not due yet: nothing is tried.
        await loop.deliver_due(client)
        assert len(receiver.received) == 1

        clock.now = NOW + timedelta(seconds=10)
        await loop.deliver_due(client)
        received = receiver.received
    assert [item.status for item in received] == [500, 200]
    assert received[0].headers[DELIVERY_HEADER] == received[1].headers[DELIVERY_HEADER]
    row = (await _deliveries(sessions))[f"sub-mu:{TICKET_ID}:3"]
    assert (row.sent_at, row.attempts, row.last_status) == (clock.now, 2, 200)


@pytest.mark.usefixtures("organisations")
async def test_a_subscriber_that_keeps_failing_is_paused_its_owner_told_once_and_resumed_later(
    database: Database,
    sessions: async_sessionmaker[AsyncSession],
    mail_catcher: MailCatcher,
    clock: Clock,
    client: httpx.AsyncClient,
) -> None:
    policy = ChannelPolicy(first_retry=timedelta(seconds=1), pause_after=3)
    with WebhookReceiver() as receiver:
        await _subscribe(database, "sub-mu", "mu", "org:mu", receiver.url, ["rescue.*"])
        await _project(database, "accepted", 2, _event(3, "accept", "accepted"))
        loop = _loop(database, mail_catcher, clock, policy)
        receiver.always_refuse = 503

        for _ in range(5):
            await loop.deliver_due(client)
            clock.now += timedelta(minutes=5)
        await loop.announce_pauses()
        await loop.announce_pauses()

        # Paused after three failed attempts: the fourth and fifth rounds sent nothing.
        assert len(receiver.received) == 3
        found = await ChannelStore(database).get("sub-mu")
        assert found is not None
        assert (found[0].state, found[0].consecutive_failures) == ("paused", 3)
        mails = await mail_catcher.wait_for(lambda ms: len(ms) >= 1)
        assert [str(mail["To"]) for mail in mails] == ["owner-sub-mu@example.cn"]
        assert "推送已暂停" in str(mails[0]["Subject"])
        # A step while paused is kept for later, not lost.
        await _project(database, "on_site", 3, _event(4, "arrive", "on_site"))

        receiver.always_refuse = None
        await ChannelStore(database).resume("sub-mu", clock.now, keep=ChannelPolicy().give_up_after)
        await loop.deliver_due(client)
        sent = [item.headers[EVENT_HEADER] for item in receiver.received[3:]]
    assert sorted(sent) == ["rescue.accept", "rescue.arrive"]
    assert len(mail_catcher.messages) == 1
    rows = await _deliveries(sessions)
    assert all(row.sent_at is not None for row in rows.values())


@pytest.mark.usefixtures("organisations")
async def test_deliveries_claimed_by_a_loop_that_died_go_out_from_the_next_with_the_same_ids(
    database: Database, mail_catcher: MailCatcher, clock: Clock, client: httpx.AsyncClient
) -> None:
    with WebhookReceiver() as receiver:
        await _subscribe(database, "sub-mu", "mu", "org:mu", receiver.url, ["*"])
        await _project(
            database, "accepted", 2, _event(1, "report", "reported"), _event(2, "accept", "accepted")
        )
        first = _loop(database, mail_catcher, clock)
        await first.deliver_due(client)
        await _project(
            database, "on_site", 3, _event(3, "arrive", "on_site"), _event(4, "release", "released")
        )
        # The first worker claims the next two and is killed before it sends them.
        claimed = await ChannelStore(database).claim(limit=50, lease=ChannelPolicy().lease, now=clock.now)
        assert len(claimed) == 2
        # Its projection is retried by the next worker: nothing new is queued.
        await _project(
            database, "on_site", 3, _event(3, "arrive", "on_site"), _event(4, "release", "released")
        )

        second = _loop(database, mail_catcher, clock)
        await second.deliver_due(client)
        assert len(receiver.received) == 2
        clock.now += ChannelPolicy().lease
        await second.deliver_due(client)
        await second.deliver_due(client)
        received = receiver.received
    ids = Counter(item.headers[DELIVERY_HEADER] for item in received)
    assert ids == {f"sub-mu:{TICKET_ID}:{seq}": 1 for seq in (1, 2, 3, 4)}


@pytest.mark.usefixtures("organisations")
async def test_a_duty_room_robot_gets_wecom_markdown_and_its_refusal_in_the_body_counts_as_a_failure(
    database: Database,
    sessions: async_sessionmaker[AsyncSession],
    mail_catcher: MailCatcher,
    clock: Clock,
    client: httpx.AsyncClient,
) -> None:
    with WebhookReceiver(wecom=True) as robot:
        url = robot.url + "?key=robot-key"
        await _subscribe(database, "sub-room", "mu", "org:mu", url, ["rescue.accept"], Channel.WECOM)
        await _project(database, "accepted", 2, _event(3, "accept", "accepted"))
        loop = _loop(database, mail_catcher, clock)
        robot.refuse_next(1)

        await loop.deliver_due(client)
        clock.now += timedelta(seconds=10)
        await loop.deliver_due(client)
        received = robot.received
    assert len(received) == 2
    message = received[1].json()
    assert message["msgtype"] == "markdown"
    markdown = message["markdown"]
    assert isinstance(markdown, dict)
    content = markdown["content"]
    assert isinstance(content, str)
    assert content.startswith("### 【困人救援】")
    assert "智慧电梯码：31011500001" in content
    assert f"https://dianti.example.cn/tickets/{TICKET_ID}" in content
    assert "王师傅" not in content
    assert "13800000000" not in content
    row = (await _deliveries(sessions))[f"sub-room:{TICKET_ID}:3"]
    assert row.sent_at is not None
    assert row.attempts == 2
    assert row.last_error is None


@pytest.mark.usefixtures("organisations")
async def test_steps_that_waited_too_long_while_paused_are_given_up_not_flooded_on_resume(
    database: Database,
    sessions: async_sessionmaker[AsyncSession],
    mail_catcher: MailCatcher,
    clock: Clock,
    client: httpx.AsyncClient,
) -> None:
    policy = ChannelPolicy(pause_after=1)
    with WebhookReceiver() as receiver:
        await _subscribe(database, "sub-mu", "mu", "org:mu", receiver.url, ["*"])
        await _project(database, "accepted", 2, _event(3, "accept", "accepted"))
        receiver.always_refuse = 500
        await _loop(database, mail_catcher, clock, policy).deliver_due(client)
        receiver.always_refuse = None

        clock.now = NOW + policy.give_up_after + timedelta(minutes=1)
        await ChannelStore(database).resume("sub-mu", clock.now, keep=policy.give_up_after)
        await _loop(database, mail_catcher, clock, policy).deliver_due(client)
        assert len(receiver.received) == 1
    row = (await _deliveries(sessions))[f"sub-mu:{TICKET_ID}:3"]
    assert (row.sent_at, row.failed_at) == (None, clock.now)
    assert "paused" in (row.last_error or "")
