"""The base of every kind's actions: each member carries the name people know the action by."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Self


class TicketAction(StrEnum):
    """A kind's action, sent and recorded by its value; `label_zh` names it in refusals and on pages.

    Declared as `NAME = "value", "标签"`.
    """

    _value_: str
    label_zh: str

    if TYPE_CHECKING:
        # What callers do: look an action up by its value. Only the class body builds members.
        def __new__(cls, value: str) -> Self: ...

    else:

        def __new__(cls, value: str, label_zh: str) -> Self:
            member = str.__new__(cls, value)
            member._value_ = value
            member.label_zh = label_zh
            return member
