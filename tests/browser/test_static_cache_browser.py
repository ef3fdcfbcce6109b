"""Chromium keeps the fingerprinted static files: the second page asks the server for none."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


@pytest.fixture
def served_paths(monkeypatch, live_server) -> list[str]:
    """The path of every request the live server answers, in order."""
    seen: list[str] = []

    def record(handler, code="-", size="-") -> None:
        seen.append(handler.path)

    monkeypatch.setattr(live_server.handler, "log_request", record)
    return seen


def test_a_second_page_fetches_no_static_file_again(page, login, served_paths) -> None:
    login(page, "cgst-mum-e")  # the login page and the home page load every file once
    first = [path for path in served_paths if path.startswith("/static/")]
    assert first, "no static file was loaded from the server"
    unversioned = [path for path in first if "?v=" not in path]
    assert not [path for path in unversioned if path.endswith((".js", ".css"))], unversioned  # fonts and
    # images named by CSS with relative URLs carry no fingerprint; they get an hour (see README)
    served_paths.clear()
    page.goto("/mpr/")  # other pages with the same stylesheets and scripts
    page.goto("/")
    again = [path for path in served_paths if path.startswith("/static/")]
    assert again == [], f"fetched again: {again}"
    assert any(not path.startswith("/static/") for path in served_paths)  # the pages themselves were
