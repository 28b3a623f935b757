"""Properties that hold for any input, tried by hypothesis: working-day arithmetic and every kind's states."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.calendar import CHINA_TIME, FallbackDays, WorkingDayCalendar
from domain.catalog import CATALOG, allowed_actions, is_final
from domain.kinds import TicketKind
from elevator_orders.official_calendar import official_working_day

# 2026's official calendar with its 调休 days, and an operator's fallback for 2027 with a make-up Saturday.
CALENDAR = WorkingDayCalendar(
    official_working_day,
    FallbackDays(
        holidays=frozenset({date(2027, 1, 1), date(2027, 2, 8), date(2027, 2, 9), date(2027, 2, 10)}),
        makeup_working_days=frozenset({date(2027, 2, 20)}),
    ),
)
STARTS = st.datetimes(
    min_value=datetime(2025, 12, 1), max_value=datetime(2027, 11, 30), timezones=st.just(UTC)
)


def _working_days_between(start: datetime, due_at: datetime) -> int:
    """Working days after the day of `start` up to the day a deadline at `due_at` (the next midnight) ends."""
    first = start.astimezone(CHINA_TIME).date() + timedelta(days=1)
    last = due_at.astimezone(CHINA_TIME).date() - timedelta(days=1)
    return sum(CALENDAR.is_working_day(first + timedelta(days=n))[0] for n in range((last - first).days + 1))


@settings(max_examples=300, deadline=None)
@given(start=STARTS, days=st.integers(min_value=1, max_value=60))
def test_adding_n_working_days_and_counting_back_gives_n(start: datetime, days: int) -> None:
    deadline = CALENDAR.add_working_days(start, days)

    assert _working_days_between(start, deadline.due_at) == days
    last_day = deadline.due_at.astimezone(CHINA_TIME).date() - timedelta(days=1)
    assert CALENDAR.is_working_day(last_day)[0], "a deadline ends on a working day"
    assert deadline.due_at.astimezone(CHINA_TIME).time().hour == 0
    # Counted across a year the official calendar does not cover, it says so.
    assert deadline.provisional == (last_day.year >= 2027)


@settings(max_examples=200, deadline=None)
@given(
    start=STARTS, first=st.integers(min_value=1, max_value=30), second=st.integers(min_value=1, max_value=30)
)
def test_working_days_add_up(start: datetime, first: int, second: int) -> None:
    # n working days, then m more from the end of the n-th day's last moment, is n + m.
    after_first = CALENDAR.add_working_days(start, first).due_at - timedelta(seconds=1)

    assert (
        CALENDAR.add_working_days(after_first, second).due_at
        == CALENDAR.add_working_days(start, first + second).due_at
    )


def _declared_states(kind: TicketKind) -> set[str]:
    return {member.value for enum in CATALOG[kind].states for member in enum}


CLOCK_ACTIONS = {"extend", "pause", "resume"}


@settings(max_examples=300, deadline=None)
@given(kind=st.sampled_from(list(TicketKind)), data=st.data())
def test_no_walk_through_a_kinds_actions_leaves_its_states_or_offers_an_action_it_cannot_take(
    kind: TicketKind, data: st.DataObject
) -> None:
    spec = CATALOG[kind]
    states = _declared_states(kind)
    variant = data.draw(st.sampled_from(spec.transitions), label="variant")
    state = str(data.draw(st.sampled_from(sorted({s for t in variant.values() for s in t.from_states}))))
    for _ in range(data.draw(st.integers(min_value=1, max_value=12), label="steps")):
        assert state in states
        # What the pages offer in this state is an action some variant's table takes from it (or one the
        # kind checks outside its table, as a 投诉's referral), besides the clock's own.
        offered = set(allowed_actions(kind, state, {})) - CLOCK_ACTIONS
        takeable = {str(a) for table in spec.transitions for a, t in table.items() if state in t.from_states}
        assert offered <= takeable | set(spec.extra_grants), (state, offered - takeable)
        here = sorted(str(a) for a, t in variant.items() if state in t.from_states)
        if not here:
            break
        action = data.draw(st.sampled_from(here), label="action")
        state = str(next(t.to_state for a, t in variant.items() if str(a) == action))
    assert state in states
    if is_final(kind, state):
        assert allowed_actions(kind, state, {}) == []
