"""Smaller shapes of real forms: column groups three levels deep, row-group labels beside their rows."""

from __future__ import annotations

from pathlib import Path

from app.definitions import load_definitions
from app.presenters.grid_cells import side_labels
from app.presenters.headers import header_rows
from tests.unit.test_loader_errors import MINIMAL, assert_error, line_of, problems, replaced, the_error

THREE_LEVELS = """\
    columns:
      - group: "Disposal"
        columns:
          - group: "In favour of Revenue"
            columns:
              - group: "Confirmed"
                columns:
                  - {code: CONFIRMED_NO, label: "No.", type: count}
                  - {code: CONFIRMED_AMT, label: "Amount", type: amount}
              - {code: REMANDED_NO, label: "Remanded", type: count}
          - {code: AGAINST_NO, label: "In favour of the taxpayer", type: count}
"""


def _columns(text: str) -> str:
    head = MINIMAL.split("    columns:\n")[0]
    return head + text


def test_column_groups_nest_three_levels_and_head_the_grid_in_four_rows(tmp_path: Path) -> None:
    path = tmp_path / "defs.yaml"
    path.write_text(_columns(THREE_LEVELS), encoding="utf-8")
    fmt = load_definitions(path).format("FMT-A")
    assert fmt.column("CONFIRMED_NO").group_path == ("Disposal", "In favour of Revenue", "Confirmed")
    header = header_rows(fmt.columns)
    assert len(header) == 4
    assert [(cell.label, cell.colspan) for cell in header[0]] == [("Disposal", 4)]
    assert [(cell.label, cell.colspan, cell.rowspan) for cell in header[1]] == [
        ("In favour of Revenue", 3, 1),
        ("In favour of the taxpayer", 1, 3),
    ]
    assert [(cell.label, cell.colspan, cell.rowspan) for cell in header[2]] == [
        ("Confirmed", 2, 1),
        ("Remanded", 1, 2),
    ]
    assert [cell.label for cell in header[3]] == ["No.", "Amount"]


def test_a_fourth_level_of_column_groups_is_refused(tmp_path: Path) -> None:
    deeper = THREE_LEVELS.replace(
        '                  - {code: CONFIRMED_NO, label: "No.", type: count}\n',
        '                  - group: "Fourth"\n'
        "                    columns:\n"
        '                      - {code: CONFIRMED_NO, label: "No.", type: count}\n',
    )
    text = _columns(deeper)
    error = the_error(tmp_path, text)
    path = "formats[0].columns[0].columns[0].columns[0].columns[0].group"
    assert_error(error, "E005", line_of(text, 'group: "Fourth"'), path, "column groups nest at most 3 levels")


GROUPED_ROWS = """\
    rows:
      groups: beside
      total: "Total"
      fixed:
        - group: "Import"
          rows:
            - {key: IMPORT_GOLD, label: "Gold"}
            - {key: IMPORT_NARCO, label: "Narcotics"}
        - {key: OTHERS, label: "Others"}
        - group: "Export"
          rows:
            - {key: EXPORT_GOLD, label: "Gold"}
"""


def test_row_group_labels_beside_their_rows_span_them(tmp_path: Path) -> None:
    path = tmp_path / "defs.yaml"
    path.write_text(replaced("    columns:\n", GROUPED_ROWS + "    columns:\n"), encoding="utf-8")
    fmt = load_definitions(path).format("FMT-A")
    assert fmt.rows.groups == "beside"
    assert side_labels(fmt.rows.rows) == [("Import", 2), (None, 0), (None, 0), ("Export", 1), (None, 0)]


def test_row_groups_are_above_or_beside(tmp_path: Path) -> None:
    text = replaced(
        "    columns:\n", GROUPED_ROWS.replace("groups: beside", "groups: besides") + "    columns:\n"
    )
    error = the_error(tmp_path, text)
    assert_error(
        error, "E005", line_of(text, "groups: besides"), "formats[0].rows.groups", "did you mean 'beside'?"
    )
    assert (
        problems(
            tmp_path, replaced("    columns:\n", GROUPED_ROWS.replace("beside", "above") + "    columns:\n")
        )
        == []
    )


FUNCTION_COLUMNS = """\
    functions: [executive, ltu]
    columns:
      - {code: RECEIPT_NO, label: "Receipt", type: count}
      - group: "Large taxpayers"
        functions: [ltu]
        columns:
          - {code: LTU_NO, label: "Cases", type: count}
          - {code: LTU_SHARE, label: "Share", type: percent, formula: "LTU_NO / RECEIPT_NO * 100"}
    checks:
      - {code: LTU_WITHIN, rule: "LTU_NO <= RECEIPT_NO", message: "At most the receipts"}
"""


def _function_format(text: str = FUNCTION_COLUMNS) -> str:
    return MINIMAL.split("    columns:\n")[0] + text


def test_a_column_group_limited_to_some_functions_leaves_other_offices_without_it(tmp_path: Path) -> None:
    path = tmp_path / "defs.yaml"
    path.write_text(_function_format(), encoding="utf-8")
    fmt = load_definitions(path).format("FMT-A")
    assert fmt.column("LTU_SHARE").functions == ("ltu",)
    executive = fmt.as_filled_by("executive")
    assert [c.code for c in executive.columns] == ["RECEIPT_NO"]
    assert executive.checks == ()
    assert fmt.as_filled_by("ltu") is fmt.as_filled_by("ltu")  # one variant per function, cached
    assert [c.code for c in fmt.as_filled_by("ltu").columns] == ["RECEIPT_NO", "LTU_NO", "LTU_SHARE"]
    assert fmt.as_filled_by(None) is fmt  # a DG unit has no function: every column


def test_e043_a_column_limited_to_a_function_that_does_not_file_the_format(tmp_path: Path) -> None:
    text = _function_format(FUNCTION_COLUMNS.replace("functions: [ltu]", "functions: [ltu, audit]"))
    error = the_error(tmp_path, text)
    assert_error(
        error, "E043", line_of(text, "functions: [ltu, audit]"), "formats[0].columns[1].functions", "audit"
    )


def test_e043_a_column_reads_a_column_that_some_of_its_offices_do_not_fill(tmp_path: Path) -> None:
    text = _function_format(
        FUNCTION_COLUMNS.replace(
            '      - {code: RECEIPT_NO, label: "Receipt", type: count}\n',
            '      - {code: RECEIPT_NO, label: "Receipt", type: count}\n'
            '      - {code: BOTH_NO, label: "Both", type: count, formula: "RECEIPT_NO + LTU_NO"}\n',
        )
    )
    error = the_error(tmp_path, text)
    assert_error(
        error,
        "E043",
        line_of(text, "BOTH_NO"),
        "formats[0].columns[1].formula",
        "reads 'LTU_NO', which only offices of function ltu fill",
        "functions: [ltu]",
    )


def test_e043_a_column_group_narrower_than_its_group(tmp_path: Path) -> None:
    text = _function_format(
        FUNCTION_COLUMNS.replace(
            '          - {code: LTU_NO, label: "Cases", type: count}\n',
            '          - {code: LTU_NO, label: "Cases", type: count, functions: [executive]}\n',
        )
    )
    errors = problems(tmp_path, text)
    assert [e.code for e in errors] == ["E043", "E043"]  # outside its group; and LTU_SHARE reads it
    assert "executive not among its group's functions (ltu)" in errors[0].message
