"""Titles and labels of the definitions in Hindi: `label_hi:` beside `label:`, shown on Hindi pages."""

from __future__ import annotations

import copy
from pathlib import Path

from markupsafe import escape

from app.definitions import load_definitions
from app.definitions.cli_report import format_report
from app.definitions.texts import Text, after_prefix, in_language, joined, read_language_from
from app.definitions.translation_coverage import texts_without
from tests.unit.test_loader_errors import MINIMAL, line_of, problems, the_error

ROOT = Path(__file__).resolve().parents[2]
HINDI = (
    MINIMAL.replace('title: "Format A"', 'title: "Format A"\n    title_hi: "प्रारूप क"')
    .replace(
        '{code: RECEIPT_NO, label: "Receipt", type: count}',
        '{code: RECEIPT_NO, label: "Receipt", label_hi: "प्राप्ति", type: count}',
    )
    .replace('{key: ADC, label: "ADC/JC"}', '{key: ADC, label: "ADC/JC", label_hi: "अपर/संयुक्त आयुक्त"}')
)


def _load(tmp_path: Path, text: str):
    path = tmp_path / "defs.yaml"
    path.write_text(text, encoding="utf-8")
    return load_definitions(path)


def test_a_hindi_form_rides_on_the_english_text(tmp_path):
    fmt = _load(tmp_path, HINDI).formats["FMT-A"]
    receipt = fmt.column("RECEIPT_NO").label
    assert receipt == "Receipt" and receipt.in_language("hi") == "प्राप्ति"  # English is what code compares
    assert fmt.title.in_language("hi") == "प्रारूप क" and fmt.title.in_language("en") == "Format A"
    assert fmt.column("DISPOSAL_NO").label.in_language("hi") == "Disposal"  # no Hindi form: English


def test_a_page_draws_the_form_of_its_language(tmp_path):
    label = _load(tmp_path, HINDI).formats["FMT-A"].column("RECEIPT_NO").label
    try:
        read_language_from(lambda: "hi")
        assert str(escape(label)) == "प्राप्ति"
        read_language_from(lambda: "en")
        assert str(escape(label)) == "Receipt"
    finally:
        read_language_from(lambda: "en")


def test_every_text_key_takes_a_hindi_form_and_no_other_key_does(tmp_path):
    text = HINDI.replace('{code: I, title: "Part-I"}', '{code: I, title: "Part-I", title_hi: "भाग-I"}')
    assert problems(tmp_path, text) == []
    error = the_error(tmp_path, HINDI.replace("unit: lakh", "unit: lakh\n    unit_hi: लाख"))
    assert error.code == "E002" and error.path == "formats[0].unit_hi"


def test_a_hindi_form_without_devanagari_is_refused_with_a_hint(tmp_path):
    text = HINDI.replace('label_hi: "प्राप्ति"', 'label_hi: "Prapti"')
    error = the_error(tmp_path, text)
    assert error.code == "E006" and error.path == "formats[0].columns[1].label_hi"
    assert error.line == line_of(text, "Prapti") and "leave 'label_hi' out" in error.message


def test_an_empty_hindi_form_is_refused(tmp_path):
    error = the_error(tmp_path, HINDI.replace('label_hi: "प्राप्ति"', 'label_hi: ""'))
    assert error.code == "E004" and error.path == "formats[0].columns[1].label_hi"


def test_joined_names_keep_each_parts_form():
    row, column = Text("Audit cases", {"hi": "लेखापरीक्षा मामले"}), Text("No.")
    name = joined(" — ", (row, column))
    assert name == "Audit cases — No." and name.in_language("hi") == "लेखापरीक्षा मामले — No."
    assert joined(" — ", ("a", "b")).forms == {}  # nothing to translate: no forms
    heading = Text("ADC/JC", {"hi": "अपर/संयुक्त आयुक्त"})
    own = after_prefix(joined(" — ", (heading, row)), heading, " — ")
    assert own == "Audit cases" and own.in_language("hi") == "लेखापरीक्षा मामले"
    assert in_language("plain", "hi") == "plain"


def test_product_rows_and_their_group_carry_the_dimensions_forms(tmp_path):
    text = HINDI.replace(
        "    columns:\n      - {code: OPENING_NO",
        "    rows: {product: [AUTH, AUTH2]}\n    columns:\n      - {code: OPENING_NO",
        1,
    ).replace("formats:", '  AUTH2:\n    - {key: X, label: "Cases", label_hi: "मामले"}\nformats:', 1)
    fmt = _load(tmp_path, text).formats["FMT-A"]
    row = next(r for r in fmt.rows.rows if r.key == "ADC.X")
    assert (
        row.label.in_language("hi") == "अपर/संयुक्त आयुक्त — मामले"
        and row.group.in_language("hi") == "अपर/संयुक्त आयुक्त"
    )


def test_a_copied_text_keeps_its_forms():
    label = copy.deepcopy(Text("Receipt", {"hi": "प्राप्ति"}))
    assert isinstance(label, Text) and label.in_language("hi") == "प्राप्ति"


def test_check_names_the_texts_without_hindi_and_still_passes(tmp_path):
    path = tmp_path / "defs.yaml"
    path.write_text(HINDI, encoding="utf-8")
    text, code = format_report(path)
    assert code == 0 and text.splitlines()[0].endswith("OK — 1 format")
    assert "FMT-A column DISPOSAL_NO: Disposal" in text and "FMT-A column RECEIPT_NO" not in text
    assert "FMT-A title" not in text and "dimension AUTH DC: DC/AC" in text


def test_every_text_of_the_shipped_formats_has_its_hindi():
    assert texts_without(load_definitions(ROOT / "mpr_definitions.yaml"), "hi") == []
