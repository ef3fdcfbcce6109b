"""master item hindi label

Revision ID: 0008
Revises: 0007
Created: 2026-12-03 09:45:00

A master-list item's label in Hindi (seed/masters.yaml `label_hi`), shown on Hindi pages; empty
for an item that has none, whose English label is shown there instead.
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("mpr_master_item", schema=None) as batch_op:
        batch_op.add_column(sa.Column("label_hi", sa.String(length=255), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("mpr_master_item", schema=None) as batch_op:
        batch_op.drop_column("label_hi")
