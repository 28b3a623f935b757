"""What an action on a ticket is to its workflow: which Update, and the input that Update takes.

Each workflow module declares its actions once (`UPDATES`), and the API sends them as they are: an input
is built from the request body field by field, by name. The module stays light for the sandbox.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from domain.roles import Actor

_ABSENT = object()


@dataclass(frozen=True)
class UpdateSpec:
    """An action's Update and input; `renames` maps an input field to the body field it comes from."""

    update: Callable[..., Any]
    input: type[Any]
    renames: Mapping[str, str] = field(default_factory=dict)

    def build(self, actor: Actor, body: object) -> object:
        """The Update's input: `actor`, then each field the body has; a field it lacks keeps its default."""
        values: dict[str, Any] = {"actor": actor}
        for input_field in dataclasses.fields(self.input):
            if input_field.name == "actor":
                continue
            value = getattr(body, self.renames.get(input_field.name, input_field.name), _ABSENT)
            if value is not _ABSENT:
                values[input_field.name] = value
        return self.input(**values)


UpdateTable = Mapping[str, UpdateSpec]
