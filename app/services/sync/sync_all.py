"""`flask mpr sync`: schema first (additive only), then permissions and roles."""

from __future__ import annotations

from flask_appbuilder import Model

from app.extensions import db
from app.services.engine import catalogue
from app.services.sync.access_sync import sync_permissions
from app.services.sync.schema_sync import apply_sync, plan_sync


def sync_all(dry_run: bool = False) -> tuple[list[str], bool]:
    """Apply additive schema changes and sync permissions; (report lines, success)."""
    definitions = catalogue.definitions()
    with db.engine.begin() as connection:
        plan = plan_sync(connection, Model.metadata, definitions)
        lines = plan.describe() or ["database schema is up to date"]
        if plan.refusals:
            lines.append("Nothing was changed. Fix the definitions (see REFUSED lines) and run sync again.")
            return lines, False
        if dry_run:
            return lines, True
        apply_sync(connection, plan)
        # Indexes that FAB declares apart from its tables show up only once the
        # tables exist: one more additive pass creates them (only needed after new tables).
        follow_up = plan_sync(connection, Model.metadata, definitions) if plan.new_tables else None
        if follow_up is not None and follow_up.new_indexes and not follow_up.refusals:
            apply_sync(connection, follow_up)
    counts = sync_permissions(definitions)
    lines.append(f"permissions synced for {len(counts)} roles")
    return lines, True
