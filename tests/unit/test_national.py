"""The national benchmark generators at tiny scale: offices, returns that pass every check, YAML."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from sqlalchemy import select

from app.definitions import load_definitions
from app.definitions.months import Month
from app.definitions.schema import TOTAL_ROW_KEY
from app.demo.national import (
    NationalDataExists,
    NationalPlan,
    generate_national,
    generate_returns,
    national_offices,
)
from app.demo.synthetic_formats import write_synthetic_definitions
from app.demo.synthetic_values import RowMaker
from app.extensions import db
from app.models.org import Office, OfficeKind
from app.models.returns import MprReturn, ReturnStatus
from app.services.engine import calculation, catalogue, rowstore
from app.services.engine.grid import open_grid
from tests.conftest import build_app

PLAN = NationalPlan(
    zones=3,
    commissionerates_per_zone=8,
    divisions_per_commissionerate=2,
    ranges_per_division=2,
    dg_units_per_hq=2,
    months=3,
    last_month=Month(2023, 5),  # DPM-GST-ADJ-1 starts 2023-04 inside the window
)
# DDM-CUS-1 is replaced by DDM-CUS-1A from 2018-04: a second window across the hand-over.
OLD_WINDOW = NationalPlan(months=3, last_month=Month(2018, 5))


@pytest.fixture(scope="module")
def national(tmp_path_factory):
    """A seeded app holding the tiny national data set (and a 2018 window for Customs)."""
    application = build_app(f"sqlite:///{tmp_path_factory.mktemp('national') / 'n.sqlite'}")
    with application.app_context():
        counts = generate_national(PLAN)
        customs = db.session.execute(
            select(Office.id).where(Office.code.like("NZ%"), Office.segments == "CUS")
        ).scalars()
        generate_returns(list(customs), OLD_WINDOW)
    yield application, counts
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def _national(kind: OfficeKind) -> list[Office]:
    query = select(Office).where(Office.kind == kind, Office.code.like("NZ%")).order_by(Office.code)
    return list(db.session.execute(query).scalars())


def test_office_counts_paths_and_functions(national):
    application, counts = national
    with application.app_context():
        zones, commissionerates = _national(OfficeKind.ZONE), _national(OfficeKind.COMMISSIONERATE)
        divisions, ranges = _national(OfficeKind.DIVISION), _national(OfficeKind.RANGE)
        executive = [c for c in commissionerates if c.function == "executive"]
        assert (len(zones), len(commissionerates)) == (3, 24)
        assert (len(divisions), len(ranges)) == (2 * len(executive), 4 * len(executive))
        assert {z.segments for z in zones} == {"CE GST", "CUS", "ST GST"}
        assert {c.function for c in commissionerates} == {"executive", "audit", "appeals", "ltu"}
        assert counts["commissionerate offices"] == 24 and counts["returns"] > 0
        for office in [*commissionerates, *divisions, *ranges]:
            assert office.path == f"{office.parent.path}{office.code}/"
            assert office.segments == office.parent.segments
        assert all(z.path == f"/{z.code}/" and z.parent_id is None for z in zones)
        units = db.session.execute(select(Office).where(Office.kind == OfficeKind.DG_UNIT)).scalars()
        national_units = [u for u in units if "-U" in u.code]
        assert len(national_units) == 4
        assert all(u.parent.kind == OfficeKind.DG_HQ and u.parent.owner_code for u in national_units)


def _returns_by_format():
    found: dict[str, list[MprReturn]] = {}
    for ret in db.session.execute(select(MprReturn)).scalars():  # only generated returns exist
        found.setdefault(ret.format_code, []).append(ret)
    return found


def _check_return(fmt, ret, rows, previous):
    month = Month.of(ret.period)
    data = {key: cells for key, (_pos, cells) in rows.items()}
    for key, cells in data.items():
        recomputed = calculation.compute_row(fmt, month, cells)
        for column in fmt.columns_in_force(month):
            assert recomputed[column.code] == cells[column.code], (fmt.code, ret.period, key, column.code)
            if column.carry and previous is not None:
                assert cells[column.code] == previous[key][column.carry], (fmt.code, key, column.code)
    totals = {}
    if fmt.rows.total_label:
        totals[TOTAL_ROW_KEY] = calculation.total_cells(fmt, month, data.values())
    assert calculation.check_messages(fmt, month, data, totals) == [], (fmt.code, ret.period)


def test_every_return_satisfies_formulas_checks_and_carry(national):
    application, _counts = national
    with application.app_context():
        definitions = catalogue.definitions()
        by_format = _returns_by_format()
        assert {
            "DPM-GST-ADJ-1",
            "DPM-GST-ADJ-3",
            "GI-GST-5",
            "DGA-GST-ADT-2",
            "DDM-CUS-1A",
            "DRI-CUS-3A",
        } <= set(by_format)
        for code, returns in by_format.items():
            fmt = definitions.format(code)
            stored = rowstore.read_many(fmt, [r.id for r in returns])
            index = {(r.office_id, r.period): r.id for r in returns}
            for ret in returns:
                month = Month.of(ret.period)
                before = fmt if not (fmt.replaces and fmt.valid_from == month) else None
                prev_id = index.get((ret.office_id, month.prev().first_day)) if before else None
                previous = {k: c for k, (_p, c) in stored[prev_id].items()} if prev_id else None
                _check_return(fmt, ret, stored[ret.id], previous)
                last = month in (PLAN.last_month, OLD_WINDOW.last_month)
                assert ret.status == (ReturnStatus.DRAFT if last else ReturnStatus.VALIDATED)


def test_formats_follow_their_months_and_offices(national):
    application, _counts = national
    with application.app_context():
        by_format = _returns_by_format()
        adj1_months = {Month.of(r.period) for r in by_format["DPM-GST-ADJ-1"]}
        assert adj1_months == {Month(2023, 4), Month(2023, 5)}  # not before its `from`
        first = [r for r in by_format["DPM-GST-ADJ-1"] if Month.of(r.period) == Month(2023, 4)]
        assert first and all(r.opening_entered for r in first)
        old = {Month.of(r.period) for r in by_format["DDM-CUS-1"]}
        new = {Month.of(r.period) for r in by_format["DDM-CUS-1A"]}
        assert old == {Month(2018, 3)} and Month(2018, 4) in new
        kinds = Counter(db.session.get(Office, r.office_id).function for r in by_format["DGA-GST-ADT-2"])
        assert set(kinds) == {"audit"}
        unit_formats = db.session.execute(
            select(MprReturn.format_code).join(Office).where(Office.kind == OfficeKind.DG_UNIT).distinct()
        ).scalars()
        assert {"DRI-CUS-7", "DRI-CUS-3A"} <= set(unit_formats)  # DG zonal units file their formats


def test_grid_service_agrees_with_generated_rows(national):
    application, _counts = national
    with application.app_context():
        definitions = catalogue.definitions()
        office = (
            db.session.execute(
                select(Office)
                .where(Office.code.like("NZ%"), Office.segments == "CE GST")
                .where(Office.function == "executive")
                .order_by(Office.code)
            )
            .scalars()
            .first()
        )
        for code in ("DPM-GST-ADJ-1", "DPM-GST-ADJ-2", "DPM-GST-ADJ-3", "DPM-GST-4", "GI-GST-2"):
            grid = open_grid(definitions.format(code), office, PLAN.last_month)
            assert grid.ret is not None and grid.messages == [], (code, grid.messages)
            stored = rowstore.read(definitions.format(code), grid.ret.id)
            for row in grid.rows:
                if not row.is_total:
                    assert row.cells == stored[row.key][1], (code, row.key)


def test_generation_is_deterministic_and_runs_once(national):
    application, _counts = national
    with application.app_context():
        definitions = catalogue.definitions()
        assert national_offices(definitions, PLAN) == national_offices(definitions, PLAN)
        maker = RowMaker.of(definitions.format("DPM-GST-ADJ-1"), Month(2023, 4))
        rows = [maker.make(random.Random(7), 1.0, None, True) for _ in range(2)]
        assert rows[0] == rows[1]
        with pytest.raises(NationalDataExists):
            generate_national(PLAN)


@pytest.mark.parametrize("count", [5, 22, 150])
def test_synthetic_definitions_load_with_n_formats(tmp_path, count):
    definitions = load_definitions(write_synthetic_definitions(tmp_path / "defs.yaml", count))
    assert len(definitions.formats) == count
    if count == 150:
        shipped = load_definitions(catalogue_path())
        assert set(shipped.formats) < set(definitions.formats)
        assert definitions.owners.keys() == shipped.owners.keys()
        assert definitions.format("DDM-CUS-1A-S001").replaces == "DDM-CUS-1-S001"


def catalogue_path():
    """The shipped definitions file."""
    from app.demo.synthetic_formats import SHIPPED

    return SHIPPED
