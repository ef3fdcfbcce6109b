"""Static assets: every script and stylesheet a logged-in page links is fingerprinted with
its content hash and cached for a year (immutable); anything else under /static briefly.

Pages get `Cache-Control: no-store`; static responses must not.
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from app.static_assets import FINGERPRINT_ARG, IMMUTABLE, SHORT
from tests.http.conftest import grid_url

ASSET = re.compile(r"<(?:script|link)\b[^>]*?\b(?:src|href)=\"([^\"]+)\"", re.IGNORECASE)
PAGES = (
    ("cgst-mum-e", "/"),
    ("cgst-mum-e", grid_url("dpm_gst_adj_2", "CGST-MUM-E", "2024-01")),  # the grid's scripts
    ("member-customs", "/mpr/reports/DPM-GST-ADJ-1/INDIA/2024-05"),  # the report stylesheet
    ("admin", "/users/list/"),  # a FAB page
)
pytestmark = [  # FAB's list page
    pytest.mark.filterwarnings("ignore:'DateTimeField' renders:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:Yielding raw tuples from iter_choices:DeprecationWarning"),
]


def linked_assets(html: str) -> list[str]:
    """The local URL of every <script src> and <link href> on a page."""
    return [html_unescape(url) for url in ASSET.findall(html) if url.startswith("/")]


def html_unescape(url: str) -> str:
    """`&amp;` in an attribute is `&` in the URL."""
    return url.replace("&amp;", "&")


@pytest.mark.parametrize(("username", "path"), PAGES)
def test_every_static_asset_of_a_logged_in_page_is_fingerprinted_and_immutable(
    login_as, username: str, path: str
) -> None:
    client = login_as(username)
    page = client.get(path)
    assert page.status_code == 200, path
    assert "no-store" in page.headers["Cache-Control"]  # the page itself is never cached
    assets = linked_assets(page.get_data(as_text=True))
    static = [url for url in assets if url.startswith("/static/")]
    assert static, f"{path} links no static asset"
    others = [url for url in assets if not url.startswith("/static/")]
    assert all(url.endswith("/formulas.js") for url in others), others  # the grid's own formulas
    for url in static:
        fingerprint = parse_qs(urlsplit(url).query).get(FINGERPRINT_ARG)
        assert fingerprint, f"{url} on {path} is not fingerprinted"
        with client.get(url) as response:
            assert response.status_code == 200, url
            assert response.headers["Cache-Control"] == IMMUTABLE, url
            content = response.get_data()
        assert fingerprint == [hashlib.sha256(content).hexdigest()[:16]], f"{url}: not the content's hash"


@pytest.mark.parametrize(
    "url",
    (
        "/static/css/mpr.css",  # no fingerprint
        "/static/css/mpr.css?v=0000000000000000",  # a stale fingerprint
        "/static/appbuilder/css/ab.css",
        "/static/appbuilder/css/webfonts/fa-solid-900.woff2",  # linked from CSS by a relative URL
    ),
)
def test_static_files_without_their_current_fingerprint_get_a_short_cache(client, url: str) -> None:
    with client.get(url) as response:
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == SHORT


def test_a_missing_static_file_is_not_cached_for_a_year(client) -> None:
    response = client.get("/static/css/nothing-here.css?v=0000000000000000")
    assert response.status_code == 404
    assert IMMUTABLE not in response.headers.get("Cache-Control", "")
