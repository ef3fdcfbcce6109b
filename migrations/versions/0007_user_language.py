"""user language

Revision ID: 0007
Revises: 0006
Created: 2026-12-02 21:20:00

The interface language a user chose (en, hi), one row per user who chose; without a row the
browser's language decides. A table of its own, so the profile table is left as it is.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "mpr_user_language",
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.PrimaryKeyConstraint("user_id"),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("mpr_user_language")
