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
