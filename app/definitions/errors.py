"""Problems found in mpr_definitions.yaml, reported as `FILE:LINE path: CODE message`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

# The error codes of docs/definitions.md, with their meaning.
ERROR_CODES = {
    "E001": "the file cannot be read or is not valid YAML",
    "E002": "unknown key",
    "E003": "required key missing",
    "E004": "wrong value type",
    "E005": "invalid value",
    "E006": "a Hindi form (title_hi, label_hi, ...) not written in Devanagari",
    "E010": "duplicate code",
    "E011": "reference to an unknown part, owner, master, dimension or format",
    "E020": "formula syntax error",
    "E021": "formula uses a forbidden construct",
    "E022": "formula references an unknown column",
    "E023": "formulas form a cycle",
    "E024": "a formula or check reads a non-numeric column",
    "E025": "a cumulative derived column (upto, prev_upto, growth_upto) over a balance",
    "E026": "a computed row reads an unknown row (or the total row)",
    "E027": "computed rows form a cycle",
    "E028": "a computed row in a format with no number column",
    "E029": "a computed row crosses a computed column, a formula is not linear and crossing is not given",
    "E030": "carried column names an unknown column or one absent from the previous period",
    "E031": "carry in a free-row format",
    "E032": "carried column and the column it carries from have different types",
    "E033": "carried row names an unknown row or one not in force the month before",
    "E034": "a format carries both rows and columns",
    "E040": "from after until, or a column/row in force outside its format's months",
    "E041": "replacement months do not join up, or a format replaced twice",
    "E042": "a column or formula reads a column not in force in some month where the reader is",
    "E043": "a column's functions outside its format's, or it reads a column some of its offices do not fill",
    "E050": "a cross-format check names an unknown format, or its own format on the other side",
    "E051": "a cross-format check names a row or column the other format does not have",
    "E052": "a cross-format check compares a non-numeric column",
    "E053": "cross-format checks go round in a circle (A's check reads B and B's reads A)",
    "E054": "a cross-format check reads a format, row or column not in force in all its months",
    "E055": "a formula or check names another format: cross-format references belong in cross_checks",
    "E060": "formula, carry or crossing on rows that cannot have them (dimension, master, product rows)",
    "E061": "a computed row's formula names a column code instead of a row key",
    "E070": "an annual format with a lag, a carry, a cumulative derived column, or months not whole years",
    "E071": "a target_pct's target format is not annual",
    "E072": "a target_pct's target column is unknown or not a number",
    "E073": "a target_pct's target format has rows the format does not have",
    "E090": "a summary's column is not a number column (or derived column) of its format",
    "E091": "a summary's row is not a row of its format, or none is named where one must be",
    "E092": "a summary's key measure is not one of its columns or ratios",
    "E093": "a summary's ratio reads a column the summary does not show",
    # formats set by their owner (set_by: owner): annual targets
    "E130": "set_by has an unknown value (only owner)",
    "E131": "a format set by its owner has fed cells",
    "E132": "a format set by its owner carries a column or row",
    "E133": "a format set by its owner is not annual (period: year)",
    "E134": "a check across formats declares or reads a format set by its owner",
    "E100": "a dashboard indicator's column is not a number column (or derived column) of its format",
    "E101": "a dashboard indicator's row is not a row of its format, or none is named where one must be",
    "E102": "a dashboard indicator's comparison is not a number column of its format, or is its own column",
    "E103": "a dashboard indicator reads an annual format (the dashboard follows months)",
    # scorecards (loader_scorecards.py)
    "E110": "a scorecard's group weights do not add up to 100",
    "E111": "a scorecard indicator's column is not a number column (or derived column) of its format",
    "E112": "a scorecard indicator's row is not a row of its format, or none is named where one must be",
    "E113": "a scorecard indicator has both or neither of column and formula, or its formula reads "
    "an unknown or non-number column",
    "E114": "a scorecard indicator's grading rule is unknown, or its settings do not fit the rule",
    "E115": "a scorecard indicator's bands are out of order, or a grade is outside 1 to 10",
    "E116": "a Functional Owner's scorecard reads a format of another owner",
}


@dataclass(frozen=True)
class DefinitionError:
    """One problem: its code, 1-based line, path such as formats[4].columns[7].formula, message."""

    code: str
    line: int
    path: str
    message: str
    file: str = ""

    def format(self, file: str | None = None) -> str:
        """The report line `FILE:LINE path: CODE message`."""
        name = file or self.file or "mpr_definitions.yaml"
        return f"{name}:{self.line} {self.path}: {self.code} {self.message}"

    def __str__(self) -> str:
        return self.format()


class DefinitionErrors(Exception):
    """Raised by load_definitions with every problem found in the file."""

    def __init__(self, errors: Iterable[DefinitionError], source: str = "") -> None:
        self.errors: list[DefinitionError] = list(errors)
        self.source = source
        super().__init__(self.report())

    @property
    def codes(self) -> list[str]:
        """The error codes, in report order."""
        return [error.code for error in self.errors]

    def report(self, source: str | None = None) -> str:
        """All problems, one `FILE:LINE path: CODE message` line each."""
        return "\n".join(error.format(source or self.source or None) for error in self.errors)
