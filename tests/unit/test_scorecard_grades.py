"""The grading rules of scorecards, worked by hand: rank with ties, target, bands, weighted means."""

from __future__ import annotations

from decimal import Decimal as D

from app.definitions.schema import GradeRule
from app.services.reports.scorecard import ScoreLine, ranked
from app.services.reports.scorecard_grades import (
    band_grade,
    grade_figures,
    mean,
    rank_grades,
    target_grade,
    weighted,
)


def test_rank_gives_the_best_10_the_worst_1_linear_between_and_ties_share() -> None:
    figures = {"A": D(50), "B": D(30), "C": D(30), "D": D(10), "E": D(20), "F": None}
    # higher is better, 5 figures: ranks A 1, B 2, C 2, E 4, D 5 -> 10 - 9 x (rank - 1) / 4
    assert rank_grades(figures, "higher") == {
        "A": D("10.00"),
        "B": D("7.75"),
        "C": D("7.75"),
        "D": D("1.00"),
        "E": D("3.25"),
        "F": None,
    }
    # lower is better: D 1, E 2, B and C 3, A 5
    assert rank_grades(figures, "lower") == {
        "A": D("1.00"),
        "B": D("5.50"),
        "C": D("5.50"),
        "D": D("10.00"),
        "E": D("7.75"),
        "F": None,
    }
    assert rank_grades({"A": D(5), "B": None}, "higher") == {"A": D(10), "B": None}  # alone: 10


def test_target_grades_a_tenth_of_the_achievement_within_1_and_10() -> None:
    hundred, ninety = GradeRule("target"), GradeRule("target", target=D(90))
    assert target_grade(D("81.67"), hundred, "higher") == D("8.17")
    assert target_grade(D(135), hundred, "higher") == D(10)  # beyond the target: still 10
    assert target_grade(D(4), hundred, "higher") == D(1)  # 4% of it: never below 1
    assert target_grade(D(45), ninety, "higher") == D(5)  # 45 of 90 = 50%
    assert target_grade(D(180), ninety, "lower") == D(5)  # lower is better: 90 / 180 = 50%
    assert target_grade(D(0), ninety, "lower") == D(10)


def test_bands_give_the_first_band_reached_best_first() -> None:
    higher = GradeRule("bands", bands=((D(90), D(10)), (D(75), D(8)), (D(50), D(5))), otherwise=D(2))
    assert [band_grade(D(v), higher, "higher") for v in (95, 90, "89.99", 75, 60, 10)] == [10, 10, 8, 8, 5, 2]
    lower = GradeRule("bands", bands=((D(5), D(10)), (D(20), D(6))))
    assert [band_grade(D(v), lower, "lower") for v in (0, 5, "5.01", 20, 21)] == [10, 10, 6, 6, 1]
    assert grade_figures({"A": D(60), "B": None}, higher, "higher") == {"A": 5, "B": None}


def test_a_group_left_without_grades_gives_its_weight_to_the_others() -> None:
    assert mean([D(10), D("5.5"), None, D(1)]) == D("5.50")  # (10 + 5.5 + 1) / 3
    assert mean([None]) is None
    weights = {"A": 40, "B": 30, "C": 30}
    assert weighted({"A": D(8), "B": D("7.17"), "C": D(1)}, weights) == D("5.65")  # 565.1 / 100
    assert weighted({"A": D(10), "B": D("2.83"), "C": None}, weights) == D("6.93")  # 484.9 / 70
    assert weighted({"A": None, "B": None, "C": None}, weights) is None


def _line(unit: str, grade) -> ScoreLine:
    return ScoreLine(unit, unit, grade, None, {}, {}, 1, 1)


def test_lines_rank_by_grade_equal_grades_share_and_no_grade_comes_last() -> None:
    lines = [
        _line("Z4", None),
        _line("Z2", D("6.9")),
        _line("Z3", D(8)),
        _line("Z1", D("6.9")),
        _line("Z5", D(1)),
    ]
    assert [(line.unit, line.rank) for line in ranked(lines)] == [
        ("Z3", 1),
        ("Z1", 2),
        ("Z2", 2),
        ("Z5", 4),
        ("Z4", None),
    ]
