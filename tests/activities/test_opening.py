"""The opening call: the registration, the opening clocks, and the terms of later fixed-duration clocks."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.contracts import ComputeDeadlinesInput, DeadlineRequest, PrepareTicketInput
from activities.deadlines import DeadlineActivities
from activities.opening import OpeningActivities
from activities.registry import RegistryActivities
from domain.calendar import CHINA_TIME, WorkingDayCalendar
from domain.policies import policy_table
from elevator_orders.official_calendar import official_working_day
from store.database import Database
from store.registry import RegistryRepository
from store.seed import seed_demo_data

START = datetime(2026, 9, 30, 10, tzinfo=CHINA_TIME)
RELEASED = datetime(2026, 10, 2, 16, 45, tzinfo=CHINA_TIME)


@pytest.fixture
async def opening(sessions: async_sessionmaker[AsyncSession], database: Database) -> OpeningActivities:
    await seed_demo_data(sessions)
    deadlines = DeadlineActivities(policy_table(), WorkingDayCalendar(official_working_day))
    return OpeningActivities(RegistryActivities(RegistryRepository(database)), deadlines)


async def test_one_call_brings_the_registration_the_clocks_and_the_later_terms(
    opening: OpeningActivities,
) -> None:
    prepared = await ActivityEnvironment().run(
        opening.prepare_ticket,
        PrepareTicketInput(
            elevator_code="31011500001",
            deadlines=[DeadlineRequest("rescue.arrive", START)],
            later=["rescue.confirm", "hazard.rectify_general"],
        ),
    )

    assert prepared.registration.maintenance_unit.id == "mu-shenda"
    assert [d.due_at for d in prepared.deadlines] == [START + timedelta(minutes=30)]
    # Only the fixed-duration row comes back: a working-day clock needs the calendar of its own day.
    assert [terms.policy_key for terms in prepared.later] == ["rescue.confirm"]
    # Started later from the terms, the clock is due exactly when the activity would have said.
    computed = await ActivityEnvironment().run(
        DeadlineActivities(policy_table(), WorkingDayCalendar(official_working_day)).compute_deadlines,
        ComputeDeadlinesInput([DeadlineRequest("rescue.confirm", RELEASED)]),
    )
    assert prepared.later[0].starting(RELEASED) == computed.deadlines[0]


async def test_an_unregistered_elevator_or_unknown_row_fails_for_good(opening: OpeningActivities) -> None:
    for elevator, later in (("31019999999", []), ("31011500001", ["rescue.nope"])):
        with pytest.raises(ApplicationError) as failure:
            await ActivityEnvironment().run(
                opening.prepare_ticket,
                PrepareTicketInput(elevator_code=elevator, deadlines=[], later=later),
            )
        assert failure.value.non_retryable
