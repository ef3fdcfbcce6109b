"""One page of a long list, and links to the other pages that keep the request's filters."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from flask import request, url_for
from sqlalchemy import Select, func, select

from app.extensions import db

T = TypeVar("T")
PER_PAGE = 50  # rows a long list draws at once
MAX_PER_PAGE = 200
API_MAX_PAGE_SIZE = 1000  # an API client takes more at once than a page draws


@dataclass(frozen=True)
class Page(Generic[T]):
    """The items of page `number` (1-based) of a list of `total` items."""

    items: list[T]
    number: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        """How many pages the list has (at least one, even when empty)."""
        return max(1, -(-self.total // self.per_page))

    @property
    def first(self) -> int:
        """The 1-based position of the page's first item (0 for an empty list)."""
        return (self.number - 1) * self.per_page + 1 if self.total else 0

    @property
    def last(self) -> int:
        """The 1-based position of the page's last item."""
        return self.first + len(self.items) - 1 if self.items else 0

    @property
    def has_prev(self) -> bool:
        """Whether a page comes before this one."""
        return self.number > 1

    @property
    def has_next(self) -> bool:
        """Whether a page comes after this one."""
        return self.number < self.pages

    def numbers(self, around: int = 2) -> list[int | None]:
        """Page numbers to link: the first, the last and those near this one; None marks a gap."""
        keep = {1, self.pages, *range(self.number - around, self.number + around + 1)}
        shown: list[int | None] = []
        for number in sorted(n for n in keep if 1 <= n <= self.pages):
            if shown and shown[-1] is not None and number > shown[-1] + 1:
                shown.append(None)
            shown.append(number)
        return shown


def paginate(items: Sequence[T], number: int, per_page: int = PER_PAGE) -> Page[T]:
    """Page `number` of `items`; a number past either end gives the nearest page."""
    per_page = min(max(per_page, 1), MAX_PER_PAGE)
    pages = max(1, -(-len(items) // per_page))
    number = min(max(number, 1), pages)
    start = (number - 1) * per_page
    return Page(list(items[start : start + per_page]), number, per_page, len(items))


def paginate_for_api(items: Sequence[T], number: int, per_page: int) -> Page[T]:
    """Page `number` of `items` for an API list (up to API_MAX_PAGE_SIZE; past the end: empty)."""
    per_page = min(max(per_page, 1), API_MAX_PAGE_SIZE)
    start = (max(number, 1) - 1) * per_page
    return Page(list(items[start : start + per_page]), max(number, 1), per_page, len(items))


def api_paging(args: Mapping[str, str]) -> tuple[int, int] | None | str:
    """(page, page_size) from an API query string; None when neither is given; a message when malformed."""
    if "page" not in args and "page_size" not in args:
        return None
    try:
        number, size = int(args.get("page", "1")), int(args.get("page_size", str(PER_PAGE)))
    except ValueError:
        return "page and page_size must be whole numbers"
    if number < 1 or not 1 <= size <= API_MAX_PAGE_SIZE:
        return f"page must be at least 1 and page_size between 1 and {API_MAX_PAGE_SIZE}"
    return number, size


def page_arg(name: str = "page", default: int = 1) -> int:
    """A positive whole number from the query string (the default when missing or malformed)."""
    value = request.args.get(name, type=int)
    return value if value is not None and value > 0 else default


def page_url(number: int, **changes: str | None) -> str:
    """This page's URL with every query argument kept but `page` (and `changes`; None drops one)."""
    args = request.args.to_dict()
    args.update({"page": str(number)} if number > 1 else {})
    if number <= 1:
        args.pop("page", None)
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = value
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def paginate_select(
    query: Select, number: int, per_page: int = PER_PAGE, wrap: Callable[[Any], T] | None = None
) -> Page[T]:
    """Page `number` of an ordered SELECT of one entity, counted and cut in SQL (past the end: the last)."""
    per_page = min(max(per_page, 1), MAX_PER_PAGE)
    counted = select(func.count()).select_from(query.order_by(None).subquery())
    total = db.session.execute(counted).scalar_one()
    number = min(max(number, 1), max(1, -(-total // per_page)))
    found = db.session.execute(query.limit(per_page).offset((number - 1) * per_page)).scalars()
    return Page([wrap(item) if wrap else item for item in found], number, per_page, total)
