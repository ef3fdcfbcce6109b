"""Flask-Babel wiring: English and Hindi catalogues, merged with FAB's, chosen with /lang/<code>."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import shlex
from collections import Counter
from pathlib import Path

import openpyxl
import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from app.definitions.months import Month
from app.presenters.display import month_name
from tests.http.conftest import flashed, grid_url, parse_grid, post_grid, single
from tests.http.test_cycle import signed_in

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = ROOT / "app" / "translations"
HINDI = CATALOGUES / "hi" / "LC_MESSAGES" / "messages.po"
# %(name)s, %s, %d ... and {name}: what a translation must keep exactly (%% is a literal percent)
PLACEHOLDER = re.compile(
    r"%\([A-Za-z_]\w*\)[-#0 +]*\d*(?:\.\d+)?[a-zA-Z]"  # %(name)s
    r"|%[-#0 +]*\d*(?:\.\d+)?[a-zA-Z]"  # %s, %d
    r"|\{[A-Za-z_]\w*\}"  # {name}
)


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


def _entries(catalog) -> dict[tuple[str, ...], tuple[str, ...]]:
    """Every message as (msgid, plural msgid ...) -> (msgstr, msgstr[1] ...)."""

    def forms(value) -> tuple[str, ...]:
        return tuple(value) if isinstance(value, (list, tuple)) else (value,)

    return {forms(m.id): forms(m.string) for m in catalog if m.id}


@pytest.mark.parametrize("language", ["en", "hi"])
def test_committed_catalogues_are_compiled_and_hindi_is_complete(language):
    folder = CATALOGUES / language / "LC_MESSAGES"
    with open(folder / "messages.po", "rb") as po_file, open(folder / "messages.mo", "rb") as mo_file:
        source, compiled = _entries(read_po(po_file)), _entries(read_mo(mo_file))
    as_written = {ids: strings for ids, strings in source.items() if all(strings)}
    # Babel compiles an untranslated plural message as its own msgids: not a translation.
    as_compiled = {ids: strings for ids, strings in compiled.items() if strings != ids}
    assert as_written == as_compiled, "run `make translations`"
    if language == "hi":
        assert [ids[0] for ids, strings in source.items() if not all(strings)] == []


def _extract_arguments() -> list[str]:
    """The Makefile's extraction options (-F babel.cfg -k ...): this test extracts as `make translations`."""
    found = re.search(r"\$\(BABEL\) -q extract (.+?) -o ", (ROOT / "Makefile").read_text())
    assert found, "the Makefile's translations target no longer runs pybabel extract"
    return shlex.split(found.group(1))


def _hindi_gaps(hindi, pot) -> list[str]:
    """Msgids extracted from the code that the Hindi catalogue lacks or leaves untranslated."""
    translated = {ids[0] for ids, strings in _entries(hindi).items() if all(strings)}
    return sorted(ids[0] for ids in _entries(pot) if ids[0] not in translated)


def test_every_string_in_the_code_has_its_hindi_translation(tmp_path):
    pot = tmp_path / "messages.pot"
    arguments = [a if a != "babel.cfg" else str(ROOT / "babel.cfg") for a in _extract_arguments()]
    CommandLineInterface().run(["pybabel", "-q", "extract", *arguments, "-o", str(pot), str(ROOT)])
    with open(pot, "rb") as extracted, open(HINDI, "rb") as committed:
        missing = _hindi_gaps(read_po(committed), read_po(extracted))
    assert not missing, (
        f"{len(missing)} message(s) in the code have no Hindi translation: "
        "run `make translations` and translate them in app/translations/hi/LC_MESSAGES/messages.po:\n"
        + "\n".join(missing)
    )


def test_the_check_names_a_message_left_without_hindi():
    with open(HINDI, "rb") as committed:
        hindi = read_po(committed)
    with open(HINDI, "rb") as committed:
        pot = read_po(committed)
    hindi.get("Save draft").string = ""
    pot.add("A string added to the code today")
    assert _hindi_gaps(hindi, pot) == ["A string added to the code today", "Save draft"]


def _placeholder_mismatches(catalog) -> list[str]:
    wrong = []
    for ids, strings in _entries(catalog).items():
        for index, text in enumerate(strings):
            wanted = Counter(PLACEHOLDER.findall(ids[min(index, len(ids) - 1)]))
            if text and Counter(PLACEHOLDER.findall(text)) != wanted:
                wrong.append(f"{ids[0]!r} -> {text!r}")
    return wrong


def test_hindi_keeps_every_placeholder_of_its_message():
    with open(HINDI, "rb") as committed:
        hindi = read_po(committed)
    assert _placeholder_mismatches(hindi) == []
    hindi.get("Welcome, %(office)s").string = "स्वागत है"
    hindi.get("Must be at least %(limit)s").string = "कम से कम %(limt)s"
    assert len(_placeholder_mismatches(hindi)) == 2


