"""Bulk load: after a load opening(M+1) = closing(M) everywhere, or the report lists exactly the differences.

Each example generates a load of DPM-GST-ADJ-2 for a few offices x months whose openings
are the closings before them, then plants disagreements at random cells: an opening
moved by some amount and the month's receipt moved back by the same amount, so that the
closing (and every later month) stays as generated. The plan's disagreements must be
exactly the planted (office, month, column) triples, with the planted and the previous
figures; with nothing planted the load is applied and the database checked month by month.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.definitions.months import Month
from app.security.actor import actor_for
from app.services.accounts.organisation import office_by_code
from app.services.engine import catalogue, rowstore
from app.services.engine.grid import find_return
from app.services.exchange import bulk
from tests.bulk_data import FORMAT, OPENINGS, as_csv, chain
from tests.conftest import clear_returns

OFFICES = ["CGST-DEL-N", "CGST-DEL-S", "CGST-MUM-E", "CGST-MUM-W", "ST-DEL-I", "ST-DEL-II"]
START = Month(2024, 4)
RECEIPT = {"OPENING_NO": "RECEIPT_NO", "OPENING_AMT": "RECEIPT_AMT"}
SETTINGS = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@st.composite
def loads(draw):
    """(offices, months, seed, plants): plants are (office, month index >= 1, opening column, share)."""
    offices = draw(st.lists(st.sampled_from(OFFICES), min_size=1, max_size=3, unique=True))
    months = [START.shift(i) for i in range(draw(st.integers(2, 4)))]
    cells = st.tuples(
        st.sampled_from(offices), st.integers(1, len(months) - 1), st.sampled_from(sorted(OPENINGS))
    )
    plants = draw(st.dictionaries(cells, st.floats(0.01, 1.0), max_size=5))
    return offices, months, draw(st.integers(0, 2**31)), plants


def plant(load, months, plants) -> set[tuple[str, str, str]]:
    """Move each planted opening by a share of the month's receipt, and the receipt back by as much."""
    planted = set()
    for (office, index, column), share in plants.items():
        line = load.line(office, str(months[index]))
        receipt = Decimal(line[RECEIPT[column]])
        step = Decimal(1) if column == "OPENING_NO" else Decimal("0.01")
        moved = max(step, (receipt * Decimal(share)).quantize(step))
        if moved > receipt:
            continue  # nothing to move back (cannot happen: receipts are at least one step)
        line[column] = str(Decimal(line[column]) + moved)
        line[RECEIPT[column]] = str(receipt - moved)
        planted.add((office, str(months[index]), column))
    return planted


@SETTINGS
@given(loads())
def test_the_disagreements_are_exactly_the_planted_pairs(app, example):
    offices, months, seed, plants = example
    load = chain(offices, months, seed)
    planted = plant(load, months, plants)
    with app.app_context():
        actor = actor_for(app.appbuilder.sm.find_user(username="dgicce"))
        fmt = catalogue.definitions().format(FORMAT)
        plan = bulk.plan_load(actor, fmt, bulk.open_upload("planted.csv", as_csv(load)))
        assert plan.errors == []
        found = {(d.office, d.month, d.column_code): d for d in plan.disagreements}
        assert set(found) == planted
        for (office, month, column), disagreement in found.items():
            before = load.closings[(office, str(Month.parse(month).prev()))][OPENINGS[column]]
            assert disagreement.previous_closing == before
            assert disagreement.opening == Decimal(load.line(office, month)[column])
            assert (
                disagreement.cell == f"{'D' if column == 'OPENING_NO' else 'E'}{load.number(office, month)}"
            )


@SETTINGS
@given(loads())
def test_after_a_clean_load_every_opening_is_the_closing_before_it(app, example):
    offices, months, seed, _plants = example
    load = chain(offices, months, seed)
    try:
        with app.app_context():
            actor = actor_for(app.appbuilder.sm.find_user(username="dgicce"))
            fmt = catalogue.definitions().format(FORMAT)
            plan = bulk.plan_load(actor, fmt, bulk.open_upload("clean.csv", as_csv(load)))
            assert plan.ok, bulk.report_lines(plan)
            bulk.apply_load(actor, plan, "validated")
            for office_code in offices:
                office = office_by_code(office_code)
                cells = [
                    rowstore.read(fmt, find_return(FORMAT, office, month).id)["_"][1] for month in months
                ]
                for before, after in zip(cells, cells[1:], strict=False):
                    for opening, closing in OPENINGS.items():
                        assert after[opening] == before[closing]
                last = load.closings[(office_code, str(months[-1]))]
                assert cells[-1]["CLOSING_AMT"] == last["CLOSING_AMT"]
    finally:
        with app.app_context():
            clear_returns(app)
