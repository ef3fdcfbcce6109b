"""Lay out a header: column groups with sub-columns, like the paper form (grid, report, print, Excel)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


class HeadedColumn(Protocol):
    """Anything laid out in a header: a format column or a report column."""

    label: str
    group_path: tuple[str, ...]


@dataclass(frozen=True)
class HeaderCell:
    """One header cell with its spans."""

    label: str
    colspan: int = 1
    rowspan: int = 1
    column: Any = None  # set on leaf headers: the column itself


def header_rows(columns: tuple[HeadedColumn, ...]) -> list[list[HeaderCell]]:
    """Header rows for `columns`: group labels span their sub-columns; leaves span down."""
    depth = max((len(c.group_path) for c in columns), default=0) + 1
    rows: list[list[HeaderCell]] = [[] for _ in range(depth)]
    for level in range(depth):
        index = 0
        while index < len(columns):
            column = columns[index]
            path = column.group_path
            if level < len(path):
                prefix = path[: level + 1]
                span = 1
                while _shares(columns, index + span, level, prefix):
                    span += 1
                rows[level].append(HeaderCell(path[level], colspan=span))
                index += span
            elif level == len(path):
                rows[level].append(HeaderCell(column.label, rowspan=depth - level, column=column))
                index += 1
            else:
                index += 1
    return rows


def _shares(columns: tuple[HeadedColumn, ...], index: int, level: int, prefix: tuple[str, ...]) -> bool:
    return index < len(columns) and columns[index].group_path[: level + 1] == prefix


def messages_by_cell(messages) -> dict[tuple[str, str], list[str]]:
    """Messages grouped by (row, column) for the grid template."""
    found: dict[tuple[str, str], list[str]] = {}
    for message in messages:
        found.setdefault((message.row, message.column), []).append(message.message)
    return found
