"""A valid definitions file with many formats, cloned from the shipped ones (benchmarks).

Start-up and permission sync grow with the number of formats; this writes a file with
N formats (default 150): the shipped formats first, then copies of them with new codes
(`DPM-GST-ADJ-1-S002` ...). Parts, owners, masters and dimensions are kept as they are,
so every copy is valid wherever its original is.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

import yaml

from app.config_paths import ROOT_DIR
from app.definitions.yaml_lines import parse_yaml

SHIPPED = ROOT_DIR / "mpr_definitions.yaml"
DEFAULT_COUNT = 150
HEADER = "# Synthetic definitions for benchmarks: {count} formats cloned from {source}. Not for production.\n"


def _plain(value: Any) -> Any:
    """Line-aware YAML values as plain dicts and lists (so yaml.safe_dump can write them)."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def clone_code(code: str, copy_number: int) -> str:
    """The code of copy `copy_number` (1-based) of a format."""
    return f"{code}-S{copy_number:03d}"


def _clone_round(formats: list[dict], copy_number: int) -> list[dict]:
    codes = {fmt["code"] for fmt in formats}
    clones = []
    for original in formats:
        clone = copy.deepcopy(original)
        clone["code"] = clone_code(original["code"], copy_number)
        clone["title"] = f"{original['title']} (synthetic copy {copy_number})"
        if clone.get("replaces") in codes:
            clone["replaces"] = clone_code(clone["replaces"], copy_number)
        clones.append(clone)
    return clones


def synthetic_definitions(count: int = DEFAULT_COUNT, source: str | os.PathLike[str] = SHIPPED) -> dict:
    """The definitions of `source` with exactly `count` formats (originals first, then copies)."""
    data = _plain(parse_yaml(Path(source).read_text(encoding="utf-8")))
    originals = data["formats"]
    formats = list(originals)
    copy_number = 1
    while len(formats) < count:
        formats.extend(_clone_round(originals, copy_number))
        copy_number += 1
    formats = formats[:count]
    kept = {fmt["code"] for fmt in formats}
    for fmt in formats:
        if fmt.get("replaces") and fmt["replaces"] not in kept:
            del fmt["replaces"]  # its predecessor was cut off: the format simply starts at `from`
        if fmt.get("cross_checks"):  # a check across formats needs the other format
            fmt["cross_checks"] = [x for x in fmt["cross_checks"] if x["right"]["format"] in kept]
            if not fmt["cross_checks"]:
                del fmt["cross_checks"]
    result = {**data, "formats": formats}
    # a summary, a dashboard indicator and a scorecard need the formats they read
    result["summaries"] = [s for s in data.get("summaries", []) if s["format"] in kept]
    result["dashboard"] = [i for i in data.get("dashboard", []) if i["format"] in kept]
    result["scorecards"] = [
        card
        for card in data.get("scorecards", [])
        if all(i["format"] in kept for group in card["groups"] for i in group["indicators"])
    ]
    for section in ("summaries", "dashboard", "scorecards"):
        if not result[section]:
            del result[section]
    return result


def write_synthetic_definitions(
    path: str | os.PathLike[str],
    count: int = DEFAULT_COUNT,
    source: str | os.PathLike[str] = SHIPPED,
) -> Path:
    """Write the synthetic definitions file to `path`; returns the path."""
    target = Path(path)
    body = yaml.safe_dump(
        synthetic_definitions(count, source), sort_keys=False, allow_unicode=True, width=1000
    )
    target.write_text(HEADER.format(count=count, source=Path(source).name) + body, encoding="utf-8")
    return target


__all__ = ["DEFAULT_COUNT", "clone_code", "synthetic_definitions", "write_synthetic_definitions"]
