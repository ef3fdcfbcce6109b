"""return feeds

Revision ID: 0009
Revises: 0008
Created: 2026-12-03 14:10:00

When a source (another departmental system declared under `sources:`) last fed a return's
fed cells through the API, and which system account did: one row per return and source.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "mpr_return_feed",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("return_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("fed_at", sa.DateTime(), nullable=False),
        sa.Column("fed_by_id", sa.Integer(), nullable=True),
        sa.Column("fed_by_name", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(["fed_by_id"], ["ab_user.id"]),
        sa.ForeignKeyConstraint(["return_id"], ["mpr_return.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("return_id", "source", name="uq_mpr_return_feed"),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("mpr_return_feed")
