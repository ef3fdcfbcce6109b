"""Loading valid definitions: rows, columns, numbering, versions, replacement, immutability."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType

import pytest

from app.definitions import (
    DefinitionErrors,
    DefinitionSet,
    FormatDef,
    Month,
    check_definitions,
    load_definitions,
    load_definitions_text,
)
from app.definitions.cli_report import format_report, main

REAL_FILE = Path(__file__).resolve().parents[2] / "mpr_definitions.yaml"

HEADER = """\
version: 1
parts:
  - {code: I, title: "Part-I Revenue"}
  - {code: V, title: "Part-V Adjudication"}
owners:
  - {code: DDM, title: "Directorate of Data Management"}
masters:
  - {code: CALLBOOK_REASON, title: "Reasons for transfer to call book"}
dimensions:
  ADJ_AUTHORITY:
    - {key: ADC, label: "ADC/JC"}
    - {key: DC, label: "DC/AC"}
  ADJ_CATEGORY:
    - {key: AUDIT, label: "Audit"}
    - {key: OTHER, label: "Other"}
formats:
"""

BALANCE = """\
  - code: DPM-GST-ADJ-2
    title: "Adjudication"
    part: V
    owner: DDM
    segment: GST
    unit: lakh
    filled_by: [commissionerate]
    functions: [executive, audit]
    from: 2017-07
    note: "printed under the grid"
    rows:
      fixed:
        - group: "Import"
          rows:
            - {key: SEA, label: "Sea"}
            - {key: AIR, label: "Air", from: 2018-01}
        - {key: OTHERS, label: "Others"}
      total: "Total"
    columns:
      - group: "Opening balance"
        columns:
          - {code: OPENING_NO, label: "No.", type: count, carry: CLOSING_NO}
          - {code: OPENING_AMT, label: "Amount", type: amount, carry: CLOSING_AMT}
      - group: "Disposal"
        columns:
          - group: "In favour of Revenue"
            columns:
              - {code: FAVOUR_NO, label: "No.", type: count}
              - {code: FAVOUR_AMT, label: "Amount", type: amount}
          - {code: OTHER_NO, label: "Other - No.", type: count, from: 2018-01}
      - {code: RECEIPT_NO, label: "Receipt - No.", type: count, required: false, max: 1000}
      - {code: RECEIPT_AMT, label: "Receipt - Amount", type: amount}
      - code: CLOSING_NO
        label: "Closing - No."
        type: count
        formula: "OPENING_NO + RECEIPT_NO - FAVOUR_NO"
      - {code: CLOSING_AMT, label: "Closing - Amount", type: amount,
         formula: "OPENING_AMT + RECEIPT_AMT - FAVOUR_AMT"}
      - {code: SHARE, label: "Share", type: percent, formula: "FAVOUR_NO / CLOSING_NO * 100"}
      - {code: REMARKS, label: "Remarks", type: text, max_length: 200, pattern: "[A-Za-z ]*"}
      - {code: KIND, label: "Kind", type: choice, choices: ["A", "B"]}
      - {code: ORDER_DATE, label: "Date", type: date, future: true}
    derived:
      - {code: RECEIPT_UPTO_NO, label: "Receipt up to the month", kind: upto, of: RECEIPT_NO}
    checks:
      - code: FAVOUR_LE_OPENING
        rule: "FAVOUR_NO <= OPENING_NO + RECEIPT_NO"
        message: "Disposal cannot exceed opening plus receipt"
      - code: TOTAL_POSITIVE
        rule: "CLOSING_AMT >= 0"
        message: "Closing amount cannot be negative"
        cells: [CLOSING_AMT, OPENING_AMT]
        scope: total
