"""Annual formats, lags and targets in the loader: E070-E073 (and E011/E005/E003 where they apply)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.definitions import load_definitions_text
from app.definitions.months import Month
from tests.unit.test_loader_errors import MINIMAL, assert_error, line_of, problems, replaced, the_error

ANNUAL = """\
  - code: FMT-T
    title: "Targets"
    part: I
    owner: DDM
    segment: GST
    unit: lakh
    filled_by: [commissionerate]
    period: year
    rows: {fixed: [{key: CASH, label: "Cash"}, {key: ITC, label: "ITC"}], total: "Total"}
    columns:
      - {code: TARGET, label: "Target", type: amount}
      - {code: NOTE, label: "Note", type: text, max_length: 20, required: false}
"""

MONTHLY = """\
  - code: FMT-M
    title: "Revenue"
    part: I
    owner: DDM
    segment: GST
    unit: lakh
    filled_by: [commissionerate]
    rows: {fixed: [{key: CASH, label: "Cash"}, {key: ITC, label: "ITC"}], total: "Total"}
    columns:
      - {code: COLLECTION, label: "Collection", type: amount}
    derived:
      - {code: ACH_PCT, label: "% achievement", kind: target_pct, of: COLLECTION, target: {format: FMT-T, column: TARGET}}
"""  # noqa: E501

GOOD = MINIMAL + ANNUAL + MONTHLY


def test_annual_format_target_and_lag_load() -> None:
    text = GOOD.replace(
        "    filled_by: [commissionerate]\n    columns:",
        "    filled_by: [commissionerate]\n    lag: 1\n    columns:",
        1,
    )
    definitions = load_definitions_text(text)
    annual, monthly = definitions.format("FMT-T"), definitions.format("FMT-M")
    assert (annual.annual, annual.lag, definitions.format("FMT-A").lag) == (True, 0, 1)
    assert annual.return_month(Month(2027, 2)) == Month(2026, 4)
    assert monthly.return_month(Month(2027, 2)) == Month(2027, 2)
    assert annual.filed_in_cycle(Month(2026, 4)) and not annual.filed_in_cycle(Month(2026, 5))
    [derived] = monthly.derived
    assert (derived.kind, derived.target_format, derived.target_column) == ("target_pct", "FMT-T", "TARGET")
    lagging = definitions.format("FMT-A")
    assert lagging.figures_month(Month(2026, 5)) == Month(2026, 4)
    assert lagging.reported_in(Month(2026, 4)) == Month(2026, 5)


@pytest.mark.parametrize(
    ("old", "new", "key", "fragment"),
    [
        ("    period: year\n", "    period: year\n    lag: 1\n", "lag", "a lag belongs to monthly formats"),
        ("    period: year\n", "    period: year\n    from: 2026-05\n", "from", "'from' must be an April"),
        ("    period: year\n", "    period: year\n    until: 2027-04\n", "until", "'until' must be a March"),
    ],
)
def test_e070_annual_format_months_and_lag(
    tmp_path: Path, old: str, new: str, key: str, fragment: str
) -> None:
    text = replaced(old, new, GOOD)
    error = the_error(tmp_path, text)
    assert_error(error, "E070", line_of(text, f"    {key}: "), f"formats[1].{key}", fragment)


def test_e070_annual_format_carries_nothing(tmp_path: Path) -> None:
    text = replaced("type: text, max_length: 20, required: false}", "type: amount, carry: TARGET}", GOOD)
    error = the_error(tmp_path, text)
    assert_error(
        error, "E070", line_of(text, "carry: TARGET"), "formats[1].columns[1].carry", "nothing is carried"
    )


def test_e070_annual_format_has_no_cumulative_derived(tmp_path: Path) -> None:
    text = replaced(
        '      - {code: NOTE, label: "Note", type: text, max_length: 20, required: false}\n',
        '      - {code: NOTE, label: "Note", type: text, max_length: 20, required: false}\n'
        '    derived:\n      - {code: T_UPTO, label: "Up to", kind: upto, of: TARGET}\n',
        GOOD,
    )
    error = the_error(tmp_path, text)
    assert_error(
        error, "E070", line_of(text, "code: T_UPTO"), "formats[1].derived[0].kind", "'upto' adds months up"
    )


def test_e011_target_names_an_unknown_format(tmp_path: Path) -> None:
    text = replaced("format: FMT-T,", "format: FMT-X,", GOOD)
    error = the_error(tmp_path, text)
    assert_error(
        error,
        "E011",
        line_of(text, "format: FMT-X"),
        "formats[2].derived[0].target.format",
        "unknown format 'FMT-X'",
    )


def test_e071_target_format_is_not_annual(tmp_path: Path) -> None:
    text = replaced("    period: year\n", "", GOOD)
    error = the_error(tmp_path, text)
    assert_error(
        error, "E071", line_of(text, "format: FMT-T"), "formats[2].derived[0].target.format", "must be annual"
    )


@pytest.mark.parametrize(
    ("column", "fragment"),
    [("TARGT", "has no column 'TARGT' — did you mean 'TARGET'?"), ("NOTE", "is a text column")],
)
def test_e072_target_column_unknown_or_not_a_number(tmp_path: Path, column: str, fragment: str) -> None:
    text = replaced("column: TARGET}", f"column: {column}}}", GOOD)
    error = the_error(tmp_path, text)
    assert_error(error, "E072", line_of(text, "kind: target_pct"), "formats[2].derived[0].target.column")
    assert fragment.split(" — ")[0] in error.message


TARGET_ROWS = '{key: ITC, label: "ITC"}], total: "Total"}\n    columns:\n      - {code: TARGET'
MONTHLY_ROWS = '    rows: {fixed: [{key: CASH, label: "Cash"}, {key: ITC, label: "ITC"}], total: "Total"}\n'


def test_e073_target_rows_do_not_match(tmp_path: Path) -> None:
    cess = TARGET_ROWS.replace('"ITC"}]', '"ITC"}, {key: CESS, label: "Cess"}]')
    text = replaced(TARGET_ROWS, cess, GOOD)
    error = the_error(tmp_path, text)
    assert_error(error, "E073", line_of(text, "format: FMT-T"), "formats[2].derived[0].target.format", "CESS")


def test_e073_target_of_a_single_row_format_needs_rows_on_both_sides(tmp_path: Path) -> None:
    monthly = MONTHLY_ROWS + "    columns:\n      - {code: COLLECTION"
    text = replaced(monthly, "    rows: {free: {max: 5}}\n    columns:\n      - {code: COLLECTION", GOOD)
    error = the_error(tmp_path, text)
    assert_error(
        error,
        "E073",
        line_of(text, "format: FMT-T"),
        "formats[2].derived[0].target.format",
        "found free and fixed",
    )


def test_target_key_belongs_to_target_pct_and_target_pct_needs_it(tmp_path: Path) -> None:
    text = replaced("kind: target_pct,", "kind: upto,", GOOD)
    assert_error(
        the_error(tmp_path, text),
        "E005",
        line_of(text, "kind: upto"),
        "formats[2].derived[0].target",
        "belongs to kind target_pct",
    )
    text = replaced(", target: {format: FMT-T, column: TARGET}", "", GOOD)
    assert_error(
        the_error(tmp_path, text),
        "E003",
        line_of(text, "kind: target_pct"),
        "formats[2].derived[0]",
        "'target'",
    )


@pytest.mark.parametrize(("lag", "code"), [("12", "E005"), ("-1", "E005"), ("one", "E004")])
def test_lag_is_a_whole_number_of_months(tmp_path: Path, lag: str, code: str) -> None:
    text = replaced(
        "    filled_by: [commissionerate]\n    columns:",
        f"    filled_by: [commissionerate]\n    lag: {lag}\n    columns:",
        GOOD,
    )
    assert_error(the_error(tmp_path, text), code, line_of(text, "lag:"), "formats[0].lag")


def test_good_file_is_clean(tmp_path: Path) -> None:
    assert problems(tmp_path, GOOD) == []
