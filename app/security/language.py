"""The interface language: chosen on any page, kept in the session and the user's profile.

Order of choice: the API's `_l_` argument (FAB's), the session's (set by `/lang/<code>` or at
login from the kept choice), then the browser's Accept-Language, then English. Nothing is
written to the session unless the user chooses. FAB's `GET /lang/<code>` changes the session
only (no GET changes the database); the language menu of a signed-in user sends
`POST /lang/<code>` with the CSRF token, which also keeps the choice for the next login.
"""

from __future__ import annotations

from flask import Flask, abort, current_app, has_request_context, redirect, request, session, url_for
from flask_babel import refresh
from flask_login import current_user

from app.definitions.texts import read_language_from
from app.extensions import db
from app.i18n import page_language
from app.models.org import UserLanguage
from app.security.redirects import first_on_this_site

SESSION_KEY = "locale"  # FAB's LocaleView writes the same key


def _languages() -> list[str]:
    return list(current_app.config["LANGUAGES"])


def choose_locale() -> str:
    """Flask-Babel's locale selector for this request."""
    default = current_app.config.get("BABEL_DEFAULT_LOCALE", "en")
    if not has_request_context():
        return default
    languages = _languages()
    asked = request.args.get("_l_")
    if asked is not None:
        return asked if asked in languages else default
    chosen = session.get(SESSION_KEY)
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or default


def remember(code: str) -> None:
    """Keep the signed-in user's choice with the profile (the session already holds it)."""
    if not current_user.is_authenticated:
        return
    kept = db.session.get(UserLanguage, current_user.id)
    if kept is None:
        db.session.add(UserLanguage(user_id=current_user.id, language=code))
    elif kept.language == code:
        return
    else:
        kept.language = code
    db.session.commit()


def carry_into_new_session(user, chosen: str | None) -> None:
    """At login, after the session is renewed: the user's kept language, else the one chosen before."""
    kept = db.session.get(UserLanguage, user.id)
    language = kept.language if kept is not None else chosen
    if language in _languages():
        session[SESSION_KEY] = language
        refresh()


def keep_language(locale: str):
    """Switch the interface language and keep a signed-in user's choice for the next login (POST)."""
    if locale not in _languages():
        abort(404)
    session[SESSION_KEY] = locale
    refresh()
    remember(locale)
    return redirect(_page_it_came_from())


def _page_it_came_from() -> str:
    """The page the menu was used on: the same-origin Referer (pages never echo their URL), else `next`."""
    return first_on_this_site(request.referrer, request.form.get("next")) or url_for("HomeView.index")


def install_language_choice(app: Flask) -> None:
    """Use `choose_locale` for every request, and accept the language menu's POST /lang/<code>."""
    app.extensions["babel"].locale_selector = choose_locale
    read_language_from(page_language)  # titles and labels of the definitions file follow the page
    app.add_url_rule("/lang/<string:locale>", "LanguageChoice.keep", keep_language, methods=["POST"])
