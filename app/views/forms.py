"""Read the grid form: cells are posted as `cell|ROW|COLUMN`, removed rows as `delete|ROW`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def changes_from_form(form: Mapping[str, Any]) -> tuple[int, dict[str, dict[str, str] | None]]:
    """The version the form was loaded at, and the typed cells grouped by row."""
    try:
        version = int(form.get("version", "0"))
    except ValueError:
        version = -1  # a tampered version can only ever conflict
    changes: dict[str, dict[str, str] | None] = {}
    for name in form:
        kind, _, rest = name.partition("|")
        if kind == "cell":
            row, _, column = rest.rpartition("|")
            entry = changes.setdefault(row, {})
            if entry is not None:
                entry[column] = form.get(name)
        elif kind == "delete":
            changes[rest] = None
    return version, changes
