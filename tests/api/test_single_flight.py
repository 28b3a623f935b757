"""Callers of one key at once share one call, its result or its error; afterwards each call is new."""

from __future__ import annotations

import asyncio

import pytest

from api.single_flight import SingleFlight


async def test_callers_at_once_share_one_call_and_later_callers_make_their_own() -> None:
    flights: SingleFlight[str, int] = SingleFlight()
    calls = 0
    release = asyncio.Event()

    async def call() -> int:
        nonlocal calls
        calls += 1
        await release.wait()
        return calls

    together = [asyncio.create_task(flights.run("alarm-1", call)) for _ in range(5)]
    await asyncio.sleep(0)
    release.set()
    results = await asyncio.gather(*together)
    later = await flights.run("alarm-1", call)

    assert results == [(1, False)] + [(1, True)] * 4
    assert later == (2, False)


async def test_every_caller_at_once_gets_the_calls_error() -> None:
    flights: SingleFlight[str, int] = SingleFlight()
    release = asyncio.Event()

    async def failing() -> int:
        await release.wait()
        raise ConnectionError("Temporal is unreachable")

    together = [asyncio.create_task(flights.run("alarm-2", failing)) for _ in range(3)]
    await asyncio.sleep(0)
    release.set()
    outcomes = await asyncio.gather(*together, return_exceptions=True)

    assert [type(outcome) for outcome in outcomes] == [ConnectionError] * 3


async def test_the_call_goes_on_for_the_others_when_its_first_caller_leaves() -> None:
    flights: SingleFlight[str, str] = SingleFlight()
    release = asyncio.Event()

    async def call() -> str:
        await release.wait()
        return "recorded"

    first = asyncio.create_task(flights.run("alarm-3", call))
    await asyncio.sleep(0)
    second = asyncio.create_task(flights.run("alarm-3", call))
    await asyncio.sleep(0)
    first.cancel()
    release.set()

    with pytest.raises(asyncio.CancelledError):
        await first
    assert await second == ("recorded", True)