# ------------------------------------------------------------------ pages in Hindi

ADJ2, OFFICE = "dpm_gst_adj_2", "CGST-MUM-E"


def _in_hindi(app, username: str = "cgst-mum-e"):
    client = signed_in(app, username)
    assert client.get("/lang/hi").status_code == 302
    return client


def test_the_grid_page_reads_hindi(app):
    english = signed_in(app, "cgst-mum-e").get(grid_url(ADJ2, OFFICE, "2024-01")).get_data(as_text=True)
    assert "Save draft" in english and "Save and submit" in english

    page = _in_hindi(app).get(grid_url(ADJ2, OFFICE, "2024-01")).get_data(as_text=True)
    assert ">मसौदा सहेजें</button>" in page and ">सहेजें और प्रस्तुत करें</button>" in page
    assert "राशि लाख रु. में" in page and "स्थिति" in page  # the unit, from the definitions, and the status
    assert "Save draft" not in page and "Back to formats" not in page


def test_refusals_and_cell_messages_read_hindi(app):
    client = _in_hindi(app)
    response = post_grid(client, ADJ2, OFFICE, "2024-01", single({"RECEIPT_NO": "12a"}))
    assert response.status_code == 422
    page = parse_grid(response)
    assert page.messages == {("_", "RECEIPT_NO"): ["'12a' पूर्ण संख्या नहीं है"]}
    assert "सहेजा नहीं गया: 1 सेल पर ध्यान देना आवश्यक है।" in flashed(page.html)

    month = Month.of(dt.date.today())  # not ended: the grid refuses to open
    response = client.get(grid_url(ADJ2, OFFICE, str(month)))
    assert response.status_code == 302
    notice = flashed(client.get(response.location).get_data(as_text=True))
    assert f"{month_name(month, locale='hi')} अभी समाप्त नहीं हुआ है; इसकी विवरणी दाखिल नहीं की जा सकती।" in notice


def test_the_excel_template_reads_hindi(app):
    response = _in_hindi(app).get(grid_url(ADJ2, OFFICE, "2024-01") + "/template")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).worksheets[0]
    assert "विवरणी संस्करण 0" in sheet["A2"].value
    assert sheet["A3"].value.startswith("आँकड़े केवल सफ़ेद सेलों में टाइप करें")


def test_titles_and_labels_of_the_definitions_read_hindi_where_they_have_a_hindi_form(app):
    english = signed_in(app, "cgst-mum-e").get(grid_url(ADJ2, OFFICE, "2024-01")).get_data(as_text=True)
    assert "Details of adjudication cases involving GST more than Rs. Five Crores" in english
    assert 'aria-label="Opening balance — No."' in english and "प्रारंभिक शेष" not in english

    page = _in_hindi(app).get(grid_url(ADJ2, OFFICE, "2024-01")).get_data(as_text=True)
    assert "रु. पाँच करोड़ से अधिक जीएसटी वाले न्यायनिर्णयन मामलों का विवरण" in page  # the format's title_hi
    assert ">प्रारंभिक शेष<" in page and ">माह के दौरान प्राप्ति<" in page  # column groups' group_hi
    assert 'aria-label="प्रारंभिक शेष — संख्या"' in page  # the spoken name of an input, in Hindi
    assert 'aria-label="लंबित मामलों का अवधि-वार विभाजन (संख्या) — 6 माह तक"' in page
    assert "Opening balance" not in page and "Receipt during the month" not in page


def test_rows_from_a_master_list_read_hindi_from_the_items_hindi_label(app):
    path = grid_url("dpm_gst_adj_3", OFFICE, "2024-01")
    english = signed_in(app, "cgst-mum-e").get(path).get_data(as_text=True)
    assert "Injunction / stay issued by the Supreme Court / High Court / Tribunal" in english
    page = _in_hindi(app).get(path).get_data(as_text=True)
    assert "उच्चतम न्यायालय / उच्च न्यायालय / न्यायाधिकरण द्वारा जारी व्यादेश / स्थगन" in page
    assert "Injunction / stay issued" not in page


def test_a_check_message_reads_hindi_on_the_page_and_in_the_live_grid(app):
    client = _in_hindi(app)
    saved = post_grid(
        client, ADJ2, OFFICE, "2024-01", single({"OPENING_NO": "1", "DISPOSAL_REVENUE_NO": "5"})
    )
    assert saved.status_code == 302  # a draft keeps failing checks, shown at their cells
    messages = parse_grid(client.get(saved.location)).messages
    assert "अंतिम शेष ऋणात्मक नहीं हो सकता" in messages[("_", "CLOSING_NO")]
    script = client.get(f"/mpr/f/{ADJ2}/formulas.js").get_data(as_text=True)
    english, hindi = (
        json.dumps("Closing balance can not be negative"),
        json.dumps({"hi": "अंतिम शेष ऋणात्मक नहीं हो सकता"}),
    )
    assert f"message: {english}, forms: {hindi}" in script  # both: the grid picks the page's language


