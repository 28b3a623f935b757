"""What building the per-kind tables from one registry (issue 18) must leave as it is, pinned beforehand.

Each golden under tests/goldens/ was written from today's hand-kept tables: the permission table (grant
order included, since `acting_role` tries an action's grants in order), the catalogue of every state, the policy
rows in the order `elevator-orders policies` prints them, which Update and input every action becomes,
and the OpenAPI document (to which additions are allowed, nothing else). After an intended change,
`UPDATE_GOLDENS=1 pytest tests/test_kind_goldens.py` rewrites them, and the diff is what to review.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from api.app import create_app
from api.ticket_actions import ACTION_BODIES, UPDATES, update_for
from domain.catalog import CATALOG, allowed_actions, is_final, state_label
from domain.permissions import ACTIONS, VISIBLE_BY_RELATION, VISIBLE_BY_ROLE
from domain.policies import policy_rules
from domain.roles import Actor, Role
from elevator_orders.settings import Settings

GOLDENS = Path(__file__).parent / "goldens"
ACTOR = Actor(user_id="u-golden", name="金样", organisation_id="org-golden", role=Role.REGULATOR)


def _matches_golden(name: str, value: Any) -> Any:
    """The golden `name` (rewritten from `value` first when UPDATE_GOLDENS is set)."""
    path = GOLDENS / f"{name}.json"
    if os.environ.get("UPDATE_GOLDENS"):
        GOLDENS.mkdir(exist_ok=True)
        path.write_text(json.dumps(value, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return json.loads(path.read_text(encoding="utf-8"))


def _as_json(value: Any) -> Any:
    # Through JSON and back: tuples become lists, enum members their values, the same as the golden.
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


def test_the_permission_table_grants_the_same_roles_in_the_same_order() -> None:
    table = {
        kind.value: {
            action: [
                [grant.role.value, grant.scope.value, sorted(grant.states) if grant.states else None]
                for grant in grants
            ]
            for action, grants in actions.items()
        }
        for kind, actions in ACTIONS.items()
    }

    golden = _matches_golden("permissions", table)

    # Grants are lists, compared in order; kinds and actions are looked up, so their order is free.
    assert _as_json(table) == golden


def test_every_party_and_role_still_sees_the_same_kinds() -> None:
    visibility = {
        "by_relation": {
            relation.value: sorted(kinds) for relation, kinds in VISIBLE_BY_RELATION.items() if kinds
        },
        "by_role": {role.value: sorted(kinds) for role, kinds in VISIBLE_BY_ROLE.items() if kinds},
    }

    assert _as_json(visibility) == _matches_golden("visibility", visibility)


def test_every_state_of_every_kind_keeps_its_label_finality_and_actions() -> None:
    catalog = {
        kind.value: {
            state.value: {
                "label": state_label(kind, state.value),
                "final": is_final(kind, state.value),
                "actions": allowed_actions(kind, state.value, {}),
                "actions_while_paused": allowed_actions(kind, state.value, {"paused": True}),
            }
            for states in entry.states
            for state in states
        }
        for kind, entry in CATALOG.items()
    }

    assert _as_json(catalog) == _matches_golden("catalog", catalog)


def test_the_policy_table_keeps_its_rows_in_order() -> None:
    rows = [
        _as_json(dataclasses.asdict(policy)) | {"key": policy.key} for policy in policy_rules().every_row()
    ]

    assert rows == _matches_golden("policies", rows)


class _RecordingBody:
    """An action's request body whose every field reads as its own name, so an input shows which fed it."""

    def __init__(self, body: type[BaseModel]) -> None:
        self._fields = set(body.model_fields)

    def __getattr__(self, field: str) -> str:
        if field not in self._fields:
            raise AttributeError(field)
        return f"<body.{field}>"


def test_every_action_becomes_the_same_update_with_the_same_input() -> None:
    updates = {}
    for kind, actions in UPDATES.items():
        for action in actions:
            made = update_for(kind, action, ACTOR, _RecordingBody(ACTION_BODIES[action]))  # type: ignore[arg-type]
            assert made is not None
            update, update_input = made
            fields = {k: v for k, v in dataclasses.asdict(update_input).items() if k != "actor"}
            updates[f"{kind.value} {action}"] = {
                # The SDK keeps an Update's definition (its name on the wire) on the method.
                "update": update._defn.name,
                "input": type(update_input).__qualname__,
                "fields": fields,
                "body": ACTION_BODIES[action].__name__,
            }

    assert _as_json(updates) == _matches_golden("updates", updates)


def test_the_openapi_document_keeps_everything_it_had(settings: Settings) -> None:
    document = create_app(settings).openapi()

    golden = _matches_golden("openapi", document)

    missing = _missing(golden, _as_json(document), "")
    assert missing == []


def _missing(golden: Any, current: Any, where: str) -> list[str]:
    """Where `current` lacks or changes something `golden` has; keys it adds are fine."""
    if isinstance(golden, dict):
        if not isinstance(current, dict):
            return [where]
        return [
            lost
            for key, value in golden.items()
            for lost in (
                _missing(value, current[key], f"{where}/{key}") if key in current else [f"{where}/{key}"]
            )
        ]
    return [] if golden == current else [where]
