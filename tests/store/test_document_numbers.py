"""文号: each authority numbers its documents 1, 2, 3... every year; no serial twice, also under concurrency."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.directive import document_number
from store.database import Database
from store.db import make_engine
from store.document_numbers import DocumentNumbers, UnknownAuthority
from store.models import Organisation

ISSUED_AT = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)


@pytest.fixture
async def authorities(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as session:
        session.add_all(
            [
                Organisation(
                    id="reg-pudong",
                    name="浦东新区市场监督管理局",
                    kind="district_regulator",
                    document_abbreviation="浦市监",
                ),
                Organisation(
                    id="reg-xuhui",
                    name="徐汇区市场监督管理局",
                    kind="district_regulator",
                    document_abbreviation="徐市监",
                ),
                Organisation(id="reg-new", name="新设区市场监督管理局", kind="district_regulator"),
            ]
        )


async def _number(
    numbers: DocumentNumbers, ticket_id: str, authority: str = "reg-pudong", year: int = 2026
) -> str:
    allocated = await numbers.allocate(ticket_id, authority, year, ISSUED_AT, document_number)
    return allocated.number


@pytest.mark.usefixtures("authorities")
async def test_an_authority_numbers_each_year_from_one(database: Database) -> None:
    numbers = DocumentNumbers(database)
    assert await _number(numbers, "directive-a") == "浦市监特指〔2026〕1号"
    assert await _number(numbers, "directive-b") == "浦市监特指〔2026〕2号"
    # Another authority, and another year, count on their own.
    assert await _number(numbers, "directive-c", authority="reg-xuhui") == "徐市监特指〔2026〕1号"
    assert await _number(numbers, "directive-d", year=2027) == "浦市监特指〔2027〕1号"
    assert [row.ticket_id for row in await numbers.issued("reg-pudong", 2026)] == [
        "directive-a",
        "directive-b",
    ]


@pytest.mark.usefixtures("authorities")
async def test_asking_again_for_a_document_gives_its_own_number(database: Database) -> None:
    numbers = DocumentNumbers(database)
    first = await _number(numbers, "directive-a")
    await _number(numbers, "directive-b")
    # A retried activity, or a second worker after a crash, asks again for the same directive.
    assert await _number(numbers, "directive-a") == first
    assert [row.serial for row in await numbers.issued("reg-pudong", 2026)] == [1, 2]


@pytest.mark.usefixtures("authorities")
async def test_an_authority_without_an_abbreviation_is_named_in_full(database: Database) -> None:
    numbers = DocumentNumbers(database)
    assert await _number(numbers, "directive-a", authority="reg-new") == "新设区市场监督管理局特指〔2026〕1号"
    with pytest.raises(UnknownAuthority):
        await _number(numbers, "directive-b", authority="reg-nowhere")


@pytest.mark.usefixtures("authorities")
async def test_a_hundred_directives_at_once_from_two_replicas_get_serials_one_to_a_hundred(
    database_url: str,
) -> None:
    # Two engines: the connection pools of two processes (API replicas or workers) on one database.
    engines = [make_engine(database_url), make_engine(database_url)]
    databases = [Database(engine) for engine in engines]
    try:
        replicas = [DocumentNumbers(database) for database in databases]
        allocated = await asyncio.gather(
            *(
                replicas[n % 2].allocate(f"directive-{n}", "reg-pudong", 2026, ISSUED_AT, document_number)
                for n in range(100)
            )
        )
        assert sorted(number.serial for number in allocated) == list(range(1, 101))
        assert len({number.number for number in allocated}) == 100
        stored = await replicas[0].issued("reg-pudong", 2026)
        assert [row.serial for row in stored] == list(range(1, 101))
        assert {row.ticket_id for row in stored} == {f"directive-{n}" for n in range(100)}
    finally:
        for database in databases:
            await database.dispose()
        for engine in engines:
            await engine.dispose()