"""

PRODUCT = """\
  - code: ADJ-PRODUCT
    title: "By authority and category"
    part: V
    owner: DDM
    segment: CE
    unit: crore
    filled_by: [commissionerate, dg_unit]
    rows: {product: [ADJ_AUTHORITY, ADJ_CATEGORY], subtotals: true, total: "Grand total"}
    columns:
      - {code: CASES, label: "Cases", type: count}
  - code: CALLBOOK
    title: "Call book"
    part: V
    owner: DDM
    segment: CUS
    unit: count
    filled_by: [commissionerate]
    rows: {master: CALLBOOK_REASON, total: "Total"}
    columns:
      - {code: CASES, label: "Cases", type: count}
  - code: ARRESTS
    title: "Arrests"
    part: I
    owner: DDM
    segment: GST
    unit: count
    filled_by: [dg_unit]
    rows: {free: {max: 500}, label: "Arrest"}
    columns:
      - {code: NAME, label: "Name", type: text, max_length: 100}
  - code: SIMPLE
    title: "Simple"
    part: I
    owner: DDM
    segment: ST
    unit: lakh
    filled_by: [commissionerate]
    rows: single
    columns:
      - {code: AMOUNT, label: "Amount", type: amount}
"""

REPLACEMENT = """\
  - code: OLD-FMT
    title: "Old"
    part: I
    owner: DDM
    segment: CUS
    unit: crore
    filled_by: [commissionerate]
    until: 2018-03
    columns:
      - {code: OPENING, label: "Opening", type: amount, carry: CLOSING}
      - {code: RECEIPT, label: "Receipt", type: amount}
      - {code: CLOSING, label: "Closing", type: amount, formula: "OPENING + RECEIPT"}
  - code: NEW-FMT
    title: "New"
    part: I
    owner: DDM
    segment: CUS
    unit: crore
    filled_by: [commissionerate]
    from: 2018-04
    replaces: OLD-FMT
    columns:
      - {code: OPENING, label: "Opening", type: amount, carry: CLOSING, until: 2019-03}
      - {code: OPENING_2019, label: "Opening", type: amount, carry: CLOSING_2019, from: 2019-04}
      - {code: RECEIPT, label: "Receipt", type: amount}
      - {code: REFUND, label: "Refund", type: amount, from: 2019-04}
      - {code: CLOSING, label: "Closing", type: amount, formula: "OPENING + RECEIPT", until: 2019-03}
      - {code: CLOSING_2019, label: "Closing", type: amount, from: 2019-04,
         formula: "OPENING_2019 + RECEIPT - REFUND"}
