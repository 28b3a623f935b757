"""audit log: one append-only, hash-chained row per action; the database refuses to change or remove one

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_REFUSED = "audit_log is append-only: rows are never changed or removed"

# PostgreSQL: a trigger refuses UPDATE, DELETE and TRUNCATE for every role, the table's owner included,
# unless a superuser or the owner switches the triggers off (which the hash chain then shows).
_POSTGRES_UP = (
    f"""
    CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{_REFUSED} (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
    END
    $$
    """,
    """
    CREATE TRIGGER audit_log_no_update_or_delete BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change()
    """,
    """
    CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change()
    """,
    "REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM PUBLIC",
)
_POSTGRES_DOWN = (
    "DROP TRIGGER audit_log_no_truncate ON audit_log",
    "DROP TRIGGER audit_log_no_update_or_delete ON audit_log",
    "DROP FUNCTION audit_log_refuse_change()",
)

# SQLite has no roles; the triggers at least keep the application itself from changing a row.
_SQLITE_UP = (
    f"""
    CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, '{_REFUSED}'); END
    """,
    f"""
    CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, '{_REFUSED}'); END
    """,
)
_SQLITE_DOWN = ("DROP TRIGGER audit_log_no_delete", "DROP TRIGGER audit_log_no_update")


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=200), nullable=False),
        sa.Column("source_address", sa.String(length=64), nullable=False),
        sa.Column("ticket_id", sa.String(length=200), nullable=True),
        sa.Column("target", sa.String(length=200), nullable=True),
        sa.Column("action", sa.String(length=200), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("payload_digest", sa.String(length=64), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("row_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
    )
    op.create_index(op.f("ix_audit_log_ticket_id"), "audit_log", ["ticket_id"], unique=False)
    dialect = op.get_bind().dialect.name
    for statement in _POSTGRES_UP if dialect == "postgresql" else _SQLITE_UP if dialect == "sqlite" else ():
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for statement in (
        _POSTGRES_DOWN if dialect == "postgresql" else _SQLITE_DOWN if dialect == "sqlite" else ()
    ):
        op.execute(statement)
    op.drop_index(op.f("ix_audit_log_ticket_id"), table_name="audit_log")
    op.drop_table("audit_log")
