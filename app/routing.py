"""URL rules whose builders are compiled at first use, not when the route is registered.

Werkzeug compiles two URL-builder functions per rule (Python code generated and passed to
`compile()`) as soon as the rule is added. With ten routes per format and 150 formats,
that was about a third of start-up, for builders most of which a worker never calls. The
builder made at first use is the very one Werkzeug would have made at registration, so
URL building and matching behave exactly the same.
"""

from __future__ import annotations

from collections.abc import Callable

from werkzeug.routing import Rule


class LazyBuildRule(Rule):
    """A `Rule` that compiles each URL builder the first time it is called."""

    def _compile_builder(self, append_unknown: bool = True) -> Callable[..., tuple[str, str]]:
        attribute = "_build_unknown" if append_unknown else "_build"

        def build_at_first_use(rule: Rule, **values: object) -> tuple[str, str]:
            real = Rule._compile_builder(rule, append_unknown).__get__(rule, None)
            setattr(rule, attribute, real)  # later calls go straight to the compiled builder
            return real(**values)

        return build_at_first_use
