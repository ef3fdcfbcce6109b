"""The limits' arithmetic: SQL medians and MADs against hand-computed ones, and the Python twin."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from app.definitions.months import Month
from app.services.reports.outlier_sql import Settings
from app.services.reports.outliers import Band, CellLimits
from tests.report_data import put_return

FMT = "DDM-CUS-1A"
MONTH = Month(2025, 8)


def _history(office: str, values: list, column: str = "SEZ", status: str = "validated") -> None:
    for back, value in enumerate(reversed(values), start=1):
        put_return(FMT, office, MONTH.shift(-back), status, {"_": {column: Decimal(str(value))}})


def _office(code: str):
    from app.extensions import db
    from app.models.org import Office

    return db.session.execute(select(Office).where(Office.code == code)).scalar_one()


def _limits(app, office_code: str):
    from app.services.engine import catalogue
    from app.services.reports.outliers import cell_limits

    return cell_limits(catalogue.definitions().format(FMT), _office(office_code), MONTH)


def test_odd_history_median_and_mad_are_the_middle_values(app):
    """100..150 and 1000: median 130, deviations 0,10,10,20,20,30,870: MAD 20; limits 130 - 5 x 20 and, as
    twice the median is wider than 130 + 5 x 20, 260 (MPR_OUTLIER_MIN_RATIO 2)."""
    with app.app_context():
        _history("MUM-NCH-IMP1", [100, 110, 120, 130, 140, 150, 1000])
        band = _limits(app, "MUM-NCH-IMP1")[("_", "SEZ")].own
        assert (band.median, band.mad, band.count) == (130.0, 20.0, 7)
        assert (band.low, band.high) == (30.0, 260.0)


def test_even_history_median_is_the_mean_of_the_two_middle_values(app):
    """10..60: median 35, deviations 25,15,5,5,15,25: MAD 15."""
    with app.app_context():
        _history("MUM-NCH-IMP1", [60, 10, 50, 20, 40, 30])
        band = _limits(app, "MUM-NCH-IMP1")[("_", "SEZ")].own
        assert (band.median, band.mad, band.count) == (35.0, 15.0, 6)


def test_too_short_a_history_and_drafts_give_no_own_limits(app):
    """Five handed-in months (below MPR_OUTLIER_MIN_MONTHS = 6) and a draft: no own band."""
    with app.app_context():
        _history("MUM-NCH-IMP1", [10, 20, 30, 40, 50])
        put_return(FMT, "MUM-NCH-IMP1", MONTH.shift(-6), "draft", {"_": {"SEZ": Decimal("60")}})
        limits = _limits(app, "MUM-NCH-IMP1")
        assert ("_", "SEZ") not in limits or limits[("_", "SEZ")].own is None


def test_peer_limits_pool_the_offices_of_the_same_kind(app):
    """Four executive customs commissionerates, one month each of 100, 200, 300, 400: median 250, MAD 100."""
    with app.app_context():
        peers = {"MUM-NCH-IMP1": 100, "MUM-NCH-EXP1": 200, "MUM-ACC": 300, "CHE-II-IMP": 400}
        for office, value in peers.items():
            put_return(FMT, office, MONTH.shift(-1), "submitted", {"_": {"SEZ": Decimal(value)}})
        appeals = {"_": {"SEZ": Decimal("99999")}}  # another function: not a peer
        put_return(FMT, "MUM-CUS-APP1", MONTH.shift(-1), "validated", appeals)
        limits = _limits(app, "TUT-CUS")[("_", "SEZ")]
        assert limits.own is None and limits.judge == "peer"
        assert (limits.peer.median, limits.peer.mad, limits.peer.offices) == (250.0, 100.0, 4)


def test_the_ratio_rule_widens_narrow_limits_only():
    """Median 100, MAD 5: 75..125 by k x MAD, widened to 50..200 by the ratio 2; a wide band stays."""
    narrow = Band(100.0, 5.0, 12, 1, 5.0, 0.05, 1.0, 2.0)
    assert (narrow.low, narrow.high) == (50.0, 200.0)
    wide = Band(100.0, 40.0, 12, 1, 5.0, 0.05, 1.0, 2.0)
    assert (wide.low, wide.high) == (-100.0, 300.0)


def test_a_flat_history_has_a_floor_instead_of_a_zero_mad():
    """MAD 0: the spread is 5% of the median (or 1 at least), so 100 x 6 months gives 75..125."""
    band = Band(100.0, 0.0, 6, 1, 5.0, 0.05, 1.0)
    assert (band.low, band.high) == (75.0, 125.0)
    assert not band.outside(125.0) and band.outside(126.0)
    zero = Band(0.0, 0.0, 6, 1, 5.0, 0.05, 1.0)
    assert (zero.low, zero.high) == (-5.0, 5.0) and zero.shown(0) == ("0", "5")


@pytest.mark.parametrize(("value", "flagged"), [(259, False), (261, True), (31, False), (29, True)])
def test_the_python_test_matches_the_sql_detector(app, value, flagged):
    """The grid's warning and the SQL detector agree at the edges of 30..260."""
    from app.models.org import Office
    from app.services.engine import catalogue
    from app.services.reports.outliers import flags

    with app.app_context():
        _history("MUM-NCH-IMP1", [100, 110, 120, 130, 140, 150, 1000])
        put_return(FMT, "MUM-NCH-IMP1", MONTH, "submitted", {"_": {"SEZ": Decimal(value)}})
        limits = _limits(app, "MUM-NCH-IMP1")[("_", "SEZ")]
        fmt = catalogue.definitions().format(FMT)
        found = flags(fmt, MONTH, Office.code == "MUM-NCH-IMP1")
        assert [(f.row, f.column) for f in found] == ([("_", "SEZ")] if flagged else [])
        assert (limits.warning(value, fmt.column("SEZ")) is not None) is flagged


def test_settings_read_the_configuration(app):
    """The thresholds come from config.py."""
    assert Settings.from_config(app.config) == Settings(5.0, 8.0, 12, 6, 4, 0.05, 1.0, 2.0, 3)
    assert CellLimits(None, None).judge is None


def test_the_kept_peer_limits_follow_every_peer_save(app):
    """The peers' limits are kept per process, but a new peer return or a re-saved one is seen at once."""
    from sqlalchemy import update

    from app.extensions import db
    from app.models.returns import MprReturn
    from app.services.engine import catalogue

    with app.app_context():
        ids = {
            office: put_return(FMT, office, MONTH.shift(-1), "submitted", {"_": {"SEZ": Decimal(value)}})
            for office, value in {
                "MUM-NCH-IMP1": 100,
                "MUM-NCH-EXP1": 200,
                "MUM-ACC": 300,
                "CHE-II-IMP": 400,
            }.items()
        }
        assert _limits(app, "TUT-CUS")[("_", "SEZ")].peer.median == 250.0
        put_return(FMT, "CHE-I-AIR", MONTH.shift(-1), "validated", {"_": {"SEZ": Decimal("500")}})
        band = _limits(app, "TUT-CUS")[("_", "SEZ")].peer
        assert (band.median, band.offices) == (300.0, 5)
        table = catalogue.table_of(catalogue.definitions().format(FMT))
        db.session.execute(
            update(table).where(table.c.return_id == ids["MUM-ACC"]).values(sez=Decimal("350"))
        )
        db.session.get(MprReturn, ids["MUM-ACC"]).version += 1  # as every save does
        db.session.commit()
        assert _limits(app, "TUT-CUS")[("_", "SEZ")].peer.median == 350.0
