"""The column-type registry: one place says how each type is stored, checked, shown and exported."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import BigInteger, Date, Numeric, String

from app.definitions.column_types import COLUMN_TYPES, TYPE_NAMES, column_type, types_taking
from app.definitions.schema import ColumnDef
from app.models.generated import sql_type, storable

SAMPLES = {
    "count": 1234,
    "amount": Decimal("1234.50"),
    "percent": Decimal("12.25"),
    "text": "Ramesh Sharma",
    "date": dt.date(2025, 4, 30),
    "choice": "Yes",
}


def _column(type_name: str, **options) -> ColumnDef:
    return ColumnDef(code="X", label="X", type=type_name, number=1, **options)


def test_every_type_is_registered_once_with_a_sample():
    assert TYPE_NAMES == set(SAMPLES) == {"count", "amount", "percent", "text", "date", "choice"}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_json_round_trip_and_display(name):
    kind = column_type(name)
    value = SAMPLES[name]
    assert kind.from_json(kind.to_json(value)) == value
    assert kind.to_json(None) is None and kind.display(None) == ""
    assert type(kind.from_json(kind.to_json(value))) is type(value)


def test_numbers_are_shown_and_exported_with_their_places():
    assert column_type("amount").display(Decimal("5")) == "5.00"
    assert column_type("percent").to_json(Decimal("7.5")) == "7.50"
    assert column_type("count").display(7) == "7" and column_type("count").to_json(Decimal("7")) == 7
    assert column_type("count").number(Decimal("3")) == 3 and isinstance(
        column_type("count").number(Decimal(3)), int
    )


def test_storage_follows_the_registry():
    assert isinstance(sql_type(_column("count")), BigInteger)
    amount = sql_type(_column("amount"))
    assert isinstance(amount, Numeric) and (amount.precision, amount.scale) == (18, 2)
    assert sql_type(_column("percent")).precision == 12
    assert isinstance(sql_type(_column("date")), Date)
    assert sql_type(_column("choice", choices=("Yes", "Pending"))).length == 7
    text = sql_type(_column("text", max_length=30))
    assert isinstance(text, String) and text.length == 30
    assert not storable(_column("percent"), Decimal(10) ** 10) and storable(_column("text"), "x" * 999)


def test_options_and_totals_per_type():
    assert types_taking("min") == {"count", "amount", "percent"} == types_taking("max")
    assert types_taking("choices") == {"choice"} and types_taking("future") == {"date"}
    assert {name for name, kind in COLUMN_TYPES.items() if kind.summed} == {"count", "amount"}
    assert {name for name, kind in COLUMN_TYPES.items() if kind.needs} == {"text", "choice"}


def test_the_formula_script_rounds_each_type_to_the_registry_places():
    import json
    import re
    from pathlib import Path

    from app.definitions.column_types import COLUMN_TYPES

    script = (Path(__file__).parents[2] / "app/static/js/mpr-formula.js").read_text()
    table = re.search(r"var PLACES = (\{[^}]*\});", script).group(1)
    places = json.loads(re.sub(r"(\w+):", r'"\1":', table))
    assert places == {name: t.places for name, t in COLUMN_TYPES.items() if t.numeric}


def test_the_grid_receives_the_registry_with_the_number_grammar():
    from app.definitions.column_types import COLUMN_TYPES
    from app.services.engine.cell_input import number_grammar

    sent = number_grammar()["types"]
    assert set(sent) == set(COLUMN_TYPES)
    assert {n for n, t in sent.items() if t["summed"]} == {n for n, t in COLUMN_TYPES.items() if t.summed}
    assert sent["count"]["places"] == 0 and sent["choice"]["widget"] == "select"
