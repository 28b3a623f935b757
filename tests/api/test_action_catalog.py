"""Every action the read side offers on any ticket can be taken through the API, for every kind and state."""

import pytest

from api.ticket_actions import ACTION_BODIES, UPDATES
from api.tracking_service import EVALUATIONS
from domain.catalog import CATALOG, allowed_actions, is_final, state_label
from domain.kinds import TicketKind
from domain.tracking import public_actions


def _states(kind: TicketKind) -> list[str]:
    return [member.value for enum in CATALOG[kind].states for member in enum]


@pytest.mark.parametrize("kind", list(TicketKind))
def test_every_offered_action_has_an_update_and_a_body(kind: TicketKind) -> None:
    for state in _states(kind):
        for paused in (False, True):
            for action in allowed_actions(kind, state, {"paused": paused}):
                if action in public_actions(kind):
                    # Taken by the public on the tracking page, with its token, not by staff.
                    assert kind in EVALUATIONS, f"{kind.value} offers {action} to the public with no Update"
                    continue
                assert action in UPDATES[kind], f"{kind.value}/{state} offers {action} with no Update"
                assert action in ACTION_BODIES, f"{action} has no request body"


@pytest.mark.parametrize("kind", list(TicketKind))
def test_every_state_has_a_chinese_label_and_final_states_offer_nothing(kind: TicketKind) -> None:
    states = _states(kind)
    assert any(is_final(kind, state) for state in states), f"{kind.value} never ends"
    for state in states:
        assert state_label(kind, state).strip()
        if is_final(kind, state):
            assert allowed_actions(kind, state, {}) == [], f"{kind.value}/{state} is final"


def test_an_unknown_state_is_an_error_not_a_blank_label() -> None:
    with pytest.raises(ValueError, match="no state of rescue"):
        state_label(TicketKind.RESCUE, "lost")
