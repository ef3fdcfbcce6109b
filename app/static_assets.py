"""Fingerprinted static URLs, cached for a year; everything else under /static briefly.

Every `url_for` of a static endpoint — ours (`static`) and FAB's (`appbuilder.static`,
which its templates use for Bootstrap, jQuery, Font Awesome, select2...) — gets
`?v=<content hash>` added by a `url_defaults` hook. A file's hash is computed the first
time its URL is built and then kept for the life of the process (nothing is hashed at
start-up; files change only with a deploy, which restarts the workers). A static response
whose `v` equals the file's current hash is `public, max-age=31536000, immutable`: the
browser never asks again until the content, and so the URL, changes. A static response
without `v`, or with a stale one, gets a short cache (files that CSS refers to by relative
URL, such as Font Awesome's fonts, are of that kind).
"""

from __future__ import annotations

import hashlib
import os

from flask import Flask, request
from werkzeug.security import safe_join

FINGERPRINT_ARG = "v"
IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=3600"


def is_static_endpoint(endpoint: str | None) -> bool:
    """The app's own static endpoint or a blueprint's (FAB's `appbuilder.static`)."""
    return endpoint is not None and (endpoint == "static" or endpoint.endswith(".static"))


def file_fingerprint(path: str) -> str:
    """The first 16 hex digits of the SHA-256 of the file's content."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()[:16]


class StaticFingerprints:
    """The content hash of each static file, computed at first use and kept."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._known: dict[tuple[str, str], str] = {}  # only files that exist: bounded by the disk

    def _folder(self, endpoint: str) -> str | None:
        if endpoint == "static":
            return self.app.static_folder
        blueprint = self.app.blueprints.get(endpoint.rpartition(".")[0])
        return blueprint.static_folder if blueprint is not None else None

    def of(self, endpoint: str, filename: str) -> str | None:
        """The fingerprint of `filename` under the endpoint's folder; None if there is no such file."""
        key = (endpoint, filename)
        known = self._known.get(key)
        if known is None:
            folder = self._folder(endpoint)
            path = safe_join(folder, filename) if folder else None
            if path is None or not os.path.isfile(path):
                return None
            known = self._known[key] = file_fingerprint(path)
        return known


def install_static_fingerprints(app: Flask) -> StaticFingerprints:
    """Add `?v=<hash>` to every static URL built, and the cache headers to static responses."""
    fingerprints = StaticFingerprints(app)
    app.extensions["mpr_static_fingerprints"] = fingerprints

    @app.url_defaults
    def _add_fingerprint(endpoint: str, values: dict) -> None:
        if not is_static_endpoint(endpoint) or FINGERPRINT_ARG in values:
            return
        filename = values.get("filename")
        fingerprint = fingerprints.of(endpoint, filename) if isinstance(filename, str) else None
        if fingerprint:
            values[FINGERPRINT_ARG] = fingerprint

    @app.after_request
    def _cache_static(response):
        if not is_static_endpoint(request.endpoint) or response.status_code not in (200, 304):
            return response
        wanted = request.args.get(FINGERPRINT_ARG)
        filename = (request.view_args or {}).get("filename")
        current = fingerprints.of(request.endpoint, filename) if wanted and filename else None
        response.headers["Cache-Control"] = IMMUTABLE if current and wanted == current else SHORT
        return response

    return fingerprints
