"""Synthetic targets (formats set by their owner, `set_by: owner`) for the demo and the national data.

No office files them: the owner sets every office's target once a year, shortly before its
financial year begins, stored as validated. A target is drawn from the office's own figures
of the format whose `target_pct` reads it — its April figures x 12 x a factor of 0.9 to 1.2 —
so that the % achievement reads plausibly (some offices ahead of their target, some behind).
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from app.definitions.months import Month
from app.definitions.schema import FormatDef
from app.models.returns import ReturnStatus
from app.services.engine import catalogue

LOW, HIGH = 0.9, 1.2  # the target over twelve times the April figures


def owner_set_fate(month: Month) -> dict[str, Any]:
    """A target set (as validated) by its owner on the 25th of the month before its year began."""
    day = month.prev().first_day.replace(day=25)
    stamp = dt.datetime.combine(day, dt.time(11, 0))
    status = str(ReturnStatus.VALIDATED)
    return {
        "status": status,
        "created_at": stamp,
        "updated_at": stamp,
        "submitted_at": stamp,
        "validated_at": stamp,
    }


def _achieved_by(fmt: FormatDef) -> list[tuple[FormatDef, dict[str, str]]]:
    """The formats whose target_pct reads `fmt`, each with {target column: its own column}."""
    found = []
    for other in catalogue.definitions().formats.values():
        pairs = {
            d.target_column: d.of
            for d in other.derived
            if d.target_format == fmt.code and d.target_column and fmt.column(d.target_column).is_input
        }
        if pairs:
            found.append((other, pairs))
    return found


def drawn_targets(
    fmt: FormatDef, month: Month, made: dict[str, tuple[Month, dict[str, dict]]], rng: random.Random
) -> dict[str, dict[str, Any]] | None:
    """{row: {column: target}} from this April's figures of the format achieving it (None if not made)."""
    for other, pairs in _achieved_by(fmt):
        april = made.get(other.code)
        if april is None or april[0] != month:
            continue
        rows: dict[str, dict[str, Any]] = {}
        for row in fmt.rows_in_force(month):
            if row.is_total or row.key not in april[1]:
                continue
            factor = Decimal(str(round(rng.uniform(LOW, HIGH), 3)))
            figures = april[1][row.key]
            rows[row.key] = {
                target: (Decimal(figures[of]) * 12 * factor).quantize(Decimal("0.01"))
                for target, of in pairs.items()
                if figures.get(of) is not None
            }
        return rows or None
    return None
