"""The base of every kind's states: each member carries its Chinese label and whether the work ends there."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Self

# The third value of a state that ends the ticket's work (its workflow ends there).
FINAL = True


class TicketState(StrEnum):
    """A kind's state, stored and sent by its value; `label_zh` is how people read it.

    Declared as `NAME = "value", "标签"` or `NAME = "value", "标签", FINAL`: one line per state says all of it.
    """

    _value_: str
    label_zh: str
    is_final: bool

    if TYPE_CHECKING:
        # What callers do: look a state up by its value. Only the class body builds members.
        def __new__(cls, value: str) -> Self: ...

    else:

        def __new__(cls, value: str, label_zh: str, final: bool = False) -> Self:
            member = str.__new__(cls, value)
            member._value_ = value
            member.label_zh = label_zh
            member.is_final = final
            return member
