"""`sources:` and `fed:`: cells fed by other systems, and one test per error code they bring."""

from __future__ import annotations

from app.definitions import DefinitionError, DefinitionErrors, load_definitions_text
from app.definitions.loader import analyse_bytes
from app.definitions.months import Month

HEAD = """\
version: 1
parts:
  - {code: V, title: "Part-V"}
owners:
  - {code: DDM, title: "Directorate of Data Management"}
sources:
  - {code: GSTN, title: "GST Network", title_hi: "जीएसटी नेटवर्क"}
formats:
  - code: FMT-F
    title: "Fed format"
    part: V
    owner: DDM
    segment: GST
    unit: count
    filled_by: [commissionerate]
"""


def problems(text: str) -> list[DefinitionError]:
    return analyse_bytes(text.encode(), "defs.yaml")[1]


def the_error(text: str) -> DefinitionError:
    """The one problem in the text (fails, listing them, if there is not exactly one)."""
    errors = problems(text)
    assert len(errors) == 1, "\n".join(str(error) for error in errors)
    return errors[0]


def test_a_column_a_group_and_a_format_are_fed_and_other_columns_stay_as_they_are():
    filled = "    filled_by: [commissionerate]\n"
    text = HEAD.replace(filled, filled + "    fed: GSTN\n")
    text += """\
    columns:
      - {code: OPENING, label: "Opening", type: count, carry: CLOSING}
      - group: "Received"
        fed: {source: GSTN}
        columns:
          - {code: RECEIVED, label: "Received", type: count}
      - {code: CLOSING, label: "Closing", type: count, formula: "OPENING + RECEIVED"}
      - {code: ALSO_FED, label: "By the format's fed", type: count}
"""
    definitions = load_definitions_text(text)
    fmt = definitions.format("FMT-F")
    roles = {c.code: (c.role, c.fed) for c in fmt.columns}
    assert roles == {
        "OPENING": ("carried", None),
        "RECEIVED": ("fed", "GSTN"),
        "CLOSING": ("computed", None),
        "ALSO_FED": ("fed", "GSTN"),
    }
    assert definitions.sources["GSTN"].title.in_language("hi") == "जीएसटी नेटवर्क"
    assert fmt.sources_in_force(Month(2024, 4)) == ("GSTN",)
    assert [c.code for c in fmt.fed_columns_in_force(Month(2024, 4))] == ["RECEIVED", "ALSO_FED"]


def test_a_mixed_format_keeps_its_entered_column_entered():
    text = (
        HEAD
        + """\
    columns:
      - {code: CANCELLED, label: "Cancelled", type: count, fed: GSTN}
      - {code: REMARKS, label: "Remarks", type: text, max_length: 200, required: false}
"""
    )
    fmt = load_definitions_text(text).format("FMT-F")
    assert [(c.code, c.role) for c in fmt.columns] == [("CANCELLED", "fed"), ("REMARKS", "entered")]


def test_e011_an_unknown_source_with_a_did_you_mean():
    text = (
        HEAD
        + """\
    columns:
      - {code: CANCELLED, label: "Cancelled", type: count, fed: GSTM}
"""
    )
    error = the_error(text)
    assert (error.code, error.line, error.path) == ("E011", 17, "formats[0].columns[0].fed")
    assert "unknown source 'GSTM'" in error.message and "did you mean 'GSTN'" in error.message


def test_e011_an_unknown_source_with_nothing_close_names_the_declared_ones():
    text = (
        HEAD
        + """\
    columns:
      - {code: CANCELLED, label: "Cancelled", type: count, fed: {source: CBIC_ACES}}
"""
    )
    error = the_error(text)
    assert (error.code, error.path) == ("E011", "formats[0].columns[0].fed.source")
    assert "did you mean" not in error.message and "declared: GSTN" in error.message


def test_e081_a_carried_column_cannot_be_fed():
    text = (
        HEAD
        + """\
    columns:
      - {code: OPENING, label: "Opening", type: count, carry: CLOSING, fed: GSTN}
      - {code: CLOSING, label: "Closing", type: count}
"""
    )
    error = the_error(text)
    assert (error.code, error.line, error.path) == ("E081", 17, "formats[0].columns[0].fed")
    assert "a carried column cannot be fed" in error.message


def test_e081_a_computed_column_cannot_be_fed():
    text = (
        HEAD
        + """\
    columns:
      - {code: RECEIVED, label: "Received", type: count}
      - {code: DOUBLE, label: "Twice", type: count, formula: "RECEIVED * 2", fed: GSTN}
"""
    )
    error = the_error(text)
    assert (error.code, error.line) == ("E081", 18)
    assert "a computed column cannot be fed" in error.message


