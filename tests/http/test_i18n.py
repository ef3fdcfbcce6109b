"""Flask-Babel wiring: English and Hindi catalogues, merged with FAB's, chosen with /lang/<code>."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from tests.http.test_cycle import signed_in

CATALOGUES = Path(__file__).resolve().parents[2] / "app" / "translations"


def test_the_home_page_and_menu_read_hindi_after_choosing_it(app):
    client = signed_in(app, "cgst-mum-e")
    english = client.get("/").get_data(as_text=True)
    assert "To do" in english and "करने योग्य कार्य" not in english

    assert client.get("/lang/hi").status_code == 302
    hindi = client.get("/").get_data(as_text=True)
    assert "स्वागत है, " in hindi and "करने योग्य कार्य" in hindi  # the home page's headings
    assert ">प्रारूप<" in hindi.replace("\n", "").replace("  ", "")  # a menu entry
    assert "एमपीआर प्रबंधन सूचना प्रणाली" in hindi and "लॉग आउट" in hindi  # footer; FAB's own navbar

    client.get("/lang/en")
    assert "To do" in client.get("/").get_data(as_text=True)


def test_an_unknown_language_is_refused(client):
    assert client.get("/lang/xx").status_code == 404


def test_fab_catalogue_is_merged_with_the_app_catalogue(app):
    from flask_babel import force_locale, gettext

    with app.test_request_context(), force_locale("de"):
        assert gettext("List Users") == "Benutzer auflisten"  # FAB's German catalogue still answers
    with app.test_request_context(), force_locale("hi"):
        assert gettext("List Users") == "उपयोगकर्ताओं की सूची"


@pytest.mark.parametrize("language", ["en", "hi"])
def test_committed_catalogues_are_compiled_and_hindi_is_complete(language):
    folder = CATALOGUES / language / "LC_MESSAGES"
    with open(folder / "messages.po", "rb") as po_file, open(folder / "messages.mo", "rb") as mo_file:
        source, compiled = read_po(po_file), read_mo(mo_file)
    as_written = {m.id: m.string for m in source if m.id and m.string}
    assert as_written == {m.id: m.string for m in compiled if m.id}, "run `make translations`"
    if language == "hi":
        assert [m.id for m in source if m.id and not m.string] == []


def _log_in(app, client, username: str = "cgst-mum-e") -> None:
    from tests.http.test_cycle import csrf_token

    token = csrf_token(client.get("/login/").get_data(as_text=True))
    password = app.config["MPR_DEMO_PASSWORD"]
    answer = client.post("/login/", data={"username": username, "password": password, "csrf_token": token})
    assert answer.status_code == 302


@pytest.mark.parametrize(
    ("accept_language", "hindi"),
    [("hi-IN,hi;q=0.9,en;q=0.8", True), ("en-GB,en;q=0.9", False), ("ta-IN,ta;q=0.9", False), (None, False)],
)
def test_before_login_the_browsers_language_decides(app, accept_language, hindi):
    headers = {"Accept-Language": accept_language} if accept_language else {}
    page = app.test_client().get("/login/", headers=headers).get_data(as_text=True)
    assert ('lang="hi"' in page) is hindi and ("लॉग इन" in page) is hindi


def test_the_browsers_language_is_not_written_into_the_session(app):
    client = app.test_client()
    client.get("/login/", headers={"Accept-Language": "hi"})
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    stored = app.session_interface.get_signing_serializer(app).loads(cookie.value)
    assert "csrf_token" in stored and "locale" not in stored  # chosen languages only, not guessed ones


def test_the_language_chosen_is_kept_in_the_profile_for_the_next_login(app):
    client = signed_in(app, "cgst-mum-e")
    assert client.get("/lang/hi").status_code == 302
    fresh = app.test_client()
    _log_in(app, fresh)
    english_browser = {"Accept-Language": "en-GB,en;q=0.9"}
    assert "करने योग्य कार्य" in fresh.get("/", headers=english_browser).get_data(as_text=True)

    fresh.get("/lang/en")
    again = app.test_client()
    _log_in(app, again)
    assert "To do" in again.get("/", headers={"Accept-Language": "hi"}).get_data(as_text=True)


def test_a_language_chosen_before_login_stays_after_it(app):
    client = app.test_client()
    client.get("/lang/hi")
    _log_in(app, client)
    assert "करने योग्य कार्य" in client.get("/").get_data(as_text=True)
