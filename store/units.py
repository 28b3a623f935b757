"""The shapes of the store's units of work: a function of a Session, or of a `Run` for statements."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import ClauseElement, Select
from sqlalchemy.orm import Session

T = TypeVar("T")
Work = Callable[[Session], T]

# A SELECT of any columns.
AnySelect = Select[*tuple[Any, ...]]
# A statement's rows, each its values in the order the statement selects them.
Rows = Sequence[Sequence[Any]]
# A statement `Database.execute` runs, and the values of each of its executions, bound by name.
Step = tuple[ClauseElement, Sequence[Mapping[str, object]]]
# Runs a statement once per set of values, inside the caller's transaction; its RETURNING or SELECT rows.
Run = Callable[[ClauseElement, Sequence[Mapping[str, object]]], Rows]
StatementWork = Callable[[Run], T]
