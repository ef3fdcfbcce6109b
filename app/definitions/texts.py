"""Titles and labels of the definitions file in English and, where given, Hindi.

A `Text` is the English string (what codes, comparisons, the API and the database see) that
also carries its other forms, written in the YAML beside the key: `label_hi:` next to
`label:`. Where a Text is drawn on a page (Jinja's `__html__`) it shows the form of the page's
language, falling back to English; Python code that builds a user-facing string asks
`Text.in_language(...)`, usually through `app.i18n.local`.

The layer stays free of Flask: the page's language comes from a source the app installs with
`read_language_from` (English until it does).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Mapping

ENGLISH = "en"
OTHER_LANGUAGES = ("hi",)  # the suffixes a text key may carry: label_hi, title_hi, ...
DEVANAGARI = re.compile(r"[\u0900-\u097F]")

_language_of_the_page: Callable[[], str] = lambda: ENGLISH  # noqa: E731 - replaced by the app


def read_language_from(source: Callable[[], str]) -> None:
    """Install where the language of the page being drawn comes from (the app's locale selector)."""
    global _language_of_the_page
    _language_of_the_page = source


def language_of_the_page() -> str:
    """The language of the page being drawn ('en' outside the app)."""
    return _language_of_the_page()


class Text(str):
    """An English title or label that knows its forms in other languages."""

    forms: Mapping[str, str]

    def __new__(cls, english: str, forms: Mapping[str, str] | None = None) -> Text:
        """The English text with its other forms, e.g. Text('Receipts', {'hi': 'प्राप्तियाँ'})."""
        made = super().__new__(cls, english)
        made.forms = dict(forms or {})
        return made

    def __reduce__(self):
        return (Text, (str(self), dict(self.forms)))

    def in_language(self, language: str) -> str:
        """The form in `language`, else the English text (a plain str)."""
        return self.forms.get(language) or str.__str__(self)

    def __html__(self) -> str:
        """Escaped, in the language of the page (Jinja calls this when it draws the text)."""
        return html.escape(self.in_language(language_of_the_page()))


def in_language(text: str, language: str) -> str:
    """Any string's form in `language`: a Text's form, a plain string unchanged."""
    return text.in_language(language) if isinstance(text, Text) else str(text)


def form_keys(key: str) -> tuple[str, ...]:
    """The keys that may carry other forms of a text key: ('label_hi',) for 'label'."""
    return tuple(f"{key}_{language}" for language in OTHER_LANGUAGES)


def joined(separator: str, parts: Iterable[str]) -> Text:
    """Parts joined into one Text whose forms join each part's form: 'Row — Group — Column'."""
    parts = list(parts)
    forms = {
        language: separator.join(in_language(part, language) for part in parts)
        for language in OTHER_LANGUAGES
        if any(isinstance(part, Text) and language in part.forms for part in parts)
    }
    return Text(separator.join(parts), forms)


def after_prefix(text: str, prefix: str, separator: str) -> str:
    """`text` without a leading `prefix + separator`, in every form: 'ADC/JC — Audit' -> 'Audit'."""

    def cut(whole: str, head: str) -> str:
        return whole[len(head) + len(separator) :] if whole.startswith(head + separator) else whole

    english = cut(str.__str__(text), str.__str__(prefix))
    if not isinstance(text, Text):
        return english
    forms = {language: cut(form, in_language(prefix, language)) for language, form in text.forms.items()}
    return Text(english, forms)
