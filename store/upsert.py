"""Dialect-aware INSERT ... ON CONFLICT, the one primitive projections need on both backends."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_for(session: Session, table: Any) -> Any:
    """An insert construct of the session's dialect, which carries `on_conflict_*`."""
    return insert_of(session.get_bind().dialect.name, table)


def insert_of(dialect: str, table: Any) -> Any:
    """An insert construct of the named dialect, which carries `on_conflict_*`."""
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise RuntimeError(f"unsupported database dialect {dialect!r}; use SQLite or PostgreSQL")
