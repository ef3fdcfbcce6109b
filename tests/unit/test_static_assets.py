"""The static fingerprint is the content's hash: new content, new URL."""

from __future__ import annotations

import hashlib

from flask import Flask, url_for

from app.static_assets import IMMUTABLE, SHORT, file_fingerprint, install_static_fingerprints


def _app(folder) -> Flask:
    app = Flask(__name__, static_folder=str(folder), static_url_path="/static")
    install_static_fingerprints(app)
    return app


def _url(app: Flask, filename: str) -> str:
    with app.test_request_context():
        return url_for("static", filename=filename)


def test_the_fingerprint_follows_the_content(tmp_path) -> None:
    asset = tmp_path / "site.js"
    asset.write_text("one();")
    before = _url(_app(tmp_path), "site.js")
    assert before == f"/static/site.js?v={hashlib.sha256(b'one();').hexdigest()[:16]}"
    asset.write_text("two();")  # a deploy: new content, new process
    after_app = _app(tmp_path)
    after = _url(after_app, "site.js")
    assert after != before and after.endswith(file_fingerprint(str(asset)))
    client = after_app.test_client()
    for url, cache in ((after, IMMUTABLE), (before, SHORT)):  # the old URL is not the new content
        with client.get(url) as response:
            assert response.headers["Cache-Control"] == cache


def test_a_file_that_does_not_exist_gets_no_fingerprint(tmp_path) -> None:
    app = _app(tmp_path)
    assert _url(app, "missing.css") == "/static/missing.css"
    assert _url(app, "../outside.css") == "/static/../outside.css"
    assert app.test_client().get("/static/missing.css").status_code == 404


def test_the_hash_is_computed_once_per_file(tmp_path) -> None:
    asset = tmp_path / "a.css"
    asset.write_text("a{}")
    app = _app(tmp_path)
    first = _url(app, "a.css")
    asset.write_text("b{}")  # same process: the fingerprint is kept, not recomputed per request
    assert _url(app, "a.css") == first
