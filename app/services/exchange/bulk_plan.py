"""What a bulk load plan holds: the returns it would store, every error at its address, every disagreement.

Errors are `{sheet, cell, row, column, code, message}` with the office and month where
known; a disagreement is an opening in the file that differs from the closing of the
month before (from the file, or from the database when the file does not hold it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.definitions.months import Month
from app.definitions.schema import FormatDef
from app.models.org import Office
from app.models.returns import MprReturn
from app.services.exchange.bulk_layout import Line, Table


@dataclass(frozen=True)
class Upload:
    """An uploaded file, read: its name, its SHA-256 and its table."""

    filename: str
    sha256: str
    table: Table


@dataclass(frozen=True)
class Problem:
    """One error, at its address: `{sheet, cell, row, column, code, message}` plus office and month."""

    sheet: str
    cell: str
    code: str
    message: str
    row: str = ""
    column: str = ""
    office: str | None = None
    month: str | None = None
    row_key: str = ""
    column_code: str = ""

    def as_dict(self) -> dict[str, Any]:
        """JSON form (API, page, CLI), in the documented order."""
        names = (
            "sheet",
            "cell",
            "row",
            "column",
            "code",
            "message",
            "office",
            "month",
            "row_key",
            "column_code",
        )
        return {name: getattr(self, name) for name in names}


@dataclass(frozen=True)
class Disagreement:
    """An opening that differs from the closing of the month before (from the file or the database)."""

    office: str
    month: str
    row: str
    row_key: str
    column: str
    column_code: str
    opening: Any
    previous_closing: Any
    cell: str
    sheet: str
    closing_from: str  # "file" or "database"

    def as_dict(self) -> dict[str, Any]:
        """JSON form; figures as text so that 500.00 stays 500.00."""
        shown = dict(self.__dict__)
        shown["opening"] = _text(self.opening)
        shown["previous_closing"] = _text(self.previous_closing)
        return shown


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True)
class Closing:
    """The month before a return: its cells by row, where they come from, rows whose cells did not parse."""

    rows: dict[str, dict[str, Any]]
    source: str  # "file" or "database"
    broken: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Progress:
    """How far a plan ('check') or a load ('load') has gone, in returns."""

    phase: str
    done: int
    total: int


ProgressCallback = Callable[[Progress], None]


@dataclass
class PlannedReturn:
    """One return of the file: its lines by row key, its cells, and what stands in the database."""

    office: Office
    month: Month
    lines: dict[str, Line] = field(default_factory=dict)
    cells: dict[str, dict[str, Any]] = field(default_factory=dict)
    bad: set[tuple[str, str]] = field(default_factory=set)  # (row key, column) that did not parse
    rows: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)  # assembled, computed
    existing: MprReturn | None = None  # a draft the load replaces (targets set by the owner: any status)
    first_month: bool = False  # nothing before it anywhere: the opening is taken as given

    @property
    def first_line(self) -> Line:
        """The return's first line in the file (where problems of the whole return are shown)."""
        return min(self.lines.values(), key=lambda line: line.number)


@dataclass
class BulkPlan:
    """What a load would store, and every reason it cannot."""

    fmt: FormatDef
    upload: Upload
    returns: list[PlannedReturn] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    disagreements: list[Disagreement] = field(default_factory=list)
    later: dict[int, Month] = field(default_factory=dict)  # office id -> a stored month after the file's

    @property
    def ok(self) -> bool:
        """True when the load may be applied: no error and no disagreement."""
        return not self.errors and not self.disagreements

    @property
    def replaced(self) -> list[PlannedReturn]:
        """The returns whose stored draft the load replaces."""
        return [r for r in self.returns if r.existing is not None]

    def as_dict(self) -> dict[str, Any]:
        """The plan as the API returns it."""
        return {
            "format": self.fmt.code,
            "file": self.upload.filename,
            "sha256": self.upload.sha256,
            "returns": [
                {
                    "office": r.office.code,
                    "month": str(r.month),
                    "rows": len(r.rows),
                    "replaces": r.existing.status if r.existing is not None else None,
                    "opening_as_given": r.first_month,
                }
                for r in self.returns
            ],
            "errors": [e.as_dict() for e in self.errors],
            "disagreements": [d.as_dict() for d in self.disagreements],
        }
