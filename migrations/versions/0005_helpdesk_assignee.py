"""helpdesk assignee

Revision ID: 0005
Revises: 0004
Created: 2026-12-01 23:51:58.712045

Written by hand after autogenerate: the column is added with an inline REFERENCES
instead of a batch operation. On SQLite a batch copies the table and drops the old one,
and with `PRAGMA foreign_keys = ON` that DROP deletes every mpr_query_post row through
its ON DELETE CASCADE. ALTER TABLE ADD/DROP COLUMN keeps the table (SQLite >= 3.35).
The reference has no ON DELETE action: SQLAlchemy does not read one back from an inline
REFERENCES on SQLite, so the schema check would see a difference that is not there.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.add_column(
        "mpr_query",
        sa.Column("assigned_to_id", sa.Integer(), sa.ForeignKey("ab_user.id"), nullable=True),
        inline_references=True,
    )
    op.create_index(op.f("ix_mpr_query_assigned_to_id"), "mpr_query", ["assigned_to_id"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index(op.f("ix_mpr_query_assigned_to_id"), table_name="mpr_query")
    op.drop_column("mpr_query", "assigned_to_id")
