"""Reports over random returns: sums agree at every level, formulas hold on sums, only validated data counts.

Each example writes random returns (random statuses, random rows and numbers) for the
offices filing the format, then compares the reports with an oracle computed here
in Python from the generated values alone.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.definitions.months import Month
from app.models.org import Office
from app.security.policy import applies_to
from app.services.engine import catalogue
from app.services.reports.aggregate import summed_columns
from app.services.reports.report import build_report
from app.services.reports.scope import resolve_unit
from tests.conftest import clear_returns
from tests.report_data import put_return

PRODUCT = "DPM-GST-ADJ-1"  # product rows with subtotals, carried balances, a ratio column, up to the month
GROWTH = "DDM-GST-2"  # fixed rows with every kind of derived column
STATUSES = ("validated", "validated", "submitted", "draft", None)
FY = [Month(2024, 4).shift(i) for i in range(12)]
SETTINGS = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _filers(fmt) -> list[Office]:
    from app.extensions import db

    return [
        o for o in db.session.execute(select(Office).order_by(Office.code)).scalars() if applies_to(fmt, o)
    ]


def _entered(fmt) -> list:
    return [c for c in summed_columns(fmt) if c.role == "entered"]


@st.composite
def filings(draw, fmt_code: str, months: list[Month]):
    """{(office index, month): (status, {row: {column: value}})} for up to 6 offices."""
    return draw(
        st.dictionaries(
            st.tuples(st.integers(0, 5), st.sampled_from(months)),
            st.tuples(st.sampled_from(STATUSES), st.integers(0, 2**31)),
            max_size=14,
        )
    )


def _rows_for(fmt, month: Month, seed: int) -> dict[str, dict]:
    import random

    rng = random.Random(seed)
    keys = [r.key for r in catalogue.defined_rows(fmt, month) if not r.is_total]
    rows = {}
    for key in rng.sample(keys, k=rng.randint(1, len(keys))):
        cells = {}
        for column in summed_columns(fmt):
            if rng.random() < 0.15:
                continue  # a blank cell
            if column.type == "count":
                cells[column.code] = rng.randint(0, 40)
            else:
                cells[column.code] = Decimal(rng.randint(0, 900000)) / 100
        rows[key] = cells
    return rows


def _write(fmt, offices, plan) -> dict:
    """Store the planned returns; {(office code, month): (status, rows)} of what was stored."""
    written = {}
    for (index, month), (status, seed) in plan.items():
        if status is None or index >= len(offices):
            continue
        rows = _rows_for(fmt, month, seed)
        put_return(fmt.code, offices[index].code, month, status, rows)
        written[(offices[index].code, month)] = (status, rows)
    return written


def _oracle(written, offices: set[str], months, key: str, column: str):
    values = [
        rows[key][column]
        for (office, month), (status, rows) in written.items()
        if status == "validated"
        and office in offices
        and month in months
        and rows.get(key, {}).get(column) is not None
    ]
    return sum(values) if values else None


def _cells(report) -> dict[str, dict]:
    return {row.key: row.cells for row in report.rows}


@SETTINGS
@given(plan=filings(PRODUCT, FY), month=st.sampled_from(FY))
def test_india_zones_and_offices_agree_and_only_validated_returns_count(app, plan, month):
    with app.app_context():
        clear_returns(app)
        fmt = catalogue.definitions().format(PRODUCT)
        offices = _filers(fmt)
        written = _write(fmt, offices, plan)
        india = build_report(fmt, resolve_unit("INDIA"), month, by_children=True)
        by_zone = {c.code: {r.key: r.cells for r in c.rows} for c in india.children}
        office_reports = {o.code: _cells(build_report(fmt, resolve_unit(o.code), month)) for o in offices}
        zone_of = {o.code: o.parent.code for o in offices}
        months_so_far = [m for m in FY if m <= month]
        for row in (r for r in india.rows if not r.is_total):
            for column in _entered(fmt):
                code = column.code
                expected = _oracle(written, set(zone_of), {month}, row.key, code)
                assert row.cells[code] == expected, (row.key, code)
                zone_values = [z[row.key][code] for z in by_zone.values() if z[row.key][code] is not None]
                office_values = [
                    o[row.key][code] for o in office_reports.values() if o[row.key][code] is not None
                ]
                assert (sum(zone_values) if zone_values else None) == expected
                assert (sum(office_values) if office_values else None) == expected
            for zone in set(zone_of.values()):
                members = {o for o, z in zone_of.items() if z == zone}
                assert by_zone[zone][row.key]["RECEIPT_NO"] == _oracle(
                    written, members, {month}, row.key, "RECEIPT_NO"
                )
            upto = _oracle(written, set(zone_of), set(months_so_far), row.key, "RECEIPT_NO")
            assert row.cells["RECEIPT_UPTO_NO"] == upto
        expected_included = {o for (o, m), (s, _rows) in written.items() if m == month and s == "validated"}
        assert india.completeness.expected == len(offices)
        assert india.completeness.included == len(expected_included)
        assert {c for c, _n in india.completeness.missing} == set(zone_of) - expected_included
        _formulas_hold_on_the_sums(fmt, india, month)


def _formulas_hold_on_the_sums(fmt, report, month) -> None:
    """Every computed cell equals its formula over the aggregated cells (a ratio of sums)."""
    from app.services.engine.calculation import typed_result

    for row in report.rows:
        for column in fmt.columns_in_force(month):
            if column.role != "computed":
                continue
            expected = typed_result(column, column.formula.evaluate(row.cells))
            assert row.cells[column.code] == expected, (row.key, column.code)
    grand = next(r for r in report.rows if r.key == "TOTAL")
    data = [r for r in report.rows if not r.is_total]
    for code in ("RECEIPT_NO", "OIO_NO", "DISPOSAL_NO"):
        values = [r.cells[code] for r in data if r.cells.get(code) is not None]
        assert grand.cells[code] == (sum(values) if values else None)
    if grand.cells.get("DISPOSAL_NO"):
        ratio = Decimal(grand.cells["OIO_NO"] or 0) * 100 / Decimal(grand.cells["DISPOSAL_NO"])
        assert abs(grand.cells["OIO_PCT"] - ratio) <= Decimal("0.005")


TWO_YEARS = [Month(2023, 4).shift(i) for i in range(24)]


@SETTINGS
@given(plan=filings(GROWTH, TWO_YEARS), month=st.sampled_from(TWO_YEARS[12:]))
def test_previous_year_figures_equal_the_report_of_a_year_earlier(app, plan, month):
    with app.app_context():
        clear_returns(app)
        fmt = catalogue.definitions().format(GROWTH)
        offices = _filers(fmt)
        _write(fmt, offices, plan)
        india = resolve_unit("INDIA")
        now, then = build_report(fmt, india, month), build_report(fmt, india, month.shift(-12))
        derived = {d.kind: d for d in fmt.derived}
        for row_now, row_then in zip(now.rows, then.rows, strict=True):
            of = derived["prev_year"].of
            assert row_now.cells[derived["prev_year"].code] == row_then.cells[of]
            assert row_now.cells[derived["prev_upto"].code] == row_then.cells[derived["upto"].code]
            current, previous = row_now.cells[of], row_then.cells[of]
            growth = row_now.cells[derived["growth"].code]
            pct = row_now.cells[derived["growth_pct"].code]
            if current is None or previous is None:
                assert growth is None and pct is None
                continue
            assert growth == current - previous
            if previous:
                assert abs(pct - (current - previous) * 100 / previous) <= Decimal("0.005")
            else:
                assert pct is None
