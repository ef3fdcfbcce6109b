"""Bring the per-format tables up to the definitions: add what is new, refuse what would lose data.

Additive changes (new tables, new columns, new indexes) are applied. Dropping or
renaming a format or a column, or changing a column's type, is refused with a message
naming the format and the column; nothing is dropped. Only the generated `mpr_<code>`
tables are compared: the core tables evolve through Alembic migrations (migrations.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import Column, Index, MetaData, Table
from sqlalchemy.engine import Connection

from app.definitions.schema import DefinitionSet
from app.services.sync.migrations import include_format_object


@dataclass
class SyncPlan:
    """What sync would do: additions to apply, refusals to explain."""

    new_tables: list[Table] = field(default_factory=list)
    new_columns: list[tuple[str, Column]] = field(default_factory=list)
    new_indexes: list[Index] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """True when the database already matches."""
        return not (self.new_tables or self.new_columns or self.new_indexes or self.refusals)

    def describe(self) -> list[str]:
        """Human-readable lines, additions first."""
        lines = [f"create table {t.name}" for t in self.new_tables]
        lines += [f"add column {table}.{column.name}" for table, column in self.new_columns]
        lines += [f"create index {i.name} on {i.table.name}" for i in self.new_indexes]
        return lines + [f"REFUSED: {r}" for r in self.refusals]


def _format_of(table: str, definitions: DefinitionSet) -> str:
    for fmt in definitions.formats.values():
        if fmt.table_name == table:
            return fmt.code
    return table


def _classify(diff, plan: SyncPlan, definitions: DefinitionSet) -> None:
    kind = diff[0]
    if kind == "add_table":
        plan.new_tables.append(diff[1])
    elif kind == "add_column":
        plan.new_columns.append((diff[2], diff[3]))
    elif kind == "add_index":
        plan.new_indexes.append(diff[1])
    elif kind == "remove_table":
        plan.refusals.append(
            f"table {diff[1].name} holds a format that is no longer in the definitions; "
            "removing a format would drop its data: keep it and end it with `until:`"
        )
    elif kind == "remove_column":
        fmt = _format_of(diff[2], definitions)
        plan.refusals.append(
            f"format {fmt}: column {diff[3].name.upper()} is in the database but not in the "
            "definitions; dropping or renaming a column would lose data: keep it and end it with `until:`"
        )


def _classify_modification(diff, plan: SyncPlan, definitions: DefinitionSet) -> None:
    # alembic: ("modify_type", schema, table, column, {existing_*}, old type, new type)
    table, column, old, new = diff[2], diff[3], diff[-2], diff[-1]
    if diff[0] == "modify_type":
        fmt = _format_of(table, definitions)
        plan.refusals.append(
            f"format {fmt}: column {column.upper()} would change type from {old} to {new}; "
            "type changes are refused: add a new column instead"
        )


def plan_sync(connection: Connection, metadata: MetaData, definitions: DefinitionSet) -> SyncPlan:
    """Compare the database with the metadata and decide what to do."""
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "include_object": include_format_object}
    )
    plan = SyncPlan()
    for diff in compare_metadata(context, metadata):
        for item in diff if isinstance(diff, list) else [diff]:
            if item[0].startswith("modify_"):
                _classify_modification(item, plan, definitions)
            else:
                _classify(item, plan, definitions)
    # Alembic hands back copies of new tables without their indexes: create the originals.
    plan.new_tables = [metadata.tables.get(table.name, table) for table in plan.new_tables]
    created = {table.name for table in plan.new_tables}  # create_all makes their indexes
    plan.new_indexes = [i for i in plan.new_indexes if i.table.name not in created]
    return plan


def apply_sync(connection: Connection, plan: SyncPlan) -> None:
    """Apply the additions of a plan that has no refusals."""
    if plan.refusals:
        raise ValueError("refused changes: " + "; ".join(plan.refusals))
    if plan.new_tables:
        plan.new_tables[0].metadata.create_all(connection, tables=plan.new_tables)
        for table in plan.new_tables:  # indexes declared apart from their table
            for index in table.indexes:
                index.create(connection, checkfirst=True)
    operations = Operations(MigrationContext.configure(connection))
    for table, column in plan.new_columns:
        operations.add_column(table, column._copy())
    for index in plan.new_indexes:
        index.create(connection)
