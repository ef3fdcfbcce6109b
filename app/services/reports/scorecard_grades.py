"""Grading rules of scorecards: a figure to a grade from 1 to 10, and grades to a formation's grade.

Pure arithmetic on Decimals (no database, no Flask). Every step is rounded half-up to two
decimals: an indicator's grade, a group's mean, the formation's weighted grade.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal

from app.definitions.schema import HIGHER, LOWER, GradeRule

LOWEST, HIGHEST = Decimal(1), Decimal(10)
PLACES = Decimal("0.01")


def rounded(value: Decimal) -> Decimal:
    """Half-up to two decimals."""
    return value.quantize(PLACES, rounding=ROUND_HALF_UP)


def clamp(value: Decimal) -> Decimal:
    """Kept within 1..10."""
    return max(LOWEST, min(HIGHEST, value))


def rank_of(figure: Decimal, peers: Iterable[Decimal], better: str) -> int:
    """1 + how many peers are strictly better (equal figures share a rank: 1, 2, 2, 4)."""
    if better == LOWER:
        return 1 + sum(1 for peer in peers if peer < figure)
    return 1 + sum(1 for peer in peers if peer > figure)


def rank_grades(figures: Mapping[str, Decimal | None], better: str) -> dict[str, Decimal | None]:
    """Among the peers with a figure: best 10, worst 1, linear in the rank between; ties share."""
    present = [figure for figure in figures.values() if figure is not None]
    count = len(present)
    grades: dict[str, Decimal | None] = {}
    for unit, figure in figures.items():
        if figure is None:
            grades[unit] = None
        elif count == 1:
            grades[unit] = HIGHEST
        else:
            rank = rank_of(figure, present, better)
            grades[unit] = rounded(HIGHEST - Decimal(9) * (rank - 1) / (count - 1))
    return grades


def target_grade(figure: Decimal, rule: GradeRule, better: str) -> Decimal:
    """Achievement = figure / target x 100 (target / figure x 100 when lower is better); grade =
    achievement / 10, kept within 1..10 (100% of the target or more: 10)."""
    if better == HIGHER:
        achievement = figure / rule.target * 100
    elif figure <= 0:
        return HIGHEST
    else:
        achievement = rule.target / figure * 100
    return rounded(clamp(achievement / 10))


def band_grade(figure: Decimal, rule: GradeRule, better: str) -> Decimal:
    """The grade of the first band (best first) the figure reaches: at or above its threshold (at or
    below when lower is better); `otherwise` below every band."""
    for at, grade in rule.bands:
        if (figure >= at) if better == HIGHER else (figure <= at):
            return grade
    return rule.otherwise


def grade_figures(
    figures: Mapping[str, Decimal | None], rule: GradeRule, better: str
) -> dict[str, Decimal | None]:
    """Each unit's grade for one indicator (None where the unit has no figure)."""
    if rule.rule == "rank":
        return rank_grades(figures, better)
    grade = target_grade if rule.rule == "target" else band_grade
    return {unit: None if f is None else grade(f, rule, better) for unit, f in figures.items()}


def mean(grades: Iterable[Decimal | None]) -> Decimal | None:
    """The mean of the grades given (None among them left out), or None when there is none."""
    present = [grade for grade in grades if grade is not None]
    return rounded(sum(present, Decimal(0)) / len(present)) if present else None


def weighted(means: Mapping[str, Decimal | None], weights: Mapping[str, int]) -> Decimal | None:
    """Sum of weight x group mean / 100; a group with no grade is left out and the other weights
    scaled up to 100 (None when no group has a grade)."""
    present = {code: value for code, value in means.items() if value is not None}
    total = sum(weights[code] for code in present)
    if not total:
        return None
    return rounded(sum((weights[code] * value for code, value in present.items()), Decimal(0)) / total)