"""


def load(tmp_path: Path, body: str) -> DefinitionSet:
    path = tmp_path / "mpr_definitions.yaml"
    path.write_text(HEADER + body, encoding="utf-8")
    return load_definitions(path)


@pytest.fixture
def balance(tmp_path: Path) -> FormatDef:
    return load(tmp_path, BALANCE).format("DPM-GST-ADJ-2")


def test_top_level_lists(tmp_path: Path) -> None:
    definitions = load(tmp_path, BALANCE)
    assert list(definitions.parts) == ["I", "V"]
    assert definitions.parts["V"].title == "Part-V Adjudication"
    assert definitions.owners["DDM"].code == "DDM"
    assert definitions.masters["CALLBOOK_REASON"].title.startswith("Reasons")
    assert [row.key for row in definitions.dimensions["ADJ_AUTHORITY"]] == ["ADC", "DC"]


def test_format_fields(balance: FormatDef) -> None:
    assert (balance.part, balance.owner, balance.segment, balance.unit) == ("V", "DDM", "GST", "lakh")
    assert balance.filled_by == ("commissionerate",)
    assert balance.functions == ("executive", "audit")
    assert balance.valid_from == Month(2017, 7)
    assert balance.valid_until is None
    assert balance.note == "printed under the grid"
    assert balance.table_name == "mpr_dpm_gst_adj_2"
    assert balance.line == HEADER.count("\n") + 1


def test_columns_numbered_in_document_order_with_group_paths(balance: FormatDef) -> None:
    codes = [column.code for column in balance.columns]
    assert codes[:6] == ["OPENING_NO", "OPENING_AMT", "FAVOUR_NO", "FAVOUR_AMT", "OTHER_NO", "RECEIPT_NO"]
    assert [column.number for column in balance.columns] == list(range(1, len(codes) + 1))
    assert balance.column("FAVOUR_NO").group_path == ("Disposal", "In favour of Revenue")
    assert balance.column("OTHER_NO").group_path == ("Disposal",)
    assert balance.column("RECEIPT_NO").group_path == ()


def test_column_roles_and_options(balance: FormatDef) -> None:
    assert balance.column("OPENING_NO").role == "carried"
    assert balance.column("OPENING_NO").carry == "CLOSING_NO"
    assert balance.column("CLOSING_NO").role == "computed"
    assert balance.column("RECEIPT_AMT").role == "entered"
    assert balance.column("RECEIPT_AMT").min == 0  # entered amounts default to min 0
    assert balance.column("SHARE").min is None
    receipt = balance.column("RECEIPT_NO")
    assert (receipt.required, receipt.min, receipt.max) == (False, 0, 1000)
    remarks = balance.column("REMARKS")
    assert (remarks.max_length, remarks.pattern) == (200, "[A-Za-z ]*")
    assert balance.column("KIND").choices == ("A", "B")
    assert balance.column("ORDER_DATE").allow_future is True
    assert balance.column("OTHER_NO").valid_from == Month(2018, 1)
    assert balance.column("OPENING_NO").line > balance.line


def test_columns_in_force_follow_from_and_until(balance: FormatDef) -> None:
    before = [column.code for column in balance.columns_in_force(Month(2017, 12))]
    after = [column.code for column in balance.columns_in_force(Month(2018, 1))]
    assert "OTHER_NO" not in before
    assert "OTHER_NO" in after


def test_formula_of_a_loaded_column(balance: FormatDef) -> None:
    closing = balance.column("CLOSING_NO").formula
    assert closing is not None
    values = {"OPENING_NO": Decimal(10), "RECEIPT_NO": Decimal(5), "FAVOUR_NO": Decimal(3)}
    assert closing.evaluate(values) == Decimal(12)
    assert closing.to_js().startswith("F.formula(v,")


def test_fixed_rows_groups_and_total(balance: FormatDef) -> None:
    rows = balance.rows
    assert rows.kind == "fixed"
    assert [row.key for row in rows.rows] == ["SEA", "AIR", "OTHERS", "TOTAL"]
    assert rows.rows[0].group == "Import"
    assert rows.rows[2].group is None
    assert rows.rows[1].valid_from == Month(2018, 1)
    total = rows.rows[-1]
    assert total.is_total
    assert total.label == "Total"
    assert total.members == ("SEA", "AIR", "OTHERS")
    assert [row.key for row in balance.rows_in_force(Month(2017, 8))] == ["SEA", "OTHERS", "TOTAL"]


def test_derived_and_checks(balance: FormatDef) -> None:
    assert balance.derived[0].kind == "upto"
    assert balance.derived[0].of == "RECEIPT_NO"
    first, second = balance.checks
    assert first.cells == ("OPENING_NO", "FAVOUR_NO", "RECEIPT_NO")  # default: columns read, in order
    assert first.scope == "row"
    assert second.cells == ("CLOSING_AMT", "OPENING_AMT")
    assert second.scope == "total"
    assert first.rule.evaluate({"FAVOUR_NO": Decimal(3), "OPENING_NO": Decimal(1), "RECEIPT_NO": 1}) is False


def test_product_master_free_and_single_rows(tmp_path: Path) -> None:
    definitions = load(tmp_path, PRODUCT)
    product = definitions.format("ADJ-PRODUCT").rows
    assert [row.key for row in product.rows] == [
        "ADC.AUDIT", "ADC.OTHER", "ADC.TOTAL", "DC.AUDIT", "DC.OTHER", "DC.TOTAL", "TOTAL",
    ]  # fmt: skip
    assert product.rows[0].label == "ADC/JC — Audit"
    assert product.rows[0].group == "ADC/JC"
    assert product.rows[2].is_total and product.rows[2].members == ("ADC.AUDIT", "ADC.OTHER")
    assert product.rows[-1].members == ("ADC.AUDIT", "ADC.OTHER", "DC.AUDIT", "DC.OTHER")
    assert product.subtotals and product.total_label == "Grand total"
    master = definitions.format("CALLBOOK").rows
    assert (master.kind, master.master, master.rows, master.total_label) == (
        "master", "CALLBOOK_REASON", (), "Total",
    )  # fmt: skip
    free = definitions.format("ARRESTS").rows
    assert (free.kind, free.free_max, free.free_label, free.rows) == ("free", 500, "Arrest", ())
    single = definitions.format("SIMPLE").rows
    assert single.kind == "single"
    assert [row.key for row in single.rows] == ["_"]


def test_replacement_sets_replaced_by_and_versions(tmp_path: Path) -> None:
    definitions = load(tmp_path, REPLACEMENT)
    old, new = definitions.format("OLD-FMT"), definitions.format("NEW-FMT")
    assert old.replaced_by == "NEW-FMT"
    assert new.replaces == "OLD-FMT"
    assert new.replaced_by is None
    assert [f.code for f in definitions.formats_in_force(Month(2018, 3))] == ["OLD-FMT"]
    assert [f.code for f in definitions.formats_in_force(Month(2018, 4))] == ["NEW-FMT"]
    in_2019 = [column.code for column in new.columns_in_force(Month(2019, 4))]
    assert in_2019 == ["OPENING_2019", "RECEIPT", "REFUND", "CLOSING_2019"]


def test_result_is_immutable_and_has_digest(tmp_path: Path) -> None:
    definitions = load(tmp_path, BALANCE)
    assert isinstance(definitions.formats, MappingProxyType)
    with pytest.raises(TypeError):
        definitions.formats["X"] = definitions.format("DPM-GST-ADJ-2")  # type: ignore[index]
    fmt = definitions.format("DPM-GST-ADJ-2")
    assert isinstance(fmt.columns, tuple)
    assert isinstance(fmt.rows.rows, tuple)
    data = (tmp_path / "mpr_definitions.yaml").read_bytes()
    assert definitions.digest == hashlib.sha256(data).hexdigest()
    assert definitions.source.endswith("mpr_definitions.yaml")


def test_yaml_words_like_no_and_on_stay_strings(tmp_path: Path) -> None:
    body = BALANCE.replace('{key: OTHERS, label: "Others"}', '{key: NO, label: "No"}')
    fmt = load(tmp_path, body).format("DPM-GST-ADJ-2")
    assert [row.key for row in fmt.rows.rows] == ["SEA", "AIR", "NO", "TOTAL"]


def test_load_from_text_and_check_clean_file(tmp_path: Path) -> None:
    definitions = load_definitions_text(HEADER + PRODUCT)
    assert len(definitions.formats) == 4
    path = tmp_path / "defs.yaml"
    path.write_text(HEADER + PRODUCT, encoding="utf-8")
    assert check_definitions(path) == []


def test_cli_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(HEADER + PRODUCT, encoding="utf-8")
    text, code = format_report(good)
    assert (text.splitlines()[0], code) == (f"{good}: OK — 4 formats", 0)
    assert text.splitlines()[1].startswith("note: ")  # texts without Hindi are a note, not a problem
    bad = tmp_path / "bad.yaml"
    bad.write_text(HEADER + PRODUCT.replace("part: V", "part: VI", 1), encoding="utf-8")
    text, code = format_report(bad)
    assert code == 1
    assert f"{bad}:" in text and "E011 unknown part 'VI'" in text
    assert text.splitlines()[-1] == f"{bad}: 1 problem found"
    assert main([str(bad)]) == 1
    assert "E011" in capsys.readouterr().out
    assert main([]) == 2


def test_errors_report_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "defs.yaml"
    path.write_text(HEADER + PRODUCT.replace("part: V", "part: VI", 1), encoding="utf-8")
    with pytest.raises(DefinitionErrors) as caught:
        load_definitions(path)
    assert caught.value.codes == ["E011"]
    line = caught.value.report("other.yaml")
    assert line.startswith("other.yaml:")
    assert " formats[0].part: E011 " in line
    assert str(caught.value.errors[0]).startswith(f"{path}:")


def test_real_definitions_file_loads_cleanly() -> None:
    assert REAL_FILE.is_file(), f"the shipped definitions file {REAL_FILE} is missing"  # never a skip
    errors = check_definitions(REAL_FILE)
    assert errors == [], "\n".join(str(error) for error in errors)
    definitions = load_definitions(REAL_FILE)
    assert definitions.formats
    for fmt in definitions.formats.values():
        assert [column.number for column in fmt.columns] == list(range(1, len(fmt.columns) + 1))