def test_e082_a_fed_group_with_only_computed_columns_feeds_nothing():
    text = (
        HEAD
        + """\
    columns:
      - {code: RECEIVED, label: "Received", type: count}
      - group: "Worked out"
        fed: GSTN
        columns:
          - {code: DOUBLE, label: "Twice", type: count, formula: "RECEIVED * 2"}
"""
    )
    error = the_error(text)
    assert (error.code, error.line, error.path) == ("E082", 19, "formats[0].columns[1].fed")
    assert "the group 'Worked out' is fed by 'GSTN' but has no entered column" in error.message


def test_e083_a_free_row_format_cannot_be_fed():
    text = (
        HEAD
        + """\
    rows: {free: {max: 50}, label: "Case"}
    columns:
      - {code: AMOUNT, label: "Amount", type: count, fed: GSTN}
"""
    )
    error = the_error(text)
    assert (error.code, error.path) == ("E083", "formats[0].columns[0].fed")


def test_e004_and_e002_a_malformed_fed_and_every_problem_at_once():
    text = (
        HEAD
        + """\
    columns:
      - {code: A, label: "A", type: count, fed: [GSTN]}
      - {code: B, label: "B", type: count, fed: {source: GSTN, since: 2024-04}}
      - {code: C, label: "C", type: count, fed: NOPE}
"""
    )
    codes = [(e.code, e.line) for e in problems(text)]
    assert codes == [("E004", 17), ("E002", 18), ("E011", 19)]


def test_e010_a_source_declared_twice():
    text = (
        HEAD.replace("sources:\n", 'sources:\n  - {code: GSTN, title: "Again", title_hi: "फिर से"}\n')
        + """\
    columns:
      - {code: A, label: "A", type: count}
"""
    )
    error = the_error(text)
    assert error.code == "E010" and "duplicate source code 'GSTN'" in error.message


def test_load_refuses_with_every_problem():
    text = (
        HEAD
        + """\
    columns:
      - {code: A, label: "A", type: count, fed: NOPE}
"""
    )
    try:
        load_definitions_text(text)
    except DefinitionErrors as errors:
        assert [e.code for e in errors.errors] == ["E011"]
    else:
        raise AssertionError("an unknown source must be refused")


ROWS = """\
    rows:
      fixed:
        - {key: ONLINE, label: "Online", fed: GSTN}
        - group: "Offline"
          fed: {source: GSTN}
          rows:
            - {key: PAPER, label: "Paper"}
        - {key: OTHER, label: "Other"}
      total: "Total"
"""


def test_a_fixed_row_and_a_row_group_are_fed_in_their_entered_cells():
    text = (
        HEAD
        + ROWS
        + """\
    columns:
      - {code: RECEIVED, label: "Received", type: count}
      - {code: TWICE, label: "Twice", type: count, formula: "RECEIVED * 2"}
"""
    )
    fmt = load_definitions_text(text).format("FMT-F")
    received, twice = fmt.column("RECEIVED"), fmt.column("TWICE")
    assert [fmt.fed_source(key, received) for key in ("ONLINE", "PAPER", "OTHER")] == ["GSTN", "GSTN", None]
    assert fmt.fed_source("ONLINE", twice) is None  # computed cells stay computed
    assert [r.key for r in fmt.fed_rows_in_force(Month(2024, 4))] == ["ONLINE", "PAPER"]
    assert fmt.sources_in_force(Month(2024, 4)) == ("GSTN",) and fmt.fed_row_keys == {"ONLINE", "PAPER"}


def test_e011_a_row_fed_by_an_unknown_source():
    text = (
        HEAD
        + ROWS.replace("fed: GSTN}", "fed: GSNT}")
        + """\
    columns:
      - {code: RECEIVED, label: "Received", type: count}
"""
    )
    error = the_error(text)
    assert (error.code, error.path) == ("E011", "formats[0].rows.fixed[0].fed")
    assert "did you mean 'GSTN'" in error.message


def test_e082_a_fed_row_in_a_format_without_an_entered_column():
    text = (
        HEAD
        + ROWS
        + """\
    columns:
      - {code: OPENING, label: "Opening", type: count, carry: CLOSING}
      - {code: CLOSING, label: "Closing", type: count, formula: "OPENING + 0"}
"""
    )
    error = the_error(text)
    assert (error.code, error.path) == ("E082", "formats[0].rows.fixed[0].fed")
    assert "a row is fed by 'GSTN' but has no entered column" in error.message
