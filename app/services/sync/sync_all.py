"""`flask mpr sync` (and `make run`, and the tests): core migrations, format tables, permissions.

1. the core schema to the head Alembic revision (migrations/);
2. the per-format tables to the definitions (additive only, schema_sync);
3. permissions and roles.
"""

from __future__ import annotations

from flask_appbuilder import Model

from app.extensions import db
from app.services.engine import catalogue
from app.services.sync.access_sync import sync_permissions
from app.services.sync.migrations import upgrade_core
from app.services.sync.schema_sync import apply_sync, plan_sync


def sync_all(dry_run: bool = False) -> tuple[list[str], bool]:
    """Migrate the core schema, add what the definitions add, sync permissions; (report lines, success)."""
    definitions = catalogue.definitions()
    with db.engine.begin() as connection:
        plan = plan_sync(connection, Model.metadata, definitions)  # format tables only
        if plan.refusals:
            lines = plan.describe()
            lines.append("Nothing was changed. Fix the definitions (see REFUSED lines) and run sync again.")
            return lines, False
        lines = upgrade_core(connection, dry_run=dry_run)
        lines += plan.describe() or ["format tables are up to date"]
        if dry_run:
            return lines, True
        apply_sync(connection, plan)
    counts = sync_permissions(definitions)
    lines.append(f"permissions synced for {len(counts)} roles")
    return lines, True
