"""audit chains per office

Revision ID: 0006
Revises: 0005
Created: 2026-12-02 13:01:35.783149

Written by hand after autogenerate (which cannot see SQLite's unnamed UNIQUE (seq)).
Every existing event goes to the global chain, keeping its seq, prev_hash and hash: the
global chain hashes exactly as the single chain did (app/services/audit.py), so old
events still verify. `seq` becomes unique per chain. The single head row (id 1) becomes
the global chain's head in a table keyed by chain name; other chains' heads are created
by their first append. Downgrade is refused once any event is outside the global chain.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

GLOBAL = "global"
# SQLite keeps the baseline's UNIQUE (seq) unnamed: the batch names it by this convention
# so it can be dropped; PostgreSQL named it <table>_<column>_key.
SQLITE_NAMES = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def _seq_constraint() -> str:
    return (
        "mpr_audit_event_seq_key" if op.get_bind().dialect.name == "postgresql" else "uq_mpr_audit_event_seq"
    )


def _heads(with_chain: bool) -> sa.Table:
    key = sa.Column("chain", sa.String(length=40)) if with_chain else sa.Column("id", sa.Integer())
    return sa.table(
        "mpr_audit_head", key, sa.column("seq", sa.Integer()), sa.column("hash", sa.String()), sa.column("at")
    )


def _replace_head_table(with_chain: bool, rows: list[dict]) -> None:
    op.drop_table("mpr_audit_head")
    key = (
        sa.Column("chain", sa.String(length=40), nullable=False)
        if with_chain
        else sa.Column("id", sa.Integer(), nullable=False)
    )
    op.create_table(
        "mpr_audit_head",
        key,
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint(key.name),
    )
    if rows:
        op.bulk_insert(_heads(with_chain), rows)


def upgrade() -> None:
    """Apply this revision."""
    old = _heads(with_chain=False)
    found = op.get_bind().execute(sa.select(old.c.seq, old.c.hash, old.c.at).where(old.c.id == 1)).mappings()
    heads = [{"chain": GLOBAL, **row} for row in found]
    with op.batch_alter_table("mpr_audit_event", schema=None, naming_convention=SQLITE_NAMES) as batch_op:
        batch_op.add_column(sa.Column("chain", sa.String(length=40), server_default=GLOBAL, nullable=False))
        batch_op.drop_constraint(_seq_constraint(), type_="unique")
        batch_op.create_unique_constraint("uq_mpr_audit_event_chain_seq", ["chain", "seq"])
    _replace_head_table(with_chain=True, rows=heads)


def downgrade() -> None:
    """Revert this revision (only while every event is in the global chain)."""
    bind = op.get_bind()
    events = sa.table("mpr_audit_event", sa.column("chain", sa.String()))
    if bind.execute(sa.select(sa.func.count()).where(events.c.chain != GLOBAL)).scalar_one():
        raise RuntimeError("audit events of office chains cannot go back to a single chain: restore a backup")
    new = _heads(with_chain=True)
    found = bind.execute(sa.select(new.c.seq, new.c.hash, new.c.at).where(new.c.chain == GLOBAL)).mappings()
    heads = [{"id": 1, **row} for row in found]
    _replace_head_table(with_chain=False, rows=heads)
    with op.batch_alter_table("mpr_audit_event", schema=None, naming_convention=SQLITE_NAMES) as batch_op:
        batch_op.drop_constraint("uq_mpr_audit_event_chain_seq", type_="unique")
        batch_op.create_unique_constraint(_seq_constraint(), ["seq"])
        batch_op.drop_column("chain")
