"""accounts: several roles per user, passwords, refresh tokens, API keys; the organisations of each ticket

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    # Every user keeps the one role it had; more are granted per user from now on. The roles wait in a
    # table without a foreign key while SQLite rebuilds `users` (a rebuild drops the table, which a
    # referencing row would forbid).
    op.create_table(
        "user_roles_carried",
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
    )
    op.execute("INSERT INTO user_roles_carried (user_id, role) SELECT id, role FROM users")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("role")
        batch_op.add_column(sa.Column("password_hash", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()))
    op.create_table(
        "user_roles",
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("user_id", "role"),
    )
    op.execute("INSERT INTO user_roles (user_id, role) SELECT user_id, role FROM user_roles_carried")
    op.drop_table("user_roles_carried")
    op.create_table(
        "refresh_tokens",
        sa.Column("jti", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("jti"),
    )
    op.create_index(op.f("ix_refresh_tokens_user_id"), "refresh_tokens", ["user_id"], unique=False)
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("scopes", _JSON, nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("replaces", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "ticket_parties",
        sa.Column("ticket_id", sa.String(length=200), nullable=False),
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("relation", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("ticket_id", "organisation_id", "relation"),
    )
    op.create_index(
        "ix_ticket_parties_organisation", "ticket_parties", ["organisation_id", "relation"], unique=False
    )
    for relation, column in (
        ("use_unit", "use_unit_id"),
        ("maintenance_unit", "maintenance_unit_id"),
        ("assigned", "assigned_unit_id"),
    ):
        op.execute(
            f"INSERT INTO ticket_parties (ticket_id, organisation_id, relation) "
            f"SELECT ticket_id, {column}, '{relation}' FROM tickets WHERE {column} <> ''"
        )


def downgrade() -> None:
    op.drop_index("ix_ticket_parties_organisation", table_name="ticket_parties")
    op.drop_table("ticket_parties")
    op.drop_table("api_keys")
    op.drop_index(op.f("ix_refresh_tokens_user_id"), table_name="refresh_tokens")
    op.drop_table("refresh_tokens")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("role", sa.String(length=40), nullable=False, server_default=""))
    op.execute(
        "UPDATE users SET role = (SELECT MIN(role) FROM user_roles WHERE user_roles.user_id = users.id)"
    )
    op.drop_table("user_roles")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("active")
        batch_op.drop_column("password_hash")
