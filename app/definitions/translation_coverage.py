"""Which titles and labels of the definitions have no form in a language (shown in English there)."""

from __future__ import annotations

from collections.abc import Iterator

from .schema import DefinitionSet, FormatDef, ScorecardDef
from .texts import Text


def _has(text: str | None, language: str) -> bool:
    return not text or (isinstance(text, Text) and language in text.forms)


def _format_texts(fmt: FormatDef) -> Iterator[tuple[str, str | None]]:
    """(where, text) for every text of one format a user reads."""
    yield "title", fmt.title
    yield "note", fmt.note
    for column in fmt.columns:
        yield f"column {column.code}", column.label
        for group in column.group_path:
            yield f"column {column.code} group", group
    for row in fmt.rows.rows:
        if not row.is_total:
            yield f"row {row.key}", row.label
    yield "total row", fmt.rows.total_label
    if fmt.rows.kind == "free":
        yield "free rows' label", fmt.rows.free_label
    for derived in fmt.derived:
        yield f"derived {derived.code}", derived.label
    for check in (*fmt.checks, *fmt.cross_checks):
        yield f"check {check.code}", check.message


def texts_without(definitions: DefinitionSet, language: str) -> list[str]:
    """'DPM-GST-ADJ-2 column RECEIPT_NO: Receipt' for every text with no form in `language`."""
    found: dict[str, None] = {}
    for kind, entries in (
        ("part", definitions.parts),
        ("owner", definitions.owners),
        ("master", definitions.masters),
        ("source", definitions.sources),
    ):
        for code, entry in entries.items():
            if not _has(entry.title, language):
                found[f"{kind} {code}: {entry.title}"] = None
    for name, items in definitions.dimensions.items():
        for item in items:
            if not _has(item.label, language):
                found[f"dimension {name} {item.key}: {item.label}"] = None
    for fmt in definitions.formats.values():
        for where, text in _format_texts(fmt):
            if not _has(text, language):
                found[f"{fmt.code} {where}: {text}"] = None
    for indicator in definitions.dashboard.values():
        if not _has(indicator.title, language):
            found[f"dashboard {indicator.code}: {indicator.title}"] = None
    for card in definitions.scorecards.values():
        for where, text in _scorecard_texts(card):
            if not _has(text, language):
                found[f"{card.code} {where}: {text}"] = None
    return list(found)


def _scorecard_texts(card: ScorecardDef) -> Iterator[tuple[str, str | None]]:
    """(where, text) for every text of one scorecard a user reads."""
    yield "title", card.title
    for group in card.groups:
        yield f"group {group.code}", group.title
        for indicator in group.indicators:
            yield f"indicator {indicator.code}", indicator.label
