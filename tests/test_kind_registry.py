"""The checklist of docs/architecture.md ("adding a kind"), kept true for every kind in the registry."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.ticket_actions import ACTION_BODIES, ACTION_DOCS, UPDATES
from domain.catalog import allowed_actions
from domain.kind_registry import KINDS
from domain.kind_spec import KindSpec
from domain.kinds import TicketKind
from domain.permissions import ACTIONS
from domain.roles import Role
from workflows.kind_modules import kind_workflows

HISTORIES = Path(__file__).parent / "workflows" / "histories"


def test_the_registry_holds_every_kind_once() -> None:
    assert sorted(spec.kind for spec in KINDS) == sorted(TicketKind)


@pytest.mark.parametrize("spec", KINDS, ids=lambda spec: spec.kind.value)
def test_each_kind_declares_its_clocks_its_workflow_and_a_saved_history(spec: KindSpec) -> None:
    assert spec.policies, "a kind without a legal clock has nothing for this engine to keep"
    assert all(policy.kind is spec.kind for policy in spec.policies)
    assert any(workflow.__module__ == f"workflows.{spec.kind.value}" for workflow in kind_workflows())
    # Replayed by tests/workflows/test_replay.py on every run.
    assert sorted(HISTORIES.glob(f"{spec.kind.value}_*.json")), f"no saved history of {spec.kind.value}"


@pytest.mark.parametrize("spec", KINDS, ids=lambda spec: spec.kind.value)
def test_every_action_a_kind_offers_has_an_update_a_grant_and_a_body(spec: KindSpec) -> None:
    # The public takes its actions with a tracking token of its own (a complaint's evaluation).
    public = {str(a) for variant in spec.transitions for a, t in variant.items() if t.role is Role.PUBLIC}
    offered = {
        action
        for states in spec.states
        for state in states
        for paused in (False, True)
        for action in allowed_actions(spec.kind, state.value, {"paused": paused})
    } - public

    for action in offered:
        update = UPDATES[spec.kind].get(action)
        assert update is not None, f"{spec.kind.value} offers {action} with no Update"
        # The SDK keeps an Update's definition (its name on the wire) on the method.
        assert update.update._defn.name == action  # type: ignore[attr-defined]
        assert ACTIONS[spec.kind].get(action), f"nobody may {action} a {spec.kind.value}"
        assert action in ACTION_BODIES, f"{action} has no request body"
        assert ACTION_DOCS.get(action), f"{action} is not described for the OpenAPI document"


@pytest.mark.parametrize("spec", KINDS, ids=lambda spec: spec.kind.value)
def test_a_state_awaiting_a_role_is_an_open_state_where_that_role_may_act(spec: KindSpec) -> None:
    for role, states in spec.awaiting.items():
        for state in states:
            assert state not in spec.finals, f"{spec.kind.value} {state} is final: nothing awaits anyone"
            offered = allowed_actions(spec.kind, state, {})
            granted = [a for a in offered if any(g.role is role for g in ACTIONS[spec.kind].get(a, ()))]
            assert granted, f"{role} has nothing to do in {spec.kind.value} {state}, yet it is in their list"
