"""The registry tells a ticket who serves an elevator; demo seeding and the mail log can run again safely."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.districts import DISTRICTS_ZH
from domain.registry import ElevatorRegistration, OrganisationRef
from store.database import Database
from store.mail_log import MailLog
from store.models import Elevator, Organisation, SentMail, User
from store.registry import RegistryRepository
from store.seed import seed_demo_data

MAIL_DOMAIN = "demo.elevator-orders.example"


async def table_counts(sessions: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    async with sessions() as session:
        return {
            model.__tablename__: (await session.scalar(select(func.count()).select_from(model))) or 0
            for model in (Organisation, Elevator, User)
        }


@pytest.fixture
async def registry(sessions: async_sessionmaker[AsyncSession], database: Database) -> RegistryRepository:
    await seed_demo_data(sessions)
    return RegistryRepository(database)


async def test_seeding_twice_leaves_the_same_rows(sessions: async_sessionmaker[AsyncSession]) -> None:
    written = await seed_demo_data(sessions)
    first = await table_counts(sessions)
    assert await seed_demo_data(sessions) == written
    second = await table_counts(sessions)

    assert second == first
    assert sum(first.values()) == written
    # Every district, Lingang included, has its regulator.
    assert first["organisations"] >= len(DISTRICTS_ZH)
    assert first["elevators"] == 4


async def test_seeding_again_restores_edited_demo_rows(sessions: async_sessionmaker[AsyncSession]) -> None:
    await seed_demo_data(sessions)
    async with sessions.begin() as session:
        organisation = await session.get(Organisation, "mu-shenda")
        assert organisation is not None
        organisation.email = "someone-else@example.com"

    await seed_demo_data(sessions)

    async with sessions() as session:
        organisation = await session.get(Organisation, "mu-shenda")
        assert organisation is not None
        assert organisation.email == f"mu-shenda@{MAIL_DOMAIN}"


async def test_registration_names_every_organisation_of_an_elevator(registry: RegistryRepository) -> None:
    registration = await registry.registration("31011500001")

    assert registration == ElevatorRegistration(
        code="31011500001",
        address="浦东新区陆家嘴环路 1000 号 1 号楼 A 梯",
        district="pudong",
        use_unit=OrganisationRef("uu-lujiazui", "陆家嘴花园物业管理处", f"uu-lujiazui@{MAIL_DOMAIN}"),
        maintenance_unit=OrganisationRef("mu-shenda", "上海申达电梯维保有限公司", f"mu-shenda@{MAIL_DOMAIN}"),
        rescue_station=OrganisationRef("rs-pudong", "浦东新区电梯应急救援站", f"rs-pudong@{MAIL_DOMAIN}"),
        district_regulator=OrganisationRef(
            "reg-pudong", "浦东新区市场监督管理局", f"reg-pudong@{MAIL_DOMAIN}"
        ),
        city_regulator=OrganisationRef(
            "city-regulator", "上海市市场监督管理局", f"city-regulator@{MAIL_DOMAIN}"
        ),
    )


async def test_regulator_follows_the_elevators_district_not_its_rescue_station(
    registry: RegistryRepository,
) -> None:
    # The Jing'an elevator is rescued from the Xuhui station but regulated by Jing'an.
    registration = await registry.registration("31010600001")

    assert registration is not None
    assert registration.rescue_station.id == "rs-xuhui"
    assert registration.district_regulator.id == "reg-jingan"
    assert registration.district_regulator.email == f"reg-jingan@{MAIL_DOMAIN}"


async def test_unregistered_elevator_has_no_registration(registry: RegistryRepository) -> None:
    assert await registry.registration("31019999999") is None
    assert await registry.elevator("31019999999") is None


async def test_mail_log_records_once_and_tolerates_a_second_record(
    sessions: async_sessionmaker[AsyncSession], database: Database
) -> None:
    log = MailLog(database)
    key = "rescue-31011500001-alarm-A-1:rescue_dispatched:mu-shenda@demo.elevator-orders.example"
    sent_at = datetime(2026, 11, 25, 1, 31, tzinfo=UTC)
    assert await log.was_sent(key) is False

    for _ in range(2):
        await log.record_sent(
            idempotency_key=key,
            recipient="mu-shenda@demo.elevator-orders.example",
            subject="【困人救援】请立即接单",
            ticket_id="rescue-31011500001-alarm-A-1",
            sent_at=sent_at,
        )

    assert await log.was_sent(key) is True
    assert await log.was_sent(key.replace("mu-shenda", "rs-pudong")) is False
    async with sessions() as session:
        rows = list(await session.scalars(select(SentMail)))
    assert [(row.idempotency_key, row.sent_at) for row in rows] == [(key, sent_at)]