def test_the_template_and_the_report_workbook_name_rows_and_columns_in_hindi(app):
    template = _in_hindi(app).get(grid_url(ADJ2, OFFICE, "2024-01") + "/template")
    sheet = openpyxl.load_workbook(io.BytesIO(template.data)).worksheets[0]
    texts = {cell.value for row in sheet.iter_rows() for cell in row if isinstance(cell.value, str)}
    assert any("रु. पाँच करोड़ से अधिक" in text for text in texts) and "प्रारंभिक शेष" in texts
    assert "Opening balance" not in texts


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
    assert ('<html lang="hi">' in page) is hindi and ("लॉग इन" in page) is hindi


def test_the_browsers_language_is_not_written_into_the_session(app):
    client = app.test_client()
    client.get("/login/", headers={"Accept-Language": "hi"})
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    stored = app.session_interface.get_signing_serializer(app).loads(cookie.value)
    assert "csrf_token" in stored and "locale" not in stored  # chosen languages only, not guessed ones


def _choose(client, language: str) -> None:
    """Choose a language with the menu's form (a POST with the page's CSRF token)."""
    from tests.http.test_cycle import csrf_token

    token = csrf_token(client.get("/").get_data(as_text=True))
    answer = client.post(f"/lang/{language}", data={"csrf_token": token, "next": "/mpr/"})
    assert answer.status_code == 302 and answer.location.endswith("/mpr/")


def test_the_language_chosen_is_kept_in_the_profile_for_the_next_login(app):
    client = signed_in(app, "cgst-mum-e")
    page = client.get("/").get_data(as_text=True)
    assert 'action="/lang/hi"' in page and 'href="/lang/hi"' not in page  # the menu posts its choice
    _choose(client, "hi")
    fresh = app.test_client()
    _log_in(app, fresh)
    english_browser = {"Accept-Language": "en-GB,en;q=0.9"}
    assert "करने योग्य कार्य" in fresh.get("/", headers=english_browser).get_data(as_text=True)

    _choose(fresh, "en")
    again = app.test_client()
    _log_in(app, again)
    assert "To do" in again.get("/", headers={"Accept-Language": "hi"}).get_data(as_text=True)


def test_the_language_link_changes_the_session_only_and_a_post_needs_its_token(app):
    client = signed_in(app, "cgst-mum-e")
    assert client.get("/lang/hi").status_code == 302  # FAB's link: this session only
    assert "करने योग्य कार्य" in client.get("/").get_data(as_text=True)
    fresh = app.test_client()
    _log_in(app, fresh)
    assert "To do" in fresh.get("/").get_data(as_text=True)  # nothing was kept
    assert fresh.post("/lang/hi").status_code == 400  # another site's form: no CSRF token
    assert fresh.post("/lang/xx", data={"csrf_token": "x"}).status_code in (400, 404)


def test_a_language_chosen_before_login_stays_after_it(app):
    client = app.test_client()
    client.get("/lang/hi")
    _log_in(app, client)
    assert "करने योग्य कार्य" in client.get("/").get_data(as_text=True)


def test_the_language_menu_returns_to_the_page_with_its_query_without_echoing_the_query(app):
    from tests.http.test_cycle import csrf_token

    client = signed_in(app, "cgst-mum-e")
    page = client.get("/mpr/?office=ASKED-FOR").get_data(as_text=True)
    assert "ASKED-FOR" not in page  # the menu does not echo the URL it was asked for
    came_from = "http://localhost/mpr/?office=ASKED-FOR"
    answer = client.post(
        "/lang/hi", data={"csrf_token": csrf_token(page), "next": "/mpr/"}, headers={"Referer": came_from}
    )
    assert answer.status_code == 302 and answer.location.endswith("/mpr/?office=ASKED-FOR")
    elsewhere = client.post(
        "/lang/en",
        data={"csrf_token": csrf_token(page), "next": "/mpr/"},
        headers={"Referer": "https://evil.example/x"},
    )
    assert elsewhere.location.endswith("/mpr/")


def test_the_language_menu_returns_to_the_page_on_any_host_and_port_the_site_is_served_on(app):
    from tests.http.test_cycle import csrf_token

    client = signed_in(app, "cgst-mum-e")
    page = client.get("/mpr/").get_data(as_text=True)
    site = "http://localhost:8080"  # FAB_SAFE_REDIRECT_HOSTS names no port: the request's own origin counts
    answer = client.post(
        "/lang/hi",
        data={"csrf_token": csrf_token(page)},
        headers={"Referer": f"{site}/mpr/?period=2024-01"},
        base_url=site,
    )
    assert answer.status_code == 302 and answer.location == "/mpr/?period=2024-01"
