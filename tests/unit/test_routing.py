"""LazyBuildRule builds exactly the URLs Werkzeug's own Rule builds."""

from __future__ import annotations

import pytest
from werkzeug.routing import Map, Rule

from app.routing import LazyBuildRule

RULES = (
    ("/mpr/f/gst_1/<office_code>/<period>", {}),
    ("/mpr/f/gst_1/<office_code>/<period>/revision/<int:number>", {}),
    ("/static/<path:filename>", {}),
    ("/list/", {"page": 1}),
)
VALUES = (
    {"office_code": "Z01", "period": "2026-04", "number": 3, "filename": "css/a b.css", "page": 1},
    {"office_code": "ä/ö", "period": "2026-04", "number": 7, "filename": "x.js", "q": "1", "page": 2},
)


def _adapter(rule_class: type[Rule]):
    rules = [rule_class(path, endpoint=f"e{n}", defaults=d or None) for n, (path, d) in enumerate(RULES)]
    return Map(rules).bind("example.org", "/")


@pytest.mark.parametrize("values", VALUES)
@pytest.mark.parametrize("index", range(len(RULES)))
def test_lazy_rule_builds_the_same_urls(index: int, values: dict) -> None:
    """Same URL (with and without unknown arguments as a query) as Werkzeug's Rule, twice."""
    wanted = {k: v for k, v in values.items() if k in RULES[index][0] or k == "q"}
    eager, lazy = _adapter(Rule), _adapter(LazyBuildRule)
    for _ in range(2):  # the first call compiles, the second uses the compiled builder
        for unknown in (True, False):
            assert lazy.build(f"e{index}", wanted, append_unknown=unknown) == eager.build(
                f"e{index}", wanted, append_unknown=unknown
            )


def test_lazy_rule_matches_the_same_paths() -> None:
    """Matching does not depend on the builders."""
    eager, lazy = _adapter(Rule), _adapter(LazyBuildRule)
    for path in ("/mpr/f/gst_1/Z01/2026-04", "/mpr/f/gst_1/Z01/2026-04/revision/2", "/static/a/b.js"):
        assert lazy.match(path) == eager.match(path)
