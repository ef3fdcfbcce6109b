"""Where a form goes back to: a page of this site, named by the form or by the browser's Referer.

The Referer is an absolute URL (Referrer-Policy `same-origin` sends it whole, query and all). It
counts as this site's when its host and port are the request's own, whatever host the site is
served under; it is then used as a path, which FAB's redirect check accepts on any host.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from flask import request
from flask_appbuilder.utils.base import get_safe_redirect


def on_this_site(url: str | None) -> str | None:
    """`url` as a path of this site (an absolute URL of this origin made relative), else None."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.netloc and (parts.netloc != request.host or parts.scheme not in ("http", "https")):
        return None
    path = urlunsplit(("", "", parts.path or "/", parts.query, parts.fragment))
    return path if get_safe_redirect(path) == path else None


def first_on_this_site(*candidates: str | None) -> str | None:
    """The first candidate that is a page of this site, as a path; None if none is."""
    return next((path for path in map(on_this_site, candidates) if path is not None), None)
