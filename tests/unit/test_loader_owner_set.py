"""Formats set by their owner (`set_by: owner`, annual targets) in the loader: E130-E134."""

from __future__ import annotations

from pathlib import Path

from app.definitions import load_definitions_text
from app.definitions.months import Month
from tests.unit.test_loader_errors import MINIMAL, assert_error, line_of, problems, replaced, the_error
from tests.unit.test_loader_periods import ANNUAL, MONTHLY

OWNER_SET = ANNUAL.replace("    period: year\n", "    period: year\n    set_by: owner\n")
GOOD = MINIMAL + OWNER_SET + MONTHLY
SOURCES = 'sources:\n  - {code: GSTN, title: "GST Network"}\nformats:\n'


def test_a_format_set_by_its_owner_loads_and_is_off_the_offices_cycle() -> None:
    definitions = load_definitions_text(GOOD)
    target, monthly = definitions.format("FMT-T"), definitions.format("FMT-M")
    assert (target.set_by, target.set_by_owner, monthly.set_by_owner) == ("owner", True, False)
    assert target.keyed_in(Month(2026, 4)) and not target.keyed_in(Month(2026, 5))
    assert not target.filed_in_cycle(Month(2026, 4))  # no office files it: not on status, to-do, reminders
    assert monthly.filed_in_cycle(Month(2026, 4))
    assert monthly.derived[0].target_format == "FMT-T"  # target_pct reads it as before


def test_e130_set_by_has_one_value(tmp_path: Path) -> None:
    text = replaced("    set_by: owner\n", "    set_by: zone\n", GOOD)
    error = the_error(tmp_path, text)
    assert_error(error, "E130", line_of(text, "set_by: zone"), "formats[1].set_by", "one of: owner", "'zone'")


def test_e130_set_by_not_a_text(tmp_path: Path) -> None:
    text = replaced("    set_by: owner\n", "    set_by: [owner]\n", GOOD)
    error = the_error(tmp_path, text)
    assert_error(error, "E130", line_of(text, "set_by: [owner]"), "formats[1].set_by", "found a list")


def test_e131_no_cell_is_fed(tmp_path: Path) -> None:
    text = replaced("formats:\n", SOURCES, GOOD)
    text = replaced(
        '{code: TARGET, label: "Target", type: amount}',
        '{code: TARGET, label: "Target", type: amount, fed: GSTN}',
        text,
    )
    error = the_error(tmp_path, text)
    assert_error(
        error, "E131", line_of(text, "fed: GSTN"), "formats[1].columns[0].fed", "no cell of it is fed"
    )


def test_e131_a_fed_row(tmp_path: Path) -> None:
    text = replaced("formats:\n", SOURCES, GOOD)
    text = replaced(
        '{key: CASH, label: "Cash"}, {key: ITC', '{key: CASH, label: "Cash", fed: GSTN}, {key: ITC', text
    )
    errors = problems(tmp_path, text)
    assert [e.code for e in errors] == ["E131"], "\n".join(map(str, errors))
    assert errors[0].path == "formats[1].rows.fixed[0].fed"


def test_e132_nothing_is_carried(tmp_path: Path) -> None:
    # an annual format carries nothing anyway (E070); a format set by its owner says why too
    text = replaced("type: text, max_length: 20, required: false}", "type: amount, carry: TARGET}", GOOD)
    errors = problems(tmp_path, text)
    assert sorted(e.code for e in errors) == ["E070", "E132"], "\n".join(map(str, errors))
    error = next(e for e in errors if e.code == "E132")
    assert_error(error, "E132", line_of(text, "carry: TARGET"), "formats[1].columns[1].carry", "carried")


def test_e133_set_once_a_financial_year(tmp_path: Path) -> None:
    text = replaced("    period: year\n    set_by: owner\n", "    set_by: owner\n", GOOD)
    text = replaced(
        "target: {format: FMT-T, column: TARGET}", "target: {format: FMT-T, column: TARGET}", text
    )
    errors = problems(tmp_path, text)
    error = next(e for e in errors if e.code == "E133")  # and E071: the target must be annual
    assert_error(error, "E133", line_of(text, "set_by: owner"), "formats[1].set_by", "period: year")


def test_e134_no_check_across_formats_involves_it(tmp_path: Path) -> None:
    cross = (
        '    cross_checks:\n      - {code: AGREES, left: {row: TOTAL, column: COLLECTION}, op: "<=", '
        'right: {format: FMT-T, row: TOTAL, column: TARGET}, message: "m"}\n'
    )
    text = GOOD + cross
    error = the_error(tmp_path, text)
    assert_error(error, "E134", line_of(text, "code: AGREES"), "formats[2].cross_checks[0].right", "'FMT-T'")


def test_the_shipped_target_is_set_by_its_owner() -> None:
    from app.definitions import load_definitions
    from config import Config

    definitions = load_definitions(Config.MPR_DEFINITIONS)
    assert definitions.format("DDM-GST-1-TARGET").set_by_owner
    assert [f.code for f in definitions.formats.values() if f.set_by_owner] == ["DDM-GST-1-TARGET"]
    summary = definitions.summaries["MSR-DDM-GST-1"]
    assert (summary.format, summary.key) == ("DDM-GST-1", "TOTAL_TARGET_PCT")
