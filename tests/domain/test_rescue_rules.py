"""Who may move an entrapment-rescue ticket, and from which state."""

from __future__ import annotations

import pytest

from domain.rescue import (
    RescueAction,
    RescueParties,
    RescueState,
    allowed_actions,
    check_action,
)
from domain.roles import Actor, Role
from domain.transitions import ActionNotPermitted, InvalidTransition

PARTIES = RescueParties(assigned_unit_id="mu-shenda", use_unit_id="uu-lujiazui")
RESCUER = Actor("u-rescuer-shenda", "李师傅", "mu-shenda", Role.RESCUER)
OTHER_RESCUER = Actor("u-rescuer-pujiang", "张师傅", "mu-pujiang", Role.RESCUER)
SAFETY_MANAGER = Actor("u-safety-lujiazui", "刘经理", "uu-lujiazui", Role.SAFETY_MANAGER)
OTHER_SAFETY_MANAGER = Actor("u-safety-xujiahui", "周经理", "uu-xujiahui", Role.SAFETY_MANAGER)
DISPATCHER = Actor("u-dispatcher", "王调度", "emergency-110", Role.DISPATCHER)
REGULATOR = Actor("u-regulator-pudong", "孙科长", "reg-pudong", Role.REGULATOR)
# A rescuer's colleague in the office: right organisation, wrong role.
SHENDA_DISPATCHER = Actor("u-office-shenda", "钱调度", "mu-shenda", Role.DISPATCHER)


def test_happy_path_from_dispatch_to_closed() -> None:
    state = RescueState.DISPATCHED
    steps = [
        (RescueAction.ACCEPT, RESCUER, RescueState.ACCEPTED),
        (RescueAction.ARRIVE, RESCUER, RescueState.ON_SITE),
        (RescueAction.RELEASE, RESCUER, RescueState.RELEASED),
        (RescueAction.CONFIRM, SAFETY_MANAGER, RescueState.CLOSED),
    ]
    for action, actor, expected in steps:
        state = check_action(state, action, actor, PARTIES)
        assert state is expected
    assert state.is_final


def test_a_rescue_station_assigned_after_redispatch_may_act() -> None:
    station = Actor("u-rescuer-rs-pudong", "陈队长", "rs-pudong", Role.RESCUER)
    parties = RescueParties(assigned_unit_id="rs-pudong", use_unit_id="uu-lujiazui")

    assert check_action(RescueState.DISPATCHED, RescueAction.ACCEPT, station, parties) is RescueState.ACCEPTED
    with pytest.raises(ActionNotPermitted):
        check_action(RescueState.DISPATCHED, RescueAction.ACCEPT, RESCUER, parties)


def test_action_in_the_wrong_state_names_the_state_and_what_is_allowed() -> None:
    with pytest.raises(InvalidTransition) as raised:
        check_action(RescueState.DISPATCHED, RescueAction.CONFIRM, SAFETY_MANAGER, PARTIES)

    assert raised.value.state == "dispatched"
    assert raised.value.action == "confirm"
    assert raised.value.allowed == ["accept", "cancel"]
    assert str(raised.value) == "cannot confirm a ticket in state dispatched; allowed actions: accept, cancel"


def test_action_on_a_final_ticket_says_nothing_is_allowed() -> None:
    with pytest.raises(InvalidTransition, match=r"allowed actions: none$") as raised:
        check_action(RescueState.CLOSED, RescueAction.ACCEPT, RESCUER, PARTIES)
    assert raised.value.allowed == []


@pytest.mark.parametrize(
    ("state", "action", "actor"),
    [
        pytest.param(
            RescueState.DISPATCHED, RescueAction.ACCEPT, OTHER_RESCUER, id="rescuer-of-another-unit"
        ),
        pytest.param(RescueState.ON_SITE, RescueAction.RELEASE, OTHER_RESCUER, id="other-unit-releases"),
        pytest.param(
            RescueState.RELEASED,
            RescueAction.CONFIRM,
            OTHER_SAFETY_MANAGER,
            id="safety-manager-of-another-use-unit",
        ),
    ],
)
def test_other_organisations_may_not_act(state: RescueState, action: RescueAction, actor: Actor) -> None:
    with pytest.raises(ActionNotPermitted, match=actor.organisation_id):
        check_action(state, action, actor, PARTIES)


@pytest.mark.parametrize(
    ("state", "action", "actor", "required_role"),
    [
        pytest.param(
            RescueState.DISPATCHED,
            RescueAction.ACCEPT,
            SHENDA_DISPATCHER,
            Role.RESCUER,
            id="dispatcher-accepts",
        ),
        pytest.param(
            RescueState.DISPATCHED,
            RescueAction.ACCEPT,
            SAFETY_MANAGER,
            Role.RESCUER,
            id="safety-manager-accepts",
        ),
        pytest.param(
            RescueState.RELEASED,
            RescueAction.CONFIRM,
            RESCUER,
            Role.SAFETY_MANAGER,
            id="rescuer-confirms-own-work",
        ),
        pytest.param(
            RescueState.ACCEPTED, RescueAction.CANCEL, RESCUER, Role.DISPATCHER, id="rescuer-cancels"
        ),
        pytest.param(
            RescueState.ON_SITE, RescueAction.RELEASE, REGULATOR, Role.RESCUER, id="regulator-releases"
        ),
    ],
)
def test_wrong_role_may_not_act(
    state: RescueState, action: RescueAction, actor: Actor, required_role: Role
) -> None:
    # The refusal names the role that may take the action.
    with pytest.raises(ActionNotPermitted, match=required_role.label_zh):
        check_action(state, action, actor, PARTIES)


@pytest.mark.parametrize(
    "state", [RescueState.REPORTED, RescueState.DISPATCHED, RescueState.ACCEPTED, RescueState.ON_SITE]
)
def test_dispatcher_cancels_while_people_are_trapped(state: RescueState) -> None:
    assert state.people_trapped
    assert check_action(state, RescueAction.CANCEL, DISPATCHER, PARTIES) is RescueState.CANCELLED


@pytest.mark.parametrize("state", [RescueState.RELEASED, RescueState.CLOSED, RescueState.CANCELLED])
def test_no_cancel_once_nobody_is_trapped(state: RescueState) -> None:
    assert not state.people_trapped
    with pytest.raises(InvalidTransition):
        check_action(state, RescueAction.CANCEL, DISPATCHER, PARTIES)


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (RescueState.REPORTED, ["cancel"]),
        (RescueState.DISPATCHED, ["accept", "cancel"]),
        (RescueState.ACCEPTED, ["arrive", "cancel"]),
        (RescueState.ON_SITE, ["release", "cancel"]),
        (RescueState.RELEASED, ["confirm", "dispute"]),
        (RescueState.RELEASE_DISPUTED, ["release"]),
        (RescueState.CLOSED, []),
        (RescueState.CANCELLED, []),
    ],
)
def test_allowed_actions_per_state(state: RescueState, expected: list[str]) -> None:
    assert allowed_actions(state) == expected
    assert state.is_final == (expected == [])
