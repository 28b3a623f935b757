"""Statements compiled once per dialect and bound by name for the driver itself, past SQLAlchemy's execution."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ClauseElement, Dialect, Insert
from sqlalchemy.exc import StatementError
from sqlalchemy.sql.compiler import ExpandedState, SQLCompiler

from store.units import Rows

# Statements `select` has compiled; callers build them once per shape, so a few hundred is plenty.
COMPILED_LIMIT = 512


def insert_keys(statement: ClauseElement, values: Sequence[Mapping[str, object]]) -> tuple[str, ...] | None:
    """The columns an INSERT given these values sets (SQLAlchemy compiles an insert for its keys)."""
    if isinstance(statement, Insert) and values:
        return tuple(values[0])
    return None


@dataclass
class Compiled:
    # Kept with its compilation, so that its id is not reused while it is cached.
    statement: ClauseElement
    compiled: SQLCompiler
    # What turns each column's driver value into the one the ORM would give: None where it is the same.
    column_processors: Sequence[Callable[[Any], Any] | None]
    # The SQL of its last execution, and the bind processors of its parameters by name.
    expanded: tuple[ExpandedState, Mapping[str, Any]] | None = None

    @property
    def returns_rows(self) -> bool:
        """A SELECT, or a write with RETURNING: run once per set of values to collect its rows."""
        return bool(self.column_processors)


class Statements:
    """Statements compiled once for one dialect, bound by name for the driver at each execution."""

    def __init__(self, dialect: Dialect) -> None:
        self._dialect = dialect
        self._compiled: dict[tuple[int, tuple[str, ...] | None], Compiled] = {}

    def compiled(self, statement: ClauseElement, insert_keys: tuple[str, ...] | None = None) -> Compiled:
        key = (id(statement), insert_keys)
        entry = self._compiled.get(key)
        if entry is None:
            if len(self._compiled) >= COMPILED_LIMIT:
                self._compiled.clear()
            compiled = statement.compile(dialect=self._dialect, column_keys=insert_keys)
            assert isinstance(compiled, SQLCompiler)
            processors = [
                column.type._cached_result_processor(self._dialect, None)
                for column in compiled._result_columns
            ]
            entry = self._compiled[key] = Compiled(statement, compiled, processors)
        return entry

    def bound(self, entry: Compiled, values: Mapping[str, object]) -> tuple[str, list[object]]:
        """The compiled statement's SQL for the driver and its arguments in order, bind processors applied."""
        compiled = entry.compiled
        parameters = compiled.construct_params(params=dict(values))
        if entry.expanded is None or compiled.post_compile_params:
            # An IN list is rendered per execution; any other statement's SQL is the same every time.
            state = compiled.construct_expanded_state(parameters)
            # The state's own processors are only those of the names an IN list was expanded into.
            # One assignment: a pool thread running the same statement sees both or neither.
            entry.expanded = (state, {**compiled._bind_processors, **state.processors})
        state, processors = entry.expanded
        # An expanded IN list's values are under the names it was rendered with, in this execution's state.
        expanded = state.parameters if compiled.post_compile_params else parameters
        try:
            arguments = [
                processors[name](expanded[name]) if name in processors else expanded[name]
                for name in state.positiontup or ()
            ]
        except Exception as error:
            # As SQLAlchemy's own execution raises for a value its type refuses (a naive datetime).
            raise StatementError(str(error), state.statement, dict(values), error) from error
        return state.statement, arguments


def processed(rows: list[Any], processors: Sequence[Callable[[Any], Any] | None]) -> Rows:
    """Rows as the ORM would give them: each column through its type's result processor, if it has one."""
    if not any(processors):
        return rows
    return [
        tuple(
            value if process is None else process(value)
            for process, value in zip(processors, row, strict=True)
        )
        for row in rows
    ]
